"""Write web_demo/test/vectors.json: what core/latent.py (and core/tearing.py's pixel tail
statistics) computes for a fixed set of cases, so the JavaScript twins (web_demo/js/latent.js,
web_demo/js/tails.js) can be tested against it with `npm test`.

Run from the repository root after changing core/latent.py or core/tearing.py:
    .venv/bin/python web_demo/test/make_vectors.py
tests/test_web_vectors.py fails while the committed file differs from what Python computes now.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from latentwalk.core import latent, tearing
from latentwalk.core.layout import CHECKOUT as ROOT

VECTORS_PATH = Path(__file__).with_name("vectors.json")

# 0 and 2**32 - 1 are the ends of the seed range; 42 is the example.
LATENT_SEEDS = [0, 1, 2, 7, 42, 1234, 65535, 2**31 - 1, 2**31, 4294967295]
PARSE_CASES = [
    "0-15, 42",
    "42",
    " 3 ; 1 ,2 ",
    "5-5",
    "0 - 3",
    "1_000",
    "+7",
    "4294967295",
    "10,9,8",
    ", 3,, 4 ,",
]
PARSE_ERRORS = [
    "",
    " , ",
    "abc",
    "5-3",
    "-1",
    "4294967296",
    "1.5",
    "-5-3",
    "0-1024",
    "1-2-3",
    "0x10",
    "3 4",
]
T_VALUES = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]


def _floats(array: np.ndarray) -> list:
    """Exact float values (float32 widened to float64) as nested lists, for JSON."""
    return np.asarray(array, dtype=np.float64).tolist()


def _interpolation_cases() -> list[dict]:
    z = {seed: latent.seed_to_latent(seed) for seed in (1, 2, 42)}
    pairs = {
        "seed 1 -> seed 2": (z[1], z[2]),
        "seed 42 -> seed 1": (z[42], z[1]),
        "same vector": (z[42], z[42].copy()),
        "opposite vectors": (z[2], -z[2]),
        "scaled copy": (z[1], 2.5 * z[1]),
        "from zero": (np.zeros(32, np.float32), z[42]),
    }
    cases = []
    for name, (z0, z1) in pairs.items():
        cases.append(
            {
                "name": name,
                "z0": _floats(z0),
                "z1": _floats(z1),
                "t": T_VALUES,
                "lerp": _floats(latent.lerp(z0, z1, np.array(T_VALUES))),
                "slerp": _floats(latent.slerp(z0, z1, np.array(T_VALUES))),
            }
        )
    return cases


def _path_cases() -> list[dict]:
    rng = np.random.default_rng(5)
    # Values slightly outside [-1, 1] check that both sides clip before measuring.
    frames = rng.uniform(-1.2, 1.2, size=(6, 4, 4, 3)).astype(np.float32)
    frames[3] = frames[2]  # a step with no change at all
    still = np.zeros((3, 2, 2, 3), np.float32)
    return [
        {
            "name": "random frames",
            "shape": list(frames.shape),
            "frames": _floats(frames.ravel()),
            "distances": _floats(latent.path_distances(frames)),
        },
        {
            "name": "still frames",
            "shape": list(still.shape),
            "frames": _floats(still.ravel()),
            "distances": _floats(latent.path_distances(still)),
        },
    ]


def _jump_cases() -> list[dict]:
    lists = [
        ([0.01, 0.012, 0.011, 0.2, 0.01, 0.009], 3.0),
        ([0.01, 0.012, 0.011, 0.2, 0.01, 0.009], 20.0),
        ([1.0, 2.0, 3.0, 4.0], 1.5),
        ([0.0, 0.0, 0.5, 0.0], 3.0),
        ([0.0, 0.0, 0.0], 3.0),
        ([], 3.0),
    ]
    return [
        {"distances": d, "k": k, "jumps": latent.find_jumps(np.array(d), k).tolist()}
        for d, k in lists
    ]


def _plane_case(plane: latent.Plane) -> dict:
    return {
        "origin": _floats(plane.origin),
        "axes": _floats(plane.axes),
        "center": list(plane.center),
        "half_width": plane.half_width,
        "spacing": plane.spacing,
        "marks": [list(m) for m in plane.marks],
        "mark_cells": [list(m) for m in plane.mark_cells()],
        "lattice": _floats(plane.latents(ring=1)),
    }


def _atlas_cases() -> dict:
    planes = [
        {"kind": "seeds", "seeds": [3, 8, 12], "n": 5, "margin": 0.15},
        {"kind": "seeds", "seeds": [0, 42, 7], "n": 4, "margin": 0.3},
        {"kind": "random", "seed": 7, "plane_seed": 99, "n": 4, "half_width": None},
        {"kind": "random", "seed": 0, "plane_seed": 4294967295, "n": 5, "half_width": 1.5},
    ]
    for case in planes:
        if case["kind"] == "seeds":
            plane = latent.plane_through_seeds(case["seeds"], 32, case["n"], case["margin"])
        else:
            plane = latent.random_plane(
                case["seed"], case["plane_seed"], 32, case["n"], case["half_width"]
            )
        case.update(_plane_case(plane))
    rng = np.random.default_rng(11)
    maps = []
    for n, spacing in ((8, 0.25), (6, 1.0)):
        # Values beyond [-1, 1] check the clipping; a planted step makes a cliff.
        lattice = rng.uniform(-0.05, 0.05, size=(n + 2, n + 2, 4, 4, 3))
        lattice += np.linspace(-0.3, 0.3, n + 2)[None, :, None, None, None]
        lattice[:, n // 2 + 1 :] += 0.5
        lattice = lattice.reshape(-1, 4, 4, 3).astype(np.float32)
        result = latent.stretch_map(lattice, spacing)
        maps.append(
            {
                "n": n,
                "spacing": spacing,
                "shape": list(lattice.shape),
                "lattice": _floats(lattice.ravel()),
                **{name: _floats(values.ravel()) for name, values in result.items()},
                "summary_area": latent.atlas_summary(result["area"], 3.0),
                "summary_stretch": latent.atlas_summary(result["stretch"], 2.0),
            }
        )
    errors = [[3, 3, 5], [1, 2], [1, 2, 3, 4]]
    for seeds in errors:
        try:
            latent.plane_through_seeds(seeds)
        except ValueError:
            continue
        raise AssertionError(f"plane_through_seeds({seeds}) was expected to fail")
    return {"planes": planes, "maps": maps, "plane_errors": errors, "bad_n": [0, 3, 65, 2.5]}


def _tail_cases() -> dict:
    """The page's "measure here, in pixels": per-step RMS pixel change (rms_steps over
    pixel_judge) and tail_statistics of step lists with a heavy tail, a light one and zeros.
    Every figure is finite here (JSON has no NaN); the NaN cases are in tails.test.js."""
    rng = np.random.default_rng(13)
    # Values slightly outside [-1, 1] check that both sides clip before measuring.
    frames = rng.uniform(-1.2, 1.2, size=(7, 4, 4, 3)).astype(np.float32)
    frames[4] = frames[3]
    steps = tearing.rms_steps(tearing.pixel_judge(frames)[0])
    lists = {
        "heavy tail": rng.pareto(1.5, 1000) + 1e-3,
        "light tail": rng.uniform(0.5, 1.0, 300),
        "zeros and steps": np.concatenate([np.zeros(60), rng.exponential(1.0, 140)]),
    }
    return {
        "frames": {"shape": list(frames.shape), "frames": _floats(frames.ravel())},
        "rms_steps": _floats(steps),
        "statistics": [
            {"name": name, "values": _floats(values), "figures": tearing.tail_statistics(values)}
            for name, values in lists.items()
        ],
    }


def _parse_errors() -> list[str]:
    for text in PARSE_ERRORS:
        try:
            latent.parse_seeds(text)
        except ValueError:
            continue
        raise AssertionError(f"parse_seeds({text!r}) was expected to fail")
    return PARSE_ERRORS


def build_vectors() -> dict:
    """Everything vectors.json holds, computed now by core/latent.py."""
    waypoints = latent.seeds_to_latents([0, 42, 7])
    return {
        "comment": "Written by web_demo/test/make_vectors.py from core/latent.py; do not edit.",
        "seed_mapping": latent.SEED_MAPPING,
        "mulberry32": [{"seed": s, "draws": latent.mulberry32(s, 8).tolist()} for s in (0, 42)],
        "latents": [
            {"seed": s, "latent_dim": 32, "latent": _floats(latent.seed_to_latent(s))}
            for s in LATENT_SEEDS
        ],
        "odd_dims": [
            {"seed": 42, "latent_dim": d, "latent": _floats(latent.seed_to_latent(42, d))}
            for d in (1, 3, 31)
        ],
        "interpolations": _interpolation_cases(),
        "walks": [
            {
                "seeds": [0, 42, 7],
                "steps": steps,
                "mode": mode,
                "frames": _floats(latent.walk(waypoints, steps, mode)),
            }
            for mode in ("lerp", "slerp")
            for steps in (1, 4)
        ],
        "path_distances": _path_cases(),
        "jumps": _jump_cases(),
        "parse_seeds": [{"text": t, "seeds": latent.parse_seeds(t)} for t in PARSE_CASES],
        "parse_seeds_errors": _parse_errors(),
        "atlas": _atlas_cases(),
        "tails": _tail_cases(),
    }


def main() -> None:
    VECTORS_PATH.write_text(json.dumps(build_vectors(), indent=1) + "\n")
    print(f"wrote {VECTORS_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
