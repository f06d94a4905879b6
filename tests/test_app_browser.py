"""One look at the running app in headless Chromium: `streamlit run streamlit_app/app.py` on tiny
models, the discontinuity lab's charts drawn, an image uploaded through the real file widget, and
screenshots saved to tests/artifacts/ for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from app_support import SERVER_LOGS, WAIT_MS, app_server, settle
from PIL import Image
from playwright.sync_api import expect
from web_support import eventually

from latentwalk.export.browser import CHROMIUM
from tests.support import REPO

ARTIFACTS = REPO / "tests" / "artifacts"
WALK_HEADING = re.compile(r"^\s*Along the chosen walk")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def running_app(tiny_gan_run, tiny_vae_run, tmp_path_factory):
    """`streamlit run` on the tiny models, one server for the module (each test opens its own
    browser session, so each gets its own app session)."""
    with app_server(tmp_path_factory.mktemp("app"), [tiny_gan_run, tiny_vae_run]) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module (closed with it: see tests/web_support.py)."""
    from latentwalk.export.browser import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser):
    """A page of its own (own context): its own app session."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    yield page
    context.close()


def _screenshot(page, path: Path) -> None:
    """The whole page: Streamlit scrolls inside its main element, so grow the viewport to it."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(int(height), 8000)})
    page.wait_for_timeout(1000)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1400, "height": 1000})


def _images_loaded(page) -> int:
    """How many of the app's images are shown, once every image on the page has loaded."""
    broken = page.evaluate(
        "() => [...document.querySelectorAll('img')]"
        ".filter(i => !i.complete || i.naturalWidth === 0).length"
    )
    if broken:
        return 0
    return page.locator(
        "[data-testid='stImage'] img, [data-testid='stFullScreenFrame'] img"
    ).count()


def _pixels_of_colour(chart, rgb: tuple[int, int, int]) -> int:
    """How many pixels of a chart's canvas have (nearly) this colour."""
    return chart.locator("canvas").first.evaluate(
        """(canvas, [r, g, b]) => {
            const {data} = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
            let count = 0;
            for (let i = 0; i < data.length; i += 4) {
                const near = Math.abs(data[i] - r) + Math.abs(data[i + 1] - g)
                    + Math.abs(data[i + 2] - b);
                if (near < 30 && data[i + 3] > 200) count++;
            }
            return count;
        }""",
        list(rgb),
    )


def test_running_app_in_chromium(running_app, page, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    upload = tmp_path / "frog.png"
    pixels = np.zeros((48, 64, 4), np.uint8)
    pixels[..., 1], pixels[..., 3] = 180, 255
    pixels[:, :8, 3] = 0  # a transparent strip
    Image.fromarray(pixels, "RGBA").save(upload)
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("these are notes, not a picture")

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(running_app)
    page.get_by_role("heading", name="Generate").wait_for()
    settle(page)
    eventually(lambda: _images_loaded(page) >= 4, "the Generate section's images")
    rendering = page.evaluate(
        "() => getComputedStyle(document.querySelector(\"[data-testid='stImage'] img\"))"
        ".imageRendering"
    )
    assert rendering == "pixelated"  # enlarged 32-pixel images stay crisp

    page.get_by_text("Discontinuity lab", exact=True).click()
    page.get_by_text("What the numbers say").wait_for()
    settle(page)
    charts = page.locator("[data-testid='stVegaLiteChart']")
    eventually(lambda: charts.count() >= 2, "the lab's two charts (the walk's, the paths')")
    charts.last.locator("canvas, svg").first.wait_for()
    assert page.locator("[data-testid='stException']").count() == 0
    _screenshot(page, ARTIFACTS / "streamlit_app.png")

    page.get_by_text("VAE extras", exact=True).click()
    page.get_by_role("heading", name="VAE extras").wait_for()
    settle(page)
    dropzone = page.locator("[data-testid='stFileUploaderDropzoneInput']")
    dropzone.set_input_files(str(not_an_image))
    page.get_by_text("not an image Pillow can read").wait_for()
    dropzone.set_input_files(str(upload))
    page.get_by_text("Converted from RGBA to RGB.").wait_for()
    page.get_by_text("VAE reconstruction").wait_for()
    settle(page)
    page.get_by_text("Cropped the centre 48x48").wait_for()
    eventually(lambda: _images_loaded(page) >= 5, "the upload's images")
    _screenshot(page, ARTIFACTS / "streamlit_app_upload.png")
    assert errors == []
    # The models have run: TensorFlow's start-up noise and Keras's input-structure warning stay
    # out of the server's log.
    log = SERVER_LOGS[running_app].read_text()
    for noise in ("Unable to register", "computation placer", "structure of `inputs`"):
        assert noise not in log, log[-3000:]


def test_links_edits_and_lab_redraws_in_chromium(running_app, page):
    """In a real browser: a permalink round trip, an out-of-range seed followed by another edit
    (both kept), garbage link parameters, and lab redraws without a console error (charts sent
    by st.altair_chart logged Vega's "Unrecognized data set" on every redraw with new numbers)."""
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: console.append(str(error)))
    page.goto(f"{running_app}/?section=lab&waypoints=3,%208&steps=6")
    page.get_by_text("What the numbers say").wait_for()
    settle(page)
    waypoints = page.get_by_label("Waypoint seeds (two or more, in order)", exact=True)
    expect(waypoints).to_have_value("3, 8", timeout=WAIT_MS)
    for text in ("0, 5", "2, 9, 4", "7, 1"):  # lab redraws: the walk's chart, new numbers
        waypoints.fill(text)
        waypoints.press("Enter")
        settle(page)
    paths = page.get_by_label("Random paths", exact=True)
    paths.fill("64")  # and the many paths' chart
    paths.press("Enter")
    settle(page)
    # The chart in the block that starts with the walk's heading (other figures may come first).
    walk_block = page.locator("[data-testid='stVerticalBlock']", has_text=WALK_HEADING).last
    walk_chart = walk_block.locator("[data-testid='stVegaLiteChart']").first
    # Both models' lines are drawn (the legend alone has about 130 pixels of each colour).
    eventually(lambda: _pixels_of_colour(walk_chart, (214, 39, 40)) > 300, "the GAN's red line")
    eventually(lambda: _pixels_of_colour(walk_chart, (31, 119, 180)) > 300, "the VAE's blue line")
    eventually(lambda: "waypoints=7%2C+1" in page.url or "waypoints=7,+1" in page.url, "the link")
    link = page.url
    page.goto("about:blank")
    page.goto(link)
    page.get_by_text("What the numbers say").wait_for()
    settle(page)
    waypoints = page.get_by_label("Waypoint seeds (two or more, in order)")
    expect(waypoints).to_have_value("7, 1", timeout=WAIT_MS)

    page.goto(f"{running_app}/?seed=zzz&steps=1000&nonsense=1")
    page.get_by_role("heading", name="Generate").wait_for()
    settle(page)
    page.get_by_text("from the link: cannot read seeds").first.wait_for()
    seed = page.get_by_label("Seed", exact=True)
    seed.fill("99999999999")
    seed.press("Enter")
    page.get_by_text("seeds must be between 0 and 4294967295").wait_for()
    grid = page.get_by_label("Seeds", exact=True)
    grid.fill("3-5")
    grid.press("Enter")
    settle(page)
    page.get_by_text("seeds 3-5").first.wait_for()
    expect(seed).to_have_value("99999999999", timeout=WAIT_MS)
    expect(grid).to_have_value("3-5", timeout=WAIT_MS)
    assert console == []
