"""Model discovery for the app (streamlit_app/models.py): both folder layouts, folders of folders,
the env var, labels from config.json, and clear notes for paths that hold nothing."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from support import REPO

from latentwalk.streamlit_app import models


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not really a model; discovery only checks that files exist")
    return path


def _config(folder: Path, **values) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(values))


def test_run_and_export_layouts_are_both_recognised(tmp_path):
    _touch(tmp_path / "gan-run" / "generator.keras")
    _touch(tmp_path / "gan-export" / "generator" / "generator.keras")
    _touch(tmp_path / "vae-run" / "decoder.keras")
    _touch(tmp_path / "vae-run" / "encoder.keras")
    _touch(tmp_path / "vae-export" / "decoder" / "decoder.keras")
    _touch(tmp_path / "vae-export" / "encoder" / "encoder.keras")
    kinds = {
        name: models.inspect_folder(tmp_path / name)
        for name in ("gan-run", "gan-export", "vae-run", "vae-export")
    }
    assert {name: found.kind for name, found in kinds.items()} == {
        "gan-run": "gan",
        "gan-export": "gan",
        "vae-run": "vae",
        "vae-export": "vae",
    }
    assert kinds["vae-export"].files == {
        "decoder": tmp_path / "vae-export" / "decoder" / "decoder.keras",
        "encoder": tmp_path / "vae-export" / "encoder" / "encoder.keras",
    }


def test_a_vae_needs_its_encoder_too(tmp_path):
    _touch(tmp_path / "half" / "decoder.keras")
    assert models.inspect_folder(tmp_path / "half") is None
    assert models.inspect_folder(tmp_path / "missing") is None


def test_labels_and_latent_size_come_from_config_json_and_metrics(tmp_path):
    folder = tmp_path / "gan-frog"
    _touch(folder / "generator.keras")
    _config(
        folder,
        kind="gan",
        preset="small",
        latent_dim=16,
        steps=8000,
        data={"source": "cifar10", "class_name": "frog", "max_images": None},
    )
    found = models.inspect_folder(folder)
    assert found.latent_dim == 16
    assert found.label == "DCGAN gan-frog (small, frog, 8000 steps)"
    # Stopped at step 5000 after a resume for 8000: the steps it trained, as the site says.
    (folder / "metrics.jsonl").write_text('{"step": 4990}\n{"step": 5000, "event": "x"}\n')
    assert models.inspect_folder(folder).label == "DCGAN gan-frog (small, frog, 5000 steps)"


def test_latent_size_falls_back_to_the_export_manifest(tmp_path):
    folder = tmp_path / "exported"
    _touch(folder / "generator" / "generator.keras")
    (folder / "generator" / "manifest.json").write_text(json.dumps({"latent_dim": 64}))
    assert models.inspect_folder(folder).latent_dim == 64


def test_find_models_searches_one_level_into_folders_and_skips_duplicates(tmp_path):
    _touch(tmp_path / "runs" / "a" / "generator.keras")
    _touch(tmp_path / "runs" / "b" / "decoder.keras")
    _touch(tmp_path / "runs" / "b" / "encoder.keras")
    _touch(tmp_path / "runs" / "c" / "notes.txt")
    found, notes = models.find_models([tmp_path / "runs", tmp_path / "runs" / "a"])
    assert [(m.kind, m.folder.name) for m in found] == [("gan", "a"), ("vae", "b")]
    assert notes == []


def test_find_models_says_which_paths_gave_nothing(tmp_path):
    (tmp_path / "empty").mkdir()
    found, notes = models.find_models([tmp_path / "empty", tmp_path / "nowhere"])
    assert found == []
    assert "holds no generator.keras" in notes[0] and "does not exist" in notes[1]


def test_search_order_is_sidebar_then_env_var_then_shipped(tmp_path, monkeypatch):
    monkeypatch.setenv(
        models.ENV_VAR, os.pathsep.join([str(tmp_path / "e1"), "", str(tmp_path / "e2")])
    )
    paths = models.search_paths(f"{tmp_path / 's1'}{os.pathsep} ")
    assert paths == [tmp_path / "s1", tmp_path / "e1", tmp_path / "e2", models.SHIPPED_DIR]
    assert models.SHIPPED_DIR == REPO / "models"


def test_cache_key_changes_when_the_model_file_is_rewritten(tmp_path):
    path = _touch(tmp_path / "g" / "generator.keras")
    before = models.inspect_folder(tmp_path / "g").cache_key
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert models.inspect_folder(tmp_path / "g").cache_key != before


def test_discovery_and_the_app_helpers_import_no_tensorflow():
    import subprocess

    code = (
        "import sys; from latentwalk.streamlit_app import models, media, lab, generation; "
        "sys.exit('tensorflow' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_the_how_to_text_names_real_commands():
    text = models.HOW_TO_GET_MODELS.format(sep=os.pathsep)
    assert "python -m train gan" in text and "python -m train vae" in text
    assert "python -m export" in text


@pytest.mark.slow
def test_found_tiny_runs_load_and_generate(tiny_gan_run, tiny_vae_run):
    import numpy as np

    from latentwalk.streamlit_app.generation import load_model

    found, _ = models.find_models([tiny_gan_run, tiny_vae_run])
    gan, vae = (load_model(m) for m in found)
    latents = np.random.default_rng(0).standard_normal((300, 32)).astype(np.float32)
    images = gan.generate(latents)  # more than one batch of MAX_BATCH
    assert images.shape == (300, 32, 32, 3) and images.dtype == np.float32
    assert images.min() >= -1 and images.max() <= 1
    np.testing.assert_allclose(images[:5], gan.generate(latents[:5]), atol=1e-5)
    encoded = vae.encode(vae.generate(latents[:4]))
    assert encoded.shape == (4, 32) and gan.encode is None
