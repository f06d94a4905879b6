"""The latent atlas's math (core/latent.py): planes, lattices, stretch maps, summaries and the
local spectrum, on generators whose answer is known in closed form."""

from __future__ import annotations

import numpy as np
import pytest

from latentwalk.core import latent

P = 48  # values per "image" of the toy generators


def linear_generator(matrix: np.ndarray, offset: np.ndarray):
    """G(z) = A z + b, as flat "images" (n, P); measured with an identity feature function."""

    def generate(latents):
        return np.asarray(latents, np.float64) @ matrix.T + offset

    return generate


def identity(images):
    return np.asarray(images, np.float64).reshape(len(images), -1)


def analytic_grams(matrix, axes):
    d1, d2 = matrix @ axes[0], matrix @ axes[1]
    return np.mean(d1 * d1), np.mean(d1 * d2), np.mean(d2 * d2)


def test_plane_through_seeds_is_orthonormal_and_passes_through_the_seeds():
    plane = latent.plane_through_seeds([3, 8, 12], n=24)
    assert np.allclose(plane.axes @ plane.axes.T, np.eye(2), atol=1e-12)
    z = latent.seeds_to_latents([3, 8, 12]).astype(np.float64)
    for (x, y), target in zip(plane.marks, z, strict=True):
        point = plane.origin + x * plane.axes[0] + y * plane.axes[1]
        assert np.allclose(point, target, atol=1e-6)
    # Every seed lies inside the window, away from its edge by the margin.
    for row, column in plane.mark_cells():
        assert 0 < row < plane.n and 0 < column < plane.n
    assert plane.latents().shape == (24 * 24, 32)
    assert plane.latents(ring=1).shape == (26 * 26, 32)


def test_lattice_is_row_major_with_x_along_columns():
    plane = latent.random_plane(5, 9, n=4)
    points = plane.latents(ring=1).astype(np.float64).reshape(6, 6, 32) - plane.origin
    x = points @ plane.axes[0]
    y = points @ plane.axes[1]
    h = plane.spacing
    assert np.allclose(np.diff(x, axis=1), h, atol=1e-5) and np.allclose(
        np.diff(x, axis=0), 0, atol=1e-5
    )
    assert np.allclose(np.diff(y, axis=0), h, atol=1e-5) and np.allclose(
        np.diff(y, axis=1), 0, atol=1e-5
    )
    # The centre of the window (the seed) sits between the middle cells.
    assert np.allclose(plane.mark_cells()[0], (2.0, 2.0))


def test_random_directions_are_orthonormal_and_repeatable():
    axes = latent.random_directions(77)
    assert np.allclose(axes @ axes.T, np.eye(2), atol=1e-12)
    assert np.array_equal(axes, latent.random_directions(77))
    assert not np.allclose(axes, latent.random_directions(78))


def test_linear_generator_gives_a_flat_map_equal_to_the_analytic_value():
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((P, 32))
    generate = linear_generator(matrix, rng.standard_normal(P))
    for plane in (latent.plane_through_seeds([0, 1, 2], n=8), latent.random_plane(4, 11, n=8)):
        result = latent.atlas(generate, plane, features=identity)
        a, b, c = analytic_grams(matrix, plane.axes)
        area = np.sqrt(a * c - b * b)
        half = (a + c) / 2
        stretch = np.sqrt(half + np.sqrt(half**2 - (a * c - b * b)))
        assert result["area"].shape == (8, 8)
        np.testing.assert_allclose(result["area"], area, rtol=1e-4)
        np.testing.assert_allclose(result["stretch"], stretch, rtol=1e-4)
        # Singular values of the 2-column Jacobian, straight from an SVD.
        svd = np.linalg.svd(
            np.stack([matrix @ plane.axes[0], matrix @ plane.axes[1]], 1) / np.sqrt(P),
            compute_uv=False,
        )
        np.testing.assert_allclose(result["stretch_min"], svd[1], rtol=1e-3)
        summary = latent.atlas_summary(result["area"])
        assert summary["cliff_share"] == 0.0
        assert summary["p99_over_median"] == pytest.approx(1.0, rel=1e-4)


def test_a_planted_tear_lights_up_the_cells_beside_it():
    rng = np.random.default_rng(1)
    matrix = rng.standard_normal((P, 32))
    plane = latent.random_plane(4, 11, n=12)
    jump = rng.standard_normal(P) * 50.0
    threshold = 0.3  # the tear: a step along q1 at x = 0.3 from the seed

    def generate(latents):
        z = np.asarray(latents, np.float64)
        x = (z - plane.origin) @ plane.axes[0]
        return z @ matrix.T + np.outer(x > threshold, jump)

    result = latent.atlas(generate, plane, features=identity)
    xs = plane.center[0] + plane.coordinates(ring=0)
    h = plane.spacing
    # Central differences reach one cell either side: the columns within h of the tear.
    torn = np.flatnonzero(np.abs(xs - threshold) < h)
    assert len(torn) == 2
    for measure in ("area", "stretch"):
        values = result[measure]
        median = np.median(values)
        cliffs = np.argwhere(values > 3 * median)
        assert set(cliffs[:, 1]) == set(torn), measure
        assert len(cliffs) == 2 * plane.n  # every row of those two columns
    summary = latent.atlas_summary(result["area"], k=3)
    assert summary["cliff_share"] == pytest.approx(2 / 12)
    assert summary["max_over_median"] > 10


def test_pixel_maps_clip_to_the_unit_range_like_walks():
    """In pixels the map measures [0, 1] images, as path_distances does: a generator that only
    moves values beyond tanh's range does not stretch at all."""
    plane = latent.random_plane(1, 2, n=4)

    def generate(latents):
        z = np.asarray(latents, np.float64)
        return np.broadcast_to((5.0 + z[:, :1])[:, :, None, None], (len(z), 32, 32, 3)).copy()

    result = latent.atlas(generate, plane)
    assert np.all(result["area"] == 0) and np.all(result["stretch"] == 0)
    assert result["images"].shape == (4, 4, 32, 32, 3)


@pytest.mark.parametrize(
    ("seeds", "message"),
    [
        ([3, 3, 5], "seed 3 is given twice"),
        ([1, 2], "exactly three seeds"),
        ([1, 2, 3, 4], "exactly three seeds"),
    ],
)
def test_bad_seed_sets_are_refused_with_a_reason(seeds, message):
    with pytest.raises(ValueError, match=message):
        latent.plane_through_seeds(seeds)


def test_collinear_latents_are_refused(monkeypatch):
    z0, z1 = latent.seed_to_latent(1), latent.seed_to_latent(2)
    table = {1: z0, 2: z1, 3: (z0 + 2.0 * (z1 - z0)).astype(np.float32)}
    monkeypatch.setattr(latent, "seed_to_latent", lambda seed, dim=32: table[seed])
    with pytest.raises(ValueError, match="lie on one line"):
        latent.plane_through_seeds([1, 2, 3])


@pytest.mark.parametrize("n", [0, 3, 65, 2.5, True])
def test_grid_size_out_of_range_is_refused(n):
    with pytest.raises(ValueError, match="grid size N"):
        latent.random_plane(0, 1, n=n)


def test_margin_and_half_width_are_checked():
    with pytest.raises(ValueError, match="margin"):
        latent.plane_through_seeds([0, 1, 2], margin=-0.1)
    with pytest.raises(ValueError, match="half-width"):
        latent.random_plane(0, 1, half_width=0.0)


def test_random_plane_summaries_cover_every_model_on_the_same_planes():
    rng = np.random.default_rng(2)
    flat = linear_generator(rng.standard_normal((P, 32)), np.zeros(P))
    tear_direction = latent.seed_to_latent(99).astype(np.float64)

    def torn(latents):
        z = np.asarray(latents, np.float64)
        return flat(z) + np.outer(np.sin(3.0 * z @ tear_direction) > 0.9, np.full(P, 30.0))

    result = latent.random_plane_summaries(
        {"flat": flat, "torn": torn}, 32, planes=3, n=6, seed=1, features=identity
    )
    assert [s["plane_seed"] for s in result["flat"]] == [s["plane_seed"] for s in result["torn"]]
    assert all(s["cliff_share"] == 0 for s in result["flat"])
    assert max(s["p99_over_median"] for s in result["torn"]) > 3
    with pytest.raises(ValueError, match="unknown measure"):
        latent.random_plane_summaries({"flat": flat}, 32, measure="volume")


def test_local_spectrum_recovers_a_linear_generator_singular_values():
    rng = np.random.default_rng(3)
    matrix = rng.standard_normal((P, 32)) * np.linspace(0.1, 3.0, 32)
    spectrum = latent.local_spectrum(
        linear_generator(matrix, np.zeros(P)), latent.seed_to_latent(5), features=identity
    )
    expected = np.linalg.svd(matrix / np.sqrt(P), compute_uv=False)
    np.testing.assert_allclose(spectrum, expected, rtol=1e-3)
    assert np.all(np.diff(spectrum) <= 0)


# --- The app's pictures and words for the atlas (streamlit_app/atlas.py) ---------------------


def _toy_results(n: int = 6) -> dict:
    """A calm model and one with a torn column, on the same plane."""
    from latentwalk.streamlit_app import (
        atlas as pictures,  # noqa: F401  (import check: no Streamlit needed)
    )

    plane = latent.random_plane(3, 4, n=n)

    def calm(z):
        z = np.asarray(z, np.float64)
        return np.tanh(z[:, :3] / 4)[:, None, None, :] * np.ones((len(z), 32, 32, 3))

    def torn(z):
        x = (np.asarray(z, np.float64) - plane.origin) @ plane.axes[0]
        return np.clip(calm(z) + np.where(x > 0.2, 0.9, 0.0)[:, None, None, None], -1, 1)

    return plane, {"GAN": latent.atlas(torn, plane), "VAE": latent.atlas(calm, plane)}


def test_maps_share_one_colour_scale_and_seeds_are_drawn():
    from latentwalk.streamlit_app import atlas as pictures

    plane, results = _toy_results()
    maps = {name: r["stretch"] for name, r in results.items()}
    lo, hi = pictures.shared_domain(maps)
    assert lo <= -0.5 and hi >= np.log10(maps["GAN"].max() / np.median(maps["GAN"])) - 1e-9
    colours = pictures.colour(np.array([lo - 1, lo, hi, hi + 1]), (lo, hi))
    assert (colours[0] == colours[1]).all() and (colours[2] == colours[3]).all()
    assert tuple(colours[1]) == tuple(pictures.VIRIDIS[0]) and tuple(colours[2]) == (253, 231, 37)
    picture = pictures.atlas_png(results, "stretch", plane.mark_cells(), ["3"], picked=(0, 0))
    assert picture.width > 2 * 6 * 32 and picture.height > 2 * 6 * 32
    pixels = np.asarray(picture)
    assert (pixels == (255, 0, 0)).all(-1).any()  # the picked cell's outline


def test_atlas_reading_names_the_torn_model():
    from latentwalk.streamlit_app import atlas as pictures

    _plane, results = _toy_results()
    text = " ".join(pictures.reading(results, "stretch", 3.0))
    assert "The GAN: 33% of the plane is a cliff" in text
    assert "The VAE: no cell is above 3× its median" in text
    assert "the GAN's map is the less even" in text
    rows = pictures.random_rows(
        {
            "GAN": [
                {"cliff_share": 0.1, "p99_over_median": 4.0},
                {"cliff_share": 0.0, "p99_over_median": 2.0},
            ]
        }
    )
    assert rows[0]["cliffs: planes with any"] == 1 and rows[0]["p99 / median: worst plane"] == 4.0
