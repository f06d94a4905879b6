"""How long projecting real images into the shipped GAN takes (core/projection.py, default
settings): one image, and a batch of held-out real frogs as the error distribution needs, with
the errors they reach; and one image in the page (web_demo/js/projection_worker.js, TF.js in a
Web Worker, headless Chromium on a site of the shipped frog models), from the same starts.

    python benchmarks/projection_speed.py [--batch 500] [--page-runs 3] [--out benchmarks/results/projection-speed.json]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from latentwalk.core.datasets import LOCAL_ZIP
from latentwalk.core.layout import CHECKOUT as REPO
from latentwalk.train.results_file import add_out_option, write_results

TARGETS_S = {"one": 5.0, "batch": 300.0, "page": 10.0}


def page_seconds(target: np.ndarray, runs: int) -> dict:
    """One default projection of ``target`` in the page, ``runs`` times (after one to start the
    worker, its backend and the model): the projection's own milliseconds, and the page's pixel
    error."""
    import tempfile

    from latentwalk.export.browser import chromium, serve_folder
    from latentwalk.export.site import build_site

    models = REPO / "models"
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        build_site(site, datasets=[("frog", models / "gan-frog", models / "vae-frog")])
        with serve_folder(site, isolated=True) as url, chromium() as browser:
            page = browser.new_page()
            page.goto(f"{url}index.html")
            page.evaluate("window.latentwalk.ready")
            times, errors, backend = [], [], None
            for run in range(runs + 1):
                result = page.evaluate(
                    """async (target) => {
                        const { Projector } = await import('./js/projector.js');
                        const projector = window.benchmarkProjector ??= new Projector();
                        const r = await projector.project('models/frog/gan/generator/model.json',
                            new Float32Array(target), 32);
                        return { ms: r.ms, pixelError: r.pixelError, backend: r.backend };
                    }""",
                    target.ravel().tolist(),
                )
                if run:  # the first one also starts the worker and loads the model
                    times.append(result["ms"] / 1000)
                    errors.append(result["pixelError"])
                backend = result["backend"]
    return {"seconds": times, "median_seconds": float(np.median(times)),
            "pixel_error": float(np.median(errors)), "backend": backend}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=500, help="held-out images in the batch")
    parser.add_argument("--data", default=str(REPO / LOCAL_ZIP))
    parser.add_argument("--page-runs", type=int, default=3, help="page projections to time")
    add_out_option(parser, "projection-speed.json")
    args = parser.parse_args(argv)

    import keras

    from latentwalk.core.projection import ProjectionSettings, project
    from latentwalk.train.quality.evaluate import Judge, real_split

    generator = keras.models.load_model(
        REPO / "models" / "gan-frog" / "generator" / "generator.keras", compile=False
    )
    judge = Judge()
    held = real_split(judge, args.data, "frog").heldout[: args.batch]
    targets = held.astype(np.float32) / 127.5 - 1.0
    settings = ProjectionSettings()
    project(generator, targets[:1], ProjectionSettings(steps=2, restarts=1))  # warm-up (tracing)
    results = {"settings": asdict(settings)}
    for name, images in (("one", targets[:1]), ("batch", targets)):
        started = time.perf_counter()
        found = project(generator, images, settings)
        seconds = time.perf_counter() - started
        results[name] = {
            "images": len(images),
            "seconds": round(seconds, 2),
            "target_seconds": TARGETS_S[name],
            "mean_pixel_error": float(np.mean(found.pixel_error)),
            "median_norm_ratio": float(np.median(found.norm_ratio)),
        }
        print(
            f"{name}: {len(images)} image(s) in {seconds:.2f} s (target {TARGETS_S[name]:g} s); "
            f"mean RMS pixel error {np.mean(found.pixel_error):.4f}",
            file=sys.stderr,
        )
    if args.page_runs > 0:
        page = page_seconds(targets[0], args.page_runs)
        results["page"] = {**page, "target_seconds": TARGETS_S["page"]}
        print(
            f"page: one image in {page['median_seconds']:.2f} s median of {args.page_runs} "
            f"({page['backend']}; target {TARGETS_S['page']:g} s); RMS pixel error "
            f"{page['pixel_error']:.4f}",
            file=sys.stderr,
        )
    write_results(args.out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
