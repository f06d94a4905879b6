"""The GAN's quality options: upsampling, DiffAugment, spectral norm, hinge loss, EMA of the
generator's weights; each off by default, each on both Keras backends, repeatable and resumable."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from latentwalk.train import augment
from latentwalk.train.checkpoint import model_variables
from latentwalk.train.config import ConfigError, DataConfig, make_config
from latentwalk.train.gan import build_generator
from tests.support import fork_at, losses, tiny_command, train_tiny

ALL_OPTIONS = (
    "--upsample", "resize", "--diffaugment", "translation,cutout,color", "--spectral-norm",
    "--loss", "hinge", "--ema-decay", "0.9",
)  # fmt: skip


def gan_config(preset="tiny", **overrides):
    return make_config("gan", preset, overrides, DataConfig())


def conv_flops(model: keras.Model) -> int:
    """Multiply-adds x 2 of the convolutions and dense layers of ``model``, per image."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2DTranspose):
            _, h, w, c_in = layer.input.shape
            total += h * w * layer.kernel_size[0] * layer.kernel_size[1] * c_in * layer.filters
        elif isinstance(layer, keras.layers.Conv2D):
            _, h, w, _ = layer.output.shape
            c_in = layer.input.shape[-1]
            total += h * w * layer.kernel_size[0] * layer.kernel_size[1] * c_in * layer.filters
        elif isinstance(layer, keras.layers.Dense):
            total += layer.input.shape[-1] * layer.units
    return 2 * total


@pytest.mark.parametrize("upsample", ["transpose", "subpixel", "resize"])
def test_every_upsampling_keeps_the_generator_contract(upsample):
    generator = build_generator(gan_config("small", upsample=upsample, generator_width=160))
    assert tuple(generator.input.shape) == (None, 32)
    assert tuple(generator.output.shape) == (None, 32, 32, 3)
    images = np.asarray(generator(np.random.default_rng(0).standard_normal((4, 32))))
    assert images.min() >= -1 and images.max() <= 1
    # Cheap enough for the browser: at most 60 MFLOP an image at width 160.
    assert conv_flops(generator) <= 60e6, conv_flops(generator)


def test_the_small_preset_is_unchanged_by_the_new_options():
    """Every quality option is off by default, so the small preset builds the generator it
    built before they existed (the README's "previous small GAN generator", since replaced by
    quality-cpu's as the shipped GAN): the same size and cost."""
    generator = build_generator(gan_config("small"))
    assert generator.count_params() == 837_347
    assert 50e6 < conv_flops(generator) < 54e6  # ~52 MFLOP, as documented


def test_translation_moves_pixels_and_fills_with_zeros():
    images = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3)).astype(np.float32)
    params = {
        "rows": augment.shift_matrices(np.array([3, -2]), 32),
        "cols": augment.shift_matrices(np.array([0, 4]), 32),
    }
    out = np.asarray(augment.apply(images, params))
    np.testing.assert_allclose(out[0, 3:], images[0, :-3], atol=1e-6)
    assert np.all(out[0, :3] == 0)
    np.testing.assert_allclose(out[1, :-2, 4:], images[1, 2:, :-4], atol=1e-6)
    assert np.all(out[1, -2:] == 0) and np.all(out[1, :, :4] == 0)


def test_drawn_augmentations_are_repeatable_and_cover_the_policy():
    policy = augment.parse_policy("cutout, color,translation")
    assert policy == ("color", "translation", "cutout")
    first = augment.draw_params(policy, 8, np.random.default_rng(1))
    second = augment.draw_params(policy, 8, np.random.default_rng(1))
    assert set(first) == {"brightness", "saturation", "contrast", "rows", "cols", "keep"}
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
    cut = 32 * 32 - first["keep"].reshape(8, -1).sum(axis=1)  # a square, clipped at the edges
    assert np.all((cut >= 7 * 7) & (cut <= 15 * 15)), cut
    images = np.zeros((8, 32, 32, 3), np.float32)
    assert augment.apply(images, None) is images
    assert augment.draw_params((), 8, np.random.default_rng(1)) is None


def test_augmentation_passes_gradients_to_the_generator():
    import tensorflow as tf

    params = augment.draw_params(augment.POLICIES, 2, np.random.default_rng(2))
    images = tf.Variable(np.random.default_rng(3).uniform(-1, 1, (2, 32, 32, 3)), dtype="float32")
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(augment.apply(images, params))
    gradient = tape.gradient(loss, images).numpy()
    assert np.any(gradient != 0) and np.all(np.isfinite(gradient))


def test_hinge_loss_values():
    from latentwalk.train.gan import GAN

    gan = GAN(None, None, 32, loss="hinge")
    labels = np.array([[1.0], [0.0]], np.float32)  # generated, real
    assert float(gan.discriminator_loss(labels, np.array([[2.0], [-2.0]]))) == 0.0
    assert float(gan.discriminator_loss(labels, np.array([[0.0], [0.0]]))) == 1.0
    assert float(gan.generator_loss(None, np.array([[1.0], [3.0]]))) == 2.0


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"diffaugment": "translation,blur"}, "unknown --diffaugment policy blur"),
        ({"ema_decay": 1.0}, "--ema-decay"),
        ({"loss": "wasserstein"}, "--loss"),
        ({"lr_decay": 1.5}, "--lr-decay"),
        ({"lr_decay": -0.1}, "--lr-decay"),
        ({"top_k": 0.0}, "--top-k"),
        ({"top_k": 1.5}, "--top-k"),
        ({"pr_lambda": 0.0}, "--pr-lambda must be a positive"),
        ({"pr_lambda": float("inf")}, "--pr-lambda must be a positive"),
        ({"pr_lambda": 4.0, "loss": "hinge"}, "--pr-lambda needs --loss bce"),
        ({"pr_start": 1.0}, "--pr-start"),
        ({"pr_start": -0.5}, "--pr-start"),
    ],
)
def test_bad_options_are_refused(overrides, message):
    with pytest.raises(ConfigError, match=message):
        gan_config(**overrides)


def test_the_book_generator_keeps_its_transposed_convolution():
    with pytest.raises(ConfigError, match="book"):
        gan_config("book", upsample="resize")


def test_ema_generator_is_what_is_sampled_and_saved(tiny_npz, tmp_path):
    from latentwalk.train.gan_task import GANTask

    task = GANTask(gan_config(ema_decay=0.9))
    before = [np.array(w) for w in task.ema_generator.trainable_weights]
    rng = np.random.default_rng(0)
    task.train_step(rng.integers(0, 255, (8, 32, 32, 3), dtype=np.uint8), rng)
    task.after_step(1, {"d_loss": 0.7, "g_loss": 0.7})  # ramp: decay min(0.9, 2 / 11)
    trained = [np.array(w) for w in task.generator.trainable_weights]
    averaged = [np.array(w) for w in task.ema_generator.trainable_weights]
    for average, old, new in zip(averaged, before, trained, strict=True):
        np.testing.assert_allclose(average, 2 / 11 * old + 9 / 11 * new, rtol=1e-5, atol=1e-6)
    run = train_tiny("gan", tiny_npz, tmp_path / "ema", "--ema-decay", "0.9")
    saved = keras.saving.load_model(run / "generator.keras", compile=False)
    config = json.loads((run / "config.json").read_text())
    assert config["ema_decay"] == 0.9
    checkpoint = np.load(sorted((run / "checkpoints").glob("ckpt-*.npz"))[-1])
    trainable = {id(w) for w in saved.trainable_weights}
    for key, weight in model_variables(saved).items():
        if id(weight) in trainable:  # batch-norm statistics are recomputed, not averaged
            np.testing.assert_allclose(np.asarray(weight), checkpoint[f"ema_generator/{key}"])


def test_ema_generator_normalises_with_its_own_statistics():
    """The EMA generator's batch-norm statistics are those of its averaged weights (BigGAN's
    standing statistics), not an average of the raw generator's running statistics: in
    inference mode it draws what batch statistics would give on the same latents."""
    from latentwalk.train.gan_task import STANDING_SAMPLES, GANTask

    task = GANTask(gan_config(ema_decay=0.5))
    rng = np.random.default_rng(0)
    for step in range(1, 4):
        task.train_step(rng.integers(0, 255, (8, 32, 32, 3), dtype=np.uint8), rng)
        task.after_step(step, {"d_loss": 0.7, "g_loss": 0.7})
    generator = task.sampled_generator
    latents = np.random.default_rng([task.config.seed, STANDING_SAMPLES]).standard_normal(
        (STANDING_SAMPLES, task.config.latent_dim), dtype=np.float32
    )
    inference = keras.ops.convert_to_numpy(generator(latents, training=False))
    batch_statistics = keras.ops.convert_to_numpy(generator(latents, training=True))
    np.testing.assert_allclose(inference, batch_statistics, atol=2e-4)


def test_all_options_resume_on_the_same_trajectory(tiny_npz, tmp_path):
    from latentwalk.train.cli import main

    straight = train_tiny("gan", tiny_npz, tmp_path / "straight", *ALL_OPTIONS)
    split = train_tiny("gan", tiny_npz, tmp_path / "split", *ALL_OPTIONS, "--steps", "10")
    assert main(["gan", "--resume", str(split), "--steps", "20"]) == 0
    a, b = losses(straight, "d_loss", "g_loss"), losses(split, "d_loss", "g_loss")
    assert [r["step"] for r in b] == list(range(1, 21))
    np.testing.assert_allclose(
        [r["g_loss"] for r in b[10:]], [r["g_loss"] for r in a[10:]], rtol=1e-3, atol=1e-5
    )


def test_learning_rate_factor_decays_linearly_over_the_last_fraction():
    from latentwalk.train.gan_task import learning_rate_factor

    factors = [learning_rate_factor(step, 10, 0.5) for step in range(10)]
    assert factors == pytest.approx([1] * 6 + [0.8, 0.6, 0.4, 0.2])
    assert [learning_rate_factor(step, 4, 1.0) for step in range(4)] == [1, 0.75, 0.5, 0.25]
    assert {learning_rate_factor(step, 10, 0.0) for step in range(10)} == {1.0}


def test_top_k_fraction_falls_in_eighths_over_the_first_quarter():
    from latentwalk.train.gan_task import top_k_fraction

    assert [top_k_fraction(step, 20, 0.5) for step in range(7)] == [
        1,
        1,
        0.875,
        0.75,
        0.625,
        0.5,
        0.5,
    ]
    assert [top_k_fraction(step, 100, 0.3) for step in (0, 20, 24, 25, 99)] == [
        1,
        0.5,
        0.375,
        0.3,
        0.3,
    ]
    assert {top_k_fraction(step, 10, 1.0) for step in range(10)} == {1.0}


@pytest.mark.parametrize(
    "loss, expected", [("bce", np.log1p(np.exp([-1.0, 0.0])).mean()), ("hinge", -0.5)]
)
def test_top_k_generator_loss_counts_only_the_most_real_looking_fakes(loss, expected):
    from latentwalk.train.gan import GAN

    config = gan_config(loss=loss)
    gan = GAN(None, None, config.latent_dim, loss)
    logits = np.array([[3.0], [-1.0], [0.0], [2.0]], np.float32)  # high: "generated"
    targets = np.zeros((4, 1), np.float32)
    gan.top_k = 0.5
    assert float(gan.generator_loss(targets, logits)) == pytest.approx(expected, rel=1e-6)
    gan.top_k = 1.0
    assert float(gan.generator_loss(targets, logits)) != pytest.approx(expected, rel=1e-3)


def test_a_new_top_k_fraction_reaches_the_compiled_step():
    """The fraction is read when the step is traced: a change must recompile it. Two tasks with
    the same weights, one with --top-k 0.5 (the whole batch at step 0, half from step 1 of 4):
    the same generator loss at step 0, a lower one (its best half) at step 1."""
    from latentwalk.train.gan_task import GANTask

    tasks = [GANTask(gan_config(steps=4, top_k=0.5)), GANTask(gan_config(steps=4))]
    images = np.random.default_rng(1).integers(0, 255, (8, 32, 32, 3), dtype=np.uint8)
    found = []
    for task in tasks:
        found.append(
            [task.train_step(images, np.random.default_rng([0, step]))["g_loss"] for step in (0, 1)]
        )
    (top_k_0, top_k_1), (all_0, all_1) = found
    assert top_k_0 == pytest.approx(all_0, rel=1e-6)
    assert top_k_1 < all_1 - 1e-3


def test_pr_lambda_weights_each_fake_by_how_much_denser_the_model_is_than_the_data():
    """--pr-lambda: softplus(logit - log lambda) for every fake, so its gradient on a fake's logit
    (log q/p at the optimum) is 1 / (1 + lambda p/q): near 1 where the model is much denser
    than the data, small where it is less than lambda times as dense. The plain loss at 1."""
    import tensorflow as tf

    from latentwalk.train.gan import GAN

    gan = GAN(None, None, 32, "bce")
    logits = np.array([[4.0], [0.0], [-2.0]], np.float32)
    targets = np.zeros((3, 1), np.float32)
    plain = float(gan.generator_loss(targets, logits))
    assert plain == pytest.approx(np.log1p(np.exp(logits)).mean(), rel=1e-6)
    gan.pr_lambda = 8.0
    expected = np.log1p(np.exp(logits - np.log(8.0))).mean()
    assert float(gan.generator_loss(targets, logits)) == pytest.approx(expected, rel=1e-6)
    variable = tf.Variable(logits)
    with tf.GradientTape() as tape:
        loss = gan.generator_loss(targets, variable) * 3  # the sum's gradient
    weights = tape.gradient(loss, variable).numpy().ravel()
    ratio = np.exp(-logits.ravel())  # p/q
    np.testing.assert_allclose(weights, 1 / (1 + 8.0 * ratio), rtol=1e-5)
    assert weights[0] > 0.85 and weights[2] < 0.02  # q = 55 p pushed; q = p / 7 hardly


def test_pr_lambda_starts_at_pr_start_and_resumes_on_it(
    tiny_npz, tiny_gan_run, tmp_path, monkeypatch
):
    """The plain loss before --pr-start's step, the shifted one from it (logged as pr_lambda,
    the step recompiled), the same losses as a plain run up to then, and a run resumed after the
    switch continues on the same trajectory."""
    from latentwalk.train import run as run_module
    from latentwalk.train.cli import main

    monkeypatch.setattr(run_module, "CHECKPOINTS_KEPT", 100)
    plain = losses(tiny_gan_run, "g_loss")  # the same run without --pr-lambda
    run = train_tiny(
        "gan", tiny_npz, tmp_path / "pr", "--pr-lambda", "16", "--pr-start", "0.5",
        "--checkpoint-every", "1",
    )  # fmt: skip
    records = losses(run, "pr_lambda", "g_loss")
    assert [r["pr_lambda"] for r in records] == [1] * 10 + [16] * 10
    g_pr, g_plain = [r["g_loss"] for r in records], [r["g_loss"] for r in plain]
    np.testing.assert_allclose(g_pr[:10], g_plain[:10], rtol=1e-5)
    # Shifting the logit down by log 16 lowers the softplus at every fake.
    assert all(a < b for a, b in zip(g_pr[10:], g_plain[10:], strict=True))
    forked = fork_at(run, 13, tmp_path / "forked")
    assert main(["gan", "--resume", str(forked)]) == 0
    resumed = losses(forked, "pr_lambda", "g_loss")
    assert [r["pr_lambda"] for r in resumed] == [r["pr_lambda"] for r in records]
    np.testing.assert_allclose([r["g_loss"] for r in resumed[13:]], g_pr[13:], rtol=1e-5)


def test_schedules_run_as_logged_and_resume_on_them(tiny_npz, tmp_path, monkeypatch):
    """--lr-decay and --top-k: each step runs at its scheduled rates and top-k fraction (both
    logged), and a run resumed in the middle of the top-k ramp (which must recompile its step)
    continues on the same trajectory."""
    from latentwalk.train import run as run_module
    from latentwalk.train.cli import main

    monkeypatch.setattr(run_module, "CHECKPOINTS_KEPT", 100)
    run = train_tiny(
        "gan", tiny_npz, tmp_path / "straight", "--lr-decay", "0.5", "--top-k", "0.5",
        "--checkpoint-every", "1",
    )  # fmt: skip
    records = losses(run, "learning_rate_factor", "top_k", "g_loss")
    assert [r["learning_rate_factor"] for r in records] == pytest.approx(
        [1] * 11 + [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]
    )
    assert [r["top_k"] for r in records] == [1, 1, 0.875, 0.75, 0.625] + [0.5] * 15
    # The rates the optimizers hold after the last step: that step's, 0.1 of each rate.
    final = np.load(run / "checkpoints" / "ckpt-0000020.npz")
    rates = {key: float(final[key]) for key in final.files if key.endswith("/learning_rate")}
    assert sorted(rates.values()) == pytest.approx([2e-5, 2e-5])
    forked = fork_at(run, 3, tmp_path / "forked")
    assert main(["gan", "--resume", str(forked)]) == 0
    resumed = losses(forked, "top_k", "g_loss")
    assert [r["step"] for r in resumed] == list(range(1, 21))
    assert [r["top_k"] for r in resumed] == [r["top_k"] for r in records]
    np.testing.assert_allclose(
        [r["g_loss"] for r in resumed[3:]], [r["g_loss"] for r in records[3:]], rtol=1e-5
    )


def test_a_rebalance_during_lr_decay_keeps_the_halved_rate(tiny_npz, tmp_path):
    """--auto-balance halves the discriminator's rate before --lr-decay's factor: the schedule
    must not restore the configured rate, and a resume keeps the halved one."""
    from latentwalk.train.gan_task import GANTask

    config = gan_config(lr_decay=1.0, steps=4, auto_balance=True)
    task = GANTask(config)
    rng = np.random.default_rng(0)
    batch = rng.integers(0, 255, (8, 32, 32, 3), dtype=np.uint8)
    task.train_step(batch, rng)  # step 0 at factor 1
    task.rebalance()
    task.train_step(batch, rng)  # step 1 at factor 0.75
    d_rate = float(keras.ops.convert_to_numpy(task.gan.d_optimizer.learning_rate))
    g_rate = float(keras.ops.convert_to_numpy(task.gan.g_optimizer.learning_rate))
    assert d_rate == pytest.approx(config.d_learning_rate / 2 * 0.75)
    assert g_rate == pytest.approx(config.g_learning_rate * 0.75)
    fresh = GANTask(config)
    fresh.load_extra_state(task.extra_state())
    assert fresh.d_learning_rate == pytest.approx(config.d_learning_rate / 2)


@pytest.mark.slow
def test_all_options_train_on_jax_and_load_on_tensorflow(jax_worker, tiny_npz, tmp_path):
    run = tmp_path / "jax"
    jax_worker.train(*tiny_command(
        "gan", tiny_npz, run, *ALL_OPTIONS, "--lr-decay", "0.5", "--top-k", "0.5", "--steps", "6",
    ))  # fmt: skip
    records = losses(run, "learning_rate_factor", "top_k")
    assert [r["learning_rate_factor"] for r in records] == pytest.approx([1, 1, 1, 1, 2 / 3, 1 / 3])
    assert [r["top_k"] for r in records] == [1, 0.75, 0.5, 0.5, 0.5, 0.5]
    generator = keras.saving.load_model(run / "generator.keras", compile=False)
    images = np.asarray(generator(np.zeros((2, 32), np.float32)))
    assert images.shape == (2, 32, 32, 3) and np.all(np.isfinite(images))
    assert all(np.isfinite(r["d_loss"]) for r in losses(run, "d_loss"))


def test_the_quality_preset_is_a_browser_sized_resize_generator_with_diffaugment():
    config = gan_config("quality-cpu")
    assert (config.upsample, config.diffaugment) == ("resize", "translation,cutout,color")
    generator = build_generator(config)
    assert tuple(generator.output.shape) == (None, 32, 32, 3)
    assert conv_flops(generator) <= 60e6
    assert not any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in generator.layers)


def shared_fakes_difference() -> float:
    """One step with --shared-fakes against the book's two updates given the same latents for
    both (the generator's weights do not change between them, so its fakes are the same): the
    largest difference in the losses and in any trainable weight afterwards. (The book's loop
    runs the generator twice, so it also moves the batch-norm statistics twice.)"""
    from latentwalk.train.augment import draw_params, parse_policy
    from latentwalk.train.gan_task import GANTask

    policy = "translation,cutout,color"
    # Large learning rates, so that learning from the discriminator before its update would show.
    options = dict(diffaugment=policy, d_learning_rate=0.01, g_learning_rate=0.01)
    shared = GANTask(gan_config(shared_fakes=True, **options))
    books = GANTask(gan_config(shared_fakes=False, **options))
    books.generator.set_weights(shared.generator.get_weights())
    books.discriminator.set_weights(shared.discriminator.get_weights())
    rng = np.random.default_rng(0)
    differences = []
    for _ in range(2):  # Adam's first step is lr x sign(gradient): the second one sees sizes
        real = rng.uniform(-1, 1, (8, 32, 32, 3)).astype(np.float32)
        latents = rng.standard_normal((8, 32)).astype(np.float32)
        noise = (0.05 * rng.random((16, 1))).astype(np.float32)
        augmentation = (
            draw_params(parse_policy(policy), 16, rng),
            draw_params(parse_policy(policy), 8, rng),
        )
        unused = rng.standard_normal((8, 32)).astype(np.float32)  # g_latents: not read
        a = shared.gan.train_step((real, latents, unused, noise, *augmentation))
        b = books.gan.train_step((real, latents, latents, noise, *augmentation))
        differences += [abs(float(a[key]) - float(b[key])) for key in ("d_loss", "g_loss")]
    for model in ("generator", "discriminator"):
        for x, y in zip(
            getattr(shared, model).trainable_weights,
            getattr(books, model).trainable_weights,
            strict=True,
        ):
            differences.append(float(np.max(np.abs(np.asarray(x) - np.asarray(y)), initial=0)))
    return max(differences)


def test_shared_fakes_step_is_the_two_updates_on_one_batch_of_fakes():
    assert shared_fakes_difference() < 1e-5
    assert not gan_config("book").shared_fakes and gan_config("small").shared_fakes


@pytest.mark.slow
def test_shared_fakes_step_on_jax(jax_worker):
    assert jax_worker.call("tests.test_gan_options:shared_fakes_difference") < 1e-5
