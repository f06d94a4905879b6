"""Held-out accuracy and training time of judge recipes, side by side, printed as JSON lines.

How the shipped recipe (train/config.py, JudgeConfig) was chosen: each variant is the default
recipe with some widths and epochs, trained by the real trainer on the same data and split.
Accuracy carries over between machines; seconds are only comparable within one run.

    python experiments/judge_recipe_sweep.py --data ../shared/data/cifar10-train-jpeg.zip \\
        --variant 24,48,96,192:16 --variant 32,64,128,256:10
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from latentwalk.train.config import make_judge_config
from latentwalk.train.data import load_labelled_images
from latentwalk.train.quality.judge import train_judge
from latentwalk.train.results_file import add_out_option, write_results


def parse_variant(text: str) -> tuple[tuple[int, ...], int]:
    widths, _, epochs = text.partition(":")
    return tuple(int(w) for w in widths.split(",")), int(epochs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument(
        "--variant", action="append", required=True, help="WIDTHS:EPOCHS, e.g. 24,48,96,192:16"
    )
    parser.add_argument("--precision", default=None)
    parser.add_argument("--max-images", type=int, default=None)
    add_out_option(parser, "judge-recipe-sweep.json")
    args = parser.parse_args(argv)
    images, labels, names = load_labelled_images(args.data, args.max_images)
    variants = []
    for text in args.variant:
        widths, epochs = parse_variant(text)
        config = make_judge_config(
            "small",
            {
                "widths": widths,
                "epochs": epochs,
                "precision": args.precision,
                "data_source": args.data,
            },
        )
        with tempfile.TemporaryDirectory() as folder:
            summary = train_judge(config, images, labels, names, Path(folder) / "judge")
        variant = {
            "widths": widths,
            "epochs": epochs,
            "parameters": summary["parameters"],
            "heldout_accuracy": round(summary["heldout_accuracy"], 4),
            "training_seconds": summary["training_seconds"],
            "backend": summary["keras_backend"],
            "history": [
                [h["epoch"], round(h["heldout_accuracy"], 4), round(h["seconds"], 1)]
                for h in summary["history"]
            ],
        }
        print(json.dumps(variant), flush=True)
        variants.append(variant)
    write_results(args.out, variants, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
