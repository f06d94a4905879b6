"""The tear figures on constructed generators whose right answers are known: one that jumps
across a hyperplane (a tear) and one that ramps smoothly across it."""

from __future__ import annotations

import numpy as np
import pytest

from latentwalk.core import tearing
from tests.support import DIM, brightness_judge, ramp_generator, step_generator


def _pairs(count: int = 64, seed: int = 0):
    """Walk ends on either side of the hyperplane, well inside each class."""
    rng = np.random.default_rng(seed)
    start = rng.standard_normal((count, DIM))
    end = rng.standard_normal((count, DIM))
    start[:, 0] = -np.abs(start[:, 0]) - 2.5
    end[:, 0] = np.abs(end[:, 0]) + 2.5
    return start, end, np.ones(count, int)


def test_a_tear_switches_class_in_one_step_and_a_ramp_does_not():
    start, end, end_class = _pairs()
    torn = tearing.summarise_transitions(
        tearing.transition_walks(step_generator, brightness_judge, start, end, end_class, 256)
    )
    smooth = tearing.summarise_transitions(
        tearing.transition_walks(ramp_generator, brightness_judge, start, end, end_class, 256)
    )
    assert torn["switching"] == smooth["switching"] == 64
    assert torn["width_median"] == pytest.approx(1 / 256)
    assert smooth["width_median"] > 0.03
    low, high = torn["width_median_ci"]
    assert low <= torn["width_median"] <= high
    assert smooth["width_median_ci"][0] > torn["width_median_ci"][1]
    # The tear's whole change sits in its one-step band; the ramp's is spread.
    assert torn["concentration_median"] == pytest.approx(256)
    assert smooth["concentration_median"] < torn["concentration_median"]
    assert torn["narrow_share"]["share"] == 1.0


def test_band_concentration_is_one_for_an_even_walk():
    assert tearing.band_concentration(np.ones(10), (2, 5)) == pytest.approx(1.0)
    assert tearing.band_concentration(np.r_[np.zeros(5), 1.0, np.zeros(4)], (5, 6)) == 10.0


def test_transition_band_on_hand_made_curves():
    assert tearing.transition_band(np.array([0.0, 0.05, 0.5, 0.95, 1.0])) == (1, 3)
    assert tearing.transition_width(np.array([0.0, 0.05, 0.5, 0.95, 1.0])) == 0.5
    assert tearing.transition_band(np.array([0.0, 0.1, 0.2])) is None  # rises too little
    # Read relative to the walk's ends: a blurry model's 0.2 -> 0.8 is a whole switch.
    assert tearing.transition_band(np.array([0.2, 0.2, 0.25, 0.7, 0.8])) == (2, 4)
    assert tearing.transition_band(np.array([0.2, 0.3, 0.75, 0.8])) == (0, 2)
    # A dip back below 0.1 after an early rise: the band is the last rise.
    assert tearing.transition_band(np.array([0.0, 0.5, 0.05, 0.95])) == (2, 3)


def test_cross_class_pairs_are_confident_and_of_different_classes():
    probabilities = np.array(
        [[0.95, 0.05, 0], [0.02, 0.97, 0.01], [0.5, 0.5, 0], [0.05, 0, 0.95], [0.99, 0.01, 0]]
    )
    pairs = tearing.cross_class_pairs(probabilities, 20, seed=1)
    top = probabilities.argmax(axis=1)
    assert len(pairs) > 0 and 2 not in pairs  # sample 2 is not confident
    assert all(top[i] != top[j] for i, j in pairs)
    only = tearing.cross_class_pairs(probabilities, 20, classes=(0, 1), seed=1)
    assert set(only.ravel()) <= {0, 1, 4}
    assert len(tearing.cross_class_pairs(probabilities[[0, 4]], 5)) == 0  # one class only


def test_tail_statistics_see_a_few_huge_steps():
    rng = np.random.default_rng(0)
    even = rng.uniform(0.9, 1.1, 10_000)
    heavy = even.copy()
    heavy[:20] = 1000.0  # 0.2 % of the steps
    calm, torn = tearing.tail_statistics(even), tearing.tail_statistics(heavy)
    assert calm["p999_over_median"] < 1.2
    assert torn["p999_over_median"] > 100
    assert torn["top1_share"] > 0.6 > calm["top1_share"]
    assert torn["tail_index"] < calm["tail_index"]


def test_between_class_mass_and_its_interval():
    probabilities = np.array([[0.9, 0.1]] * 70 + [[0.45, 0.55]] * 30)
    mass = tearing.between_class_mass(probabilities)
    assert mass["share"] == 0.0  # 0.55 is a top probability above 0.5
    mass = tearing.between_class_mass(probabilities, threshold=0.6)
    assert mass["share"] == pytest.approx(0.3)
    assert mass["ci"][0] < 0.3 < mass["ci"][1]


def test_outside_real_balls_counts_samples_off_the_support():
    real = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0]])
    radii = np.full(4, 1.0)
    fake = np.array([[0.5, 0.0], [5.5, 0.0], [10.5, 0.0], [5.0, 1.0]])  # two between the modes
    assert tearing.outside_real_balls(fake, real, radii)["share"] == 0.5


def test_the_tear_finder_finds_the_tear_and_not_on_a_ramp():
    torn = tearing.find_tears(step_generator, brightness_judge, DIM, budget=512, seed=0)
    smooth = tearing.find_tears(ramp_generator, brightness_judge, DIM, budget=512, seed=0)
    best, calm = torn["tears"][0], smooth["tears"][0]
    # Across the tear the change survives every halving; on the ramp it halves with the step.
    assert best["change_kept"] > 0.9
    assert calm["change_kept"] < 0.05
    assert best["stretch"] > 100 * calm["stretch"]
    assert abs(best["centre"][0]) < 0.01  # it sits on the hyperplane z[0] = 0
    assert len(best["frame_latents"]) == 9
    assert torn["budget"] == 512 and torn["screened"] == (512 - 4 * 8) // 2


def test_the_tear_finder_refuses_a_budget_too_small():
    with pytest.raises(ValueError, match="too small"):
        tearing.find_tears(ramp_generator, brightness_judge, DIM, budget=10)


def test_the_precision_bound_needs_a_gap_and_shrinks_with_it():
    assert tearing.precision_bound(0.0, 1.0) == pytest.approx(1.0)  # touching modes: no bound
    assert tearing.precision_bound(2.0, 1.0) == pytest.approx(2 * 0.158655, abs=1e-5)  # 2Φ(-1)
    assert tearing.precision_bound(10.0, 1.0) < 1e-6
    assert tearing.precision_bound(2.0, 4.0) > tearing.precision_bound(2.0, 1.0)  # a steeper map


def test_class_gap_of_two_clusters():
    rng = np.random.default_rng(0)
    a = rng.normal(0.0, 0.1, (50, 4))
    b = rng.normal(0.0, 0.1, (50, 4)) + np.array([10.0, 0, 0, 0])
    apart = tearing.class_gap(a, b)
    assert 4.0 < apart["support_gap"] < 5.0  # about 10 / sqrt(4), less the balls' radii
    assert apart["touching_pairs"] == 0
    mixed = tearing.class_gap(a, rng.normal(0.0, 0.1, (50, 4)))
    assert mixed["support_gap"] == 0.0 and mixed["touching_pairs"] > 0
