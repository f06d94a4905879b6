"""Plugs the DCGAN into the shared training loop: batches, noise, rebalancing, final model."""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np

from ..core.latent import seeds_to_latents
from ..core.layout import run_model_path
from .augment import draw_params, parse_policy
from .balance import Balancer
from .checkpoint import model_variables, optimizer_variables, prefixed
from .config import GANConfig
from .data import to_model_range
from .gan import GAN, build_discriminator, build_generator, make_optimizer
from .hardware import resolve_precision
from .parallel import building_scope

MIN_D_LEARNING_RATE = 1e-6
MAX_DROPOUT = 0.7
# Latents for the EMA generator's batch-norm statistics (BigGAN's "standing statistics").
STANDING_SAMPLES = 2048


def learning_rate_factor(step: int, steps: int, decay: float) -> float:
    """The factor on both learning rates for step ``step`` (from 0) of ``steps``: 1, then
    linearly down to zero over the last ``decay`` fraction of the steps (--lr-decay)."""
    start = steps * (1 - decay)
    if decay == 0 or step < start:
        return 1.0
    return max(0.0, (steps - step) / (steps - start))


def top_k_fraction(step: int, steps: int, final: float) -> float:
    """--top-k's fraction for step ``step`` of ``steps``: the whole batch at first, falling
    linearly to ``final`` over the first quarter of the run, in eighths (each change recompiles
    the step). Early on the discriminator's verdicts say little, so every fake counts. Sinha et
    al. multiply k by 0.99 an epoch; on the 5,000 frogs at batch 64 that reaches half the batch
    after 5,400 steps, about the first quarter of a 22,000-step run."""
    if final >= 1:
        return 1.0
    progress = step / max(1.0, steps / 4)
    if progress >= 1:
        return final
    return max(final, math.ceil((1 - (1 - final) * progress) * 8 - 1e-9) / 8)


def save_model_atomically(model: keras.Model, path: Path) -> None:
    """Keras needs the .keras suffix, so the temporary file keeps it."""
    temporary = path.with_name(f".{path.stem}.tmp.keras")
    model.save(temporary)
    temporary.replace(path)


@contextmanager
def dtype_policy(name: str):
    """Build layers under Keras's dtype policy ``name`` (variables stay float32)."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


MATMUL_LAYERS = (keras.layers.Conv2D, keras.layers.Conv2DTranspose, keras.layers.Dense)


def elementwise_in_float32(model: keras.Model) -> keras.Model:
    """Under mixed bfloat16, leave bfloat16 to the convolutions and dense layers (and the
    wrappers around them) and compute batch norm, LeakyReLU, dropout and the rest in float32.

    On CPUs, oneDNN runs bfloat16 convolutions on AMX, while TensorFlow's element-wise kernels
    have no fast bfloat16 path: with every layer in bfloat16 the small preset's step took 1.24x
    as long as with this split (both side by side in one process on 2 AMX cores, 2026-11-27),
    and was no more precise.
    """
    for layer in model.layers:
        wraps_matmul = isinstance(getattr(layer, "layer", None), MATMUL_LAYERS)
        if not isinstance(layer, MATMUL_LAYERS) and not wraps_matmul:
            layer.dtype_policy = keras.DTypePolicy("float32")
    return model


def float32_copy(model: keras.Model, build) -> keras.Model:
    """The same model computing in float32 (what TF.js and the app need), same weights."""
    with dtype_policy("float32"):
        copy = build()
    copy.set_weights(model.get_weights())
    return copy


class GANTask:
    grid_columns = 8

    def __init__(self, config: GANConfig, replicas=None):
        """``replicas``: train data-parallel on them (train/parallel.py), None for one device."""
        keras.utils.set_random_seed(config.seed)
        if config.precision == "auto":  # what config.json will say: the outcome, and why
            precision, why = resolve_precision(config.precision)
            config = replace(config, precision=precision, precision_detected=why)
        self.config = config
        self.replicas = replicas
        # Data-parallel, the trained models and their optimizers are built in the replicas'
        # scope (replicated or mirrored variables); the EMA generator is not trained by the step.
        synchronized = replicas is not None and replicas.synchronized_batch_norm
        with building_scope(replicas):
            with dtype_policy(config.precision):
                self.generator = build_generator(config, synchronized)
                self.discriminator = build_discriminator(config)
            if config.precision == "mixed_bfloat16":
                elementwise_in_float32(self.generator)
                elementwise_in_float32(self.discriminator)
            self.gan = GAN(
                self.discriminator,
                self.generator,
                config.latent_dim,
                config.loss,
                shared_fakes=config.shared_fakes,
            )
        self.augmentation = parse_policy(config.diffaugment)
        # The generator that is sampled and saved: an exponential moving average of the trained
        # one's weights when --ema-decay is set (Karras et al.; Yazıcı et al. 2019), else itself.
        self.ema_generator = None
        if config.ema_decay > 0:
            with dtype_policy("float32"):
                self.ema_generator = build_generator(config)
            self.ema_generator.set_weights(self.generator.get_weights())
        self._ema_statistics_stale = True
        with building_scope(replicas):
            self.gan.compile(
                d_optimizer=make_optimizer(config, config.d_learning_rate),
                g_optimizer=make_optimizer(config, config.g_learning_rate),
                jit_compile=config.jit_compile,
                replicas=replicas,
            )
        self.dropout = config.dropout
        # The discriminator's learning rate before --lr-decay's factor (halved by rebalancing).
        self.d_learning_rate = config.d_learning_rate
        self.balancer = Balancer(window=config.balance_window)
        self.sample_latents = seeds_to_latents(range(config.num_sample_seeds), config.latent_dim)

    def variables(self) -> dict[str, dict[str, keras.Variable]]:
        """Every variable a checkpoint keeps, by group and stable key (train/checkpoint.py)."""
        generator = model_variables(self.generator)
        discriminator = model_variables(self.discriminator)
        variables = {
            "generator": generator,
            "discriminator": discriminator,
            "d_optimizer": optimizer_variables(
                self.gan.d_optimizer, prefixed("discriminator", discriminator)
            ),
            "g_optimizer": optimizer_variables(
                self.gan.g_optimizer, prefixed("generator", generator)
            ),
        }
        if self.ema_generator is not None:
            variables["ema_generator"] = model_variables(self.ema_generator)
        return variables

    def update_ema(self, step: int) -> None:
        """ema = d * ema + (1 - d) * weights for the trainable weights, with d ramped up as
        (1 + step) / (10 + step): a fixed 0.999 from step 0 averages in the untrained early
        weights for thousands of steps (measured far worse than the raw generator over a
        3,000-step run). Batch-norm statistics are not averaged: they are recomputed for the
        averaged weights before the EMA generator is used (``sampled_generator``)."""
        decay = min(self.config.ema_decay, (1 + step) / (10 + step))
        for average, current in zip(
            self.ema_generator.trainable_weights, self.generator.trainable_weights, strict=True
        ):
            value = keras.ops.convert_to_numpy(current).astype(np.float32)
            average.assign(decay * keras.ops.convert_to_numpy(average) + (1 - decay) * value)
        self._ema_statistics_stale = True

    def refresh_ema_statistics(self) -> None:
        """Set the EMA generator's batch-norm moving statistics to the batch statistics its own
        averaged weights produce on STANDING_SAMPLES fixed latents. The averaged raw generator's
        running statistics belong to other weights: averaging them (what an EMA of every weight
        does) gives layers normalised with the wrong mean and variance."""
        norms = [
            layer
            for layer in self.ema_generator.layers
            if isinstance(layer, keras.layers.BatchNormalization)
        ]
        latents = np.random.default_rng([self.config.seed, STANDING_SAMPLES]).standard_normal(
            (STANDING_SAMPLES, self.config.latent_dim), dtype=np.float32
        )
        momenta = [layer.momentum for layer in norms]
        try:
            for layer in norms:
                layer.momentum = 0.0  # moving statistic := this batch's statistic
            self.ema_generator(latents, training=True)
        finally:
            for layer, momentum in zip(norms, momenta, strict=True):
                layer.momentum = momentum
        self._ema_statistics_stale = False

    @property
    def sampled_generator(self) -> keras.Model:
        if self.ema_generator is None:
            return self.generator
        if self._ema_statistics_stale:
            self.refresh_ema_statistics()
        return self.ema_generator

    def train_step(self, real_images: np.ndarray, rng: np.random.Generator) -> dict:
        batch, latent_dim = len(real_images), self.config.latent_dim
        d_latents = rng.standard_normal((batch, latent_dim), dtype=np.float32)
        g_latents = rng.standard_normal((batch, latent_dim), dtype=np.float32)
        # The book adds 0.05 * U(0, 1) to every label; with label 1 for "generated" that pushes
        # targets above 1, where a logit loss can fall below zero. Same magnitude, pointed inward.
        noise = (self.config.label_noise * rng.random((2 * batch, 1))).astype(np.float32)
        noise[:batch] *= -1.0
        data = (to_model_range(real_images), d_latents, g_latents, noise)
        if self.augmentation:  # DiffAugment's random transforms, drawn here to stay repeatable
            data += (
                draw_params(self.augmentation, 2 * batch, rng),
                draw_params(self.augmentation, batch, rng),
            )
        config = self.config
        schedules = config.lr_decay or config.top_k < 1 or config.pr_lambda != 1
        scheduled = self.apply_schedules() if schedules else {}
        out = self.gan.train_step(data)
        return {key: float(value) for key, value in out.items()} | scheduled

    def apply_schedules(self) -> dict:
        """Set the step about to run's learning rates (--lr-decay), top-k fraction (--top-k)
        and --pr-lambda (from --pr-start on), and return them for the log. The step is the
        discriminator optimizer's count of updates, so a resumed run follows its own schedules,
        with the --steps it now has."""
        config = self.config
        step = int(keras.ops.convert_to_numpy(self.gan.d_optimizer.iterations))
        scheduled = {}
        if config.lr_decay:
            factor = learning_rate_factor(step, config.steps, config.lr_decay)
            self.gan.g_optimizer.learning_rate.assign(config.g_learning_rate * factor)
            self.gan.d_optimizer.learning_rate.assign(self.d_learning_rate * factor)
            scheduled["learning_rate_factor"] = factor
        if config.top_k < 1:
            fraction = top_k_fraction(step, config.steps, config.top_k)
            if fraction != self.gan.top_k:
                self.gan.top_k = fraction
                self.gan.retrace()
            scheduled["top_k"] = fraction
        if config.pr_lambda != 1:
            # The first step at or past the fraction; the tolerance keeps a fraction written as
            # AT / STEPS (experiments/gan_branches.sh) from rounding up to the step after AT.
            start = math.ceil(config.pr_start * config.steps - 1e-6)
            value = config.pr_lambda if step >= start else 1.0
            if value != self.gan.pr_lambda:
                self.gan.pr_lambda = value
                self.gan.retrace()
            scheduled["pr_lambda"] = value
        return scheduled

    def after_step(self, step: int, metrics: dict) -> list[dict]:
        if self.ema_generator is not None:
            self.update_ema(step)
        found = self.balancer.update(metrics["d_loss"], metrics["g_loss"])
        if found is None:
            return []
        events = [
            {
                "event": "discriminator_dominating",
                **found,
                "message": (
                    f"the discriminator is dominating (D loss {found['d_loss_mean']:.3f}, adversarial "
                    f"loss {found['g_loss_mean']:.3f} and climbing)"
                    + ("" if self.config.auto_balance else "; consider --auto-balance")
                ),
            }
        ]
        if self.config.auto_balance:
            events.append(self.rebalance())
        return events

    def rebalance(self) -> dict:
        """Lower the discriminator's learning rate and raise its dropout."""
        # Halve the rate before --lr-decay's factor (never raising one already below the floor).
        learning_rate = max(
            self.d_learning_rate * 0.5, min(MIN_D_LEARNING_RATE, self.d_learning_rate)
        )
        self.d_learning_rate = learning_rate
        if not self.config.lr_decay:  # else the next step applies it, with the factor
            self.gan.d_optimizer.learning_rate.assign(learning_rate)
        self.set_dropout(min(self.dropout + 0.1, MAX_DROPOUT))
        return {
            "event": "rebalance",
            "d_learning_rate": learning_rate,
            "dropout": self.dropout,
            "message": f"rebalanced: D learning rate {learning_rate:.2e}, "
            f"dropout {self.dropout:.2f}",
        }

    def set_dropout(self, rate: float) -> None:
        self.dropout = rate
        for layer in self.discriminator.layers:
            if isinstance(layer, keras.layers.Dropout):
                layer.rate = rate
        self.gan.retrace()  # the compiled step read the old rate when it was traced

    def extra_state(self) -> dict:
        return {
            "dropout": self.dropout,
            "d_learning_rate": self.d_learning_rate,
            "balancer": self.balancer.state(),
        }

    def load_extra_state(self, state: dict) -> None:
        # Checkpoints from before the monitor's state was kept start it afresh.
        self.balancer.load_state(state.get("balancer", {}))
        if state.get("dropout", self.dropout) != self.dropout:
            self.set_dropout(state["dropout"])
        if "d_learning_rate" in state:
            self.d_learning_rate = float(state["d_learning_rate"])
        else:  # saved before --lr-decay existed: the optimizer's rate is the (rebalanced) rate
            # Through NumPy: float() of a variable mirrored by tf.distribute fails.
            self.d_learning_rate = float(
                keras.ops.convert_to_numpy(self.gan.d_optimizer.learning_rate)
            )

    def generate(self, latents: np.ndarray) -> np.ndarray:
        """Images in [-1, 1], float32, for a batch of latents."""
        images = self.sampled_generator(latents, training=False)
        return np.asarray(keras.ops.convert_to_numpy(images), dtype=np.float32)

    def sample_images(self) -> np.ndarray:
        images = self.sampled_generator(self.sample_latents, training=False)
        return np.asarray(keras.ops.convert_to_numpy(images), dtype=np.float32)

    def save_final(self, run_dir: Path) -> None:
        if self.ema_generator is not None:  # already float32
            save_model_atomically(self.sampled_generator, run_model_path(run_dir, "generator"))
            return
        generator = self.generator
        # A synchronized batch norm loads on TensorFlow only: the saved generator is a plain one.
        synchronized = self.replicas is not None and self.replicas.synchronized_batch_norm
        if self.config.precision != "float32" or synchronized:
            generator = float32_copy(generator, lambda: build_generator(self.config))
        save_model_atomically(generator, run_model_path(run_dir, "generator"))
