"""Shared fixtures: tiny image sets the tests make themselves, and tiny trained run folders."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

REPO = Path(__file__).resolve().parent.parent

# The web demo's browser fixtures (sites, base_url, browser, page) live beside its helpers.
pytest_plugins = ["web_support"]


def make_images(count: int, seed: int = 0, size: int = 32) -> np.ndarray:
    """Smooth colour blobs on a gradient: structured enough that a model can learn something."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / (size - 1)
    images = np.empty((count, size, size, 3), dtype=np.uint8)
    for index in range(count):
        cy, cx, radius = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8), rng.uniform(0.1, 0.3)
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * radius**2))
        background = rng.uniform(0, 0.5, 3) * (0.5 + 0.5 * yy[..., None])
        colour = rng.uniform(0.3, 1.0, 3)
        image = background * (1 - blob[..., None]) + colour * blob[..., None]
        images[index] = np.clip(image * 255, 0, 255).astype(np.uint8)
    return images


@pytest.fixture(scope="session")
def tiny_npz(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "blobs.npz"
    images = make_images(64)
    np.savez(path, x=images, y=np.arange(64) % 2)
    return path


def train_tiny(kind: str, data: Path, out: Path, *extra: str) -> Path:
    from latentwalk.train.cli import main

    code = main(
        [kind, "--preset", "tiny", "--data", str(data), "--class", "all", "--out", str(out), *extra]
    )
    assert code == 0
    return out


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
