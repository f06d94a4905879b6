"""The app's shareable PNGs (issue 29): the atlas's grids and maps and the Walk's strip, read back
from their bytes. Each must say what it shows without the app around it (model names, the walk's
seeds or the plane, which square is the images and which the map, the colour scale), keep the
image grid and the map at one scale, and stay under 1 MB even for noise, PNG's worst case."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from latentwalk.core import latent
from latentwalk.core.images import to_uint8
from latentwalk.streamlit_app import atlas, media

MEGABYTE = 1_000_000
DARK = 110  # a pixel of text: every channel below this (the images below are never that dark)


def _decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def _png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of each run of True in a 1-d array."""
    edges = np.diff(np.concatenate([[0], flags.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _noise_results(n: int, seed: int = 0) -> dict[str, dict]:
    rng = np.random.default_rng(seed)
    return {
        name: {
            "images": rng.uniform(-1, 1, (n, n, 32, 32, 3)),
            "area": rng.uniform(0.5, 2.0, (n, n)),
            "stretch": rng.uniform(0.5, 2.0, (n, n)),
        }
        for name in ("GAN", "VAE")
    }


def _reddish_results(n: int) -> dict[str, dict]:
    """Flat images of a red no viridis colour comes near (so a test can tell the grid from the
    map), a different shade in each cell, and maps that vary."""
    shade = np.linspace(0.2, 0.9, n * n).reshape(n, n)
    images = np.full((n, n, 32, 32, 3), -0.9)
    images[..., 0] = shade[:, :, None, None]
    rng = np.random.default_rng(1)
    return {
        name: {"images": images, "area": rng.uniform(0.5, 2.0, (n, n)), "stretch": None}
        for name in ("GAN", "VAE")
    }


@pytest.mark.parametrize("n", [latent.ATLAS_MIN_N, latent.DEFAULT_ATLAS_N, 48])
def test_the_atlas_png_stays_under_a_megabyte_even_for_noise(n):
    plane = latent.plane_through_seeds([0, 1, 2], n=n)
    picture = atlas.atlas_png(
        _noise_results(n), "area", plane.mark_cells(), ["0", "1", "2"], (1, 2), title="t"
    )
    assert len(_png(picture)) <= MEGABYTE


@pytest.mark.parametrize("n", [5, 24, 48])
def test_the_atlas_png_shows_grid_and_map_at_one_scale_side_by_side_and_named(n):
    plane = latent.plane_through_seeds([0, 1, 2], n=n)
    results = _reddish_results(n)
    title = atlas.plane_title(plane, "pixels")
    pixels = _decode(
        _png(atlas.atlas_png(results, "area", plane.mark_cells(), ["0", "1", "2"], title=title))
    )
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    grid = (red > 60) & (green < 40) & (blue < 40)  # the images: red, green and blue at -0.9
    grey = (np.ptp(pixels, axis=-1) < 16) | grid
    rows = _runs(grid.any(1))
    assert len(rows) == 2  # a grid per model, one above the other
    for model, (top, bottom) in zip(results, rows, strict=True):
        columns = _runs(grid[top:bottom].any(0))
        assert len(columns) == 1
        left, right = columns[0]
        side = right - left
        assert bottom - top == side and side % n == 0 and side <= 400  # square, whole cells
        cell = side // n
        # The map: the coloured square beside the grid, in the same rows and the same size.
        beside = ~grey[top:bottom, right:]
        map_columns = _runs(beside.any(0))
        assert len(map_columns) == 1
        map_left, map_right = (right + c for c in map_columns[0])
        assert map_right - map_left == side
        assert _runs(beside.any(1)) == [(0, side)]
        # Cell (r, c) is the same place in both: the image's shade, and the map's colour.
        colours = atlas.colour(
            atlas.relative_log(results[model]["area"]),
            atlas.shared_domain({k: r["area"] for k, r in results.items()}),
        )
        for r, c in ((0, 0), (n - 1, 2), (n // 2, n - 1)):
            y, x = top + r * cell + cell // 2, c * cell + cell // 2
            assert pixels[y, left + x, 0] == to_uint8(results[model]["images"][r, c, 0, 0, 0])
            if cell >= 8:  # a small cell's centre may be under a seed's ring
                assert np.abs(pixels[y, map_left + x] - colours[r, c]).max() <= 1
        # Each square is named in the band above it: text over the grid and over the map.
        band = pixels[max(0, top - 22) : top]
        for x0, x1 in ((left, right), (map_left, map_right)):
            assert (band[:, x0:x1].max(-1) < DARK).sum() > 20, f"{model}: no name above a square"
    # Under the squares: the colour bar and the notes saying what the colours and the scale are.
    below = pixels[rows[-1][1] :]
    bar_rows = _runs((np.ptp(below, axis=-1) > 40).any(1))
    assert bar_rows, "no colour bar under the maps"
    assert (below[bar_rows[0][1] :].max(-1) < DARK).sum() > 300  # its labels and the notes
    assert (pixels[: rows[0][0] - 22].max(-1) < DARK).sum() > 200  # the title above it all


def test_the_atlas_png_says_what_the_plane_and_the_scale_are():
    seeds = latent.plane_through_seeds([3, 8, 12], n=6)
    assert atlas.plane_title(seeds, "judge features") == (
        "latentwalk atlas: the plane through seeds 3, 8, 12, change measured in judge features"
    )
    random = latent.random_plane(7, 99, n=6)
    assert "random plane through seed 7 (directions' seed 99)" in atlas.plane_title(random, "x")
    assert atlas.png_cell(24) == 15 and atlas.png_cell(5) == 64 and atlas.png_cell(48) == 7


def _strip(frames: dict[str, np.ndarray], shown: list[int]) -> np.ndarray:
    return _decode(media.labelled_strip_png(frames, shown, "latentwalk: slerp walk 0, 7", scale=2))


def test_the_walk_strip_png_names_each_model_numbers_each_frame_and_is_small():
    rng = np.random.default_rng(0)
    frames = {name: rng.uniform(-1, 1, (33, 32, 32, 3)) for name in ("GAN", "VAE")}
    shown = list(range(0, 33, 2))
    data = media.labelled_strip_png(frames, shown, "latentwalk: slerp walk through 0, 7")
    assert len(data) <= MEGABYTE
    pixels = _decode(data)
    bare_height = 2 * 64  # two rows of 17 frames at twice their size, without a word
    assert pixels.shape[0] > bare_height + 3 * 18  # a title, two names, two rows of numbers
    # Find each frame by its pixels: frame 2's tile in the VAE's row is frame 2 enlarged.
    tile = to_uint8(frames["VAE"][2]).repeat(2, 0).repeat(2, 1)
    found = [
        (y, x)
        for y in range(pixels.shape[0] - 63)
        for x in range(0, pixels.shape[1] - 63)
        if (pixels[y, x] == tile[0, 0]).all() and (pixels[y : y + 64, x : x + 64] == tile).all()
    ]
    assert len(found) == 1
    y, x = found[0]
    # Its number under it, the model's name above the row, the walk's title above all.
    assert (pixels[y + 64 : y + 80, x : x + 64].max(-1) < DARK).sum() > 5
    assert (pixels[y - 22 : y, :60].max(-1) < DARK).sum() > 20
    assert (pixels[:20].max(-1) < DARK).sum() > 100


def test_the_walk_strip_shows_only_the_frames_asked_for():
    frames = {"GAN": np.full((9, 32, 32, 3), 0.5)}
    wide = _strip(frames, list(range(9)))
    narrow = _strip(frames, [0, 4, 8])
    assert narrow.shape[0] == wide.shape[0] and narrow.shape[1] < wide.shape[1]


def test_a_long_walks_gif_caption_is_whole_and_its_text_is_12_px():
    """The hero's and the Walk's GIF: a walk through many seeds widens the GIF to its caption
    rather than cutting it, and the words are 12 px (Pillow's default 10 px read poorly on a
    phone, where the hero's GIF is shown at its own size)."""
    images = np.zeros((3, 32, 32, 3))
    captions = media.walk_captions(list(range(20, 36)), 3)
    gif = Image.open(io.BytesIO(media.labelled_gif_bytes({"GAN": images, "VAE": images}, captions)))
    pixels = np.asarray(gif.convert("RGB")).astype(int)
    columns_width = 2 * (32 * 4 + 4) + 4
    assert pixels.shape[1] > columns_width
    footer = pixels[media.LABEL_ROW + 32 * 4 + 8 :]
    ink = np.flatnonzero((footer.max(-1) < DARK).any(0))
    assert ink.max() < pixels.shape[1] - 2  # the caption ends inside the picture
    ink_rows = np.flatnonzero((footer.max(-1) < DARK).any(1))
    assert ink_rows.max() - ink_rows.min() + 1 >= 11  # from the top of "k" to the foot of "g"
