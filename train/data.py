"""Training images from CIFAR-10 (through Keras), an image folder or zip, or a .npz array.

Every loader returns uint8 images of shape (n, 32, 32, 3); ``to_model_range`` scales them to
[-1, 1]. The book scales to [0, 1], but our generators end in tanh, whose range is [-1, 1]:
matching the real images to it keeps the discriminator from telling real from fake by range.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import warnings
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image, UnidentifiedImageError

from .config import DataConfig

log = logging.getLogger(__name__)

CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
IMAGE_SIZE = 32


class DataError(ValueError):
    """No usable images, or a source that cannot be read (the CLI exits with code 2)."""


def to_model_range(images: np.ndarray) -> np.ndarray:
    """uint8 [0, 255] -> float32 [-1, 1], the tanh output range."""
    return (images.astype(np.float32) / 127.5) - 1.0


def cifar10_class_index(class_name: str | int) -> int:
    text = str(class_name).strip().lower()
    if text.isdigit() and 0 <= int(text) < 10:
        return int(text)
    if text in CIFAR10_CLASSES:
        return CIFAR10_CLASSES.index(text)
    raise DataError(
        f"unknown CIFAR-10 class {class_name!r}: use 0-9 or one of {', '.join(CIFAR10_CLASSES)}"
    )


def class_list(class_name: str | int | None) -> list[str] | None:
    """The classes a ``--class`` value names: None for every image, else one or more names
    ("frog", "6", or "frog,truck" for a data set of several classes). CIFAR-10 indices become
    names; a class named twice is refused (two identical classes are one class)."""
    if class_name is None:
        return None
    names = [part.strip() for part in str(class_name).split(",")]
    if any(not name for name in names):
        raise DataError(f"--class {class_name!r} has an empty class name: use e.g. frog,truck")
    names = [
        CIFAR10_CLASSES[int(name)] if name.isdigit() and int(name) < 10 else name for name in names
    ]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DataError(
            f"--class {class_name!r} names {', '.join(repeated)} twice: give different classes"
        )
    return names


def is_keras_cifar10(source: str) -> bool:
    return source.lower() in ("cifar10", "cifar-10")


def local_source(source: str) -> tuple[Path, str]:
    """A local data source checked to exist: (path, "npz" or "tree")."""
    path = Path(source).expanduser()
    if not path.exists():
        raise DataError(
            f"data source {source!r} does not exist (expected 'cifar10', an "
            "image folder, a .zip of images or a .npz file)"
        )
    if path.suffix.lower() == ".npz":
        return path, "npz"
    if path.is_dir() or path.suffix.lower() == ".zip":
        return path, "tree"
    raise DataError(f"cannot read {source!r}: expected a folder, a .zip or a .npz file")


def keras_cifar10_train() -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10's training images and labels through Keras's own download and cache."""
    import keras  # deferred: the folder and npz loaders need no TensorFlow

    try:
        (x_train, y_train), _ = keras.datasets.cifar10.load_data()
    except Exception as error:  # Keras raises a bare Exception for download failures
        raise DataError(
            f"could not get CIFAR-10 through Keras ({error}); without internet, "
            "pass --data with an image folder, a .zip or a .npz instead"
        ) from None
    return x_train, y_train.flatten().astype(np.int64)


def load_images(data: DataConfig) -> np.ndarray:
    """Dispatch on the source; apply ``max_images``; refuse an empty result clearly. For several
    classes, each class is loaded (and must have images) and ``max_images`` keeps a fixed random
    subset, so every class keeps its share."""
    names = class_list(data.class_name)
    if names is not None and len(names) > 1:
        parts = [
            load_images(dataclasses.replace(data, class_name=n, max_images=None)) for n in names
        ]
        images = np.concatenate(parts)
        if data.max_images is not None and data.max_images < len(images):
            keep = np.random.default_rng(0).permutation(len(images))[: data.max_images]
            images = images[np.sort(keep)]
        return images
    source = data.source
    if is_keras_cifar10(source):
        images = load_cifar10(data.class_name)
    else:
        path, layout = local_source(source)
        if layout == "npz":
            images = load_npz(path, data.class_name)
        else:
            images = load_image_tree(path, data.class_name)
    if data.max_images is not None:
        images = images[: data.max_images]
    if len(images) == 0:
        where = f" of class {data.class_name!r}" if data.class_name is not None else ""
        raise DataError(f"no usable images{where} found in {source!r}")
    return images


def load_cifar10(class_name: str | int | None) -> np.ndarray:
    """The CIFAR-10 training images of the class(es), through Keras's own download and cache."""
    names = class_list(class_name)
    wanted = None if names is None else [cifar10_class_index(n) for n in names]  # check first
    x_train, y_train = keras_cifar10_train()
    if wanted is None:
        return x_train
    return x_train[np.isin(y_train, wanted)]


def npz_to_uint8(images: np.ndarray, where: str) -> np.ndarray:
    """Array images -> uint8 0-255, after finding which of the usual ranges they are in: uint8
    0-255, integers 0-255, floats in [0, 1], in [-1, 1] or in [0, 255]. What was assumed is
    logged; NaN or infinite values, and values that fit none of these, are refused."""
    if images.dtype == np.uint8:
        return images
    if images.dtype == np.bool_ or not np.issubdtype(images.dtype, np.number):
        raise DataError(f"{where} holds {images.dtype} values; expected uint8 or float images")
    if images.size == 0:
        return images.astype(np.uint8)
    values = images.astype(np.float64)
    finite = np.isfinite(values)
    if not finite.all():
        raise DataError(
            f"{where} has {int(np.size(finite) - np.count_nonzero(finite))} NaN or infinite "
            "values: fix the data (nothing was trained)"
        )
    low, high = float(values.min()), float(values.max())
    if np.issubdtype(images.dtype, np.integer):
        if low < 0 or high > 255:
            raise DataError(
                f"{where} holds integers from {low:g} to {high:g}; expected 0-255 pixel values"
            )
        ranges = ("integers 0-255", values)
    elif low >= 0 and high <= 1:
        if np.all((values == 0) | (values == 1)):
            raise DataError(
                f"{where} holds only 0s and 1s: cannot tell [0, 1] images from very dark "
                "0-255 ones; convert it to uint8 0-255"
            )
        ranges = ("floats in [0, 1], scaled by 255", values * 255.0)
    elif low >= -1 and high <= 1:
        ranges = ("floats in [-1, 1], mapped to 0-255", (values + 1.0) * 127.5)
    elif low >= 0 and high <= 255:
        ranges = ("floats in [0, 255]", values)
    else:
        raise DataError(
            f"{where} holds values from {low:g} to {high:g}, which fit none of uint8 0-255, "
            "float [0, 1], float [-1, 1] or float 0-255"
        )
    assumed, scaled = ranges
    log.info(f"{where}: {images.dtype} values from {low:g} to {high:g}, read as {assumed}")
    return np.clip(np.round(scaled), 0, 255).astype(np.uint8)


def load_npz(path: Path, class_name: str | int | None) -> np.ndarray:
    """A .npz with images under 'x' or 'images' (see ``npz_to_uint8`` for the value ranges it
    reads), and labels under 'y' or 'labels' when a class is asked for."""
    try:
        arrays = np.load(path)
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise DataError(f"cannot read {path} as a .npz file: {error}") from None
    key = next((k for k in ("x", "images", "x_train") if k in arrays), None)
    if key is None:
        raise DataError(f"{path} has no 'x' or 'images' array (it has: {', '.join(arrays)})")
    images = np.asarray(arrays[key])
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise DataError(f"{path}:{key} has shape {images.shape}, expected (n, height, width, 3)")
    if class_name is not None:
        label_key = next((k for k in ("y", "labels", "y_train") if k in arrays), None)
        if label_key is None:
            raise DataError(f"--class was given but {path} has no 'y' or 'labels' array")
        labels = np.asarray(arrays[label_key]).flatten()
        wanted = [
            cifar10_class_index(name) if name in CIFAR10_CLASSES else name
            for name in class_list(class_name)
        ]
        images = images[np.isin(labels, wanted)]
    images = npz_to_uint8(images, f"{path}:{key}")
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    return _resize_all(list(images), str(path))


def _image_entries(path: Path, class_name: str | int | None):
    """(name, opener) pairs for the images under ``<class>/<image>`` in a folder or a zip."""
    names = class_list(class_name)
    wanted = None if names is None else set(names)

    def keep(parts: tuple[str, ...]) -> bool:
        if Path(parts[-1]).suffix.lower() not in IMAGE_SUFFIXES or parts[-1].startswith("."):
            return False
        return wanted is None or (len(parts) >= 2 and parts[-2] in wanted)

    if path.is_dir():
        for file in sorted(path.rglob("*")):
            if file.is_file() and keep(file.relative_to(path).parts):
                yield str(file), file.read_bytes
    else:
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise DataError(f"{path} is not a readable zip file") from None
        with archive:
            for name in sorted(archive.namelist()):
                if not name.endswith("/") and keep(tuple(name.split("/"))):
                    yield name, (lambda n=name: archive.read(n))


def load_image_tree(path: Path, class_name: str | int | None) -> np.ndarray:
    """Images laid out as ``<class>/<image>`` (at any depth) in a folder or a zip."""
    images, _ = _decode_tree(path, class_name)
    return _resize_all(images, str(path))


def _decode_tree(path: Path, class_name: str | int | None):
    """The decodable images under ``path`` and their entry names; the rest skipped, with a
    warning that counts them."""
    images, names, skipped = [], [], []
    for name, read in _image_entries(path, class_name):
        try:
            with Image.open(io.BytesIO(read())) as image:
                images.append(np.asarray(image.convert("RGB")))
            names.append(name)
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            skipped.append(name)
    if skipped:
        warnings.warn(
            f"skipped {len(skipped)} unreadable or corrupt image(s) in {path}, e.g. {skipped[0]}",
            stacklevel=4,
        )
    return images, names


def _resize_all(images: list[np.ndarray], where: str) -> np.ndarray:
    wrong = sum(image.shape[:2] != (IMAGE_SIZE, IMAGE_SIZE) for image in images)
    if wrong:
        warnings.warn(
            f"resized {wrong} image(s) in {where} that were not {IMAGE_SIZE}x{IMAGE_SIZE}",
            stacklevel=3,
        )
        images = [
            image
            if image.shape[:2] == (IMAGE_SIZE, IMAGE_SIZE)
            else np.asarray(
                Image.fromarray(image).resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.LANCZOS)
            )
            for image in images
        ]
    if not images:
        return np.zeros((0, IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    return np.stack(images).astype(np.uint8)


def load_labelled_images(source: str, max_images: int | None = None):
    """Every image of ``source`` with its class: (uint8 images, int labels, class names).

    For the judge, which learns all classes at once. Labels index ``class_names``: the CIFAR-10
    names for Keras's CIFAR-10 and for integer labels 0-9 in a .npz, else the folder names (or
    string labels) in sorted order."""
    if is_keras_cifar10(source):
        images, labels = keras_cifar10_train()
        names: list[str] = list(CIFAR10_CLASSES)
    else:
        path, layout = local_source(source)
        loader = _labelled_npz if layout == "npz" else _labelled_tree
        images, labels, names = loader(path)
    if max_images is not None and max_images < len(images):
        # A fixed random subset in loading order, so every class keeps its share.
        keep = np.sort(np.random.default_rng(0).permutation(len(images))[:max_images])
        images, labels = images[keep], labels[keep]
    if len(images) == 0:
        raise DataError(f"no usable images found in {source!r}")
    return images, labels, names


def _labelled_npz(path: Path):
    images = load_npz(path, None)
    with np.load(path) as arrays:
        key = next((k for k in ("y", "labels", "y_train") if k in arrays), None)
        if key is None:
            raise DataError(f"{path} has no 'y' or 'labels' array: the judge needs classes")
        raw = np.asarray(arrays[key]).flatten()
    if len(raw) != len(images):
        raise DataError(f"{path}: {len(raw)} labels for {len(images)} images")
    if raw.dtype.kind in "iu" and raw.min() >= 0 and raw.max() < len(CIFAR10_CLASSES):
        return images, raw.astype(np.int64), list(CIFAR10_CLASSES)
    names = sorted({str(label) for label in raw})
    labels = np.array([names.index(str(label)) for label in raw], dtype=np.int64)
    return images, labels, names


def _labelled_tree(path: Path):
    images, entries = _decode_tree(path, None)
    classes = [PurePosixPath(name.replace("\\", "/")).parent.name for name in entries]
    names = sorted(set(classes))
    labels = np.array([names.index(c) for c in classes], dtype=np.int64)
    return _resize_all(images, str(path)), labels, names
