"""Helpers for the web demo's browser tests (tests/test_web_*.py): a built site per session, a
served folder, and ways to read the page's latents and pixels.

The sites are built once per test session (exporting the tiny runs proves each model in Chromium,
which takes a while) and reused by every module through an on-disk marker.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"
SIZE = 32
SINGLE_SCALE, GRID_SCALE, FRAME_SCALE = 8, 2, 6  # as in web_demo/js/*_view.js
# uint8 levels. Measured: every backend (wasm, cpu, webgl) agrees with Keras to 2e-7 in float, so
# the only difference left is rounding half up (JS) vs half to even (NumPy) at exact .5 values.
PIXEL_TOLERANCE = 1


def build_sites(tmp_path_factory, gan_run: Path, vae_run: Path) -> Path:
    """A folder of sites: site/ (complete), book/ (with a stand-in for the book's GAN), no-vae/
    (VAE weights missing), no-index/ (no model list), tampered/ (a GAN manifest that disagrees with its model), plus exports/gan and
    exports/vae. Built once per session."""
    from latentwalk.export.cli import main

    root = tmp_path_factory.getbasetemp() / "web_sites"
    if (root / "complete").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    exports = root / "exports"
    for name, run in (("gan", gan_run), ("vae", vae_run)):
        assert main([str(run), "--out", str(exports / name), "--quantize", "none"]) == 0
    site_args = ["site", "--gan", str(exports / "gan"), "--vae", str(exports / "vae")]
    assert main([*site_args, "--out", str(root / "site")]) == 0
    # The book GAN's place, held by the tiny GAN's export (the page only needs a GAN export).
    assert main([*site_args, "--book", str(exports / "gan"), "--out", str(root / "book")]) == 0
    shutil.copytree(root / "site", root / "no-vae")
    (root / "no-vae" / "models" / "vae" / "decoder" / "model.json").unlink()
    shutil.copytree(root / "site", root / "no-index")
    (root / "no-index" / "models" / "index.json").unlink()
    # A GAN whose manifest promises other outputs than the model gives: the self-check must say so.
    shutil.copytree(root / "site", root / "tampered")
    manifest_path = root / "tampered" / "models" / "gan" / "generator" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["test_vectors"][0]["output_head"][0] += 0.5
    manifest_path.write_text(json.dumps(manifest))
    (root / "complete").touch()
    return root


def new_page(browser):
    """A fresh page (own context, downloads on) that records every request and page error."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 1400})
    context.set_default_timeout(WAIT_S * 1000)
    page = context.new_page()
    page.requests = []
    page.errors = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


# Browser waits are for conditions, never for time: generous, so that busy cores (a training run
# beside the suite, a slower CPU) make a test slower, not failed.
WAIT_S = 120.0


def wait_until(page, expression: str, timeout_s: float = WAIT_S) -> None:
    """Poll a JS expression until it is truthy. (Playwright's wait_for_function compiles its
    predicate with eval while polling, which the page's Content-Security-Policy rightly blocks.)"""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s} s: {expression}")
        page.wait_for_timeout(50)


def open_demo(page, base_url: str, site: str = "site", hash_: str = "") -> dict:
    """Load the page and wait for its start-up; returns what window.latentwalk.ready gave."""
    page.goto(f"{base_url}{site}/index.html{hash_}")
    wait_until(page, "window.latentwalk !== undefined")
    return page.evaluate("window.latentwalk.ready")


def views(page) -> dict:
    return {info["view"]: info for info in page.evaluate("window.latentwalk.views()")}


def canvas_pixels(page, selector: str) -> np.ndarray:
    """A canvas as an RGB uint8 array, through a lossless PNG data URL."""
    url = page.evaluate("s => document.querySelector(s).toDataURL('image/png')", selector)
    png = base64.b64decode(url.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def cell(pixels: np.ndarray, index: int, columns: int, scale: int, padding: int) -> np.ndarray:
    """Image ``index`` of a drawn grid, back at 32x32 (one sample per scale x scale block)."""
    row, column = divmod(index, columns)
    step = SIZE * scale + padding
    top, left = padding + row * step, padding + column * step
    return pixels[top : top + SIZE * scale : scale, left : left + SIZE * scale : scale]


def keras_images(model, latents: np.ndarray) -> np.ndarray:
    return np.asarray(model(latents, training=False), dtype=np.float32)


def assert_close_pixels(actual: np.ndarray, expected: np.ndarray) -> None:
    difference = np.abs(actual.astype(int) - expected.astype(int))
    assert difference.max() <= PIXEL_TOLERANCE, f"max difference {difference.max()} levels"


# Fixtures shared by the browser test modules (each imports them, so each gets its own
# module-scoped site, server and browser).
@pytest.fixture(scope="module")
def sites(tmp_path_factory, tiny_gan_run, tiny_vae_run) -> Path:
    return build_sites(tmp_path_factory, tiny_gan_run, tiny_vae_run)


@pytest.fixture(scope="module")
def base_url(sites):
    from latentwalk.export.browser import serve_folder

    with serve_folder(sites) as url:
        yield url


@pytest.fixture(scope="module")
def browser(sites):
    # Module scope, started after the sites are built: the exporter runs its own Playwright,
    # which cannot run beside this one.
    from latentwalk.export.browser import chromium

    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def keras_models(sites):
    """The Keras models the site's GAN and VAE decoder were exported from."""
    import keras

    exports = sites / "exports"
    return {
        "gan": keras.models.load_model(exports / "gan" / "generator" / "generator.keras"),
        "vae": keras.models.load_model(exports / "vae" / "decoder" / "decoder.keras"),
    }


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()
