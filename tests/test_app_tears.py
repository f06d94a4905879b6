"""The app's data-set choice, the verdict on the first screen and "Where it tears", with tiny
trained models and a tiny judge (the shipped models/ folder replaced by one the test builds)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from support import REPO

from latentwalk.core import verdict
from latentwalk.core.datasets import BY_ID, DEFAULT_DATASET
from latentwalk.streamlit_app import models as discovery
from latentwalk.streamlit_app import tear_figures
from latentwalk.streamlit_app.models import inspect_folder

APP = str(REPO / "streamlit_app" / "app.py")


def _figures(gan_width: float, vae_width: float, dataset_id: str) -> dict:
    """Measured-looking figures for a data set, with the verdict built from them."""

    def model(width, kept):
        curve = [0.0] * 32 + [1.0] * 33 if width < 0.1 else [i / 64 for i in range(65)]
        return {
            "transitions": {
                "pairs": 500,
                "switching": 480,
                "steps": 256,
                "width_median": width,
                "width_median_ci": [width * 0.9, width * 1.1],
                "concentration_median": 3.0,
            },
            "transition_curve": {
                "offset": [-0.5 + i / 64 for i in range(65)],
                "median": curve,
                "q25": curve,
                "q75": curve,
            },
            "between_class": {"share": 0.1, "ci": [0.09, 0.11]},
            "tails": {"p999_over_median": 3.0, "top1_share": 0.05, "tail_index": 4.0},
            "tears": {
                "tears": [
                    {
                        "stretch_over_typical": 5.0,
                        "change_kept": kept,
                        "frame_latents": [[0.1 * i] * 32 for i in range(5)],
                    }
                ]
            },
        }

    dataset = BY_ID[dataset_id]
    figures = {
        "dataset": {"id": dataset.id, "label": dataset.label},
        "settings": {"pairs": 500, "steps": 256},
        # The narrower model's steepest place keeps its change when zoomed in (a tear); the other
        # model's shrinks with the step (a slope).
        "models": {
            "GAN": model(gan_width, 0.9 if gan_width < vae_width else 1 / 256),
            "VAE": model(vae_width, 0.9 if vae_width < gan_width else 1 / 256),
        },
        "models_measured": {"GAN": dataset.gan, "VAE": dataset.vae},
    }
    figures["verdict"] = verdict.verdict(figures, dataset.label)
    return figures


def _as_dataset(run: Path, folder: Path, classes: str) -> Path:
    """A copy of a tiny run that says it was trained on ``classes`` of CIFAR-10."""
    shutil.copytree(run, folder)
    config = json.loads((folder / "config.json").read_text())
    config["data"] = {"source": "cifar10-train-jpeg.zip", "class_name": classes, "max_images": None}
    (folder / "config.json").write_text(json.dumps(config))
    return folder


@pytest.fixture
def shipped(tiny_gan_run, tiny_vae_run, tiny_judge, monkeypatch, tmp_path):
    """A stand-in models/ folder: the tiny pair as the ten-class and the frog data sets, the
    ten-class figures (a GAN that tears), and the tiny judge."""
    root = tmp_path / "models"
    pair, frogs = BY_ID["cifar10"], BY_ID["frog"]
    _as_dataset(tiny_gan_run, root / pair.gan, pair.classes)
    _as_dataset(tiny_vae_run, root / pair.vae, pair.classes)
    _as_dataset(tiny_gan_run, root / frogs.gan, frogs.classes)
    _as_dataset(tiny_vae_run, root / frogs.vae, frogs.classes)
    (root / "figures").mkdir()
    (root / "figures" / pair.tears).write_text(json.dumps(_figures(0.02, 0.3, pair.id)))
    monkeypatch.setattr(discovery, "SHIPPED_DIR", root)
    monkeypatch.delenv(discovery.ENV_VAR, raising=False)
    monkeypatch.setenv("LATENTWALK_JUDGE", str(tiny_judge))
    return root


def _app():
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP, default_timeout=180).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _texts(app) -> str:
    parts = [*app.success, *app.info, *app.warning, *app.markdown, *app.caption]
    return "\n".join(str(element.value) for element in parts)


@pytest.mark.slow
def test_the_app_opens_on_the_default_data_set_with_its_verdict(shipped):
    app = _app()
    dataset = app.sidebar.radio(key="dataset")
    assert dataset.value == DEFAULT_DATASET == "cifar10"
    assert dataset.options == [BY_ID["cifar10"].label, BY_ID["frog"].label]
    gan = app.sidebar.selectbox(key="pick_gan")
    assert gan.options[0].startswith("DCGAN gan-cifar10")
    said = json.loads((shipped / "figures" / "tears-cifar10.json").read_text())["verdict"]
    assert said["call"] == "clear"
    assert f"**Verdict.** {said['sentence']}" in [s.value for s in app.success]
    assert app.query_params["dataset"] == ["cifar10"]
    # Under it, the hero: one labelled GIF of the default walk through both models, and one
    # chart of their steps over each one's median, with the jump line.
    hero = [
        img
        for element in app.get("imgs")
        for img in element.proto.imgs
        if img.caption == "GAN | VAE: one walk, in step"
    ]
    assert len(hero) == 1
    specs = [chart.proto.spec for chart in app.get("arrow_vega_lite_chart")]
    assert any("jump: over 3" in spec and "the median" in spec for spec in specs)
    assert any(
        "Jumps: GAN " in c.value and "change the walk in **Walk**" in c.value for c in app.caption
    )

    # Frogs have models but no measured figures here: plain words, no sentence.
    dataset.set_value("frog").run()
    assert not app.exception
    assert app.sidebar.selectbox(key="pick_gan").value.startswith("DCGAN gan-frog ")
    assert "No measured verdict for frogs (one class)" in _texts(app)
    assert not app.success

    # The evidence button opens the evidence section.
    app.sidebar.radio(key="dataset").set_value("cifar10").run()
    app.button(key="verdict_evidence").click().run()
    assert not app.exception
    assert app.sidebar.radio(key="section").value == "Where it tears"
    captions = [img.caption for element in app.get("imgs") for img in element.proto.imgs]
    assert "GAN | VAE: one walk, in step" not in captions  # the hero is the landing view's
    assert "class-switch width" in app.dataframe[0].value.index
    assert len(app.get("imgs")) >= 2  # the tears' frames, drawn by the models
    # Each place is named by what the zoom found: the GAN's a tear, the VAE's a slope.
    captions = " ".join(c.value for c in app.caption)
    assert "(a tear)" in captions and "(a steep slope)" in captions

    # Walk through the GAN's tear: both models on the same latents, with the change chart.
    charts_before = len(app.get("arrow_vega_lite_chart"))
    app.button(key="tear_walk_cifar10_GAN_0").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "Walk through the GAN's steep place no. 1 (a tear)" in [h.value for h in app.subheader]
    rows = [m.value for m in app.markdown if "the same 33 latents" in m.value]
    assert rows == ["**GAN: the same 33 latents**", "**VAE: the same 33 latents**"]
    assert len(app.get("arrow_vega_lite_chart")) == charts_before + 1


@pytest.mark.slow
def test_the_opposite_figures_change_the_verdict_on_screen(shipped):
    pair = BY_ID["cifar10"]
    (shipped / "figures" / pair.tears).write_text(json.dumps(_figures(0.3, 0.02, pair.id)))
    app = _app()
    shown = _texts(app) + "".join(w.value for w in app.warning)
    assert "the VAE changes more abruptly than the GAN" in shown
    assert "tears where the VAE ramps" not in shown


@pytest.mark.slow
def test_other_models_are_measured_live(
    tiny_gan_run, tiny_vae_run, tiny_judge, monkeypatch, tmp_path
):
    monkeypatch.setenv(discovery.ENV_VAR, os.pathsep.join([str(tiny_gan_run), str(tiny_vae_run)]))
    monkeypatch.setattr(discovery, "SHIPPED_DIR", tmp_path / "no-shipped-models")
    monkeypatch.setenv("LATENTWALK_JUDGE", str(tiny_judge))
    app = _app()
    assert app.sidebar.radio(key="dataset").value == "other"
    assert "No measured verdict for other models" in _texts(app)
    app.sidebar.radio(key="section").set_value("Where it tears").run()
    app.select_slider[0].set_value(32).run()
    app.button(key="tears_measure").click().run()
    assert not app.exception, [e.value for e in app.exception]
    texts = _texts(app)
    assert "On the chosen models, the " in texts
    assert "Measured in " in texts
    assert "class-switch width" in app.dataframe[0].value.index


def test_models_belong_to_data_sets_by_their_classes_and_source(tiny_gan_run, tmp_path):
    pair = inspect_folder(_as_dataset(tiny_gan_run, tmp_path / "a", "frog,automobile"))
    everything = inspect_folder(_as_dataset(tiny_gan_run, tmp_path / "b", "all"))
    truck = inspect_folder(_as_dataset(tiny_gan_run, tmp_path / "c", "truck"))
    assert tear_figures.model_dataset(pair) == "frog-automobile"
    assert tear_figures.model_dataset(everything) == "cifar10"
    assert tear_figures.model_dataset(truck) == "other"
    # Every class of some other data (the tiny runs' blobs) is not CIFAR-10's ten classes.
    assert tear_figures.model_dataset(inspect_folder(tiny_gan_run)) == "other"
    # The default data set first, then DATASETS order, then the rest.
    assert tear_figures.dataset_choices([truck, everything, pair]) == [
        "cifar10",
        "frog-automobile",
        "other",
    ]


def test_figure_rows_show_missing_figures_as_dashes():
    figures = _figures(0.02, 0.3, "frog")
    del figures["models"]["VAE"]["between_class"]
    rows = {row["model"]: row for row in tear_figures.figure_rows(figures)}
    assert rows["VAE"]["between classes (top p < 0.5)"] == "–"
    assert rows["GAN"]["class-switch width"] == "0.020 (0.018–0.022)"
    assert tear_figures.load_figures(BY_ID["frog"], Path("/nonexistent")) is None


def test_a_walk_through_a_tear_spans_its_stored_frames():
    from latentwalk.streamlit_app.views import tears

    frames = np.array([[-1.0, 2.0], [0.0, 2.5], [1.0, 3.0]], np.float32)
    latents = tears.tear_walk_latents({"frame_latents": frames.tolist()}, frames=5)
    assert latents.shape == (5, 2)
    np.testing.assert_allclose(latents[0], frames[0])
    np.testing.assert_allclose(latents[-1], frames[-1])
    np.testing.assert_allclose(np.diff(latents, axis=0), [[0.5, 0.25]] * 4, rtol=1e-6)


def test_the_shipped_pair_measured_live_shows_both_galleries(shipped):
    """The shipped figures and a quick measurement of the same pair on one page: each gallery's
    "Walk through it" buttons are keyed by their figures (they were keyed by model and place
    only, so the second gallery's raised a duplicate-key error)."""
    app = _app()
    app.sidebar.radio(key="section").set_value("Where it tears").run()
    app.select_slider[0].set_value(32).run()
    app.button(key="tears_measure").click().run()
    assert not app.exception, [e.value for e in app.exception]
    walks = [b for b in app.button if b.label == "Walk through it"]
    assert len({b.key for b in walks}) == len(walks) > 0
    assert "The quick measurement" in [s.value for s in app.subheader]
