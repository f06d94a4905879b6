"""The export-time sub-pixel rewrite (export/subpixel.py): the same function as the Keras model,
for every upsampling the generators use, or the original model when it cannot be rewritten."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from latentwalk.export import subpixel
from latentwalk.export.subpixel import (
    phase_taps_transposed,
    phase_taps_upsampled,
    rewrite_for_browser,
)
from latentwalk.train.config import GANConfig, VAEConfig
from latentwalk.train.gan import build_generator
from latentwalk.train.vae import build_decoder


def latents(n=6, dim=8):
    return np.random.default_rng(0).standard_normal((n, dim)).astype(np.float32)


def randomise(model: keras.Model, seed=1) -> keras.Model:
    """Random weights everywhere, batch-norm statistics included, so folding is exercised."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        shape = tuple(weight.shape)
        if "variance" in weight.path:
            weight.assign(rng.uniform(0.5, 2.0, shape).astype(np.float32))
        else:
            weight.assign((0.3 * rng.standard_normal(shape)).astype(np.float32))
    return model


def chain(*blocks, dim=8) -> keras.Model:
    inputs = keras.Input((dim,))
    x = layers.Dense(4 * 4 * 6)(inputs)
    x = layers.Reshape((4, 4, 6))(x)
    for block in blocks:
        x = block(x)
    return randomise(keras.Model(inputs, x))


def assert_same_function(model, rewrite, z=None):
    z = latents() if z is None else z
    expected = np.asarray(model(z, training=False))
    actual = np.asarray(rewrite.model(z, training=False))
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, atol=2e-5)


def test_phase_taps_cover_every_kernel_tap_once():
    # A 4x4 stride-2 transposed convolution: each output phase reads two taps, all four used.
    taps = phase_taps_transposed(4, 2)
    assert sorted(t for phase in taps.values() for t, _ in phase) == [0, 1, 2, 3]
    # Nearest upsampling + 3x3: phase 0 reads (w0 | w1 + w2), phase 1 (w0 + w1 | w2).
    assert phase_taps_upsampled(3, 2) == {0: [(0, 0), (1, 1), (2, 1)], 1: [(0, 0), (1, 0), (2, 1)]}
    assert phase_taps_transposed(4, 3) is None and phase_taps_upsampled(4, 2) is None


@pytest.mark.parametrize("bias", [True, False])
def test_a_transposed_convolution_becomes_the_same_sub_pixel_convolution(bias):
    model = chain(
        layers.Conv2DTranspose(5, 4, strides=2, padding="same", use_bias=bias),
        layers.LeakyReLU(0.2),
        layers.Conv2DTranspose(3, 4, strides=2, padding="same"),
    )
    rewrite = rewrite_for_browser(model, latents())
    assert rewrite.upsamplings == 2 and rewrite.changed
    assert not any(isinstance(layer, layers.Conv2DTranspose) for layer in rewrite.model.layers)
    assert_same_function(model, rewrite)


def test_upsampling_then_conv_with_batch_norm_is_folded_and_the_same():
    model = chain(
        layers.UpSampling2D(2, interpolation="nearest"),
        layers.Conv2D(5, 3, padding="same", use_bias=False),
        layers.BatchNormalization(),
        layers.ReLU(),
        layers.UpSampling2D(2),
        layers.Conv2D(3, 3, padding="same", activation="tanh"),  # not linear: left as it is
    )
    rewrite = rewrite_for_browser(model, latents())
    assert rewrite.upsamplings == 1 and rewrite.folded_norms == 1
    assert_same_function(model, rewrite)


@pytest.mark.parametrize("upsample", ["transpose", "resize"])
def test_the_shipped_generator_architectures_are_rewritten_exactly(upsample):
    config = GANConfig(architecture="small", generator_width=16, upsample=upsample)
    generator = randomise(build_generator(config))
    rewrite = rewrite_for_browser(generator, latents(dim=config.latent_dim))
    assert rewrite.upsamplings == 3 and rewrite.folded_norms == 4  # dense + three upsamplings
    assert "sub-pixel" in rewrite.notes[0]
    assert_same_function(generator, rewrite, latents(dim=config.latent_dim))


def test_the_vae_decoder_is_rewritten_exactly():
    decoder = randomise(build_decoder(VAEConfig(base_filters=4)))
    rewrite = rewrite_for_browser(decoder, latents(dim=32))
    assert rewrite.upsamplings == 3
    assert_same_function(decoder, rewrite, latents(dim=32))


def test_a_model_that_is_not_a_chain_is_exported_as_traced():
    inputs = keras.Input((8,))
    x = layers.Reshape((2, 2, 2))(inputs)
    up = layers.Conv2DTranspose(2, 4, strides=2, padding="same")(x)
    skip = layers.UpSampling2D(2)(x)
    model = keras.Model(inputs, layers.Add()([up, skip]))
    rewrite = rewrite_for_browser(model, latents())
    assert rewrite.model is model and "not a plain chain" in rewrite.notes[0]


def test_a_rewrite_that_would_change_the_outputs_is_not_used(monkeypatch):
    model = chain(layers.Conv2DTranspose(3, 4, strides=2, padding="same"))
    wrong = subpixel.subpixel_kernel
    monkeypatch.setattr(subpixel, "subpixel_kernel", lambda k, taps: wrong(k, taps)[::-1])
    rewrite = rewrite_for_browser(model, latents())
    assert rewrite.model is model and "differed" in rewrite.notes[0]


def test_nothing_to_rewrite_leaves_the_model_alone():
    model = chain(layers.Conv2D(3, 3, padding="same"))
    rewrite = rewrite_for_browser(model, latents())
    assert rewrite.model is model and not rewrite.changed
