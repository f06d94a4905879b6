"""A convolutional VAE with the GAN's latent size, prior and output range, for a fair comparison.

Encoder: strided convolutions -> mean and log-variance of a latent_dim Gaussian. Decoder: the
mirror image, ending in tanh like the generator, so both map N(0, I) latents to [-1, 1] images.

Loss = reconstruction + kl_weight * KL(q(z|x) || N(0, I)). The reconstruction term is a Gaussian
log-likelihood summed over pixels: sum((x - x_hat)^2) / (2 sigma^2) with sigma = 0.1 on the [0, 1]
pixel scale (0.2 on the model's [-1, 1] scale). A fixed sigma is what sets how blurry the VAE is
allowed to be; beta and a KL warm-up (the weight ramps from 0 to beta) are options.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
from keras import layers, ops

from ..core.latent import seeds_to_latents
from ..core.layout import run_model_path
from .backend_steps import vae_steps
from .checkpoint import model_variables, optimizer_variables, prefixed
from .config import VAEConfig
from .data import to_model_range
from .gan_task import save_model_atomically
from .parallel import building_scope

PIXEL_SIGMA = 0.2  # on the [-1, 1] scale
NUM_RECONSTRUCTIONS = 16


def build_encoder(config: VAEConfig) -> keras.Model:
    f, slope = config.base_filters, config.leaky_slope
    inputs = keras.Input((32, 32, 3), name="image")
    x = inputs
    for filters in (f, 2 * f, 4 * f):
        x = layers.Conv2D(filters, 4, strides=2, padding="same")(x)
        x = layers.LeakyReLU(slope)(x)
    x = layers.Flatten()(x)
    z_mean = layers.Dense(config.latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(config.latent_dim, name="z_log_var")(x)
    return keras.Model(inputs, [z_mean, z_log_var], name="encoder")


def build_decoder(config: VAEConfig) -> keras.Model:
    f, slope = config.base_filters, config.leaky_slope
    inputs = keras.Input((config.latent_dim,), name="latent")
    x = layers.Dense(4 * 4 * 4 * f)(inputs)
    x = layers.LeakyReLU(slope)(x)
    x = layers.Reshape((4, 4, 4 * f))(x)
    for filters in (4 * f, 2 * f, f):
        x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same")(x)
        x = layers.LeakyReLU(slope)(x)
    outputs = layers.Conv2D(3, 3, activation="tanh", padding="same", name="image")(x)
    return keras.Model(inputs, outputs, name="decoder")


def kl_divergence(z_mean, z_log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) per example, summed over latent dimensions."""
    return -0.5 * ops.sum(1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)


def reconstruction_loss(images, reconstructions):
    """Gaussian negative log-likelihood (up to a constant) per example, summed over pixels."""
    squared = ops.square(images - reconstructions)
    return ops.sum(squared, axis=(1, 2, 3)) / (2.0 * PIXEL_SIGMA**2)


class VAE(keras.Model):
    def __init__(self, encoder: keras.Model, decoder: keras.Model):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def compile(self, optimizer, jit_compile: bool = False, replicas=None):
        super().compile()
        self.vae_optimizer = optimizer
        self.vae_optimizer.build(self.trainable_variables)
        # The gradient step for the active backend (TensorFlow or JAX), on one device or on
        # ``replicas`` (train/parallel.py): train/backend_steps.py.
        self.steps = vae_steps(self, jit_compile, replicas)

    def losses_for(self, images, noise, kl_weight, training=True):
        z_mean, z_log_var = self.encoder(images, training=training)
        z = z_mean + ops.exp(0.5 * z_log_var) * noise  # the reparameterisation trick
        reconstruction = ops.mean(reconstruction_loss(images, self.decoder(z, training=training)))
        kl = ops.mean(kl_divergence(z_mean, z_log_var))
        return reconstruction + kl_weight * kl, reconstruction, kl

    def train_step(self, data):
        """Compiled: (images, noise, kl_weight) -> {loss, reconstruction, kl}."""
        return self.steps.train_step(data)

    def call(self, images, training=False):
        z_mean, _ = self.encoder(images, training=training)
        return self.decoder(z_mean, training=training)


class VAETask:
    grid_columns = 8

    def __init__(self, config: VAEConfig, images: np.ndarray, replicas=None):
        keras.utils.set_random_seed(config.seed)
        self.config = config
        with building_scope(replicas):  # data-parallel: replicated or mirrored variables
            self.encoder = build_encoder(config)
            self.decoder = build_decoder(config)
            self.vae = VAE(self.encoder, self.decoder)
            optimizer = keras.optimizers.Adam(config.learning_rate)
            self.vae.compile(optimizer, config.jit_compile, replicas)
        # The same fixed seeds as the GAN's grids, so the two models' samples line up.
        self.sample_latents = seeds_to_latents(range(config.num_sample_seeds), config.latent_dim)
        self.fixed_images = to_model_range(images[:NUM_RECONSTRUCTIONS])

    def kl_weight(self, step: int) -> float:
        if self.config.kl_warmup_steps == 0:
            return self.config.beta
        return self.config.beta * min(1.0, step / self.config.kl_warmup_steps)

    def variables(self) -> dict[str, dict[str, keras.Variable]]:
        """Every variable a checkpoint keeps, by group and stable key (train/checkpoint.py)."""
        encoder, decoder = model_variables(self.encoder), model_variables(self.decoder)
        trained = {**prefixed("encoder", encoder), **prefixed("decoder", decoder)}
        return {
            "encoder": encoder,
            "decoder": decoder,
            "optimizer": optimizer_variables(self.vae.vae_optimizer, trained),
        }

    def train_step(self, real_images: np.ndarray, rng: np.random.Generator) -> dict:
        step = int(self.vae.vae_optimizer.iterations.numpy())
        noise = rng.standard_normal((len(real_images), self.config.latent_dim), dtype=np.float32)
        weight = np.float32(self.kl_weight(step))
        out = self.vae.train_step((to_model_range(real_images), noise, weight))
        return {**{key: float(value) for key, value in out.items()}, "kl_weight": float(weight)}

    def after_step(self, step: int, metrics: dict) -> list[dict]:
        return []

    def extra_state(self) -> dict:
        return {}

    def load_extra_state(self, state: dict) -> None:
        pass

    def reconstruct(self, images: np.ndarray) -> np.ndarray:
        z_mean, _ = self.encoder(images, training=False)
        return np.asarray(self.decoder(z_mean, training=False))

    def generate(self, latents: np.ndarray) -> np.ndarray:
        """Decoded prior samples in [-1, 1], float32, for a batch of latents."""
        images = self.decoder(latents, training=False)
        return np.asarray(keras.ops.convert_to_numpy(images), dtype=np.float32)

    def sample_images(self) -> np.ndarray:
        """Prior samples from the fixed seeds, then rows of fixed real images, each row followed
        by the row of their reconstructions."""
        prior = np.asarray(self.decoder(self.sample_latents, training=False))
        originals = self.fixed_images
        reconstructions = self.reconstruct(originals)
        rows = []
        for start in range(0, len(originals), self.grid_columns):
            rows += [
                originals[start : start + self.grid_columns],
                reconstructions[start : start + self.grid_columns],
            ]
        return np.concatenate([prior, *rows])

    def save_final(self, run_dir: Path) -> None:
        save_model_atomically(self.decoder, run_model_path(run_dir, "decoder"))
        save_model_atomically(self.encoder, run_model_path(run_dir, "encoder"))
