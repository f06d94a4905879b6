"""Running the saved Keras models: latents -> images for a GAN generator or a VAE decoder, and
images -> latents for a VAE encoder. Batched, and compiled once per model.

TensorFlow is imported inside ``load_*`` only, so importing this module (and drawing the page
around it) stays fast; the first model load pays TensorFlow's start-up instead.
"""

from __future__ import annotations

import concurrent.futures
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import layout
from ..core.calls import input_former
from .models import FoundModel

# One tf.function call per batch of at most this many latents: the whole of a 64-frame walk or
# of a 256-path smoothness measure (512 images) fits in one or two calls.
MAX_BATCH = 256


_MODEL_THREAD = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="latentwalk-models")


def on_model_thread(function: Callable, *args):
    """Run ``function`` on one long-lived thread. Streamlit runs each rerun on a fresh thread, and
    there the first TensorFlow call of a rerun took 120-140 ms instead of 5 ms (timed in the
    running app); on this thread it took 70-100 ms, and the app's interactions settled about
    30 ms sooner (benchmarks/app_browser_latency.py). Why the first call is slow is not known."""
    return _MODEL_THREAD.submit(function, *args).result()


def _compiled(model) -> Callable:
    """A graph-compiled forward pass with a free batch size. On this CPU it runs a 64-latent batch
    about twice as fast as ``model.predict`` (and like ``predict_on_batch``); see
    benchmarks/app_latency.py. ``input_signature`` keeps batch sizes from causing retracing."""
    import tensorflow as tf

    shape = (None, *model.inputs[0].shape[1:])
    form = input_former(model)

    @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32)], reduce_retracing=True)
    def forward(batch):
        return model(form(batch), training=False)

    return forward


def load_keras(path: Path):
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
        return on_model_thread(self._run, latents)

    def _run(self, latents: np.ndarray) -> np.ndarray:
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


class ModelLoadError(Exception):
    """A model the app cannot use; the message is for a visitor (no server paths in it)."""


def _without_paths(text: str) -> str:
    """An error message with every absolute path cut to its last part."""
    return re.sub(r"(?:/[^/\s:'\"`]+)+/([^/\s:'\"`]+)", r"\1", text)


def _load_checked(path: Path, role: str):
    if not zipfile.is_zipfile(path):
        raise ModelLoadError(f"`{path.name}` is not a complete .keras file (truncated or damaged?)")
    try:
        model = load_keras(path)
    except Exception as error:  # Keras raises many types for a damaged or foreign file
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelLoadError(f"`{path.name}` does not load: {_without_paths(text)}") from None
    for weight in model.weights:
        if not np.isfinite(np.asarray(weight.numpy(), dtype=np.float64)).all():
            raise ModelLoadError(
                f"the {role}'s weights hold NaN or Inf values (its training run diverged)"
            )
    return model


def _shape(tensor) -> tuple:
    return tuple(None if d is None else int(d) for d in tensor.shape[1:])


def _check_image_model(model, role: str, latent_dim: int) -> None:
    inputs, outputs = [_shape(t) for t in model.inputs], [_shape(t) for t in model.outputs]
    if inputs != [(latent_dim,)] or outputs != [(32, 32, 3)]:
        raise ModelLoadError(
            f"the {role} maps {inputs} to {outputs}; the app needs a latent of size "
            f"{latent_dim} in and one 32 x 32 x 3 image out"
        )


def _check_encoder(model) -> None:
    inputs, outputs = [_shape(t) for t in model.inputs], [_shape(t) for t in model.outputs]
    if inputs != [(32, 32, 3)] or len(outputs) != 2:
        raise ModelLoadError(
            f"the encoder maps {inputs} to {outputs}; the app needs a 32 x 32 x 3 image in and "
            "[z_mean, z_log_var] out"
        )


def load_model(found: FoundModel) -> LoadedModel:
    """Load a found GAN or VAE, check it is one the app can run, and compile its forward
    passes. Raises ModelLoadError (with a message for the page) when it cannot be used."""
    role = layout.IMAGE_ROLE[found.kind]
    image_model = _load_checked(found.files[role], role)
    _check_image_model(image_model, role, found.latent_dim)
    generate = ImageModel(found.kind.upper(), found.latent_dim, _compiled(image_model))
    try:
        trial = generate(np.zeros((1, found.latent_dim), np.float32))
    except Exception as error:  # a model that loads but cannot run
        raise ModelLoadError(f"the {role} fails to run: {_without_paths(str(error))}") from None
    if not np.isfinite(trial).all():
        raise ModelLoadError(f"the {role} makes NaN images")
    encode = None
    if found.kind == "vae":
        encoder = _load_checked(found.files["encoder"], "encoder")
        _check_encoder(encoder)
        encode = EncoderModel(_compiled(encoder))
    return LoadedModel(found, generate, encode)


def load_judge_features(folder: Path) -> Callable[[np.ndarray], np.ndarray] | None:
    """The judge's feature function (images in [-1, 1] -> its penultimate-layer features), or
    None when ``folder`` holds no judge (``make judge`` writes models/judge)."""
    import json

    model_path, config_path = folder / layout.JUDGE_MODEL, folder / layout.CONFIG
    if not (model_path.is_file() and config_path.is_file()):
        return None
    import keras

    layer = json.loads(config_path.read_text()).get("feature_layer", "features")
    judge = load_keras(model_path)
    forward = _compiled(keras.Model(judge.inputs, judge.get_layer(layer).output))

    def features(images: np.ndarray) -> np.ndarray:
        images = np.asarray(images, dtype=np.float32)
        parts = [
            np.asarray(forward(images[start : start + 512])) for start in range(0, len(images), 512)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, 1), np.float32)

    return features


def load_judge(folder: Path) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None:
    """The judge as the tear figures use it (core/tearing.py): images in [-1, 1] -> (its
    penultimate-layer features, its class probabilities); None without a judge in ``folder``."""
    import json

    model_path, config_path = folder / layout.JUDGE_MODEL, folder / layout.CONFIG
    if not (model_path.is_file() and config_path.is_file()):
        return None
    import keras

    layer = json.loads(config_path.read_text()).get("feature_layer", "features")
    judge = load_keras(model_path)
    both = keras.Model(judge.inputs, [judge.get_layer(layer).output, judge.outputs[0]])
    forward = _compiled(both)

    def run(images: np.ndarray):
        features, probabilities = [], []
        for start in range(0, len(images), 512):
            out_features, logits = forward(np.asarray(images[start : start + 512], np.float32))
            features.append(np.asarray(out_features, np.float64))
            logits = np.asarray(logits, np.float64)
            exp = np.exp(logits - logits.max(axis=1, keepdims=True))
            probabilities.append(exp / exp.sum(axis=1, keepdims=True))
        return np.concatenate(features), np.concatenate(probabilities)

    return lambda images: on_model_thread(run, images)
