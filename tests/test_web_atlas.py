"""The web demo's Atlas panel in headless Chromium (site from the tiny runs): the images are made
in Web Workers, and the plane, the images and the maps equal what core/latent.py computes with
the Keras models; a cancel stops a run; bad planes get a message."""

from __future__ import annotations

import numpy as np
import pytest
from web_support import ARTIFACTS, keras_images, open_demo, views, wait_until

from latentwalk.core import latent

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _wait_for_atlas(page, n: int) -> dict:
    wait_until(page, f"(window.latentwalk.views()[2] || {{}}).n === {n}")
    return views(page)["atlas"]


@pytest.mark.parametrize(
    ("hash_", "plane"),
    [
        (
            "#atlas=on&plane=seeds&pseeds=3,8,12&n=6",
            lambda: latent.plane_through_seeds([3, 8, 12], n=6),
        ),
        ("#atlas=on&plane=random&pseeds=7,99&n=5", lambda: latent.random_plane(7, 99, n=5)),
    ],
)
def test_atlas_matches_python_on_the_same_plane(page, base_url, keras_models, hash_, plane):
    open_demo(page, base_url, hash_=hash_)
    info = _wait_for_atlas(page, plane().n)
    expected_plane = plane()
    np.testing.assert_allclose(info["plane"]["axes"], expected_plane.axes, atol=1e-12)
    assert info["plane"]["halfWidth"] == pytest.approx(expected_plane.half_width, rel=1e-12)
    n = expected_plane.n
    for model_id, model in keras_models.items():
        lattice = keras_images(model, expected_plane.latents(ring=1))
        images = np.array(page.evaluate(f"window.latentwalk.atlasImages('{model_id}')"))
        inner = lattice.reshape(n + 2, n + 2, -1)[1:-1, 1:-1].ravel()
        np.testing.assert_allclose(images, inner, atol=2e-5)  # a float32 export
        maps = latent.stretch_map(lattice, expected_plane.spacing)
        for measure in ("area", "stretch"):
            np.testing.assert_allclose(
                info["maps"][model_id][measure], maps[measure].ravel(), rtol=2e-3, atol=1e-9
            )
    summaries = page.locator(".atlas-column .summary").all_inner_texts()
    assert len(summaries) == 2 and all("median" in text for text in summaries)
    assert page.errors == []


def test_atlas_runs_in_workers_picks_cells_and_cancels(page, base_url):
    open_demo(page, base_url, hash_="#plane=seeds&pseeds=0,1,2&n=8")
    assert views(page)["atlas"]["n"] is None  # nothing is mapped before it is asked for
    page.click("#atlas-run")
    info = _wait_for_atlas(page, 8)
    wait_until(page, "location.hash.includes('atlas=on')")  # the link is written a moment later
    assert info["picked"] == [4, 4]
    # A click on a map picks that cell (the map may be scaled by CSS: aim by fractions).
    box = page.locator(".atlas-column[data-model=gan] canvas.atlas-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 1.5 / 8, box["y"] + box["height"] * 6.5 / 8)
    wait_until(page, "JSON.stringify(window.latentwalk.views()[2].picked) === '[6,1]'")
    assert "row 6, column 1" in page.locator("#atlas-cell-caption").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#atlas").screenshot(path=str(ARTIFACTS / "web_atlas.png"))
    # A large plane, cancelled while it runs: the status says so and the old atlas stays.
    page.fill("#atlas-n", "64")
    page.dispatch_event("#atlas-n", "change")
    wait_until(page, "window.latentwalk.views()[2].running")
    page.click("#atlas-cancel")
    wait_until(page, "!window.latentwalk.views()[2].running")
    assert page.locator("#atlas-status").inner_text() == "Cancelled."
    assert views(page)["atlas"]["n"] == 8
    assert page.errors == []


def test_the_atlas_maps_itself_when_it_comes_into_view(page, base_url):
    """Nobody meets an empty atlas: scrolled into view, it maps the link's plane unasked."""
    open_demo(page, base_url, hash_="#plane=seeds&pseeds=0,1,2&n=6")
    assert views(page)["atlas"]["n"] is None  # below the first screen: not yet
    page.locator("#atlas").scroll_into_view_if_needed()
    _wait_for_atlas(page, 6)
    wait_until(page, "location.hash.includes('atlas=on')")
    assert page.errors == []


def test_bad_planes_get_a_message(page, base_url):
    open_demo(page, base_url, hash_="#atlas=on&plane=seeds&pseeds=3,3,5&n=6")
    wait_until(page, "document.getElementById('atlas-error').textContent !== ''")
    assert "seed 3 is given twice" in page.locator("#atlas-error").inner_text()
    page.evaluate("location.hash = '#atlas=on&plane=random&pseeds=1,2,3&n=6'")
    wait_until(page, "document.getElementById('atlas-error').textContent.includes('two seeds')")
    page.evaluate("location.hash = '#atlas=on&plane=seeds&pseeds=1,2,3&n=99'")
    wait_until(page, "document.querySelectorAll('.notice[data-source=link]').length > 0")
    assert "N must be a whole number from 4 to 64" in page.locator(".notices").inner_text()
    assert views(page)["atlas"]["n"] is None  # nothing was mapped from a bad plane
    assert page.errors == []


def test_typed_bad_values_are_refused_in_words(page, base_url):
    open_demo(page, base_url, hash_="#plane=seeds&pseeds=0,1,2&n=6")
    page.fill("#atlas-n", "200")
    page.dispatch_event("#atlas-n", "change")
    assert "N must be a whole number from 4 to 64" in page.inner_text("#atlas-error")
    assert page.get_attribute("#atlas-n", "aria-invalid") == "true"
    assert "n=6" in page.evaluate("location.hash")
    page.fill("#atlas-seeds", "1, 2, 3, 4")
    page.dispatch_event("#atlas-seeds", "change")
    assert "too many seeds" in page.inner_text("#atlas-error")
    assert page.errors == []


def test_with_the_vae_missing_the_atlas_says_so_and_maps_the_gan(page, base_url):
    open_demo(page, base_url, site="no-vae", hash_="#atlas=on&plane=random&pseeds=1,2&n=5")
    info = _wait_for_atlas(page, 5)
    assert list(info["maps"]) == ["gan"]
    assert "needs both the GAN and the VAE" in page.inner_text("#atlas")


def test_the_picked_cell_is_in_the_link_and_a_reload_shows_it(page, base_url):
    open_demo(page, base_url, hash_="#atlas=on&plane=seeds&pseeds=0,1,2&n=8")
    assert _wait_for_atlas(page, 8)["picked"] == [4, 4]
    grid = page.locator(".atlas-column[data-model=vae] canvas.atlas-grid")
    box = grid.bounding_box()
    grid.click(position={"x": box["width"] * 2.5 / 8, "y": box["height"] * 6.5 / 8})
    wait_until(page, "location.hash.includes('cell=6,2&')")
    caption = page.inner_text("#atlas-cell-caption")
    assert caption.startswith("GAN | VAE at row 6, column 2")
    page.reload()
    assert page.evaluate("window.latentwalk.ready")["ok"]
    assert _wait_for_atlas(page, 8)["picked"] == [6, 2]
    assert page.inner_text("#atlas-cell-caption") == caption
    # A link's cell is followed as the link changes; one off a smaller grid falls back to the
    # centre, and the link says so.
    page.evaluate("location.hash = location.hash.replace('cell=6,2', 'cell=1,7')")
    wait_until(page, "JSON.stringify(window.latentwalk.views()[2].picked) === '[1,7]'")
    page.evaluate("location.hash = location.hash.replace('n=8', 'n=5')")
    info = _wait_for_atlas(page, 5)
    assert info["picked"] == [2, 2]
    wait_until(page, "location.hash.includes('cell=&')")
    assert page.errors == []


def test_the_download_waits_for_a_map_and_says_so(page, base_url):
    open_demo(page, base_url, hash_="#plane=seeds&pseeds=0,1,2&n=6")
    assert page.is_disabled("#atlas-download")
    assert page.inner_text("#atlas-scale").startswith("Map a plane first")
    page.click("#atlas-run")
    _wait_for_atlas(page, 6)
    wait_until(page, "!document.getElementById('atlas-download').disabled")
    with page.expect_download() as download_info:
        page.click("#atlas-download")
    assert download_info.value.suggested_filename == "latentwalk-atlas.png"
    assert "colour scale shared by the maps" in page.inner_text("#atlas-scale")


def test_each_square_is_named_and_has_the_planes_axes(page, base_url):
    open_demo(page, base_url, hash_="#atlas=on&plane=random&pseeds=7,99&n=5")
    info = _wait_for_atlas(page, 5)
    half = info["plane"]["halfWidth"]
    ends = [f"{-half:.1f}", "0.0", f"{half:.1f}"]
    for model in ("gan", "vae"):
        column = f".atlas-column[data-model={model}]"
        names = page.locator(f"{column} figure.atlas-square figcaption").all_inner_texts()
        assert names == ["Images", "Change map"]
        for kind, canvas in (("images", "atlas-grid"), ("map", "atlas-map")):
            square = f"{column} figure[data-square={kind}]"
            assert page.locator(f"{square} canvas.{canvas}").count() == 1
            assert page.locator(f"{square} .axis-x-ticks span").all_inner_texts() == ends
            assert page.locator(f"{square} .axis-y-ticks span").all_inner_texts() == ends
            assert page.inner_text(f"{square} .axis-x-title") == "random direction 1 →"
            assert page.inner_text(f"{square} .axis-y-title") == "random direction 2 →"
            # The ticks sit along the square's edges.
            plot = page.locator(f"{square} canvas").bounding_box()
            ticks = page.locator(f"{square} .axis-x-ticks").bounding_box()
            assert abs(ticks["x"] - plot["x"]) < 2 and abs(ticks["width"] - plot["width"]) < 2
            assert 0 <= ticks["y"] - (plot["y"] + plot["height"]) < 6
    page.evaluate("location.hash = '#atlas=on&plane=seeds&pseeds=3,8,12&n=6'")
    _wait_for_atlas(page, 6)
    gan = ".atlas-column[data-model=gan] figure[data-square=map]"
    assert page.inner_text(f"{gan} .axis-x-title") == "seed 3 → seed 8 →"
    assert page.inner_text(f"{gan} .axis-y-title") == "towards seed 12 →"
    assert page.errors == []
