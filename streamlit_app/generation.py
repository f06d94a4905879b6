"""Running the saved Keras models: latents -> images for a GAN generator or a VAE decoder, and
images -> latents for a VAE encoder. Batched, and compiled once per model.

TensorFlow is imported inside ``load_*`` only, so importing this module (and drawing the page
around it) stays fast; the first model load pays TensorFlow's start-up instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from streamlit_app.models import FoundModel

# One tf.function call per batch of at most this many latents: the whole of a 64-frame walk or
# of a 256-path smoothness measure (512 images) fits in one or two calls.
MAX_BATCH = 256


def _compiled(model) -> Callable:
    """A graph-compiled forward pass with a free batch size. On this CPU it runs a 64-latent batch
    about twice as fast as ``model.predict`` (and like ``predict_on_batch``); see
    benchmarks/app_latency.py. ``input_signature`` keeps batch sizes from causing retracing."""
    import tensorflow as tf

    shape = (None, *model.inputs[0].shape[1:])

    @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32)], reduce_retracing=True)
    def forward(batch):
        return model([batch], training=False)

    return forward


def _load_keras(path: Path):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    return keras.saving.load_model(path, compile=False)


@dataclass
class ImageModel:
    """A latent -> image model (GAN generator or VAE decoder): (n, latent_dim) float32 in,
    (n, 32, 32, 3) float32 in [-1, 1] out."""

    name: str
    latent_dim: int
    forward: Callable

    def __call__(self, latents: np.ndarray) -> np.ndarray:
        latents = np.asarray(latents, dtype=np.float32).reshape(-1, self.latent_dim)
        if len(latents) == 0:
            return np.zeros((0, 32, 32, 3), np.float32)
        parts = [
            np.asarray(self.forward(latents[start : start + MAX_BATCH]))
            for start in range(0, len(latents), MAX_BATCH)
        ]
        return np.concatenate(parts).astype(np.float32)


@dataclass
class EncoderModel:
    """The VAE encoder: images in [-1, 1] -> the mean of q(z | x) (the sample-free encoding)."""

    forward: Callable

    def __call__(self, images: np.ndarray) -> np.ndarray:
        images = np.asarray(images, dtype=np.float32)
        z_mean, _z_log_var = self.forward(images)
        return np.asarray(z_mean, dtype=np.float32)


@dataclass
class LoadedModel:
    found: FoundModel
    generate: ImageModel
    encode: EncoderModel | None = None


def load_model(found: FoundModel) -> LoadedModel:
    """Load a found GAN or VAE and compile its forward passes."""
    role = "generator" if found.kind == "gan" else "decoder"
    image_model = _load_keras(found.files[role])
    generate = ImageModel(found.kind.upper(), found.latent_dim, _compiled(image_model))
    encode = None
    if found.kind == "vae":
        encode = EncoderModel(_compiled(_load_keras(found.files["encoder"])))
    return LoadedModel(found, generate, encode)


def load_judge_features(folder: Path) -> Callable[[np.ndarray], np.ndarray] | None:
    """The judge's feature function (images in [-1, 1] -> its penultimate-layer features), or
    None when ``folder`` holds no judge (``make judge`` writes models/judge)."""
    import json

    model_path, config_path = folder / "judge.keras", folder / "config.json"
    if not (model_path.is_file() and config_path.is_file()):
        return None
    import keras

    layer = json.loads(config_path.read_text()).get("feature_layer", "features")
    judge = _load_keras(model_path)
    forward = _compiled(keras.Model(judge.inputs, judge.get_layer(layer).output))

    def features(images: np.ndarray) -> np.ndarray:
        images = np.asarray(images, dtype=np.float32)
        parts = [
            np.asarray(forward(images[start : start + 512])) for start in range(0, len(images), 512)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, 1), np.float32)

    return features
