"""What each shipped model cannot draw: real images no model trained on (the judge's held-out
split), projected into each data set's GAN (core/projection.py) and encoded by its VAE.

For each data set (core/datasets.py) with both models in models/:

    models/figures/real-<id>.json   per image: the RMS error of each model's picture of it, in the
                                    judge's features and in pixels, and |z|^2 / d; per-class and
                                    overall summaries; the worst-drawn images; and, for the
                                    front ends' real-to-real walks, a showcase of held-out images
                                    with both models' codes
    models/figures/real-<id>.png    the showcase images, 32 x 32 each, in one row (the page and
                                    the app read the pixels from here)
    models/figures/cannot-draw-<id>.png   the two error distributions, and the worst-drawn real
                                    images of each model (target | GAN | VAE)

    python models/recipes/project_heldout.py [DATASET ...] [--images 500] [--data ZIP]
    python models/recipes/project_heldout.py --redraw      (the figure again, from the JSON)

About 4 minutes a data set on 2 CPU cores (the projection's 200 Adam steps x 4 starts dominate).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from dataclasses import asdict

from latentwalk.core.datasets import LOCAL_ZIP
from latentwalk.core.layout import CHECKOUT as REPO

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from PIL import Image
from tqdm import tqdm

from latentwalk.core import error_figures
from latentwalk.core.calls import input_former
from latentwalk.core.datasets import BY_ID, DATASETS, Dataset
from latentwalk.core.images import to_uint8
from latentwalk.core.layout import find_model_file
from latentwalk.core.projection import ProjectionSettings, project
from latentwalk.train.provenance import provenance
from latentwalk.train.quality.evaluate import Judge, real_split

FIGURES = REPO / "models" / "figures"
PICTURES = REPO / "runs" / "heldout-projections"  # every image drawn, for --redraw
SHOWCASE = 32  # held-out images offered to the front ends' real-to-real walks, over the classes
WORST = 8  # worst-drawn images shown for each model
BATCH = 50  # images projected at once (the progress bar's unit)


def load(folder, role):
    """The role's Keras model, as a function of a batch (in the input structure it was built
    with)."""
    import keras

    path = find_model_file(folder, role)
    if path is None:
        raise SystemExit(f"no {role}.keras in {folder}: train and export the models first")
    model = keras.saving.load_model(path, compile=False)
    form = input_former(model)
    return model, lambda batch: model(form(batch), training=False)


def held_out(judge: Judge, data: str, dataset: Dataset, count: int) -> tuple[np.ndarray, list]:
    """``count`` held-out real images spread evenly over the data set's classes (the first of
    each class's held-out split), and for each its (class, index in that split)."""
    every = range(len(judge.class_names))
    indices = every if dataset.classes == "all" else judge.class_indices(dataset.classes)
    names = [judge.class_names[i] for i in indices]
    each = count // len(names)
    images, where = [], []
    for name in names:
        split = real_split(judge, data, name)
        if not split.matches_judge:
            raise SystemExit(f"{data} is not the data the judge was split on")
        taken = split.heldout[:each]
        images.append(taken)
        where += [(name, i) for i in range(len(taken))]
    return np.concatenate(images), where


def file_sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rms(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sqrt(np.mean((a - b) ** 2, axis=tuple(range(1, a.ndim))))


def measure_dataset(dataset: Dataset, judge: Judge, data: str, count: int) -> dict:
    import keras

    generator, _ = load(REPO / "models" / dataset.gan, "generator")
    _, encoder = load(REPO / "models" / dataset.vae, "encoder")
    _, decoder = load(REPO / "models" / dataset.vae, "decoder")
    real, where = held_out(judge, data, dataset, count)
    targets = real.astype(np.float32) / 127.5 - 1.0
    settings = ProjectionSettings()
    started = time.monotonic()
    found = []
    for start in tqdm(
        range(0, len(targets), BATCH), desc=f"{dataset.id}: projecting", unit="batch"
    ):
        found.append(project(generator, targets[start : start + BATCH], settings))
    gan_latents = np.concatenate([f.latents for f in found])
    gan_images = np.concatenate([f.images for f in found])
    vae_latents = keras.ops.convert_to_numpy(encoder(targets)[0])
    vae_images = keras.ops.convert_to_numpy(decoder(vae_latents))
    seconds = time.monotonic() - started
    theirs = judge.features(targets)
    models = {}
    for name, latents, images in (
        ("GAN", gan_latents, gan_images),
        ("VAE", vae_latents, vae_images),
    ):
        feature_error = rms(judge.features(images), theirs)
        pixel_error = rms(images / 2.0, targets / 2.0)  # pixels in [0, 1]
        models[name] = {
            "feature_error": np.round(feature_error, 5).tolist(),
            "pixel_error": np.round(pixel_error, 5).tolist(),
            "norm_ratio": np.round(np.sum(latents**2, axis=-1) / latents.shape[-1], 4).tolist(),
            "worst": np.argsort(-feature_error)[:WORST].tolist(),
            "summary": error_figures.summary(feature_error, pixel_error, [w[0] for w in where]),
        }
    picks = showcase(where)
    FIGURES.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.concatenate(list(real[picks]), axis=1)).save(
        FIGURES / f"real-{dataset.id}.png"
    )
    PICTURES.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(  # every picture, for --redraw (not shipped: runs/ is not committed)
        PICTURES / f"{dataset.id}.npz",
        real=real,
        gan=to_uint8(gan_images),
        vae=to_uint8(vae_images),
    )
    return {
        "dataset": dataset.id,
        "label": dataset.label,
        "images": [{"class": name, "heldout_index": index} for name, index in where],
        "models": models,
        "showcase": {
            "images": picks,
            "file": f"real-{dataset.id}.png",
            "gan_latents": np.round(gan_latents[picks], 5).tolist(),
            "vae_latents": np.round(vae_latents[picks], 5).tolist(),
        },
        "settings": {
            "projection": asdict(settings),
            "error": "RMS, judge features / [0, 1] pixels",
        },
        "seconds": round(seconds, 1),
        "gan_model": dataset.gan,
        "vae_model": dataset.vae,
        # Which generator the codes belong to: a site offers them only with this very model.
        "gan_sha256": file_sha256(find_model_file(REPO / "models" / dataset.gan, "generator")),
    }


def showcase(where: list) -> list[int]:
    """SHOWCASE images, as many of each class: the first ones of each class's part."""
    classes = list(dict.fromkeys(name for name, _ in where))
    each = max(1, SHOWCASE // len(classes))
    picks = [i for name in classes for i in [j for j, w in enumerate(where) if w[0] == name][:each]]
    return picks[:SHOWCASE]


def draw(figures: dict) -> None:
    pictures = np.load(PICTURES / f"{figures['dataset']}.npz")
    error_figures.figure_png(figures, pictures["real"], pictures["gan"], pictures["vae"]).save(
        FIGURES / f"cannot-draw-{figures['dataset']}.png"
    )
    draw_walk(figures)


def draw_walk(figures: dict, steps: int = 12) -> None:
    """walk-real-<id>.png: the showcase's first pair (across the classes when there are two),
    each model walking between its own codes, the real images at the ends."""
    from latentwalk.core import latent

    dataset = BY_ID[figures["dataset"]]
    shown = figures["showcase"]
    classes = [figures["images"][i]["class"] for i in shown["images"]]
    other = [i for i, name in enumerate(classes) if name != classes[0]]
    pair = [0, other[0] if other else 1]
    strip = np.asarray(Image.open(FIGURES / shown["file"]).convert("RGB"))
    ends = [strip[:, 32 * i : 32 * (i + 1)] for i in pair]
    rows = {}
    for name, folder, role, key in (
        ("GAN", dataset.gan, "generator", "gan_latents"),
        ("VAE", dataset.vae, "decoder", "vae_latents"),
    ):
        _, model = load(REPO / "models" / folder, role)
        codes = np.asarray(shown[key], np.float32)[pair]
        path = latent.walk(codes, steps, latent.CODE_INTERPOLATION)
        rows[name] = to_uint8(np.asarray(model(path)))
    caption = f"{classes[pair[0]]} no. {pair[0]} to {classes[pair[1]]} no. {pair[1]} (held out)"
    error_figures.walk_png(rows, ends, caption).save(FIGURES / f"walk-real-{dataset.id}.png")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="*", metavar="DATASET", help=", ".join(BY_ID))
    parser.add_argument("--data", default=str(REPO / LOCAL_ZIP))
    parser.add_argument("--images", type=int, default=500, help="held-out images a data set")
    parser.add_argument("--redraw", action="store_true", help="only the figures, from the JSON")
    args = parser.parse_args(argv)
    unknown = [i for i in args.datasets if i not in BY_ID]
    if unknown:
        parser.error(f"unknown data set(s) {', '.join(unknown)}: choose from {', '.join(BY_ID)}")
    chosen = [BY_ID[i] for i in args.datasets] or list(DATASETS)
    judge = None if args.redraw else Judge()
    for dataset in chosen:
        path = FIGURES / f"real-{dataset.id}.json"
        if args.redraw:
            draw(json.loads(path.read_text()))
            continue
        figures = measure_dataset(dataset, judge, args.data, args.images)
        figures["provenance"] = provenance()
        path.write_text(json.dumps(figures, indent=1) + "\n")
        draw(figures)
        for name, model in figures["models"].items():
            print(f"{dataset.id} {name}: {error_figures.describe(model['summary'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
