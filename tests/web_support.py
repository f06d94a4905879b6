"""Helpers for the web demo's browser tests (tests/test_web_*.py): the built sites, served once
per session, a headless Chromium per module, and ways to read the page's latents and pixels.

The sites are built once per session (exporting the tiny runs proves each model in Chromium,
which takes a while). Playwright's synchronous API runs one instance per thread, and tests in
other modules run the exporter's command line in the test process, which starts a Chromium of
its own: so a module's Chromium is closed with the module, and the sites are built before it
starts.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.support import REPO

ARTIFACTS = REPO / "tests" / "artifacts"
SIZE = 32
SINGLE_SCALE, GRID_SCALE, FRAME_SCALE = 8, 2, 6  # as in web_demo/js/*_view.js
# uint8 levels. Measured: every backend (wasm, cpu, webgl) agrees with Keras to 2e-7 in float, so
# the only difference left is rounding half up (JS) vs half to even (NumPy) at exact .5 values.
PIXEL_TOLERANCE = 1


def build_sites(root: Path, gan_run: Path, vae_run: Path, browser) -> Path:
    """A folder of sites: site/ (complete), book/ (with a stand-in for the book's GAN), no-vae/
    (VAE weights missing), no-index/ (no model list), tampered/ (a GAN manifest that disagrees
    with its model), plus exports/gan and exports/vae (proven in ``browser``)."""
    from latentwalk.export.cli import main
    from latentwalk.export.exporter import export

    exports = root / "exports"
    for name, run in (("gan", gan_run), ("vae", vae_run)):
        export(run, exports / name, "none", browser=browser)
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
    return root


# On its first visit the page times its backends on the first model (about 2 s here, most of it
# WebGL starting in software) and remembers the fastest in localStorage for later visits. Every
# test's page is a first visit (a context of its own), so it is told what this machine's probe
# finds (wasm, with no GPU) unless it asks to run the probe (test_web_engine.py tests it).
_KEY = re.search(
    r"const PROBE_KEY = '([^']+)'", (REPO / "web_demo" / "js" / "backend_choice.js").read_text()
)
PROBE_KEY = _KEY.group(1) if _KEY else None  # none found: every page probes (slower, as correct)
REMEMBERED_PROBE = """(() => {
    const key = %s;
    try {
        if (!localStorage.getItem(key)) {
            localStorage.setItem(key, JSON.stringify({
                backend: 'wasm', times: {wasm: 1}, when: Date.now(), userAgent: navigator.userAgent,
            }));
        }
    } catch {}  // no storage (a file:// page): the page probes
})();"""


def new_page(browser, probe: bool = False):
    """A fresh page (own context, downloads on) that records every request and page error; it
    runs the backend probe only if ``probe`` (see PROBE_KEY)."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 1400})
    context.set_default_timeout(WAIT_S * 1000)
    if not probe and PROBE_KEY:
        context.add_init_script(REMEMBERED_PROBE % json.dumps(PROBE_KEY))
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


def eventually(check, what: str, timeout_s: float = WAIT_S) -> None:
    """Poll a Python ``check()`` (say, of pixels read from the page) until it is true."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not so after {timeout_s} s: {what}")
        time.sleep(0.1)


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


# Fixtures shared by the browser test modules (conftest.py loads this module as a plugin).
@pytest.fixture(scope="session")
def sites(tmp_path_factory, tiny_gan_run, tiny_vae_run) -> Path:
    from latentwalk.export.browser import chromium

    with chromium() as browser:  # closed before any module's own starts (see above)
        return build_sites(
            tmp_path_factory.mktemp("web_sites"), tiny_gan_run, tiny_vae_run, browser
        )


@pytest.fixture(scope="module")
def browser(sites):
    """The module's headless Chromium, started after the sites are built (see above)."""
    from latentwalk.export.browser import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def base_url(sites):
    from latentwalk.export.browser import serve_folder

    with serve_folder(sites) as url:
        yield url


@pytest.fixture(scope="session")
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


def make_tears(dataset_id: str, sentence: str, widths: tuple[float, float] = (0.05, 0.4)) -> dict:
    """A tears-<id>.json as models/recipes/measure_tears.py writes it (the fields the page reads), for a
    GAN and a VAE whose class switch spans ``widths`` of the walk (a logistic ramp each), with
    two tears found in the GAN (a steep slope, then a tear) and one in the VAE, each with the
    latents of five frames across it."""
    offset = np.linspace(-0.5, 0.5, 65)

    def model(width: float, tear: float, found: list, nan_tail: bool = False) -> dict:
        steep = 2 * np.log(9) / width  # 0.1 -> 0.9 across `width`
        median = 1 / (1 + np.exp(-steep * offset))
        return {
            "transitions": {
                "pairs": 64,
                "switching": 60,
                "steps": 64,
                "width_median": width,
                "width_median_ci": [width * 0.8, width * 1.25],
            },
            "transition_curve": {
                "offset": offset.tolist(),
                "median": median.tolist(),
                "q25": np.clip(median - 0.1, 0, 1).tolist(),
                "q75": np.clip(median + 0.1, 0, 1).tolist(),
            },
            "between_class": {"share": 0.1 + width / 4, "ci": [0.08, 0.3]},
            "outside_real": {"share": 0.25, "ci": [0.2, 0.3]},
            "tails": {
                "p50": 0.04,
                "p99": 0.09,
                "p999": 0.04 * tear,
                "p99_over_median": 2.0,
                "p999_over_median": tear,
                "top1_share": 0.02 * tear,
                "tail_index": float("nan") if nan_tail else 6.1,  # the site writes null
            },
            "tears": {
                "typical_stretch": 0.17,
                "segment": 0.25,
                "tears": [{**place, "finest_step": 0.25 / 256} for place in found],
            },
        }

    def frames(seed: int) -> list:
        """Five latents on a line, as the tear search stores them."""
        rng = np.random.default_rng(seed)
        centre, direction = rng.standard_normal(32), rng.standard_normal(32)
        offsets = np.linspace(-0.125, 0.125, 5)
        return (centre + offsets[:, None] * direction / np.linalg.norm(direction)).tolist()

    gan_tears = [
        {"stretch_over_typical": 9.0, "change_kept": 0.02, "frame_latents": frames(1)},
        {"stretch_over_typical": 4.5, "change_kept": 0.9, "frame_latents": frames(2)},
    ]
    vae_tears = [{"stretch_over_typical": 2.1, "change_kept": 0.01, "frame_latents": frames(3)}]

    return {
        "dataset": {"id": dataset_id, "classes": dataset_id, "label": dataset_id},
        "verdict": {"call": "clear", "sentence": sentence, "evidence": {"width": "clear"}},
        "models": {
            "GAN": model(widths[0], 9.0, gan_tears, nan_tail=True),
            "VAE": model(widths[1], 2.1, vae_tears),
        },
        "settings": {"samples": 1024, "pairs": 64, "steps": 64, "paths": 32, "tear_budget": 512},
        "space": "judge features",
        "models_measured": {"GAN": f"gan-{dataset_id}", "VAE": f"vae-{dataset_id}"},
        "date": "2026-12-03T08:26:50+00:00",
        "commit": "0123456789abcdef",
    }
