"""Helpers shared by the test modules (test modules import from here, never from each other)."""

from __future__ import annotations

import numpy as np

# Constructed generators whose tear figures are known (tests/test_tearing.py, test_verdict.py).
DIM = 8


def _images(values: np.ndarray) -> np.ndarray:
    """(n,) values in [-1, 1] -> (n, 4, 4, 3) flat images of that value."""
    return np.broadcast_to(values[:, None, None, None], (len(values), 4, 4, 3)).astype(np.float32)


def step_generator(z: np.ndarray) -> np.ndarray:
    """Class 1 (white) where z[0] > 0, class 0 (black) elsewhere: a tear at z[0] = 0."""
    return _images(np.where(z[:, 0] > 0, 1.0, -1.0))


def ramp_generator(z: np.ndarray) -> np.ndarray:
    """The same two classes joined by a smooth ramp across z[0] = 0."""
    return _images(np.tanh(z[:, 0] / 2.0))


def brightness_judge(images: np.ndarray):
    """Embedding: the pixels; class 1's probability rises steeply with the mean brightness."""
    flat = np.asarray(images, np.float64).reshape(len(images), -1)
    p1 = 1.0 / (1.0 + np.exp(-8.0 * flat.mean(axis=1)))
    return flat, np.stack([1.0 - p1, p1], axis=1)
