"""The web demo in headless Chromium, on a site built by `python -m export site` from the tiny
trained runs: loading and self-check, pixels equal to Keras, grids, walks, permalinks, downloads,
backends, no request off the origin, no leaked tensors. (Failure cases: test_web_failures.py.)"""

from __future__ import annotations

from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image
from web_support import (
    ARTIFACTS,
    FRAME_SCALE,
    GRID_SCALE,
    SINGLE_SCALE,
    SIZE,
    assert_close_pixels,
    canvas_pixels,
    cell,
    keras_images,
    open_demo,
    views,
    wait_until,
)

from latentwalk.core.images import to_uint8
from latentwalk.core.latent import path_distances, seeds_to_latents, walk

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_page_loads_both_models_verifies_them_and_shows_sizes(page, base_url):
    result = open_demo(page, base_url)
    assert result.pop("backend") in ("wasm", "webgl")  # the probe's pick (see test_web_engine)
    assert result == {"ok": True, "models": ["gan", "vae"], "errors": {}}
    page.click("#details summary")  # the checks wait in Details
    badges = page.locator(".badge").all_inner_texts()
    assert len(badges) == 2 and all("verified ✓" in text for text in badges), badges
    sizes = page.locator(".progress-text").all_inner_texts()
    # The GAN, the VAE decoder and the VAE encoder (for starting a walk from an image).
    assert len(sizes) == 3 and all("kB to download" in text for text in sizes), sizes
    assert page.locator("#main").is_visible() and not page.locator("#loading").is_visible()
    assert page.errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web_demo.png"), full_page=True)


def test_seed_42_latent_is_the_python_one(page, base_url):
    open_demo(page, base_url)
    latent = np.array(page.evaluate("window.latentwalk.latent(42)"))
    np.testing.assert_allclose(latent, seeds_to_latents([42])[0], rtol=0, atol=1e-6)


GAN_SINGLE = "#generate-columns [data-model=gan] canvas.single"
VAE_SINGLE = "#generate-columns [data-model=vae] canvas.single"
GAN_GRID = "#generate-columns [data-model=gan] canvas.grid"


def test_grid_renders_64_distinct_non_blank_images(page, base_url):
    open_demo(page, base_url)
    pixels = canvas_pixels(page, GAN_GRID)
    assert pixels.shape == (8 * (SIZE * GRID_SCALE + 2) + 2,) * 2 + (3,)
    cells = [cell(pixels, i, 8, GRID_SCALE, 2) for i in range(64)]
    assert all(c.std() > 1 and not (c == 255).all() for c in cells)
    assert len({c.tobytes() for c in cells}) == 64
    # Clicking a cell shows that seed large (the canvas may be scaled by CSS; aim at the middle).
    box = page.locator(GAN_GRID).bounding_box()
    page.mouse.click(box["x"] + box["width"] * 2.5 / 8, box["y"] + box["height"] * 1.5 / 8)
    wait_until(page, "() => window.latentwalk.views()[0].single.seed === 10")
    assert_close_pixels(canvas_pixels(page, GAN_SINGLE)[::SINGLE_SCALE, ::SINGLE_SCALE], cells[10])


def test_same_seed_gives_the_same_pixels_as_keras_in_every_model_side_by_side(
    page, base_url, keras_models
):
    open_demo(page, base_url, hash_="#seed=42&grid=0-15")
    latents = seeds_to_latents(list(range(16)) + [42])
    assert views(page)["generate"]["single"]["models"] == ["gan", "vae"]
    for model_id, model in keras_models.items():
        expected = to_uint8(keras_images(model, latents))
        column = f"#generate-columns [data-model={model_id}]"
        single = canvas_pixels(page, f"{column} canvas.single")
        assert_close_pixels(single[::SINGLE_SCALE, ::SINGLE_SCALE], expected[16])
        grid = canvas_pixels(page, f"{column} canvas.grid")
        for index in range(16):
            assert_close_pixels(cell(grid, index, 4, GRID_SCALE, 2), expected[index])
    # Side by side: the two columns share a row, on a wide screen and on a phone.
    for width in (1200, 390):
        page.set_viewport_size({"width": width, "height": 900})
        boxes = [
            page.locator(f"#{panel}-columns > div").nth(k).bounding_box()
            for panel in ("generate", "walk")
            for k in (0, 1)
        ]
        assert boxes[0]["y"] == boxes[1]["y"] and boxes[2]["y"] == boxes[3]["y"], (width, boxes)


def test_dimension_sliders_edit_the_latent_and_the_link(page, base_url, keras_models):
    open_demo(page, base_url, hash_="#seed=42&grid=0")
    page.click("#dims-panel summary")
    slider = page.locator("#dims input[data-dim='3']")
    slider.fill("2.5")
    wait_until(page, "() => window.latentwalk.views()[0].single.dims === '3:2.5'")
    wait_until(page, "() => location.hash.includes('dims=3%3A2.5')")
    latent = seeds_to_latents([42])
    latent[0, 3] = 2.5
    for model_id, model in keras_models.items():
        expected = to_uint8(keras_images(model, latent))[0]
        single = canvas_pixels(page, f"#generate-columns [data-model={model_id}] canvas.single")
        assert_close_pixels(single[::SINGLE_SCALE, ::SINGLE_SCALE], expected)
    # The edit survives a reload through the link; "Back to the seed" clears it.
    page.reload()
    page.evaluate("window.latentwalk.ready")
    assert page.input_value("#dims input[data-dim='3']") == "2.5"
    page.click("#dims-reset")
    wait_until(page, "() => window.latentwalk.views()[0].single.dims === ''")


def test_walk_plays_scrubs_and_measures_steps_like_python(page, base_url, keras_models):
    open_demo(page, base_url, hash_="#walk=0,42,7&mode=slerp&steps=8")
    info = views(page)["walk"]
    assert info["frames"] == 17
    latents = seeds_to_latents([0, 42, 7])
    path = walk(latents, 8, "slerp")
    for model_id, model in keras_models.items():
        expected = path_distances(keras_images(model, path))
        np.testing.assert_allclose(info["distances"][model_id], expected, rtol=1e-2, atol=1e-9)
    page.click("#play")
    wait_until(page, "() => window.latentwalk.views()[1].frame >= 3")
    page.click("#play")  # pause
    paused = views(page)["walk"]
    assert not paused["playing"]
    page.wait_for_timeout(400)
    assert views(page)["walk"]["frame"] == paused["frame"]
    page.locator("#scrub").fill("10")
    assert views(page)["walk"]["frame"] == 10
    assert page.inner_text("#frame-label").startswith("frame 11 of 17 · seed 42 → seed 7")
    pixels = canvas_pixels(page, "[data-model=gan] canvas.frame")
    expected = to_uint8(keras_images(keras_models["gan"], path[10:11]))[0]
    assert_close_pixels(pixels[::FRAME_SCALE, ::FRAME_SCALE], expected)
    page.select_option("#mode", "lerp")
    wait_until(page, "() => window.latentwalk.views()[1].path.mode === 'lerp'")
    wait_until(page, "() => location.hash.includes('mode=lerp')")  # written a moment later
    expected = path_distances(keras_images(keras_models["gan"], walk(latents, 8, "lerp")))
    np.testing.assert_allclose(views(page)["walk"]["distances"]["gan"], expected, rtol=1e-2)


def test_permalink_restores_the_state_and_follows_changes(page, base_url):
    hash_ = (
        "#dataset=frog&seed=7&grid=1-4&walk=3,5&mode=lerp&steps=3"
        "&plane=random&pseeds=4,9&n=6&measure=stretch&atlas=off&cell=2,3&frame=2&dims=&start="
        "&book=off&rfrom=2&rto=1&rfromz=&rtoz=&backend=cpu"
    )
    open_demo(page, base_url, hash_=hash_)
    assert page.evaluate("window.latentwalk.state") == {
        "dataset": "frog",
        "seed": 7,
        "grid": "1-4",
        "walk": "3,5",
        "mode": "lerp",
        "steps": 3,
        "plane": "random",
        "pseeds": "4,9",
        "n": 6,
        "measure": "stretch",
        "atlas": "off",
        "cell": "2,3",
        "frame": 2,
        "dims": "",
        "start": "",
        "book": "off",
        "rfrom": 2,
        "rto": 1,
        "rfromz": "",
        "rtoz": "",
        "backend": "cpu",
    }
    assert page.evaluate("location.hash") == hash_
    assert page.input_value("#seed") == "7" and page.input_value("#mode") == "lerp"
    assert page.evaluate("window.latentwalk.backend()") == "cpu"
    assert views(page)["walk"]["frames"] == 4 and views(page)["walk"]["frame"] == 2
    assert views(page)["generate"]["grid"]["seeds"] == [1, 2, 3, 4]
    page.fill("#seed", "99")
    page.press("#seed", "Enter")
    wait_until(page, "() => window.latentwalk.views()[0].single.seed === 99")
    wait_until(page, "() => location.hash.includes('seed=99')")
    changed = page.evaluate("location.href")
    assert "seed=99" in changed
    page.goto("about:blank")
    page.goto(changed)
    page.evaluate("window.latentwalk.ready")
    assert page.evaluate("window.latentwalk.state")["seed"] == 99
    assert page.evaluate("window.latentwalk.state")["mode"] == "lerp"
    # Editing the address bar's hash by hand is followed too.
    page.evaluate("location.hash = '#seed=5&mode=slerp'")
    wait_until(page, "() => window.latentwalk.views()[0].single.seed === 5")
    assert page.evaluate("window.latentwalk.state")["mode"] == "slerp"
    page.click("#random")
    wait_until(page, "() => window.latentwalk.views()[0].single.seed !== 5")
    seed = page.evaluate("window.latentwalk.state.seed")
    wait_until(page, f"() => location.hash.includes('seed={seed}&')")
    assert page.input_value("#seed") == str(seed)


def test_a_refused_seed_loses_its_message_once_the_box_shows_a_seed_again(page, base_url):
    open_demo(page, base_url, hash_="#seed=19&grid=0&walk=0,1&steps=2")
    page.fill("#seed", "abc")
    page.press("#seed", "Enter")
    assert "cannot read seeds 'abc'" in page.inner_text("#seed-error")
    assert page.get_attribute("#seed", "aria-invalid") == "true"
    # Another control redraws Generate: the box shows seed 19 again, so the refusal goes too.
    page.click("#dims-panel summary")
    page.locator("#dims input[data-dim='3']").fill("1.5")
    wait_until(page, "() => window.latentwalk.views()[0].single.dims === '3:1.5'")
    assert page.input_value("#seed") == "19"
    assert page.inner_text("#seed-error") == ""
    assert page.get_attribute("#seed", "aria-invalid") == "false"
    # A refusal beside a field that shares its message line with others (the walk's seeds and
    # its errors): the field's own message goes, and only once the box is valid again.
    page.fill("#walk-seeds", "5")
    page.press("#walk-seeds", "Enter")
    assert "at least two seeds" in page.inner_text("#walk-error")
    page.fill("#steps", "3")
    page.press("#steps", "Enter")
    wait_until(page, "() => window.latentwalk.views()[1].frames === 4")
    assert page.input_value("#walk-seeds") == "0,1"
    assert page.inner_text("#walk-error") == ""
    assert page.get_attribute("#walk-seeds", "aria-invalid") == "false"
    assert page.errors == []


def test_the_walk_chart_is_drawn_at_its_size_with_a_y_axis_title(page, base_url):
    open_demo(page, base_url, hash_="#walk=0,42,7&steps=8")
    for width in (1200, 390):
        page.set_viewport_size({"width": width, "height": 900})
        selector = "#walk-columns [data-model=gan] canvas.chart"
        wait_until(
            page,
            f"(() => {{ const c = document.querySelector('{selector}');"
            " return Math.abs(c.getBoundingClientRect().width * devicePixelRatio - c.width) < 2;"
            " })()",
        )
        chart = views(page)["walk"]["charts"]["gan"]
        assert chart["title"] == "change per step"
        # Its text is chart["font"] canvas pixels: on screen, 10 CSS pixels or more.
        box = page.locator(selector).bounding_box()
        drawn_width = page.eval_on_selector(selector, "c => c.width")
        assert chart["font"] * box["width"] / drawn_width >= 10, (width, chart, box)
        # The title is drawn, turned, in the strip left of the tick labels.
        pixels = canvas_pixels(page, selector)
        ratio = drawn_width / box["width"]
        strip = pixels[int(40 * ratio) : int(100 * ratio), : int(8 * ratio)]
        assert (strip.min(axis=-1) < 128).sum() > 20, width
    assert page.errors == []


def test_permalink_restores_the_walk_frame_and_follows_the_scrubber(page, base_url):
    open_demo(page, base_url, hash_="#walk=0,42,7&steps=8&frame=10")
    assert views(page)["walk"]["frame"] == 10
    assert page.input_value("#scrub") == "10"
    assert page.inner_text("#frame-label").startswith("frame 11 of 17")
    page.locator("#scrub").fill("3")
    page.locator("#scrub").dispatch_event("change")
    wait_until(page, "() => location.hash.includes('frame=3&')")
    # A click on a chart bar moves the frame too (bar i is the step leaving frame i).
    box = page.locator("#walk-columns [data-model=gan] canvas.chart").bounding_box()
    chart = views(page)["walk"]["charts"]["gan"]  # drawn at its CSS size: left margin, bar slot
    scale = box["width"] / chart["width"]
    page.mouse.click(
        box["x"] + (chart["left"] + chart["slot"] * 12.5) * scale, box["y"] + box["height"] / 2
    )
    assert views(page)["walk"]["frame"] == 12
    wait_until(page, "() => location.hash.includes('frame=12&')")
    # A frame past the walk's end is clamped, with a notice.
    page.goto("about:blank")
    open_demo(page, base_url, hash_="#walk=0,1&steps=4&frame=99")
    assert views(page)["walk"]["frame"] == 4
    assert "past this walk's last frame" in page.inner_text("#notices")
    # The book GAN asked for on a site without one.
    page.goto("about:blank")
    open_demo(page, base_url, hash_="#book=on")
    assert "This site has no book GAN" in page.inner_text("#notices")


@pytest.mark.parametrize(
    "button, canvas_selector",
    [
        ("#generate-columns [data-model=gan] button:has-text('Download image')", GAN_SINGLE),
        ("#generate-columns [data-model=gan] button:has-text('Download grid')", GAN_GRID),
        # The walk's strip is labelled, so not the canvas: tests/test_web_downloads.py.
    ],
)
def test_png_download_is_the_canvas(page, base_url, button, canvas_selector):
    open_demo(page, base_url, hash_="#grid=0-8&steps=4")
    with page.expect_download() as download_info:
        page.click(button)
    download = download_info.value
    assert download.suggested_filename.endswith(".png")
    saved = np.asarray(Image.open(download.path()).convert("RGB"))
    shown = canvas_pixels(page, canvas_selector)
    assert saved.shape == shown.shape and (saved == shown).all()


def test_backends_switch_and_report_timings(page, base_url, keras_models):
    open_demo(page, base_url, hash_="#backend=wasm")
    assert page.evaluate("window.latentwalk.backend()") == "wasm"
    page.click("#details summary")  # the backend menu waits in Details
    expected = to_uint8(keras_images(keras_models["gan"], seeds_to_latents([42])))[0]
    page.select_option("#backend", "cpu")
    wait_until(page, "() => window.latentwalk.views()[0].single.backend === 'cpu'")
    wait_until(page, "() => location.hash.includes('backend=cpu')")
    assert page.inner_text("#timing").startswith("cpu · ")
    assert "ms" in page.inner_text("#timing")
    assert_close_pixels(canvas_pixels(page, GAN_SINGLE)[::SINGLE_SCALE, ::SINGLE_SCALE], expected)
    page.select_option("#backend", "webgl")
    # Headless Chromium without a GPU may or may not offer WebGL: either it runs, or the page
    # says why and stays on its backend; it must not break.
    wait_until(
        page,
        "() => window.latentwalk.backend() === 'webgl' || "
        "[...document.querySelectorAll('.notice')].some("
        "n => n.textContent.includes('webgl'))",
    )
    data = page.evaluate("window.latentwalk.generate('gan', [42]).then(r => r.data)")
    assert np.std(data) > 0
    if page.evaluate("window.latentwalk.backend()") == "webgl":
        wait_until(page, "() => window.latentwalk.views()[0].single.backend === 'webgl'")
        single = canvas_pixels(page, GAN_SINGLE)[::SINGLE_SCALE, ::SINGLE_SCALE]
        assert_close_pixels(single, expected)


def test_no_request_leaves_the_origin_and_csp_blocks_others(page, base_url):
    open_demo(page, base_url)
    page.click("#play")
    page.click("#details summary")
    page.select_option("#backend", "cpu")
    page.click("#random")
    with page.expect_download():
        page.click("#generate-columns [data-model=gan] button:has-text('Download image')")
    # The CSP itself: a request to another host is refused by the browser (and reported).
    blocked = page.evaluate("""() => new Promise(resolve => {
        document.addEventListener('securitypolicyviolation', e => resolve(e.blockedURI));
        fetch('http://example.com/tracker.png').catch(() => {});
        setTimeout(() => resolve('not blocked'), 60000);  // an upper bound, for busy cores
    })""")
    assert blocked.startswith("http://example.com"), blocked
    origin = urlsplit(base_url).netloc
    outside = [
        url
        for url in page.requests
        if not url.startswith(("blob:", "data:")) and urlsplit(url).netloc != origin
    ]
    assert outside == []
    assert any(url.endswith(".wasm") for url in page.requests)
    assert page.errors == []


def test_repeated_generation_leaks_no_tensors(page, base_url):
    open_demo(page, base_url, hash_="#steps=4")
    before = page.evaluate("window.latentwalk.numTensors()")
    for model_id in ("gan", "vae"):
        page.evaluate(f"""async () => {{
            for (let i = 0; i < 10; i++) await window.latentwalk.generate('{model_id}', [i, 70]);
        }}""")
    for seed in (3, 4, 5):
        page.fill("#seed", str(seed))
        page.press("#seed", "Enter")
        wait_until(page, f"() => window.latentwalk.views()[0].single.seed === {seed}")
    page.fill("#steps", "5")
    page.press("#steps", "Enter")
    wait_until(page, "() => window.latentwalk.views()[1].frames === 11")
    assert page.evaluate("window.latentwalk.numTensors()") == before


def test_copy_link_copies_the_view_and_shows_it_where_the_clipboard_is_refused(page, base_url):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_demo(page, base_url, hash_="#seed=7&grid=0-3&steps=4")
    # A change made just before the click is in the link copied (the hash is written lazily).
    page.fill("#seed", "12")
    page.press("#seed", "Enter")
    page.click("#copy-link")
    wait_until(page, "document.getElementById('copy-status').textContent === 'Link copied.'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.evaluate("location.href") and "seed=12&" in copied
    assert not page.is_visible("#share-link")
    # No clipboard: the link is shown, selected, to copy by hand.
    page.evaluate(
        "() => { navigator.clipboard.writeText = () => Promise.reject(new Error('no')); }"
    )
    page.click("#copy-link")
    wait_until(page, "document.getElementById('copy-status').textContent === 'Copy this link:'")
    assert page.is_visible("#share-link")
    assert page.input_value("#share-link") == page.evaluate("location.href")
    assert page.errors == []
