"""Images per second of latentwalk's GAN training step against the book's own loop.

Variants of ours: the defaults (``--precision auto``: mixed bfloat16 where the hardware has
native bfloat16, else float32; no XLA), the defaults with XLA (``--jit``), and each precision
chosen explicitly. The machine's CPU features and what ``auto`` chose are printed with them.
Where the speed comes from, side by side in the same rounds: mixed bfloat16 with every layer in
bfloat16 (the trainer keeps batch norm, LeakyReLU and dropout in float32), one generator forward
pass shared by both updates (``--shared-fakes``) against new latents for the generator's update
(the book's), and the host's share of a step (drawing the batch, latents, label noise and
DiffAugment's parameters), in milliseconds.

The book's loop (Deep Learning with Python, section 8.5): ``generator.predict`` for the fakes,
``discriminator.train_on_batch`` on fakes + reals, then ``train_on_batch`` on a combined model
with the discriminator frozen. Both run the same architecture, batch and real images here, in
interleaved timed blocks of one process; the result is one JSON line with the ratio.

    python benchmarks/train_throughput.py [--preset small] [--data ZIP] [--steps 20] [--rounds 3] \\
        [--out benchmarks/results/train-throughput-small.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from dataclasses import replace
from types import SimpleNamespace
from unittest import mock

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np

from latentwalk.core.datasets import LOCAL_ZIP
from latentwalk.train import gan_task
from latentwalk.train.config import DataConfig, make_config
from latentwalk.train.data import load_images, to_model_range
from latentwalk.train.gan import build_discriminator, build_generator, make_optimizer
from latentwalk.train.gan_task import GANTask
from latentwalk.train.hardware import CPU_BF16_FLAGS, cpu_flags
from latentwalk.train.results_file import add_out_option, write_results


class BookLoop:
    """The book's training loop, ported to Keras 3 as literally as Keras 3 allows."""

    def __init__(self, config):
        self.config = config
        self.generator = build_generator(config)
        self.discriminator = build_discriminator(config)
        loss = keras.losses.BinaryCrossentropy(from_logits=True)
        self.discriminator.compile(make_optimizer(config, config.d_learning_rate), loss)
        # Keras 3 captures trainable variables when the step is first traced, so the
        # discriminator's own step is traced before it is frozen for the combined model.
        self._train_discriminator(
            np.zeros((config.batch_size, 32, 32, 3), np.float32), np.random.default_rng(0)
        )
        self.discriminator.trainable = False
        latent = keras.Input((config.latent_dim,))
        self.gan = keras.Model(latent, self.discriminator(self.generator(latent)))
        self.gan.compile(make_optimizer(config, config.g_learning_rate), loss)

    def _train_discriminator(self, real, rng):
        batch = len(real)
        latents = rng.standard_normal((batch, self.config.latent_dim)).astype(np.float32)
        generated = self.generator.predict(latents, verbose=0)
        images = np.concatenate([generated, real])
        labels = np.concatenate([np.ones((batch, 1)), np.zeros((batch, 1))])
        labels += self.config.label_noise * rng.random(labels.shape)
        return self.discriminator.train_on_batch(images, labels)

    def train_step(self, real_images, rng):
        real = to_model_range(real_images)
        d_loss = self._train_discriminator(real, rng)
        latents = rng.standard_normal((len(real), self.config.latent_dim)).astype(np.float32)
        g_loss = self.gan.train_on_batch(latents, np.zeros((len(real), 1)))
        return {"d_loss": float(d_loss), "g_loss": float(g_loss)}


def images_per_second(trainer, images, batch_size, steps, seed):
    rng = np.random.default_rng(seed)
    began = time.perf_counter()
    for _ in range(steps):
        trainer.train_step(images[rng.integers(0, len(images), batch_size)], rng)
    return batch_size * steps / (time.perf_counter() - began)


def all_layers_bfloat16(config) -> GANTask:
    """The trainer in mixed bfloat16 without its float32 element-wise layers: every layer
    computes in bfloat16 (what the trainer did before elementwise_in_float32)."""
    with mock.patch.object(gan_task, "elementwise_in_float32", lambda model: model):
        return GANTask(replace(config, precision="mixed_bfloat16"))


def batch_preparation_ms(task: GANTask, images, batch_size: int, steps: int) -> float:
    """Milliseconds a step spends on the host before the compiled step: GANTask.train_step's own
    code (the batch, latents, label noise, DiffAugment's parameters) with the step replaced by
    nothing."""
    host_only = SimpleNamespace(
        config=task.config,
        augmentation=task.augmentation,
        gan=SimpleNamespace(train_step=lambda data: {}),
        apply_schedules=dict,
    )
    rng = np.random.default_rng(0)
    began = time.perf_counter()
    for _ in range(steps):
        GANTask.train_step(host_only, images[rng.integers(0, len(images), batch_size)], rng)
    return round(1000 * (time.perf_counter() - began) / steps, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="small")
    parser.add_argument("--data", default=LOCAL_ZIP)
    parser.add_argument("--class", dest="class_name", default="frog")
    parser.add_argument("--steps", type=int, default=20, help="steps per timed block")
    parser.add_argument("--rounds", type=int, default=3, help="timed blocks per trainer")
    add_out_option(parser, "train-throughput-small.json")
    args = parser.parse_args()

    data = DataConfig(args.data, args.class_name)
    config = make_config("gan", args.preset, {}, data)
    images = load_images(data)
    defaults = GANTask(config)  # --precision auto, no XLA
    trainers = {
        "latentwalk": defaults,
        "latentwalk_xla": GANTask(replace(config, jit_compile=True)),
        "latentwalk_float32": GANTask(replace(config, precision="float32")),
        "latentwalk_mixed_bfloat16": GANTask(replace(config, precision="mixed_bfloat16")),
        "latentwalk_all_layers_bfloat16": all_layers_bfloat16(config),
        "latentwalk_shared_fakes": GANTask(replace(config, shared_fakes=True)),
        "latentwalk_new_latents": GANTask(replace(config, shared_fakes=False)),
        "book_loop": BookLoop(config),  # float32, as in the book
    }
    for trainer in trainers.values():  # warm-up: tracing and XLA compilation
        images_per_second(trainer, images, config.batch_size, 3, seed=0)
    rates: dict[str, list[float]] = {name: [] for name in trainers}
    for round_index in range(args.rounds):
        for name, trainer in trainers.items():
            rates[name].append(
                images_per_second(
                    trainer, images, config.batch_size, args.steps, seed=round_index + 1
                )
            )
    median = {name: statistics.median(values) for name, values in rates.items()}
    book = median["book_loop"]

    def per_round(faster: str, slower: str) -> list[float]:
        return [round(a / b, 3) for a, b in zip(rates[faster], rates[slower], strict=True)]

    results = {
        "benchmark": "train_throughput",
        "preset": args.preset,
        "batch_size": config.batch_size,
        "steps_per_block": args.steps,
        "rounds": args.rounds,
        "cpu_count": os.cpu_count(),
        "cpu_features": sorted(cpu_flags() & {"avx2", "avx512f", "amx_tile", *CPU_BF16_FLAGS}),
        "default_precision": defaults.config.precision,
        "default_precision_detected": defaults.config.precision_detected,
        "images_per_s": {name: round(value, 1) for name, value in median.items()},
        "ratio_to_book_loop": {
            name: round(value / book, 2) for name, value in median.items() if name != "book_loop"
        },
        "target_ratio": 2.0,
        # How much longer a step takes with every layer in bfloat16 than with the trainer's
        # split (element-wise layers in float32), and how much faster shared fakes are than new
        # latents for the generator's update: per round, same round's blocks.
        "all_layers_bfloat16_time_ratio": per_round(
            "latentwalk_mixed_bfloat16", "latentwalk_all_layers_bfloat16"
        ),
        "shared_fakes_speedup": per_round("latentwalk_shared_fakes", "latentwalk_new_latents"),
        "batch_preparation_ms": batch_preparation_ms(
            defaults, images, config.batch_size, 10 * args.steps
        ),
        "all_blocks": {n: [round(r, 1) for r in v] for n, v in rates.items()},
    }
    print(json.dumps(results))
    write_results(args.out, results)


if __name__ == "__main__":
    main()
