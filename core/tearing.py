"""Where a generator tears: the figures behind the verdict (NumPy only; models come as callables).

A generator is a continuous map from one connected Gaussian. Where the data has separate modes
(two classes far apart), it must either put latent mass between them (images of neither class)
or stretch a thin band of latent space across the gap: a tear. A VAE's decoder pays in blur
instead (Salmona et al. 2022). These functions measure both effects on any pair of models, with
the same latents and the same budget for each:

- ``transition_report``: walks between two samples the judge puts in different classes; along
  each, the judge's probability of the end class against t. A tearing model switches class in a
  narrow band of t, a smooth one ramps. The band's width (0.1 -> 0.9 of that probability) and
  how much of the image change happens inside it, over many pairs, with bootstrap intervals.
- ``between_class_mass``: the share of samples whose top class probability is below 0.5.
- ``tail_report``: per-step change along many random paths, tail first: Karras et al.'s PPL
  drops the top percentile; here the tail *is* the signal.
- ``find_tears``: a search for the largest local stretch, zooming into each candidate step to
  tell a tear (the change stays as the step shrinks) from a steep but smooth slope.

Distances are root-mean-square differences of an embedding of the images (the judge's
features, or [0, 1] pixels): a metric, so path lengths add up and a stretch is change per unit
of latent distance.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import latent, metrics

Generate = Callable[[np.ndarray], np.ndarray]  # (n, latent_dim) -> images in [-1, 1]
# images -> (embedding (n, d), class probabilities (n, classes) or None)
Judge = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray | None]]

# A stretch the tear finder zoomed into is a tear when at least this share of its change stays
# in a segment 2^zoom_levels times shorter (a smooth slope keeps about 2^-zoom_levels of it).
TEAR_KEPT = 0.5
LOW, HIGH = 0.1, 0.9  # the transition band: from LOW to HIGH of the end class's rise
MIN_RISE = 0.3  # a walk switches class when the end class's probability rises at least this much
# A walk's ends: samples the judge gives their class with at least this much. Not 0.9: a VAE's
# blurry samples seldom reach it (on two classes under 1 % of them did), and the band is read
# relative to each walk's ends anyway.
CONFIDENT = 0.7


def pixel_judge(images: np.ndarray) -> tuple[np.ndarray, None]:
    """Pixels on [0, 1] as the embedding, and no classes (what the page has without a judge)."""
    unit = latent.to_unit_range(images)
    return unit.reshape(len(unit), -1), None


def rms_steps(embedded: np.ndarray) -> np.ndarray:
    """Root-mean-square change between consecutive rows (along the last axis but one)."""
    difference = np.diff(np.asarray(embedded, np.float64), axis=-2)
    return np.sqrt(np.mean(difference**2, axis=-1))


def bootstrap_interval(
    values: np.ndarray, statistic: Callable = np.median, draws: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """The 95 % percentile bootstrap interval of ``statistic`` over ``values`` (NaN-free)."""
    values = np.asarray(values, np.float64)
    if len(values) == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(values), size=(draws, len(values)))
    estimates = statistic(values[picks], axis=1)
    low, high = np.percentile(estimates, [2.5, 97.5])
    return (float(low), float(high))


def share_interval(hits: np.ndarray, draws: int = 1000, seed: int = 0) -> dict:
    """A share (of True among ``hits``) with its bootstrap interval."""
    hits = np.asarray(hits, np.float64)
    low, high = bootstrap_interval(hits, np.mean, draws, seed)
    return {"share": float(hits.mean()) if len(hits) else float("nan"), "ci": [low, high]}


# ---------------------------------------------------------------------------------------------
# Class transitions along walks
# ---------------------------------------------------------------------------------------------


def transition_band(probability: np.ndarray, low: float = LOW, high: float = HIGH):
    """(start, end) step indices of the band where ``probability`` (of the end class, along a
    walk from a sample of another class) goes from ``low`` to ``high`` of the way from its value
    at the start to its value at the end: end is the first index at or above ``high`` of the
    rise, start the last index before it at or below ``low``. Relative to the walk's own ends, so
    a blurry model whose ends the judge calls with 0.8 rather than 0.99 is measured alike. None
    when the end class's probability rises by less than MIN_RISE along the walk."""
    probability = np.asarray(probability, np.float64)
    rise = probability[-1] - probability[0]
    if rise < MIN_RISE:
        return None
    relative = (probability - probability[0]) / rise
    end = int(np.flatnonzero(relative >= high)[0])
    below = np.flatnonzero(relative[:end] <= low)
    if len(below) == 0:
        return None
    return int(below[-1]), end


def transition_width(probability: np.ndarray, low: float = LOW, high: float = HIGH) -> float:
    """The t-range of ``transition_band`` on a walk sampled at len(probability) evenly spaced t
    in [0, 1]; NaN when there is no transition."""
    band = transition_band(probability, low, high)
    if band is None:
        return float("nan")
    return (band[1] - band[0]) / (len(probability) - 1)


def band_concentration(steps: np.ndarray, band: tuple[int, int]) -> float:
    """The share of the walk's image change that happens inside the band, over the share of the
    steps that lie inside it: 1 for an even walk; up to steps / band steps when all the change
    piles up where the class switches (a tear)."""
    steps = np.asarray(steps, np.float64)
    inside = np.zeros(len(steps), bool)
    inside[band[0] : band[1]] = True  # step i joins frames i and i + 1
    total = steps.sum()
    if not inside.any() or total <= 0:
        return float("nan")
    return float((steps[inside].sum() / total) / inside.mean())


def cross_class_pairs(
    probabilities: np.ndarray,
    count: int,
    classes: tuple[int, ...] | None = None,
    confidence: float = CONFIDENT,
    seed: int = 0,
) -> np.ndarray:
    """``count`` index pairs (i, j) of samples that the judge puts, each with at least
    ``confidence``, in two different classes (both among ``classes`` when given). By the judge's
    confidence, not by what the model was trained on: a frog model's samples are often called
    something else. Fewer pairs when too few samples qualify."""
    top = np.argmax(probabilities, axis=1)
    sure = np.max(probabilities, axis=1) >= confidence
    if classes is not None:
        sure &= np.isin(top, classes)
    candidates = np.flatnonzero(sure)
    if len(np.unique(top[candidates])) < 2:
        return np.zeros((0, 2), int)
    rng = np.random.default_rng(seed)
    pairs, seen = [], set()
    # Start anywhere, end in another class: every try makes a pair, even when one class holds
    # nearly all the confident samples (a one-class model's few samples of other classes).
    for _ in range(count * 20):
        i = int(rng.choice(candidates))
        others = candidates[top[candidates] != top[i]]
        j = int(rng.choice(others))
        if (i, j) not in seen:
            seen.add((i, j))
            pairs.append((i, j))
            if len(pairs) == count:
                break
    return np.array(pairs, int).reshape(-1, 2)


@dataclass
class TransitionWalks:
    """What ``transition_walks`` measured for one model: per pair, the end-class probability
    along the walk and the per-step change."""

    t: np.ndarray  # (steps + 1,)
    end_probability: np.ndarray  # (pairs, steps + 1)
    steps: np.ndarray  # (pairs, steps)


def transition_walks(
    generate: Generate,
    judge: Judge,
    start: np.ndarray,
    end: np.ndarray,
    end_class: np.ndarray,
    steps: int = 256,
    batch_size: int = 1024,
    progress: Callable[[int, int], None] | None = None,
) -> TransitionWalks:
    """Slerp walks of ``steps`` steps from each ``start`` latent to its ``end`` latent, judged."""
    t = np.linspace(0.0, 1.0, steps + 1)
    pairs = len(start)
    probability = np.empty((pairs, steps + 1))
    changes = np.empty((pairs, steps))
    per_batch = max(1, batch_size // (steps + 1))
    for first in range(0, pairs, per_batch):
        last = min(first + per_batch, pairs)
        latents = np.concatenate(
            [latent.slerp(start[i], end[i], t) for i in range(first, last)]
        ).astype(np.float32)
        embedded, probabilities = judge(generate(latents))
        embedded = np.asarray(embedded, np.float64).reshape(last - first, steps + 1, -1)
        probabilities = np.asarray(probabilities).reshape(last - first, steps + 1, -1)
        probability[first:last] = probabilities[np.arange(last - first), :, end_class[first:last]]
        changes[first:last] = rms_steps(embedded)
        if progress:
            progress(last, pairs)
    return TransitionWalks(t, probability, changes)


def summarise_transitions(walks: TransitionWalks, seed: int = 0) -> dict:
    """Widths and band concentrations over the walks that switch class, with 95 % intervals."""
    widths, concentrations = [], []
    for probability, steps in zip(walks.end_probability, walks.steps, strict=True):
        band = transition_band(probability)
        if band is None:
            continue
        widths.append((band[1] - band[0]) / (len(probability) - 1))
        concentrations.append(band_concentration(steps, band))
    widths = np.array(widths)
    concentrations = np.array([c for c in concentrations if not np.isnan(c)])
    median_width = float(np.median(widths)) if len(widths) else float("nan")
    return {
        "pairs": int(len(walks.steps)),
        "switching": int(len(widths)),
        "steps": int(walks.steps.shape[1]),
        "width_median": median_width,
        "width_median_ci": list(bootstrap_interval(widths, np.median, seed=seed)),
        "width_mean": float(widths.mean()) if len(widths) else float("nan"),
        "narrow_share": share_interval(widths <= 0.05, seed=seed),
        "concentration_median": float(np.median(concentrations))
        if len(concentrations)
        else float("nan"),
        "concentration_median_ci": list(bootstrap_interval(concentrations, np.median, seed=seed)),
    }


def mean_curve(walks: TransitionWalks, points: int = 65) -> dict:
    """The end-class probability against t, centred on each walk's own band (so that a sharp
    switch stays sharp in the average): median and quartiles at offsets from the band's middle,
    in units of t. For the at-a-glance chart."""
    offsets = np.linspace(-0.5, 0.5, points)
    rows = []
    for probability in walks.end_probability:
        band = transition_band(probability)
        if band is None:
            continue
        middle = 0.5 * (band[0] + band[1]) / (len(probability) - 1)
        rows.append(np.interp(middle + offsets, walks.t, probability))
    if not rows:
        return {"offset": offsets.tolist(), "median": [], "q25": [], "q75": []}
    rows = np.array(rows)
    q25, median, q75 = np.percentile(rows, [25, 50, 75], axis=0)
    return {
        "offset": offsets.tolist(),
        "median": median.tolist(),
        "q25": q25.tolist(),
        "q75": q75.tolist(),
    }


# ---------------------------------------------------------------------------------------------
# Latent mass between classes, and the tail of the per-step change
# ---------------------------------------------------------------------------------------------


def between_class_mass(probabilities: np.ndarray, threshold: float = 0.5, seed: int = 0) -> dict:
    """Samples whose top class probability is below ``threshold``: the judge cannot say what
    they show."""
    return share_interval(np.max(probabilities, axis=1) < threshold, seed=seed)


def outside_real_balls(
    fake: np.ndarray, real: np.ndarray, real_radii: np.ndarray, seed: int = 0
) -> dict:
    """Samples outside every real image's k-NN ball (the complement of Kynkäänniemi et al.'s
    precision, per sample): images off the data's support, e.g. between its modes."""
    inside = metrics.pairwise_distances(fake, real) <= np.asarray(real_radii)[None, :]
    return share_interval(~np.any(inside, axis=1), seed=seed)


def class_gap(a: np.ndarray, b: np.ndarray, k: int = 3) -> dict:
    """How far apart two classes' real images are, in RMS units of their features (the tear
    figures' units): the gap between their supports (the union of each image's k-NN ball, as
    for precision; 0 where the supports touch), and the median distance from an image to the
    nearest image of the other class."""
    scale = np.sqrt(np.asarray(a).shape[1])
    radii_a, radii_b = metrics.knn_radii(a, k), metrics.knn_radii(b, k)
    across = metrics.pairwise_distances(a, b)
    gap = float(np.min(across - radii_a[:, None] - radii_b[None, :]))
    nearest = np.concatenate([across.min(axis=1), across.min(axis=0)])
    return {
        "support_gap": max(gap, 0.0) / scale,
        "touching_pairs": int(np.sum(across <= radii_a[:, None] + radii_b[None, :])),
        "nearest_other_median": float(np.median(nearest)) / scale,
    }


def precision_bound(gap: float, lipschitz: float) -> float:
    """Tanielian et al. (2020): a generator that is L-Lipschitz (here: the judge's features of
    its images, per unit of latent distance) pushing N(0, I) onto two equally weighted modes a
    distance D apart reaches precision at most 2 Φ(-D / 2L): the latents of the two modes lie
    at least D / L apart, and by the Gaussian isoperimetric inequality the band between two
    half-mass sets that far apart holds at least 1 - 2 Φ(-D / 2L) of the mass."""
    if lipschitz <= 0:
        return float("nan")
    return float(1.0 + math.erf(-gap / (2.0 * lipschitz) / math.sqrt(2.0)))


def hill_tail_index(values: np.ndarray, top_share: float = 0.05) -> float:
    """Hill's estimator of the tail index over the largest ``top_share`` of ``values``: small
    for a heavy tail (a few huge steps), large for a light one."""
    values = np.sort(np.asarray(values, np.float64)[np.asarray(values) > 0])[::-1]
    k = max(2, int(len(values) * top_share))
    if len(values) <= k:
        return float("nan")
    logs = np.log(values[:k]) - np.log(values[k])
    mean = logs.mean()
    return float(1.0 / mean) if mean > 0 else float("inf")


def tail_statistics(steps: np.ndarray) -> dict:
    """Per-step changes (any shape): median, p99, p99.9 (and over the median), the share of the
    total path length carried by the largest 1 % of steps, and the Hill tail index."""
    values = np.asarray(steps, np.float64).ravel()
    p50, p99, p999 = np.percentile(values, [50, 99, 99.9])
    top = np.sort(values)[::-1][: max(1, int(np.ceil(len(values) * 0.01)))]
    total = values.sum()
    return {
        "steps": int(len(values)),
        "p50": float(p50),
        "p99": float(p99),
        "p999": float(p999),
        "p99_over_median": float(p99 / p50) if p50 > 0 else float("inf"),
        "p999_over_median": float(p999 / p50) if p50 > 0 else float("inf"),
        "top1_share": float(top.sum() / total) if total > 0 else float("nan"),
        "tail_index": hill_tail_index(values),
    }


def random_path_steps(
    generate: Generate,
    judge: Judge,
    latent_dim: int,
    paths: int = 128,
    steps: int = 64,
    seed: int = 0,
    batch_size: int = 1024,
) -> np.ndarray:
    """(paths, steps) per-step changes along slerp walks between random prior samples."""
    rng = np.random.default_rng(seed)
    ends = rng.standard_normal((paths, 2, latent_dim))
    t = np.linspace(0.0, 1.0, steps + 1)
    out = np.empty((paths, steps))
    per_batch = max(1, batch_size // (steps + 1))
    for first in range(0, paths, per_batch):
        last = min(first + per_batch, paths)
        latents = np.concatenate(
            [latent.slerp(ends[i, 0], ends[i, 1], t) for i in range(first, last)]
        ).astype(np.float32)
        embedded = np.asarray(judge(generate(latents))[0], np.float64)
        out[first:last] = rms_steps(embedded.reshape(last - first, steps + 1, -1))
    return out


# ---------------------------------------------------------------------------------------------
# The tear finder
# ---------------------------------------------------------------------------------------------


def find_tears(
    generate: Generate,
    judge: Judge,
    latent_dim: int,
    budget: int = 2048,
    top: int = 4,
    zoom_levels: int = 8,
    segment: float = 0.25,
    frames: int = 9,
    seed: int = 0,
    batch_size: int = 1024,
) -> dict:
    """Search for the largest local stretch with ``budget`` generator calls.

    1. Screen: short segments (latent length ``segment``, in a random direction from a random
       prior sample), both ends judged; stretch = change / length. The median over the screen is
       the model's typical stretch.
    2. Zoom into the ``top`` steepest: halve the segment ``zoom_levels`` times, keeping the half
       that changes more. On a smooth slope the change halves with the segment (the stretch stays
       put); across a tear it does not (the stretch doubles with each halving).
       ``change_kept`` = change at the finest scale over change at the coarsest: near 1 for a
       tear, about 2^-zoom_levels for a smooth slope.
    3. The latents of ``frames`` frames across each tear (along the original segment's length,
       centred on the tear), for the caller to draw.

    Returns the typical stretch, and the tears found, largest stretch first, each with its
    stretch over the typical one, its latent position, direction and frames."""
    zoom_cost = top * zoom_levels
    screens = (budget - zoom_cost) // 2
    if screens < top:
        raise ValueError(
            f"a budget of {budget} is too small: it needs at least {zoom_cost + 2 * top}"
        )
    rng = np.random.default_rng(seed)
    origins = rng.standard_normal((screens, latent_dim))
    directions = rng.standard_normal((screens, latent_dim))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    ends = origins + segment * directions
    latents = np.concatenate([origins, ends]).astype(np.float32)
    embedded = _embedded(generate, judge, latents, batch_size)
    change = np.sqrt(np.mean((embedded[:screens] - embedded[screens:]) ** 2, axis=1))
    stretch = change / segment
    typical = float(np.median(stretch))
    tears = []
    for index in np.argsort(stretch)[::-1][:top]:
        tears.append(
            _zoom(
                generate,
                judge,
                origins[index],
                directions[index],
                segment,
                float(change[index]),
                embedded[index],
                embedded[screens + index],
                zoom_levels,
                frames,
                typical,
            )
        )
    tears.sort(key=lambda tear: tear["stretch"], reverse=True)
    return {
        "budget": int(budget),
        "screened": int(screens),
        "segment": segment,
        "typical_stretch": typical,
        "screen_p99_over_median": float(np.percentile(stretch, 99) / typical)
        if typical > 0
        else float("inf"),
        "tears": tears,
    }


def is_tear(found: dict) -> bool:
    """Whether one of ``find_tears``'s places is a tear (its change survives the zoom) rather
    than a steep but smooth slope."""
    kept = found.get("change_kept")
    return kept is not None and math.isfinite(kept) and kept >= TEAR_KEPT


def zoom_factor(search: dict) -> int:
    """How many times shorter the finest segment of ``find_tears``'s zoom was than the screened
    one (2^zoom_levels), read from its figures."""
    places = search.get("tears") or []
    if not places or not places[0].get("finest_step") or not search.get("segment"):
        return 0
    return 2 ** round(math.log2(search["segment"] / places[0]["finest_step"]))


def _embedded(generate: Generate, judge: Judge, latents: np.ndarray, batch_size: int) -> np.ndarray:
    parts = []
    for first in range(0, len(latents), batch_size):
        parts.append(
            np.asarray(judge(generate(latents[first : first + batch_size]))[0], np.float64)
        )
    return np.concatenate(parts).reshape(len(latents), -1)


def _zoom(
    generate,
    judge,
    origin,
    direction,
    segment,
    change,
    start_embedding,
    end_embedding,
    levels,
    frames,
    typical,
) -> dict:
    low, high = 0.0, segment
    low_e, high_e = start_embedding, end_embedding
    finest_change = change
    for _ in range(levels):
        middle = 0.5 * (low + high)
        middle_e = _embedded(
            generate, judge, (origin + middle * direction)[None].astype(np.float32), 1
        )[0]
        left = np.sqrt(np.mean((middle_e - low_e) ** 2))
        right = np.sqrt(np.mean((high_e - middle_e) ** 2))
        if left >= right:
            high, high_e, finest_change = middle, middle_e, left
        else:
            low, low_e, finest_change = middle, middle_e, right
    length = high - low
    centre = origin + 0.5 * (low + high) * direction
    offsets = np.linspace(-segment / 2, segment / 2, frames)
    frame_latents = (centre[None, :] + offsets[:, None] * direction[None, :]).astype(np.float32)
    stretch = finest_change / length
    return {
        "stretch": float(stretch),
        "stretch_over_typical": float(stretch / typical) if typical > 0 else float("inf"),
        "coarse_stretch": float(change / segment),
        "change_kept": float(finest_change / change) if change > 0 else float("nan"),
        "finest_step": float(length),
        "centre": centre.tolist(),
        "direction": direction.tolist(),
        "frame_offsets": offsets.tolist(),
        "frame_latents": frame_latents.tolist(),
    }
