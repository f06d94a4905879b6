"""The README's verdict sentences and table are what models/recipes/verdict_table.py prints from the
measured figures (models/figures/tears-<id>.json): they cannot drift from the measurements."""

from __future__ import annotations

import importlib.util
import json

from support import REPO

from latentwalk.core.datasets import DATASETS, DEFAULT_DATASET


def _module():
    spec = importlib.util.spec_from_file_location(
        "verdict_table", REPO / "models/recipes/verdict_table.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_holds_the_measured_verdicts_and_table():
    module, readme = _module(), (REPO / "README.md").read_text()
    assert module.rows(), "no measured data set in models/figures"
    assert module.table() in readme, (
        "README's verdict table is stale: python models/recipes/verdict_table.py"
    )
    for sentence in module.sentences():
        assert sentence in readme, f"README lacks the verdict: {sentence}"


def test_a_data_set_without_figures_has_no_row(tmp_path):
    assert _module().rows(tmp_path) == []


def test_the_front_ends_open_where_the_measured_verdict_is_clear():
    """core/datasets.py's DEFAULT_DATASET follows the stored verdicts: frogs while theirs is
    clear, else the first data set whose verdict is clear (frogs when none is)."""
    calls = {}
    for dataset in DATASETS:
        path = REPO / "models" / "figures" / dataset.tears
        if path.is_file():
            calls[dataset.id] = json.loads(path.read_text())["verdict"]["call"]
    clear = [dataset.id for dataset in DATASETS if calls.get(dataset.id) == "clear"]
    expected = "frog" if calls.get("frog") == "clear" or not clear else clear[0]
    assert DEFAULT_DATASET == expected, f"the verdicts say {calls}: open on {expected}"
