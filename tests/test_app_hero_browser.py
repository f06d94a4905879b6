"""The app's landing view in Chromium on the shipped models (issue 29), at a laptop's 1280 x 800
and a phone's 390 x 844: the verdict and the hero (its GIF and its chart) on the first screen, no
sideways scroll, and every word the charts draw at 10 px or more on screen. Screenshots of the
first screen go to tests/artifacts/app_hero_<width>.png for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_support import WAIT_MS, settle

from latentwalk.export.browser import CHROMIUM
from tests.support import REPO

ARTIFACTS = REPO / "tests" / "artifacts"
HERO_CAPTION = "GAN | VAE: one walk, in step"  # views/hero.py's GIF
HERO_AXIS = "step along the walk"  # its chart's x axis (charts.step_chart)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium"),
    pytest.mark.skipif(
        not (REPO / "models" / "gan-cifar10").is_dir(), reason="needs the shipped models"
    ),
]

# Streamlit draws Altair charts with vega-embed on a canvas, whose text the DOM does not hold:
# record every fillText with its font and the canvas's transform, to size it as shown.
CANVAS_TEXT_SPY = """
(() => {
  const drawn = [];
  window.__canvasText = drawn;
  const fillText = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
    const size = /([0-9.]+)px/.exec(this.font);
    const m = this.getTransform();
    drawn.push({ text: String(text), px: size ? Number(size[1]) : 0,
      scale: Math.hypot(m.a, m.b), canvas: this.canvas });
    return fillText.call(this, text, ...rest);
  };
})();
"""
# Each text as it is on screen, in CSS pixels: font size x the context's scale x the canvas's
# CSS size over its pixel size (a canvas of no size yet is vega measuring, not drawing).
SHOWN_TEXT = """() => window.__canvasText
  .filter((t) => t.canvas.width > 0 && t.canvas.isConnected)
  .map((t) => ({ text: t.text,
    px: t.px * t.scale * t.canvas.getBoundingClientRect().width / t.canvas.width }))"""


@pytest.fixture(scope="module")
def running_app(shipped_app):
    """The shipped models' server (conftest.py), shared with the other modules."""
    return shipped_app


@pytest.fixture(scope="module")
def browser():
    from latentwalk.export.browser import chromium

    with chromium() as launched:
        yield launched


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_the_landing_view_fits_its_first_screen_and_its_charts_read(
    running_app, browser, width, height
):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(WAIT_MS)
    context.add_init_script(CANVAS_TEXT_SPY)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(running_app)
        gif = page.locator("[data-testid='stImage']", has_text=HERO_CAPTION)
        gif.locator("img").wait_for()
        page.wait_for_function(
            f"() => window.__canvasText.some((t) => t.text === '{HERO_AXIS}' && t.canvas.width)",
            timeout=WAIT_MS,
        )
        settle(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"app_hero_{width}.png"))

        verdict = page.locator("[data-testid='stAlert']", has_text="Verdict.").bounding_box()
        hero = gif.locator("img").bounding_box()
        charts = page.locator("[data-testid='stVegaLiteChart']")
        hero_chart = charts.nth(1).bounding_box()  # the verdict's chart first, then the hero's
        # The verdict and the hero's GIF whole on the first screen; the hero's chart whole on a
        # laptop, begun on a phone (it stacks under the GIF: the next thing a thumb shows).
        assert 0 <= verdict["y"] and verdict["y"] + verdict["height"] <= height, verdict
        assert hero["y"] > verdict["y"] and hero["y"] + hero["height"] <= height, hero
        assert hero_chart["y"] < height, hero_chart
        if width >= 1000:
            assert hero_chart["y"] + hero_chart["height"] <= height, hero_chart

        scroll = page.evaluate(
            """() => {
                const main = document.querySelector('[data-testid="stMain"]');
                return { page: document.documentElement.scrollWidth, body: document.body.scrollWidth,
                         main: main.scrollWidth, mainWidth: main.clientWidth,
                         view: window.innerWidth };
            }"""
        )
        assert scroll["page"] <= scroll["view"] and scroll["body"] <= scroll["view"], scroll
        assert scroll["main"] <= scroll["mainWidth"], scroll

        shown = page.evaluate(SHOWN_TEXT)
        texts = {item["text"] for item in shown}
        assert HERO_AXIS in texts and "P(end class)" in texts  # both charts were measured
        small = [item for item in shown if item["text"].strip() and item["px"] < 10]
        assert small == [], small[:10]
        assert errors == []
    finally:
        context.close()
