"""Walks between real images (issue: GAN inversion): the shipped held-out showcase and its codes,
codes in links, the figures of what each model cannot draw, the site's copy of the showcase,
and the app's Real images section on models made by the tests."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest
from PIL import Image

from latentwalk.core import error_figures, latent
from latentwalk.core.datasets import BY_ID
from latentwalk.core.projection import ProjectionSettings, start_latents
from latentwalk.streamlit_app import models as discovery
from latentwalk.streamlit_app import real_images as real
from latentwalk.streamlit_app import url_state
from tests.support import REPO

APP = str(REPO / "streamlit_app" / "app.py")


def write_showcase(folder, dataset_id, images, classes, gan_latents, vae_latents, gan_model,
                   sha=None):  # fmt: skip
    """models/figures/real-<id>.json and .png as models/recipes/project_heldout.py writes them
    (the fields the readers use), for uint8 ``images`` all in the showcase."""
    folder.mkdir(parents=True, exist_ok=True)
    count = len(images)
    Image.fromarray(np.concatenate(list(images), axis=1)).save(folder / f"real-{dataset_id}.png")
    errors = np.linspace(0.2, 0.5, count)
    model = {
        "feature_error": errors.tolist(),
        "pixel_error": (errors / 3).tolist(),
        "norm_ratio": [1.0] * count,
        "worst": [0],
        "summary": error_figures.summary(errors, errors / 3, classes),
    }
    figures = {
        "dataset": dataset_id,
        "label": BY_ID[dataset_id].label,
        "images": [{"class": name, "heldout_index": i} for i, name in enumerate(classes)],
        "models": {"GAN": model, "VAE": {**model, "feature_error": (errors[::-1]).tolist()}},
        "showcase": {
            "images": list(range(count)),
            "file": f"real-{dataset_id}.png",
            "gan_latents": np.asarray(gan_latents).tolist(),
            "vae_latents": np.asarray(vae_latents).tolist(),
        },
        "gan_model": gan_model,
        "vae_model": "vae-x",
        "gan_sha256": sha,
    }
    (folder / f"real-{dataset_id}.json").write_text(json.dumps(figures))
    return figures


def test_projection_starts_are_the_seeds_latents_the_page_uses():
    """Start k is seed (seed + k)'s latent (core/latent.py's mapping, the page's too)."""
    starts = start_latents(ProjectionSettings(seed=7, restarts=3), 32)
    np.testing.assert_array_equal(starts, latent.seeds_to_latents([7, 8, 9], 32))


def test_codes_survive_a_link_and_bad_ones_are_refused():
    gan, vae = latent.seed_to_latent(3), latent.seed_to_latent(4)
    text = real.codes_text(gan, vae)
    back_gan, back_vae = real.parse_codes(text, 32)
    np.testing.assert_allclose(back_gan, gan, atol=5e-5)
    np.testing.assert_allclose(back_vae, vae, atol=5e-5)
    only_gan = real.parse_codes(real.codes_text(gan, None), 32)
    assert only_gan[1] is None
    for bad in ("1,2;3", "a,b;", ";" + ",".join(["0"] * 32), "1;2;3", ",".join(["1e9"] * 32) + ";"):
        with pytest.raises(ValueError):
            real.parse_codes(bad, 32)


def test_the_link_keeps_the_real_walk():
    values, _, notices = url_state.read(
        {"section": "real", "rfrom": "3", "rto": "upload", "rtoz": "0.5,1;", "rsteps": "24"}
    )
    assert notices == []
    assert values["real_from"] == 3 and values["real_to"] == "upload"
    assert values["real_to_code"] == "0.5,1;" and values["real_steps"] == 24
    assert url_state.write(values, {})["rfrom"] == "3"
    _, _, notices = url_state.read({"rfrom": "-1", "rtoz": "x;y", "rsteps": "1"})
    assert len(notices) == 3, notices


def test_a_showcase_is_read_back_with_its_pixels_classes_and_codes(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    codes = latent.seeds_to_latents([1, 2, 3, 4], 32)
    write_showcase(tmp_path, "frog-automobile", images, ["frog", "frog", "automobile", "automobile"],
                   codes, codes * 0.5, "gan-frog-automobile")  # fmt: skip
    showcase = real.load_showcase(BY_ID["frog-automobile"], tmp_path)
    np.testing.assert_allclose(showcase.images, images / 127.5 - 1.0, atol=1e-6)
    np.testing.assert_allclose(showcase.gan_latents, codes, atol=1e-6)
    assert real.default_pair(showcase) == (0, 2)  # across the classes
    assert showcase.label(2) == "no. 2 (automobile)"
    (tmp_path / "real-frog-automobile.png").unlink()
    assert real.load_showcase(BY_ID["frog-automobile"], tmp_path) is None


def test_the_error_figure_shows_both_distributions_and_the_worst(tmp_path):
    rng = np.random.default_rng(1)
    count = 40
    images = rng.integers(0, 256, (count, 32, 32, 3), dtype=np.uint8)
    figures = write_showcase(tmp_path, "frog", images[:4], ["frog"] * 4,
                             np.zeros((4, 32)), np.zeros((4, 32)), "gan-frog")  # fmt: skip
    gan_errors, vae_errors = rng.uniform(0.3, 0.4, count), rng.uniform(0.35, 0.5, count)
    classes = ["frog"] * count
    for name, errors in (("GAN", gan_errors), ("VAE", vae_errors)):
        figures["models"][name].update(
            feature_error=errors.tolist(),
            worst=np.argsort(-errors)[:8].tolist(),
            summary=error_figures.summary(errors, errors, classes),
        )
    assert figures["models"]["GAN"]["summary"]["feature_error_median"] == pytest.approx(
        np.median(gan_errors), abs=1e-4
    )
    assert error_figures.better_drawn_share(gan_errors, vae_errors) == np.mean(
        gan_errors < vae_errors
    )
    picture = error_figures.figure_png(figures, images, images, images)
    chart = error_figures.histogram_png(figures)
    assert picture.width >= chart.width and picture.height > chart.height + 8 * 64
    pixels = np.asarray(chart)
    for colour in error_figures.COLOURS.values():  # both models' outlines are drawn
        assert np.any(np.all(pixels == colour, axis=-1)), colour


def test_a_site_offers_the_codes_only_with_the_gan_they_were_found_in(tmp_path):
    from latentwalk.export.errors import ExportError
    from latentwalk.export.site_real import read_real, write_real

    figures = tmp_path / "figures"
    export = tmp_path / "gan-frog" / "generator"
    export.mkdir(parents=True)
    (export / "generator.keras").write_bytes(b"the very generator")
    import hashlib

    sha = hashlib.sha256(b"the very generator").hexdigest()
    images = np.zeros((2, 32, 32, 3), np.uint8)
    write_showcase(figures, "frog", images, ["frog", "frog"], np.ones((2, 32)), np.ones((2, 32)),
                   "gan-frog", sha)  # fmt: skip
    page = read_real(figures, "frog", tmp_path / "gan-frog")
    assert page["gan_latents"] == np.ones((2, 32)).tolist()
    assert page["classes"] == ["frog", "frog"] and page["heldout_index"] == [0, 1]
    assert page["reading"].startswith("Over 2 held-out images, the ") and page["figure"] is None
    (export / "generator.keras").write_bytes(b"another generator")
    assert read_real(figures, "frog", tmp_path / "gan-frog")["gan_latents"] is None
    assert read_real(figures, "cifar10", tmp_path / "gan-frog") is None  # none made
    path = write_real(tmp_path / "site", "models/figures", "frog", page)
    written = json.loads((tmp_path / "site" / path).read_text())
    assert "_image" not in written and (tmp_path / "site/models/figures/real-frog.png").is_file()
    (figures / "real-frog.png").unlink()
    with pytest.raises(ExportError, match="missing"):
        read_real(figures, "frog", tmp_path / "gan-frog")


def test_projection_settings_have_one_twin_in_the_page():
    """The page's defaults and ramp-down are core/projection.py's (the parity test relies on it)."""
    from latentwalk.core import projection

    source = (REPO / "web_demo" / "js" / "projector.js").read_text()
    defaults = ProjectionSettings()
    for js, value in (("steps", defaults.steps), ("restarts", defaults.restarts),
                      ("learningRate", defaults.learning_rate),
                      ("priorWeight", defaults.prior_weight), ("seed", defaults.seed)):  # fmt: skip
        found = re.search(rf"\b{js}: ([\d.e-]+),", source)
        assert found and float(found[1]) == value, js
    worker = (REPO / "web_demo" / "js" / "projection_worker.js").read_text()
    assert float(re.search(r"const RAMP_DOWN = ([\d.]+);", worker)[1]) == projection.RAMP_DOWN


@pytest.fixture
def frogs(tiny_gan_run, tiny_vae_run, monkeypatch, tmp_path):
    """A stand-in models/ with the tiny pair as the frogs and a showcase whose GAN codes are
    seeds 5, 9 and 11's latents (codes no projection would find exactly)."""
    root = tmp_path / "models"
    for run, name in ((tiny_gan_run, "gan-frog"), (tiny_vae_run, "vae-frog")):
        shutil.copytree(run, root / name)
        config = json.loads((root / name / "config.json").read_text())
        config["data"] = {"source": "cifar10-train-jpeg.zip", "class_name": "frog"}
        (root / name / "config.json").write_text(json.dumps(config))
    images = np.random.default_rng(2).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    write_showcase(root / "figures", "frog", images, ["frog"] * 3,
                   latent.seeds_to_latents([5, 9, 11], 32), np.zeros((3, 32)), "gan-frog")  # fmt: skip
    monkeypatch.setattr(discovery, "SHIPPED_DIR", root)
    monkeypatch.delenv(discovery.ENV_VAR, raising=False)
    return root


def _app(params: dict):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP, default_timeout=180)
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.mark.slow
def test_the_app_walks_between_the_showcase_codes(frogs):
    """Held-out images 2 and 0 from a link: the GAN walks from its stored code for image 2 to
    the one for image 0 (seeds 11 and 5), the VAE between its encodings of the two images; the
    chart and the reading come with it, and the link keeps the choice."""
    import keras

    app = _app({"section": "real", "dataset": "frog", "rfrom": "2", "rto": "0", "rsteps": "8"})
    assert [s.value for s in app.selectbox if s.label in ("From", "To")] == [2, 0]
    texts = "\n".join(str(m.value) for m in app.markdown)
    assert "GAN: from its code for one image" in texts and "largest step" in texts
    assert app.query_params["rfrom"] == ["2"] and app.query_params["rto"] == ["0"]
    assert "rfromz" not in app.query_params  # a held-out image's number is its whole link
    walked = app.session_state["_real_codes"]
    np.testing.assert_allclose(walked["GAN"], latent.seeds_to_latents([11, 5], 32), atol=1e-5)
    showcase = real.load_showcase(BY_ID["frog"], frogs / "figures")
    encoder = keras.saving.load_model(next((frogs / "vae-frog").rglob("encoder.keras")))
    encoded = keras.ops.convert_to_numpy(encoder(showcase.images[[2, 0]])[0])
    np.testing.assert_allclose(walked["VAE"], encoded, atol=1e-4)
    assert len(walked["frames"]) == 9  # 8 steps


@pytest.mark.slow
def test_the_app_projects_when_the_codes_belong_to_another_gan(frogs):
    """A showcase made with another GAN: the app finds this GAN's codes itself (projection),
    and they draw the images closer than the stored codes do."""
    figures = json.loads((frogs / "figures" / "real-frog.json").read_text())
    figures["gan_model"] = "gan-other"
    (frogs / "figures" / "real-frog.json").write_text(json.dumps(figures))
    app = _app({"section": "real", "dataset": "frog", "rfrom": "0", "rto": "1", "rsteps": "4"})
    walked = app.session_state["_real_codes"]
    stored = latent.seeds_to_latents([5, 9], 32)
    assert np.abs(walked["GAN"] - stored).max() > 0.1  # not the stored codes
    assert "_real_projections" in app.session_state  # found, and kept for the session


def test_the_sites_pictures_call_a_model_in_the_structure_it_was_built_with():
    """A generator built on [latent] (the shipped frog GAN is one) drew the site's first screen
    from a bare batch, and Keras warned on every call (an error under pyproject's filters)."""
    import warnings

    import keras

    from latentwalk.export.site_pictures import draw

    inputs = keras.Input((4,), name="latent")
    model = keras.Model([inputs], keras.layers.Reshape((2, 2, 1))(keras.layers.Dense(4)(inputs)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        images = draw(model, 4, seeds="0-2")
    assert images.shape == (3, 2, 2, 1) and images.dtype == np.uint8
