"""Shared fixtures: tiny image sets the tests make themselves, tiny trained run folders, and a
worker process on each Keras backend. (Helpers are in tests/support.py.)"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from tests.support import backend_worker, make_images, train_tiny

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

# The web demo's browser fixtures (sites, base_url, browser, page) live beside its helpers.
pytest_plugins = ["web_support"]


@pytest.fixture(scope="session")
def tiny_npz(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "blobs.npz"
    images = make_images(64)
    np.savez(path, x=images, y=np.arange(64) % 2)
    return path


@pytest.fixture(scope="session")
def tiny_gan_run(tmp_path_factory, tiny_npz) -> Path:
    """A GAN run folder trained by the real trainer (tiny preset, 20 steps)."""
    return train_tiny("gan", tiny_npz, tmp_path_factory.mktemp("runs") / "gan")


@pytest.fixture(scope="session")
def tiny_vae_run(tmp_path_factory, tiny_npz) -> Path:
    """A VAE run folder trained by the real trainer (tiny preset, 20 steps)."""
    return train_tiny("vae", tiny_npz, tmp_path_factory.mktemp("runs") / "vae")


@pytest.fixture(scope="session")
def two_class_npz(tmp_path_factory) -> Path:
    """Class 0: light blobs on dark; class 1: the same images inverted. 240 images in all."""
    blobs = make_images(120, seed=3)
    images = np.concatenate([blobs, 255 - blobs])
    labels = np.repeat([0, 1], 120)
    path = tmp_path_factory.mktemp("data") / "two_classes.npz"
    np.savez(path, x=images, y=labels)
    return path


@pytest.fixture(scope="session")
def tiny_judge(tmp_path_factory, two_class_npz) -> Path:
    out = tmp_path_factory.mktemp("judges") / "judge"
    from latentwalk.train.cli import main

    code = main(["judge", "--preset", "tiny", "--data", str(two_class_npz), "--out", str(out)])
    assert code == 0
    return out


@pytest.fixture(scope="session")
def jax_cache(tmp_path_factory) -> Path:
    """JAX's compilation cache for the session's JAX processes (see support.backend_env)."""
    return tmp_path_factory.mktemp("jax-cache")


@pytest.fixture(scope="session")
def jax_worker(tmp_path_factory, jax_cache):
    """A process on Keras's JAX backend (CPU, two virtual devices) for the whole session."""
    pytest.importorskip("jax")
    log = tmp_path_factory.mktemp("workers") / "jax.log"
    with backend_worker("jax", 2, log, jax_cache) as worker:
        yield worker


@pytest.fixture(scope="session")
def tensorflow_worker(tmp_path_factory):
    """A process on TensorFlow with two virtual CPU devices (data-parallel runs)."""
    log = tmp_path_factory.mktemp("workers") / "tensorflow.log"
    with backend_worker("tensorflow", 2, log) as worker:
        yield worker


@pytest.fixture(scope="session")
def shipped_app(tmp_path_factory):
    """`streamlit run` on the shipped models only, one server for every module that looks at
    them in a browser (each test opens its own browser session, so its own app session; a server
    a module cost 5-8 s of start-up and first model load)."""
    from app_support import app_server

    with app_server(tmp_path_factory.mktemp("shipped_app"), None) as url:
        yield url
