"""The discontinuity lab's numbers and their plain-language reading (NumPy only).

The book (Deep Learning with Python, section 8.5) says a GAN's latent space lacks a VAE's neat
continuous structure. Here that is measured, per walk (how uneven are the steps?) and over many
random paths (a perceptual-path-length-style smoothness), and then put into words.

Raw pixel distances flatter a blurry model: a VAE's images carry less fine detail, so any move
changes fewer pixels by less. The reading therefore leans on scale-free ratios (largest step over
median step, 99th percentile over median), and measures the detail of each model's images
instead of assuming which one is blurrier.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core import latent


def image_detail(images: np.ndarray) -> float:
    """Mean squared difference between neighbouring pixels of [-1, 1] images, on a [0, 1] scale:
    a measure of fine detail (blurry images score low)."""
    unit = latent.to_unit_range(images)
    across = np.mean((unit[:, :, 1:] - unit[:, :, :-1]) ** 2)
    down = np.mean((unit[:, 1:] - unit[:, :-1]) ** 2)
    return float((across + down) / 2)


SPACES = {
    "features": "the judge's features",
    "pixels": "pixels",
}


def walk_report(
    frames: dict[str, np.ndarray],
    k: float = latent.JUMP_FACTOR,
    features: Callable | None = None,
) -> dict[str, dict]:
    """Per model: per-step changes along the walk (in pixels, or in ``features`` of the frames)
    and their scale-free summary."""
    report = {}
    for name, images in frames.items():
        distances = latent.path_distances(images, features)
        report[name] = {"distances": distances, **latent.walk_summary(distances, k)}
    return report


def smoothness_report(
    generators: dict[str, Callable[[np.ndarray], np.ndarray]],
    latent_dim: int,
    num_paths: int,
    seed: int = 0,
    detail_samples: int = 64,
    features: Callable | None = None,
) -> dict[str, dict]:
    """Per model: the smoothness over ``num_paths`` random paths (the same paths for every model),
    plus the detail of its images at ``detail_samples`` seeds."""
    report = {}
    detail_latents = latent.seeds_to_latents(range(detail_samples), latent_dim)
    for name, generate in generators.items():
        result = latent.smoothness(generate, latent_dim, num_paths, seed=seed, features=features)
        result["detail"] = image_detail(generate(detail_latents))
        report[name] = result
    return report


def walk_rows(walks: dict[str, dict]) -> list[dict]:
    """One row per model for the walk's summary table."""
    return [
        {
            "model": name,
            "walk length": walk["length"],
            "median step": walk["median_step"],
            "largest step": walk["max_step"],
            "largest step / median": walk["max_over_median"],
            "jumps": len(walk["jumps"]),
        }
        for name, walk in walks.items()
    ]


def smoothness_rows(smooth: dict[str, dict]) -> list[dict]:
    """One row per model for the smoothness summary table."""
    return [
        {
            "model": name,
            "paths": s["num_paths"],
            "median": s["median"],
            "mean": s["mean"],
            "99th percentile": s["p99"],
            "p99 / median (scale-free)": s["p99_over_median"],
            "image detail": s["detail"],
        }
        for name, s in smooth.items()
    ]


def _times(value: float) -> str:
    if not np.isfinite(value):
        return "unbounded"
    return f"{value:.1f}×" if value < 100 else f"{value:.0f}×"


def _compare(a_name: str, a: float, b_name: str, b: float, what: str) -> str:
    if not (np.isfinite(a) and np.isfinite(b)) or min(a, b) <= 0:
        return ""
    if max(a, b) / min(a, b) < 1.5:
        return f"The two are close: by {what}, neither model is clearly less even than the other."
    rougher, calmer = (a_name, b_name) if a > b else (b_name, a_name)
    return (
        f"By {what}, the {rougher}'s space is the less even one: it moves in bursts, while "
        f"the {calmer}'s images change more steadily."
    )


def walk_reading(
    walks: dict[str, dict], k: float, more: str = "the many random paths below"
) -> list[str]:
    """The walk's figures in words: what they show for this walk and nothing more (``more``:
    where the reader finds more paths measured)."""
    lines = []
    moving = {}
    for name, walk in walks.items():
        if walk["median_step"] <= 0:
            lines.append(
                f"The {name}'s images do not change along this path (are the waypoints "
                "the same seed?)."
            )
        else:
            moving[name] = walk
    if not moving:
        return lines
    parts = [
        f"the {name}'s largest step is {_times(walk['max_over_median'])} its median step "
        f"({len(walk['jumps'])} jump{'s' if len(walk['jumps']) != 1 else ''} above {k:g}× "
        "the median)"
        for name, walk in moving.items()
    ]
    lines.append("Along this path " + "; ".join(parts) + ".")
    jumpers = [name for name, walk in moving.items() if walk["jumps"]]
    calm = [name for name in moving if name not in jumpers]
    if not jumpers:
        lines.append(
            f"No jump on this walk: no step is above {k:g}× its model's median step. One walk "
            f"crosses few places; {more} say more."
        )
    elif calm:
        lines.append(
            f"Only the {' and the '.join(jumpers)} jumps on this walk; the "
            f"{' and the '.join(calm)} changes without a step above {k:g}× its median."
        )
    elif len(moving) == 2:
        (a, wa), (b, wb) = moving.items()
        lines.append(
            "Both models jump on this walk. "
            + _compare(
                a,
                wa["max_over_median"],
                b,
                wb["max_over_median"],
                "the largest step over the median step of this walk",
            )
        )
    return [line.strip() for line in lines if line]


def smoothness_reading(smooth: dict[str, dict]) -> list[str]:
    names = list(smooth)
    num_paths = smooth[names[0]]["num_paths"]
    in_features = smooth[names[0]].get("space") == "features"
    change = "judge-feature change" if in_features else "pixel change"
    lines = [
        f"Over {num_paths} random paths, the median smoothness (the mean squared {change} "
        "of a tiny step along a path, divided by the step's size squared) is "
        + " and ".join(f"{smooth[n]['median']:.3g} for the {n}" for n in names)
        + "."
    ]
    if len(names) == 2 and not in_features:
        a, b = names
        raw_lower = a if smooth[a]["median"] < smooth[b]["median"] else b
        sharper = a if smooth[a]["detail"] > smooth[b]["detail"] else b
        blurrier = b if sharper == a else a
        ratio = smooth[sharper]["detail"] / max(smooth[blurrier]["detail"], 1e-12)
        lines.append(
            f"Read the raw figures with care: they flatter a blurrier model. The {blurrier}'s "
            f"images have {_times(ratio)} less fine detail than the {sharper}'s (neighbour-pixel "
            "difference), so any move changes fewer pixels by less"
            + (
                f" — which alone makes the {raw_lower}'s raw figure lower."
                if raw_lower == blurrier
                else "; even so, its raw figure is the higher one."
            )
        )
    if len(names) == 2:
        a, b = names
        lines.append(
            "The scale-free figure, the 99th percentile over the median, asks instead how often a "
            "tiny move causes a change far above the usual: "
            + " and ".join(f"{_times(smooth[n]['p99_over_median'])} for the {n}" for n in names)
            + ". "
            + _compare(
                a, smooth[a]["p99_over_median"], b, smooth[b]["p99_over_median"], "this ratio"
            )
        )
    else:
        only = names[0]
        lines.append(
            f"Its 99th percentile is {_times(smooth[only]['p99_over_median'])} its "
            "median. Add the other model to compare the two spaces."
        )
    if num_paths < 100:
        lines.append(
            f"With only {num_paths} paths the 99th percentile rests on very few paths; "
            "use 256 or more for a figure worth quoting."
        )
    if in_features:
        lines.append(
            "Distances here are in the judge's features (its penultimate layer, as Karras et "
            "al.'s perceptual path length uses a network's features): they measure how much "
            "what the image shows changes, and do not flatter a blurry model as pixels do."
        )
    else:
        lines.append(
            "All distances here are in pixels, not perceptual features, so they measure how "
            "much the image changes, not how much its meaning does."
        )
    return lines
