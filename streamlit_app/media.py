"""Image files in and out of the app: PNG grids, animated GIF walks, and checked uploads.

Everything here works on NumPy arrays in the models' [-1, 1] range and on bytes, so it can be
tested without Streamlit or TensorFlow.
"""

from __future__ import annotations

import functools
import io
import warnings

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from ..core.images import make_grid, to_uint8

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_SIDE = 4096
IMAGE_SIZE = 32


@functools.cache
def label_font(size: int = 14) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled TrueType font at ``size`` pixels, for the labels of the downloads (its
    bitmap default is about 10 pixels high and reads poorly). ASCII only: it has no × or √."""
    return ImageFont.load_default(size=size)


class UploadError(ValueError):
    """An upload the app cannot use; the message says why and what to upload instead."""


def png_bytes(array: np.ndarray) -> bytes:
    """A uint8 (h, w, 3) array as PNG bytes (lossless, so pixel art stays crisp)."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def grid_png(images: np.ndarray, columns: int | None = None, scale: int = 4) -> bytes:
    """(n, 32, 32, 3) images in [-1, 1] tiled into one PNG, upscaled without smoothing."""
    return png_bytes(make_grid(images, columns=columns, scale=scale))


def labelled_grid_png(
    images: np.ndarray, labels: list[str], columns: int, scale: int = 3, padding: int = 2
) -> bytes:
    """A grid like ``grid_png`` with each tile's label (its seed) written under it."""
    count = len(images)
    rows = -(-count // columns)
    tile = IMAGE_SIZE * scale
    band = 12
    cell_w, cell_h = tile + padding, tile + band + padding
    canvas = Image.new("RGB", (columns * cell_w + padding, rows * cell_h + padding), "white")
    draw = ImageDraw.Draw(canvas)
    for index, (image, label) in enumerate(zip(to_uint8(images), labels, strict=True)):
        row, column = divmod(index, columns)
        left, top = padding + column * cell_w, padding + row * cell_h
        big = Image.fromarray(image).resize((tile, tile), Image.Resampling.NEAREST)
        canvas.paste(big, (left, top))
        draw.text((left + 1, top + tile), label, fill=(60, 60, 60))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return buffer.getvalue()


def labelled_strip_png(
    frames: dict[str, np.ndarray], shown: list[int], title: str, scale: int = 2
) -> bytes:
    """The frames ``shown`` of every model's walk, a row a model, each row named and each frame
    numbered under it, ``title`` (the walk) above: the Walk's strip as a file that reads
    without the app."""
    font, small = label_font(14), label_font(11)
    tile, gap, margin, band, numbers = IMAGE_SIZE * scale, 2, 8, 22, 15
    width = max(len(shown) * (tile + gap) - gap, int(font.getlength(title))) + 2 * margin
    row_height = band + tile + numbers
    canvas = Image.new("RGB", (width, margin + band + len(frames) * row_height + margin), "white")
    draw = ImageDraw.Draw(canvas)
    draw.text((margin, margin), title, fill=(20, 20, 20), font=font)
    for row, (name, images) in enumerate(frames.items()):
        top = margin + band + row * row_height
        draw.text((margin, top + 4), name, fill=(20, 20, 20), font=font)
        pixels = to_uint8(images[np.asarray(shown)])
        for column, (index, image) in enumerate(zip(shown, pixels, strict=True)):
            left = margin + column * (tile + gap)
            big = Image.fromarray(image).resize((tile, tile), Image.Resampling.NEAREST)
            canvas.paste(big, (left, top + band))
            draw.text(
                (left + tile // 2, top + band + tile + 2),
                str(index),
                fill=(70, 70, 70),
                font=small,
                anchor="ma",
            )
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return buffer.getvalue()


def side_by_side(rows: list[np.ndarray], scale: int = 4, padding: int = 2) -> list[np.ndarray]:
    """Frame i of every row placed left to right: one uint8 image per frame (for the GIF)."""
    count = min(len(row) for row in rows)
    return [
        make_grid(np.stack([row[i] for row in rows]), len(rows), scale, padding)
        for i in range(count)
    ]


def gif_bytes(rows: list[np.ndarray], scale: int = 4, frame_ms: int = 80) -> bytes:
    """An animated, looping GIF of one or more walks shown side by side (GAN | VAE). Each frame is
    reduced to its own 256-colour palette at its native size (a few thousand pixels, so nearly
    lossless and quick) and only then enlarged, with nearest-neighbour pixels: crisp, and several
    times faster than letting the GIF writer quantise the enlarged frames."""
    frames = [
        Image.fromarray(frame)
        .quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        .resize((frame.shape[1] * scale, frame.shape[0] * scale), Image.Resampling.NEAREST)
        for frame in side_by_side(rows, scale=1, padding=1)
    ]
    return _looping_gif(frames, frame_ms)


def _looping_gif(frames: list[Image.Image], frame_ms: int) -> bytes:
    """Palette frames as one GIF that loops, ``frame_ms`` a frame."""
    if not frames:
        raise ValueError("a GIF needs at least one frame")
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=frame_ms,
        loop=0,
        disposal=1,
    )
    return buffer.getvalue()


LABEL_ROW = 16  # pixels of a line of the labels' 12-pixel font, with a little room


def labelled_frames(
    frames: dict[str, np.ndarray], captions: list[str], scale: int = 4, padding: int = 4
) -> list[Image.Image]:
    """Frame i of every model side by side at ``scale``, each model's name above its column and
    ``captions[i]`` (e.g. "walk through seeds 0, 42 | frame 3 of 32") under them: what a shared GIF needs to
    be read without the app around it."""
    names = list(frames)
    count = min(len(images) for images in frames.values())
    if count == 0 or len(captions) < count:
        raise ValueError("labelled frames need at least one frame and a caption for each")
    tile = IMAGE_SIZE * scale
    # 12 pixels, not Pillow's default 10: the hero's GIF is read on a phone at its own size.
    font = label_font(12)
    longest = max(font.getlength(caption) for caption in captions[:count])
    width = max(len(names) * (tile + padding) + padding, int(longest) + 2 * padding)
    height = LABEL_ROW + tile + LABEL_ROW + 2 * padding
    made = []
    for index in range(count):
        canvas = Image.new("RGB", (width, height), (255, 255, 255))
        draw = ImageDraw.Draw(canvas)
        for column, name in enumerate(names):
            left = padding + column * (tile + padding)
            image = Image.fromarray(to_uint8(frames[name][index]))
            canvas.paste(
                image.resize((tile, tile), Image.Resampling.NEAREST), (left, LABEL_ROW + padding)
            )
            draw.text((left, 1), name, fill=(20, 20, 20), font=font)
        draw.text(
            (padding, LABEL_ROW + tile + 2 * padding), captions[index], fill=(60, 60, 60), font=font
        )
        made.append(canvas)
    return made


def labelled_gif_bytes(
    frames: dict[str, np.ndarray], captions: list[str], scale: int = 4, frame_ms: int = 120
) -> bytes:
    """An animated, looping GIF of ``labelled_frames``: GAN | VAE named, each frame captioned."""
    images = [
        frame.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        for frame in labelled_frames(frames, captions, scale)
    ]
    return _looping_gif(images, frame_ms)


def walk_captions(waypoints: list[int], frames: int) -> list[str]:
    """Each frame's caption for a walk through ``waypoints``: the seeds and the frame number
    (ASCII: Pillow's built-in font has no arrows)."""
    seeds = ", ".join(map(str, waypoints))
    return [f"walk through seeds {seeds} | frame {i} of {frames - 1}" for i in range(frames)]


def read_upload(data: bytes) -> tuple[np.ndarray, list[str]]:
    """An uploaded file -> one (32, 32, 3) float32 image in [-1, 1], plus notes on what was done
    to it (mode conversion, crop, resize). Raises UploadError with a readable message."""
    if len(data) == 0:
        raise UploadError("The file is empty. Upload a PNG or JPEG image.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(
            f"The file is {len(data) / 2**20:.1f} MB; the limit is "
            f"{MAX_UPLOAD_BYTES // 2**20} MB. Upload a smaller image."
        )
    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if max(width, height) > MAX_UPLOAD_SIDE:
                raise UploadError(
                    f"The image is {width}x{height} pixels; the limit is "
                    f"{MAX_UPLOAD_SIDE} pixels a side. Upload a smaller image."
                )
            if getattr(image, "n_frames", 1) > 1:
                notes.append(f"It has {image.n_frames} frames; the first one is used.")
            image.load()
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UploadError(f"The image is too large to open safely ({error}).") from None
    except Exception:  # Pillow raises many kinds for files it cannot read
        raise UploadError(
            "This file is not an image Pillow can read. Upload a PNG, JPEG, GIF, BMP or WebP image."
        ) from None
    image = ImageOps.exif_transpose(image)
    if image.mode != "RGB":
        notes.append(f"Converted from {image.mode} to RGB.")
        image = _to_rgb(image, notes)
    if width != height:
        side = min(width, height)
        notes.append(f"Cropped the centre {side}x{side} square of the {width}x{height} image.")
        image = ImageOps.fit(image, (side, side), method=Image.Resampling.BOX)
    if image.size != (IMAGE_SIZE, IMAGE_SIZE):
        notes.append(
            f"Resized from {image.size[0]}x{image.size[1]} to {IMAGE_SIZE}x{IMAGE_SIZE},"
            " the models' size."
        )
        image = image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.LANCZOS)
    pixels = np.asarray(image, dtype=np.float32)
    return pixels / 127.5 - 1.0, notes


def _to_rgb(image: Image.Image, notes: list[str]) -> Image.Image:
    """Any Pillow mode -> RGB. Transparency is laid over white rather than dropped, because the
    colour under a transparent pixel is arbitrary (often black) and would show up as such."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        if rgba.getextrema()[3][0] < 255:
            notes.append("Transparent parts were laid over white.")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def single_png(image: np.ndarray, scale: int = 8) -> bytes:
    """One (32, 32, 3) image in [-1, 1] as an upscaled PNG."""
    pixels = to_uint8(image)
    return png_bytes(pixels.repeat(scale, axis=0).repeat(scale, axis=1))
