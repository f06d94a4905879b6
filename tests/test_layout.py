"""The model-folder layout (core/layout.py): the steps a model trained and the label it is shown
by, the same wherever it is read from."""

from __future__ import annotations

import json

from latentwalk.core import layout


def test_trained_steps_are_the_last_logged_step_not_the_plan(tmp_path):
    lines = [{"step": step, "d_loss": 0.5} for step in range(10, 5001, 10)]
    lines.append({"step": 5000, "event": "interrupted"})
    text = "".join(json.dumps(line) + "\n" for line in lines)
    (tmp_path / "metrics.jsonl").write_text(text + '{"step": 50')  # cut short by a crash
    assert layout.trained_steps(tmp_path, {"steps": 18000}) == 5000
    # A last line longer than the block read from the end: the search reads further back.
    note = json.dumps({"event": "note", "message": "x" * 40000})
    (tmp_path / "metrics.jsonl").write_text(f"{text}{note}\n")
    assert layout.trained_steps(tmp_path, {"steps": 18000}) == 5000


def test_without_metrics_the_configured_steps_stand_in(tmp_path):
    assert layout.trained_steps(tmp_path, {"steps": 18000}) == 18000
    assert layout.trained_steps(tmp_path, {}) is None
    (tmp_path / "metrics.jsonl").write_text('{"event": "started"}\n{"ste')
    assert layout.trained_steps(tmp_path, {"steps": 300}) == 300


def test_a_label_names_kind_preset_class_and_steps():
    frog = layout.TrainedModel("gan", "small", "frog", 18000)
    assert frog.label() == "DCGAN (small, frog, 18000 steps)"
    assert frog.label("gan-frog") == "DCGAN gan-frog (small, frog, 18000 steps)"
    assert layout.TrainedModel("vae", "tiny", layout.ALL_CLASSES, 20).label() == (
        "VAE (tiny, all classes, 20 steps)"
    )
    assert layout.TrainedModel("gan").label("bare") == "DCGAN bare"


def test_an_export_folder_without_its_run_files_is_labelled_from_its_manifest(tmp_path):
    (tmp_path / "decoder").mkdir()
    manifest = {"preset": "small", "class_name": "frog", "training_steps": 5000}
    (tmp_path / "decoder" / "manifest.json").write_text(json.dumps(manifest))
    trained = layout.TrainedModel.from_folder("vae", tmp_path)
    assert trained == layout.TrainedModel.from_manifest("vae", manifest)
    assert trained.label() == "VAE (small, frog, 5000 steps)"
