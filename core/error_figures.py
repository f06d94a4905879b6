"""What each model cannot draw, as numbers and one picture: the spread of the errors with which
the GAN (its projections, core/projection.py) and the VAE (its reconstructions) draw real
held-out images, in the judge's features, and the real images each draws worst.

models/recipes/project_heldout.py measures them into models/figures/real-<id>.json; the README,
the app and the page read the summaries (Bau et al., "Seeing What a GAN Cannot Generate", 2019).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

COLOURS = {"GAN": (214, 39, 40), "VAE": (31, 119, 180)}  # the app's and the page's chart colours


def summary(feature_error: np.ndarray, pixel_error: np.ndarray, classes: Sequence[str]) -> dict:
    """The distribution of one model's errors: quantiles of the feature error, the mean pixel
    error, and the median feature error of each class."""
    feature_error, classes = np.asarray(feature_error), np.asarray(classes)
    q10, q50, q90 = np.quantile(feature_error, [0.1, 0.5, 0.9])
    return {
        "images": int(len(feature_error)),
        "feature_error_median": round(float(q50), 4),
        "feature_error_q10": round(float(q10), 4),
        "feature_error_q90": round(float(q90), 4),
        "pixel_error_mean": round(float(np.mean(pixel_error)), 4),
        "feature_error_median_by_class": {
            str(name): round(float(np.median(feature_error[classes == name])), 4)
            for name in dict.fromkeys(classes.tolist())
        },
    }


def describe(summary: dict) -> str:
    return (
        f"median feature error {summary['feature_error_median']:.3f} "
        f"(10-90%: {summary['feature_error_q10']:.3f}-{summary['feature_error_q90']:.3f}), "
        f"mean pixel error {summary['pixel_error_mean']:.3f}, over {summary['images']} images"
    )


def better_drawn_share(gan: Sequence[float], vae: Sequence[float]) -> float:
    """The share of images the GAN draws closer (in judge features) than the VAE does."""
    gan, vae = np.asarray(gan), np.asarray(vae)
    return float(np.mean(gan < vae))


def histogram_png(
    figures: dict, width: int = 640, height: int = 240, bins: int = 30
) -> Image.Image:
    """Both models' feature errors as outlined histograms on one axis, medians dashed."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    left, right, top, bottom = 44, width - 12, 30, height - 40
    errors = {name: np.asarray(m["feature_error"]) for name, m in figures["models"].items()}
    every = np.concatenate(list(errors.values()))
    low, high = float(np.quantile(every, 0.005)) * 0.95, float(np.quantile(every, 0.995)) * 1.05
    edges = np.linspace(low, high, bins + 1)
    counts = {name: np.histogram(np.clip(e, low, high), edges)[0] for name, e in errors.items()}
    tallest = max(int(c.max()) for c in counts.values()) or 1
    draw.rectangle((left, top, right, bottom), outline=(180, 180, 180))

    def x_of(value):
        return left + (value - low) / (high - low) * (right - left)

    for tick in np.linspace(low, high, 5):
        draw.line((x_of(tick), bottom, x_of(tick), bottom + 4), fill="black")
        draw.text((x_of(tick) - 10, bottom + 6), f"{tick:.2f}", fill="black")
    draw.text(
        (left, bottom + 22), "RMS error in the judge's features (lower: drawn closer)", fill="black"
    )
    draw.text((4, top - 2), f"{tallest}", fill="black")
    draw.text((4, top + 12), "images", fill="black")
    draw.text(
        (left, 8), f"How closely each model draws {figures['label']} it never saw", fill="black"
    )
    for row, (name, count) in enumerate(counts.items()):
        colour = COLOURS.get(name, (0, 0, 0))
        points = []
        for index, value in enumerate(count):
            y = bottom - value / tallest * (bottom - top)
            points += [(x_of(edges[index]), y), (x_of(edges[index + 1]), y)]
        draw.line([(left, bottom)] + points + [(right, bottom)], fill=colour, width=2)
        median = figures["models"][name]["summary"]["feature_error_median"]
        for y in range(top, bottom, 8):  # dashed: a median, not a bar
            draw.line((x_of(median), y, x_of(median), y + 4), fill=colour, width=2)
        draw.text((right - 130, top + 6 + 16 * row), f"{name}: median {median:.3f}", fill=colour)
    return image


def gallery_png(
    title: str, indices: Sequence[int], real: np.ndarray, gan: np.ndarray, vae: np.ndarray,
    scale: int = 2,
) -> Image.Image:  # fmt: skip
    """Rows of target | GAN | VAE (uint8 images) for ``indices``, titled and with column names."""
    tile, pad, head = 32 * scale, 4, 36
    columns = (("real", real), ("GAN", gan), ("VAE", vae))
    image = Image.new("RGB", (pad + 3 * (tile + pad), head + len(indices) * (tile + pad)), "white")
    draw = ImageDraw.Draw(image)
    draw.text((pad, 2), title, fill="black")
    for column, (name, _) in enumerate(columns):
        draw.text((pad + column * (tile + pad), 20), name, fill=COLOURS.get(name, (0, 0, 0)))
    for row, index in enumerate(indices):
        for column, (_, pictures) in enumerate(columns):
            picture = Image.fromarray(pictures[index]).resize(
                (tile, tile), Image.Resampling.NEAREST
            )
            image.paste(picture, (pad + column * (tile + pad), head + row * (tile + pad)))
    return image


def figure_png(figures: dict, real: np.ndarray, gan: np.ndarray, vae: np.ndarray) -> Image.Image:
    """The histogram over the two galleries of worst-drawn images (GAN's, VAE's), one PNG."""
    chart = histogram_png(figures)
    galleries = [
        gallery_png(f"worst drawn by the {name}", figures["models"][name]["worst"], real, gan, vae)
        for name in ("GAN", "VAE")
    ]
    width = max(chart.width, sum(g.width for g in galleries) + 24)
    image = Image.new("RGB", (width, chart.height + max(g.height for g in galleries)), "white")
    image.paste(chart, (0, 0))
    left = 12
    for gallery in galleries:
        image.paste(gallery, (left, chart.height))
        left += gallery.width + 12
    return image


def walk_png(rows: dict, ends: Sequence[np.ndarray], caption: str, scale: int = 2) -> Image.Image:
    """A walk between two real images: a row of frames per model (uint8), each framed by the two
    real images, named in the model's colour, with ``caption`` above."""
    tile, pad, head, name_width = 32 * scale, 3, 20, 40
    count = len(next(iter(rows.values())))
    width = name_width + (count + 2) * (tile + pad) + 8 + pad
    image = Image.new("RGB", (width, head + len(rows) * (tile + pad) + pad), "white")
    draw = ImageDraw.Draw(image)
    draw.text((name_width, 4), caption, fill="black")

    def paste(pixels, x, y):
        image.paste(Image.fromarray(pixels).resize((tile, tile), Image.Resampling.NEAREST), (x, y))

    for row, (name, frames) in enumerate(rows.items()):
        y = head + row * (tile + pad)
        draw.text((4, y + tile // 2 - 6), name, fill=COLOURS.get(name, (0, 0, 0)))
        paste(ends[0], name_width, y)
        for index, frame in enumerate(frames):
            paste(frame, name_width + 4 + (index + 1) * (tile + pad), y)
        paste(ends[1], name_width + 8 + (count + 1) * (tile + pad), y)
    return image


def reading(gan: dict, vae: dict, gan_share: float) -> str:
    """The distributions in one sentence, from their summaries and the share of images the GAN
    draws closer in features (better_drawn_share)."""
    count = gan["images"]
    closer = "GAN" if gan_share >= 0.5 else "VAE"
    share = gan_share if closer == "GAN" else 1 - gan_share
    pixels = "VAE" if vae["pixel_error_mean"] < gan["pixel_error_mean"] else "GAN"
    return (
        f"Over {count} held-out images, the {closer}'s picture is the closer one for "
        f"{share:.0%} of them in the judge's features (median error: GAN "
        f"{gan['feature_error_median']:.2f}, VAE {vae['feature_error_median']:.2f}); in pixels "
        f"the {pixels}'s are closer (mean RMS: GAN {gan['pixel_error_mean']:.3f}, VAE "
        f"{vae['pixel_error_mean']:.3f})."
    )
