"""The page's random-paths figure (issue 29) in headless Chromium: under the evidence table, each
model's largest steps over its median step (p99 and p99.9, from the data set's stored figures,
models/figures/tears-<id>.json, which the site ships), GAN and VAE on one log axis, named in words;
read at 390 px without sideways scroll and with no text under 10 px."""

from __future__ import annotations

import json
import math

import pytest
from web_support import ARTIFACTS, make_tears, open_demo, wait_until

from latentwalk.export.cli import main

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SITE = "tails"


@pytest.fixture(scope="module")
def tails_site(sites):
    """sites/tails/: the tiny GAN and VAE as two classes, with web_support.make_tears's figures
    (GAN p99.9 / median 9.0, VAE 2.1; both p99 / median 2.0; 32 random paths)."""
    out = sites / SITE
    if not (out / "index.html").exists():
        figures = sites / "tails-figures"
        figures.mkdir(exist_ok=True)
        tears = make_tears("frog-automobile", "On two classes, the GAN changes more abruptly.")
        (figures / "tears-frog-automobile.json").write_text(json.dumps(tears))
        exports = [str(sites / "exports" / "gan"), str(sites / "exports" / "vae")]
        args = ["site", "--dataset", "frog-automobile", *exports, "--figures", str(figures)]
        assert main([*args, "--out", str(out), "--force"]) == 0
    return out


def _open(page, base_url: str, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    open_demo(page, base_url, site=SITE)
    page.evaluate("window.latentwalk.verdict()")
    wait_until(page, "!document.getElementById('tails-figure').hidden")


def _rows(page) -> dict:
    """Per model row of the figure: its words and where its markers are (in chart units)."""
    return page.eval_on_selector_all(
        "#tails-chart g.tail-row",
        """rows => Object.fromEntries(rows.map(g => [g.dataset.model, {
            texts: [...g.querySelectorAll('text')].map(t => t.textContent),
            median: Number(g.querySelector('circle:not(.p99)').getAttribute('cx')),
            p99: Number(g.querySelector('circle.p99').getAttribute('cx')),
            p999: Number(g.querySelector('rect.p999').getAttribute('x')) + 4.5,
        }]))""",
    )


def test_the_evidence_shows_each_models_largest_steps_over_its_median(page, base_url, tails_site):
    _open(page, base_url, 1280, 800)
    rows = _rows(page)
    assert rows["GAN"]["texts"] == ["GAN", "2.0×", "9.0×"]
    assert rows["VAE"]["texts"] == ["VAE", "2.0×", "2.1×"]
    # One log axis for both: the medians at one place, every marker where its ratio puts it.
    gan, vae = rows["GAN"], rows["VAE"]
    assert gan["median"] == vae["median"]
    unit = (gan["p999"] - gan["median"]) / math.log(9.0)
    for row, p999 in ((gan, 9.0), (vae, 2.1)):
        assert row["p99"] - row["median"] == pytest.approx(unit * math.log(2.0), abs=0.01)
        assert row["p999"] - row["median"] == pytest.approx(unit * math.log(p999), abs=0.01)
    caption = page.inner_text("#tails-caption")
    assert caption.startswith("32 random paths per model, every step measured in the judge's")
    ticks = page.eval_on_selector_all("#tails-chart > text", "ts => ts.map(t => t.textContent)")
    assert {"1×", "2×", "5×", "10×"} <= set(ticks)
    assert "step ÷ the model's median step (log scale)" in ticks
    # Below the evidence table, above the steepest places.
    table = page.locator("#evidence-table").bounding_box()
    figure = page.locator("#tails-figure").bounding_box()
    assert figure["y"] > table["y"] + table["height"]
    assert page.errors == []


def test_the_figure_reads_on_a_phone(page, base_url, tails_site):
    width = 390
    _open(page, base_url, width, 844)
    page.locator("#tails-figure").scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    figure = page.locator("#tails-figure").bounding_box()
    assert figure["x"] >= 0 and figure["x"] + figure["width"] <= width
    # Each text's size on screen: its font size times the SVG's scale to the screen.
    sizes = page.eval_on_selector_all(
        "#tails-chart text",
        """ts => ts.map(t => [t.textContent,
            parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a])""",
    )
    assert len(sizes) >= 12
    small = [(text, size) for text, size in sizes if size < 10]
    assert small == []
    # No label runs off the figure.
    box = page.locator("#tails-chart").bounding_box()
    for text_box in page.eval_on_selector_all(
        "#tails-chart text", "ts => ts.map(t => t.getBoundingClientRect().toJSON())"
    ):
        assert box["x"] - 1 <= text_box["x"] and text_box["right"] <= box["x"] + box["width"] + 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#tails-figure").screenshot(path=str(ARTIFACTS / "web_tails_390.png"))
    assert page.errors == []
