"""The landing view's hero, under the verdict: one walk (core/latent.py's default, the page's
too) through every model, their frames side by side in one labelled GIF playing in step, and one
chart of each model's change per step over its own median step, with the jump line. In pixels,
as on the page, so it needs no judge and costs a few dozen images."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ...core import latent
from .. import charts, lab, media
from ..session import Models, show_chart


@st.cache_data(show_spinner=False, max_entries=4)
def _gif(_frames: dict, key: tuple, captions: tuple[str, ...]) -> bytes:
    """The hero's GIF, made once per set of models (``key``)."""
    return media.labelled_gif_bytes(_frames, list(captions), scale=4)


def walk(latent_dim: int) -> tuple[list[int], np.ndarray]:
    """The hero's walk: its waypoint seeds and latents."""
    waypoints = latent.parse_seeds(latent.DEFAULT_WALK)
    points = latent.seeds_to_latents(waypoints, latent_dim)
    return waypoints, latent.walk(points, latent.DEFAULT_STEPS, latent.DEFAULT_INTERPOLATION)


@st.cache_data(show_spinner=False, max_entries=4)
def _frames(_models: Models, key: tuple) -> tuple[dict, dict]:
    """The walk's frames and per-step report, made once per set of models (``key``): every
    interaction on the landing view reruns the script, and the hero need not."""
    _, latents = walk(_models.latent_dim)
    frames = _models.images(latents)
    return frames, lab.walk_report(frames)


def render(models: Models) -> None:
    waypoints, latents = walk(models.latent_dim)
    key = tuple(m.found.cache_key for m in models.loaded.values())
    frames, walks = _frames(models, key)
    captions = tuple(media.walk_captions(waypoints, len(latents)))
    left, right = st.columns([2, 3])
    with left:
        st.image(
            _gif(frames, key, captions),
            caption=f"{' | '.join(frames)}: one walk, in step",
        )
    with right:
        show_chart(
            charts.step_chart(walks, relative=True, threshold=latent.JUMP_FACTOR, height=190),
            use_container_width=True,
        )
        jumps = ", ".join(f"{name} {len(walk['jumps'])}" for name, walk in walks.items())
        st.caption(
            f"Change per step in pixels, over each model's median step. Jumps: {jumps}; "
            "change the walk in **Walk**."
        )
