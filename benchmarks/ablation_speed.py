"""Training steps per second of the GAN ablation's variants on this machine's CPU, side by side.

The variants are experiments/gan_ablation.sh's (the small preset plus the options named), built by
the real trainer and timed as benchmarks/train_throughput.py times its trainers: interleaved
blocks of steps in one process, the median over rounds. The train step alone: the EMA's
per-step update on the host and the judge's checks are not in it.

    python benchmarks/ablation_speed.py [--precision float32] [--steps 20] [--rounds 3] \\
        [--out benchmarks/results/ablation-speed.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from train_throughput import images_per_second

from latentwalk.core.datasets import LOCAL_ZIP
from latentwalk.train.config import DataConfig, make_config
from latentwalk.train.data import load_images
from latentwalk.train.gan_task import GANTask
from latentwalk.train.results_file import add_out_option, write_results

SUBPIXEL = {"upsample": "subpixel", "generator_width": 160}
AUGMENT = {"diffaugment": "translation,cutout,color"}
SN_HINGE = {"spectral_norm": True, "loss": "hinge"}
EMA = {"ema_decay": 0.999}
TTUR = {"d_learning_rate": 4e-4, "g_learning_rate": 1e-4}
# name -> (preset, options): experiments/gan_ablation.sh's variants (options on the small preset,
# named as there), and the quality-cpu preset as it trains.
VARIANTS = {
    "a-baseline": ("small", {}),
    "b-subpixel": ("small", SUBPIXEL),
    "c-resize": ("small", {"upsample": "resize", "generator_width": 160}),
    "d-subpixel-diffaug": ("small", SUBPIXEL | AUGMENT),
    "e-subpixel-diffaug-ema": ("small", SUBPIXEL | AUGMENT | EMA),
    "f-subpixel-diffaug-sn-hinge": ("small", SUBPIXEL | AUGMENT | SN_HINGE),
    "g-subpixel-diffaug-sn-hinge-ema": ("small", SUBPIXEL | AUGMENT | SN_HINGE | EMA),
    "h-subpixel-diffaug-ema-ttur": ("small", SUBPIXEL | AUGMENT | EMA | TTUR),
    "quality-cpu": ("quality-cpu", {}),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n")[-1],
    )
    parser.add_argument("--data", default=LOCAL_ZIP)
    parser.add_argument("--class", dest="class_name", default="frog")
    parser.add_argument("--precision", default="float32", help="default: float32")
    parser.add_argument("--steps", type=int, default=20, help="steps per timed block")
    parser.add_argument("--rounds", type=int, default=3, help="timed blocks per variant")
    add_out_option(parser, "ablation-speed.json")
    args = parser.parse_args(argv)

    data = DataConfig(args.data, args.class_name)
    images = load_images(data)
    trainers = {
        name: GANTask(make_config("gan", preset, options | {"precision": args.precision}, data))
        for name, (preset, options) in VARIANTS.items()
    }
    batch = next(iter(trainers.values())).config.batch_size
    for trainer in trainers.values():  # warm-up: tracing
        images_per_second(trainer, images, batch, 3, seed=0)
    rates: dict[str, list[float]] = {name: [] for name in trainers}
    for round_index in range(args.rounds):
        for name, trainer in trainers.items():
            rates[name].append(
                images_per_second(trainer, images, batch, args.steps, seed=round_index + 1)
            )
    results = {
        "precision": args.precision,
        "batch_size": batch,
        "steps_per_block": args.steps,
        "rounds": args.rounds,
        "variants": VARIANTS,
        "steps_per_s": {
            name: round(statistics.median(values) / batch, 2) for name, values in rates.items()
        },
        "all_blocks_images_per_s": {n: [round(r, 1) for r in v] for n, v in rates.items()},
    }
    print(json.dumps(results))
    write_results(args.out, results, argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
