"""The app's tool layout (issue 29), in Chromium on the shipped models: as in the Embedding
Projector, a section's controls sit in a narrow column left of its pictures and, on a laptop's
1280 x 800, stay in view while the pictures scroll by; on a phone's 390 x 844 the controls come
above the pictures, with no sideways scroll. Screenshots go to tests/artifacts/app_layout_1280.png
(the atlas, scrolled down) and app_layout_390.png (the walk) for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_support import WAIT_MS, settle
from playwright.sync_api import expect

from latentwalk.export.browser import CHROMIUM
from tests.support import REPO

ARTIFACTS = REPO / "tests" / "artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium"),
    pytest.mark.skipif(
        not (REPO / "models" / "figures" / "real-frog.json").is_file(),
        reason="needs the shipped models and their held-out images",
    ),
]

# Each section: its link, its heading, the last thing its run draws, and the tool layout's name
# (the keyed containers tool-side-<name> and tool-canvas-<name> of session.tool_columns).
SECTIONS = {
    "walk": ("?section=walk", "Walk", "VAE: z[2] from -3 to 3", "walk"),
    "atlas": ("?section=atlas", "Latent atlas", "Over many random planes", "atlas"),
    "real": (
        "?section=real&dataset=frog",
        "Real images",
        "Download the walk (animated GIF)",
        "real",
    ),
}
LAB = ("?section=lab", "Discontinuity lab", "What the numbers say", "lab")
SCREENSHOTS = {1280: "atlas", 390: "walk"}

# The boxes of a part's keyed containers in the viewport (the controls' as tall as they are, not
# as their column, which a row stretches to its height unless told not to); and the header's foot.
BOXES = """(name) => {
    const box = (key) => document.querySelector(`.st-key-${key}`)?.getBoundingClientRect().toJSON();
    const header = document.querySelector("[data-testid='stHeader']").getBoundingClientRect();
    return { side: box(`tool-side-${name}`), canvas: box(`tool-canvas-${name}`),
             header: header.bottom, view: window.innerHeight };
}"""
SCROLL = "(by) => { document.querySelector(\"[data-testid='stMain']\").scrollTop += by; }"
SCROLL_TO = "(top) => { document.querySelector(\"[data-testid='stMain']\").scrollTop = top; }"
WIDTHS = """() => {
    const main = document.querySelector("[data-testid='stMain']");
    return { page: document.documentElement.scrollWidth, body: document.body.scrollWidth,
             main: main.scrollWidth, mainWidth: main.clientWidth, view: window.innerWidth };
}"""


@pytest.fixture(scope="module")
def running_app(shipped_app):
    """The shipped models' server (conftest.py), shared with the other modules."""
    return shipped_app


@pytest.fixture(scope="module")
def browser():
    from latentwalk.export.browser import chromium

    with chromium() as launched:
        yield launched


def _open(browser, url: str, section: tuple, width: int, height: int):
    """A page of its own on the section, once the section's run has drawn all of it."""
    query, heading, last, _name = section
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.goto(f"{url}/{query}")
    page.get_by_role("heading", name=heading, exact=True).wait_for()
    page.get_by_text(last, exact=True).first.wait_for()
    settle(page)
    assert page.locator("[data-testid='stException']").count() == 0
    return context, page


@pytest.mark.parametrize("section", list(SECTIONS))
def test_on_a_laptop_the_controls_stay_beside_the_pictures(running_app, browser, section):
    context, page = _open(browser, running_app, SECTIONS[section], 1280, 800)
    try:
        name = SECTIONS[section][3]
        boxes = page.evaluate(BOXES, name)
        side, canvas = boxes["side"], boxes["canvas"]
        assert side is not None and canvas is not None, "no tool layout in this section"
        # Side by side: the controls' column left of the pictures', the canvas the wider.
        assert side["right"] <= canvas["left"], boxes
        assert side["top"] < canvas["bottom"] and canvas["top"] < side["bottom"], boxes
        assert canvas["width"] > 2 * side["width"], boxes
        # Scroll the pictures up past the controls' first place (half of what the canvas has
        # beyond the controls' height, so the row is still on screen): the controls stay.
        room = canvas["height"] - side["height"]
        assert room > 200, boxes  # the pictures outgrow the controls: scrolling shows something
        page.evaluate(SCROLL, canvas["top"] - boxes["header"] + room / 2)
        page.wait_for_timeout(300)
        after = page.evaluate(BOXES, name)
        side, canvas = after["side"], after["canvas"]
        assert canvas["top"] < 0, after  # the row's start is above the screen
        assert after["header"] <= side["top"] < after["view"] - 100, after  # its controls are not
        assert side["top"] - canvas["top"] > room / 4, after
        if SCREENSHOTS[1280] == section:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "app_layout_1280.png"))
    finally:
        context.close()


@pytest.mark.parametrize("section", list(SECTIONS))
def test_on_a_phone_the_controls_come_first_and_nothing_scrolls_sideways(
    running_app, browser, section
):
    context, page = _open(browser, running_app, SECTIONS[section], 390, 844)
    try:
        boxes = page.evaluate(BOXES, SECTIONS[section][3])
        side, canvas = boxes["side"], boxes["canvas"]
        assert side is not None and canvas is not None, "no tool layout in this section"
        assert side["bottom"] <= canvas["top"] + 1, boxes  # stacked: the controls above
        assert side["width"] > 300 and canvas["width"] > 300, boxes  # each the screen's width
        widths = page.evaluate(WIDTHS)
        assert widths["page"] <= widths["view"] and widths["body"] <= widths["view"], widths
        assert widths["main"] <= widths["mainWidth"], widths
        # Scrolled down, the controls scroll away with the page (nothing sticks on a phone).
        page.evaluate(SCROLL, canvas["top"] + 200)
        page.wait_for_timeout(300)
        after = page.evaluate(BOXES, SECTIONS[section][3])
        assert after["side"]["bottom"] < after["header"], after
        if SCREENSHOTS[390] == section:
            page.evaluate(SCROLL_TO, side["top"] - boxes["header"] - 16)  # the controls' top
            page.wait_for_timeout(300)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "app_layout_390.png"))
    finally:
        context.close()


def test_a_setting_in_one_parts_controls_redraws_every_part(running_app, browser):
    """The lab's space is chosen among its walk part's controls (a fragment: a change there reruns
    that part alone) but the random paths' part measures in it too: both follow the change."""
    context, page = _open(browser, running_app, LAB, 1280, 800)
    try:
        paths = page.locator(".st-key-tool-canvas-lab-paths")
        assert paths.get_by_text("but in pixels", exact=False).count() == 0  # the judge's, first
        side = page.locator(".st-key-tool-side-lab")
        radio = side.locator("[data-testid='stRadio']").filter(has_text="Measure change in")
        radio.get_by_text("pixels", exact=True).click()
        paths.get_by_text("but in pixels", exact=False).wait_for()
        settle(page)
        expect(paths).to_contain_text("but in pixels")
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        context.close()
