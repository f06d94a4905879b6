"""The first screen's pictures, shipped with the site so the page shows them at once.

A cold page needs TensorFlow.js, its wasm binary and the models before a model can draw: a second
or more. So ``export site`` draws, with each model, the images of the seeds the page's default
view shows (the Generate grid's seeds 0-63, which hold the single image's seed 42: web_demo/js/
state.js DEFAULTS), into one PNG beside the model:

    SITE/models/<data set>/gan/first-screen.png    8 x 8 tiles of 32 x 32, seed k at row k // 8,
                                                   column k % 8, no padding: the model's bytes

The page (web_demo/js/first_screen.js) draws those tiles while the models load, says they are
shipped, and replaces them by live inference when the models run. They are drawn by Keras from
the export's .keras copy, the model the TF.js graph was converted from and proven equal to
(export/parity.py), with the seed mapping the page uses: so a shipped picture is what the page's
model draws, to one level of 255 (tests/test_web_first_screen.py compares them in Chromium).
An export without its .keras copy ships no pictures: the page then draws live from the start.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core import layout
from ..core.calls import input_former
from ..core.images import to_uint8
from ..core.latent import parse_seeds, seeds_to_latents

FIRST_SCREEN = "first-screen.png"
# The default grid (state.js DEFAULTS.grid); the default single seed, 42, is among them. Written
# into models/index.json as this text, which the page and core/latent.py both read.
SEEDS = "0-63"
COLUMNS = 8


def tile(images: np.ndarray, columns: int = COLUMNS) -> np.ndarray:
    """(n, 32, 32, 3) uint8 images -> one (rows * 32, columns * 32, 3) array, row-major, no
    padding (first_screen.js cuts it back)."""
    count, size = images.shape[0], images.shape[1]
    rows = -(-count // columns)
    sheet = np.zeros((rows * size, columns * size, 3), dtype=np.uint8)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        sheet[row * size : (row + 1) * size, column * size : (column + 1) * size] = image
    return sheet


def untile(sheet: np.ndarray, count: int, size: int = 32, columns: int = COLUMNS) -> np.ndarray:
    """tile's inverse: the first ``count`` images of a sheet."""
    return np.stack(
        [
            sheet[row * size : (row + 1) * size, column * size : (column + 1) * size]
            for row, column in (divmod(index, columns) for index in range(count))
        ]
    )


def draw(model, latent_dim: int, seeds: str = SEEDS) -> np.ndarray:
    """A Keras image model's uint8 images for ``seeds`` (text such as "0-63"; the page's seed
    mapping)."""
    latents = seeds_to_latents(parse_seeds(seeds), latent_dim)
    # In the input structure the model was built with: a generator built on [latent] and called
    # with a bare batch makes Keras warn (an error in the tests: pyproject's filterwarnings).
    images = model(input_former(model)(latents), training=False)
    return to_uint8(np.asarray(images, dtype=np.float32))


def ship_first_screen(export_folder: Path, role: str, manifest: dict, target: Path) -> dict | None:
    """Draw a role's first-screen PNG into ``target`` (the site's folder for that model); returns
    what models/index.json says of it ({"path": relative to target, "seeds", "columns"}), or None
    when the export has no .keras copy to draw with."""
    keras_file = layout.export_model_path(export_folder, role)
    if not keras_file.is_file():
        return None
    import keras
    from PIL import Image

    model = keras.models.load_model(keras_file, compile=False)
    images = draw(model, int(manifest["latent_dim"]))
    Image.fromarray(tile(images)).save(target / FIRST_SCREEN, optimize=True)
    return {"path": FIRST_SCREEN, "seeds": SEEDS, "columns": COLUMNS}
