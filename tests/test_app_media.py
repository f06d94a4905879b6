"""Image files in and out of the app (streamlit_app/media.py): crisp PNGs, animated GIFs, and
uploads that are checked, converted and explained."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from latentwalk.streamlit_app import media


def _encode(image: Image.Image, format: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def _checkerboard(size: int = 32) -> np.ndarray:
    """One (1, size, size, 3) image in [-1, 1] whose every pixel differs from its neighbours."""
    board = np.indices((size, size)).sum(axis=0) % 2 * 2.0 - 1.0
    return np.repeat(board[None, :, :, None], 3, axis=3)


def test_grid_png_upscales_without_smoothing():
    png = media.grid_png(np.concatenate([_checkerboard(), -_checkerboard()]), columns=2, scale=4)
    image = np.asarray(Image.open(io.BytesIO(png)))
    assert set(np.unique(image)) <= {0, 255}  # only the board's colours and white padding
    assert image.shape == (32 * 4 + 4, 2 * (32 * 4 + 2) + 2, 3)


def test_gif_is_animated_with_one_frame_per_step_and_models_side_by_side():
    rng = np.random.default_rng(0)
    gan, vae = rng.uniform(-1, 1, (2, 9, 32, 32, 3))
    gif = Image.open(io.BytesIO(media.gif_bytes([gan, vae], scale=3)))
    assert gif.format == "GIF" and gif.n_frames == 9
    # 1-pixel padding around and between the 32-pixel images, all enlarged 3 times
    assert gif.size == ((1 + 32 + 1 + 32 + 1) * 3, (1 + 32 + 1) * 3)
    assert gif.info.get("loop") == 0


def test_gif_frames_keep_the_colours_of_the_images():
    t = np.linspace(-1, 1, 32)
    smooth = np.stack([np.sin(3 * t[:, None] + k / 5) * np.cos(2 * t[None, :]) for k in range(4)])
    images = np.stack([smooth, 0.5 * smooth, -smooth], axis=-1)
    gif = Image.open(io.BytesIO(media.gif_bytes([images], scale=2)))
    gif.seek(3)
    frame = np.asarray(gif.convert("RGB"), dtype=np.float64)[2:-2:2, 2:-2:2]  # undo padding, x2
    expected = (images[3] + 1) * 127.5
    assert np.abs(frame - expected).mean() < 1  # within one of 255 levels


def test_gif_frames_are_crisp():
    gif = Image.open(io.BytesIO(media.gif_bytes([_checkerboard().repeat(2, 0)], scale=2)))
    colours = {tuple(c) for c in np.asarray(gif.convert("RGB")).reshape(-1, 3)}
    assert colours <= {(0, 0, 0), (255, 255, 255)}


def test_read_upload_returns_a_32px_image_in_model_range():
    pixels = np.zeros((32, 32, 3), np.uint8)
    pixels[:, :16] = 255
    image, notes = media.read_upload(_encode(Image.fromarray(pixels)))
    assert image.shape == (32, 32, 3) and image.dtype == np.float32
    assert image[0, 0, 0] == 1.0 and image[0, -1, 0] == -1.0
    assert notes == []


def test_read_upload_crops_resizes_and_says_so():
    image, notes = media.read_upload(_encode(Image.new("RGB", (200, 100), (255, 0, 0)), "JPEG"))
    assert image.shape == (32, 32, 3)
    assert image[..., 0].mean() > 0.9 and image[..., 1].mean() < -0.9
    assert any("Cropped the centre 100x100" in n for n in notes)
    assert any("Resized from 100x100 to 32x32" in n for n in notes)


@pytest.mark.parametrize("mode", ["L", "P", "CMYK", "LA", "RGBA", "I;16"])
def test_read_upload_converts_other_modes_to_rgb(mode):
    base = Image.new("RGB", (32, 32), (40, 120, 200))
    image = base.convert(mode)
    format = "JPEG" if mode == "CMYK" else ("TIFF" if mode == "I;16" else "PNG")
    converted, notes = media.read_upload(_encode(image, format))
    assert converted.shape == (32, 32, 3)
    assert any(f"Converted from {mode} to RGB" in n for n in notes)


def test_transparent_pixels_become_white_not_black():
    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    converted, notes = media.read_upload(_encode(image))
    assert np.all(converted == 1.0)
    assert any("over white" in n for n in notes)


def test_animated_uploads_use_the_first_frame():
    frames = [Image.new("RGB", (32, 32), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    data = _encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    image, notes = media.read_upload(data)
    assert image[..., 0].mean() > 0.9
    assert any("2 frames" in n for n in notes)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.4 certainly not a picture", "not an image"),
        (b"\x89PNG\r\n\x1a\n truncated", "not an image"),
        (bytes(media.MAX_UPLOAD_BYTES + 1), "limit is 10 MB"),
    ],
)
def test_bad_uploads_get_a_clear_message(data, message):
    with pytest.raises(media.UploadError, match=message):
        media.read_upload(data)


def test_huge_images_are_refused_before_decoding():
    data = _encode(Image.new("L", (5000, 8)))  # a small file with a very long side
    assert len(data) < media.MAX_UPLOAD_BYTES
    with pytest.raises(media.UploadError, match="5000x8 pixels; the limit is 4096"):
        media.read_upload(data)


def test_a_labelled_gif_names_each_model_and_numbers_each_frame():
    """What a shared GIF needs to be read on its own: GAN | VAE named above their frames, the
    walk's seeds and the frame number under them."""
    t = np.linspace(-1, 1, 32)
    smooth = np.stack([np.sin(3 * t[:, None] + k / 5) * np.cos(2 * t[None, :]) for k in range(5)])
    gan = np.stack([smooth, 0.5 * smooth, -smooth], axis=-1)
    captions = media.walk_captions([0, 42], 5)
    assert captions[3] == "walk through seeds 0, 42 | frame 3 of 4"
    gif = Image.open(io.BytesIO(media.labelled_gif_bytes({"GAN": gan, "VAE": -gan}, captions)))
    assert gif.format == "GIF" and gif.n_frames == 5 and gif.info.get("loop") == 0
    frames = []
    for index in range(5):
        gif.seek(index)
        frames.append(np.asarray(gif.convert("RGB"), dtype=np.float64))
    tile, pad, row = 32 * 4, 4, media.LABEL_ROW
    assert frames[0].shape == (row + tile + row + 2 * pad, 2 * (tile + pad) + pad, 3)
    # The images, enlarged 4 times, where they belong (GAN left, VAE right).
    gan_tile = frames[3][row + pad : row + pad + tile : 4, pad : pad + tile : 4]
    vae_left = 2 * pad + tile
    vae_tile = frames[3][row + pad : row + pad + tile : 4, vae_left : vae_left + tile : 4]
    assert np.abs(gan_tile - (gan[3] + 1) * 127.5).mean() < 2
    assert np.abs(vae_tile - (1 - gan[3]) * 127.5).mean() < 2
    # Names above each column (ink in the label row), the caption under them, which changes
    # with the frame number.
    label = frames[0][:row]
    assert (label[:, :tile] < 128).any() and (label[:, vae_left : vae_left + tile] < 128).any()
    footer = [frame[row + tile + 2 * pad :] for frame in frames]
    assert (footer[0] < 128).any()
    assert not np.array_equal(footer[1], footer[2])
    with pytest.raises(ValueError):
        media.labelled_gif_bytes({"GAN": gan}, captions[:2])
