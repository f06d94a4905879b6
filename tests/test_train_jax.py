"""The trainer on Keras's JAX backend (for a GPU machine without TensorFlow).

The JAX runs are made by the session's JAX worker (a process with KERAS_BACKEND=jax on the CPU,
tests/support.py); their run folders are then read here, on the TensorFlow backend, as later
stages (export, the app) will read them.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.support import (
    fork_at,
    losses,
    make_images,
    tensorboard_scalars,
    tiny_command,
    train_tiny,
)


def train_on_jax(jax_worker, kind: str, data: Path, out: Path, *extra: str) -> Path:
    jax_worker.train(*tiny_command(kind, data, out, *extra))
    return out


def resume_on_jax(jax_worker, kind: str, run: Path, steps: int) -> Path:
    jax_worker.train(kind, "--resume", str(run), "--steps", str(steps))
    return run


@pytest.fixture(scope="module")
def jax_gan_run(jax_worker, tiny_npz, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("jax") / "gan"
    return train_on_jax(jax_worker, "gan", tiny_npz, out, "--steps", "6", "--checkpoint-every", "3")


@pytest.mark.slow
def test_jax_gan_run_folder_is_complete_and_loads_on_tensorflow(jax_gan_run):
    import keras

    from latentwalk.core.images import make_grid
    from latentwalk.core.latent import seeds_to_latents

    run = jax_gan_run
    assert json.loads((run / "config.json").read_text())["kind"] == "gan"
    records = losses(run, "d_loss", "g_loss")
    assert [r["step"] for r in records] == [1, 2, 3, 4, 5, 6]
    assert all(0 < r["d_loss"] < 5 and 0 < r["g_loss"] < 5 for r in records)
    assert sorted(p.name for p in (run / "checkpoints").glob("*.npz")) == [
        "ckpt-0000003.npz",
        "ckpt-0000006.npz",
    ]
    assert keras.backend.backend() == "tensorflow"
    generator = keras.saving.load_model(run / "generator.keras", compile=False)
    images = np.asarray(generator(seeds_to_latents(range(16)), training=False))
    assert images.shape == (16, 32, 32, 3) and images.min() >= -1 and images.max() <= 1
    # The saved model is the one that drew the last grid: the JAX steps' new weights were
    # written back into the Keras variables.
    saved = np.asarray(Image.open(run / "samples" / "latest.png"))
    assert np.abs(make_grid(images, columns=8).astype(int) - saved.astype(int)).max() <= 1


@pytest.mark.slow
def test_jax_run_writes_tensorboard_scalars_without_tensorflow(jax_gan_run):
    logged = tensorboard_scalars(jax_gan_run / "tensorboard", "d_loss")
    assert [step for step, _ in logged] == [1, 2, 3, 4, 5, 6]
    expected = [r["d_loss"] for r in losses(jax_gan_run, "d_loss")]
    np.testing.assert_allclose([value for _, value in logged], expected, rtol=1e-6)


@pytest.mark.slow
def test_jax_resume_continues_the_same_trajectory(jax_worker, jax_gan_run, tmp_path):
    # Dropout stays on: its random state is in the checkpoint, so the masks repeat too.
    run = resume_on_jax(jax_worker, "gan", fork_at(jax_gan_run, 3, tmp_path / "forked"), 6)
    straight = losses(jax_gan_run, "d_loss", "g_loss")
    resumed = losses(run, "d_loss", "g_loss")
    assert [r["step"] for r in resumed] == [1, 2, 3, 4, 5, 6]
    for a, b in zip(resumed[3:], straight[3:], strict=True):
        assert a["d_loss"] == pytest.approx(b["d_loss"], rel=1e-5)
        assert a["g_loss"] == pytest.approx(b["g_loss"], rel=1e-5)


@pytest.mark.slow
def test_tensorflow_checkpoint_continues_on_jax_with_the_same_losses(
    jax_worker, tiny_npz, tmp_path
):
    """Same labels, label noise, step order and frozen discriminator on both backends: from the
    same weights and batches, the JAX steps give the TensorFlow steps' losses. Dropout is off
    because each backend draws its masks from its own random number generator."""
    options = ("--steps", "6", "--checkpoint-every", "3", "--dropout", "0")
    tf_run = train_tiny("gan", tiny_npz, tmp_path / "tf", *options)
    run = resume_on_jax(jax_worker, "gan", fork_at(tf_run, 3, tmp_path / "jax"), 6)
    on_tf, on_jax_ = losses(tf_run, "d_loss", "g_loss"), losses(run, "d_loss", "g_loss")
    assert [r["step"] for r in on_jax_] == [1, 2, 3, 4, 5, 6]
    for a, b in zip(on_jax_[3:], on_tf[3:], strict=True):
        assert a["d_loss"] == pytest.approx(b["d_loss"], rel=1e-5)
        assert a["g_loss"] == pytest.approx(b["g_loss"], rel=1e-5)


@pytest.mark.slow
def test_jax_vae_run_loads_on_tensorflow_and_matches_its_steps(jax_worker, tiny_npz, tmp_path):
    import keras

    from latentwalk.train.data import to_model_range

    options = ("--steps", "6", "--checkpoint-every", "3")
    tf_run = train_tiny("vae", tiny_npz, tmp_path / "tf", *options)
    run = train_on_jax(jax_worker, "vae", tiny_npz, tmp_path / "jax", *options)
    records = losses(run, "loss", "reconstruction", "kl", "kl_weight")
    assert [r["step"] for r in records] == [1, 2, 3, 4, 5, 6]
    encoder = keras.saving.load_model(run / "encoder.keras", compile=False)
    decoder = keras.saving.load_model(run / "decoder.keras", compile=False)
    z_mean, z_log_var = encoder(to_model_range(make_images(2)))
    images = np.asarray(decoder(z_mean))
    assert images.shape == (2, 32, 32, 3) and images.min() >= -1 and images.max() <= 1
    assert (run / "samples" / "latest.png").is_file()
    # From the TensorFlow run's step-3 checkpoint, JAX continues with TensorFlow's losses.
    forked = resume_on_jax(jax_worker, "vae", fork_at(tf_run, 3, tmp_path / "forked"), 6)
    on_tf, on_jax_ = losses(tf_run, "loss", "kl_weight"), losses(forked, "loss", "kl_weight")
    for a, b in zip(on_jax_[3:], on_tf[3:], strict=True):
        assert a["kl_weight"] == b["kl_weight"]
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)


def rebalance_probe() -> dict:
    """One compiled training step (the one the trainer runs) from the same state under changed
    Dropout rates and learning rate: the discriminator's loss and how far its first kernel moved
    (run on either backend). The generator's half of the step leaves the discriminator alone."""
    from latentwalk.train.config import DataConfig, make_config
    from latentwalk.train.gan_task import GANTask

    task = GANTask(make_config("gan", "tiny", {"dropout": 0.0}, DataConfig()))
    variables = task.variables()
    snapshot = {g: {key: np.array(v) for key, v in vs.items()} for g, vs in variables.items()}
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (8, 32, 32, 3)).astype(np.float32)
    latents = rng.standard_normal((8, 32)).astype(np.float32)
    noise = np.zeros((16, 1), np.float32)
    kernel_key = next(key for key in variables["discriminator"] if key.endswith("/kernel"))
    kernel = variables["discriminator"][kernel_key]

    def discriminator_step(learning_rate=None):
        for group, keyed in variables.items():
            for key, variable in keyed.items():
                variable.assign(snapshot[group][key])
        if learning_rate is not None:
            task.gan.d_optimizer.learning_rate.assign(learning_rate)
        loss = float(task.gan.train_step((real, latents, latents, noise))["d_loss"])
        return loss, float(np.abs(np.array(kernel) - snapshot["discriminator"][kernel_key]).sum())

    found = {"no_dropout": discriminator_step()}
    task.set_dropout(0.9)  # from 0: the layer must still have its random seed state
    found["high_dropout"] = discriminator_step()
    task.set_dropout(0.0)
    found["no_dropout_again"] = discriminator_step()
    found["half_rate"] = discriminator_step(task.config.d_learning_rate / 2)
    return found


def check_rebalance(found: dict) -> None:
    loss, moved = found["no_dropout"]
    assert found["no_dropout_again"] == pytest.approx([loss, moved], rel=1e-6)
    # A step still compiled with the old rate would give the same loss here.
    assert found["high_dropout"][0] != pytest.approx(loss, rel=1e-3)
    assert found["half_rate"][0] == pytest.approx(loss, rel=1e-6)  # the loss precedes the update
    # From fresh Adam moments each weight moves by the rate times the same factor: half the rate,
    # half the move.
    assert found["half_rate"][1] == pytest.approx(moved / 2, rel=1e-3)


@pytest.mark.slow
def test_jax_steps_see_a_new_dropout_rate_and_learning_rate(jax_worker):
    """Rebalancing changes Dropout's rate (read when a step is traced, so the step is compiled
    anew) and the discriminator's learning rate (an optimizer variable the step reads)."""
    check_rebalance(jax_worker.call("tests.test_train_jax:rebalance_probe"))


def test_tensorflow_steps_see_a_new_dropout_rate_and_learning_rate():
    check_rebalance(rebalance_probe())


def test_event_file_scalars_are_what_tensorboard_reads(tmp_path):
    from latentwalk.train.tensorboard_log import EventFileScalars

    folder = tmp_path / "tensorboard"
    writer = EventFileScalars(folder)
    writer.write(1, {"d_loss": 0.5, "g_loss": 2.0})
    writer.write(2, {"d_loss": 0.25, "g_loss": 3.0})
    assert tensorboard_scalars(folder, "g_loss") == [(1, 2.0), (2, 3.0)]  # flushed every step
    writer.close()
    # A resumed run, even within the same second, adds a file and keeps the first one.
    writer = EventFileScalars(folder)
    writer.write(3, {"d_loss": 0.125, "g_loss": 4.0})
    writer.close()
    assert len(list(folder.glob("events.out.tfevents.*"))) == 2
    assert tensorboard_scalars(folder, "g_loss") == [(1, 2.0), (2, 3.0), (3, 4.0)]


def test_without_a_tensorboard_writer_scalars_are_skipped_with_one_warning(
    tmp_path, monkeypatch, caplog
):
    from latentwalk.train import tensorboard_log

    def unavailable(folder):
        raise ImportError("No module named 'tensorboardX'")

    monkeypatch.setattr(tensorboard_log, "EventFileScalars", unavailable)
    with caplog.at_level(logging.WARNING):
        scalars = tensorboard_log.open_scalars(tmp_path / "tensorboard")
        scalars.write(1, {"d_loss": 0.5})
        scalars.close()
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "TensorBoard scalars are off" in caplog.text and "metrics.jsonl" in caplog.text
