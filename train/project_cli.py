"""``python -m train project``: real images into a GAN's latent space (core/projection.py), and
into a VAE's beside it, with what each model draws back and how far it is from the target.

    python -m train project models/gan-frog photo.png more/ --out runs/projected
    python -m train project models/gan-frog --class frog --max-images 16 \\
        --vae models/vae-frog --out runs/projected

Writes into --out: ``latents.npz`` (the GAN's codes, the VAE's when given, the targets and the
drawn images), ``projection.png`` (a row per image: target | GAN | VAE) and ``errors.json``
(per image and on average: RMS pixel error in [0, 1] pixels, RMS judge-feature error when a
judge is given or found, |z|^2 / d). With ``--class`` the targets are the judge's held-out real
images of that class, the ones no model trained on.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from ..core import layout
from ..core.datasets import LOCAL_ZIP
from ..core.images import make_grid

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
MAX_IMAGES = 1000

EXAMPLES = f"""\
examples:
  # your own pictures (files or folders), centre-cropped to 32 x 32
  python -m train project models/gan-frog photo.png more/ --out runs/projected

  # 16 of the judge's held-out real frogs, in the GAN and (beside it) the VAE
  python -m train project models/gan-frog --class frog --max-images 16 \\
      --data {LOCAL_ZIP} --vae models/vae-frog --out runs/projected
"""


class ProjectError(ValueError):
    """A projection that cannot start (the CLI exits with code 2)."""


def add_project_parser(commands, formatter) -> None:
    from ..core.projection import ProjectionSettings

    defaults = ProjectionSettings()
    project = commands.add_parser(
        "project",
        help="find the GAN's latent codes of real images (and the VAE's beside them)",
        epilog=EXAMPLES,
        formatter_class=formatter,
        description=" ".join(
            part.replace("\n", " ") for part in (__doc__ or "").split("\n\n")[::2][:2]
        ),
    )
    add = project.add_argument
    add("model", type=Path, metavar="MODEL", help="the GAN: a run, models/ or export folder")
    add("images", type=Path, nargs="*", metavar="IMAGE", help="image files or folders of them")
    add("--out", type=Path, required=True, help="folder for latents.npz, projection.png, errors")
    add("--class", dest="class_name", help="project the judge's held-out real images of this class")
    add("--data", default=str(layout.CHECKOUT / LOCAL_ZIP), help="real images for --class")
    add("--max-images", type=int, default=16, help="at most this many (default: %(default)s)")
    add("--vae", type=Path, help="a VAE (run or models/ folder) to encode the same images")
    add("--judge", type=Path, help="the judge folder (default: models/judge, when it exists)")
    add(
        "--from-vae",
        action="store_true",
        help="start the first of the starts from the VAE's code for each image (needs --vae)",
    )
    add(
        "--feature-weight",
        type=float,
        default=defaults.feature_weight,
        help="weight of the judge-feature term in the loss (default: %(default)s, pixels only)",
    )
    add("--steps", type=int, default=defaults.steps, help="Adam steps (default: %(default)s)")
    add("--restarts", type=int, default=defaults.restarts, help="starts (default: %(default)s)")
    add("--seed", type=int, default=defaults.seed, help="seed of the starts (default: %(default)s)")
    from ..core.quiet import add_verbose_option

    add_verbose_option(project)


def read_images(paths: list[Path], limit: int) -> tuple[np.ndarray, list[str]]:
    """Image files (or every image in folders), centre-cropped square and resized to 32 x 32,
    as [-1, 1] floats, with their names."""
    from PIL import Image, UnidentifiedImageError

    files = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            raise ProjectError(f"{path} does not exist")
    if not files:
        raise ProjectError("no images: give image files or folders, or --class")
    images, names = [], []
    for path in files[:limit]:
        try:
            with Image.open(path) as opened:
                if opened.mode != "RGB":
                    print(f"{path}: {opened.mode} image, taken as RGB", file=sys.stderr)
                image = opened.convert("RGB")
        except Image.DecompressionBombError as error:
            raise ProjectError(f"{path} is too large to open safely ({error})") from None
        except (UnidentifiedImageError, OSError) as error:
            raise ProjectError(f"{path} is not an image Pillow can read ({error})") from None
        side = min(image.size)
        if side < 8:
            raise ProjectError(f"{path} is {image.size[0]} x {image.size[1]}: too small to project")
        left, top = (image.size[0] - side) // 2, (image.size[1] - side) // 2
        square = image.crop((left, top, left + side, top + side)).resize((32, 32), Image.BICUBIC)
        images.append(np.asarray(square, np.float32) / 127.5 - 1.0)
        names.append(path.name)
    return np.stack(images), names


def _judge(folder: Path | None):
    from .quality.evaluate import DEFAULT_JUDGE, Judge

    if folder is None and not (DEFAULT_JUDGE / layout.JUDGE_MODEL).is_file():
        return None
    return Judge(folder)


def run_project(args: argparse.Namespace) -> int:
    from ..core.projection import ProjectionSettings, project
    from .quality.evaluate import find_model, load_generator, real_split

    if not 1 <= args.max_images <= MAX_IMAGES:
        raise ProjectError(f"--max-images must be between 1 and {MAX_IMAGES}")
    try:
        settings = ProjectionSettings(
            steps=args.steps,
            restarts=args.restarts,
            feature_weight=args.feature_weight,
            seed=args.seed,
        )
    except ValueError as error:
        raise ProjectError(str(error)) from None
    model = find_model(args.model)
    if model.kind != "gan":
        raise ProjectError(f"{args.model} is a {model.kind}, not a GAN: give it as --vae")
    generator = load_generator(model)
    judge = _judge(args.judge)
    if args.class_name:
        if judge is None:
            raise ProjectError("--class needs the judge (its held-out split): pass --judge DIR")
        split = real_split(judge, args.data, args.class_name)
        targets = split.heldout[: args.max_images]
        targets = targets.astype(np.float32) / 127.5 - 1.0 if targets.dtype == np.uint8 else targets
        names = [f"held-out {split.class_name} {i}" for i in range(len(targets))]
    else:
        targets, names = read_images(args.images, args.max_images)
    if args.from_vae and args.vae is None:
        raise ProjectError("--from-vae needs the VAE: pass --vae DIR")
    vae = _vae(args.vae, targets, judge) if args.vae is not None else None
    features = judge.feature_network if judge is not None else None
    print(f"projecting {len(targets)} image(s) into {model.name}", file=sys.stderr)
    start = vae["latents"] if args.from_vae else None
    found = project(generator, targets, settings, features=features, start=start)
    rows = [targets, found.images]
    report = {
        "model": model.name,
        "images": names,
        "gan": found.summary(),
        "started_from_vae": bool(args.from_vae),
    }
    arrays = {"targets": targets, "gan_latents": found.latents, "gan_images": found.images}
    if vae is not None:
        rows.append(vae["images"])
        report["vae"] = {k: v for k, v in vae.items() if k not in ("images", "latents")}
        arrays.update(vae_latents=vae["latents"], vae_images=vae["images"])
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez(args.out / "latents.npz", **arrays)
    columns = len(rows)
    stacked = np.stack(rows, axis=1).reshape(-1, 32, 32, 3)
    from PIL import Image

    Image.fromarray(make_grid(stacked, columns, 4, 2)).save(args.out / "projection.png")
    (args.out / "errors.json").write_text(json.dumps(report, indent=1) + "\n")
    mean = float(np.mean(found.pixel_error))
    print(f"GAN: mean RMS pixel error {mean:.4f}; wrote {args.out}", file=sys.stderr)
    return 0


def _vae(folder: Path, targets: np.ndarray, judge) -> dict:
    """The VAE's reconstructions of ``targets``: its encoder's mean, decoded."""
    import keras

    from ..core.calls import input_former

    encoder_file = layout.find_model_file(folder, "encoder")
    decoder_file = layout.find_model_file(folder, "decoder")
    if encoder_file is None or decoder_file is None:
        raise ProjectError(f"--vae {folder} has no encoder and decoder")
    encoder = keras.models.load_model(encoder_file, compile=False)
    decoder = keras.models.load_model(decoder_file, compile=False)
    z_mean = keras.ops.convert_to_numpy(encoder(input_former(encoder)(targets))[0])
    images = keras.ops.convert_to_numpy(decoder(input_former(decoder)(z_mean)))
    result = {
        "latents": z_mean,
        "images": images,
        "pixel_error": np.sqrt(np.mean(((images - targets) / 2.0) ** 2, axis=(1, 2, 3))).tolist(),
        "norm_ratio": (np.sum(z_mean**2, axis=-1) / z_mean.shape[-1]).tolist(),
    }
    result["mean_pixel_error"] = float(np.mean(result["pixel_error"]))
    if judge is not None:
        ours, theirs = judge.features(images), judge.features(targets)
        result["feature_error"] = np.sqrt(np.mean((ours - theirs) ** 2, axis=-1)).tolist()
        result["mean_feature_error"] = float(np.mean(result["feature_error"]))
    return result
