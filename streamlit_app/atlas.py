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
from ..core.images import make_grid

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
    for (row, column), label in zip(marks, labels, strict=True):
        x, y = column * cell, row * cell
        radius = max(3, cell // 3)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline="white", width=2)
        draw.text((x + radius + 2, y - radius - 2), label, fill="white")
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
    ramp = colour(np.linspace(domain[0], domain[1], width)[None, :], domain)
    bar = Image.new("RGB", (width, height + 14), "white")
    bar.paste(Image.fromarray(ramp.repeat(height, 0)), (0, 0))
    draw = ImageDraw.Draw(bar)
    for value, anchor in ((domain[0], 0), (0.0, None), (domain[1], width - 1)):
        x = anchor if anchor is not None else int((0 - domain[0]) / (domain[1] - domain[0]) * width)
        text = f"{10**value:.2g}x"
        offset = 0 if anchor == 0 else (len(text) * 6 if anchor else len(text) * 3)
        draw.line((x, 0, x, height), fill="black")
        draw.text((max(0, x - offset), height), text, fill="black")
    return bar


def atlas_png(
    results: dict[str, dict],
    measure: str,
    marks: list[tuple[float, float]],
    labels: list[str],
    picked: tuple[int, int] | None = None,
    scale: int = 1,
) -> Image.Image:
    """Every model as one row: its N x N image grid, then its map on the shared scale; a colour
    bar at the bottom. For the download button and the README figure."""
    maps = {name: result[measure] for name, result in results.items()}
    domain = shared_domain(maps)
    rows = []
    for name, result in results.items():
        n = result["images"].shape[0]
        grid = Image.fromarray(
            make_grid(result["images"].reshape(n * n, 32, 32, 3), columns=n, scale=scale, padding=0)
        )
        picture = map_picture(maps[name], domain, marks, labels, grid.width // n, picked)
        row = Image.new("RGB", (100 + grid.width + 12 + picture.width, grid.height), "white")
        ImageDraw.Draw(row).text((8, grid.height // 2 - 6), name, fill="black")
        row.paste(grid, (100, 0))
        row.paste(picture, (100 + grid.width + 12, 0))
        rows.append(row)
    width = max(r.width for r in rows)
    bar = colour_bar(domain, min(width - 112, 512))
    title = f"{PNG_MEASURES[measure]} / the model's median (log colour scale, shared)"
    out = Image.new("RGB", (width, sum(r.height + 8 for r in rows) + bar.height + 22), "white")
    top = 0
    for row in rows:
        out.paste(row, (0, top))
        top += row.height + 8
    ImageDraw.Draw(out).text((100, top), title, fill="black")
    out.paste(bar, (100, top + 14))
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
