"""The page's first screen (issue 31): `export site` ships each model's pictures of the default
view's seeds, drawn by the same models; the page shows them before its models run, says they are
shipped, and draws live over them; a view the site shipped no pictures for waits for the models.
The shipped pictures are what the page's own models draw, on the tiny runs and on the shipped
models. And benchmarks/first_picture.py, which times all this, on the tiny site."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from web_support import (
    GRID_SCALE,
    REPO,
    SINGLE_SCALE,
    assert_close_pixels,
    canvas_pixels,
    cell,
    keras_images,
    new_page,
    open_demo,
    views,
    wait_until,
)

from latentwalk.core.images import to_uint8
from latentwalk.core.latent import parse_seeds, seeds_to_latents
from latentwalk.export.site_pictures import untile

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCRIPT = REPO / "benchmarks" / "first_picture.py"
SINGLE = "#generate-columns [data-model={}] canvas.single"
GRID = "#generate-columns [data-model={}] canvas.grid"
CAPTION = "#generate-columns [data-model={}] .summary"


def shipped(site) -> dict:
    """{model id: (seeds, uint8 images)} of a site's default data set, from its PNGs."""
    index = json.loads((site / "models" / "index.json").read_text())
    found = {}
    for entry in index["models"]:
        if entry["dataset"] != index["default_dataset"] or "first_screen" not in entry:
            continue
        sheet = entry["first_screen"]
        seeds = parse_seeds(sheet["seeds"])
        pixels = np.asarray(Image.open(site / sheet["path"]).convert("RGB"))
        found[entry["id"]] = (seeds, untile(pixels, len(seeds), columns=sheet["columns"]))
    return found


def page_defaults() -> tuple[int, str]:
    """state.js DEFAULTS' seed and grid: what the page opens on."""
    source = (REPO / "web_demo" / "js" / "state.js").read_text()
    seed = re.search(r"^\s+seed: (\d+),", source, re.M)
    grid = re.search(r"^\s+grid: '([^']+)',", source, re.M)
    return int(seed.group(1)), grid.group(1)


def assert_live_matches_shipped(page, pictures: dict) -> None:
    """The page's live Generate images (default view) against the shipped ones, to one level."""
    seed, grid = page_defaults()
    for model_id, (seeds, images) in pictures.items():
        single = canvas_pixels(page, SINGLE.format(model_id))[::SINGLE_SCALE, ::SINGLE_SCALE]
        assert_close_pixels(single, images[seeds.index(seed)])
        drawn = canvas_pixels(page, GRID.format(model_id))
        for index, grid_seed in enumerate(parse_seeds(grid)):
            assert_close_pixels(
                cell(drawn, index, 8, GRID_SCALE, 2), images[seeds.index(grid_seed)]
            )


def test_the_site_ships_the_default_views_pictures_as_keras_draws_them(sites, keras_models):
    pictures = shipped(sites / "site")
    assert sorted(pictures) == ["gan", "vae"]
    seed, grid = page_defaults()
    for model_id, (seeds, images) in pictures.items():
        assert seed in seeds and set(parse_seeds(grid)) <= set(seeds)
        expected = to_uint8(keras_images(keras_models[model_id], seeds_to_latents(seeds)))
        np.testing.assert_array_equal(images, expected)
    # The book's GAN is off by default: nothing shipped of it.
    index = json.loads((sites / "book" / "models" / "index.json").read_text())
    assert [m["id"] for m in index["models"] if "first_screen" in m] == ["gan", "vae"]


@pytest.fixture
def held(page):
    """The page, its models' weights held back until ``release()``d: the models cannot run."""
    routes = []
    page.context.route("**/*.bin", lambda route: routes.append(route))

    def release():
        page.context.unroute("**/*.bin")
        while routes:
            routes.pop().continue_()

    page.release = release
    yield page
    page.release()


def test_the_first_screen_shows_the_shipped_pictures_says_so_then_goes_live(held, base_url, sites):
    page = held
    pictures = shipped(sites / "site")
    page.goto(f"{base_url}site/index.html")
    wait_until(page, "() => window.latentwalk?.pictures.shipped !== undefined")
    assert "live" not in page.evaluate("window.latentwalk.pictures")
    assert page.is_visible("#loading")
    for model_id, (seeds, images) in pictures.items():
        assert "shipped" in page.inner_text(CAPTION.format(model_id))
        single = canvas_pixels(page, SINGLE.format(model_id))[::SINGLE_SCALE, ::SINGLE_SCALE]
        np.testing.assert_array_equal(single, images[seeds.index(42)])
        grid = canvas_pixels(page, GRID.format(model_id))
        for index in (0, 17, 63):
            np.testing.assert_array_equal(cell(grid, index, 8, GRID_SCALE, 2), images[index])
    assert views(page)["generate"]["single"] == {
        "seed": 42,
        "dims": "",
        "models": ["gan", "vae"],
        "backend": None,
        "live": False,
    }
    # Another shipped seed shows at once; one the site did not ship waits for the models.
    page.fill("#seed", "7")
    page.press("#seed", "Enter")
    wait_until(page, "() => window.latentwalk.views()[0].single.seed === 7")
    single = canvas_pixels(page, SINGLE.format("gan"))[::SINGLE_SCALE, ::SINGLE_SCALE]
    np.testing.assert_array_equal(single, pictures["gan"][1][7])
    page.fill("#seed", "1000")
    page.press("#seed", "Enter")
    wait_until(page, "() => location.hash.includes('seed=1000&')")
    assert "once the model has loaded" in page.inner_text(CAPTION.format("gan"))
    assert (canvas_pixels(page, SINGLE.format("gan")) == 0).all()  # cleared, not seed 7's
    page.release()
    assert page.evaluate("window.latentwalk.ready")["ok"]
    single = views(page)["generate"]["single"]
    assert single["seed"] == 1000 and single["live"] and single["backend"] == "wasm"
    for model_id in pictures:
        assert page.inner_text(CAPTION.format(model_id)) == "seed 1000"
    assert not page.is_visible("#loading")
    assert page.errors == []


def test_a_view_the_site_shipped_no_pictures_for_is_drawn_live_only(held, base_url):
    page = held
    page.goto(f"{base_url}site/index.html#seed=1000&grid=100-103")
    wait_until(page, "() => window.latentwalk?.state?.seed === 1000")
    wait_until(page, "() => document.querySelector('#generate-columns .summary') !== null")
    assert "once the model has loaded" in page.inner_text(CAPTION.format("vae"))
    page.release()
    assert page.evaluate("window.latentwalk.ready")["ok"]
    marks = page.evaluate("window.latentwalk.pictures")
    assert "shipped" not in marks and marks["live"] > 0


def test_the_shipped_pictures_are_what_the_pages_models_draw(page, base_url, sites):
    assert open_demo(page, base_url)["ok"]
    assert views(page)["generate"]["single"]["live"]
    assert_live_matches_shipped(page, shipped(sites / "site"))


def test_the_shipped_models_pictures_are_what_they_draw_in_the_page(browser, tmp_path):
    """The shipped models (float16 weights, the sub-pixel graph): their site's first screen is
    what they draw in the page."""
    from latentwalk.export.browser import serve_folder
    from latentwalk.export.site import build_site

    gan, vae = REPO / "models" / "gan-cifar10", REPO / "models" / "vae-cifar10"
    if not (gan / "generator" / "generator.keras").exists():
        pytest.skip("no shipped models in models/")
    site = tmp_path / "site"
    build_site(site, datasets=[("cifar10", gan, vae)])
    pictures = shipped(site)
    assert sorted(pictures) == ["gan", "vae"]
    with serve_folder(site) as url:
        page = new_page(browser)
        try:
            page.goto(f"{url}index.html")
            wait_until(page, "window.latentwalk !== undefined")
            assert page.evaluate("window.latentwalk.ready")["ok"]
            assert "shipped" in page.evaluate("window.latentwalk.pictures")
            assert_live_matches_shipped(page, pictures)
        finally:
            page.context.close()


def test_the_benchmark_times_cold_loads_of_a_site(sites, tmp_path):
    out = tmp_path / "first-picture.json"
    command = [sys.executable, str(SCRIPT), "--site", str(sites / "site"), "--loads", "2"]
    result = subprocess.run(
        [*command, "--out", str(out)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    *loads, summary = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(loads) == 2
    for load in loads:
        assert load["shipped"] and 0 < load["first_ms"] <= load["live_ms"] <= load["ready_ms"]
    written = json.loads(out.read_text())
    assert written["benchmark"] == "first_picture" and written["results"]["loads"] == 2
    for key in ("first_ms", "live_ms", "ready_ms"):
        assert summary[key]["worst"] == max(load[key] for load in loads)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--site", "/nonexistent/site"], "is not a built site"),
        (["--loads", "0"], "--loads must be between 1 and 100"),
        (["--hash", "seed=3"], "--hash must start with '#'"),
    ],
)
def test_the_benchmark_refuses_bad_arguments_with_exit_2(arguments, message):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *arguments], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
