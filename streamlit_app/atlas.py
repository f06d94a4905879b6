"""The latent atlas's pictures and words (NumPy and Pillow only, so tests need no Streamlit):
maps on one shared colour scale, a PNG of grid + map per model, summary rows and their reading.

Each model's map is divided by its own median (scale-free, as in the lab) and shown as
log10(value / median) on one colour scale shared by every model, so a cliff of the same height
has the same colour in both.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ..core import latent
from ..core.images import to_uint8
from .media import IMAGE_SIZE, label_font

MEASURES = {
    "area": "area magnification √det(JᵀJ)",
    "stretch": "largest singular value",
}
# Matplotlib's viridis at nine even stops (dark = the model's usual change, bright = cliffs);
# web_demo/js/render.js uses the same stops.
VIRIDIS = np.array(
    [
        [0x44, 0x01, 0x54],
        [0x48, 0x28, 0x78],
        [0x3E, 0x49, 0x89],
        [0x31, 0x68, 0x8E],
        [0x26, 0x82, 0x8E],
        [0x1F, 0x9E, 0x89],
        [0x35, 0xB7, 0x79],
        [0x6E, 0xCE, 0x58],
        [0xFD, 0xE7, 0x25],
    ],
    dtype=np.float64,
)
# Pillow's built-in font has no √, ᵀ or ×: the PNGs spell them out.
PNG_MEASURES = {"area": "area magnification sqrt(det J^T J)", "stretch": "largest singular value"}
FLOOR = 1e-3  # log10 of a map value at or below zero is shown as 1/1000 of the median


def relative_log(values: np.ndarray) -> np.ndarray:
    """log10(value / median) of one map; zeros (and a zero median) are floored, not -inf."""
    values = np.asarray(values, dtype=np.float64)
    median = np.median(values)
    if not median > 0:
        return np.full(values.shape, np.log10(FLOOR))
    return np.log10(np.maximum(values / median, FLOOR))


def shared_domain(maps: dict[str, np.ndarray]) -> tuple[float, float]:
    """One colour range for every model's log-relative map: from the lowest 1st percentile to
    the highest maximum, always holding [-0.5, 0.5] (the median sits mid-scale when all is calm)."""
    logs = [relative_log(m) for m in maps.values()]
    lo = min(min(float(np.percentile(x, 1)) for x in logs), -0.5)
    hi = max(max(float(x.max()) for x in logs), 0.5)
    return lo, hi


def colour(values: np.ndarray, domain: tuple[float, float]) -> np.ndarray:
    """Values mapped onto viridis over ``domain`` (clipped): uint8 RGB of shape values.shape + (3,)."""
    lo, hi = domain
    t = np.clip((np.asarray(values, np.float64) - lo) / (hi - lo), 0.0, 1.0) * (len(VIRIDIS) - 1)
    below = np.minimum(np.floor(t).astype(int), len(VIRIDIS) - 2)
    frac = (t - below)[..., None]
    rgb = VIRIDIS[below] * (1 - frac) + VIRIDIS[below + 1] * frac
    return np.round(rgb).astype(np.uint8)


def map_picture(
    values: np.ndarray,
    domain: tuple[float, float],
    marks: list[tuple[float, float]],
    labels: list[str],
    cell: int,
    picked: tuple[int, int] | None = None,
) -> Image.Image:
    """One map as an image, ``cell`` pixels a cell, the seeds marked as white rings with their
    labels, and the picked cell outlined."""
    rgb = colour(relative_log(values), domain).repeat(cell, 0).repeat(cell, 1)
    picture = Image.fromarray(rgb)
    draw = ImageDraw.Draw(picture)
    font = label_font(12)
    for (row, column), label in zip(marks, labels, strict=True):
        x, y = column * cell, row * cell
        radius = max(3, cell // 3)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline="white", width=2)
        draw.text((x + radius + 2, y - radius - 2), label, fill="white", font=font)
    if picked is not None:
        row, column = picked
        draw.rectangle(
            (column * cell, row * cell, (column + 1) * cell - 1, (row + 1) * cell - 1),
            outline="red",
            width=2,
        )
    return picture


def colour_bar(domain: tuple[float, float], width: int, height: int = 14) -> Image.Image:
    """A horizontal colour bar with its ends and the median labelled (as multiples of it)."""
    font = label_font(12)
    ramp = colour(np.linspace(domain[0], domain[1], width)[None, :], domain)
    bar = Image.new("RGB", (width, height + 18), "white")
    bar.paste(Image.fromarray(ramp.repeat(height, 0)), (0, 0))
    draw = ImageDraw.Draw(bar)
    middle = round((0 - domain[0]) / (domain[1] - domain[0]) * (width - 1))
    for value, x, anchor in (
        (domain[0], 0, "la"),
        (0.0, middle, "ma"),
        (domain[1], width - 1, "ra"),
    ):
        draw.line((x, 0, x, height), fill="black")
        text = "median" if value == 0 else f"{10**value:.2g}x median"
        draw.text((x, height + 3), text, fill="black", font=font, anchor=anchor)
    return bar


# The download's squares: at most this many pixels a side, the image grid and the map drawn at
# the same pixels a cell. Two models' grids of noise (the worst case for PNG) then stay under
# 1 MB; at 32 pixels an image a 24 x 24 grid alone was 768 pixels, and the file over 3 MB.
PNG_SIDE = 360
PNG_GAP = 16  # between the two squares of a row
PNG_MARGIN = 12
PNG_BAND = 22  # a line of 14-pixel text, with room


def png_cell(n: int, side: int = PNG_SIDE) -> int:
    """Pixels a cell in the download, the same in the image grid and in the map."""
    return max(2, min(2 * IMAGE_SIZE, side // n))


def cell_grid(images: np.ndarray, cell: int) -> Image.Image:
    """(n, n, 32, 32, 3) images in [-1, 1] as one picture, each image resized to ``cell``
    pixels: averaged when shrunk (a nearest-neighbour shrink drops whole rows of pixels), kept
    crisp when enlarged."""
    n = images.shape[0]
    pixels = to_uint8(images)
    method = Image.Resampling.BOX if cell < IMAGE_SIZE else Image.Resampling.NEAREST
    picture = Image.new("RGB", (n * cell, n * cell), "white")
    for row in range(n):
        for column in range(n):
            tile = Image.fromarray(pixels[row, column]).resize((cell, cell), method)
            picture.paste(tile, (column * cell, row * cell))
    return picture


def plane_title(plane: latent.Plane, space: str) -> str:
    """The plane in words, for the download's first line."""
    if plane.kind == "seeds":
        where = f"the plane through seeds {', '.join(map(str, plane.seeds))}"
    else:
        where = f"a random plane through seed {plane.seeds[0]} (directions' seed {plane.seeds[1]})"
    return f"latentwalk atlas: {where}, change measured in {space}"


def atlas_png(
    results: dict[str, dict],
    measure: str,
    marks: list[tuple[float, float]],
    labels: list[str],
    picked: tuple[int, int] | None = None,
    title: str = "",
    side: int = PNG_SIDE,
) -> Image.Image:
    """Every model as one row of two squares at the same scale, each named: its N x N image
    grid and its map on the shared colour scale; the colour bar and the scale under them. For
    the download button and the README figure."""
    maps = {name: result[measure] for name, result in results.items()}
    domain = shared_domain(maps)
    n = next(iter(results.values()))["images"].shape[0]
    cell = png_cell(n, side)
    square = n * cell
    font, small = label_font(14), label_font(12)
    measure_words = PNG_MEASURES[measure]
    notes = [
        f"Colour: {measure_words} / the model's own median, on a log scale shared by the maps.",
        f"Both squares: {n} x {n} cells, {cell} px a cell. White rings: the seeds"
        + ("; red: the picked cell." if picked is not None else "."),
    ]
    texts = [title, *notes]
    width = max(
        2 * square + PNG_GAP + 2 * PNG_MARGIN,
        *(int(font.getlength(text)) + 2 * PNG_MARGIN for text in texts),
    )
    bar = colour_bar(domain, min(2 * square + PNG_GAP, 512))
    top = PNG_MARGIN + (PNG_BAND if title else 0)
    height = top + len(results) * (PNG_BAND + square + 8) + bar.height + 2 * PNG_BAND + PNG_MARGIN
    out = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(out)
    if title:
        draw.text((PNG_MARGIN, PNG_MARGIN), title, fill="black", font=font)
    for name, result in results.items():
        right = PNG_MARGIN + square + PNG_GAP
        draw.text((PNG_MARGIN, top + 3), f"{name}: images", fill="black", font=font)
        draw.text((right, top + 3), f"{name}: change map", fill="black", font=font)
        out.paste(cell_grid(result["images"], cell), (PNG_MARGIN, top + PNG_BAND))
        out.paste(
            map_picture(maps[name], domain, marks, labels, cell, picked), (right, top + PNG_BAND)
        )
        top += PNG_BAND + square + 8
    out.paste(bar, (PNG_MARGIN, top))
    top += bar.height + 4
    for note in notes:
        draw.text((PNG_MARGIN, top), note, fill=(40, 40, 40), font=small)
        top += PNG_BAND - 4
    return out


def summary_rows(results: dict[str, dict], measure: str, k: float) -> list[dict]:
    """One row per model: the plane's scale-free figures."""
    rows = []
    for name, result in results.items():
        summary = latent.atlas_summary(result[measure], k)
        rows.append(
            {
                "model": name,
                "median": summary["median"],
                f"cliffs (share above {k:g}× median)": summary["cliff_share"],
                "p99 / median": summary["p99_over_median"],
                "max / median": summary["max_over_median"],
            }
        )
    return rows


def random_rows(summaries: dict[str, list[dict]]) -> list[dict]:
    """Per model, the median and spread of the figures over the random planes."""
    rows = []
    for name, planes in summaries.items():
        cliffs = np.array([p["cliff_share"] for p in planes])
        tails = np.array([p["p99_over_median"] for p in planes])
        rows.append(
            {
                "model": name,
                "planes": len(planes),
                "cliffs: median share": float(np.median(cliffs)),
                "cliffs: planes with any": int(np.sum(cliffs > 0)),
                "p99 / median: median": float(np.median(tails)),
                "p99 / median: worst plane": float(np.max(tails)),
            }
        )
    return rows


def reading(results: dict[str, dict], measure: str, k: float) -> list[str]:
    """The plane's figures in words, claiming only what the numbers show."""
    lines = []
    figures = {row["model"]: row for row in summary_rows(results, measure, k)}
    cliff_key = f"cliffs (share above {k:g}× median)"
    for name, row in figures.items():
        share = row[cliff_key]
        if not np.isfinite(share):
            lines.append(f"The {name}'s images do not change anywhere on this plane.")
            continue
        where = (
            f"{share:.0%} of the plane is a cliff (above {k:g}× its median)"
            if share > 0
            else f"no cell is above {k:g}× its median"
        )
        lines.append(
            f"The {name}: {where}; its 99th percentile is {row['p99 / median']:.2g}× its median "
            f"and its largest cell {row['max / median']:.2g}×."
        )
    if len(figures) == 2:
        (a, ra), (b, rb) = figures.items()
        ta, tb = ra["p99 / median"], rb["p99 / median"]
        if np.isfinite(ta) and np.isfinite(tb) and min(ta, tb) > 0:
            if max(ta, tb) / min(ta, tb) < 1.25:
                lines.append("On this plane the two maps are about as uneven as each other.")
            else:
                rough, calm = (a, b) if ta > tb else (b, a)
                lines.append(
                    f"On this plane the {rough}'s map is the less even: its tail of large "
                    f"changes reaches further above its usual change than the {calm}'s does."
                )
    return lines
