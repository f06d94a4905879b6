"""Seconds for a latent atlas (an N x N plane, default 24 x 24) of both shipped models: in the
Streamlit app's Python (pixels and judge features), and in the web demo in headless Chromium (its
Web Workers, first run with the workers' start-up and a second one warm), with the page's longest
main-thread task while it runs and how far the browser's maps are from Python's on the same plane.

Prints one JSON line per figure. The issue's targets: <= 3 s in Python, <= 10 s in Chromium on
2 cores. Run it on an idle machine (nothing training beside it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from latentwalk.core.layout import CHECKOUT as REPO

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported

import numpy as np

from latentwalk.core import latent
from latentwalk.train.results_file import add_out_option, write_results

GAN, VAE, JUDGE = (REPO / "models" / name for name in ("gan-frog", "vae-frog", "judge"))
SEEDS = (0, 1, 2)
# Main-thread tasks over 50 ms, recorded from the page's first script on (init scripts run before
# the page's own, and outside its Content-Security-Policy).
LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
}).observe({ type: 'longtask', buffered: true });
"""


EMITTED: list[dict] = []  # every line printed, for --out


def emit(line: dict) -> None:
    EMITTED.append(line)
    print(json.dumps(line), flush=True)


def python_figures(n: int, runs: int) -> dict:
    """Median seconds over ``runs`` for the atlas of both models, in pixels and in features."""
    from latentwalk.streamlit_app.generation import load_judge_features, load_model
    from latentwalk.streamlit_app.models import inspect_folder

    generators = {
        name: load_model(inspect_folder(folder)).generate
        for name, folder in (("GAN", GAN), ("VAE", VAE))
    }
    features = load_judge_features(JUDGE)
    plane = latent.plane_through_seeds(SEEDS, n=n)
    results = {}
    for space, function in (("pixels", None), ("judge features", features)):
        if space != "pixels" and function is None:
            emit({"where": "python", "space": space, "skipped": "no models/judge"})
            continue
        for generate in generators.values():  # warm up: trace and compile once
            latent.atlas(generate, latent.plane_through_seeds(SEEDS, n=4), function)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            maps = {name: latent.atlas(g, plane, function) for name, g in generators.items()}
            times.append(time.perf_counter() - started)
        results[space] = maps
        emit(
            {
                "where": "python (the app's TensorFlow models)",
                "space": space,
                "n": n,
                "images": 2 * (n + 2) ** 2,
                "seconds_median": round(statistics.median(times), 3),
                "seconds_min": round(min(times), 3),
                "runs": runs,
                "target_seconds": 3,
            }
        )
    return results


def wait_for(page, expression: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout_s} s: {expression}")
        page.wait_for_timeout(50)


def browser_figures(site: Path, n: int, python_maps: dict | None) -> None:
    from latentwalk.export.browser import chromium, serve_folder

    atlas_info = "(window.latentwalk.views()[2] || {})"
    with serve_folder(site) as base_url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1300, "height": 1400})
        page.add_init_script(LONG_TASKS)
        page.goto(f"{base_url}index.html#plane=seeds&pseeds=0,1,2&n={n}")
        ready = page.evaluate("window.latentwalk.ready")
        if not ready.get("ok"):
            raise SystemExit(f"the demo in {site} did not start: {ready}")
        page.wait_for_timeout(1000)  # let the Generate and Walk panels finish their first draw
        # As a person would: press "Map this plane", then change the seeds (only the atlas runs).
        for run, seeds in (("first (workers start)", None), ("second (warm)", "0,1,3")):
            page.evaluate("window.__longTasks.length = 0")
            if seeds is None:
                page.click("#atlas-run")
            else:
                page.fill("#atlas-seeds", seeds)
                page.dispatch_event("#atlas-seeds", "change")
            wait_for(page, f"{atlas_info}.running", 30)
            wait_for(page, f"!{atlas_info}.running && {atlas_info}.n === {n}", 120)
            info = page.evaluate(atlas_info)
            tasks = page.evaluate("window.__longTasks")
            emit(
                {
                    "where": "headless Chromium (web demo, Web Workers)",
                    "run": run,
                    "backend": page.evaluate("window.latentwalk.backend()"),
                    "n": n,
                    "images": 2 * (n + 2) ** 2,
                    "seconds": round(info["ms"] / 1000, 3),
                    "longest_main_thread_task_ms": round(max(tasks), 1) if tasks else 0,
                    "long_tasks": len(tasks),
                    "target_seconds": 10,
                    "cores": os.cpu_count(),
                }
            )
        if python_maps is None:
            return
        page.fill("#atlas-seeds", "0,1,2")
        page.dispatch_event("#atlas-seeds", "change")
        wait_for(page, f"{atlas_info}.running", 30)
        wait_for(page, f"!{atlas_info}.running && {atlas_info}.n === {n}", 120)
        info = page.evaluate(atlas_info)
        for model_id, name in (("gan", "GAN"), ("vae", "VAE")):
            expected = python_maps[name]
            for measure in ("area", "stretch"):
                ours = np.array(info["maps"][model_id][measure])
                theirs = expected[measure].ravel()
                emit(
                    {
                        "parity": f"{name} {measure} map, browser (float16 export) vs Python "
                        "(Keras float32), same plane",
                        "max_relative_difference": round(
                            float(np.max(np.abs(ours - theirs) / theirs)), 4
                        ),
                        "median_relative_difference": round(
                            float(np.median(np.abs(ours - theirs) / theirs)), 4
                        ),
                        "same_cells_above_3x_median": bool(
                            np.array_equal(
                                ours > 3 * np.median(ours), theirs > 3 * np.median(theirs)
                            )
                        ),
                    }
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=24, help="cells a side (default: 24)")
    parser.add_argument("--runs", type=int, default=3, help="timed Python runs (default: 3)")
    parser.add_argument("--site", type=Path, help="a built site (default: build one from models/)")
    parser.add_argument("--skip-browser", action="store_true")
    add_out_option(parser, "atlas-speed.json")
    args = parser.parse_args(argv)
    if not latent.ATLAS_MIN_N <= args.n <= latent.ATLAS_MAX_N:
        parser.error(f"--n must be from {latent.ATLAS_MIN_N} to {latent.ATLAS_MAX_N}")
    emit({"machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]}})
    maps = python_figures(args.n, args.runs)
    if args.skip_browser:
        write_results(args.out, EMITTED, argv)
        return 0
    with tempfile.TemporaryDirectory(prefix="latentwalk-atlas-") as folder:
        if args.site is None:
            from browser_latency import build_default_site

            site = build_default_site(Path(folder))
        else:
            site = args.site
        browser_figures(site, args.n, maps.get("pixels"))
    write_results(args.out, EMITTED, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
