"""How fast is the app's work on this machine? Times, through the app's own modules (not the UI):

- a 64-frame walk through the GAN and the VAE (target: under 1 s for both together),
  with and without the extras the Walk section adds (per-step distances, the animated GIF);
- the smoothness of 256 random paths through each model (512 images per model);
- for comparison, the same 64-frame batch through ``model.predict`` and ``predict_on_batch``.

Uses the shipped models (models/gan-frog, models/vae-frog) when present, else models of the
`small` presets with random weights (same size and cost as trained ones), and says which.

    python benchmarks/app_latency.py                 # prints JSON
    python benchmarks/app_latency.py --out benchmarks/results/app-latency.json
    python benchmarks/app_latency.py --gan runs/gan-small-frog --vae runs/vae-small-frog
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from latentwalk.core import latent
from latentwalk.streamlit_app import lab, media
from latentwalk.streamlit_app.generation import load_model
from latentwalk.streamlit_app.models import SHIPPED_DIR, find_models, inspect_folder
from latentwalk.train.results_file import add_out_option, write_results


def random_weight_models(folder: Path) -> tuple[Path, Path]:
    """`small`-preset GAN generator and VAE decoder/encoder with random weights, saved as run
    folders so they load exactly as trained ones do."""
    import keras

    from latentwalk.train.config import DataConfig, make_config
    from latentwalk.train.gan import build_generator
    from latentwalk.train.vae import build_decoder, build_encoder

    keras.utils.set_random_seed(0)
    gan_dir, vae_dir = folder / "gan-small-random", folder / "vae-small-random"
    gan_dir.mkdir(), vae_dir.mkdir()
    build_generator(make_config("gan", "small", {}, DataConfig())).save(gan_dir / "generator.keras")
    vae_config = make_config("vae", "small", {}, DataConfig())
    build_decoder(vae_config).save(vae_dir / "decoder.keras")
    build_encoder(vae_config).save(vae_dir / "encoder.keras")
    for run_dir, kind in ((gan_dir, "gan"), (vae_dir, "vae")):
        (run_dir / "config.json").write_text(
            json.dumps({"kind": kind, "preset": "small", "latent_dim": 32})
        )
    return gan_dir, vae_dir


def timed(function, repeats: int) -> dict:
    """Median and best wall time of ``repeats`` calls, after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return {"median_s": round(statistics.median(times), 4), "best_s": round(min(times), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 3)[-1],
    )
    parser.add_argument("--gan", type=Path, help="a GAN run or export folder")
    parser.add_argument("--vae", type=Path, help="a VAE run or export folder")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--paths", type=int, default=256)
    add_out_option(parser, "app-latency.json")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        if args.gan or args.vae:
            found = [inspect_folder(p) for p in (args.gan, args.vae) if p]
            if None in found:
                parser.exit(2, "app_latency: --gan/--vae must name run or export folders\n")
            source = "given folders"
        else:
            found, _ = find_models([SHIPPED_DIR])
            source = "shipped models/"
            if {m.kind for m in found} != {"gan", "vae"}:
                found = [inspect_folder(p) for p in random_weight_models(Path(scratch))]
                source = "small presets, random weights (no shipped models yet)"
        found = [
            next(m for m in found if m.kind == kind)
            for kind in ("gan", "vae")
            if any(m.kind == kind for m in found)
        ]

        start = time.perf_counter()
        loaded = {m.kind.upper(): load_model(m) for m in found}
        load_s = time.perf_counter() - start
        generators = {name: model.generate for name, model in loaded.items()}

        path = latent.walk(latent.seeds_to_latents([0, 1], 32), 63, "slerp")  # 64 frames
        assert len(path) == 64

        def walk_models():
            return {name: generate(path) for name, generate in generators.items()}

        def walk_section():
            frames = walk_models()
            lab.walk_report(frames, 3.0)
            media.gif_bytes(list(frames.values()), scale=4)

        result = {
            "machine": {
                "cpus": os.cpu_count(),
                "load_average": os.getloadavg(),
                "python": platform.python_version(),
            },
            "models": source,
            "model_folders": {m.kind: str(m.folder) for m in found},
            "load_and_compile_s": round(load_s, 2),
            "walk_64_frames_all_models": timed(walk_models, args.repeats),
            "walk_64_frames_per_model": {
                name: timed(lambda g=generate: g(path), args.repeats)
                for name, generate in generators.items()
            },
            "walk_section_with_distances_and_gif": timed(walk_section, max(args.repeats // 2, 1)),
        }
        result["walk_target_1s_met"] = result["walk_64_frames_all_models"]["median_s"] < 1.0
        result["alternatives_64_frames"] = alternatives(found, path, args.repeats)
        result[f"smoothness_{args.paths}_paths"] = {
            name: timed(lambda g=generate: latent.smoothness(g, 32, args.paths), 3)
            for name, generate in generators.items()
        }
        print(json.dumps(result, indent=2))
        write_results(args.out, result, argv)
    return 0


def alternatives(found, path: np.ndarray, repeats: int) -> dict:
    """The same 64-frame batch through Keras's own entry points, to compare with the app's
    tf.function (walk_64_frames_per_model)."""
    import keras

    out = {}
    for model_info in found:
        role = "generator" if model_info.kind == "gan" else "decoder"
        model = keras.saving.load_model(model_info.files[role], compile=False)
        out[model_info.kind.upper()] = {
            "predict": timed(lambda m=model: m.predict(path, verbose=0), repeats),
            "predict_on_batch": timed(lambda m=model: m.predict_on_batch(path), repeats),
        }
    return out


if __name__ == "__main__":
    sys.exit(main())
