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
from dataclasses import dataclass

import numpy as np

SEED_MAPPING = "mulberry32-boxmuller/1"
_MASK = 0xFFFFFFFF
MAX_SEED = _MASK  # seeds are taken mod 2**32; the largest one a form offers


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


def _clipped(text: str, most: int) -> str:
    return repr(text if len(text) <= most else f"{text[:most]}…")


def parse_seeds(text: str, limit: int = 1024) -> list[int]:
    """Parse "0-15, 42" into [0, 1, ..., 15, 42]. Raises ValueError with a readable message."""
    seeds: list[int] = []
    shown = _clipped(text, 40)  # messages quote what was typed, shortened

    def whole(piece: str) -> int:
        try:
            return int(piece)
        except ValueError:
            raise ValueError(f"{_clipped(piece.strip(), 20)} is not a whole number") from None

    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part[1:]:
                lo_text, hi_text = part.split("-", 1) if part[0] != "-" else (part, "")
                lo, hi = whole(lo_text), whole(hi_text)
                if hi < lo:
                    raise ValueError(f"range {part!r} runs backwards")
                if len(seeds) + hi - lo + 1 > limit:  # check before expanding "0-4294967295"
                    raise ValueError(f"too many seeds in {shown} (at most {limit})")
                seeds.extend(range(lo, hi + 1))
            else:
                seeds.append(whole(part))
        except ValueError as error:
            raise ValueError(f"cannot read seeds {shown}: {error}") from None
        if len(seeds) > limit:
            raise ValueError(f"too many seeds in {shown} (at most {limit})")
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


# Every interpolation by name, the default first (the app's and the link's choices read this).
INTERPOLATIONS: dict[str, Callable] = {"slerp": slerp, "lerp": lerp}
DEFAULT_INTERPOLATION = next(iter(INTERPOLATIONS))
# Between two codes found for real images (projections and encodings have no Gaussian norm to
# keep, so slerp's reason is gone): the straight line, as the page's real-image walk.
CODE_INTERPOLATION = "lerp"

# Where both front ends start: the app's widgets and the page's link (its state.js DEFAULTS,
# checked against these by tests/test_structure.py).
DEFAULT_SEED = 42
DEFAULT_GRID = "0-63"
DEFAULT_WALK = "0, 42, 7"
DEFAULT_STEPS = 16
DEFAULT_PLANE_SEEDS = "0, 1, 2"
DEFAULT_ATLAS_N = 24


def walk(waypoints: np.ndarray, steps: int, mode: str = DEFAULT_INTERPOLATION) -> np.ndarray:
    """A path through two or more waypoints: ``steps`` frames per leg, shared ends counted once.
    Returns shape ((len(waypoints) - 1) * steps + 1, latent_dim)."""
    waypoints = np.asarray(waypoints, dtype=np.float32)
    if waypoints.ndim != 2 or len(waypoints) < 2:
        raise ValueError("a walk needs at least two waypoints of shape (latent_dim,)")
    if steps < 1:
        raise ValueError("steps must be at least 1")
    if mode not in INTERPOLATIONS:
        raise ValueError(
            f"unknown interpolation {mode!r}: use {' or '.join(map(repr, INTERPOLATIONS))}"
        )
    interpolate = INTERPOLATIONS[mode]
    ts = np.arange(steps) / steps
    legs = [interpolate(a, b, ts) for a, b in zip(waypoints[:-1], waypoints[1:], strict=True)]
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


# A step is a jump when its change exceeds this many times the walk's median step (the page's
# latent.js has its twin).
JUMP_FACTOR = 3.0


def find_jumps(distances: np.ndarray, k: float = JUMP_FACTOR) -> np.ndarray:
    """Indices of steps whose change exceeds ``k`` times the median step."""
    distances = np.asarray(distances, dtype=np.float64)
    median = np.median(distances) if len(distances) else 0.0
    if median <= 0:
        return np.flatnonzero(distances > 0) if np.any(distances > 0) else np.array([], int)
    return np.flatnonzero(distances > k * median)


def walk_summary(distances: np.ndarray, k: float = JUMP_FACTOR) -> dict:
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
    a = np.stack([slerp(p, q, s) for p, q, s in zip(z1, z2, t, strict=True)])
    b = np.stack([slerp(p, q, s + epsilon) for p, q, s in zip(z1, z2, t, strict=True)])
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


# ---------------------------------------------------------------------------------------------
# The latent atlas: an N x N grid over a plane through latent space, and how much the image
# changes per unit move along the plane at each grid cell (the "stretch map").
#
# A plane is an origin and two orthonormal axes q1, q2 in latent space; a grid cell's latent is
# origin + x q1 + y q2. The window is a square of half-width w around (cx, cy), cut into N x N
# cells of side h = 2w / N; cell (row i, column j) has its centre at
# x = cx - w + (j + 0.5) h, y = cy - w + (i + 0.5) h (rows run down the picture as y grows).
# Images are made on the (N + 2) x (N + 2) lattice of the same spacing (one ring of cells beyond
# the window), so every shown cell has neighbours on both sides along both axes: its Jacobian
# along the plane is estimated by central differences d1 = (G(x + h) - G(x - h)) / 2h,
# d2 = (G(y + h) - G(y - h)) / 2h, with the inner product <a, b> = mean(a * b) over the image's
# values (pixels on [0, 1], or a network's features). Then with a = <d1, d1>, b = <d1, d2>,
# c = <d2, d2>: the area magnification is sqrt(det JᵀJ) = sqrt(ac - b²), and the singular values
# are the square roots of JᵀJ's eigenvalues. A step (a tear) between two cells lights up both.
# ---------------------------------------------------------------------------------------------

ATLAS_MIN_N, ATLAS_MAX_N = 4, 64
ATLAS_MEASURES = ("area", "stretch")  # sqrt(det JᵀJ), or the larger singular value
_COLLINEAR = 1e-6


@dataclass(frozen=True, eq=False)
class Plane:
    """A square window on a plane through latent space; see the comment above for the layout."""

    origin: np.ndarray  # (latent_dim,) float64
    axes: np.ndarray  # (2, latent_dim) float64, orthonormal rows q1, q2
    center: tuple[float, float]  # (cx, cy) in plane coordinates
    half_width: float  # w
    n: int  # N cells a side
    seeds: tuple[int, ...]  # the seeds that define the plane (the first is the origin)
    marks: tuple[tuple[float, float], ...]  # the defining latents' (x, y) in plane coordinates
    kind: str  # "seeds" (through three seeds) or "random" (a seed and two random directions)

    @property
    def spacing(self) -> float:
        """h: the side of a cell, in latent units."""
        return 2.0 * self.half_width / self.n

    def coordinates(self, ring: int = 0) -> np.ndarray:
        """Cell-centre coordinates along one axis, from the lower edge: (n + 2 ring,) float64."""
        h = self.spacing
        return (np.arange(-ring, self.n + ring) + 0.5) * h - self.half_width

    def latents(self, ring: int = 0) -> np.ndarray:
        """The latents of the cells (``ring=1`` adds the ring of neighbours the map needs), in
        row-major order: shape ((n + 2 ring)², latent_dim), float32."""
        offsets = self.coordinates(ring)
        xs = self.center[0] + offsets
        ys = self.center[1] + offsets
        grid_y, grid_x = np.meshgrid(ys, xs, indexing="ij")
        points = (
            self.origin[None, :]
            + grid_x.reshape(-1, 1) * self.axes[0][None, :]
            + grid_y.reshape(-1, 1) * self.axes[1][None, :]
        )
        return points.astype(np.float32)

    def cell_of(self, x: float, y: float) -> tuple[float, float]:
        """Plane coordinates -> fractional (row, column) in cell units (cell centres at k + 0.5)."""
        h = self.spacing
        column = (x - self.center[0] + self.half_width) / h
        row = (y - self.center[1] + self.half_width) / h
        return row, column

    def mark_cells(self) -> list[tuple[float, float]]:
        """Where the defining latents fall on the grid, as fractional (row, column)."""
        return [self.cell_of(x, y) for x, y in self.marks]


def _check_n(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ValueError(f"the grid size N must be a whole number, not {n!r}")
    if not ATLAS_MIN_N <= n <= ATLAS_MAX_N:
        raise ValueError(f"the grid size N must be from {ATLAS_MIN_N} to {ATLAS_MAX_N}, not {n}")
    return int(n)


def _check_margin(margin: float) -> float:
    if not (np.isfinite(margin) and 0.0 <= margin <= 2.0):
        raise ValueError(
            f"the margin must be from 0 to 2 (a share of the seeds' span), not {margin}"
        )
    return float(margin)


def plane_through_seeds(
    seeds: Sequence[int], latent_dim: int = 32, n: int = 24, margin: float = 0.15
) -> Plane:
    """The plane through the latents of three seeds z0, z1, z2: origin z0, q1 along z1 - z0, q2
    the part of z2 - z0 orthogonal to q1 (Gram-Schmidt). The window is the smallest square holding
    the three seeds, widened by ``margin`` times its side on every side."""
    n, margin = _check_n(n), _check_margin(margin)
    seeds = tuple(int(s) for s in seeds)
    if len(seeds) != 3:
        raise ValueError(f"a plane needs exactly three seeds (it got {len(seeds)}), e.g. '0, 1, 2'")
    if len(set(seeds)) < 3:
        repeated = sorted({s for s in seeds if seeds.count(s) > 1})
        raise ValueError(
            f"the three seeds must differ: seed {repeated[0]} is given twice, so they span no plane"
        )
    z = seeds_to_latents(seeds, latent_dim).astype(np.float64)
    e1, e2 = z[1] - z[0], z[2] - z[0]
    length1 = np.linalg.norm(e1)
    if length1 == 0:
        raise ValueError(f"seeds {seeds[0]} and {seeds[1]} give the same latent: no plane")
    q1 = e1 / length1
    rest = e2 - np.dot(e2, q1) * q1
    if np.linalg.norm(rest) <= _COLLINEAR * max(np.linalg.norm(e2), length1):
        raise ValueError(
            f"seeds {', '.join(map(str, seeds))} lie on one line in latent space, so they span "
            "no plane: pick another third seed"
        )
    q2 = rest / np.linalg.norm(rest)
    marks = ((0.0, 0.0), (float(length1), 0.0), (float(np.dot(e2, q1)), float(np.dot(e2, q2))))
    xs, ys = [m[0] for m in marks], [m[1] for m in marks]
    side = max(max(xs) - min(xs), max(ys) - min(ys))
    center = ((max(xs) + min(xs)) / 2.0, (max(ys) + min(ys)) / 2.0)
    half_width = side / 2.0 + margin * side
    return Plane(z[0], np.stack([q1, q2]), center, half_width, n, seeds, marks, "seeds")


def random_directions(plane_seed: int, latent_dim: int = 32) -> np.ndarray:
    """Two random orthonormal directions (2, latent_dim), float64: ``seed_to_latent(plane_seed,
    2 latent_dim)`` split in two halves u, v, then Gram-Schmidt (q1 = u/|u|, q2 = v - (v.q1)q1
    normalised). Isotropic, because the halves are standard normal."""
    normals = seed_to_latent(plane_seed, 2 * latent_dim).astype(np.float64)
    u, v = normals[:latent_dim], normals[latent_dim:]
    q1 = u / np.linalg.norm(u)
    rest = v - np.dot(v, q1) * q1
    return np.stack([q1, rest / np.linalg.norm(rest)])


def random_plane(
    seed: int, plane_seed: int, latent_dim: int = 32, n: int = 24, half_width: float | None = None
) -> Plane:
    """The plane through ``seed``'s latent along two random orthonormal directions (from
    ``plane_seed``). The window is centred on the seed; its half-width defaults to sqrt(latent_dim)
    / 2, scaled to the prior: half the typical length of a latent drawn from N(0, I), so the
    window's corners stay near the prior's shell."""
    n = _check_n(n)
    if half_width is None:
        half_width = float(np.sqrt(latent_dim)) / 2.0
    if not (np.isfinite(half_width) and half_width > 0):
        raise ValueError(f"the window's half-width must be positive, not {half_width}")
    origin = seed_to_latent(seed, latent_dim).astype(np.float64)
    axes = random_directions(plane_seed, latent_dim)
    return Plane(
        origin,
        axes,
        (0.0, 0.0),
        float(half_width),
        n,
        (int(seed), int(plane_seed)),
        ((0.0, 0.0),),
        "random",
    )


def _flat_embedding(images: np.ndarray, features: FeatureFunction | None) -> np.ndarray:
    embedded = _embed(images, features)
    return embedded.reshape(len(embedded), -1)


def plane_jacobian_grams(lattice: np.ndarray, spacing: float) -> tuple[np.ndarray, ...]:
    """From embedded values on the (N + 2) x (N + 2) lattice (shape (N + 2, N + 2, P)): the
    entries a = <d1, d1>, b = <d1, d2>, c = <d2, d2> of JᵀJ at each of the N x N cells."""
    lattice = np.asarray(lattice, dtype=np.float64)
    d1 = (lattice[1:-1, 2:] - lattice[1:-1, :-2]) / (2.0 * spacing)
    d2 = (lattice[2:, 1:-1] - lattice[:-2, 1:-1]) / (2.0 * spacing)
    return np.mean(d1 * d1, -1), np.mean(d1 * d2, -1), np.mean(d2 * d2, -1)


def stretch_from_grams(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> dict[str, np.ndarray]:
    """The area magnification sqrt(ac - b²) and the singular values of the 2-column Jacobian."""
    det = np.maximum(a * c - b * b, 0.0)
    half_trace = (a + c) / 2.0
    gap = np.sqrt(np.maximum(half_trace**2 - det, 0.0))
    return {
        "area": np.sqrt(det),
        "stretch": np.sqrt(half_trace + gap),
        "stretch_min": np.sqrt(np.maximum(half_trace - gap, 0.0)),
    }


def stretch_map(
    lattice_images: np.ndarray, spacing: float, features: FeatureFunction | None = None
) -> dict[str, np.ndarray]:
    """The stretch maps of one model on one plane, from its images on the (N + 2)² lattice
    (shape ((N + 2)², ...) in row-major order, in the models' [-1, 1]): "area", "stretch" and
    "stretch_min", each (N, N), per latent unit (area per latent unit squared)."""
    images = np.asarray(lattice_images)
    side = int(round(np.sqrt(len(images))))
    if side * side != len(images) or side < 3:
        raise ValueError(f"{len(images)} lattice images do not make an (N + 2) x (N + 2) lattice")
    embedded = _flat_embedding(images, features).reshape(side, side, -1)
    return stretch_from_grams(*plane_jacobian_grams(embedded, spacing))


def atlas(
    generate: Callable[[np.ndarray], np.ndarray],
    plane: Plane,
    features: FeatureFunction | None = None,
) -> dict:
    """One model's atlas of ``plane``: its (N, N, ...) images at the cells and its stretch maps."""
    lattice = generate(plane.latents(ring=1))
    maps = stretch_map(lattice, plane.spacing, features)
    side = plane.n + 2
    images = np.asarray(lattice).reshape(side, side, *np.shape(lattice)[1:])[1:-1, 1:-1]
    return {"images": images, **maps}


def atlas_summary(values: np.ndarray, k: float = JUMP_FACTOR) -> dict:
    """Scale-free figures of one map: the share of cells above k x the median ("cliffs"), the
    99th percentile and the maximum over the median."""
    values = np.asarray(values, dtype=np.float64).ravel()
    median = float(np.median(values))
    p99 = float(np.percentile(values, 99))
    scale = median if median > 0 else np.nan
    return {
        "median": median,
        "cliff_share": float(np.mean(values > k * median)) if median > 0 else float("nan"),
        "p99_over_median": p99 / scale if median > 0 else float("inf"),
        "max_over_median": float(values.max()) / scale if median > 0 else float("inf"),
        "k": float(k),
    }


def random_plane_summaries(
    generators: dict[str, Callable[[np.ndarray], np.ndarray]],
    latent_dim: int,
    planes: int = 8,
    n: int = 16,
    seed: int = 0,
    k: float = 3.0,
    measure: str = "area",
    features: FeatureFunction | None = None,
) -> dict[str, list[dict]]:
    """``atlas_summary`` of every model over the same ``planes`` random planes (seeds and plane
    seeds drawn from ``seed``): a distribution, not one lucky plane."""
    if measure not in ATLAS_MEASURES:
        raise ValueError(f"unknown measure {measure!r}: use one of {', '.join(ATLAS_MEASURES)}")
    if planes < 1:
        raise ValueError("at least one random plane is needed")
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, 2**32, size=(planes, 2))
    out: dict[str, list[dict]] = {name: [] for name in generators}
    for origin_seed, plane_seed in pairs:
        plane = random_plane(int(origin_seed), int(plane_seed), latent_dim, n)
        for name, generate in generators.items():
            maps = stretch_map(generate(plane.latents(ring=1)), plane.spacing, features)
            summary = atlas_summary(maps[measure], k)
            out[name].append({"seed": int(origin_seed), "plane_seed": int(plane_seed), **summary})
    return out


def local_spectrum(
    generate: Callable[[np.ndarray], np.ndarray],
    z: np.ndarray,
    epsilon: float = 1e-2,
    features: FeatureFunction | None = None,
) -> np.ndarray:
    """Singular values (descending) of the full Jacobian of the image (or its ``features``) at
    ``z``: central differences along each of the latent_dim axes, with <a, b> = mean(a * b) as in
    the maps. How anisotropic the space is there: equal values mean every direction moves the
    image alike; a steep fall means a few directions do nearly all the work."""
    z = np.asarray(z, dtype=np.float64).ravel()
    dim = len(z)
    if not (np.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"epsilon must be positive, not {epsilon}")
    steps = np.concatenate([np.eye(dim), -np.eye(dim)]) * epsilon
    embedded = _flat_embedding(generate((z[None, :] + steps).astype(np.float32)), features)
    jacobian = (embedded[:dim] - embedded[dim:]) / (2.0 * epsilon)  # (dim, P)
    return np.linalg.svd(jacobian.T / np.sqrt(jacobian.shape[1]), compute_uv=False)
