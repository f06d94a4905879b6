"""Differentiable augmentation of the discriminator's inputs (DiffAugment, Zhao et al. 2020).

A discriminator trained on 5,000 frogs soon memorises them, and the generator then learns from a
discriminator that no longer generalises. DiffAugment shows the discriminator augmented images
only, real and generated alike, with the same random transforms, and passes the generator's
gradients through the augmentation, so the generator is never taught to draw the augmentations.

The random parameters are drawn with NumPy from the step's seeded generator (like the latents and
the label noise), and applied with ``keras.ops``: a run stays repeatable and resumable, and the
same code runs on TensorFlow and JAX. Images are in [-1, 1], as the reference code assumes.

- color: brightness + U(-0.5, 0.5); saturation × U(0, 2); contrast × U(0.5, 1.5)
- translation: a shift of up to 1/8 of the size (4 pixels) in each direction, zero-filled
- cutout: a square of half the size at a random centre set to zero
"""

from __future__ import annotations

import numpy as np
from keras import ops

POLICIES = ("color", "translation", "cutout")


def parse_policy(text: str) -> tuple[str, ...]:
    """ "translation,cutout" -> ("translation", "cutout"), in the reference order."""
    wanted = {part.strip() for part in text.split(",") if part.strip()}
    return tuple(policy for policy in POLICIES if policy in wanted)


def draw_params(policy: tuple[str, ...], count: int, rng: np.random.Generator, size: int = 32):
    """The random parameters of ``count`` augmentations as float32 arrays, or None for none."""
    if not policy:
        return None
    params: dict[str, np.ndarray] = {}
    if "color" in policy:
        params["brightness"] = rng.uniform(-0.5, 0.5, (count, 1, 1, 1))
        params["saturation"] = rng.uniform(0.0, 2.0, (count, 1, 1, 1))
        params["contrast"] = rng.uniform(0.5, 1.5, (count, 1, 1, 1))
    if "translation" in policy:
        shift = size // 8
        params["rows"] = shift_matrices(rng.integers(-shift, shift + 1, count), size)
        params["cols"] = shift_matrices(rng.integers(-shift, shift + 1, count), size)
    if "cutout" in policy:
        half = size // 4  # a square of side size / 2
        centre_y = rng.integers(0, size + (1 - size % 2), count)
        centre_x = rng.integers(0, size + (1 - size % 2), count)
        grid = np.arange(size)
        inside_y = np.abs(grid[None, :] - centre_y[:, None]) < half
        inside_x = np.abs(grid[None, :] - centre_x[:, None]) < half
        params["keep"] = ~(inside_y[:, :, None] & inside_x[:, None, :])[..., None]
    return {key: value.astype(np.float32) for key, value in params.items()}


def shift_matrices(shifts: np.ndarray, size: int) -> np.ndarray:
    """(n, size, size) matrices M with (M @ x)[i] = x[i - shift] (zero where that is outside)."""
    rows = np.arange(size)
    return (rows[None, None, :] == rows[None, :, None] - shifts[:, None, None]).astype(np.float32)


def apply(images, params):
    """Augment a batch of images (n, h, w, c) with ``params`` from ``draw_params`` (or not at
    all when ``params`` is None). Differentiable in ``images``."""
    if params is None:
        return images
    dtype = images.dtype

    def get(key):
        return ops.cast(params[key], dtype)

    if "brightness" in params:
        images = images + get("brightness")
        mean = ops.mean(images, axis=3, keepdims=True)
        images = (images - mean) * get("saturation") + mean
        mean = ops.mean(images, axis=(1, 2, 3), keepdims=True)
        images = (images - mean) * get("contrast") + mean
    if "rows" in params:
        images = ops.einsum("bij,bjlc->bilc", get("rows"), images)
        images = ops.einsum("bkl,bilc->bikc", get("cols"), images)
    if "keep" in params:
        images = images * get("keep")
    return images
