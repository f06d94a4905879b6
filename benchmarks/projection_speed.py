"""How long projecting real images into the shipped GAN takes (core/projection.py, default
settings): one image, and a batch of held-out real frogs as the error distribution needs, with
the errors they reach.

    python benchmarks/projection_speed.py [--batch 500] [--out benchmarks/results/projection-speed.json]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict

import numpy as np

from latentwalk.core.datasets import LOCAL_ZIP
from latentwalk.core.layout import CHECKOUT as REPO
from latentwalk.train.results_file import add_out_option, write_results

TARGETS_S = {"one": 5.0, "batch": 300.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=500, help="held-out images in the batch")
    parser.add_argument("--data", default=str(REPO / LOCAL_ZIP))
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
    write_results(args.out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
