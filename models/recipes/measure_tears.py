"""Measure where the shipped GANs and VAEs tear, per data set, and write the verdict.

For each data set (core/datasets.py) with both models in models/: every figure of
core/verdict.py (class transitions along 512 cross-class walks of 256 steps, the latent mass
between classes, the tail of the per-step change along random paths, the tear search), in the
judge's features, the verdict sentence, and a chart of the class switch:

    models/figures/tears-<id>.json    (figures, verdict, settings, provenance)
    models/figures/tears-<id>.png     (end-class probability across the switch, GAN vs VAE)

    python models/recipes/measure_tears.py [DATASET ...] [--data ../shared/data/cifar10-train-jpeg.zip]
    python models/recipes/measure_tears.py --redraw      (the charts again, from the stored figures)

About 3-5 minutes a data set on 2 CPU cores (the judge's 130,000 walk frames per model dominate).
The app and the page read these files for their first screen.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from latentwalk.core.datasets import LOCAL_ZIP
from latentwalk.core.layout import CHECKOUT as REPO

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from PIL import Image, ImageDraw

from latentwalk.core import metrics, tearing
from latentwalk.core.datasets import BY_ID, DATASETS, Dataset
from latentwalk.core.layout import find_model_file
from latentwalk.core.verdict import Settings, measure, verdict
from latentwalk.train.provenance import provenance
from latentwalk.train.quality.evaluate import Judge, real_split

COLOURS = {"GAN": (214, 39, 40), "VAE": (31, 119, 180)}  # the app's chart colours


def generator(folder: Path, role: str):
    import keras

    path = find_model_file(folder, role)
    if path is None:
        raise SystemExit(f"no {role}.keras in {folder}: train and export the models first")
    model = keras.saving.load_model(path, compile=False)
    return lambda z: np.asarray(model([z], training=False), np.float32)


def json_safe(value):
    """NaN and infinities as null: the page's JSON.parse reads no Infinity."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value


def curve_png(figures: dict, title: str, path: Path, width: int = 560, height: int = 300) -> None:
    """The end-class probability across the switch (median and quartiles, centred on each walk's
    band) for every model: a step for a tearing model, a ramp for a smooth one."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    left, right, top, bottom = 50, width - 15, 30, height - 40
    draw.rectangle((left, top, right, bottom), outline=(180, 180, 180))
    for value in (0.1, 0.5, 0.9):
        y = bottom - value * (bottom - top)
        draw.line((left, y, right, y), fill=(230, 230, 230))
        draw.text((left - 30, y - 6), f"{value:.1f}", fill="black")
    draw.text((left, 8), title, fill="black")
    draw.text((left, bottom + 8), "-0.5", fill="black")
    draw.text(((left + right) / 2 - 8, bottom + 8), "0", fill="black")
    draw.text((right - 25, bottom + 8), "+0.5", fill="black")
    draw.text(
        (left + 60, bottom + 22), "t from the middle of each walk's class switch", fill="black"
    )
    legend_x = left + 10  # upper left: the curves start low there
    drawn = []
    for name, model in figures["models"].items():
        curve = model.get("transition_curve")
        if not curve or not curve["median"]:
            continue
        offsets = np.array(curve["offset"])
        xs = left + (offsets - offsets[0]) / (offsets[-1] - offsets[0]) * (right - left)
        drawn.append((name, model, curve, xs, COLOURS.get(name, (0, 0, 0))))

    def ys(values):
        return bottom - np.array(values) * (bottom - top)

    # Every model's quartile band first, translucent, then every median line on top: a band drawn
    # after another model's line would hide it where the curves overlap.
    bands = Image.new("RGBA", image.size, (0, 0, 0, 0))
    for _, _, curve, xs, colour in drawn:
        layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
        band = list(zip(xs, ys(curve["q75"]), strict=True)) + list(
            zip(xs[::-1], ys(curve["q25"])[::-1], strict=True)
        )
        ImageDraw.Draw(layer).polygon(band, fill=(*colour, 56))
        bands = Image.alpha_composite(bands, layer)
    image = Image.alpha_composite(image.convert("RGBA"), bands).convert("RGB")
    draw = ImageDraw.Draw(image)
    for index, (name, model, curve, xs, colour) in enumerate(drawn):
        draw.line(list(zip(xs, ys(curve["median"]), strict=True)), fill=colour, width=3)
        width_text = model["transitions"]["width_median"]
        draw.text((legend_x, top + 8 + 16 * index), f"{name}: band {width_text:.2f}", fill=colour)
    image.save(path)


def draw_chart(figures: dict, dataset: Dataset, path: Path) -> None:
    curve_png(figures, f"Class switch along cross-class walks: {dataset.label}", path)


def measure_dataset(dataset: Dataset, judge: Judge, data: str, settings: Settings) -> dict:
    gan_folder, vae_folder = REPO / "models" / dataset.gan, REPO / "models" / dataset.vae
    generators = {
        "GAN": generator(gan_folder, "generator"),
        "VAE": generator(vae_folder, "decoder"),
    }
    split = real_split(judge, data, dataset.classes)
    real_features = split.train_features(judge)
    real = (real_features, metrics.knn_radii(real_features, 3))
    classes = (
        None
        if dataset.classes == "all" or "," not in dataset.classes
        else judge.class_indices(dataset.classes)
    )
    started = time.monotonic()
    figures = measure(
        generators,
        judge,
        32,
        classes,
        settings,
        real,
        progress=lambda text: print(f"{dataset.id}: {text}", file=sys.stderr),
    )
    figures["seconds"] = round(time.monotonic() - started, 1)
    figures["dataset"] = {"id": dataset.id, "classes": dataset.classes, "label": dataset.label}
    figures["models_measured"] = {"GAN": dataset.gan, "VAE": dataset.vae}
    figures["space"] = "judge features"
    figures["verdict"] = verdict(figures, dataset.label)
    names = dataset.classes.split(",")
    if len(names) == 2:
        figures["bound"] = theory_bound(judge, data, names, figures)
    return figures


def theory_bound(judge: Judge, data: str, names: list[str], figures: dict) -> dict:
    """Tanielian et al.'s precision bound for the GAN from measured quantities: the gap between
    the two classes' supports and the largest stretch the tear search found (a lower estimate of
    the Lipschitz constant L, so the bound drawn is the tightest one these figures allow, not a
    guarantee)."""
    a, b = (real_split(judge, data, name).train_features(judge) for name in names)
    gap = tearing.class_gap(a, b)
    tears = figures["models"]["GAN"]["tears"]["tears"]
    lipschitz = max(tear["stretch"] for tear in tears) if tears else float("nan")
    bound = tearing.precision_bound(gap["support_gap"], lipschitz)
    return {
        **gap,
        "lipschitz_found": lipschitz,
        "precision_bound": bound,
        "between_mass_bound": 1.0 - bound,
        "measured_outside_real": figures["models"]["GAN"].get("outside_real", {}).get("share"),
        "reference": "Tanielian et al. 2020, Learning disconnected manifolds: a no GAN's land",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="*", help=f"ids (default: all of {', '.join(BY_ID)})")
    parser.add_argument("--data", default=str(REPO / LOCAL_ZIP))
    parser.add_argument("--judge", type=Path, default=REPO / "models/judge")
    parser.add_argument(
        "--quick", action="store_true", help="the app's quick settings (a smoke run)"
    )
    parser.add_argument(
        "--redraw",
        action="store_true",
        help="re-word the verdict and redraw the chart from the stored figures "
        "(models/figures/tears-<id>.json) only, without measuring",
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.datasets if name not in BY_ID]
    if unknown:
        parser.error(f"unknown data set {unknown[0]!r}: use one of {', '.join(BY_ID)}")
    chosen = [BY_ID[name] for name in args.datasets] or list(DATASETS)
    if args.redraw:
        for dataset in chosen:
            out = REPO / "models" / "figures" / dataset.tears
            if out.is_file():
                figures = json.loads(out.read_text())
                figures["verdict"] = verdict(figures, dataset.label)
                out.write_text(json.dumps(json_safe(figures), indent=1, allow_nan=False) + "\n")
                draw_chart(figures, dataset, out.with_suffix(".png"))
                print(f"{dataset.id}: {figures['verdict']['sentence']}")
        return 0
    judge = Judge(args.judge)
    settings = Settings.quick() if args.quick else Settings()
    for dataset in chosen:
        if (
            not (REPO / "models" / dataset.gan).is_dir()
            or not (REPO / "models" / dataset.vae).is_dir()
        ):
            print(
                f"{dataset.id}: models/{dataset.gan} or models/{dataset.vae} missing, skipped",
                file=sys.stderr,
            )
            continue
        figures = measure_dataset(dataset, judge, args.data, settings)
        figures.update(provenance())
        out = REPO / "models" / "figures" / dataset.tears
        out.write_text(json.dumps(json_safe(figures), indent=1, allow_nan=False) + "\n")
        draw_chart(figures, dataset, out.with_suffix(".png"))
        print(f"{dataset.id}: {figures['verdict']['sentence']} ({figures['seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
