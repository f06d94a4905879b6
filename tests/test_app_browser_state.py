"""Every control of the app holds through a reload (issue 29), in Chromium on `streamlit run`: one
page sets each section's controls to values other than their defaults by hand (keys, clicks,
typing), the page is reloaded from its own link, and each control shows the same value. On the
way, "Show it above" must update the whole view, the seed box and the images above it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from app_support import WAIT_MS, app_server, settle
from playwright.sync_api import expect

from latentwalk.export.browser import CHROMIUM

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def running_app(tiny_gan_run, tiny_vae_run, tmp_path_factory):
    with app_server(tmp_path_factory.mktemp("app"), [tiny_gan_run, tiny_vae_run]) as url:
        yield url


@pytest.fixture
def page():
    from latentwalk.export.browser import chromium

    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(WAIT_MS)
        yield context.new_page()
        context.close()


# --- doing things to Streamlit's widgets, and reading them back -------------------------------


def _widget(page, kind: str, label: str):
    """The widget of ``kind`` (its data-testid) whose label is ``label``."""
    return page.locator(f"[data-testid='{kind}']").filter(
        has=page.locator("label", has_text=re.compile(f"^{re.escape(label)}$"))
    )


def _type(page, label: str, text: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    box.press("Enter")
    settle(page)


def _slide(page, label: str, key: str, times: int = 1) -> None:
    """Move a slider with the arrow keys, as a person may (the app keeps the last value)."""
    thumb = _widget(page, "stSlider", label).get_by_role("slider")
    thumb.focus()
    for _ in range(times):
        thumb.press(key)
    settle(page)


def _slider_value(page, label: str) -> str:
    return _widget(page, "stSlider", label).get_by_role("slider").get_attribute("aria-valuenow")


def _choose(page, label: str, option: str) -> None:
    _widget(page, "stRadio", label).get_by_text(option, exact=True).click()
    settle(page)


def _chosen(page, label: str) -> str:
    radio = _widget(page, "stRadio", label)
    return radio.locator("label:has(input:checked)").inner_text().strip()


def _switch(page, label: str) -> None:
    _widget(page, "stCheckbox", label).locator("label").first.click()
    settle(page)


def _switched(page, label: str) -> bool:
    return _widget(page, "stCheckbox", label).locator("input").is_checked()


HEADINGS = {"Atlas": "Latent atlas"}  # a section's heading, where it is not its name


def _go(page, section: str) -> None:
    page.locator("[data-testid='stSidebar']").get_by_text(section, exact=True).click()
    page.get_by_role("heading", name=HEADINGS.get(section, section), exact=True).wait_for()
    settle(page)


# Each section's controls: (how to set it, how to read it, the value to expect).
def _set_generate(page, seen: dict) -> None:
    _type(page, "Seeds", "3-9")
    _slide(page, "Columns", "ArrowLeft", 3)  # 8 -> 5
    _widget(page, "stSelectbox", "Pick a seed from the grid").click()
    page.get_by_role("option", name="7", exact=True).click()
    settle(page)
    page.get_by_role("button", name="Show it above").click()
    settle(page)
    # The whole view follows, not the grid's part alone: the box and the images above it.
    expect(page.get_by_label("Seed", exact=True)).to_have_value("7")
    expect(page.get_by_text("GAN, seed 7", exact=True)).to_be_visible()


def _check_generate(page, seen: dict) -> None:
    expect(page.get_by_label("Seed", exact=True)).to_have_value("7")
    expect(page.get_by_text("GAN, seed 7", exact=True)).to_be_visible()
    expect(page.get_by_label("Seeds", exact=True)).to_have_value("3-9")
    assert _slider_value(page, "Columns") == "5"
    expect(_widget(page, "stSelectbox", "Pick a seed from the grid")).to_contain_text("7")


def _set_walk(page, seen: dict) -> None:
    _type(page, "Waypoint seeds (two or more, in order)", "3, 8")
    _choose(page, "Interpolation", "lerp")
    _slide(page, "Steps per leg", "ArrowRight", 2)  # 16 -> 18
    _slide(page, "Frame", "ArrowRight", 2)
    _switch(page, "Animated GIF of the walk")
    _type(page, "Base seed", "9")
    dims = _widget(page, "stMultiSelect", "Dimensions")
    dims.locator("input").fill("5")
    dims.locator("input").press("Enter")
    settle(page)
    _slide(page, "z[5]", "ArrowRight", 4)  # + 0.2
    seen["z[5]"] = _slider_value(page, "z[5]")


def _check_walk(page, seen: dict) -> None:
    expect(page.get_by_label("Waypoint seeds (two or more, in order)")).to_have_value("3, 8")
    assert _chosen(page, "Interpolation") == "lerp"
    assert _slider_value(page, "Steps per leg") == "18"
    assert _slider_value(page, "Frame") == "2"
    assert _switched(page, "Animated GIF of the walk")
    expect(page.get_by_label("Base seed", exact=True)).to_have_value("9")
    chips = _widget(page, "stMultiSelect", "Dimensions").locator("[data-baseweb='tag']")
    assert chips.all_inner_texts() == ["0", "1", "2", "5"]
    assert _slider_value(page, "z[5]") == seen["z[5]"]


def _set_lab(page, seen: dict) -> None:
    _choose(page, "Measure change in", "pixels")
    _slide(page, "A jump is a step above k × the median step; k =", "ArrowRight")  # 3 -> 3.5
    _switch(page, "Divide by each model's median step (scale-free)")
    _type(page, "Random paths", "64")
    _type(page, "Paths' random seed", "3")
    _switch(page, "Divide by each model's median (scale-free)")


def _check_lab(page, seen: dict) -> None:
    assert _chosen(page, "Measure change in") == "pixels"
    assert _slider_value(page, "A jump is a step above k × the median step; k =") == "3.5"
    assert not _switched(page, "Divide by each model's median step (scale-free)")
    expect(page.get_by_label("Random paths", exact=True)).to_have_value("64")
    expect(page.get_by_label("Paths' random seed", exact=True)).to_have_value("3")
    assert not _switched(page, "Divide by each model's median (scale-free)")


def _set_atlas(page, seen: dict) -> None:
    _choose(page, "Map", "largest singular value")
    _slide(page, "A cliff is a cell above k × the model's median; k =", "ArrowLeft")  # 2.5
    _slide(page, "Grid N × N", "ArrowLeft", 4)  # 24 -> 20
    _type(page, "Seeds (three)", "3, 8, 12")
    _slide(page, "Margin beyond the seeds", "ArrowRight")  # 0.2
    _type(page, "Row (from the top)", "2")
    _type(page, "Column (from the left)", "4")
    _type(page, "Walk from this cell to seed", "9")
    _type(page, "Planes", "3")
    _slide(page, "Grid N of each", "ArrowLeft", 2)  # 16 -> 14
    _type(page, "Random seed", "2")
    _choose(page, "Plane", "Through a seed, along two random directions")
    _type(page, "Seed (the centre)", "5")
    _type(page, "Directions' seed", "6")


def _check_atlas(page, seen: dict) -> None:
    assert _chosen(page, "Map") == "largest singular value"
    assert _slider_value(page, "A cliff is a cell above k × the model's median; k =") == "2.5"
    assert _slider_value(page, "Grid N × N") == "20"
    expect(page.get_by_label("Row (from the top)", exact=True)).to_have_value("2")
    expect(page.get_by_label("Column (from the left)", exact=True)).to_have_value("4")
    expect(page.get_by_label("Walk from this cell to seed", exact=True)).to_have_value("9")
    expect(page.get_by_label("Planes", exact=True)).to_have_value("3")
    assert _slider_value(page, "Grid N of each") == "14"
    expect(page.get_by_label("Random seed", exact=True)).to_have_value("2")
    assert _chosen(page, "Plane") == "Through a seed, along two random directions"
    expect(page.get_by_label("Seed (the centre)", exact=True)).to_have_value("5")
    expect(page.get_by_label("Directions' seed", exact=True)).to_have_value("6")
    _choose(page, "Plane", "Through three seeds")  # the other plane's controls kept theirs
    expect(page.get_by_label("Seeds (three)", exact=True)).to_have_value("3, 8, 12")
    assert float(_slider_value(page, "Margin beyond the seeds")) == pytest.approx(0.2)


def _set_vae(page, seen: dict) -> None:
    _choose(page, "Start from", "A GAN image (by seed)")
    _type(page, "GAN seed", "4")
    _type(page, "Target seed", "8")
    _choose(page, "Interpolation", "lerp")
    _slide(page, "Steps", "ArrowLeft", 2)  # 16 -> 14


def _check_vae(page, seen: dict) -> None:
    assert _chosen(page, "Start from") == "A GAN image (by seed)"
    expect(page.get_by_label("GAN seed", exact=True)).to_have_value("4")
    expect(page.get_by_label("Target seed", exact=True)).to_have_value("8")
    assert _chosen(page, "Interpolation") == "lerp"
    assert _slider_value(page, "Steps") == "14"


def _open_measure(page) -> None:
    page.get_by_text("Measure the chosen models now (quick settings)").click()


def _set_tears(page, seen: dict) -> None:
    _open_measure(page)
    _slide(page, "Cross-class walks per model", "ArrowRight")  # 64 -> 128


def _check_tears(page, seen: dict) -> None:
    _open_measure(page)
    assert _slider_value(page, "Cross-class walks per model") == "2"  # the option's index


SECTIONS = {
    "Generate": (_set_generate, _check_generate),
    "Walk": (_set_walk, _check_walk),
    "Discontinuity lab": (_set_lab, _check_lab),
    "Atlas": (_set_atlas, _check_atlas),
    "VAE extras": (_set_vae, _check_vae),
    "Where it tears": (_set_tears, _check_tears),
}


def test_every_control_holds_through_a_reload(running_app, page):
    errors: list[str] = []
    seen: dict[str, str] = {}  # values read off the page before the reload
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(running_app)
    page.get_by_role("heading", name="Generate", exact=True).wait_for()
    settle(page)
    for section, (set_controls, _check) in SECTIONS.items():
        if section != "Generate":
            _go(page, section)
        set_controls(page, seen)
    link = page.url
    page.goto("about:blank")
    page.goto(link)  # the reload: a new session, from the link alone
    page.get_by_role("heading", name="Where it tears", exact=True).wait_for()
    settle(page)
    for section, (_set, check_controls) in reversed(SECTIONS.items()):
        if section != "Where it tears":
            _go(page, section)
        check_controls(page, seen)
    assert page.locator("[data-testid='stException']").count() == 0
    assert errors == []
