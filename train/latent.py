"""Latent-space math shared by the trainer, the exporter, the app and (as a JavaScript twin) the
web demo. NumPy only: importing this module must never pull in TensorFlow.

Seed -> latent mapping ("mulberry32-boxmuller/1"), the contract every stage keeps:

1. A mulberry32 generator (32-bit integer arithmetic) is started from ``seed mod 2**32``.
2. Each draw ``x`` (a uint32) becomes a uniform ``u = (x + 0.5) / 2**32``, so u is never 0 or 1.
3. Uniforms are consumed in pairs (u1, u2) by the Box-Muller transform, in float64:
   ``r = sqrt(-2 ln u1)``; the pair gives ``r cos(2 pi u2)`` then ``r sin(2 pi u2)``.
4. The first ``latent_dim`` values, cast to float32, are the latent vector.

``web_demo/js/latent.js`` implements the same steps; shared test vectors keep them equal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

SEED_MAPPING = "mulberry32-boxmuller/1"
_MASK = 0xFFFFFFFF


def mulberry32(seed: int, count: int) -> np.ndarray:
    """``count`` uint32 draws of mulberry32 started from ``seed`` (as in the JS twin)."""
    state = int(seed) & _MASK
    out = np.empty(count, dtype=np.uint64)
    for i in range(count):
        state = (state + 0x6D2B79F5) & _MASK
        t = ((state ^ (state >> 15)) * (state | 1)) & _MASK
        t = (t + (((t ^ (t >> 7)) * (t | 61)) & _MASK)) & _MASK ^ t
        out[i] = (t ^ (t >> 14)) & _MASK
    return out


def seed_to_latent(seed: int, latent_dim: int = 32) -> np.ndarray:
    """The documented seed -> N(0, I) latent vector, float32, shape (latent_dim,)."""
    pairs = (latent_dim + 1) // 2
    uniforms = (mulberry32(seed, 2 * pairs).astype(np.float64) + 0.5) / 2.0**32
    u1, u2 = uniforms[0::2], uniforms[1::2]
    radius = np.sqrt(-2.0 * np.log(u1))
    normals = np.empty(2 * pairs, dtype=np.float64)
    normals[0::2] = radius * np.cos(2.0 * np.pi * u2)
    normals[1::2] = radius * np.sin(2.0 * np.pi * u2)
    return normals[:latent_dim].astype(np.float32)


def seeds_to_latents(seeds: Sequence[int], latent_dim: int = 32) -> np.ndarray:
    """Stack of ``seed_to_latent`` for each seed, shape (len(seeds), latent_dim)."""
    return np.stack([seed_to_latent(s, latent_dim) for s in seeds]).astype(np.float32)


def parse_seeds(text: str, limit: int = 1024) -> list[int]:
    """Parse "0-15, 42" into [0, 1, ..., 15, 42]. Raises ValueError with a readable message."""
    seeds: list[int] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part[1:]:
                lo_text, hi_text = part.split("-", 1) if part[0] != "-" else (part, "")
                lo, hi = int(lo_text), int(hi_text)
                if hi < lo:
                    raise ValueError(f"range {part!r} runs backwards")
                if len(seeds) + hi - lo + 1 > limit:  # check before expanding "0-4294967295"
                    raise ValueError(f"too many seeds in {text!r} (at most {limit})")
                seeds.extend(range(lo, hi + 1))
            else:
                seeds.append(int(part))
        except ValueError as error:
            raise ValueError(f"cannot read seeds {text!r}: {error}") from None
        if len(seeds) > limit:
            raise ValueError(f"too many seeds in {text!r} (at most {limit})")
    if not seeds:
        raise ValueError("no seeds given: write e.g. '0-15, 42'")
    if any(s < 0 or s > _MASK for s in seeds):
        raise ValueError(f"seeds must be between 0 and {_MASK}")
    return seeds


def lerp(z0: np.ndarray, z1: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """Straight-line interpolation; ``t`` may be a scalar or a 1-D array of positions."""
    t = np.asarray(t, dtype=np.float64)
    z0, z1 = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    out = z0 + np.multiply.outer(t, z1 - z0) if t.ndim else z0 + t * (z1 - z0)
    return out.astype(np.float32)


def slerp(z0: np.ndarray, z1: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """Spherical interpolation that keeps Gaussian norms: the direction is slerped on the unit
    sphere and the norm is interpolated linearly, so midpoints are not pulled toward the origin
    (where lerp's midpoints land, in the low-density shell of a 32-d Gaussian)."""
    t = np.asarray(t, dtype=np.float64)
    z0, z1 = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    n0, n1 = np.linalg.norm(z0), np.linalg.norm(z1)
    if n0 == 0 or n1 == 0:
        return lerp(z0, z1, t)
    u0, u1 = z0 / n0, z1 / n1
    omega = np.arccos(np.clip(np.dot(u0, u1), -1.0, 1.0))
    ts = np.atleast_1d(t)
    if omega < 1e-7:
        direction = np.multiply.outer(1 - ts, u0) + np.multiply.outer(ts, u1)
        direction /= np.linalg.norm(direction, axis=-1, keepdims=True)
    else:
        w0 = np.sin((1 - ts) * omega) / np.sin(omega)
        w1 = np.sin(ts * omega) / np.sin(omega)
        direction = np.multiply.outer(w0, u0) + np.multiply.outer(w1, u1)
    norm = (1 - ts) * n0 + ts * n1
    out = (direction * norm[:, None]).astype(np.float32)
    return out if t.ndim else out[0]


INTERPOLATIONS: dict[str, Callable] = {"lerp": lerp, "slerp": slerp}


def walk(waypoints: np.ndarray, steps: int, mode: str = "slerp") -> np.ndarray:
    """A path through two or more waypoints: ``steps`` frames per leg, shared ends counted once.
    Returns shape ((len(waypoints) - 1) * steps + 1, latent_dim)."""
    waypoints = np.asarray(waypoints, dtype=np.float32)
    if waypoints.ndim != 2 or len(waypoints) < 2:
        raise ValueError("a walk needs at least two waypoints of shape (latent_dim,)")
    if steps < 1:
        raise ValueError("steps must be at least 1")
    if mode not in INTERPOLATIONS:
        raise ValueError(f"unknown interpolation {mode!r}: use 'lerp' or 'slerp'")
    interpolate = INTERPOLATIONS[mode]
    ts = np.arange(steps) / steps
    legs = [interpolate(a, b, ts) for a, b in zip(waypoints[:-1], waypoints[1:])]
    return np.concatenate(legs + [waypoints[-1:]], axis=0).astype(np.float32)


def move_dimension(z: np.ndarray, dim: int, values: Sequence[float]) -> np.ndarray:
    """Copies of ``z`` with dimension ``dim`` set to each of ``values`` (a per-dimension sweep)."""
    z = np.asarray(z, dtype=np.float32)
    if not 0 <= dim < z.shape[-1]:
        raise ValueError(f"dimension {dim} is outside 0..{z.shape[-1] - 1}")
    out = np.repeat(z[None, :], len(values), axis=0)
    out[:, dim] = values
    return out


def to_unit_range(images: np.ndarray) -> np.ndarray:
    """Images from the models' [-1, 1] to [0, 1], float64, clipped."""
    return np.clip((np.asarray(images, dtype=np.float64) + 1.0) / 2.0, 0.0, 1.0)


def image_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean squared pixel difference per image pair, for images already in [0, 1]."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.mean((a - b) ** 2, axis=tuple(range(1, a.ndim)))


FeatureFunction = Callable[[np.ndarray], np.ndarray]


def _embed(images: np.ndarray, features: FeatureFunction | None) -> np.ndarray:
    """What distances are measured on: [0, 1] pixels, or ``features(images)`` (images given in
    the models' [-1, 1]), e.g. the judge's features as Karras et al.'s PPL uses a network's."""
    if features is None:
        return to_unit_range(images)
    return np.asarray(features(np.asarray(images, dtype=np.float32)), dtype=np.float64)


def path_distances(frames: np.ndarray, features: FeatureFunction | None = None) -> np.ndarray:
    """Change between consecutive frames of a walk (``frames`` in the models' [-1, 1]): the mean
    squared difference of pixels on [0, 1], or of ``features`` of the frames when given."""
    embedded = _embed(frames, features)
    return image_distance(embedded[:-1], embedded[1:])


def path_length(distances: np.ndarray) -> float:
    """Total image change along a path (sum of per-step changes)."""
    return float(np.sum(distances))


def find_jumps(distances: np.ndarray, k: float = 3.0) -> np.ndarray:
    """Indices of steps whose change exceeds ``k`` times the median step."""
    distances = np.asarray(distances, dtype=np.float64)
    median = np.median(distances) if len(distances) else 0.0
    if median <= 0:
        return np.flatnonzero(distances > 0) if np.any(distances > 0) else np.array([], int)
    return np.flatnonzero(distances > k * median)


def walk_summary(distances: np.ndarray, k: float = 3.0) -> dict:
    """Scale-free summary of one walk: largest step over median step, and the jumps."""
    distances = np.asarray(distances, dtype=np.float64)
    median = float(np.median(distances))
    return {
        "length": path_length(distances),
        "median_step": median,
        "max_step": float(distances.max()),
        "max_over_median": float(distances.max() / median) if median > 0 else float("inf"),
        "jumps": find_jumps(distances, k).tolist(),
    }


def smoothness(
    generate: Callable[[np.ndarray], np.ndarray],
    latent_dim: int,
    num_paths: int = 256,
    epsilon: float = 1e-4,
    seed: int = 0,
    batch_size: int = 256,
    features: FeatureFunction | None = None,
) -> dict:
    """Path-length smoothness in the manner of Karras et al. (2019)'s perceptual path length:
    E[d(G(slerp(z1, z2; t)), G(slerp(z1, z2; t + eps))) / eps^2], t ~ U(0, 1), with d the mean
    squared pixel difference on [0, 1] images (or of ``features`` of the images, when given),
    discarding values below the 1st and above the 99th percentile. ``generate`` maps a
    (n, latent_dim) batch to images in [-1, 1].

    Raw values depend on how many pixels a model changes at all (a blurry model scores low), so
    the scale-free ``p99_over_median`` is reported too."""
    rng = np.random.default_rng(seed)
    z1 = rng.standard_normal((num_paths, latent_dim))
    z2 = rng.standard_normal((num_paths, latent_dim))
    t = rng.uniform(0.0, 1.0 - epsilon, num_paths)
    a = np.stack([slerp(p, q, s) for p, q, s in zip(z1, z2, t)])
    b = np.stack([slerp(p, q, s + epsilon) for p, q, s in zip(z1, z2, t)])
    values = np.empty(num_paths)
    for start in range(0, num_paths, batch_size):
        stop = min(start + batch_size, num_paths)
        images = generate(np.concatenate([a[start:stop], b[start:stop]]).astype(np.float32))
        embedded = _embed(images, features)
        half = stop - start
        values[start:stop] = image_distance(embedded[:half], embedded[half:]) / epsilon**2
    lo, hi = np.percentile(values, [1, 99])
    kept = values[(values >= lo) & (values <= hi)]
    median = float(np.median(kept))
    return {
        "num_paths": num_paths,
        "epsilon": epsilon,
        "space": "pixels" if features is None else "features",
        "mean": float(np.mean(kept)),
        "median": median,
        "p99": float(hi),
        "p99_over_median": float(hi / median) if median > 0 else float("inf"),
        "values": kept,
    }
