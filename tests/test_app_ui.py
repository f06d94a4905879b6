"""The Streamlit app driven by streamlit.testing.v1.AppTest with tiny trained models: every section
renders without an exception, and changing a widget changes what is shown."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from latentwalk.core import latent
from latentwalk.streamlit_app import models as discovery
from latentwalk.streamlit_app.url_state import SLUG_OF_SECTION
from tests.support import REPO

APP = str(REPO / "streamlit_app" / "app.py")
# Seconds one run of the script may take (the lab on the shipped models, on busy cores).
RUN_TIMEOUT_S = 300

pytestmark = pytest.mark.slow


@pytest.fixture
def tiny_models(tiny_gan_run, tiny_vae_run, monkeypatch, tmp_path):
    """The app pointed at the tiny runs only (the shipped models/ folder is hidden, so the tests
    do not depend on whether it has been filled in yet)."""
    monkeypatch.setenv(discovery.ENV_VAR, os.pathsep.join([str(tiny_gan_run), str(tiny_vae_run)]))
    monkeypatch.setattr(discovery, "SHIPPED_DIR", tmp_path / "no-shipped-models")
    return tiny_gan_run, tiny_vae_run


def _new_app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(APP, default_timeout=RUN_TIMEOUT_S)


def _app(section: str | None = None):
    """The app opened on ``section`` by its link (one run of the script, not one to draw the
    first section and another after the switch)."""
    app = _new_app()
    if section:
        app.query_params["section"] = SLUG_OF_SECTION[section]
    app.run()
    _assert_fine(app)
    assert app.sidebar.radio(key="section").value == (section or "Generate")
    return app


def _assert_fine(app) -> None:
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]


HERO = "GAN | VAE: one walk, in step"  # the landing view's GIF (views/hero.py), under the verdict


def _images(app) -> list[str]:
    """The media URLs of every image the section shows (not the landing view's hero); they are
    content hashes, so they change with the pictures."""
    return [
        img.url for element in app.get("imgs") for img in element.proto.imgs if img.caption != HERO
    ]


def test_generate_shows_both_models_and_follows_the_seed(tiny_models):
    app = _app()
    assert "GAN" in app.sidebar.selectbox[0].value and "VAE" in app.sidebar.selectbox[1].value
    before = _images(app)
    assert len(before) == 4  # one seed and one grid per model
    assert all(url.endswith(".png") for url in before)  # crisp PNG, not Streamlit's JPEG
    app.text_input(key="seed").set_value("5").run()
    _assert_fine(app)
    after = _images(app)
    assert after[0] != before[0] and after[1] != before[1]
    assert after[2:] == before[2:]  # the grid did not ask for seed 5
    assert len(app.get("download_button")) == 2


def test_random_seed_button_and_grid_input(tiny_models):
    app = _app()
    app.button[0].click().run()
    assert app.text_input(key="seed").value != "0"
    grid_before = _images(app)[2:]
    app.text_input(key="grid_seeds").set_value("0-3, 42").run()
    _assert_fine(app)
    assert _images(app)[2:] != grid_before
    assert any("0-3, 42" in m.value for m in app.markdown)


def test_bad_grid_seeds_give_a_message_not_a_crash(tiny_models):
    app = _app()
    app.text_input(key="grid_seeds").set_value("9-2").run()
    assert not app.exception
    assert "backwards" in app.error[0].value


def test_walk_changes_with_waypoints_steps_and_dimension_sliders(tiny_models):
    app = _app("Walk")
    assert not [url for url in _images(app) if url.endswith(".gif")]  # made only when asked
    downloads = [button.proto.label for button in app.get("download_button")]
    assert downloads == ["Download the strip (PNG)"]  # the labelled strip: test_app_downloads
    app.toggle(key="walk_gif").set_value(True).run()
    first = _images(app)
    gifs = [url for url in first if url.endswith(".gif")]
    assert len(gifs) == 1
    assert len(app.get("download_button")) == 2
    app.text_input(key="waypoints").set_value("3, 8, 12").run()
    _assert_fine(app)
    second = _images(app)
    assert [u for u in second if u.endswith(".gif")] != gifs
    app.slider(key="steps").set_value(4).run()
    app.slider(key="frame").set_value(8).run()  # the last frame of 2 legs x 4 steps
    _assert_fine(app)
    before = _images(app)
    app.slider(key="dim_0_1").set_value(3.5).run()
    _assert_fine(app)
    assert _images(app) != before
    app.multiselect(key="dims").set_value([4]).run()
    _assert_fine(app)
    assert "z[4]" in [s.label for s in app.slider]


def test_walk_frame_slider_survives_a_shorter_path(tiny_models):
    app = _app("Walk")
    app.text_input(key="waypoints").set_value("0, 1").run()
    app.slider(key="frame").set_value(16).run()
    app.slider(key="steps").set_value(2).run()
    _assert_fine(app)
    assert app.slider(key="frame").value == 2  # the last frame of the 3 left
    # The change per step with the jump line, as on the page.
    specs = [chart.proto.spec for chart in app.get("arrow_vega_lite_chart")]
    assert any("jump: over 3" in spec for spec in specs)


def test_discontinuity_lab_charts_tables_and_reading(tiny_models):
    app = _app("Discontinuity lab")
    assert len(app.get("arrow_vega_lite_chart")) == 2
    assert len(app.get("arrow_data_frame")) == 2
    text = " ".join(m.value for m in app.markdown)
    assert "Over 256 random paths" in text and "flatter a blurrier model" in text
    app.text_input(key="num_paths").set_value("16").run()
    _assert_fine(app)
    assert "With only 16 paths" in " ".join(m.value for m in app.markdown)
    walk_before = app.markdown[0].value
    app.text_input(key="waypoints").set_value("0, 1, 2, 3").run()
    app.slider(key="jump_k").set_value(1.5).run()
    _assert_fine(app)
    assert app.markdown[0].value != walk_before


def test_walk_settings_carry_over_to_the_lab(tiny_models):
    app = _app("Walk")
    app.text_input(key="waypoints").set_value("4, 9").run()
    app.sidebar.radio(key="section").set_value("Discontinuity lab").run()
    _assert_fine(app)
    assert app.text_input(key="waypoints").value == "4, 9"


def test_vae_extras_encodes_a_gan_image_and_walks_to_a_seed(tiny_models):
    app = _app("VAE extras")
    assert any("Upload an image" in info.value for info in app.info)
    app.radio(key="vae_source").set_value("A GAN image (by seed)").run()
    _assert_fine(app)
    first = _images(app)
    assert len(first) == 5  # input, reconstruction, VAE strip, GAN strip, GIF
    assert "Reconstruction error" in " ".join(m.value for m in app.markdown)
    app.text_input(key="vae_target").set_value("7").run()
    _assert_fine(app)
    second = _images(app)
    assert second[:2] == first[:2] and second[2:] != first[2:]
    app.text_input(key="vae_gan_seed").set_value("3").run()
    _assert_fine(app)
    assert _images(app)[0] != second[0]


def test_a_gan_alone_still_works(tiny_gan_run, monkeypatch, tmp_path):
    monkeypatch.setenv(discovery.ENV_VAR, str(tiny_gan_run))
    monkeypatch.setattr(discovery, "SHIPPED_DIR", tmp_path / "none")
    for section in ("Generate", "Walk", "Discontinuity lab", "VAE extras"):
        app = _app(section)
    assert "No VAE is loaded" in app.warning[0].value


def test_with_no_models_the_app_says_how_to_get_some(monkeypatch, tmp_path):
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv(discovery.ENV_VAR, str(tmp_path / "empty"))
    monkeypatch.setattr(discovery, "SHIPPED_DIR", tmp_path / "none")
    app = _app()
    assert "No models found" in app.warning[0].value
    text = " ".join(m.value for m in app.markdown)
    assert "python -m train gan" in text and "python -m export" in text
    captions = " ".join(c.value for c in app.sidebar.caption)
    assert "1 configured model folder(s) could not be used" in captions
    assert str(tmp_path) not in captions  # a visitor is not told the server's folders


def _all_text(app) -> str:
    parts = [e.value for kind in ("markdown", "caption", "error", "warning", "info") for e in
             getattr(app, kind)] + [e.value for e in app.sidebar.caption]  # fmt: skip
    return " ".join(str(p) for p in parts)


def test_the_path_box_is_off_unless_the_server_turns_it_on(tiny_models, monkeypatch):
    app = _app()
    assert not [t for t in app.sidebar.text_input if t.key == "extra_folders"]
    monkeypatch.setenv("LATENTWALK_PATH_BOX", "1")
    app = _app()
    app.sidebar.text_input(key="extra_folders").set_value("/no/such/place").run()
    assert any("does not exist" in c.value for c in app.sidebar.caption)


def _broken_copy(run: Path, vae_run: Path, tmp_path: Path, how: str) -> Path:
    import keras
    import numpy as np

    folder = tmp_path / f"gan-{how}"
    shutil.copytree(run, folder)
    model_file = folder / "generator.keras"
    if how == "truncated":
        model_file.write_bytes(model_file.read_bytes()[:500])
    elif how == "nan":
        model = keras.models.load_model(model_file, compile=False)
        model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
        model.save(model_file)
    elif how == "wrong-shape":  # an encoder where a generator should be
        shutil.copy(vae_run / "encoder.keras", model_file)
    return folder


@pytest.mark.parametrize(
    ("how", "says"),
    [
        ("truncated", "not a complete .keras file"),
        ("nan", "NaN or Inf"),
        ("wrong-shape", "the app needs a latent of size 32 in"),
    ],
)
def test_a_broken_model_gets_a_message_and_the_other_keeps_working(
    tiny_gan_run, tiny_vae_run, tmp_path, monkeypatch, how, says
):
    broken = _broken_copy(tiny_gan_run, tiny_vae_run, tmp_path, how)
    monkeypatch.setenv(discovery.ENV_VAR, os.pathsep.join([str(broken), str(tiny_vae_run)]))
    monkeypatch.setattr(discovery, "SHIPPED_DIR", tmp_path / "no-shipped-models")
    app = _new_app().run()
    assert not app.exception, [e.value for e in app.exception]
    assert says in app.error[0].value and f"`{broken.name}`" in app.error[0].value
    assert len(_images(app)) >= 1  # the VAE's images are still there
    assert str(tmp_path) not in _all_text(app) and "Traceback" not in _all_text(app)


def test_a_broken_gan_named_first_is_not_the_default_over_a_working_one(
    tiny_gan_run, tiny_vae_run, tmp_path, monkeypatch
):
    broken = _broken_copy(tiny_gan_run, tiny_vae_run, tmp_path, "truncated")
    folders = [broken, tiny_gan_run, tiny_vae_run]
    monkeypatch.setenv(discovery.ENV_VAR, os.pathsep.join(map(str, folders)))
    monkeypatch.setattr(discovery, "SHIPPED_DIR", tmp_path / "no-shipped-models")
    app = _new_app().run()
    assert not app.exception, [e.value for e in app.exception]
    gan = app.sidebar.selectbox(key="pick_gan")
    working = discovery.inspect_folder(tiny_gan_run).label
    assert gan.value == working, gan.options
    assert not app.error, [e.value for e in app.error]
    assert any(f"`{broken.name}`" in w.value for w in app.sidebar.warning)
    assert len(_images(app)) >= 2  # the GAN's and the VAE's


SHIPPED, _ = discovery.find_models([discovery.SHIPPED_DIR])


@pytest.mark.skipif(
    len({m.kind for m in SHIPPED}) < 2, reason="models/ does not hold the shipped GAN and VAE yet"
)
@pytest.mark.parametrize(
    "section", ["Generate", "Walk", "Discontinuity lab", "Atlas", "VAE extras"]
)
def test_every_section_works_on_the_shipped_models(section, monkeypatch):
    monkeypatch.delenv(discovery.ENV_VAR, raising=False)
    app = _app(section)
    captions = " ".join(c.value for c in app.sidebar.caption)
    # A shipped GAN is named by its folder (whichever the app opens on), never by its path.
    assert any(f"`{m.folder.name}`" in captions for m in SHIPPED if m.kind == "gan"), captions
    assert str(discovery.SHIPPED_DIR) not in captions


def test_the_lab_measures_in_judge_features_when_a_judge_is_there(
    tiny_models, tiny_judge, monkeypatch
):
    from latentwalk.streamlit_app.session import JUDGE_ENV_VAR

    monkeypatch.setenv(JUDGE_ENV_VAR, str(tiny_judge))
    app = _app("Discontinuity lab")
    assert app.radio(key="measure_space").value == "judge features"
    text = " ".join(m.value for m in app.markdown)
    assert "judge-feature change" in text and "flatter a blurrier model" not in text
    assert any("judge's features" in c.value for c in app.caption)
    app.radio(key="measure_space").set_value("pixels").run()
    _assert_fine(app)
    assert "flatter a blurrier model" in " ".join(m.value for m in app.markdown)


def test_atlas_maps_both_models_and_follows_the_picked_cell(tiny_models):
    app = _app("Atlas")
    app.slider(key="atlas_n").set_value(8).run()
    _assert_fine(app)
    assert {"**GAN**", "**VAE**"} <= {m.value for m in app.markdown}
    # Per model: the grid and the map (a chart); then the cell, the spectrum and the walk.
    assert len(app.get("arrow_vega_lite_chart")) >= 4
    text = " ".join(m.value for m in app.markdown)
    assert "The GAN:" in text and "The VAE:" in text
    before = _images(app)
    app.number_input(key="atlas_row").set_value(1).run()
    app.number_input(key="atlas_column").set_value(6).run()
    _assert_fine(app)
    assert _images(app) != before
    assert any(
        "row 1, column 6" in (img.caption or "") for e in app.get("imgs") for img in e.proto.imgs
    )
    app.text_input(key="atlas_walk_to").set_value("nine").run()
    assert any("one seed" in e.value for e in app.error)


def test_atlas_refuses_bad_planes_in_words(tiny_models):
    app = _app("Atlas")
    app.text_input(key="atlas_seeds").set_value("4, 4, 5").run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        "the three seeds must differ: seed 4 is given twice, so they span no plane"
    ]
    app.text_input(key="atlas_seeds").set_value("1, 2").run()
    assert "exactly three seeds" in app.error[0].value
    app.radio(key="atlas_kind").set_value(app.radio(key="atlas_kind").options[1]).run()
    _assert_fine(app)
    app.text_input(key="atlas_plane_seed").set_value("123").run()
    _assert_fine(app)


def test_atlas_with_a_gan_alone(tiny_gan_run, monkeypatch, tmp_path):
    monkeypatch.setenv(discovery.ENV_VAR, str(tiny_gan_run))
    monkeypatch.setattr(discovery, "SHIPPED_DIR", tmp_path / "none")
    app = _app("Atlas")
    text = " ".join(m.value for m in app.markdown)
    assert "The GAN:" in text and "The VAE" not in text
    assert "No VAE is loaded, so this atlas shows the GAN alone" in app.warning[0].value


# --- the view in the URL, and edits that are never lost ---------------------------------------


def test_a_link_restores_the_view_it_was_copied_from(tiny_models):
    app = _app()
    app.sidebar.radio(key="section").set_value("Walk").run()  # the link is the app's own
    app.text_input(key="waypoints").set_value("3, 8, 12").run()
    app.radio(key="mode").set_value("lerp").run()
    app.slider(key="steps").set_value(5).run()
    params = {key: value[-1] for key, value in dict(app.query_params).items()}
    assert params["section"] == "walk" and params["waypoints"] == "3, 8, 12"
    assert params["mode"] == "lerp" and params["steps"] == "5"
    assert params["gan"] == "gan" and params["vae"] == "vae"  # the tiny runs' folder names
    images = _images(app)

    again = _new_app()
    for key, value in params.items():
        again.query_params[key] = value
    again.run()
    _assert_fine(again)
    assert again.sidebar.radio(key="section").value == "Walk"
    assert again.text_input(key="waypoints").value == "3, 8, 12"
    assert again.slider(key="steps").value == 5 and again.radio(key="mode").value == "lerp"
    assert _images(again) == images


def test_garbage_link_parameters_fall_back_with_a_notice(tiny_models):
    app = _new_app()
    for key, value in {
        "section": "nowhere",
        "seed": "abc",
        "steps": "999",
        "k": "2.7",
        "zzz": "1",
        "gan": "no-such-model",
        "waypoints": "x" * 500,
    }.items():
        app.query_params[key] = value
    app.run()
    _assert_fine(app)
    notices = " ".join(c.value for c in app.caption if "⚠" in c.value)
    for name in ("section", "seed", "steps", "k", "zzz", "gan", "waypoints"):
        assert f"`{name}" in notices, name
    assert "x" * 41 not in notices  # long values are shortened
    assert app.sidebar.radio(key="section").value == "Generate"
    assert app.text_input(key="seed").value == str(latent.DEFAULT_SEED)


def test_an_out_of_range_seed_and_then_another_edit_keeps_both(tiny_models):
    app = _app()
    before = _images(app)
    app.text_input(key="seed").set_value("99999999999").run()
    assert not app.exception
    assert "seeds must be between 0 and 4294967295" in app.error[0].value
    assert _images(app)[:2] == before[:2]  # the last good seed's images stay
    app.text_input(key="grid_seeds").set_value("3-5").run()
    assert app.text_input(key="seed").value == "99999999999"  # the typed text is kept
    assert app.text_input(key="grid_seeds").value == "3-5"  # and so is the other edit
    assert any("3-5" in m.value for m in app.markdown)
    app.text_input(key="seed").set_value("abc").run()
    assert "'abc' is not a whole number" in app.error[0].value
    assert "invalid literal" not in " ".join(e.value for e in app.error)


def test_typed_numbers_are_clamped_or_refused_in_words(tiny_models):
    app = _app("Discontinuity lab")
    app.text_input(key="num_paths").set_value("5000").run()
    assert "Random paths: 5000 is outside 8–4096; using 4096." in app.warning[0].value
    app.text_input(key="waypoints").set_value("0-9").run()
    assert app.text_input(key="num_paths").value == "5000"
    assert app.text_input(key="waypoints").value == "0-9"
    app.text_input(key="num_paths").set_value("1.5").run()
    assert "'1.5' is not a whole number; using 4096" in app.error[0].value


def test_grid_seeds_are_labelled_and_can_be_picked(tiny_models):
    app = _app()
    app.text_input(key="grid_seeds").set_value("40-47").run()
    app.selectbox(key="grid_pick").set_value(44).run()
    app.button[1].click().run()  # "Show it above"
    assert app.text_input(key="seed").value == "44"
    app.button[2].click().run()  # "Add it to the walk"
    app.sidebar.radio(key="section").set_value("Walk").run()
    assert app.text_input(key="waypoints").value == "0, 1, 44"


def test_the_lab_shows_the_frames_around_each_largest_step(tiny_models):
    app = _app("Discontinuity lab")
    captions = [img.caption for e in app.get("imgs") for img in e.proto.imgs if img.caption]
    assert any(c.startswith("GAN: frames") and "largest step is from frame" in c for c in captions)
    assert any(c.startswith("VAE: frames") for c in captions)


def test_lab_charts_keep_their_spec_when_the_numbers_change(tiny_models):
    """A chart whose spec changes with its numbers is rebuilt by the page, and Streamlit 1.45's
    rebuild logs "Unrecognized data set: <the old rows' hash>" in the browser (see
    charts.spec_and_data): new numbers must reach the page as new rows under the same spec."""
    app = _app("Discontinuity lab")
    before = [chart.proto for chart in app.get("arrow_vega_lite_chart")]
    app.text_input(key="waypoints").set_value("7, 1").run()
    app.text_input(key="num_paths").set_value("64").run()
    _assert_fine(app)
    after = [chart.proto for chart in app.get("arrow_vega_lite_chart")]
    assert len(after) == len(before) == 2
    for old, new in zip(before, after, strict=True):
        assert new.spec == old.spec
        assert new.data.data != old.data.data
        assert not new.datasets


@pytest.mark.parametrize("section", ["Discontinuity lab", "Atlas"])
def test_every_chart_carries_its_data(tiny_models, section):
    """A chart whose spec names a data set the page never receives draws empty axes (inline
    Altair data did exactly that once): every chart sent must carry its data."""
    app = _app(section)
    charts = app.get("arrow_vega_lite_chart")
    assert charts
    for chart in charts:
        assert chart.proto.datasets or chart.proto.data.data, chart.proto.spec[:200]
