"""The VAE trainer: shapes, the loss terms, learning, reconstructions, resume and CLI errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from latentwalk.train.config import DataConfig, make_config
from latentwalk.train.data import to_model_range
from tests.support import make_images, train_tiny


def vae_config(preset="tiny", **overrides):
    return make_config("vae", preset, overrides, DataConfig())


def test_shapes_match_the_generator_contract():
    from latentwalk.train.vae import build_decoder, build_encoder

    config = vae_config("small")
    encoder, decoder = build_encoder(config), build_decoder(config)
    assert encoder.input_shape == (None, 32, 32, 3)
    assert [tuple(shape) for shape in encoder.output_shape] == [(None, 32), (None, 32)]
    assert decoder.input_shape == (None, 32) and decoder.output_shape == (None, 32, 32, 3)
    assert decoder.layers[-1].activation.__name__ == "tanh"  # same [-1, 1] range as the GAN


def test_kl_is_zero_exactly_when_the_posterior_is_the_prior():
    from latentwalk.train.vae import kl_divergence

    zeros = np.zeros((4, 32), np.float32)
    np.testing.assert_allclose(np.asarray(kl_divergence(zeros, zeros)), 0.0, atol=1e-7)
    assert np.all(np.asarray(kl_divergence(zeros + 0.5, zeros)) > 0)
    assert np.all(np.asarray(kl_divergence(zeros, zeros - 1.0)) > 0)
    # KL(N(1, 1) || N(0, 1)) = 1/2 per dimension
    np.testing.assert_allclose(np.asarray(kl_divergence(zeros + 1, zeros)), 16.0, rtol=1e-6)


def test_one_step_lowers_the_loss_on_a_fixed_batch():
    from latentwalk.train.vae import VAETask

    images = make_images(8)
    task = VAETask(vae_config(), images)
    batch = to_model_range(images)
    noise = np.zeros((8, 32), np.float32)

    def loss():
        return float(task.vae.losses_for(batch, noise, 1.0, training=False)[0])

    before = loss()
    task.vae.train_step((batch, noise, np.float32(1.0)))
    assert loss() < before


def test_reconstruction_beats_a_random_prior_sample():
    from latentwalk.train.vae import VAETask

    images = make_images(16, seed=3)
    task = VAETask(
        vae_config(base_filters=8, kl_warmup_steps=0, beta=0.1, learning_rate=3e-3), images
    )
    rng = np.random.default_rng(0)
    for _ in range(150):
        task.train_step(images, rng)
    real = to_model_range(images)
    reconstructed = task.reconstruct(real)
    prior = np.asarray(task.decoder(rng.standard_normal((16, 32)).astype(np.float32)))
    recon_error = np.mean((reconstructed - real) ** 2)
    prior_error = np.mean((prior - real) ** 2)
    assert recon_error < 0.5 * prior_error


def test_run_folder_has_both_models_metrics_and_grids(tiny_vae_run):
    import keras

    run = tiny_vae_run
    assert json.loads((run / "config.json").read_text())["kind"] == "vae"
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert {"loss", "reconstruction", "kl", "kl_weight", "images_per_s"} <= set(records[-1])
    assert [r["step"] for r in records] == list(range(1, 21))
    encoder = keras.saving.load_model(run / "encoder.keras", compile=False)
    decoder = keras.saving.load_model(run / "decoder.keras", compile=False)
    z_mean, z_log_var = encoder(to_model_range(make_images(2)))
    assert decoder(z_mean).shape == (2, 32, 32, 3)
    grid = np.asarray(Image.open(run / "samples" / "latest.png"))
    # 16 prior samples (2 rows of 8) + 2 rows of originals and 2 of reconstructions
    assert grid.shape[0] > grid.shape[1] * 0.5 * 1.5 * 0.9


def test_vae_resume_continues_the_step_count(tiny_npz, tmp_path):
    from latentwalk.train.cli import main

    run = train_tiny("vae", tiny_npz, tmp_path / "vae", "--steps", "5")
    assert main(["vae", "--resume", str(run), "--steps", "9"]) == 0
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == list(range(1, 10))


def test_kl_warmup_ramps_to_beta():
    from latentwalk.train.vae import VAETask

    task = VAETask(vae_config(beta=0.5, kl_warmup_steps=10), make_images(2))
    assert [task.kl_weight(s) for s in (0, 5, 10, 50)] == pytest.approx([0, 0.25, 0.5, 0.5])
