"""The DCGAN trainer: architectures, the adversarial step, run folders, resume, Ctrl-C, balance."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latentwalk.train.balance import Balancer
from latentwalk.train.config import DataConfig, make_config
from tests.support import losses, tensorboard_scalars, tiny_command, train_tiny


def gan_config(preset, **overrides):
    return make_config("gan", preset, overrides, DataConfig())


def trainable_count(model):
    return sum(int(np.prod(v.shape)) for v in model.trainable_variables)


def test_book_preset_is_exactly_the_books_model():
    from latentwalk.train.gan import build_discriminator, build_generator

    config = gan_config("book")
    generator, discriminator = build_generator(config), build_discriminator(config)
    assert trainable_count(generator) == 6_264_579
    assert trainable_count(discriminator) == 790_913
    assert generator.output_shape == (None, 32, 32, 3)
    assert discriminator.output_shape == (None, 1)
    slopes = {layer.negative_slope for layer in generator.layers if "leaky" in layer.name}
    assert slopes == {0.3}
    assert (config.batch_size, config.steps, config.optimizer) == (20, 10_000, "rmsprop")
    assert (config.d_learning_rate, config.g_learning_rate, config.clipvalue) == (8e-4, 4e-4, 1.0)
    assert (config.dropout, config.label_noise, config.latent_dim) == (0.4, 0.05, 32)


def test_small_preset_is_cpu_sized_and_keeps_the_tricks():
    from keras import layers

    from latentwalk.train.gan import build_discriminator, build_generator

    config = gan_config("small")
    generator, discriminator = build_generator(config), build_discriminator(config)
    assert 0.7e6 < trainable_count(generator) < 0.9e6
    assert generator.output_shape == (None, 32, 32, 3)
    assert generator.layers[-1].activation.__name__ == "tanh"
    for layer in generator.layers + discriminator.layers:
        if isinstance(layer, (layers.Conv2D, layers.Conv2DTranspose)) and layer.strides[0] > 1:
            assert layer.kernel_size[0] % layer.strides[0] == 0, layer.name
        assert not isinstance(layer, (layers.MaxPooling2D, layers.AveragePooling2D))
    assert any(isinstance(layer, layers.Dropout) for layer in discriminator.layers)


def snapshot(model):
    return [np.array(v) for v in model.trainable_variables]


def changed(before, model):
    return any(
        not np.array_equal(a, np.array(b))
        for a, b in zip(before, model.trainable_variables, strict=True)
    )


def test_each_step_trains_only_its_own_model():
    from latentwalk.train.gan_task import GANTask

    task = GANTask(gan_config("tiny"))
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (8, 32, 32, 3)).astype(np.float32)
    latents = rng.standard_normal((8, 32)).astype(np.float32)
    noise = np.zeros((16, 1), np.float32)

    g_before, d_before = snapshot(task.generator), snapshot(task.discriminator)
    task.gan.discriminator_step(real, latents, noise)
    assert changed(d_before, task.discriminator)
    assert not changed(g_before, task.generator)

    g_before, d_before = snapshot(task.generator), snapshot(task.discriminator)
    task.gan.generator_step(latents)
    assert changed(g_before, task.generator)
    assert not changed(d_before, task.discriminator)  # frozen while the generator learns


def test_the_compiled_step_freezes_the_discriminator_while_the_generator_learns():
    """The trainer runs the compiled train_step, not the two steps above: with the
    discriminator's learning rate at 0, nothing in that step may move its weights."""
    from latentwalk.train.gan_task import GANTask

    task = GANTask(gan_config("tiny"))
    rng = np.random.default_rng(1)
    real = rng.uniform(-1, 1, (8, 32, 32, 3)).astype(np.float32)
    latents = rng.standard_normal((8, 32)).astype(np.float32)
    noise = np.zeros((16, 1), np.float32)
    task.gan.d_optimizer.learning_rate.assign(0.0)
    g_before, d_before = snapshot(task.generator), snapshot(task.discriminator)
    task.gan.train_step((real, latents, latents, noise))
    assert changed(g_before, task.generator)
    assert not changed(d_before, task.discriminator)


def read_metrics(run):
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def test_run_folder_is_complete(tiny_gan_run):
    run = tiny_gan_run
    config = json.loads((run / "config.json").read_text())
    assert config["kind"] == "gan" and config["preset"] == "tiny" and config["latent_dim"] == 32
    assert (run / "generator.keras").is_file()
    assert sorted(p.name for p in (run / "samples").glob("step_*.png")) == [
        "step_0000010.png",
        "step_0000020.png",
    ]
    grid = Image.open(run / "samples" / "latest.png")
    assert grid.size[0] > 100 and np.asarray(grid).std() > 1  # not blank
    records = [r for r in read_metrics(run) if "event" not in r]
    assert [r["step"] for r in records] == list(range(1, 21))
    assert {"d_loss", "g_loss", "images_per_s"} <= set(records[0])
    assert list((run / "checkpoints").glob("ckpt-0000020.npz"))
    logged = tensorboard_scalars(run / "tensorboard", "d_loss")
    assert logged == [(r["step"], pytest.approx(r["d_loss"], rel=1e-6)) for r in records]


def test_saved_generator_reproduces_the_sample_grid(tiny_gan_run):
    import keras

    from latentwalk.core.images import make_grid
    from latentwalk.core.latent import seeds_to_latents

    generator = keras.saving.load_model(tiny_gan_run / "generator.keras", compile=False)
    images = np.asarray(generator(seeds_to_latents(range(16)), training=False))
    assert images.min() >= -1 and images.max() <= 1
    saved = np.asarray(Image.open(tiny_gan_run / "samples" / "latest.png"))
    assert np.abs(make_grid(images, columns=8).astype(int) - saved.astype(int)).max() <= 1


def test_same_seed_same_first_losses(tiny_gan_run, tiny_npz, tmp_path):
    first = read_metrics(tiny_gan_run)[:3]  # the same seed, 20 steps
    second = read_metrics(train_tiny("gan", tiny_npz, tmp_path / "b", "--steps", "3"))
    other = read_metrics(train_tiny("gan", tiny_npz, tmp_path / "c", "--steps", "3", "--seed", "1"))
    losses = [[(r["d_loss"], r["g_loss"]) for r in m] for m in (first, second, other)]
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)
    assert not np.allclose(losses[0], losses[2])


def test_resume_continues_the_step_count_and_the_same_trajectory(tiny_gan_run, tiny_npz, tmp_path):
    straight = read_metrics(tiny_gan_run)  # 20 steps straight
    run = train_tiny("gan", tiny_npz, tmp_path / "split", "--steps", "10")
    from latentwalk.train.cli import main

    assert main(["gan", "--resume", str(run), "--steps", "20"]) == 0
    resumed = read_metrics(run)
    assert [r["step"] for r in resumed] == list(range(1, 21))
    np.testing.assert_allclose(
        [r["g_loss"] for r in resumed[10:]], [r["g_loss"] for r in straight[10:]], rtol=1e-3
    )
    # TensorBoard: a second event file for the resumed part, the first one kept.
    assert len(list((run / "tensorboard").glob("events.out.tfevents.*"))) == 2
    assert [step for step, _ in tensorboard_scalars(run / "tensorboard", "g_loss")] == list(
        range(1, 21)
    )


def ctrl_c() -> None:
    """What a terminal's Ctrl-C does: SIGINT to this process, handled before this returns."""
    signal.raise_signal(signal.SIGINT)


@pytest.fixture
def sigint_counter():
    """The trainer runs in this process and gets real signals: while the test runs, SIGINT has
    a handler of the test's own, so that a Ctrl-C the trainer fails to catch is counted here
    rather than stopping pytest. The trainer must put it back when it ends."""
    caught = []

    def count(signum, frame):
        caught.append(signum)

    previous = signal.signal(signal.SIGINT, count)
    try:
        yield count, caught
    finally:
        signal.signal(signal.SIGINT, previous)


def ctrl_c_at_step(monkeypatch, step: int, before: bool = False) -> None:
    """A Ctrl-C after (or just before) the trainer's ``step``-th training step."""
    from latentwalk.train.gan_task import GANTask

    real_step, done = GANTask.train_step, []

    def train_step(self, images, rng):
        done.append(1)
        if before and len(done) == step:
            ctrl_c()
        metrics = real_step(self, images, rng)
        if not before and len(done) == step:
            ctrl_c()
        return metrics

    monkeypatch.setattr(GANTask, "train_step", train_step)


def test_ctrl_c_saves_a_checkpoint_and_exits_cleanly(
    tiny_npz, tmp_path, monkeypatch, capsys, sigint_counter
):
    from latentwalk.train.cli import main

    ctrl_c_at_step(monkeypatch, 5)
    run = tmp_path / "run"
    options = ("--steps", "100000", "--checkpoint-every", "100000")
    assert main(tiny_command("gan", tiny_npz, run, *options)) == 130
    err = capsys.readouterr().err
    assert "Ctrl-C: finishing this step and saving a checkpoint" in err
    assert "Traceback" not in err and f"Continue with: python -m train gan --resume {run}" in err
    assert read_metrics(run)[-1] == {
        "step": 5,
        "event": "interrupted",
        "message": "stopped by Ctrl-C; checkpoint saved",
    }
    assert [p.name for p in (run / "checkpoints").iterdir()] == ["ckpt-0000005.npz"]
    handler, caught = sigint_counter
    assert caught == [] and signal.getsignal(signal.SIGINT) is handler


def test_a_second_ctrl_c_aborts_at_once_and_the_run_resumes_from_the_checkpoint_before(
    tiny_npz, tiny_gan_run, tmp_path, monkeypatch, capsys, sigint_counter
):
    """The first Ctrl-C asks for a checkpoint ("send it again to abort without saving"); an
    impatient second one, while that checkpoint is being written, stops at once: exit code 130
    and a sentence, not a traceback; the half-written file is never taken for a checkpoint, and
    the run resumes from the one before, on the uninterrupted run's trajectory."""
    from latentwalk.train import checkpoint
    from latentwalk.train.cli import main

    ctrl_c_at_step(monkeypatch, 5, before=True)
    real_write = checkpoint.write_file

    def write(path, data):
        real_write(path, data)
        if "0000005" in Path(path).name:  # written, not yet renamed to its checkpoint name
            ctrl_c()

    monkeypatch.setattr(checkpoint, "write_file", write)
    run = tmp_path / "run"
    with pytest.raises(SystemExit) as stop:
        main(tiny_command("gan", tiny_npz, run, "--checkpoint-every", "2"))
    assert stop.value.code == 130
    err = capsys.readouterr().err
    assert "(send it again to abort without saving)" in err and "Traceback" not in err
    assert err.rstrip().endswith("gan: aborted without saving this step")
    assert sorted(p.name for p in (run / "checkpoints").glob("ckpt-*")) == [
        "ckpt-0000002.npz",
        "ckpt-0000004.npz",
    ]
    assert not [r for r in read_metrics(run) if "event" in r]
    handler, caught = sigint_counter
    assert caught == [] and signal.getsignal(signal.SIGINT) is handler

    monkeypatch.undo()
    assert main(["gan", "--resume", str(run)]) == 0
    assert not list(run.rglob("*.tmp*"))
    resumed, straight = losses(run, "d_loss", "g_loss"), losses(tiny_gan_run, "d_loss", "g_loss")
    assert [r["step"] for r in resumed] == list(range(1, 21))
    np.testing.assert_allclose(
        [(r["d_loss"], r["g_loss"]) for r in resumed],
        [(r["d_loss"], r["g_loss"]) for r in straight],
        rtol=1e-5,
    )


def test_balancer_flags_a_dominating_discriminator():
    balancer = Balancer(window=10)
    found = [balancer.update(0.6, 1.0) for _ in range(10)]  # a balanced window
    found += [balancer.update(0.05, 4.0) for _ in range(10)]  # D collapses, G loss climbs
    assert found[:-1] == [None] * 19 and found[-1]["d_loss_mean"] == pytest.approx(0.05)
    steady = Balancer(window=10)
    assert all(steady.update(0.6, 1.0) is None for _ in range(50))


def test_auto_balance_lowers_d_learning_rate_raises_dropout_and_logs(tiny_npz, tmp_path):
    from latentwalk.train.gan_task import GANTask

    task = GANTask(gan_config("tiny", auto_balance=True, balance_window=10))
    events = []
    for step in range(1, 21):
        losses = {"d_loss": 0.6, "g_loss": 1.0} if step <= 10 else {"d_loss": 0.05, "g_loss": 5}
        events += task.after_step(step, losses)
    assert [e["event"] for e in events] == ["discriminator_dominating", "rebalance"]
    assert events[1]["d_learning_rate"] == pytest.approx(1e-4)
    assert task.dropout == pytest.approx(0.5)
    assert float(task.gan.d_optimizer.learning_rate) == pytest.approx(1e-4)
    dropout_layers = [x for x in task.discriminator.layers if x.name.startswith("dropout")]
    assert dropout_layers[0].rate == pytest.approx(0.5)
    rng = np.random.default_rng(0)
    task.train_step(rng.integers(0, 255, (8, 32, 32, 3), dtype=np.uint8), rng)  # still trains


def test_a_resumed_run_rebalances_at_the_step_the_uninterrupted_one_does(tmp_path):
    """The balance monitor's windows are in the checkpoint: a run resumed halfway through a
    window notices the dominating discriminator (and rebalances) at the same step."""
    from latentwalk.train import run as run_module
    from latentwalk.train.gan_task import GANTask

    def losses(step):
        return {"d_loss": 0.6, "g_loss": 1.0} if step <= 10 else {"d_loss": 0.05, "g_loss": 5.0}

    config = gan_config("tiny", auto_balance=True, balance_window=10)
    straight, killed = GANTask(config), GANTask(config)
    for step in range(1, 16):  # the first window closed, the second half full
        assert straight.after_step(step, losses(step)) == []
        killed.after_step(step, losses(step))
    (tmp_path / "checkpoints").mkdir()
    saved = run_module.save_checkpoint(killed, tmp_path, 15)
    resumed = GANTask(config)
    assert run_module.restore_checkpoint(resumed, saved) == 15
    for step in range(16, 31):
        expected = straight.after_step(step, losses(step))
        assert resumed.after_step(step, losses(step)) == expected, step
        if step == 20:
            assert [e["event"] for e in expected] == ["discriminator_dominating", "rebalance"]
    assert resumed.dropout == straight.dropout
    assert resumed.d_learning_rate == straight.d_learning_rate


def test_the_balance_monitors_state_survives_json():
    balancer = Balancer(window=10)
    for _ in range(14):
        balancer.update(0.6, 1.0)
    again = Balancer(window=10)
    again.load_state(json.loads(json.dumps(balancer.state())))
    assert again.state() == balancer.state()
    found = [again.update(0.05, 4.0) for _ in range(6)]
    assert found[:-1] == [None] * 5 and found[-1]["d_loss_mean_before"] == pytest.approx(0.6)


def test_rebalancing_never_raises_a_learning_rate_below_its_floor():
    """Halving stops at MIN_D_LEARNING_RATE, but a rate set below that floor stays put (it was
    raised to the floor: a "lower the rate" step that raised it)."""
    from latentwalk.train.gan_task import MIN_D_LEARNING_RATE, GANTask

    task = GANTask(gan_config("tiny", d_learning_rate=MIN_D_LEARNING_RATE / 2))
    assert task.rebalance()["d_learning_rate"] == pytest.approx(MIN_D_LEARNING_RATE / 2)
    assert float(task.gan.d_optimizer.learning_rate) == pytest.approx(MIN_D_LEARNING_RATE / 2)
    task = GANTask(gan_config("tiny", d_learning_rate=MIN_D_LEARNING_RATE * 1.5))
    assert task.rebalance()["d_learning_rate"] == pytest.approx(MIN_D_LEARNING_RATE)


def test_mixed_bfloat16_trains_and_saves_a_float32_generator(tiny_npz, tmp_path):
    import keras

    from latentwalk.core.images import make_grid
    from latentwalk.core.latent import seeds_to_latents

    run = train_tiny(
        "gan", tiny_npz, tmp_path / "bf16", "--steps", "3", "--precision", "mixed_bfloat16"
    )
    assert json.loads((run / "config.json").read_text())["precision"] == "mixed_bfloat16"
    losses = [r["g_loss"] for r in read_metrics(run)]
    assert len(losses) == 3 and all(np.isfinite(losses))
    generator = keras.saving.load_model(run / "generator.keras", compile=False)
    assert {layer.dtype_policy.name for layer in generator.layers} == {"float32"}
    images = np.asarray(generator(seeds_to_latents(range(16)), training=False))
    assert images.dtype == np.float32
    saved = np.asarray(Image.open(run / "samples" / "latest.png")).astype(int)
    # the grid was drawn in bfloat16 (about 3 significant digits), the saved model is float32
    assert np.abs(make_grid(images, columns=8).astype(int) - saved).max() <= 6


def test_precision_auto_resolves_from_the_hardware_and_is_recorded(monkeypatch):
    from latentwalk.train import hardware
    from latentwalk.train.gan_task import GANTask

    assert gan_config("small").precision == "auto"  # the default
    assert gan_config("book").precision == "float32"  # the book's, exactly
    monkeypatch.setattr(hardware, "cpu_flags", lambda: {"avx2", "amx_bf16", "avx512_bf16"})
    task = GANTask(gan_config("tiny", precision="auto"))
    assert task.config.precision == "mixed_bfloat16"
    assert task.generator.dtype_policy.name == "mixed_bfloat16"
    assert task.config.precision_detected == "auto: CPU with amx_bf16, avx512_bf16"
    monkeypatch.setattr(hardware, "cpu_flags", lambda: {"avx2", "fma"})
    task = GANTask(gan_config("tiny", precision="auto"))
    assert task.config.precision == "float32"
    assert "without AMX-BF16 or AVX512-BF16" in task.config.precision_detected
    # A chosen precision is kept as chosen, whatever the hardware.
    assert GANTask(gan_config("tiny", precision="mixed_bfloat16")).config.precision_detected == ""


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    from latentwalk.train.hardware import cpu_flags

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 amx_bf16 avx512_bf16\n\n")
    assert cpu_flags(cpuinfo) == {"fpu", "sse2", "amx_bf16", "avx512_bf16"}
    assert cpu_flags(tmp_path / "missing") == set()


def test_mixed_bfloat16_computes_only_matrix_products_in_bfloat16():
    """Convolutions and dense layers in bfloat16 (AMX), the element-wise layers in float32 (no
    fast bfloat16 kernels on CPUs; benchmarks/train_throughput.py)."""
    import keras

    from latentwalk.train.gan_task import GANTask

    task = GANTask(gan_config("tiny", precision="mixed_bfloat16", spectral_norm=True))
    products = (keras.layers.Conv2D, keras.layers.Conv2DTranspose, keras.layers.Dense)
    elementwise = (keras.layers.BatchNormalization, keras.layers.LeakyReLU, keras.layers.Dropout)
    seen = set()
    for model in (task.generator, task.discriminator):
        for layer in model._flatten_layers(include_self=False):
            if isinstance(layer, (*products, keras.layers.SpectralNormalization)):
                assert layer.compute_dtype == "bfloat16", layer.name
                seen.add("product")
            elif isinstance(layer, elementwise):
                assert layer.compute_dtype == "float32", layer.name
                seen.add("elementwise")
            assert layer.variable_dtype == "float32"
    assert seen == {"product", "elementwise"}


def test_a_run_from_before_shared_fakes_resumes_the_way_it_trained(tmp_path):
    from latentwalk.train import config as config_module

    config = gan_config("small")
    assert config.shared_fakes
    config_module.save(config, tmp_path)
    values = json.loads((tmp_path / "config.json").read_text())
    del values["shared_fakes"]  # written before the option existed: new latents every update
    (tmp_path / "config.json").write_text(json.dumps(values))
    assert config_module.load(tmp_path).shared_fakes is False
