"""`python -m export site` with several data sets: where each data set's models and measured
figures go, what models/index.json says, and the one-line errors for an unknown id, an id given
twice, a missing folder or a bad figures file. No browser: the export folders are hand-made
(the site only reads their manifests and copies their files); the page itself is tested on
real exports in test_web_verdict.py."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from web_support import make_tears

from latentwalk.core.datasets import DEFAULT_DATASET
from latentwalk.export.cli import main

ROLES = {"gan": {"generator": "gan"}, "vae": {"decoder": "vae-decoder", "encoder": "vae-encoder"}}


def fake_export(folder: Path, kind: str) -> Path:
    """An export folder's shape: each role's manifest.json, model.json and one weights file."""
    for role, model_kind in ROLES[kind].items():
        (folder / role).mkdir(parents=True)
        manifest = {"kind": model_kind, "files": ["model.json", "group1-shard1of1.bin"]}
        manifest.update(preset="tiny", class_name="all", training_steps=20)
        (folder / role / "manifest.json").write_text(json.dumps(manifest))
        (folder / role / "model.json").write_text("{}")
        (folder / role / "group1-shard1of1.bin").write_bytes(b"\0" * 8)
    return folder


@pytest.fixture
def exports(tmp_path) -> dict[str, Path]:
    return {kind: fake_export(tmp_path / "exports" / kind, kind) for kind in ("gan", "vae")}


@pytest.fixture
def figures(tmp_path) -> Path:
    folder = tmp_path / "figures"
    folder.mkdir()
    tears = make_tears("frog-automobile", "On two classes, the GAN tears.")
    (folder / "tears-frog-automobile.json").write_text(json.dumps(tears))
    return folder


def site(*args, capsys) -> tuple[int, str]:
    """Run `python -m export site ARGS`: (exit code, stderr)."""
    try:
        code = main(["site", *map(str, args)])
    except SystemExit as exit_info:
        code = exit_info.code
    return code, capsys.readouterr().err


def two_datasets(exports, figures, out, *extra) -> list:
    return [
        *("--dataset", "frog", exports["gan"], exports["vae"]),
        *("--dataset", "frog-automobile", exports["gan"], exports["vae"]),
        *("--figures", figures, "--out", out, *extra),
    ]


def test_two_data_sets_each_get_their_models_and_figures(exports, figures, tmp_path, capsys):
    out = tmp_path / "site"
    code, err = site(*two_datasets(exports, figures, out), capsys=capsys)
    assert code == 0, err
    # The server it suggests sends the headers the wasm backend's threads need.
    assert f"serve it with: python -m export serve {out} " in err
    index = json.loads((out / "models" / "index.json").read_text())
    assert [(m["dataset"], m["id"], m["path"]) for m in index["models"]] == [
        ("frog", "gan", "models/frog/gan/generator/"),
        ("frog", "vae", "models/frog/vae/decoder/"),
        ("frog-automobile", "gan", "models/frog-automobile/gan/generator/"),
        ("frog-automobile", "vae", "models/frog-automobile/vae/decoder/"),
    ]
    assert index["models"][3]["encoder_path"] == "models/frog-automobile/vae/encoder/"
    for entry in index["models"]:
        assert (out / entry["path"] / "model.json").exists()
        assert (out / entry["path"] / "group1-shard1of1.bin").exists()
    assert [(d["id"], d["short"], d["tears"]) for d in index["datasets"]] == [
        ("frog", "frogs", None),  # no tears-frog.json in --figures: no verdict, said so
        ("frog-automobile", "two classes", "models/figures/tears-frog-automobile.json"),
    ]
    # The project's default (ten classes) is not on this site: the page opens on its first.
    assert DEFAULT_DATASET == "cifar10"
    assert index["default_dataset"] == "frog"
    # The page reads the figures with JSON.parse: NaN (the GAN's tail index here) becomes null.
    text = (out / "models" / "figures" / "tears-frog-automobile.json").read_text()
    assert "NaN" not in text
    tears = json.loads(text)
    assert tears["models"]["GAN"]["tails"]["tail_index"] is None
    assert tears["verdict"]["sentence"] == "On two classes, the GAN tears."
    assert "frogs (opens here): DCGAN (tiny, all classes, 20 steps)" in err
    assert "two classes: DCGAN" in err and "no measured verdict" in err


def test_default_data_set_can_be_chosen(exports, figures, tmp_path, capsys):
    out = tmp_path / "site"
    code, err = site(
        *two_datasets(exports, figures, out, "--default-dataset", "frog"), capsys=capsys
    )
    assert code == 0, err
    assert json.loads((out / "models" / "index.json").read_text())["default_dataset"] == "frog"


def test_gan_and_vae_options_still_make_a_frogs_site(exports, figures, tmp_path, capsys):
    """The one-data-set form: the frogs, in the layout older sites and links have."""
    out = tmp_path / "site"
    args = ["--gan", exports["gan"], "--vae", exports["vae"], "--figures", figures]
    code, err = site(*args, "--book", exports["gan"], "--out", out, capsys=capsys)
    assert code == 0, err
    index = json.loads((out / "models" / "index.json").read_text())
    assert [(m["id"], m["path"]) for m in index["models"]] == [
        ("gan", "models/gan/generator/"),
        ("vae", "models/vae/decoder/"),
        ("book", "models/book/generator/"),
    ]
    assert {m["dataset"] for m in index["models"]} == {"frog"}
    assert index["default_dataset"] == "frog"
    assert index["datasets"] == [
        {
            "id": "frog",
            "label": "frogs (one class)",
            "short": "frogs",
            "classes": "frog",
            "tears": None,
        }
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--dataset", "cats", "{gan}", "{vae}"],
            "--dataset 'cats': unknown data set; expected one of frog, frog-automobile, cifar10",
        ),
        (["--dataset", "../x", "{gan}", "{vae}"], "--dataset '../x': unknown data set"),
        (
            ["--dataset", "cifar10", "{gan}", "{vae}", "--dataset", "cifar10", "{gan}", "{vae}"],
            "--dataset cifar10: that data set is already given before; give it once",
        ),
        (
            ["--gan", "{gan}", "--vae", "{vae}", "--dataset", "frog", "{gan}", "{vae}"],
            "--dataset frog: that data set is already given by --gan/--vae (the frogs)",
        ),
        (
            ["--dataset", "cifar10", "{missing}", "{vae}"],
            "--dataset cifar10 {missing}: no such export folder",
        ),
        (
            ["--dataset", "cifar10", "{vae}", "{gan}"],
            "--dataset cifar10 {vae}: no generator/model.json",
        ),
        (
            ["--dataset", "cifar10", "{gan}", "{vae}", "--default-dataset", "frog"],
            "--default-dataset frog: not one of this site's data sets (cifar10)",
        ),
        (
            ["--dataset", "cifar10", "{gan}", "{vae}", "--book", "{gan}"],
            "--book is the frogs' book GAN",
        ),
        (["--dataset", "cifar10", "{gan}"], "argument --dataset: expected 3 arguments"),
        ([], "give --gan DIR and/or --vae DIR"),
    ],
)
def test_bad_data_sets_get_one_line_and_exit_2(exports, tmp_path, capsys, args, message):
    paths = {**exports, "missing": tmp_path / "no-such-export"}
    out = tmp_path / "site"
    args = [a.format(**paths) for a in args]
    code, err = site(*args, "--figures", tmp_path, "--out", out, capsys=capsys)
    assert code == 2
    assert message.format(**paths) in err
    assert len(err.strip().splitlines()[-1]) > 0 and "Traceback" not in err
    assert not out.exists()


def test_a_figures_file_that_is_broken_or_of_another_data_set_is_refused(exports, tmp_path, capsys):
    figures = tmp_path / "figures"
    figures.mkdir()
    args = ["--dataset", "cifar10", exports["gan"], exports["vae"], "--figures", figures]
    (figures / "tears-cifar10.json").write_text('{"models": ')
    code, err = site(*args, "--out", tmp_path / "a", capsys=capsys)
    assert code == 2 and "tears-cifar10.json cannot be read" in err
    assert "python models/recipes/measure_tears.py cifar10" in err
    (figures / "tears-cifar10.json").write_text(json.dumps(make_tears("frog", "On frogs.")))
    code, err = site(*args, "--out", tmp_path / "b", capsys=capsys)
    assert code == 2 and "says it measured data set 'frog', not 'cifar10'" in err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_the_shipped_figures_are_what_the_page_reads():
    """models/figures/tears-<id>.json, as measured: the fields the page's first screen shows."""
    from latentwalk.core.datasets import DATASETS
    from latentwalk.export.site_datasets import FIGURES, read_tears

    shipped = [d.id for d in DATASETS if (FIGURES / d.tears).exists()]
    if not shipped:
        pytest.skip("no measured figures in models/figures yet")
    for dataset_id in shipped:
        tears = read_tears(FIGURES, dataset_id)
        assert tears["verdict"]["sentence"]
        for name in ("GAN", "VAE"):
            figures = tears["models"][name]
            curve = figures["transition_curve"]
            assert len(curve["offset"]) == len(curve["median"]) > 2
            assert all(v is None or math.isfinite(v) for v in figures["tails"].values())


def test_the_book_gan_joins_the_frogs_however_they_are_given(exports, figures, tmp_path, capsys):
    out = tmp_path / "site"
    args = two_datasets(exports, figures, out, "--book", exports["gan"])
    code, err = site(*args, capsys=capsys)
    assert code == 0, err
    index = json.loads((out / "models" / "index.json").read_text())
    book = [m for m in index["models"] if m["id"] == "book"]
    assert [(m["dataset"], m["path"], m["optional"]) for m in book] == [
        ("frog", "models/frog/book/generator/", True)
    ]
