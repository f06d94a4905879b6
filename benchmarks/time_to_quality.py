"""Time to quality: train a GAN recipe on the frogs, time it, and grade it beside the shipped GAN.

Trains ``python -m train gan`` with a recipe (default: the shipped GAN's, the `quality-cpu`
preset's 18,000 steps; other options with ``--train-option``) into a fresh run folder and times it from the command's start
to its end, Python and TensorFlow start-up included. Or, with ``--run DIR``, takes a finished
run and its own recorded wall time (config.json's provenance, all sessions together).

Then ``python -m train evaluate`` grades the run's generator and the shipped one
(models/gan-frog) side by side, in this one process's machine, on 5,000 samples at each of
several seeds. The shipped model's spread over the seeds is the sampling noise. The recipe
reaches the shipped quality when its mean FID and KID are no higher than the shipped means plus
twice that spread (at least twice the KID's own reported standard error) and its mean recall is
no lower than the shipped mean minus twice its spread. The run's own judge checks (every
2,000 steps on 1,000 samples, in metrics.jsonl) are listed with the time they were reached.

    python benchmarks/time_to_quality.py [--steps 18000] [--run DIR] [--seeds 0 1 2]
        [--out benchmarks/results/time-to-quality.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from latentwalk.core.datasets import LOCAL_ZIP
from latentwalk.core.layout import CHECKOUT as REPO
from latentwalk.train.results_file import add_out_option, write_results

SHIPPED = REPO / "models" / "gan-frog"
RECIPE = ["--preset", "quality-cpu", "--class", "frog"]  # the shipped GAN's recipe
DEFAULT_STEPS = 18_000
TARGET_SECONDS = 30 * 60
LOWER_IS_BETTER = ("fid", "kid")
HIGHER_IS_BETTER = ("recall",)
SHOWN = ("fid", "kid", "kid_std", "precision", "recall", "density", "coverage", "class_rate")


def train(steps: int, data: str, out: Path, extra: list[str]) -> float:
    """Train the recipe into ``out``; the command's wall seconds."""
    command = [sys.executable, "-m", "train", "gan", *RECIPE, "--data", data]
    command += ["--steps", str(steps), "--out", str(out), *extra]
    print("$", " ".join(command), file=sys.stderr)
    started = time.monotonic()
    subprocess.run(command, cwd=REPO, check=True)
    return time.monotonic() - started


def grade(models: list[Path], seed: int, samples: int) -> list[dict]:
    """``evaluate``'s figures for each model at ``seed``, in the order given."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "graded.json"
        command = [sys.executable, "-m", "train", "evaluate", *map(str, models)]
        command += ["--seed", str(seed), "--samples", str(samples), "--json", str(out)]
        print("$", " ".join(command), file=sys.stderr)
        subprocess.run(command, cwd=REPO, check=True)
        return json.loads(out.read_text())["models"]


def judge_checks(run: Path, wall_seconds: float) -> list[dict]:
    """The run's own judge checks from metrics.jsonl, with the time each was reached (the run's
    wall time shared out over its steps)."""
    config = json.loads((run / "config.json").read_text())
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line]
    return [
        {
            "step": row["step"],
            "minutes": round(wall_seconds * row["step"] / config["steps"] / 60, 1),
            **{key[5:]: row[key] for key in row if key.startswith("eval_")},
        }
        for row in rows
        if "eval_kid" in row
    ]


def compare(candidate: list[dict], shipped: list[dict]) -> dict:
    """Each figure's mean over the seeds for both models, the shipped model's spread (the noise)
    and whether the candidate is no worse within it."""
    verdict = {}
    for key in (*LOWER_IS_BETTER, *HIGHER_IS_BETTER, "precision"):
        ours = [graded[key] for graded in candidate]
        theirs = [graded[key] for graded in shipped]
        noise = statistics.stdev(theirs) if len(theirs) > 1 else 0.0
        if key == "kid":
            noise = max(noise, statistics.mean(graded["kid_std"] for graded in shipped))
        mean_ours, mean_theirs = statistics.mean(ours), statistics.mean(theirs)
        if key in LOWER_IS_BETTER:
            ok = mean_ours <= mean_theirs + 2 * noise
        elif key in HIGHER_IS_BETTER:
            ok = mean_ours >= mean_theirs - 2 * noise
        else:
            ok = None  # shown, not part of the target
        verdict[key] = {
            "recipe": mean_ours,
            "shipped": mean_theirs,
            "shipped_noise": noise,
            "no_worse": ok,
        }
    return verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    parser.add_argument("--run", type=Path, help="grade this finished run instead of training")
    parser.add_argument("--data", default=str(REPO / LOCAL_ZIP))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument(
        "--train-option",
        action="append",
        default=[],
        metavar="ARG",
        help="one more argument for `train gan` (repeat for several)",
    )
    add_out_option(parser, "time-to-quality.json")
    args = parser.parse_args(argv)
    if args.run is not None:
        run = args.run
        config = json.loads((run / "config.json").read_text())
        wall = config["provenance"]["wall_seconds"]
        timed = "the run's own record (config.json provenance), start-up not included"
    else:
        run = REPO / "runs" / f"time-to-quality-{time.strftime('%Y%m%d-%H%M%S')}"
        wall = train(args.steps, args.data, run, args.train_option)
        config = json.loads((run / "config.json").read_text())
        timed = "the train command from start to end, start-up included"
    candidate, shipped = [], []
    for seed in args.seeds:
        ours, theirs = grade([run, SHIPPED], seed, args.samples)
        candidate.append(ours)
        shipped.append(theirs)
    figures = compare(candidate, shipped)
    reached = all(item["no_worse"] for item in figures.values() if item["no_worse"] is not None)
    results = {
        "recipe": " ".join(
            ["python -m train gan", *RECIPE, *args.train_option, "--steps", str(config["steps"])]
        ),
        "shared_fakes": config.get("shared_fakes"),
        "run": str(run),
        "steps": config["steps"],
        "wall_seconds": round(wall, 1),
        "timed": timed,
        "steps_per_second": round(config["steps"] / wall, 2),
        "target_seconds": TARGET_SECONDS,
        "within_target": wall <= TARGET_SECONDS,
        "seeds": args.seeds,
        "samples": args.samples,
        "figures": figures,
        "reaches_shipped_quality": reached,
        "graded": {
            "recipe": [{k: g[k] for k in SHOWN} for g in candidate],
            "shipped": [{k: g[k] for k in SHOWN} for g in shipped],
        },
        "judge_checks": judge_checks(run, wall),
    }
    print(
        f"{config['steps']} steps in {wall / 60:.1f} min ({results['steps_per_second']} steps/s);"
    )
    for key, item in figures.items():
        mark = {True: "ok", False: "WORSE", None: ""}[item["no_worse"]]
        print(
            f"  {key:9s} recipe {item['recipe']:.4f}  shipped {item['shipped']:.4f} "
            f"± {item['shipped_noise']:.4f}  {mark}"
        )
    print(
        "reaches the shipped quality" if reached else "does not reach the shipped quality",
        f"in {'≤' if wall <= TARGET_SECONDS else '>'} 30 min",
    )
    write_results(args.out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
