"""Where `python -m train evaluate` writes: a run folder's quality.json always; a shipped model's
(tracked under models/) only where it is missing or with --write-shipped, and left as it is when
the new figures agree with it within their noise; --json checked before any grading."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from latentwalk.core import layout
from latentwalk.train.cli import main
from latentwalk.train.quality.quality_file import differences, shown


def evaluate(*args: str) -> int:
    return main(["evaluate", *args])


@pytest.fixture
def never_grade(monkeypatch):
    """Fails the test if grading starts (the judge is loaded first)."""

    def judge(*args, **kwargs):
        raise AssertionError("grading started")

    monkeypatch.setattr("latentwalk.train.quality.evaluate.Judge", judge)


@pytest.mark.parametrize("where", ["folder", "/dev/full", "under a file"])
def test_a_json_path_that_cannot_be_written_is_refused_before_grading(
    where, tmp_path, never_grade, capsys
):
    if where == "/dev/full" and not Path(where).exists():
        pytest.skip("no /dev/full on this system")
    (tmp_path / "notes.txt").write_text("a file")
    target = {"folder": tmp_path, "/dev/full": Path(where)}.get(where)
    target = target or tmp_path / "notes.txt" / "quality.json"
    with pytest.raises(SystemExit) as exit_info:
        evaluate("--real-only", "--class", "frog", "--json", str(target))
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and f"--json {target}" in err
    reason = {"folder": "is a folder", "/dev/full": "not a regular file"}.get(where, "is a file")
    assert reason in err


def _stored(folder: Path) -> dict:
    return json.loads((folder / layout.QUALITY).read_text())


def _store(folder: Path, values: dict) -> str:
    text = json.dumps(values, indent=2) + "\n"
    (folder / layout.QUALITY).write_text(text)
    return text


@pytest.mark.slow
def test_a_shipped_quality_json_is_rewritten_only_on_request(
    tiny_gan_run, tiny_judge, two_class_npz, tmp_path, monkeypatch, capsys
):
    shipped = tmp_path / "models"
    model = shipped / "gan-tiny"
    shutil.copytree(tiny_gan_run, model, ignore=shutil.ignore_patterns(layout.QUALITY))
    monkeypatch.setattr(layout, "SHIPPED_MODELS", shipped)
    grade = ["--judge", str(tiny_judge), "--data", str(two_class_npz), "--class", "0",
             "--samples", "64"]  # fmt: skip

    assert evaluate(str(model), *grade) == 0  # none yet: written
    assert f"wrote {model / layout.QUALITY}" in capsys.readouterr().err
    graded = _stored(model)

    # As written on another CPU: the same figures up to float rounding. Left as it is.
    other_cpu = {**graded, "fid": graded["fid"] * (1 + 1e-7), "judge": {**graded["judge"]}}
    other_cpu["judge"]["folder"] = "/elsewhere/models/judge"
    text = _store(model, other_cpu)
    assert evaluate(str(model), *grade) == 0
    assert (model / layout.QUALITY).read_text() == text
    assert "unchanged (these figures agree with it within their noise)" in capsys.readouterr().err

    # Figures that moved beyond their noise: still not rewritten, and the log says what moved.
    stale = {**graded, "fid": graded["fid"] * 1.5, "precision": graded["precision"] + 0.01}
    text = _store(model, stale)
    assert evaluate(str(model), *grade) == 0
    err = capsys.readouterr().err
    assert (model / layout.QUALITY).read_text() == text
    assert "not rewritten" in err and "fid " in err and "precision " in err
    assert "--write-shipped" in err

    assert evaluate(str(model), *grade, "--write-shipped") == 0
    assert _stored(model) == graded and "wrote" in capsys.readouterr().err


@pytest.mark.slow
def test_a_run_folders_quality_json_is_always_rewritten(
    tiny_gan_run, tiny_judge, two_class_npz, tmp_path, monkeypatch
):
    run = tmp_path / "runs" / "gan"
    shutil.copytree(tiny_gan_run, run, ignore=shutil.ignore_patterns(layout.QUALITY))
    monkeypatch.setattr(layout, "SHIPPED_MODELS", tmp_path / "models")
    _store(run, {"fid": -1.0})
    code = evaluate(
        str(run), "--judge", str(tiny_judge), "--data", str(two_class_npz), "--class", "0",
        "--samples", "32",
    )  # fmt: skip
    assert code == 0 and _stored(run)["fid"] > 0 and _stored(run)["samples"] == 32


# --- what "within their noise" means ------------------------------------------------------------

GRADED = {
    "judge": {"folder": "models/judge", "heldout_accuracy": 0.8644, "feature_dim": 256},
    "model": "gan-frog",
    "path": "models/gan-frog/generator/generator.keras",
    "samples": 5000,
    "fid": 1.6620281709184255,
    "kid": 0.022274217569774882,
    "precision": 0.752,
    "recall": 0.49244444444444446,
    "real_floor": {"samples": 500, "kid": 0.00010463599352172004, "class_rate": 0.886},
}


def test_float_noise_agrees_and_real_changes_do_not():
    # The shipped GAN graded on a 2-core AMD EPYC against its file from another CPU.
    noisy = {
        **GRADED,
        "judge": {**GRADED["judge"], "folder": "/work/main/models/judge"},
        "path": "/work/main/models/gan-frog/generator/generator.keras",
        "fid": 1.6620280707980726,
        "kid": 0.02227421339199058,
        "precision": 0.752 + 1 / 5000,  # a sample across a k-NN radius
        "real_floor": {**GRADED["real_floor"], "kid": 0.00010463640301841437},
    }
    assert differences(GRADED, noisy) == []
    moved = {
        **GRADED,
        "samples": 2000,
        "fid": 1.70,
        "recall": 0.50,
        "real_floor": {**GRADED["real_floor"], "kid": 1.5e-4},
        "density": 0.97,
    }
    assert differences(GRADED, moved) == [
        "samples 5000 -> 2000",
        "fid 1.66203 -> 1.7",
        "recall 0.492444 -> 0.5",
        "real_floor.kid 0.000104636 -> 0.00015",
        "density is new",
    ]


def test_paths_inside_the_checkout_are_kept_relative_to_it(tmp_path):
    assert shown(layout.SHIPPED_MODELS / "judge") == "models/judge"
    assert shown(tmp_path) == str(tmp_path)
