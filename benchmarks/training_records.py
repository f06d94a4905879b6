"""What the shipped models' own training records say: for each GAN and VAE in models/, its
recipe, the median training speed its metrics.jsonl logged, the losses over early and late
windows of steps (a discriminator that ran away shows there) and its last judge check; for the
judge, its held-out accuracy (by class) and training time from its config.json.

Reads files only (no TensorFlow): the figures are the runs', made when they trained.

    python benchmarks/training_records.py [--out benchmarks/results/training-records.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from latentwalk.core.layout import CHECKOUT as REPO
from latentwalk.train.results_file import add_out_option, write_results

MODELS = REPO / "models"
WINDOW = 1000  # steps


def read_jsonl(path: Path) -> list[dict]:
    with path.open() as lines:
        return [json.loads(line) for line in lines if line.strip()]


def mean_over(rows: list[dict], key: str, first: int, last: int) -> float | None:
    values = [row[key] for row in rows if key in row and first < row["step"] <= last]
    return round(statistics.mean(values), 3) if values else None


def run_record(folder: Path) -> dict:
    config = json.loads((folder / "config.json").read_text())
    rows = read_jsonl(folder / "metrics.jsonl")
    rates = [row["images_per_s"] for row in rows if "images_per_s" in row]
    steps, batch = config["steps"], config["batch_size"]
    record = {
        "kind": config["kind"],
        "preset": config.get("preset"),
        "steps": steps,
        "batch_size": batch,
        "precision": config.get("precision"),
        "data": config.get("data", {}).get("source"),
        "median_images_per_s": round(statistics.median(rates), 1),
        "median_steps_per_s": round(statistics.median(rates) / batch, 2),
        "events": [row for row in rows if "event" in row],
    }
    if config["kind"] == "gan":
        windows = {"late": (steps - WINDOW, steps), "early": (WINDOW, 2 * WINDOW)}
        record["losses"] = {
            name: {
                "steps": f"{first + 1}-{last}",
                "d_loss": mean_over(rows, "d_loss", first, last),
                "adversarial_loss": mean_over(rows, "g_loss", first, last),
            }
            for name, (first, last) in windows.items()
        }
        checks = [row for row in rows if "eval_kid" in row]
        if checks:
            record["last_judge_check"] = checks[-1]
    return record


def judge_record(folder: Path) -> dict:
    config = json.loads((folder / "config.json").read_text())
    by_class = config["heldout_accuracy_by_class"]
    weakest = min(by_class, key=by_class.get)
    return {
        "heldout_accuracy": config["heldout_accuracy"],
        "heldout_images": config["split"]["heldout_images"],
        "heldout_accuracy_by_class": by_class,
        "weakest_class": weakest,
        "parameters": config["parameters"],
        "feature_dim": config["feature_dim"],
        "epochs": config["recipe"]["epochs"],
        "precision": config["recipe"]["precision"],
        "keras_backend": config["keras_backend"],
        "training_seconds": config["training_seconds"],
        "training_minutes": round(config["training_seconds"] / 60, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n")[-1],
    )
    parser.add_argument("--models", type=Path, default=MODELS, help="default: models/")
    add_out_option(parser, "training-records.json")
    args = parser.parse_args(argv)
    results = {
        folder.name: run_record(folder)
        for folder in sorted(args.models.iterdir())
        if (folder / "metrics.jsonl").exists()
    }
    if (args.models / "judge" / "config.json").exists():
        results["judge"] = judge_record(args.models / "judge")
    print(json.dumps(results, indent=1))
    write_results(args.out, results, argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
