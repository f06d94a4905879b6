"""Generate: one seed or a grid of seeds through every loaded model, with PNG downloads."""

from __future__ import annotations

import numpy as np
import streamlit as st

from streamlit_app import media
from streamlit_app.session import Models, keep, kept
from train import latent

MAX_SEED = 2**32 - 1


def _random_seed() -> None:
    st.session_state["seed"] = int(np.random.default_rng().integers(0, 2**31))


def render(models: Models) -> None:
    st.header("Generate")
    st.caption(
        f"A seed becomes a latent vector by the documented mapping `{latent.SEED_MAPPING}`"
        " (see train/latent.py), the same as in the web demo: the same seed gives the "
        "same latent, in Python and in the browser."
    )
    left, right = st.columns([2, 1])
    seed = left.number_input("Seed", 0, MAX_SEED, step=1, key=kept("seed", 0))
    keep("seed")
    right.button("Random seed", on_click=_random_seed, use_container_width=True)
    z = latent.seed_to_latent(int(seed), models.latent_dim)
    columns = st.columns(len(models.loaded))
    for column, (name, images) in zip(columns, models.images(z[None]).items()):
        with column:
            st.markdown(f"**{name}**, seed {seed}")
            st.image(media.single_png(images[0]), output_format="PNG")
    with st.expander("The latent vector"):
        st.code(np.array2string(z, precision=3, max_line_width=96))

    st.subheader("Grid of seeds")
    left, right = st.columns([3, 1])
    text = left.text_input(
        "Seeds",
        key=kept("grid_seeds", "0-15"),
        help="Single seeds and ranges, e.g. '0-15, 42' (at most 256).",
    )
    grid_columns = right.slider("Columns", 1, 16, key=kept("grid_columns", 8))
    keep("grid_seeds")
    keep("grid_columns")
    try:
        seeds = latent.parse_seeds(text, limit=256)
    except ValueError as error:
        st.error(str(error))
        return
    latents = latent.seeds_to_latents(seeds, models.latent_dim)
    for name, images in models.images(latents).items():
        png = media.grid_png(images, columns=grid_columns, scale=3)
        st.markdown(f"**{name}**: seeds {text.strip()}")
        st.image(png, output_format="PNG")
        st.download_button(
            f"Download the {name} grid (PNG)",
            png,
            file_name=f"{name.lower()}-seeds.png",
            mime="image/png",
            key=f"download_grid_{name}",
        )
