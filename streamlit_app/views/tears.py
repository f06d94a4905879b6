"""The verdict (on every section's first screen) and "Where it tears", its evidence: class
transitions along cross-class walks, latent mass between classes, the tail of the per-step
change, and the tears the search found, GAN beside VAE, from models/recipes/measure_tears.py's figures
for the shipped pair, or measured live on the chosen models."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import streamlit as st

from ...core import tearing, verdict
from ...core.datasets import BY_ID
from .. import charts, lab, media
from .. import tear_figures as figures_data
from ..session import (
    Models,
    judge,
    judge_features,
    keep,
    kept,
    show_chart,
    show_row,
    tool_columns,
)

SECTION = "Where it tears"
TEAR_WALK_FRAMES = 33  # frames of the walk through a tear (its stored frames span the segment)
CALL_STYLE = {"clear": st.success, "barely": st.info, "no": st.info, "opposite": st.warning}


def _open_evidence() -> None:
    st.session_state["section"] = st.session_state["_kept_section"] = SECTION


def shipped_figures(dataset_id: str) -> dict | None:
    dataset = BY_ID.get(dataset_id)
    return figures_data.load_figures(dataset) if dataset else None


def render_verdict(dataset_id: str, chosen: dict[str, str]) -> None:
    """The measured verdict for the chosen data set, in one sentence built from the figures, with
    the compact chart and the way to the evidence; plain words when there is none."""
    figures = shipped_figures(dataset_id)
    if figures is None:
        st.info(
            f"No measured verdict for {figures_data.dataset_label(dataset_id)}: the shipped "
            "figures cover the shipped data sets. Measure the chosen models in "
            f"**{SECTION}**."
        )
        return
    said = figures["verdict"]
    text, chart = st.columns([3, 2])
    with text:
        CALL_STYLE.get(said["call"], st.info)(f"**Verdict.** {said['sentence']}")
        note = (
            "Measured in the judge's features on the shipped pair"
            f" ({figures['settings']['pairs']} cross-class walks of "
            f"{figures['settings']['steps']} steps per model)."
        )
        if not figures_data.measured_here(figures, chosen):
            note += " The models chosen now are not that pair: measure them in the evidence."
        st.caption(note)
        st.button("See the evidence", on_click=_open_evidence, key="verdict_evidence")
    with chart:
        show_chart(charts.transition_chart(figures, height=150), use_container_width=True)


def _measure_live(models: Models, found_judge, pairs: int) -> dict:
    """A quick version of models/recipes/measure_tears.py on the chosen models, with a progress bar."""
    settings = verdict.Settings(
        samples=1024, pairs=pairs, steps=64, paths=32, path_steps=32, tear_budget=512
    )
    bar = st.progress(0.0, text="measuring...")
    names = list(models.generators)
    done = {"count": 0}
    total = 4 * len(names)

    def progress(text: str) -> None:
        done["count"] += 1
        bar.progress(min(done["count"] / total, 1.0), text=text)

    measured = verdict.measure(
        models.generators, found_judge, models.latent_dim, None, settings, progress=progress
    )
    bar.empty()
    return measured


def render(models: Models, dataset_id: str) -> None:
    st.header(SECTION)
    st.caption(
        "A generator is a continuous map from one connected Gaussian: where the data has separate "
        "modes it must tear (switch class in a narrow band of latent space) or put samples between "
        "them. A VAE's decoder pays in blur instead. Measured in the judge's features."
    )
    figures = shipped_figures(dataset_id)
    chosen = {name.lower(): model.found.folder.name for name, model in models.loaded.items()}
    side, canvas = tool_columns("tears")
    with side:
        found_judge, pairs, measure = live_controls()
    with canvas:
        if figures is not None and figures_data.measured_here(figures, chosen):
            render_figures(models, figures, "the shipped measurement")
        else:
            st.info(
                "The chosen models are not a shipped, measured pair: measure them here (a quick "
                "version of models/recipes/measure_tears.py)."
            )
        if found_judge is not None:
            render_live(models, found_judge, pairs, measure)


def live_controls() -> tuple:
    """The quick measurement's controls: the judge (None, after saying so, without one), the
    walks per model and whether Measure was pressed."""
    found_judge = judge()
    if found_judge is None:
        st.warning("No judge found (models/judge): run `make judge` to measure in its features.")
        return None, None, False
    with st.expander("Measure the chosen models now (quick settings)", expanded=False):
        pairs = st.select_slider(
            "Cross-class walks per model", [32, 64, 128, 256], key=kept("tears_pairs", 64)
        )
        keep("tears_pairs")
        measure = st.button("Measure", key="tears_measure")
    return found_judge, pairs, measure


def render_live(models: Models, found_judge, pairs: int, measure: bool) -> None:
    """The quick measurement of the chosen models, when asked, and its figures."""
    keys = tuple(model.found.cache_key for model in models.loaded.values())
    if measure:
        started = time.monotonic()
        measured = _measure_live(models, found_judge, pairs)
        measured["verdict"] = verdict.verdict(measured, "the chosen models")
        st.session_state["_tears_live"] = (keys, measured, time.monotonic() - started)
    live = st.session_state.get("_tears_live")
    if live and live[0] == keys:
        _keys, measured, seconds = live
        st.subheader("The quick measurement")
        st.caption(
            f"Measured in {seconds:.1f} s (64 steps a walk: widths below 1/64 read as 1/64)."
        )
        render_figures(models, measured, "this quick measurement")


def render_figures(models: Models, figures: dict, source: str) -> None:
    said = figures.get("verdict")
    if said:
        st.markdown(f"**{said['sentence']}**")
    # One under the other: beside the column of controls, side by side they would clip the
    # width chart's axis title.
    st.markdown("**Class switch along cross-class walks** (median and quartiles)")
    show_chart(charts.transition_chart(figures), use_container_width=True)
    rows = figures_data.width_rows(figures)
    if rows:
        st.markdown("**Class-switch width** (median, 95 % interval)")
        show_chart(charts.width_chart(rows), use_container_width=True)
    frame = pd.DataFrame(figures_data.figure_rows(figures)).set_index("model")
    # Figures down, models across: one column of text per model (mixed types per row).
    st.dataframe(frame.T.map(lambda v: "–" if v is None else f"{v}"), use_container_width=True)
    st.caption(
        f"From {source}. Width: the share of a walk between two samples the judge gives "
        "different classes (each with p ≥ 0.9) over which the end class's probability goes from "
        "0.1 to 0.9; narrow = an abrupt switch. Change piled in the band: its share of the walk's "
        "image change over its share of the steps (1 = even). Tails: per-step change along "
        "random paths. Steepest stretch: the steepest short segment a search found; zoomed in, "
        "a tear keeps half its change or more, a slope shrinks with the step. Intervals are "
        "95 % bootstrap intervals."
    )
    render_tear_gallery(models, figures)


def render_tear_gallery(models: Models, figures: dict) -> None:
    """The frames across the steepest places the tear search found for each model, drawn by the
    model now, each named a tear or a steep slope by what zooming in found."""
    st.subheader("The steepest places found")
    columns = st.columns(len(figures["models"]))
    for column, (name, model) in zip(columns, figures["models"].items(), strict=True):
        tears = (model.get("tears") or {}).get("tears") or []
        with column:
            st.markdown(f"**{name}**")
            loaded = models.loaded.get(name)
            if loaded is None or not tears:
                st.caption("not loaded" if loaded is None else "no tear search")
                continue
            for index, tear in enumerate([tear for tear in tears if tear.get("frame_latents")][:3]):
                latents = np.asarray(tear["frame_latents"], np.float32)
                images = loaded.generate(latents)
                st.image(media.grid_png(images, columns=len(images), scale=2), output_format="PNG")
                kept = tear.get("change_kept")
                kind = "a tear" if tearing.is_tear(tear) else "a steep slope"
                factor = tearing.zoom_factor(model["tears"])
                zoom = f"{factor}×" if factor else "in"
                st.caption(
                    f"{tear['stretch_over_typical']:.1f}× the median stretch; "
                    f"{(kept or 0):.1%} of the change kept when zoomed {zoom} ({kind})"
                )
                st.button(
                    "Walk through it",
                    # Keyed by the figures too: the shipped and a quick measurement's galleries
                    # of the same pair can be on one page.
                    key=f"tear_walk_{_source(figures)}_{name}_{index}",
                    on_click=_pick_tear,
                    args=(_source(figures), name, index),
                    help="Both models along the line through this place, frame by frame, with "
                    "the change per step",
                )
    picked = st.session_state.get("_tear_walk")
    if picked and picked[0] == _source(figures):  # not a tear of another data set's figures
        render_tear_walk(models, figures, *picked[1:])


def _source(figures: dict) -> str:
    return (figures.get("dataset") or {}).get("id", "measured live")


def _pick_tear(source: str, name: str, index: int) -> None:
    st.session_state["_tear_walk"] = (source, name, index)


def tear_walk_latents(tear: dict, frames: int = TEAR_WALK_FRAMES) -> np.ndarray:
    """Latents on the straight line through a tear, over the span of its stored frames."""
    stored = np.asarray(tear["frame_latents"], np.float32)
    share = np.linspace(0.0, 1.0, frames, dtype=np.float32)[:, None]
    return stored[0][None] + share * (stored[-1] - stored[0])[None]


def render_tear_walk(models: Models, figures: dict, name: str, index: int) -> None:
    """Every model along the line through one model's tear: the same latents, so a place where
    one model jumps and the other ramps shows side by side."""
    tears = [
        tear
        for tear in ((figures["models"].get(name) or {}).get("tears") or {}).get("tears") or []
        if tear.get("frame_latents")
    ]
    if index >= len(tears):
        st.session_state.pop("_tear_walk", None)
        return
    tear = tears[index]
    kind = "a tear" if tearing.is_tear(tear) else "a steep slope"
    st.subheader(f"Walk through the {name}'s steep place no. {index + 1} ({kind})")
    latents = tear_walk_latents(tear)
    frames = models.images(latents)
    for model, images in frames.items():
        show_row(f"{model}: the same {len(latents)} latents", images, scale=1, fill=True)
    features = judge_features()
    walks = lab.walk_report(frames, features=features)
    show_chart(charts.step_chart(walks, relative=True), use_container_width=True)
    space = "the judge's features" if features is not None else "pixels"
    st.caption(
        f"Change per step in {space}, over each model's median step along this line; rings mark "
        f"jumps. The line is the tear search's segment (latent length "
        f"{float(np.linalg.norm(latents[-1] - latents[0])):.2f}), centred on the place it found."
    )
