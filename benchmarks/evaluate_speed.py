"""How long grading a model takes: ``python -m train evaluate`` on the shipped small GAN with 5,000
samples (the default), phase by phase, printed as JSON. Target: the whole evaluation of 5,000
samples in at most 60 s on 2 CPU cores. Also the check ``--eval-every`` runs during training
(``QualityProbe``: 1,000 samples against 1,000 of the run's images), median of three.

    python benchmarks/evaluate_speed.py [--model models/gan-frog] [--samples 5000] \\
        [--out benchmarks/results/evaluate-speed.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from latentwalk.core.datasets import LOCAL_ZIP
from latentwalk.core.layout import CHECKOUT as REPO

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported

from latentwalk.train.quality.evaluate import (
    Judge,
    QualityProbe,
    evaluate_features,
    find_model,
    generate,
    load_generator,
    real_floor,
    real_split,
)
from latentwalk.train.results_file import add_out_option, write_results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "gan-frog")
    parser.add_argument("--judge", type=Path, default=REPO / "models" / "judge")
    parser.add_argument("--data", default=str(REPO / LOCAL_ZIP))
    parser.add_argument("--samples", type=int, default=5000)
    add_out_option(parser, "evaluate-speed.json")
    args = parser.parse_args(argv)

    times: dict[str, float] = {}
    began = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal began
        now = time.perf_counter()
        times[name] = round(now - began, 2)
        began = now

    judge = Judge(args.judge)
    model = find_model(args.model)
    network = load_generator(model)
    lap("load_judge_and_model_s")
    split = real_split(judge, args.data, model.class_name or "frog")
    lap("load_real_images_s")
    train_features = split.train_features(judge)
    lap("judge_real_images_s")
    images = generate(network, args.samples)
    lap("generate_samples_s")
    features, probabilities = judge(images)
    lap("judge_samples_s")
    result = evaluate_features(
        features, probabilities, train_features, judge.class_index(split.class_name)
    )
    lap("metrics_s")
    real_floor(judge, split)
    lap("real_floor_s")
    total = sum(times.values())
    results = {
        "benchmark": "evaluate_speed",
        "model": str(args.model),
        "samples": args.samples,
        "real_images": len(split.train),
        "cpu_count": os.cpu_count(),
        **times,
        "total_s": round(total, 2),
        "target_s": 60,
        "within_target": total <= 60,
        "fid": round(result["fid"], 3),
        "training_check_s": training_check_seconds(judge, split, network),
    }
    print(json.dumps(results))
    write_results(args.out, results, argv)
    return 0


def training_check_seconds(judge, split, network, repeats: int = 3) -> float:
    """Median seconds of the check ``--eval-every N`` runs every N steps (QualityProbe.measure:
    1,000 samples against 1,000 training images), after one untimed run."""
    probe = QualityProbe(judge, split.train, split.class_name, network.input.shape[-1])
    seconds = []
    for _ in range(repeats + 1):
        began = time.perf_counter()
        probe.measure(lambda latents: network(latents, training=False))
        seconds.append(time.perf_counter() - began)
    return round(statistics.median(seconds[1:]), 2)


if __name__ == "__main__":
    sys.exit(main())
