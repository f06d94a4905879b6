"""Real images for the real-to-real walks: the held-out showcase each data set ships
(models/figures/real-<id>.json and .png, from models/recipes/project_heldout.py), an image's
codes in each model (the GAN's projection, the VAE's encoding), and those codes as link text.

A GAN has no encoder, so its code for a real image is searched for (core/projection.py): the
showcase's codes were found once when the figures were made, an upload's are found here, with
progress, and kept per image and model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ..core.datasets import Dataset
from . import models as discovery

UPLOAD = "upload"  # an end's choice when it is the visitor's own image
CODE_DECIMALS = 4  # as the page's `start` code: 1e-4 moves no pixel of a 32x32 image


@dataclass
class Showcase:
    """Held-out real images no model trained on, and both shipped models' codes for them."""

    images: np.ndarray  # (n, 32, 32, 3) in [-1, 1]
    classes: list[str]
    gan_latents: np.ndarray  # the GAN's projections (for the GAN named gan_model)
    vae_latents: np.ndarray
    gan_model: str  # models/ folder names the codes belong to
    vae_model: str
    figures: dict

    def label(self, index: int) -> str:
        return f"no. {index} ({self.classes[index]})"


def load_showcase(dataset: Dataset, folder: Path | None = None) -> Showcase | None:
    """The data set's shipped showcase, or None when it has none (or it is unreadable)."""
    folder = discovery.SHIPPED_DIR / "figures" if folder is None else folder
    try:
        figures = json.loads((folder / f"real-{dataset.id}.json").read_text())
        shown = figures["showcase"]
        with Image.open(folder / shown["file"]) as strip:
            pixels = np.asarray(strip.convert("RGB"), np.float32)
        count = len(shown["images"])
        images = pixels.reshape(32, count, 32, 3).transpose(1, 0, 2, 3) / 127.5 - 1.0
        classes = [figures["images"][i]["class"] for i in shown["images"]]
        gan, vae = (np.asarray(shown[k], np.float32) for k in ("gan_latents", "vae_latents"))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    if gan.shape != vae.shape or len(gan) != count:
        return None
    return Showcase(images, classes, gan, vae, figures["gan_model"], figures["vae_model"], figures)


def default_pair(showcase: Showcase) -> tuple[int, int]:
    """The first image, and the first of another class when there is one (a walk across the
    data's modes, where a GAN must tear), else the second."""
    other = [i for i, name in enumerate(showcase.classes) if name != showcase.classes[0]]
    return 0, other[0] if other else min(1, len(showcase.classes) - 1)


def bytes_key(data: bytes) -> str:
    """A short name for some bytes (what the caches are keyed by)."""
    return hashlib.sha256(data).hexdigest()[:16]


def image_key(image: np.ndarray) -> str:
    """A short name for an image's pixels (what the projection cache is keyed by)."""
    return bytes_key(np.ascontiguousarray(image, np.float32).tobytes())


def codes_text(gan_code: np.ndarray, vae_code: np.ndarray | None) -> str:
    """An end's codes for a link: "g1,g2,...;v1,v2,..." (the VAE part empty without a VAE)."""

    def text(code):
        return ",".join(f"{float(v):.{CODE_DECIMALS}f}".rstrip("0").rstrip(".") for v in code)

    return f"{text(gan_code)};{'' if vae_code is None else text(vae_code)}"


def parse_codes(text: str, latent_dim: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The inverse of codes_text; raises ValueError with a readable message."""
    parts = str(text).strip().split(";")
    if len(parts) != 2:
        raise ValueError("an image's codes are two comma lists joined by ';' (GAN;VAE)")
    codes = []
    for part in parts:
        if part == "":
            codes.append(None)
            continue
        try:
            values = np.array([float(v) for v in part.split(",")], np.float32)
        except ValueError:
            raise ValueError("an image's codes must be numbers") from None
        if (
            len(values) != latent_dim
            or not np.all(np.isfinite(values))
            or np.abs(values).max() > 100
        ):
            raise ValueError(f"an image's code must be {latent_dim} numbers of at most 100")
        codes.append(values)
    if codes[0] is None:
        raise ValueError("an image's codes need the GAN's")
    return codes[0], codes[1]


def project_image(
    generator, image: np.ndarray, progress: Callable[[int, int], None] | None = None
) -> np.ndarray:
    """The GAN's code for one image (``generator``: the Keras model) with the default settings,
    as the showcase's were found."""
    from ..core.projection import project

    return project(generator, image[None], progress=progress).latents[0]
