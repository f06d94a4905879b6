"""The README's latent-atlas figure and figures (made by script, not by hand).

    python models/recipes/make_atlas_figure.py [--gan models/gan-frog] [--vae models/vae-frog]
                                       [--seeds 0,1,2] [--n 24] [--planes 32]

Writes models/figures/atlas_gan_vae.png (both models' grids and area-magnification maps on the
plane through three seeds, in the judge's features, on one colour scale) and
models/figures/atlas_summary.json (that plane's figures, and the distribution of the same figures
over random planes through random seeds, in judge features and in pixels).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from latentwalk.core.layout import CHECKOUT as REPO

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported

import numpy as np

from latentwalk.core import latent
from latentwalk.streamlit_app import atlas as pictures
from latentwalk.streamlit_app.generation import load_judge_features, load_model
from latentwalk.streamlit_app.models import inspect_folder
from latentwalk.train.provenance import provenance

FIGURES = REPO / "models" / "figures"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gan", type=Path, default=REPO / "models" / "gan-frog")
    parser.add_argument("--vae", type=Path, default=REPO / "models" / "vae-frog")
    parser.add_argument("--judge", type=Path, default=REPO / "models" / "judge")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--n", type=int, default=24)
    parser.add_argument("--planes", type=int, default=32, help="random planes (default: 32)")
    parser.add_argument("--planes-n", type=int, default=16, help="their grid N (default: 16)")
    parser.add_argument("--k", type=float, default=3.0, help="a cliff: above k x the median")
    args = parser.parse_args()

    models = {}
    for name, folder in (("GAN", args.gan), ("VAE", args.vae)):
        found = inspect_folder(folder)
        if found is None:
            raise SystemExit(f"no model in {folder}: train and export the models first")
        models[name] = load_model(found).generate
    features = load_judge_features(args.judge)
    if features is None:
        raise SystemExit(f"no judge in {args.judge}: run `make judge` first")

    seeds = latent.parse_seeds(args.seeds, limit=3)
    plane = latent.plane_through_seeds(seeds, n=args.n)
    results = {name: latent.atlas(generate, plane, features) for name, generate in models.items()}
    FIGURES.mkdir(parents=True, exist_ok=True)
    title = pictures.plane_title(plane, "judge features")
    picture = pictures.atlas_png(
        results, "area", plane.mark_cells(), [str(s) for s in seeds], title=title
    )
    # A 256-colour palette keeps the README figure small (the repository's files stay lean).
    picture.quantize(256, dither=0).save(FIGURES / "atlas_gan_vae.png", optimize=True)

    summary = {
        "plane": {"seeds": seeds, "n": args.n, "margin": 0.15, "space": "judge features"},
        "k": args.k,
        "this_plane": {
            measure: {
                name: latent.atlas_summary(result[measure], args.k)
                for name, result in results.items()
            }
            for measure in ("area", "stretch")
        },
        "random_planes": {},
    }
    for space, function in (("judge features", features), ("pixels", None)):
        planes = latent.random_plane_summaries(
            models, 32, args.planes, args.planes_n, seed=0, k=args.k, features=function
        )
        summary["random_planes"][space] = {
            "planes": args.planes,
            "n": args.planes_n,
            "measure": "area",
            **{
                name: {
                    "p99_over_median": _spread([p["p99_over_median"] for p in per_plane]),
                    "cliff_share": _spread([p["cliff_share"] for p in per_plane]),
                    "planes_with_cliffs": int(sum(p["cliff_share"] > 0 for p in per_plane)),
                }
                for name, per_plane in planes.items()
            },
        }
    spectra = {
        name: latent.local_spectrum(generate, latent.seed_to_latent(s), features=features)
        for name, generate in models.items()
        for s in seeds[:1]
    }
    summary["local_spectrum_at_seed"] = {
        "seed": seeds[0],
        **{
            name: {"largest_over_smallest": float(v[0] / v[-1]), "values": v.tolist()}
            for name, v in spectra.items()
        },
    }
    summary |= provenance()  # date, hardware, library versions, commit
    (FIGURES / "atlas_summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "local_spectrum_at_seed"}, indent=1))
    print(
        {
            name: round(s["largest_over_smallest"], 1)
            for name, s in summary["local_spectrum_at_seed"].items()
            if isinstance(s, dict)
        }
    )


def _spread(values: list[float]) -> dict:
    values = np.asarray(values, dtype=np.float64)
    return {
        "median": float(np.median(values)),
        "p10": float(np.percentile(values, 10)),
        "p90": float(np.percentile(values, 90)),
        "max": float(values.max()),
    }


if __name__ == "__main__":
    main()
