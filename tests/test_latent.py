"""The latent math (core/latent.py): seed mapping, interpolation, walks, path distances, jumps and
smoothness, each checked against values worked out independently of the implementation."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from latentwalk.core import latent

# Computed with the canonical JavaScript mulberry32 (Math.imul) and Box-Muller in Node 20, the
# algorithm web_demo/js/latent.js must follow; Math.fround gives the float32 values.
MULBERRY32_SEED_0 = [1144304738, 1416247, 958946056, 627933444]
MULBERRY32_SEED_MAX = [3850105811, 813802916, 3073704848, 4054706436]
LATENT_SEED_0_HEAD = [
    1.6264322996139526,
    0.0033697353210300207,
    1.0509958267211914,
    1.3762763738632202,
    -1.184387445449829,
    -0.34449246525764465,
]
LATENT_SEED_42_HEAD = [
    -0.9561622142791748,
    0.32207024097442627,
    -0.27302610874176025,
    -0.4946727454662323,
    -1.8416272401809692,
    -0.3106057345867157,
]


def test_import_does_not_pull_in_tensorflow():
    code = "import sys, latentwalk.core.latent; sys.exit('tensorflow' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_mulberry32_matches_the_javascript_generator():
    assert latent.mulberry32(0, 4).tolist() == MULBERRY32_SEED_0
    assert latent.mulberry32(2**32 - 1, 4).tolist() == MULBERRY32_SEED_MAX


def test_seed_to_latent_matches_the_javascript_box_muller():
    assert latent.SEED_MAPPING == "mulberry32-boxmuller/1"
    z0, z42 = latent.seed_to_latent(0), latent.seed_to_latent(42)
    assert z0.dtype == np.float32 and z0.shape == (32,)
    # Box-Muller's log, cos and sin come from the machine's maths library, whose last bit may
    # differ between CPUs (and from Node's): equal to within one float32 step.
    np.testing.assert_array_max_ulp(z0[:6], np.float32(LATENT_SEED_0_HEAD), maxulp=1)
    np.testing.assert_array_max_ulp(z42[:6], np.float32(LATENT_SEED_42_HEAD), maxulp=1)
    # An odd size takes the first value of the last pair, so it is a prefix of the even size.
    np.testing.assert_array_equal(latent.seed_to_latent(0, 5), z0[:5])


def test_seed_latents_look_like_standard_normal_samples():
    values = latent.seeds_to_latents(range(500), 32).ravel()
    assert abs(values.mean()) < 0.03 and abs(values.std() - 1) < 0.03
    assert not np.array_equal(latent.seed_to_latent(1), latent.seed_to_latent(2))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0-3, 42", [0, 1, 2, 3, 42]),
        (" 7 ", [7]),
        ("5;6", [5, 6]),
        ("3, 1, 3", [3, 1, 3]),
    ],
)
def test_parse_seeds_reads_lists_and_ranges(text, expected):
    assert latent.parse_seeds(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no seeds"),
        ("3-1", "backwards"),
        ("frog", "cannot read"),
        ("0-5000", "too many"),
        ("-4", "between 0 and"),
    ],
)
def test_parse_seeds_explains_bad_input(text, message):
    with pytest.raises(ValueError, match=message):
        latent.parse_seeds(text)


def test_lerp_is_the_straight_line():
    z0, z1 = latent.seed_to_latent(0), latent.seed_to_latent(1)
    np.testing.assert_allclose(latent.lerp(z0, z1, 0.5), (z0 + z1) / 2, atol=1e-6)
    path = latent.lerp(z0, z1, np.array([0.0, 0.25, 1.0]))
    assert path.shape == (3, 32)
    np.testing.assert_allclose(path[[0, 2]], [z0, z1], atol=1e-6)
    np.testing.assert_allclose(path[1], 0.75 * z0 + 0.25 * z1, atol=1e-6)


def test_slerp_hits_its_endpoints_and_interpolates_the_norm():
    z0, z1 = latent.seed_to_latent(3), 2.0 * latent.seed_to_latent(4)
    ts = np.linspace(0, 1, 11)
    path = latent.slerp(z0, z1, ts)
    np.testing.assert_allclose(path[0], z0, atol=1e-5)
    np.testing.assert_allclose(path[-1], z1, atol=1e-5)
    n0, n1 = np.linalg.norm(z0), np.linalg.norm(z1)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), (1 - ts) * n0 + ts * n1, rtol=1e-5)
    # Directions move at a constant angular speed along the great circle.
    units = path / np.linalg.norm(path, axis=1, keepdims=True)
    angles = np.arccos(np.clip(np.sum(units[1:] * units[:-1], axis=1), -1, 1))
    np.testing.assert_allclose(angles, angles[0], rtol=1e-3)


def test_slerp_keeps_gaussian_norms_where_lerp_shrinks_them():
    z0, z1 = latent.seed_to_latent(10), latent.seed_to_latent(11)
    expected = (np.linalg.norm(z0) + np.linalg.norm(z1)) / 2
    assert np.linalg.norm(latent.slerp(z0, z1, 0.5)) == pytest.approx(expected, rel=1e-5)
    # Two independent 32-d Gaussians are nearly orthogonal: lerp's midpoint is ~1/sqrt(2) as long.
    assert np.linalg.norm(latent.lerp(z0, z1, 0.5)) < 0.85 * expected


def test_slerp_of_parallel_vectors_does_not_divide_by_zero():
    z = latent.seed_to_latent(5)
    out = latent.slerp(z, 3 * z, np.array([0.0, 0.5, 1.0]))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out[1], 2 * z, rtol=1e-5)


def test_walk_passes_through_every_waypoint():
    waypoints = latent.seeds_to_latents([0, 1, 2], 32)
    for mode in ("lerp", "slerp"):
        path = latent.walk(waypoints, 8, mode)
        assert path.shape == (17, 32)
        np.testing.assert_allclose(path[[0, 8, 16]], waypoints, atol=1e-5)
    with pytest.raises(ValueError, match="two waypoints"):
        latent.walk(waypoints[:1], 8)
    with pytest.raises(ValueError, match="unknown interpolation"):
        latent.walk(waypoints, 8, "cubic")


def test_move_dimension_changes_only_that_dimension():
    z = latent.seed_to_latent(0)
    moved = latent.move_dimension(z, 5, [-1.0, 0.0, 2.0])
    assert moved.shape == (3, 32)
    np.testing.assert_array_equal(moved[:, 5], [-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(np.delete(moved, 5, axis=1), np.tile(np.delete(z, 5), (3, 1)))
    with pytest.raises(ValueError, match="outside"):
        latent.move_dimension(z, 32, [0.0])


def test_path_distances_are_mean_squared_differences_on_unit_images():
    frames = np.stack([np.full((4, 4, 3), v) for v in (-1.0, 1.0, 1.0, 0.0)])
    # [0, 1] images: 0 -> 1 -> 1 -> 0.5
    np.testing.assert_allclose(latent.path_distances(frames), [1.0, 0.0, 0.25])
    assert latent.path_length(latent.path_distances(frames)) == pytest.approx(1.25)


def _frames_with_a_cliff(count: int = 33, cliff_step: int = 20) -> np.ndarray:
    """A synthetic walk: the image brightens steadily, then jumps once between two frames."""
    t = np.linspace(0, 1, count)
    brightness = 0.3 * t - 0.5
    brightness[cliff_step + 1 :] += 0.6
    return np.broadcast_to(brightness[:, None, None, None], (count, 8, 8, 3)).copy()


def test_find_jumps_finds_the_one_discontinuity():
    distances = latent.path_distances(_frames_with_a_cliff(cliff_step=20))
    assert latent.find_jumps(distances, k=3).tolist() == [20]
    summary = latent.walk_summary(distances, k=3)
    assert summary["jumps"] == [20]
    assert summary["max_over_median"] > 100


def test_a_smooth_walk_has_no_jumps():
    frames = _frames_with_a_cliff(cliff_step=10**6)  # the cliff lies beyond the path
    distances = latent.path_distances(frames)
    assert latent.find_jumps(distances).size == 0
    assert latent.walk_summary(distances)["max_over_median"] == pytest.approx(1.0, rel=1e-6)


def _norm_image(alpha: float):
    """A smooth 'generator' whose every pixel is alpha * (||z|| - 5.6) / 8: it depends on the
    norm only, which slerp interpolates linearly, so each path's value is known exactly."""

    def generate(z: np.ndarray) -> np.ndarray:
        value = alpha * (np.linalg.norm(z.astype(np.float64), axis=1) - 5.6) / 8
        return np.broadcast_to(value[:, None, None, None], (len(z), 4, 4, 3))

    return generate


def test_smoothness_of_a_known_smooth_function():
    # Per path: d / eps^2 = (alpha / 8 / 2)^2 (n1 - n0)^2 on [0, 1] images. For 32-d standard
    # normals n1 - n0 is close to N(0, 2 Var(chi_32)) = N(0, 0.9921), so the median value is
    # (1/16)^2 * 0.9921 * 0.4549 (the median of chi-squared with one degree of freedom).
    result = latent.smoothness(_norm_image(1.0), 32, num_paths=4000, seed=1)
    expected_median = (1 / 16) ** 2 * 0.9921 * 0.4549
    assert result["median"] == pytest.approx(expected_median, rel=0.1)
    assert len(result["values"]) < 4000  # the 1st and 99th percentiles were dropped
    assert result["values"].max() <= result["p99"]


def test_smoothness_scales_with_the_square_of_the_slope():
    gentle = latent.smoothness(_norm_image(1.0), 32, num_paths=64, seed=3)
    steep = latent.smoothness(_norm_image(3.0), 32, num_paths=64, seed=3)
    assert steep["median"] == pytest.approx(9 * gentle["median"], rel=1e-3)
    assert steep["p99_over_median"] == pytest.approx(gentle["p99_over_median"], rel=1e-3)


def test_smoothness_of_a_constant_generator_is_zero():
    result = latent.smoothness(lambda z: np.zeros((len(z), 4, 4, 3)), 32, num_paths=16)
    assert result["median"] == 0 and result["mean"] == 0


def test_path_distances_and_smoothness_can_measure_in_a_feature_space():
    frames = np.random.default_rng(0).uniform(-1, 1, (5, 4, 4, 3)).astype(np.float32)

    def channel_means(images):  # a stand-in for the judge: one feature per channel
        return images.mean(axis=(1, 2))

    expected = np.mean((channel_means(frames)[1:] - channel_means(frames)[:-1]) ** 2, axis=1)
    np.testing.assert_allclose(latent.path_distances(frames, channel_means), expected, rtol=1e-6)
    assert not np.allclose(latent.path_distances(frames), expected)  # pixels differ

    def generate(latents):  # flat images coloured by the first three latent values
        colours = np.tanh(latents[:, None, None, :3])
        return np.broadcast_to(colours, (len(latents), 4, 4, 3)).astype(np.float32)

    result = latent.smoothness(generate, 8, num_paths=32, features=channel_means)
    assert result["space"] == "features" and result["median"] > 0
    assert latent.smoothness(generate, 8, num_paths=32)["space"] == "pixels"
