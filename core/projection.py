"""Projection into a generator: the latent whose image is closest to a target image.

A GAN has no encoder, so to walk between real images it needs a code for each: z* = argmin over
z of a loss between G(z) and the target (Adam on z from several random starts, the best kept):

    mean((G(z) - x)^2)                         pixels in [-1, 1]
    + feature_weight * mean((F(G(z)) - F(x))^2)  the judge's features, when given
    + prior_weight * (|z|^2 / d - 1)^2         keeps z where the prior puts its mass

(Bau et al. 2019 and the GAN-inversion literature; the prior term keeps |z|^2 near the latent
size d, as a Gaussian sample's is.) What is left of the loss says what the model cannot draw.

Deterministic for a seed on one machine. Start k of every target is the latent of seed
``settings.seed + k`` (core/latent.py's seed mapping), so the page's projection (web_demo/js/
projection.js, its twin) starts where this one does. The gradient comes from the Keras backend
in use (TensorFlow's tape or JAX's grad); the Adam step is NumPy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from .calls import input_former
from .latent import seeds_to_latents


@dataclass(frozen=True)
class ProjectionSettings:
    steps: int = 200
    restarts: int = 4
    learning_rate: float = 0.05
    feature_weight: float = 0.0
    prior_weight: float = 1e-3
    seed: int = 0

    def __post_init__(self):
        if self.steps < 1 or self.restarts < 1:
            raise ValueError("a projection needs at least one step and one start")
        if not self.learning_rate > 0:
            raise ValueError("the learning rate must be positive")
        if self.feature_weight < 0 or self.prior_weight < 0:
            raise ValueError("the loss weights cannot be negative")


@dataclass
class Projection:
    latents: np.ndarray  # (n, d): the best code found for each target
    images: np.ndarray  # (n, 32, 32, 3): what the generator draws from it, in [-1, 1]
    pixel_error: np.ndarray  # (n,): root-mean-square pixel difference, pixels in [0, 1]
    feature_error: np.ndarray | None  # (n,): RMS difference in the features, when given
    norm_ratio: np.ndarray  # (n,): |z|^2 / d (1 is typical for the prior)
    losses: np.ndarray  # (steps,): the mean loss of the kept starts, step by step
    settings: dict

    def summary(self) -> dict:
        return {
            "mean_pixel_error": float(np.mean(self.pixel_error)),
            "mean_feature_error": None
            if self.feature_error is None
            else float(np.mean(self.feature_error)),
            "pixel_error": self.pixel_error.tolist(),
            "feature_error": None if self.feature_error is None else self.feature_error.tolist(),
            "norm_ratio": self.norm_ratio.tolist(),
            "settings": self.settings,
        }


def _value_and_grad(loss: Callable, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row losses and d(sum of losses)/dz, from the Keras backend in use."""
    import keras

    if keras.backend.backend() == "jax":
        import jax

        def total(value):
            rows = loss(value)
            return rows.sum(), rows

        (_, rows), grad = jax.value_and_grad(total, has_aux=True)(z)
        return np.asarray(rows), np.asarray(grad)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        variable = tf.convert_to_tensor(z)
        with tf.GradientTape() as tape:
            tape.watch(variable)
            rows = loss(variable)
            total = tf.reduce_sum(rows)
        return rows.numpy(), tape.gradient(total, variable).numpy()
    raise NotImplementedError(
        f"projection needs the tensorflow or jax backend, not {keras.backend.backend()}"
    )


def start_latents(settings: ProjectionSettings, latent_dim: int) -> np.ndarray:
    """(restarts, d): where each start begins, the same for every target."""
    seeds = [(settings.seed + k) % 2**32 for k in range(settings.restarts)]
    return seeds_to_latents(seeds, latent_dim)


RAMP_DOWN = 0.25  # the last quarter of the steps lowers the learning rate to 0 (a cosine)


def _ramp_down(progress: float) -> float:
    """The learning rate's factor at ``progress`` (0..1) of the steps: Adam with a constant
    rate keeps stepping about that far around the optimum; ramped down, it settles (as in
    StyleGAN2's projector)."""
    left = (1.0 - progress) / RAMP_DOWN
    return 1.0 if left >= 1 else 0.5 - 0.5 * np.cos(np.pi * max(left, 0.0))


def project(
    generator,
    targets: np.ndarray,
    settings: ProjectionSettings | None = None,
    features=None,
    start: np.ndarray | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Projection:
    """The codes of ``targets`` ((n, 32, 32, 3) in [-1, 1]) in ``generator`` (a Keras model
    from (batch, d) latents to images in [-1, 1]). ``features``: a Keras model from images to
    feature vectors (the judge's) for the feature term; ``start``: (n, d) codes to start the
    first restart from (e.g. the VAE's encodings), the others start from the prior;
    ``progress(step, steps)`` is called after every step (a progress bar's hook)."""
    import keras

    settings = settings or ProjectionSettings()
    targets = np.asarray(targets, np.float32)
    count, restarts = len(targets), settings.restarts
    latent_dim = int(generator.inputs[0].shape[-1])
    z = start_latents(settings, latent_dim)[:, None, :].repeat(count, axis=1)
    if start is not None:
        z[0] = np.asarray(start, np.float32).reshape(count, latent_dim)
    z = z.reshape(restarts * count, latent_dim)
    repeated = np.tile(targets, (restarts, 1, 1, 1))
    form = input_former(generator)
    use_features = features is not None and settings.feature_weight > 0
    feature_form = input_former(features) if features is not None else None

    def embed(images):
        return features(feature_form(images), training=False)

    # The targets' features, once (the loss compares every start of a target with its copy).
    theirs = keras.ops.convert_to_numpy(embed(targets)) if features is not None else None
    target_features = np.tile(theirs, (restarts, 1)) if use_features else None

    def loss(value):
        images = generator(form(value), training=False)
        ops = keras.ops
        rows = ops.mean(ops.square(images - repeated), axis=(1, 2, 3))
        if use_features:
            drawn = embed(images)
            rows = rows + settings.feature_weight * ops.mean(
                ops.square(drawn - target_features), axis=-1
            )
        norm = ops.sum(ops.square(value), axis=-1) / latent_dim
        return rows + settings.prior_weight * ops.square(norm - 1.0)

    # Adam (Kingma and Ba 2015), in NumPy: each row is its own problem, so the steps are too.
    first, second = np.zeros_like(z), np.zeros_like(z)
    beta1, beta2, epsilon = 0.9, 0.999, 1e-8
    history = []
    for step in range(1, settings.steps + 1):
        rows, grad = _value_and_grad(loss, z)
        history.append(rows.reshape(restarts, count))
        first = beta1 * first + (1 - beta1) * grad
        second = beta2 * second + (1 - beta2) * grad**2
        corrected = first / (1 - beta1**step), second / (1 - beta2**step)
        rate = settings.learning_rate * _ramp_down(step / settings.steps)
        z = (z - rate * corrected[0] / (np.sqrt(corrected[1]) + epsilon)).astype(np.float32)
        if progress is not None:
            progress(step, settings.steps)
    final = keras.ops.convert_to_numpy(loss(z))  # where Adam ended: no gradient needed
    best = np.argmin(final.reshape(restarts, count), axis=0)
    chosen = z.reshape(restarts, count, latent_dim)[best, np.arange(count)]
    images = keras.ops.convert_to_numpy(generator(form(chosen), training=False))
    pixel_error = np.sqrt(np.mean(((images - targets) / 2.0) ** 2, axis=(1, 2, 3)))
    feature_error = None
    if features is not None:
        ours = keras.ops.convert_to_numpy(embed(images))
        feature_error = np.sqrt(np.mean((ours - theirs) ** 2, axis=-1))
    kept = np.stack(history)[:, best, np.arange(count)].mean(axis=1)
    return Projection(
        latents=chosen,
        images=images,
        pixel_error=pixel_error,
        feature_error=feature_error,
        norm_ratio=np.sum(chosen**2, axis=-1) / latent_dim,
        losses=kept,
        settings=asdict(settings),
    )
