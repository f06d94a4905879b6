"""Quality metrics on judge features (train/quality/judge.py), NumPy only.

Each metric in ``METRICS`` is a small function by name, as in stylegan2-ada's registry: it takes a
``Sets`` (features and judge probabilities of generated and real images) and returns a dict, so
``python -m train evaluate`` and a training run's ``--eval-every`` write the same figures.

- FID (Heusel et al. 2017): Fréchet distance between Gaussians fitted to the two feature sets.
  Biased by sample count: compare FIDs only at the same number of samples.
- KID (Bińkowski et al. 2018): unbiased squared MMD with the cubic polynomial kernel, averaged
  over random subsets (its standard deviation over them is reported): fair at small counts.
- Precision and recall (Kynkäänniemi et al. 2019): the share of samples inside the real images'
  k-NN balls, and of real images inside the samples' balls (k = 3).
- Density and coverage (Naeem et al. 2020), from the real images' k-NN balls alone: how many real
  balls hold each sample, over k (about 1 for samples distributed like the real images, above 1
  for samples crowded into the densest regions), and the share of real balls that hold at least
  one sample. A real outlier's wide ball lifts precision for every sample near it; it counts once
  in density, so density tells "typical" from "good" where precision cannot.
- Class rate: the share of samples the judge puts in the training class, with its mean
  probability. Never the headline: texture of the right colour is often enough for a classifier.
- Memorisation: distances from each sample to its nearest training image, next to those of real
  held-out images; a model that copies its training set has far smaller ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass
class Sets:
    """What the metrics read: judge features of the samples ("fake"), of the real images the
    model is compared against ("real"), and the judge's class probabilities of the samples."""

    fake: np.ndarray
    real: np.ndarray
    fake_probabilities: np.ndarray | None = None
    class_index: int | tuple[int, ...] | None = None  # the class(es) the model should draw
    kid_subsets: int = 100
    kid_subset_size: int = 1000
    k: int = 3
    seed: int = 0

    # The k-NN metrics and memorisation share these, each computed once per Sets.
    @cached_property
    def real_radii(self) -> np.ndarray:
        return knn_radii(self.real, self.k)

    @cached_property
    def fake_to_real(self) -> np.ndarray:
        """Distances (fake, real)."""
        return pairwise_distances(self.fake, self.real)


def _as64(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """FID between feature sets ``a`` and ``b`` (rows are samples).

    Tr(sqrt(Ca Cb)) is computed as the sum of the square roots of the eigenvalues of the
    symmetric sqrt(Ca) Cb sqrt(Ca), which has the same spectrum and stays real."""
    a, b = _as64(a), _as64(b)
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = root_a @ cov_b @ root_a
    trace_root = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)))
    value = np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root
    return float(max(value, 0.0))


def kernel_inception_distance(
    a: np.ndarray, b: np.ndarray, subsets: int = 100, subset_size: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """KID's mean and standard deviation over ``subsets`` random subsets of each set."""
    a, b = _as64(a), _as64(b)
    size = min(subset_size, len(a), len(b))
    if size < 2:
        raise ValueError("KID needs at least two images in each set")
    dim = a.shape[1]
    rng = np.random.default_rng(seed)
    values = np.empty(subsets)
    for index in range(subsets):
        x = a[rng.choice(len(a), size, replace=False)]
        y = b[rng.choice(len(b), size, replace=False)]
        k_xx = (x @ x.T / dim + 1) ** 3
        k_yy = (y @ y.T / dim + 1) ** 3
        k_xy = (x @ y.T / dim + 1) ** 3
        off_diagonal = size * (size - 1)
        values[index] = (
            (k_xx.sum() - np.trace(k_xx)) / off_diagonal
            + (k_yy.sum() - np.trace(k_yy)) / off_diagonal
            - 2 * k_xy.mean()
        )
    return float(values.mean()), float(values.std())


def pairwise_distances(a: np.ndarray, b: np.ndarray, block: int = 2048) -> np.ndarray:
    """Euclidean distances between the rows of ``a`` and of ``b``, float32, in blocks."""
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    b_norms = np.sum(b.astype(np.float64) ** 2, axis=1)
    out = np.empty((len(a), len(b)), dtype=np.float32)
    for start in range(0, len(a), block):
        chunk = a[start : start + block]
        squared = np.sum(chunk.astype(np.float64) ** 2, axis=1)[:, None] + b_norms[None, :]
        squared -= 2.0 * (chunk @ b.T).astype(np.float64)
        out[start : start + block] = np.sqrt(np.clip(squared, 0, None))
    return out


def knn_radii(features: np.ndarray, k: int) -> np.ndarray:
    """Distance from each row to its k-th nearest other row."""
    distances = pairwise_distances(features, features)
    np.fill_diagonal(distances, np.inf)
    return np.partition(distances, k - 1, axis=1)[:, k - 1]


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Kynkäänniemi et al.'s improved precision and recall with k-NN balls."""
    result = _precision_recall(Sets(fake=fake, real=real, k=k))
    return result["precision"], result["recall"]


def density_coverage(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Naeem et al.'s density and coverage with the real images' k-NN balls."""
    result = _density_coverage(Sets(fake=fake, real=real, k=k))
    return result["density"], result["coverage"]


def expected_coverage(real_count: int, fake_count: int, k: int = 3) -> float:
    """The coverage samples distributed as the real images reach on average (Naeem et al.): 1
    less the chance that a real image's ball, which holds k other real images, holds none of the
    samples. It grows with the number of samples, so a coverage is read against it."""
    missed = 1.0
    for i in range(1, k + 1):
        missed *= (real_count - i) / (real_count + fake_count - i)
    return 1.0 - missed


def _fid(sets: Sets) -> dict:
    return {"fid": frechet_distance(sets.fake, sets.real)}


def _kid(sets: Sets) -> dict:
    mean, std = kernel_inception_distance(
        sets.fake, sets.real, sets.kid_subsets, sets.kid_subset_size, sets.seed
    )
    return {"kid": mean, "kid_std": std}


def _precision_recall(sets: Sets) -> dict:
    distances, fake_radii = sets.fake_to_real, knn_radii(sets.fake, sets.k)
    precision = np.mean(np.any(distances <= sets.real_radii[None, :], axis=1))
    recall = np.mean(np.any(distances <= fake_radii[:, None], axis=0))
    return {"precision": float(precision), "recall": float(recall), "k": sets.k}


def _density_coverage(sets: Sets) -> dict:
    inside = sets.fake_to_real <= sets.real_radii[None, :]  # (fake, real)
    return {
        "density": float(np.sum(inside) / (sets.k * len(sets.fake))),
        "coverage": float(np.mean(np.any(inside, axis=0))),
        "coverage_expected": expected_coverage(len(sets.real), len(sets.fake), sets.k),
    }


def _class_rate(sets: Sets) -> dict:
    if sets.fake_probabilities is None or sets.class_index is None:
        return {}
    probabilities = np.asarray(sets.fake_probabilities)
    predicted = np.argmax(probabilities, axis=1)
    wanted = np.atleast_1d(np.asarray(sets.class_index))
    return {
        "class_rate": float(np.mean(np.isin(predicted, wanted))),
        "class_confidence": float(np.mean(probabilities[:, wanted].sum(axis=1))),
    }


def _memorisation(sets: Sets) -> dict:
    distances = sets.fake_to_real.min(axis=1)
    quantiles = np.percentile(distances, [1, 10, 50])
    return {
        "nn_distance_p1": float(quantiles[0]),
        "nn_distance_p10": float(quantiles[1]),
        "nn_distance_median": float(quantiles[2]),
    }


METRICS: dict[str, Callable[[Sets], dict]] = {
    "fid": _fid,
    "kid": _kid,
    "precision_recall": _precision_recall,
    "density_coverage": _density_coverage,
    "class_rate": _class_rate,
    "memorisation": _memorisation,
}
FULL = ("fid", "kid", "precision_recall", "density_coverage", "class_rate", "memorisation")
QUICK = ("kid", "precision_recall", "class_rate")  # what --eval-every computes during training


def compute(sets: Sets, names: tuple[str, ...] = FULL) -> dict:
    unknown = [name for name in names if name not in METRICS]
    if unknown:
        raise ValueError(
            f"unknown metric(s) {', '.join(unknown)}: choose from {', '.join(METRICS)}"
        )
    results: dict = {"samples": int(len(sets.fake)), "real_images": int(len(sets.real))}
    for name in names:
        results.update(METRICS[name](sets))
    return results
