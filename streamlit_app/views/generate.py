"""Generate: one seed or a grid of seeds through every loaded model, with PNG downloads."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ...core import latent
from .. import media
from ..session import Models, fragment, keep, kept, seed_input, tool_columns


def _random_seed() -> None:
    st.session_state["seed"] = str(int(np.random.default_rng().integers(0, 2**31)))


def render(models: Models) -> None:
    st.header("Generate")
    st.caption(
        f"A seed becomes a latent vector by the documented mapping `{latent.SEED_MAPPING}`"
        " (see core/latent.py), the same as in the web demo: the same seed gives the "
        "same latent, in Python and in the browser."
    )
    render_single(models)
    render_grid(models)


@fragment
def render_single(models: Models) -> None:
    side, canvas = tool_columns("generate")
    seed = seed_input(
        side,
        "Seed",
        "seed",
        latent.DEFAULT_SEED,
        help=f"A whole number from 0 to {latent.MAX_SEED}.",
    )
    side.button("Random seed", on_click=_random_seed, use_container_width=True)
    z = latent.seed_to_latent(int(seed), models.latent_dim)
    with canvas:
        columns = st.columns(len(models.loaded))
        for column, (name, images) in zip(columns, models.images(z[None]).items(), strict=True):
            with column:
                st.markdown(f"**{name}**, seed {seed}")
                st.image(media.single_png(images[0]), output_format="PNG")
        with st.expander("The latent vector"):
            st.code(np.array2string(z, precision=3, max_line_width=96))


def _show_seed(seed: int) -> None:
    st.session_state["seed"] = st.session_state["_kept_seed"] = str(seed)


def _add_waypoint(seed: int) -> None:
    current = st.session_state.get("_kept_waypoints", "0, 1")
    st.session_state["_kept_waypoints"] = f"{current}, {seed}"
    st.session_state.pop("waypoints", None)  # the Walk's box takes the kept value when drawn


@fragment
def render_grid(models: Models) -> None:
    st.subheader("Grid of seeds")
    side, canvas = tool_columns("generate-grid")
    text = side.text_input(
        "Seeds",
        key=kept("grid_seeds", latent.DEFAULT_GRID),
        help="Single seeds and ranges, e.g. '0-15, 42' (at most 256).",
    )
    grid_columns = side.slider("Columns", 1, 16, key=kept("grid_columns", 8))
    keep("grid_seeds")
    keep("grid_columns")
    try:
        seeds = latent.parse_seeds(text, limit=256)
    except ValueError as error:
        side.error(str(error))
        return
    key = kept("grid_pick", seeds[0])
    if st.session_state[key] not in seeds:  # the grid changed, or a link's pick is not in it
        st.session_state[key] = seeds[0]
    chosen = side.selectbox("Pick a seed from the grid", seeds, key=key)
    keep(key)
    if side.button("Show it above", on_click=_show_seed, args=(chosen,), use_container_width=True):
        # The seed is shown above, outside this fragment: a click reruns only the fragment.
        st.rerun()
    side.button(
        "Add it to the walk",
        on_click=_add_waypoint,
        args=(chosen,),
        use_container_width=True,
        help="Appends it to the Walk section's waypoints.",
    )
    latents = latent.seeds_to_latents(seeds, models.latent_dim)
    with canvas:
        for name, images in models.images(latents).items():
            png = media.labelled_grid_png(images, [str(s) for s in seeds], columns=grid_columns)
            st.markdown(f"**{name}**: seeds {text.strip()}")
            st.image(png, output_format="PNG")
            st.download_button(
                f"Download the {name} grid (PNG)",
                png,
                file_name=f"{name.lower()}-seeds.png",
                mime="image/png",
                key=f"download_grid_{name}",
            )
