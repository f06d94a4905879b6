"""The page's first screen in headless Chromium, on a site of two data sets built by `python -m
export site --dataset ...` from the tiny trained runs: it opens on the site's default data set
with that data set's verdict sentence and chart above the fold (1280 x 800 and a 390 px phone),
and the hero under it playing the walk through both models with their change per step,
the choice switches the models every view uses and the link carries it, a data set without
measured figures says so, the evidence table holds the figures, and "measure here, in pixels"
gives core/tearing.py's pixel tail figures, with a Cancel."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image
from web_support import (
    ARTIFACTS,
    assert_close_pixels,
    canvas_pixels,
    keras_images,
    make_tears,
    open_demo,
    views,
    wait_until,
)

from latentwalk.core import latent, tearing
from latentwalk.core.images import to_uint8
from latentwalk.export.cli import main

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SITE = "datasets"
SENTENCE = (
    "On two classes (frog, automobile), the GAN switches class within a band of 0.05 of the "
    "walk (VAE 0.40); its steepest stretch found is 9.0× its median (VAE 2.1×), a steep slope."
)


@pytest.fixture(scope="module")
def datasets_site(sites):
    """sites/datasets/: the tiny GAN and VAE as the frogs (no measured figures) and as two
    classes (figures from web_support.make_tears), opening on two classes. Served by base_url."""
    out = sites / SITE
    if not (out / "index.html").exists():
        figures = sites / "figures"
        figures.mkdir(exist_ok=True)
        tears = make_tears("frog-automobile", SENTENCE, widths=(0.05, 0.4))
        (figures / "tears-frog-automobile.json").write_text(json.dumps(tears))
        exports = [str(sites / "exports" / "gan"), str(sites / "exports" / "vae")]
        args = ["site", "--dataset", "frog", *exports, "--dataset", "frog-automobile", *exports]
        extra = ["--default-dataset", "frog-automobile", "--figures", str(figures)]
        assert main([*args, *extra, "--out", str(out), "--force"]) == 0
    return out


def open_at(page, base_url, width: int, height: int, hash_: str = "") -> dict:
    page.set_viewport_size({"width": width, "height": height})
    return open_demo(page, base_url, site=SITE, hash_=hash_)


def in_first_screen(page, selector: str, height: int) -> bool:
    box = page.locator(selector).bounding_box()
    return (
        box is not None
        and box["height"] > 0
        and box["y"] >= 0
        and box["y"] + box["height"] <= height
    )


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_the_first_screen_states_the_default_data_sets_verdict_with_its_chart(
    page, base_url, datasets_site, width, height
):
    result = open_at(page, base_url, width, height)
    assert result["ok"] and result["models"] == ["gan", "vae"], result
    verdict = page.evaluate("window.latentwalk.verdict()")
    assert verdict == {
        "view": "verdict",
        "dataset": "frog-automobile",
        "status": "shown",
        "sentence": SENTENCE,
        "curves": 2,
    }
    assert page.inner_text("#verdict-sentence") == SENTENCE
    # On a phone the hero comes right under the verdict and the chart after it (the hero's own
    # test holds the hero on the first screen).
    chart = ("#verdict-chart",) if width > 760 else ()
    for selector in ("#verdict-sentence", *chart, "a[href='#evidence']"):
        assert in_first_screen(page, selector, height), selector
    # GAN red, VAE blue; a sharp GAN switch, a ramping VAE.
    colours = page.eval_on_selector_all(
        "#verdict-chart path.curve",
        "ps => ps.map(p => [p.dataset.model, p.getAttribute('stroke')])",
    )
    assert colours == [["GAN", "#d62728"], ["VAE", "#1f77b4"]]
    legend = page.eval_on_selector_all(
        "#verdict-chart text.legend", "ts => ts.map(t => t.textContent)"
    )
    assert legend == ["GAN: band 0.05", "VAE: band 0.40"]
    assert page.is_checked("#dataset-choice input[value=frog-automobile]")
    assert "dataset=frog-automobile&" in page.evaluate("location.hash")
    # Nothing sideways, and the chart's text stays readable on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    smallest = page.eval_on_selector_all(
        "#verdict-chart text", "ts => Math.min(...ts.map(t => t.getBoundingClientRect().height))"
    )
    assert smallest >= 10, smallest
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web_verdict_{width}.png"))
    assert page.errors == []


def test_choosing_a_data_set_switches_every_view_and_the_link_carries_it(
    page, base_url, datasets_site
):
    open_at(page, base_url, 1280, 800, "#seed=7")
    urls = page.evaluate("window.latentwalk.dataset.models")
    assert urls["gan"].endswith("/models/frog-automobile/gan/generator/model.json")
    with page.expect_navigation():
        page.click("#dataset-choice label[data-dataset=frog]")
    wait_until(page, "window.latentwalk !== undefined")
    result = page.evaluate("window.latentwalk.ready")
    assert result["ok"] and result["models"] == ["gan", "vae"]
    state = page.evaluate("window.latentwalk.state")
    assert state["dataset"] == "frog" and state["seed"] == 7
    assert page.evaluate("location.hash").startswith("#dataset=frog&seed=7&")
    dataset = page.evaluate("window.latentwalk.dataset")
    assert dataset["id"] == "frog"
    assert dataset["models"]["gan"].endswith("/models/frog/gan/generator/model.json")
    assert dataset["models"]["vae-encoder"].endswith("/models/frog/vae/encoder/model.json")
    # Every view draws the frogs' models.
    shown = views(page)
    assert shown["generate"]["single"] == {
        "seed": 7,
        "dims": "",
        "models": ["gan", "vae"],
        "backend": result["backend"],
        "live": True,  # drawn by the frogs' models, not a shipped picture
    }
    assert shown["walk"]["frames"] > 0 and set(shown["walk"]["distances"]) == {"gan", "vae"}
    # No figures for the frogs in this site: said plainly, no chart, no table.
    verdict = page.evaluate("window.latentwalk.verdict()")
    assert verdict["status"] == "none" and verdict["sentence"] is None
    said = page.inner_text("#verdict-sentence")
    assert said.startswith("No measured verdict for frogs (one class)")
    assert "tears-frog.json" in said and in_first_screen(page, "#verdict-sentence", 800)
    assert not page.is_visible("#verdict-chart") and not page.is_visible("#evidence-table")
    assert page.inner_text("#evidence-status") == said
    # The link opens the same data set.
    link = page.url
    page.goto("about:blank")
    page.goto(link)
    wait_until(page, "window.latentwalk !== undefined")
    assert page.evaluate("window.latentwalk.ready")["ok"]
    assert page.evaluate("window.latentwalk.state")["dataset"] == "frog"
    assert page.is_checked("#dataset-choice input[value=frog]")
    assert page.errors == []


def test_an_unknown_data_set_in_a_link_gets_a_notice_and_the_default(page, base_url, datasets_site):
    result = open_at(page, base_url, 1280, 800, "#dataset=cats&seed=9")
    assert result["ok"]
    notices = page.locator(".notice").all_inner_texts()
    assert any('no data set "cats"' in text and "showing two classes" in text for text in notices)
    state = page.evaluate("window.latentwalk.state")
    assert (state["dataset"], state["seed"]) == ("frog-automobile", 9)
    assert page.inner_text("#verdict-sentence") == SENTENCE
    wait_until(page, "location.hash.startsWith('#dataset=frog-automobile&')")


def test_the_evidence_link_leads_to_every_figure_and_how_it_was_measured(
    page, base_url, datasets_site
):
    open_at(page, base_url, 1280, 800)
    page.click("a[href='#evidence']")
    wait_until(page, "document.querySelector('#evidence').getBoundingClientRect().top < 100")
    cells = page.eval_on_selector_all(
        "#evidence-table tbody tr",
        "rows => rows.map(r => [r.dataset.figure, ...[...r.cells].slice(1).map(c => c.firstChild.textContent)])",
    )
    assert cells == [
        ["width", "0.05 (0.04–0.06)", "0.40 (0.32–0.50)"],
        ["between", "11.3% (8.0%–30.0%)", "20.0% (8.0%–30.0%)"],
        ["outside", "25.0% (20.0%–30.0%)", "25.0% (20.0%–30.0%)"],
        ["p999", "9.0×", "2.1×"],
        ["top1", "18.0%", "4.2%"],
        ["steepest", "9.0× (a slope)", "2.1× (a slope)"],
    ]
    provenance = page.inner_text("#evidence-provenance")
    assert provenance.startswith("Measured on gan-frog-automobile and vae-frog-automobile")
    assert "the judge's features" in provenance
    assert "models/recipes/measure_tears.py" in page.inner_text("#evidence details summary")


def test_measure_here_in_pixels_gives_pythons_tail_figures_and_can_be_cancelled(
    page, base_url, datasets_site, keras_models
):
    open_at(page, base_url, 1280, 800)
    measure = "window.latentwalk.views().find(v => v.view === 'measure')"
    page.fill("#measure-paths", "4")
    page.click("#measure-run")
    wait_until(page, f"{measure}.result !== null")
    result = page.evaluate(f"{measure}.result")
    assert (result["paths"], result["steps"]) == (4, 32)
    # The same paths through the Keras models, measured by core/tearing.py.
    ends = latent.seeds_to_latents(list(range(8)))
    t = np.linspace(0.0, 1.0, 33)
    latents = np.concatenate([latent.slerp(ends[2 * i], ends[2 * i + 1], t) for i in range(4)])
    for model_id, model in keras_models.items():
        images = keras_images(model, latents.astype(np.float32))
        steps = tearing.rms_steps(tearing.pixel_judge(images)[0].reshape(4, 33, -1))
        expected = tearing.tail_statistics(steps)
        for key in ("p50", "p99", "p999", "p999_over_median", "top1_share"):
            got = result["figures"][model_id][key]
            assert got == pytest.approx(expected[key], rel=1e-3, abs=1e-6), (model_id, key)
    rows = page.locator("#measure-table tbody tr").count()
    assert rows == 6 and page.is_visible("#measure-table")
    assert page.locator("#measure-table thead th").all_inner_texts() == ["in pixels", "GAN", "VAE"]
    # A big one, cancelled: the figures on screen stay those of the 4 paths.
    page.fill("#measure-paths", "512")
    page.click("#measure-run")
    wait_until(page, f"{measure}.running")
    page.click("#measure-cancel")
    wait_until(page, f"!{measure}.running")
    assert "Cancelled" in page.inner_text("#measure-status")
    assert page.evaluate(f"{measure}.result.paths") == 4
    page.fill("#measure-paths", "3")
    page.click("#measure-run")
    assert "from 4 to 512" in page.inner_text("#measure-error")
    assert page.errors == []


def test_the_evidence_draws_the_tears_found_with_the_models(
    page, base_url, datasets_site, keras_models
):
    open_at(page, base_url, 1280, 800)
    assert page.evaluate("window.latentwalk.tears()") == {
        "view": "tears",
        "drawn": {"GAN": 2, "VAE": 1},
    }
    captions = page.eval_on_selector_all(
        "#evidence-tears figcaption", "fs => fs.map(f => f.textContent)"
    )
    assert captions == [
        "9.0× the median stretch; 2.0% of the change kept when zoomed 256× (a steep slope)",
        "4.5× the median stretch; 90.0% of the change kept when zoomed 256× (a tear)",
        "2.1× the median stretch; 1.0% of the change kept when zoomed 256× (a steep slope)",
    ]
    # The frames are the models' images of the stored latents.
    tears = json.loads((datasets_site / "models/figures/tears-frog-automobile.json").read_text())
    stored = tears["models"]["GAN"]["tears"]["tears"][0]["frame_latents"]
    expected = to_uint8(keras_images(keras_models["gan"], np.asarray(stored, np.float32)))
    drawn = canvas_pixels(page, "#evidence-tears .tear-column[data-model=GAN] canvas")
    scale, padding, side = 2, 2, expected.shape[1]
    for k, image in enumerate(expected):
        left = padding + k * (side * scale + padding)
        cell = drawn[padding : padding + side * scale : scale, left : left + side * scale : scale]
        assert_close_pixels(cell, image)
    assert page.errors == []


def visible_text_sizes(page) -> list:
    """[font size in px, text] of every element on show that holds text of its own."""
    return page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
        .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
        .map(e => [parseFloat(getComputedStyle(e).fontSize), e.textContent.trim().slice(0, 40)])""")


def test_a_phone_never_scrolls_sideways_and_its_text_and_charts_read_at_10_px(
    page, base_url, datasets_site
):
    width = 390
    open_at(page, base_url, width, 844, "#atlas=on&plane=seeds&pseeds=0,1,2&n=12&steps=8")
    wait_until(page, "(window.latentwalk.views()[2] || {}).n === 12")
    wait_until(page, "window.latentwalk.views()[1].frames === 17")
    # Every fold open, so what they hold is measured too.
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    too_small = [item for item in visible_text_sizes(page) if item[0] < 10]
    assert too_small == []
    svg = page.eval_on_selector_all(
        "#verdict-chart text", "ts => Math.min(...ts.map(t => t.getBoundingClientRect().height))"
    )
    assert svg >= 10, svg
    # Canvas text: drawn at a size in canvas pixels, shown at the canvas's CSS width.
    walk, atlas = views(page)["walk"], views(page)["atlas"]
    for model in ("gan", "vae"):
        for selector, font in (
            (f"#walk-columns [data-model={model}] canvas.chart", walk["charts"][model]["font"]),
            (f".atlas-column[data-model={model}] canvas.atlas-map", atlas["mapFont"]),
        ):
            shown = page.locator(selector).bounding_box()["width"]
            drawn = page.eval_on_selector(selector, "c => c.width")
            assert font * shown / drawn >= 10, (selector, font, shown, drawn)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web_phone_full.png"), full_page=True)
    assert page.errors == []


def test_the_first_screen_names_the_models_and_folds_the_technical_details(
    page, base_url, datasets_site
):
    open_at(page, base_url, 1280, 800, "#steps=4")
    # Backend, timing and the self-checks wait in Details, closed.
    assert not page.evaluate("document.getElementById('details').open")
    for selector in ("#backend", "#timing", ".badge"):
        assert not page.locator(selector).first.is_visible(), selector
    assert in_first_screen(page, "#details summary", 800)
    assert in_first_screen(page, "#copy-link", 800)
    # Columns are named for people; the recipe is on hover and in Details.
    recipes = page.eval_on_selector_all("#recipes li", "ls => ls.map(l => l.textContent)")
    assert [r.split(":")[0] for r in recipes] == ["GAN", "VAE"]
    for panel in ("generate", "walk", "atlas"):
        headings = page.locator(f"#{panel}-columns h3")
        assert headings.all_inner_texts() == ["GAN", "VAE"], panel
        titles = [headings.nth(k).get_attribute("title") for k in (0, 1)]
        assert [
            f"{name}: {title}" for name, title in zip(("GAN", "VAE"), titles, strict=True)
        ] == recipes
    assert recipes[0].startswith("GAN: DCGAN (")
    page.click("#details summary")
    assert page.is_visible("#backend")
    badges = page.locator(".badge").all_inner_texts()
    assert badges == ["GAN verified ✓", "VAE verified ✓"]
    # Long explanations wait in "How to read this" folds: a caption is two short sentences.
    for hint in page.locator("main .panel > .panel-side > p.hint").all_inner_texts():
        sentences = [s for s in hint.replace("e.g.", "eg").split(". ") if s.strip()]
        assert len(sentences) <= 2 and len(hint) <= 200, hint
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web_first_screen_1280.png"))
    assert page.errors == []


def _hero_frame(page, model: str) -> np.ndarray:
    """The hero's frame of ``model`` back at 32 x 32 (one sample per 5 x 5 block)."""
    return canvas_pixels(page, f"#hero-frames figure[data-model={model}] canvas")[::5, ::5]


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_the_hero_plays_one_walk_through_both_models_on_the_first_screen(
    page, base_url, datasets_site, width, height
):
    result = open_at(page, base_url, width, height)
    assert result["ok"], result
    wait_until(page, "window.latentwalk.hero()?.shown")
    hero = page.evaluate("window.latentwalk.hero()")
    walk = views(page)["walk"]
    # The Walk panel's walk, every model, its jump line at the walks' own factor.
    assert hero["models"] == ["gan", "vae"] and hero["frames"] == walk["frames"] > 2
    assert hero["threshold"] == latent.JUMP_FACTOR and hero["playing"]
    for model in ("gan", "vae"):
        distances = np.asarray(walk["distances"][model])
        jumps = np.flatnonzero(distances > latent.JUMP_FACTOR * np.median(distances)).tolist()
        assert {"name": model.upper(), "jumps": jumps} in hero["lines"]
    for selector in ("#verdict-sentence", "#hero-frames", "#hero-chart"):
        assert in_first_screen(page, selector, height), selector
    # It plays: the frame moves on by itself.
    first = hero["frame"]
    wait_until(page, f"window.latentwalk.hero().frame !== {first}")
    # Paused, its frames are the Walk panel's frames of that step, large.
    page.click("#hero-play")
    hero = page.evaluate("window.latentwalk.hero()")
    assert not hero["playing"]
    for model in ("gan", "vae"):
        frames = np.asarray(page.evaluate(f"window.latentwalk.walkFrames('{model}')"), np.float32)
        expected = to_uint8(frames.reshape(-1, 32, 32, 3)[hero["frame"]])
        assert_close_pixels(_hero_frame(page, model), expected)
    box = page.locator("#hero-frames canvas").first.bounding_box()
    assert box["width"] >= 150, box  # large: 5 x 32 pixels on a phone too
    # One chart: both models' lines in their colours, the dashed jump line, readable text.
    lines = page.eval_on_selector_all(
        "#hero-chart polyline.curve",
        "ps => ps.map(p => [p.dataset.model, p.getAttribute('stroke')])",
    )
    assert lines == [["GAN", "#d62728"], ["VAE", "#1f77b4"]]
    assert page.locator("#hero-chart line.threshold").count() == 1
    smallest = page.eval_on_selector_all(
        "#hero-chart text", "ts => Math.min(...ts.map(t => t.getBoundingClientRect().height))"
    )
    assert smallest >= 10, smallest
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web_hero_{width}.png"))
    # A new walk in the Walk panel: the hero follows it.
    page.evaluate("window.latentwalk.walkTo('1,2', 4)")
    wait_until(page, "window.latentwalk.hero().frames === 5")
    assert page.inner_text("#hero-walk").startswith("seed 1 → seed 2 · 4 steps a leg")
    assert page.errors == []


def test_the_hero_stays_still_for_people_who_ask_for_less_motion(page, base_url, datasets_site):
    page.emulate_media(reduced_motion="reduce")
    assert open_at(page, base_url, 1280, 800)["ok"]
    wait_until(page, "window.latentwalk.hero()?.shown")
    assert page.evaluate("window.latentwalk.hero().playing") is False
    assert page.inner_text("#hero-play") == "Play"
    page.click("#hero-play")
    assert page.evaluate("window.latentwalk.hero().playing") is True


def test_one_gif_shows_every_model_side_by_side_named_and_numbered(page, base_url, datasets_site):
    assert open_at(page, base_url, 1280, 800)["ok"]
    page.evaluate("window.latentwalk.walkTo('0,42', 4)")
    wait_until(page, "window.latentwalk.hero().frames === 5")
    with page.expect_download() as download:
        data = page.evaluate("window.latentwalk.walkGif()")
    assert download.value.suggested_filename == "latentwalk-walk.gif"
    gif = Image.open(io.BytesIO(bytes(data)))
    assert gif.format == "GIF" and gif.n_frames == 5
    tile, pad, row = 32 * 4, 4, 18
    assert gif.size == (2 * (tile + pad) + pad, row + tile + row + 2 * pad)
    frames = []
    for index in range(5):
        gif.seek(index)
        frames.append(np.asarray(gif.convert("RGB"), dtype=np.int16))
    # The models' frames where they belong, GAN left and VAE right, enlarged 4 times.
    for column, model in enumerate(("gan", "vae")):
        walk = np.asarray(page.evaluate(f"window.latentwalk.walkFrames('{model}')"), np.float32)
        left = pad + column * (tile + pad)
        drawn = frames[2][row + pad : row + pad + tile : 4, left : left + tile : 4]
        expected = to_uint8(walk.reshape(-1, 32, 32, 3)[2]).astype(np.int16)
        # A 256-colour palette per frame for two models' ~2,000 colours and the text.
        assert np.abs(drawn - expected).mean() < 6, model
    # The names above, the caption under, changing with the frame number.
    assert (frames[0][:row, :tile] < 128).any() and (frames[0][:row, tile + pad :] < 128).any()
    footers = [frame[row + tile + 2 * pad :] for frame in frames]
    assert (footers[0] < 128).any() and not np.array_equal(footers[1], footers[2])
    assert page.errors == []
