"""Discontinuity lab: how evenly do the GAN's and the VAE's images change along the chosen walk,
and over many random paths? Charts, a summary table and a reading of the numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from ...core import latent
from .. import charts, lab, media, url_state
from ..session import (
    Models,
    fragment,
    int_input,
    judge_features,
    keep,
    kept,
    path_controls,
    rerun_app,
    rerun_if_asked,
    show_chart,
    tool_columns,
)

PIXELS, FEATURES = url_state.SPACES["pixels"], url_state.SPACES["judge"]


@st.cache_data(show_spinner=False, max_entries=16)
def _smoothness(
    _models: Models, model_keys: tuple[str, ...], num_paths: int, seed: int, _features, space: str
) -> dict:
    """Cached per model versions (``model_keys``), number of paths, seed and space: 256 paths
    through two models take a second or two, and every widget change reruns the page."""
    return lab.smoothness_report(
        _models.generators, _models.latent_dim, num_paths, seed, features=_features
    )


def choose_space():
    """Where change is measured: the judge's features (the default when the judge is there, as
    Karras et al.'s PPL measures in a network's features) or pixels. Returns the feature
    function, or None for pixels. Drawn in a fragment's controls, its change reruns the app."""
    features = judge_features()
    options = [FEATURES, PIXELS] if features is not None else [PIXELS]
    key = kept("measure_space", options[0])
    if st.session_state[key] not in options:
        st.session_state[key] = options[0]
    space = st.radio(
        "Measure change in",
        options,
        key=key,
        horizontal=True,
        on_change=rerun_app,  # drawn in one part's controls, read by every part
        help="Judge features: the penultimate layer of the CIFAR-10 classifier in models/judge "
        "(how much what the image shows changes). Pixels: mean squared pixel difference (flatters "
        "a blurry model)."
        + ("" if features is not None else " No judge found: run `make judge` to add it."),
    )
    keep(key)
    return features if space == FEATURES else None


def _table(rows: list[dict]) -> None:
    """A summary table with three significant digits: the figures span many orders of magnitude
    (a barely trained VAE's steps are a millionth of a GAN's)."""
    frame = pd.DataFrame(rows).set_index("model")
    formats = {
        name: st.column_config.NumberColumn(format="%.3g")
        for name in frame.columns
        if frame[name].dtype.kind == "f"
    }
    st.dataframe(frame, column_config=formats, use_container_width=True)


def render(models: Models) -> None:
    st.header("Discontinuity lab")
    st.caption(
        "The book (section 8.5) says a GAN's latent space lacks a VAE's neat continuous "
        "structure. Here it is measured rather than assumed."
    )
    render_walk_part(models)
    # The space, chosen among the walk part's controls (its change reruns the whole app).
    features = judge_features() if st.session_state.get("measure_space") == FEATURES else None
    render_smoothness(models, features)


@fragment
def render_walk_part(models: Models) -> None:
    st.subheader("Along the chosen walk")
    side, canvas = tool_columns("lab")
    with side:
        features = choose_space()
        rerun_if_asked()
        path = path_controls(models.latent_dim)
        if path is None:
            return
        k = st.slider(
            "A jump is a step above k × the median step; k =",
            1.5,
            10.0,
            key=kept("jump_k", latent.JUMP_FACTOR),
            step=0.5,
        )
        relative = st.toggle(
            "Divide by each model's median step (scale-free)", key=kept("walk_relative", True)
        )
        keep("jump_k")
        keep("walk_relative")
    with canvas:
        render_walk(models, path.latents, k, relative, features)


def _distance_words(features) -> str:
    if features is None:
        return "the mean squared pixel change (images scaled to [0, 1])"
    return "the mean squared change of the judge's features (its penultimate layer)"


def render_walk(models: Models, latents, k: float, relative: bool, features=None) -> None:
    frames = models.images(latents)
    walks = lab.walk_report(frames, k, features)
    show_chart(charts.step_chart(walks, relative), use_container_width=True)
    st.caption(
        f"Each point is {_distance_words(features)} from one frame to the next; rings mark jumps."
    )
    render_largest_steps(frames, walks)
    _table(lab.walk_rows(walks))
    for line in lab.walk_reading(walks, k):
        st.markdown(line)


@fragment
def render_largest_steps(frames: dict, walks: dict) -> None:
    """What the largest step looks like: the frames around it, per model."""
    columns = st.columns(len(frames))
    for column, (name, images) in zip(columns, frames.items(), strict=True):
        step = int(np.argmax(walks[name]["distances"]))  # from frame `step` to `step + 1`
        shown = np.arange(max(step - 1, 0), min(step + 3, len(images)))
        with column:
            st.image(
                media.grid_png(images[shown], columns=len(shown), scale=3),
                caption=f"{name}: frames {shown[0]}–{shown[-1]}; its largest step is from frame "
                f"{step} to {step + 1} ({walks[name]['max_over_median']:.1f}× its median)",
                output_format="PNG",
            )


def render_smoothness(models: Models, features=None) -> None:
    st.subheader("Over many random paths")
    side, canvas = tool_columns("lab-paths")
    num_paths = int_input(side, "Random paths", "num_paths", 256, 8, 4096)
    seed = int_input(side, "Paths' random seed", "paths_seed", 0, 0, 2**31 - 1)
    relative = side.toggle(
        "Divide by each model's median (scale-free)", key=kept("smooth_relative", True)
    )
    keep("smooth_relative")
    with canvas:
        render_smoothness_figures(models, features, num_paths, seed, relative)


def render_smoothness_figures(
    models: Models, features, num_paths: int, seed: int, relative: bool
) -> None:
    """The many paths' chart, table and reading, in the part's canvas."""
    st.caption(
        "For each path: two latents z1, z2 from the Gaussian prior, a position t ~ U(0, 1)"
        ", and d(G(slerp(z1, z2; t)), G(slerp(z1, z2; t + ε))) / ε² with ε = 1e-4 and d "
        + (
            "the mean squared difference of the judge's features, as in the perceptual path "
            "length of Karras et al. (2019) with our in-domain judge for their VGG"
            if features is not None
            else "the mean squared pixel difference, as in the perceptual path length of Karras "
            "et al. (2019) but in pixels"
        )
        + "; the 1st and 99th percentiles are discarded."
    )
    model_keys = tuple(m.found.cache_key for m in models.loaded.values())
    with st.spinner(f"Measuring {num_paths} paths through {len(models.loaded)} model(s)..."):
        space = PIXELS if features is None else FEATURES
        smooth = _smoothness(models, model_keys, num_paths, seed, features, space)
    show_chart(charts.smoothness_chart(smooth, relative))
    _table(lab.smoothness_rows(smooth))
    st.caption(
        "Image detail: mean squared difference between neighbouring pixels of 64 seeds' "
        "images; a blurrier model scores lower, and so do its raw distances."
    )
    st.markdown("**What the numbers say**")
    for line in lab.smoothness_reading(smooth):
        st.markdown(f"- {line}")
