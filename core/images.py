"""Sample grids: images in the models' [-1, 1] range -> one PNG a person can look at."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image


def to_uint8(images: np.ndarray) -> np.ndarray:
    """[-1, 1] float images -> uint8 [0, 255]."""
    return np.clip(np.round((np.asarray(images) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def make_grid(
    images: np.ndarray, columns: int | None = None, scale: int = 2, padding: int = 2
) -> np.ndarray:
    """Tile (n, h, w, 3) images in [-1, 1] into one uint8 array, upscaled with crisp pixels."""
    images = to_uint8(images)
    count, height, width, _ = images.shape
    columns = columns or math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    cell_h, cell_w = height * scale + padding, width * scale + padding
    grid = np.full((rows * cell_h + padding, columns * cell_w + padding, 3), 255, np.uint8)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        big = image.repeat(scale, axis=0).repeat(scale, axis=1)
        top, left = padding + row * cell_h, padding + column * cell_w
        grid[top : top + height * scale, left : left + width * scale] = big
    return grid


def save_grid(images: np.ndarray, path: Path, columns: int | None = None, scale: int = 2) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(make_grid(images, columns, scale)).save(path)
    return path
