"""How far apart a GAN run's discriminator puts fakes and real images at one checkpoint: the
percentiles of its logits on each (plain and DiffAugmented, dropout off), and how unevenly the
generator's loss weights the fakes under --pr-lambda (the 95th over the 5th percentile of each
fake's weight 1 / (1 + lambda exp(-logit))). This is the measurement behind docs/experiments.md's
reading of the --pr-lambda branches: logits this close together weight every fake nearly alike.

    python experiments/discriminator_logits.py RUN [--step 16000] [--count 1024] \\
        [--out benchmarks/results/discriminator-logits-quality-cpu-16000.json]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np

from latentwalk.core import layout
from latentwalk.train import augment
from latentwalk.train import config as config_module
from latentwalk.train.augment import draw_params
from latentwalk.train.data import load_images, to_model_range
from latentwalk.train.gan_task import GANTask
from latentwalk.train.results_file import add_out_option, write_results
from latentwalk.train.run import restore_checkpoint

PERCENTILES = (5, 25, 50, 75, 95)
LAMBDAS = (1, 4, 16)


def weight_spread(logits: np.ndarray, lam: float) -> float:
    """The 95th over the 5th percentile of the fakes' loss weights 1 / (1 + lam exp(-logit))."""
    weights = 1 / (1 + lam * np.exp(-logits))
    return round(float(np.percentile(weights, 95) / np.percentile(weights, 5)), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="a GAN run folder with checkpoints/")
    parser.add_argument("--step", type=int, default=16000, help="which checkpoint")
    parser.add_argument("--count", type=int, default=1024, help="fakes and real images each")
    add_out_option(parser, "discriminator-logits-quality-cpu-16000.json")
    args = parser.parse_args()
    config = config_module.load(args.run)
    task = GANTask(config)
    restore_checkpoint(task, layout.checkpoint_path(args.run, args.step))
    rng = np.random.default_rng(5)
    latents = rng.standard_normal((args.count, config.latent_dim), dtype=np.float32)
    images = {
        "fakes": np.asarray(keras.ops.convert_to_numpy(task.generator(latents)), np.float32),
        "reals": to_model_range(load_images(config.data)[: args.count]),
    }
    result = {"run": args.run.name, "step": args.step, "count": args.count}
    for name, batch in images.items():
        for augmented in (False, True):
            if augmented and task.augmentation:
                params = draw_params(task.augmentation, len(batch), rng)
                batch = np.asarray(keras.ops.convert_to_numpy(augment.apply(batch, params)))
            elif augmented:
                continue
            logits = task.discriminator(batch, training=False)
            logits = np.asarray(keras.ops.convert_to_numpy(logits), np.float32).ravel()
            key = f"{name}_{'augmented' if augmented else 'plain'}"
            result[key] = {
                "logit_percentiles": dict(
                    zip(
                        PERCENTILES,
                        np.percentile(logits, PERCENTILES).round(3).tolist(),
                        strict=True,
                    )
                ),
                "weight_ratio_p95_p5": {lam: weight_spread(logits, lam) for lam in LAMBDAS},
            }
    print(json.dumps(result))
    write_results(args.out, result)


if __name__ == "__main__":
    main()
