"""Pictures and quality figures of the shipped models, for the README (made by script, not by hand).

    python models/recipes/make_figures.py [--gan models/gan-frog] [--vae models/vae-frog]
                                  [--data ../shared/data/cifar10-train-jpeg.zip]

Writes models/figures/{gan_frogs,vae_frogs,walk_gan_vae}.png and models/quality.json. The mode
collapse check: the mean pairwise pixel distance (RMS over pixels, images in [0, 1]) among 256
generated samples against the same figure among 256 real frogs; a collapsed GAN scores far lower.
The walk's steps and the smoothness of 256 random paths are measured in the judge's features
(``--space features``, the default when models/judge exists) or in pixels; quality.json says which.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from latentwalk.core.datasets import LOCAL_ZIP
from latentwalk.core.layout import CHECKOUT as REPO

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported

import numpy as np
from PIL import Image, ImageDraw

from latentwalk.core.images import make_grid, to_uint8
from latentwalk.core.latent import path_distances, seeds_to_latents, smoothness, walk
from latentwalk.core.layout import JUDGE_MODEL, find_model_file
from latentwalk.train.provenance import provenance

WALK_SEEDS = (3, 11)
WALK_FRAMES = 12


def load(folder: Path, role: str):
    import keras

    path = find_model_file(folder, role)
    if path is None:
        raise SystemExit(f"no {role}.keras in {folder}: train and export the models first")
    return keras.saving.load_model(path, compile=False)


def mean_pairwise_distance(images: np.ndarray) -> float:
    """Mean RMS pixel distance over all pairs; images in [0, 1]."""
    flat = images.reshape(len(images), -1).astype(np.float64)
    squared = np.sum(flat**2, axis=1)
    gram = squared[:, None] + squared[None, :] - 2 * flat @ flat.T
    distances = np.sqrt(np.maximum(gram, 0) / flat.shape[1])
    upper = np.triu_indices(len(images), k=1)
    return float(distances[upper].mean())


def labelled_strip(rows: list[tuple[str, np.ndarray]], scale: int = 3) -> Image.Image:
    """One row of frames per model, each with its name on the left."""
    strips = [
        Image.fromarray(make_grid(frames, columns=len(frames), scale=scale)) for _, frames in rows
    ]
    label_width = 60
    out = Image.new("RGB", (label_width + strips[0].width, sum(s.height for s in strips)), "white")
    draw = ImageDraw.Draw(out)
    top = 0
    for (name, _), strip in zip(rows, strips, strict=True):
        out.paste(strip, (label_width, top))
        draw.text((8, top + strip.height // 2 - 6), name, fill="black")
        top += strip.height
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gan", type=Path, default=REPO / "models" / "gan-frog")
    parser.add_argument("--vae", type=Path, default=REPO / "models" / "vae-frog")
    parser.add_argument(
        "--book",
        type=Path,
        default=REPO / "models" / "gan-book-frog",
        help="the book-preset GAN, if shipped (skipped when the folder is missing)",
    )
    parser.add_argument("--data", default=str(REPO / LOCAL_ZIP))
    parser.add_argument("--out", type=Path, default=REPO / "models")
    parser.add_argument("--judge", type=Path, default=REPO / "models" / "judge")
    parser.add_argument(
        "--space",
        choices=("features", "pixels"),
        default=None,
        help="where walk steps and path smoothness are measured (default: the judge's features "
        "when --judge exists, else pixels)",
    )
    args = parser.parse_args()
    features = None
    if args.space != "pixels" and (args.judge / JUDGE_MODEL).exists():
        from latentwalk.train.quality.evaluate import Judge

        features = Judge(args.judge).features
    elif args.space == "features":
        raise SystemExit(f"no judge in {args.judge}: run `make judge`, or pass --space pixels")
    space = "features" if features is not None else "pixels"

    generator, decoder = load(args.gan, "generator"), load(args.vae, "decoder")
    figures = args.out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    grid_latents = seeds_to_latents(range(64))
    for name, model in (("gan", generator), ("vae", decoder)):
        images = np.asarray(model(grid_latents, training=False))
        Image.fromarray(make_grid(images, columns=8, scale=3)).save(figures / f"{name}_frogs.png")

    path = walk(seeds_to_latents(WALK_SEEDS), WALK_FRAMES - 1, "slerp")
    frames = {
        name: np.asarray(model(path, training=False))
        for name, model in (("GAN", generator), ("VAE", decoder))
    }
    labelled_strip(list(frames.items())).save(figures / "walk_gan_vae.png")

    generators = {"gan": generator}
    if args.book.exists():
        generators["gan_book"] = load(args.book, "generator")
        images = np.asarray(generators["gan_book"](grid_latents, training=False))
        Image.fromarray(make_grid(images, columns=8, scale=3)).save(figures / "gan_book_frogs.png")
    diversity = {}
    for name, model in generators.items():
        generated = to_uint8(np.asarray(model(seeds_to_latents(range(256)), training=False)))
        diversity[name] = mean_pairwise_distance(generated / 255.0)

    def generate_with(model):
        return lambda latents: np.asarray(model(latents, training=False))

    quality = {
        "generated_mean_pairwise_distance": diversity,
        "walk_seeds": list(WALK_SEEDS),
        "space": space,
        "walk_max_over_median_step": {
            name: float(d.max() / np.median(d))
            for name, d in ((n, path_distances(f, features)) for n, f in frames.items())
        },
        "smoothness_256_paths_p99_over_median": {
            name: smoothness(generate_with(model), 32, 256, features=features)["p99_over_median"]
            for name, model in (("GAN", generator), ("VAE", decoder))
        },
    }
    if Path(args.data).exists():
        from latentwalk.train.config import DataConfig
        from latentwalk.train.data import load_images

        real = load_images(DataConfig(args.data, "frog"))
        picked = real[np.random.default_rng(0).choice(len(real), 256, replace=False)]
        quality["real_mean_pairwise_distance"] = mean_pairwise_distance(picked / 255.0)
        real_distance = quality["real_mean_pairwise_distance"]
        quality["ratio"] = {name: value / real_distance for name, value in diversity.items()}
    else:
        print(f"{args.data} not found: real-frog diversity not measured", file=sys.stderr)
    quality |= provenance()  # date, hardware, library versions, commit
    (args.out / "quality.json").write_text(json.dumps(quality, indent=2) + "\n")
    print(json.dumps(quality))


if __name__ == "__main__":
    main()
