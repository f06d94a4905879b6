"""The quality metrics on features whose answer is known (NumPy only, fast)."""

from __future__ import annotations

import numpy as np
import pytest

from latentwalk.core import metrics
from latentwalk.train.quality.judge import augment, class_holdout_indices, holdout_mask


def gaussian_features(count: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((count, dim))


def mixture(count: int, modes: list[int], dim: int = 8, seed: int = 0) -> np.ndarray:
    """Samples from well-separated Gaussian modes (centres 10 apart), only the listed ones."""
    rng = np.random.default_rng(seed)
    centres = np.eye(dim) * 10.0
    picks = rng.choice(modes, count)
    return centres[picks] + rng.standard_normal((count, dim)) * 0.5


def test_fid_of_a_set_against_itself_is_zero():
    features = gaussian_features(2000)
    assert metrics.frechet_distance(features, features) == pytest.approx(0.0, abs=1e-6)


def test_fid_matches_the_closed_form_for_shifted_and_scaled_gaussians():
    # N(0, I) vs N(mu, s^2 I) in d dims: |mu|^2 + d (1 - s)^2, up to sampling error.
    a = gaussian_features(20000, dim=4, seed=1)
    b = gaussian_features(20000, dim=4, seed=2) * 2.0 + 1.0
    assert metrics.frechet_distance(a, b) == pytest.approx(4 * 1.0 + 4 * 1.0, rel=0.05)


def test_fid_grows_as_the_features_drift_further():
    real = gaussian_features(3000, seed=3)
    fake = gaussian_features(3000, seed=4)
    values = [metrics.frechet_distance(real, fake + shift) for shift in (0.0, 0.2, 0.5, 1.0)]
    assert values == sorted(values) and values[-1] > 10 * values[0]


def test_kid_of_two_halves_of_one_set_is_zero_within_its_spread():
    features = gaussian_features(4000, seed=5)
    mean, std = metrics.kernel_inception_distance(features[:2000], features[2000:], 50, 500)
    assert abs(mean) <= 2 * std + 1e-9


def test_kid_sees_a_small_shift():
    a, b = gaussian_features(2000, seed=6), gaussian_features(2000, seed=7) + 0.3
    mean, std = metrics.kernel_inception_distance(a, b, 50, 500)
    assert mean > 5 * std


def test_precision_and_recall_are_one_on_identical_sets():
    features = mixture(600, list(range(8)))
    assert metrics.precision_recall(features, features, k=3) == (1.0, 1.0)


def test_recall_falls_when_samples_cover_only_some_modes():
    real = mixture(1200, list(range(8)), seed=8)
    full = mixture(1200, list(range(8)), seed=9)
    partial = mixture(1200, [0, 1], seed=10)  # two of the eight modes: "mode collapse"
    full_precision, full_recall = metrics.precision_recall(real, full)
    partial_precision, partial_recall = metrics.precision_recall(real, partial)
    assert full_recall > 0.8 and full_precision > 0.8
    assert partial_precision > 0.8  # what it draws is realistic...
    assert partial_recall < 0.35  # ...but it covers a quarter of the real modes


def test_density_is_near_one_and_coverage_high_for_samples_like_the_real_ones():
    real = mixture(1500, list(range(8)), seed=11)
    fake = mixture(1500, list(range(8)), seed=12)
    density, coverage = metrics.density_coverage(real, fake, k=3)
    # Naeem et al.: E[density] = 1; E[coverage] ≈ 1 - 1/2^k = 0.875 for as many samples as reals.
    assert 0.85 < density < 1.15
    assert metrics.expected_coverage(1500, 1500, k=3) == pytest.approx(0.875, abs=0.001)
    assert coverage == pytest.approx(metrics.expected_coverage(1500, 1500, k=3), abs=0.04)


def test_expected_coverage_grows_with_the_samples_as_a_simulation_does():
    real = gaussian_features(900, dim=6, seed=20)
    for count in (100, 900, 3000):
        fake = gaussian_features(count, dim=6, seed=21)
        _, coverage = metrics.density_coverage(real, fake, k=3)
        assert coverage == pytest.approx(metrics.expected_coverage(900, count, k=3), abs=0.04)


def test_density_sees_samples_crowded_into_the_densest_regions_and_coverage_the_rest():
    real = mixture(1500, list(range(8)), seed=13)
    noise = np.random.default_rng(14).standard_normal((1500, 8))
    crowded = np.eye(8)[np.arange(1500) % 2] * 10.0 + noise * 0.2  # modes 0 and 1, near centre
    density, coverage = metrics.density_coverage(real, crowded, k=3)
    precision, _ = metrics.precision_recall(real, crowded, k=3)
    assert precision > 0.95 and density > 2  # all typical, far more so than the real images
    assert coverage < 0.25  # two of eight modes, and only their centres


def test_density_is_not_lifted_by_a_real_outlier_as_precision_is():
    real = mixture(800, list(range(8)), seed=15)
    outlier = np.full((1, 8), 40.0)  # alone: its k-NN ball reaches back to the modes
    fake = mixture(800, list(range(8)), seed=16) + 3.0  # off the modes, everywhere
    bare = metrics.precision_recall(real, fake)[0], metrics.density_coverage(real, fake)[0]
    with_outlier = np.concatenate([real, outlier])
    lifted = (
        metrics.precision_recall(with_outlier, fake)[0],
        metrics.density_coverage(with_outlier, fake)[0],
    )
    assert bare == (0.0, 0.0)
    assert lifted[0] > 0.9  # one wide ball holds the samples: precision calls them real...
    assert lifted[1] <= 1 / 3 + 1e-9  # ...but counts once, over k, in density: not typical


def test_class_rate_counts_the_judges_votes_for_the_class():
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    sets = metrics.Sets(
        fake=np.zeros((4, 2)),
        real=np.zeros((4, 2)),
        fake_probabilities=probabilities,
        class_index=1,
    )
    result = metrics.compute(sets, ("class_rate",))
    assert result["class_rate"] == 0.5
    assert result["class_confidence"] == pytest.approx(0.5)


def test_memorised_samples_sit_on_their_training_images():
    real = gaussian_features(500, seed=11)
    copies = real[:200] + 1e-3
    fresh = gaussian_features(200, seed=12)
    copied = metrics.compute(metrics.Sets(fake=copies, real=real), ("memorisation",))
    new = metrics.compute(metrics.Sets(fake=fresh, real=real), ("memorisation",))
    assert copied["nn_distance_median"] < 0.01 < new["nn_distance_median"]


def test_unknown_metric_names_are_refused():
    with pytest.raises(ValueError, match="unknown metric"):
        metrics.compute(metrics.Sets(fake=np.zeros((3, 2)), real=np.zeros((3, 2))), ("fud",))


def test_the_holdout_is_a_fixed_tenth_of_each_class_and_the_same_for_one_class_alone():
    labels = np.repeat(np.arange(3), [100, 50, 30])
    np.random.default_rng(0).shuffle(labels)
    mask = holdout_mask(labels, 0.1, seed=0)
    for label, count in ((0, 100), (1, 50), (2, 30)):
        members = np.flatnonzero(labels == label)
        assert mask[members].sum() == round(0.1 * count)
        # Loading that class alone (its images in the same order) holds out the same ones.
        alone = class_holdout_indices(count, 0.1, 0, label)
        assert np.array_equal(np.flatnonzero(mask[members]), alone)
    assert np.array_equal(mask, holdout_mask(labels, 0.1, seed=0))
    assert not np.array_equal(mask, holdout_mask(labels, 0.1, seed=1))


def test_augmentation_shifts_and_flips_but_keeps_the_pixels():
    images = np.random.default_rng(0).integers(0, 256, (64, 32, 32, 3), dtype=np.uint8)
    out = augment(images, np.random.default_rng(1))
    assert out.shape == images.shape and out.dtype == np.uint8
    assert not np.array_equal(out, images)
    # The centre of each image survives a shift of at most 4 pixels, flipped or not.
    for original, moved in zip(images[:8], out[:8], strict=True):
        centre = original[12:20, 12:20]
        found = any(
            np.array_equal(candidate[y : y + 8, x : x + 8], centre)
            for candidate in (moved, moved[:, ::-1])
            for y in range(8, 17)
            for x in range(8, 17)
        )
        assert found
