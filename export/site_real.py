"""The real images a site offers for walks between real images: each data set's held-out
showcase (models/figures/real-<id>.json and .png, from models/recipes/project_heldout.py), cut
down to what the page reads:

    SITE/models/figures/real-<id>.png    the images, 32 x 32 each, in one row
    SITE/models/figures/real-<id>.json   {file, classes, heldout_index, gan_latents (or null),
                                          summary: {GAN, VAE}, better_drawn_by_gan, reading,
                                          figure}
    SITE/models/figures/cannot-draw-<id>.png   the errors' distributions and the worst-drawn

The GAN's codes were searched for in one particular generator (the figures name its file's
SHA-256); a site whose GAN is another model gets no codes, and the page finds them itself.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from ..core import layout
from ..core.datasets import BY_ID
from ..core.error_figures import better_drawn_share, reading
from .errors import ExportError

MADE_BY = "models/recipes/project_heldout.py"


def real_name(dataset_id: str) -> str:
    return f"real-{dataset_id}.json"


def read_real(figures: Path | None, dataset_id: str, gan_export: Path | None) -> dict | None:
    """The page's view of a data set's showcase (None when ``figures`` has none); the GAN's
    codes only when ``gan_export`` holds the generator they were found in."""
    if figures is None or dataset_id not in BY_ID:
        return None
    path = Path(figures) / real_name(dataset_id)
    if not path.is_file():
        return None
    redo = f"make it again: python {MADE_BY} {dataset_id}"
    try:
        stored = json.loads(path.read_text())
        shown = stored["showcase"]
        picks = shown["images"]
        image = Path(figures) / shown["file"]
        page = {
            "file": shown["file"],
            "classes": [stored["images"][i]["class"] for i in picks],
            "heldout_index": [stored["images"][i]["heldout_index"] for i in picks],
            "gan_latents": None,
            "summary": {name: model["summary"] for name, model in stored["models"].items()},
            "better_drawn_by_gan": better_drawn_share(
                stored["models"]["GAN"]["feature_error"], stored["models"]["VAE"]["feature_error"]
            ),
            "figure": None,
        }
        page["reading"] = reading(
            page["summary"]["GAN"], page["summary"]["VAE"], page["better_drawn_by_gan"]
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        raise ExportError(
            f"{path} cannot be read ({type(error).__name__}: {error}); {redo}"
        ) from None
    if not image.is_file():
        raise ExportError(f"{path} names {image.name}, which is missing; {redo}")
    generator = layout.find_model_file(gan_export, "generator") if gan_export else None
    if generator is not None and stored.get("gan_sha256") == _sha256(generator):
        page["gan_latents"] = shown["gan_latents"]
    page["_image"] = image
    figure = Path(figures) / f"cannot-draw-{dataset_id}.png"  # the errors' figure, when drawn
    if figure.is_file():
        page["figure"], page["_figure"] = figure.name, figure
    return page


def write_real(site: Path, folder: str, dataset_id: str, page: dict) -> str:
    """Write ``page`` (read_real's for ``dataset_id``) and its images into the site's
    ``folder``; returns the JSON's path in the site."""
    target = site / folder
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(page["_image"], target / page["file"])
    if page.get("_figure"):
        shutil.copy2(page["_figure"], target / page["figure"])
    name = real_name(dataset_id)
    body = {key: value for key, value in page.items() if not key.startswith("_")}
    (target / name).write_text(json.dumps(body) + "\n")
    return f"{folder}/{name}"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
