"""Which two CIFAR-10 classes the "two classes" models train on: the candidate pair whose real
images lie furthest apart in the judge's features.

A generator is a continuous map from one connected Gaussian, so it must tear, or spend samples
between the modes, where the data has separate modes; the further apart the two classes, the
clearer that should be. "Apart" is measured three ways on the judge's 256 features of every
image of each class (the judge's training part, so held-out images stay unseen): the Fréchet
distance between the classes (FID's formula, larger = further), the distance between their
means relative to their spread, and how often an image's nearest neighbour among both classes
is of the other class (1-NN mixing; 0 = fully separate). The pair with the largest Fréchet
distance wins. Writes benchmarks/results/pair-choice.json.

    python models/recipes/choose_pair.py --data ../shared/data/cifar10-train-jpeg.zip
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from latentwalk.core.datasets import LOCAL_ZIP
from latentwalk.core.layout import CHECKOUT as REPO

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from latentwalk.core import metrics
from latentwalk.train.provenance import provenance
from latentwalk.train.quality.evaluate import Judge, real_split

# Natural candidates: the frog (the book's class and the shipped models') with a very different
# man-made class, and one pair of two man-made classes that look alike, as a control.
CANDIDATES = (
    ("frog", "truck"),
    ("frog", "automobile"),
    ("ship", "frog"),
    ("airplane", "frog"),
    ("automobile", "truck"),
)


def mixing(a: np.ndarray, b: np.ndarray, count: int = 2000, seed: int = 0) -> float:
    """The share of images whose nearest other image (among ``count`` of each class) is of the
    other class: 0.5 when the classes are mixed through each other, 0 when they are apart."""
    rng = np.random.default_rng(seed)
    a = a[rng.choice(len(a), min(count, len(a)), replace=False)]
    b = b[rng.choice(len(b), min(count, len(b)), replace=False)]
    both = np.concatenate([a, b])
    labels = np.r_[np.zeros(len(a)), np.ones(len(b))]
    distances = metrics.pairwise_distances(both, both)
    np.fill_diagonal(distances, np.inf)
    return float(np.mean(labels[np.argmin(distances, axis=1)] != labels))


def separation(a: np.ndarray, b: np.ndarray) -> float:
    """Distance between the class means over the classes' RMS distance to their own mean."""
    spread = np.sqrt(
        0.5 * (np.mean(np.sum((a - a.mean(0)) ** 2, 1)) + np.mean(np.sum((b - b.mean(0)) ** 2, 1)))
    )
    return float(np.linalg.norm(a.mean(0) - b.mean(0)) / spread)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO / LOCAL_ZIP))
    parser.add_argument("--judge", type=Path, default=REPO / "models/judge")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/pair-choice.json")
    args = parser.parse_args(argv)
    judge = Judge(args.judge)
    classes = sorted({name for pair in CANDIDATES for name in pair})
    features = {}
    for name in classes:
        split = real_split(judge, args.data, name)
        features[name] = split.train_features(judge)
    rows = []
    for a, b in CANDIDATES:
        row = {
            "pair": [a, b],
            "frechet_distance": metrics.frechet_distance(features[a], features[b]),
            "mean_separation": separation(features[a], features[b]),
            "nn_mixing": mixing(features[a], features[b]),
        }
        rows.append(row)
        print(
            f"{a:>10} + {b:<10} Fréchet {row['frechet_distance']:7.2f}   "
            f"mean separation {row['mean_separation']:.2f}   1-NN mixing {row['nn_mixing']:.4f}"
        )
    best = max(rows, key=lambda row: row["frechet_distance"])
    print(f"chosen: {','.join(best['pair'])} (largest Fréchet distance in judge features)")
    result = {
        "what": "distance between the real images of two CIFAR-10 classes in the judge's features",
        "data": Path(args.data).name,
        "judge_heldout_accuracy": judge.config.get("heldout_accuracy"),
        "candidates": rows,
        "chosen": best["pair"],
        "rule": "largest Fréchet distance",
        **provenance(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"wrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
