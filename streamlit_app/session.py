"""Streamlit plumbing shared by the sections: cached model loading, widgets whose values survive a
switch of section, the chosen latent path, and showing rows of images and charts."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from ..core import latent, layout
from . import charts, media, tear_figures, url_state
from . import models as discovery
from .generation import (
    LoadedModel,
    ModelLoadError,
    load_judge,
    load_judge_features,
    load_model,
)
from .models import inspect_folder


@dataclass
class Models:
    """The models the sections work with: "GAN" and/or "VAE", sharing one latent size."""

    loaded: dict[str, LoadedModel]
    latent_dim: int

    @property
    def generators(self) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
        return {name: model.generate for name, model in self.loaded.items()}

    def images(self, latents: np.ndarray) -> dict[str, np.ndarray]:
        """Every model's images for the same latents (one batched call per model)."""
        return {name: generate(latents) for name, generate in self.generators.items()}

    @property
    def vae(self) -> LoadedModel | None:
        return self.loaded.get("VAE")


@st.cache_resource(show_spinner=False, max_entries=8)
def _load_cached(folder: str, cache_key: str) -> LoadedModel:
    """Loaded once per model file version (``cache_key`` changes when the file is rewritten)."""
    found = inspect_folder(Path(folder))
    if found is None:
        raise ModelLoadError(f"`{Path(folder).name}` no longer holds a model")
    return load_model(found)


def load(found) -> LoadedModel:
    return _load_cached(str(found.folder), found.cache_key)


JUDGE_ENV_VAR = "LATENTWALK_JUDGE"


def judge_folder() -> Path:
    """Where the judge is read from: LATENTWALK_JUDGE, else the shipped models/judge."""
    import os

    return Path(os.environ.get(JUDGE_ENV_VAR) or discovery.SHIPPED_DIR / "judge")


@st.cache_resource(show_spinner=False, max_entries=2)
def _judge_cached(folder: str, stamp: int):
    return load_judge_features(Path(folder))


@st.cache_resource(show_spinner=False, max_entries=2)
def _full_judge_cached(folder: str, stamp: int):
    return load_judge(Path(folder))


def judge() -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None:
    """The judge's (features, class probabilities) function, for the tear figures; None
    without a judge."""
    folder = judge_folder()
    model = folder / layout.JUDGE_MODEL
    return _full_judge_cached(str(folder), model.stat().st_mtime_ns if model.is_file() else 0)


def judge_features() -> Callable[[np.ndarray], np.ndarray] | None:
    """The judge's feature function, loaded once per judge file version; None without a judge."""
    folder = judge_folder()
    model = folder / layout.JUDGE_MODEL
    stamp = model.stat().st_mtime_ns if model.is_file() else 0
    return _judge_cached(str(folder), stamp)


def fragment(function: Callable) -> Callable:
    """``st.fragment`` (a widget change inside reruns this part only, not the whole page), and
    the URL kept in step with the part's widgets afterwards."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        result = function(*args, **kwargs)
        sync_url()
        return result

    return st.fragment(run)


def rerun_app() -> None:
    """A widget's ``on_change`` for a setting drawn inside one part's fragment (in its column of
    controls) that other parts of the section use too: the change reruns the whole app, not the
    fragment alone (see ``rerun_if_asked``)."""
    st.session_state["_rerun_app"] = True


def rerun_if_asked() -> None:
    """Called in the fragment after its settings: a change of one of them reruns the app."""
    if st.session_state.pop("_rerun_app", False):
        st.rerun()


def kept(key: str, default):
    """A widget key whose value outlives the widget. Streamlit forgets a widget's value when a
    run does not draw it (another section is shown), so a copy is kept under another key and put
    back before the widget is drawn again. Call ``keep(key)`` after drawing it."""
    store = f"_kept_{key}"
    if store not in st.session_state:
        st.session_state[store] = default
    if key not in st.session_state:
        st.session_state[key] = st.session_state[store]
    return key


def keep(key: str) -> None:
    st.session_state[f"_kept_{key}"] = st.session_state[key]


def int_input(
    container, label: str, key: str, default: int, low: int, high: int, help: str | None = None
) -> int:
    """A whole number typed as text: what a person types stays in the box (never reset, never
    silently rounded or clamped). A value out of range is clamped with a message; text that is
    not a whole number is refused with one, and the last good value is used meanwhile."""
    text = container.text_input(label, key=kept(key, str(default)), help=help)
    keep(key)
    good = f"_good_{key}"
    try:
        value = int(str(text).strip().replace("_", ""))
    except ValueError:
        value = st.session_state.get(good, default)
        container.error(
            f"{label}: {str(text).strip()[:40]!r} is not a whole number; using {value}."
        )
        return value
    if not low <= value <= high:
        clamped = min(max(value, low), high)
        container.warning(f"{label}: {value} is outside {low}–{high}; using {clamped}.")
        value = clamped
    st.session_state[good] = value
    return value


def seed_input(container, label: str, key: str, default: int, help: str | None = None) -> int:
    """One seed, typed as text and read by the same parser as the seed lists; a bad value gets a
    message in plain words and the last good seed is used meanwhile."""
    text = container.text_input(label, key=kept(key, str(default)), help=help)
    keep(key)
    good = f"_good_{key}"
    try:
        seeds = latent.parse_seeds(str(text), limit=1)
    except ValueError as error:
        value = st.session_state.get(good, default)
        container.error(f"{label}: {error}; showing seed {value}.")
        return value
    st.session_state[good] = seeds[0]
    return seeds[0]


def sync_url(chosen_models: dict[str, str] | None = None) -> None:
    """Write the view (every kept widget the URL knows, shown or not) into the query string,
    so a link or a reload restores it. ``chosen_models``: kind -> folder name."""
    values = {
        key: st.session_state[f"_kept_{key}"]
        for key, _check in url_state.PARAMETERS.values()
        if f"_kept_{key}" in st.session_state
    }
    if chosen_models is None:
        chosen_models = st.session_state.get("_url_models", {})
    else:
        st.session_state["_url_models"] = chosen_models
    params = url_state.write(values, chosen_models)
    if params != st.query_params.to_dict():
        st.query_params.from_dict(params)


def apply_url(find_models: Callable[[], list]) -> list[str]:
    """Once per session, before any widget is drawn: the link's values become the widgets'
    (models matched by folder name among ``find_models()``, looked up only then). Returns the
    notices about what was ignored."""
    if st.session_state.get("_url_read"):
        return []
    st.session_state["_url_read"] = True
    values, models, notices = url_state.read(st.query_params.to_dict())
    found = find_models() if models else []
    for key, value in values.items():
        # Only the kept copy: ``kept`` hands it to the widget in the run that draws it. Set
        # now, a widget of another section would be drawn a run later with its default on
        # screen while the server used the link's value.
        st.session_state[f"_kept_{key}"] = value
    for kind, folder in models.items():
        options = [m for m in found if m.kind == kind]
        if folder == "none":
            st.session_state[f"_kept_pick_{kind}"] = "(none)"
            continue
        match = [m for m in options if m.folder.name == folder]
        if match:
            st.session_state[f"_kept_pick_{kind}"] = match[0].label
            if "dataset" not in values:  # a link from before the data-set choice
                st.session_state["_kept_dataset"] = tear_figures.model_dataset(match[0])
        else:
            notices.append(f"Ignored `{kind}={folder[:40]}` from the link: no such {kind.upper()}.")
    return notices


@dataclass
class PathChoice:
    waypoints: list[int]
    mode: str
    steps: int
    latents: np.ndarray


def path_controls(latent_dim: int) -> PathChoice | None:
    """Waypoint seeds, interpolation and steps; shared by the Walk section and the lab, so the lab
    measures the walk a person has just looked at. Returns None (after saying why) on bad input."""
    # Drawn one under another: the sections draw them in their narrow column of controls.
    text = st.text_input(
        "Waypoint seeds (two or more, in order)",
        key=kept("waypoints", latent.DEFAULT_WALK),
        help="e.g. '0, 7' for a walk from seed 0 to seed 7, or '3, 8, 12, 3' "
        "for a loop. A range '0-3' means 0, 1, 2, 3.",
    )
    mode = st.radio(
        "Interpolation",
        list(latent.INTERPOLATIONS),
        key=kept("mode", latent.DEFAULT_INTERPOLATION),
        horizontal=True,
        help="slerp keeps the latent's Gaussian norm; lerp's midpoints fall "
        "toward the origin, where few training latents ever were.",
    )
    steps = st.slider("Steps per leg", 1, 64, key=kept("steps", latent.DEFAULT_STEPS))
    for key in ("waypoints", "mode", "steps"):
        keep(key)
    try:
        waypoints = latent.parse_seeds(text, limit=32)
    except ValueError as error:
        st.error(f"{error}")
        return None
    if len(waypoints) < 2:
        st.error("A walk needs at least two waypoint seeds, e.g. '0, 7'.")
        return None
    path = latent.walk(latent.seeds_to_latents(waypoints, latent_dim), steps, mode)
    return PathChoice(waypoints, mode, steps, path)


def tool_columns(name: str) -> tuple[DeltaGenerator, DeltaGenerator]:
    """A part's tool layout, as in the Embedding Projector: its controls in a narrow left column
    (``side``), its pictures in the wide right one (``canvas``). On a wide screen the app's CSS
    keeps the side in view while the canvas scrolls; a phone stacks them, controls first. A
    fragment makes its own: it may draw widgets only into containers made inside it."""
    side, canvas = st.columns([1, 2.4], gap="medium")
    return side.container(key=f"tool-side-{name}"), canvas.container(key=f"tool-canvas-{name}")


def show_row(
    label: str, images: np.ndarray, scale: int = 2, caption: str | None = None, fill: bool = False
) -> None:
    """One model's images in a row, as a crisp PNG (not Streamlit's default JPEG for opaque
    images). ``fill`` stretches a long row to the page's width; the app's CSS keeps the stretched
    pixels square rather than smoothed."""
    st.markdown(f"**{label}**")
    png = media.grid_png(images, columns=len(images), scale=scale)
    st.image(png, caption=caption, output_format="PNG", use_container_width=fill)


def show_chart(chart: alt.TopLevelMixin, use_container_width: bool | None = None) -> None:
    """An Altair chart with its rows sent apart from its spec, so that redrawing it with new
    numbers updates it in place without a console error (see charts.spec_and_data). For charts
    without selections; ``use_container_width`` as in st.altair_chart (None: facets keep their
    own width)."""
    spec, data = charts.spec_and_data(chart)
    st.vega_lite_chart(data, spec, use_container_width=use_container_width)


def evenly_spaced(count: int, most: int) -> np.ndarray:
    """At most ``most`` indices spread over 0..count-1, first and last included."""
    if count <= most:
        return np.arange(count)
    return np.unique(np.round(np.linspace(0, count - 1, most)).astype(int))
