"""The page's shareable PNGs (issue 29) in headless Chromium, read back from the downloaded files:
the Walk's strip names its model and its walk and numbers each frame; the Atlas's file names
each square, draws each model's image grid and map side by side at one scale, and ends with
the colour bar and notes. Both stay under 1 MB (the atlas was 3 MB, its grid 768 pixels beside a
480-pixel map)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from web_support import ARTIFACTS, canvas_pixels, open_demo, views, wait_until

from latentwalk.core.images import to_uint8
from latentwalk.streamlit_app import atlas as pictures

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MEGABYTE = 1_000_000
DARK = 100  # text: every channel below this
TILE = 64  # a frame in the strip file: 32 pixels at twice the size
# A view's info by its name (the views' order is the page's business).
_VIEW = "(name => window.latentwalk.views().find(v => v && v.view === name) || {})"


def _download(page, button: str) -> tuple[bytes, np.ndarray]:
    with page.expect_download() as info:
        page.click(button)
    data = Path(info.value.path()).read_bytes()
    return data, np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of each run of True in a 1-d array."""
    edges = np.diff(np.concatenate([[0], flags.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _text_in(pixels: np.ndarray) -> int:
    return int((pixels.max(-1) < DARK).sum()) if pixels.size else 0


def test_the_strip_file_names_the_model_and_the_walk_and_numbers_each_frame(page, base_url):
    open_demo(page, base_url, hash_="#walk=0,42,7&steps=16")
    wait_until(page, f"{_VIEW}('walk').frames === 33")
    column = "#walk-columns [data-model=gan]"
    wait_until(page, f"document.querySelector('{column} canvas.strip').height > 40")
    data, pixels = _download(page, f"{column} button:has-text('Download strip')")
    assert len(data) <= MEGABYTE
    ARTIFACTS.mkdir(exist_ok=True)
    Image.fromarray(pixels.astype(np.uint8)).save(ARTIFACTS / "web_strip_download.png")
    frames = np.array(page.evaluate("window.latentwalk.walkFrames('gan')")).reshape(33, 32, 32, 3)
    bare = page.evaluate(f"document.querySelector('{column} canvas.strip').height")
    assert pixels.shape[0] > 2 * bare + 2 * 22  # frames twice the size, and two lines of words
    # Frame 20 (second row, fourth) is found whole, twice its size, with its number under it.
    tile = to_uint8(frames[20]).repeat(2, 0).repeat(2, 1)
    hits = [
        (y, x)
        for y, x in zip(*np.nonzero((pixels == tile[0, 0]).all(-1)), strict=True)
        if y + TILE <= pixels.shape[0]
        and x + TILE <= pixels.shape[1]
        and (pixels[y : y + TILE, x : x + TILE] == tile).all()
    ]
    assert len(hits) == 1, hits[:5]
    y, x = hits[0]
    first_row = y - TILE - 15  # the row above it: frames 0-16
    assert first_row > 2 * 22
    assert _text_in(pixels[y + TILE : y + TILE + 15, x : x + TILE]) > 5  # "20"
    assert _text_in(pixels[:first_row]) > 300  # the model and the walk, two lines
    assert page.errors == []


def test_a_long_walks_strip_file_spreads_its_frames_and_stays_small(page, base_url):
    open_demo(page, base_url, hash_="#walk=0,1,2,3&steps=64")
    wait_until(page, f"{_VIEW}('walk').frames === 193")
    column = "#walk-columns [data-model=vae]"
    wait_until(page, f"document.querySelector('{column} canvas.strip').height > 300")
    data, pixels = _download(page, f"{column} button:has-text('Download strip')")
    assert len(data) <= MEGABYTE
    # 51 frames: three rows of 17, not the twelve rows of all 193.
    frame_rows = _runs((pixels < 245).any(-1).sum(1) > 10 * TILE)
    assert len(frame_rows) == 3 and all(b - a == TILE for a, b in frame_rows), frame_rows


def _squares(pixels: np.ndarray) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """Each model's row of squares: (top, bottom, [(left, right) of each square]), found as the
    rows that are mostly drawn (text rows are mostly white) and the drawn columns in them."""
    drawn = (pixels < 245).any(-1)
    rows = _runs(drawn.mean(1) > 0.5)
    # (The colour bar under them is such a row too, 14 pixels high.)
    return [
        (top, bottom, _runs(drawn[top:bottom].any(0))) for top, bottom in rows if bottom - top > 30
    ]


def test_the_atlas_file_has_grid_and_map_at_one_scale_named_with_its_scale(page, base_url):
    n = 24
    open_demo(page, base_url, hash_=f"#atlas=on&plane=seeds&pseeds=0,1,2&n={n}")
    wait_until(page, f"{_VIEW}('atlas').n === {n}")
    wait_until(page, "!document.getElementById('atlas-download').disabled")
    info = views(page)["atlas"]
    data, pixels = _download(page, "#atlas-download")
    assert len(data) <= MEGABYTE
    ARTIFACTS.mkdir(exist_ok=True)
    Image.fromarray(pixels.astype(np.uint8)).save(ARTIFACTS / "web_atlas_download.png")
    rows = _squares(pixels)
    assert len(rows) == 2, rows  # the GAN's row, then the VAE's
    maps = {model: np.array(info["maps"][model]["area"]).reshape(n, n) for model in ("gan", "vae")}
    domain = pictures.shared_domain(maps)
    for model, (top, bottom, spans) in zip(("gan", "vae"), rows, strict=True):
        assert len(spans) == 2, spans  # two squares side by side
        (grid_left, grid_right), (map_left, map_right) = spans
        side = bottom - top
        assert grid_right - grid_left == side == map_right - map_left  # one scale
        assert side % n == 0 and side <= 400
        cell = side // n
        # The images as the page shows them: its grid canvas, 32 pixels an image.
        shown = canvas_pixels(page, f".atlas-column[data-model={model}] canvas.atlas-grid")
        images = shown.reshape(n, 32, n, 32, 3).transpose(0, 2, 1, 3, 4)
        colours = pictures.colour(pictures.relative_log(maps[model]), domain)
        for r, c in ((0, 0), (5, 17), (n - 1, n - 1)):
            y, x = top + r * cell, c * cell
            # The map's cell is its colour; the grid's cell is that image, averaged down.
            middle = pixels[y + cell // 2, map_left + x + cell // 2]
            assert np.abs(middle - colours[r, c]).max() <= 2, (model, r, c)
            shrunk = Image.fromarray(images[r, c]).resize((cell, cell), Image.Resampling.BOX)
            drawn = pixels[y : y + cell, grid_left + x : grid_left + x + cell]
            assert np.abs(drawn - np.asarray(shrunk, int)).mean() < 12, (model, r, c)
        # Each square is named in the band above it.
        for left, right in spans:
            assert _text_in(pixels[top - 20 : top, left:right]) > 20, model
    assert _text_in(pixels[: rows[0][0] - 22]) > 200  # the plane in words, above all
    below = pixels[rows[-1][1] :]
    bar = _runs((np.ptp(below, axis=-1) > 40).mean(1) > 0.3)
    assert bar, "no colour bar under the squares"
    assert _text_in(below[bar[0][1] :]) > 400  # its labels and the two notes
    assert page.errors == []
