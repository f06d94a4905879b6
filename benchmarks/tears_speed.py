"""How fast the tear figures come up: the app's first screen with the verdict and the "Where it
tears" section on the shipped figures (targets: <= 3 s on 2 cores), the app's quick live
measurement, and a tear search with the default budget per model (target: <= 10 s).

    python benchmarks/tears_speed.py [--dataset frog-automobile] [--repeats 3] [--out FILE]

make benchmarks writes benchmarks/results/tears-speed.json. Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import time

from latentwalk.core.layout import CHECKOUT as REPO

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from latentwalk.train.results_file import add_out_option, write_results

APP = str(REPO / "streamlit_app" / "app.py")


def app_timings(dataset: str, repeats: int) -> dict:
    """Seconds from a new session to the verdict on screen (models cached after the first), and
    from a click on "See the evidence" to the evidence section drawn."""
    from streamlit.testing.v1 import AppTest

    first_screen, evidence = [], []
    for _ in range(repeats + 1):  # the first session loads the models (cold): reported apart
        started = time.perf_counter()
        app = AppTest.from_file(APP, default_timeout=300)
        app.query_params["dataset"] = dataset
        app.run()
        first_screen.append(time.perf_counter() - started)
        if app.exception or not app.success and not app.info:
            raise SystemExit(f"the app did not show a verdict: {[e.value for e in app.exception]}")
        started = time.perf_counter()
        app.button(key="verdict_evidence").click().run()
        evidence.append(time.perf_counter() - started)
    return {
        "first_screen_cold_s": round(first_screen[0], 2),
        "first_screen_warm_s": _stats(first_screen[1:]),
        "evidence_section_s": _stats(evidence[1:]),
    }


def _stats(values: list[float]) -> dict:
    return {
        "median": round(statistics.median(values), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
    }


def measurement_timings(dataset_id: str, repeats: int) -> dict:
    """The live quick measurement and the default-budget tear search, per shipped model, with
    the same judge function the app uses."""
    from latentwalk.core import tearing, verdict
    from latentwalk.core.datasets import BY_ID
    from latentwalk.streamlit_app.generation import load_judge, load_model
    from latentwalk.streamlit_app.models import inspect_folder

    dataset = BY_ID[dataset_id]
    judge = load_judge(REPO / "models" / "judge")
    results = {}
    for name, folder in (("GAN", dataset.gan), ("VAE", dataset.vae)):
        model = load_model(inspect_folder(REPO / "models" / folder))
        generate = model.generate
        tearing.find_tears(generate, judge, 32, budget=256)  # warm up graphs
        search, quick = [], []
        for repeat in range(repeats):
            started = time.perf_counter()
            tearing.find_tears(
                generate, judge, 32, budget=verdict.Settings().tear_budget, seed=repeat
            )
            search.append(time.perf_counter() - started)
            started = time.perf_counter()
            verdict.measure_model(generate, judge, 32, None, verdict.Settings.quick())
            quick.append(time.perf_counter() - started)
        results[name] = {"tear_search_s": _stats(search), "quick_measure_s": _stats(quick)}
    return results


def main(argv: list[str] | None = None) -> int:
    from latentwalk.core.verdict import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="frog-automobile")
    parser.add_argument("--repeats", type=int, default=3)
    add_out_option(parser, "tears-speed.json")
    args = parser.parse_args(argv)
    result = {
        "what": "seconds to the verdict and the tear figures in the app; live measurement costs",
        "dataset": args.dataset,
        "tear_budget": Settings().tear_budget,
        "quick_settings": dataclasses.asdict(Settings.quick()),
        "app": app_timings(args.dataset, args.repeats),
        "measure": measurement_timings(args.dataset, args.repeats),
    }
    print(json.dumps({k: result[k] for k in ("app", "measure")}, indent=1))
    write_results(args.out, result, argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
