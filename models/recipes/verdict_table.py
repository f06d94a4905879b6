"""The README's verdict table, printed from models/figures/tears-<id>.json (models/recipes/measure_tears.py):
one row per data set and model. tests/test_verdict_table.py checks the README holds what this
prints, so the table cannot drift from the measurements.

    python models/recipes/verdict_table.py
"""

from __future__ import annotations

import json
from pathlib import Path

from latentwalk.core import tearing
from latentwalk.core.datasets import DATASETS
from latentwalk.core.layout import CHECKOUT as REPO

FIGURES = REPO / "models" / "figures"
HEADER = (
    "| data set | model | class-switch width (95 % CI) | between classes (top p < 0.5) "
    "| p99.9 / median step | largest 1 % of steps' share | steepest stretch found (zoomed in) |\n"
    "|---|---|---|---|---|---|---|"
)


def _ci(value, interval, digits: int = 2) -> str:
    if value is None:
        return "–"
    low, high = interval or (None, None)
    text = f"{value:.{digits}f}"
    return text if low is None or high is None else f"{text} ({low:.{digits}f}–{high:.{digits}f})"


def rows(folder: Path = FIGURES) -> list[str]:
    lines = []
    for dataset in DATASETS:
        path = folder / dataset.tears
        if not path.is_file():
            continue
        figures = json.loads(path.read_text())
        for name, model in figures["models"].items():
            transitions = model.get("transitions") or {}
            between = model.get("between_class") or {}
            tails = model.get("tails") or {}
            tears = (model.get("tears") or {}).get("tears") or []
            lines.append(
                f"| {dataset.short} | {name} "
                f"| {_ci(transitions.get('width_median'), transitions.get('width_median_ci'))} "
                f"| {_ci(between.get('share'), between.get('ci'))} "
                f"| {tails.get('p999_over_median', float('nan')):.2f} "
                f"| {tails.get('top1_share', float('nan')):.3f} "
                f"| {tears[0]['stretch_over_typical']:.1f}× the median stretch, "
                f"{'a tear' if tearing.is_tear(tears[0]) else 'a slope'} |"
                if tears
                else f"| {dataset.short} | {name} | – | – | – | – | – |"
            )
    return lines


def table(folder: Path = FIGURES) -> str:
    return "\n".join([HEADER, *rows(folder)])


def sentences(folder: Path = FIGURES) -> list[str]:
    """Each measured data set's verdict sentence, as the front ends show it."""
    found = []
    for dataset in DATASETS:
        path = folder / dataset.tears
        if path.is_file():
            found.append(json.loads(path.read_text())["verdict"]["sentence"])
    return found


if __name__ == "__main__":
    print("\n".join(f"- {sentence}" for sentence in sentences()))
    print()
    print(table())
