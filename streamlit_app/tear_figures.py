"""The tear figures as the app shows them (no Streamlit here): the shipped measurements of each
data set (models/figures/tears-<id>.json, written by models/recipes/measure_tears.py), which data set a
model belongs to, and the figures as table rows."""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..core import tearing
from ..core.datasets import BY_ID, DATASETS, DEFAULT_DATASET, Dataset, dataset_of
from . import models as discovery
from .models import FoundModel

OTHER = "other"  # the data-set choice (and URL value) for models trained on anything else


def model_dataset(model: FoundModel) -> str:
    """The id of the shipped data set ``model`` was trained on, or OTHER. Every class of a
    source that is not CIFAR-10 is not the ten-class data set."""
    trained = model.trained.class_name if model.trained else None
    found = dataset_of(trained)
    source = str((model.config.get("data") or {}).get("source", "cifar10"))
    if found is None or (found.classes == "all" and "cifar" not in source.lower()):
        return OTHER
    return found.id


def dataset_choices(found: list[FoundModel]) -> list[str]:
    """The data sets that have a model among ``found``, in DATASETS order (the default first
    when it has models), then OTHER when some model belongs to none."""
    present = {model_dataset(model) for model in found}
    ids = [dataset.id for dataset in DATASETS if dataset.id in present]
    if DEFAULT_DATASET in ids:
        ids.remove(DEFAULT_DATASET)
        ids.insert(0, DEFAULT_DATASET)
    return ids + ([OTHER] if OTHER in present else [])


def dataset_label(dataset_id: str) -> str:
    return BY_ID[dataset_id].label if dataset_id in BY_ID else "other models"


def load_figures(dataset: Dataset, folder: Path | None = None) -> dict | None:
    """The shipped measurements of ``dataset`` (in models/figures/), or None when there are none
    (or they are unreadable)."""
    folder = discovery.SHIPPED_DIR / "figures" if folder is None else folder
    try:
        figures = json.loads((folder / dataset.tears).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(figures, dict) or not isinstance(figures.get("models"), dict):
        return None
    return figures


def measured_here(figures: dict, chosen: dict[str, str]) -> bool:
    """Whether the figures are of the models now chosen (kind -> folder name)."""
    measured = figures.get("models_measured") or {}
    return all(chosen.get(name.lower()) == folder for name, folder in measured.items())


def _number(value, digits: int = 3) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return round(float(value), digits)


def _interval(item: dict | None, key: str = "share") -> str:
    if not item or item.get(key) is None:
        return "–"
    low, high = item.get("ci") or (None, None)
    if low is None or high is None:
        return f"{item[key]:.3f}"
    return f"{item[key]:.3f} ({low:.3f}–{high:.3f})"


def figure_rows(figures: dict) -> list[dict]:
    """One row per model: the figures of the verdict, with their 95 % intervals."""
    rows = []
    for name, model in figures["models"].items():
        transitions = model.get("transitions") or {}
        tails = model.get("tails") or {}
        tears = (model.get("tears") or {}).get("tears") or []
        width = "–"
        if transitions.get("width_median") is not None:
            low, high = transitions.get("width_median_ci") or (None, None)
            width = f"{transitions['width_median']:.3f}"
            if low is not None and high is not None:
                width += f" ({low:.3f}–{high:.3f})"
        rows.append(
            {
                "model": name,
                "class-switch width": width,
                "walks that switch": f"{transitions.get('switching', 0)} of "
                f"{transitions.get('pairs', 0)}",
                "change piled in the band": _number(transitions.get("concentration_median"), 2),
                "between classes (top p < 0.5)": _interval(model.get("between_class")),
                "outside the real images' k-NN balls": _interval(model.get("outside_real")),
                "p99.9 / median step": _number(tails.get("p999_over_median"), 2),
                "largest 1 % of steps' share of path": _number(tails.get("top1_share"), 3),
                "tail index": _number(tails.get("tail_index"), 1),
                "steepest stretch found (× median stretch)": _number(
                    tears[0]["stretch_over_typical"] if tears else None, 1
                ),
                "a tear or a slope (zoomed in)": (
                    None if not tears else "a tear" if tearing.is_tear(tears[0]) else "a slope"
                ),
            }
        )
    return rows


def width_rows(figures: dict) -> list[dict]:
    """For charts.width_chart."""
    rows = []
    for name, model in figures["models"].items():
        transitions = model.get("transitions") or {}
        if transitions.get("width_median") is None:
            continue
        low, high = transitions.get("width_median_ci") or (None, None)
        rows.append({"model": name, "width": transitions["width_median"], "low": low, "high": high})
    return rows
