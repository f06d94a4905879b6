"""The data sets a site offers: which export folders belong to which data set of
core/datasets.py, where their models go in the site, and the measured figures
(models/figures/tears-<id>.json, from models/recipes/measure_tears.py) that carry each one's verdict.

Two ways to name them, both checked here once, before anything is read or written:

    --gan DIR --vae DIR [--book DIR]          the frogs, in the one-data-set layout
                                              (SITE/models/gan/, models/vae/, models/book/)
    --dataset ID GAN_DIR VAE_DIR (repeatable)  any data set of core/datasets.py, nested by id
                                              (SITE/models/ID/gan/, models/ID/vae/)

The page reads every path from SITE/models/index.json, so these functions are the only place
that knows the layout.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core import layout
from ..core.datasets import BY_ID, DATASETS, DEFAULT_DATASET
from .errors import ExportError

INDEX = "models/index.json"  # the page's one entry point: models, data sets, figures
FIGURES = (
    layout.SHIPPED_MODELS / "figures"
)  # where models/recipes/measure_tears.py writes tears-<id>.json
FIGURES_IN_SITE = "models/figures"  # the same file names inside the site
FROGS = "frog"  # the data set --gan/--vae/--book name (the book's setting)
# The site's models by id (the page reads the ids from models/index.json; the command line takes
# --<id>): each one's run kind, and what its option takes.
SITE_MODELS = {
    "gan": ("gan", "the frogs' GAN export folder (from `python -m export RUN --out DIR`)"),
    "vae": ("vae", "the frogs' VAE export folder (decoder and encoder)"),
    "book": (
        "gan",
        "an export of the book's GAN (preset book, frogs), offered on the page on request: "
        "a large download and over 100x the small GAN's work an image",
    ),
}
GAN, VAE, BOOK = SITE_MODELS
KIND_OF_ID = {model_id: kind for model_id, (kind, _) in SITE_MODELS.items()}
MEASURED_BY = "models/recipes/measure_tears.py"


@dataclass(frozen=True)
class SiteDataset:
    """One data set of the site: its id (core/datasets.py) and its export folders by the page's
    model id (SITE_MODELS)."""

    id: str
    exports: dict[str, Path]
    nested: bool = True  # False: --gan/--vae/--book's one-data-set layout (models/gan/...)

    def option(self, model_id: str) -> str:
        """How the command line named an export folder, for messages."""
        return f"--dataset {self.id}" if self.nested and model_id != BOOK else f"--{model_id}"

    def model_folder(self, model_id: str) -> str:
        """Where a model's role folders go in the site: "models/gan/", "models/cifar10/vae/"."""
        return f"models/{self.id}/{model_id}/" if self.nested else f"models/{model_id}/"

    def tears_path(self) -> str:
        """Where its figures go in the site (when it has them)."""
        return f"{FIGURES_IN_SITE}/{BY_ID[self.id].tears}"


def site_datasets(
    gan: Path | None = None,
    vae: Path | None = None,
    book: Path | None = None,
    datasets: Sequence[tuple[str, Path, Path]] = (),
) -> list[SiteDataset]:
    """The site's data sets in core/datasets.py's order, from --gan/--vae/--book (the frogs)
    and each --dataset ID GAN_DIR VAE_DIR. Raises ExportError for an unknown id, an id given
    twice, or the book GAN without the frogs."""
    found: dict[str, SiteDataset] = {}
    if gan is not None or vae is not None:
        legacy = {GAN: gan, VAE: vae}
        found[FROGS] = SiteDataset(FROGS, {k: Path(v) for k, v in legacy.items() if v}, False)
    for dataset_id, gan_dir, vae_dir in datasets:
        if dataset_id not in BY_ID:
            raise ExportError(
                f"--dataset {dataset_id!r}: unknown data set; expected one of "
                f"{', '.join(BY_ID)} (see core/datasets.py)"
            )
        if dataset_id in found:
            how = "by --gan/--vae (the frogs)" if not found[dataset_id].nested else "before"
            raise ExportError(
                f"--dataset {dataset_id}: that data set is already given {how}; give it once"
            )
        found[dataset_id] = SiteDataset(dataset_id, {GAN: Path(gan_dir), VAE: Path(vae_dir)})
    if not found:
        raise ExportError(
            "give --gan DIR and/or --vae DIR (export folders), or --dataset ID GAN_DIR VAE_DIR"
        )
    if book is not None:
        if FROGS not in found:
            raise ExportError(
                "--book is the frogs' book GAN: give the frogs' models too "
                f"(--gan/--vae, or --dataset {FROGS} GAN_DIR VAE_DIR)"
            )
        frogs = found[FROGS]
        found[FROGS] = SiteDataset(FROGS, {**frogs.exports, BOOK: Path(book)}, frogs.nested)
    return [found[d.id] for d in DATASETS if d.id in found]


def default_dataset(datasets: Sequence[SiteDataset], wanted: str | None = None) -> str:
    """The data set the page opens on: ``wanted`` (--default-dataset), else the project's
    default (core/datasets.py) when the site has it, else the first."""
    ids = [d.id for d in datasets]
    if wanted is not None:
        if wanted not in ids:
            raise ExportError(
                f"--default-dataset {wanted}: not one of this site's data sets ({', '.join(ids)})"
            )
        return wanted
    return DEFAULT_DATASET if DEFAULT_DATASET in ids else ids[0]


def _finite(value):
    """NaN and infinities as null (JSON.parse in the page reads no NaN); the rest unchanged."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def read_tears(figures: Path | None, dataset_id: str) -> dict | None:
    """A data set's measured figures from ``figures``/tears-<id>.json, ready for the page; None
    when there is no such file (the page then says it has no measured verdict)."""
    if figures is None:
        return None
    path = Path(figures) / BY_ID[dataset_id].tears
    if not path.is_file():
        return None
    redo = f"measure it again: python {MEASURED_BY} {dataset_id}"
    try:
        tears = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ExportError(f"{path} cannot be read ({error}); {redo}") from None
    if not isinstance(tears, dict) or not isinstance(tears.get("models"), dict):
        raise ExportError(f'{path} holds no figures (no "models" in it); {redo}')
    said = (tears.get("dataset") or {}).get("id")
    if said != dataset_id:
        raise ExportError(f"{path} says it measured data set {said!r}, not {dataset_id!r}; {redo}")
    return _finite(tears)


def dataset_entry(dataset: SiteDataset, tears: dict | None) -> dict:
    """The data set's entry in models/index.json (its models are listed under "models")."""
    known = BY_ID[dataset.id]
    return {
        "id": dataset.id,
        "label": known.label,
        "short": known.short,
        "classes": known.classes,
        "tears": dataset.tears_path() if tears is not None else None,
    }
