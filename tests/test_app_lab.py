"""The discontinuity lab's numbers and words (streamlit_app/lab.py, streamlit_app/charts.py), on
synthetic 'models' whose behaviour is known: one smooth, one with a cliff, one blurred."""

from __future__ import annotations

import numpy as np

from latentwalk.core import latent
from latentwalk.streamlit_app import charts, lab


def _smooth_model(z: np.ndarray) -> np.ndarray:
    """Images that change smoothly with z: a fixed random linear map, squashed by tanh."""
    weights = np.random.default_rng(7).standard_normal((z.shape[1], 8 * 8 * 3)) / 20
    return np.tanh(z.astype(np.float64) @ weights).reshape(-1, 8, 8, 3)


def _cliff_model(z: np.ndarray) -> np.ndarray:
    """The smooth model plus a hard switch on the sign of z[0]: a discontinuity."""
    switch = np.where(z[:, :1] > 0, 0.8, -0.8)[:, :, None, None]
    return np.clip(_smooth_model(z) * 0.2 + switch, -1, 1)


def _blurred(generate):
    """The same model with every image averaged over 2x2 blocks (less fine detail)."""

    def blurred(z):
        images = generate(z)
        blocks = images.reshape(len(images), 4, 2, 4, 2, 3).mean(axis=(2, 4), keepdims=True)
        return np.broadcast_to(blocks, (len(images), 4, 2, 4, 2, 3)).reshape(images.shape)

    return blurred


def _crossing_path(steps: int = 32) -> np.ndarray:
    """A path between two seeds' latents with z[0] going from -1 to +1, so it crosses the cliff."""
    a, b = latent.seeds_to_latents([0, 1], 32)
    a[0], b[0] = -1.0, 1.0
    return latent.walk(np.stack([a, b]), steps, "lerp")


def test_walk_report_finds_the_cliff_only_in_the_model_that_has_one():
    path = _crossing_path()
    report = lab.walk_report({"GAN": _cliff_model(path), "VAE": _smooth_model(path)}, k=3)
    assert report["GAN"]["jumps"] == [16]  # z[0] changes sign between frames 16 and 17
    assert report["VAE"]["jumps"] == []
    assert report["GAN"]["max_over_median"] > 10 * report["VAE"]["max_over_median"]
    assert len(report["GAN"]["distances"]) == len(path) - 1


def test_walk_reading_names_the_uneven_model():
    path = _crossing_path()
    walks = lab.walk_report({"GAN": _cliff_model(path), "VAE": _smooth_model(path)}, k=3)
    text = " ".join(lab.walk_reading(walks, 3))
    assert "1 jump above 3×" in text and "0 jumps" in text
    assert "Only the GAN jumps on this walk" in text and "bursts" not in text


def test_walk_reading_says_no_jump_when_there_is_none():
    """A walk with no step above k x the median must not be read as one that moves in bursts
    (the default walk once gave the GAN 0 jumps and a largest step 2.0x, yet "bursts")."""
    path = latent.walk(latent.seeds_to_latents([0, 1], 32), 16, "slerp")
    frames = {"GAN": _smooth_model(path), "VAE": _blurred(_smooth_model)(path)}
    walks = lab.walk_report(frames, k=3)
    assert all(not w["jumps"] for w in walks.values())
    text = " ".join(lab.walk_reading(walks, 3))
    assert "No jump on this walk" in text and "random paths below" in text
    assert "bursts" not in text and "less even" not in text


def test_walk_reading_compares_two_models_that_both_jump():
    path = _crossing_path()
    walks = lab.walk_report({"GAN": _cliff_model(path), "VAE": _cliff_model(path) * 0.5}, k=3)
    text = " ".join(lab.walk_reading(walks, 3))
    assert "Both models jump on this walk" in text


def test_walk_reading_handles_a_walk_that_does_not_move():
    path = latent.walk(latent.seeds_to_latents([3, 3], 32), 4, "slerp")
    walks = lab.walk_report({"GAN": _smooth_model(path)}, k=3)
    assert "do not change" in lab.walk_reading(walks, 3)[0]


def test_image_detail_is_lower_for_blurred_images():
    z = latent.seeds_to_latents(range(16), 32)
    sharp, blurry = _smooth_model(z), _blurred(_smooth_model)(z)
    assert lab.image_detail(blurry) < 0.6 * lab.image_detail(sharp)
    assert lab.image_detail(np.zeros((2, 8, 8, 3))) == 0


def test_smoothness_reading_warns_that_raw_figures_flatter_the_blurrier_model():
    models = {"GAN": _smooth_model, "VAE": _blurred(_smooth_model)}
    smooth = lab.smoothness_report(models, 32, num_paths=64, seed=0, detail_samples=16)
    assert smooth["VAE"]["detail"] < smooth["GAN"]["detail"]
    assert smooth["VAE"]["median"] < smooth["GAN"]["median"]  # blur lowers raw distances
    text = " ".join(lab.smoothness_reading(smooth))
    assert "flatter a blurrier model" in text
    assert "The VAE's images have" in text and "less fine detail than the GAN's" in text
    assert "makes the VAE's raw figure lower" in text
    assert "With only 64 paths" in text


def test_smoothness_rows_and_charts_carry_every_model():
    models = {"GAN": _cliff_model, "VAE": _smooth_model}
    smooth = lab.smoothness_report(models, 32, num_paths=128, seed=2, detail_samples=8)
    rows = lab.smoothness_rows(smooth)
    assert [r["model"] for r in rows] == ["GAN", "VAE"]
    assert all(r["p99 / median (scale-free)"] >= 1 for r in rows)
    frame = charts.smoothness_frame(smooth)
    assert set(frame["model"]) == {"GAN", "VAE"}
    assert len(frame) == sum(len(s["values"]) for s in smooth.values())
    charts.smoothness_chart(smooth, relative=True).to_dict()  # a valid Vega-Lite spec


def test_step_chart_marks_the_jumps():
    path = _crossing_path()
    walks = lab.walk_report({"GAN": _cliff_model(path), "VAE": _smooth_model(path)}, k=3)
    frame = charts.step_frame(walks)
    assert frame[frame["jump"]][["model", "step"]].values.tolist() == [["GAN", 17]]
    spec = charts.step_chart(walks, relative=False).to_dict()
    assert len(spec["layer"]) == 2


def test_the_jump_line_and_its_label_are_drawn_once():
    """Drawn once per row of the chart's data, the label was many labels on top of each other
    (it looked smeared in Chromium); each is one mark over one aggregated row."""
    path = _crossing_path()
    walks = lab.walk_report({"GAN": _cliff_model(path), "VAE": _smooth_model(path)}, k=3)
    spec, rows = charts.spec_and_data(charts.step_chart(walks, relative=True, threshold=3.0))
    assert len(rows) > 2  # the lines' rows, one data set for the whole chart
    (line,) = [layer for layer in spec["layer"] if "layer" in layer]
    marks = {sub["mark"]["type"]: sub for sub in line["layer"]}
    assert set(marks) == {"rule", "text"}
    for mark in marks.values():
        assert [t.get("aggregate") for t in mark.get("transform", [])] == [
            [{"op": "count", "as": "rows"}]
        ]
    assert marks["text"]["encoding"]["text"]["value"] == "jump: over 3× the median"


def test_a_chart_with_new_numbers_keeps_its_spec():
    """The page updates a chart in place only when its spec is unchanged; a spec that names its
    rows by their contents (as st.altair_chart does) is rebuilt on every redraw, and Streamlit
    1.45 then logs "Unrecognized data set" in the browser. The rows travel apart, unnamed."""
    path = _crossing_path()
    before = lab.walk_report({"GAN": _cliff_model(path), "VAE": _smooth_model(path)}, k=3)
    after = lab.walk_report({"GAN": _smooth_model(path), "VAE": _cliff_model(path)}, k=3)
    spec, rows = charts.spec_and_data(charts.step_chart(before, relative=True))
    new_spec, new_rows = charts.spec_and_data(charts.step_chart(after, relative=True))
    assert new_spec == spec
    assert "data" not in spec and "datasets" not in spec and "config" not in spec
    assert not rows.equals(new_rows) and len(rows) == len(before["GAN"]["distances"]) * 2
    smooth = lab.smoothness_report({"GAN": _cliff_model}, 32, num_paths=16, seed=0)
    other = lab.smoothness_report({"GAN": _cliff_model}, 32, num_paths=16, seed=1)
    assert (
        charts.spec_and_data(charts.smoothness_chart(smooth, True))[0]
        == charts.spec_and_data(charts.smoothness_chart(other, True))[0]
    )
