"""Walk: the same latent path through the GAN and the VAE side by side, as frames and as an
animated GIF, and per-dimension sliders around a base seed."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ...core import latent
from .. import charts, lab, media, url_state
from ..session import (
    Models,
    evenly_spaced,
    fragment,
    keep,
    kept,
    path_controls,
    seed_input,
    show_chart,
    show_row,
    tool_columns,
)

STRIP_FRAMES = 17  # frames shown in a strip; the GIF has them all
SWEEP_VALUES = np.linspace(-3.0, 3.0, 9)  # +-3 standard deviations of the Gaussian prior


def render(models: Models) -> None:
    st.header("Walk")
    render_walk(models)
    render_dimensions(models)


@st.cache_data(show_spinner=False, max_entries=4)
def _gif(_frames: dict, key: tuple) -> bytes:
    """The walk's animated GIF, every model side by side and named, each frame captioned with the
    seeds and its number; made once per walk (``key``: models and path, its waypoints second)."""
    count = min(len(images) for images in _frames.values())
    return media.labelled_gif_bytes(_frames, media.walk_captions(list(key[1]), count), scale=4)


@fragment
def render_walk(models: Models) -> None:
    side, canvas = tool_columns("walk")
    with side:
        path = path_controls(models.latent_dim)
    if path is None:
        return
    frames = models.images(path.latents)
    with side:
        last = len(path.latents) - 1
        key = kept("frame", 0)
        st.session_state[key] = min(st.session_state[key], last)  # the path may have shrunk
        index = st.slider("Frame", 0, last, key=key)
        keep("frame")
        show_gif = st.toggle("Animated GIF of the walk", key=kept("walk_gif", False))
        keep("walk_gif")
    shown = evenly_spaced(len(path.latents), STRIP_FRAMES)
    note = f"{len(path.latents)} frames" + (
        f", {len(shown)} shown" if len(shown) < len(path.latents) else ""
    )
    with canvas:
        render_walk_pictures(models, path, frames, shown, note, index, show_gif)


def render_walk_pictures(models: Models, path, frames: dict, shown, note, index, show_gif) -> None:
    """The walk's strips, their download, the change per step, the chosen frame and the GIF."""
    for name, images in frames.items():
        show_row(
            f"{name}: {path.mode} walk through seeds {', '.join(map(str, path.waypoints))}",
            images[shown],
            scale=1,
            caption=note,
            fill=len(shown) > 8,  # a short walk stays at its own size instead of ballooning
        )

    st.download_button(
        "Download the strip (PNG)",
        media.labelled_strip_png(
            frames,
            [int(i) for i in shown],
            f"latentwalk: {path.mode} walk through seeds {', '.join(map(str, path.waypoints))}, "
            f"{path.steps} steps a leg; {note} (frame numbers under them)",
        ),
        file_name="walk-strip.png",
        mime="image/png",
        key="download_walk_strip",
    )

    # The change per step, as on the page and in the hero: in pixels, each model over its median.
    show_chart(
        charts.step_chart(
            lab.walk_report(frames), relative=True, threshold=latent.JUMP_FACTOR, height=200
        ),
        use_container_width=True,
    )
    left, right = st.columns([1, 2])
    left.image(
        media.png_bytes(
            media.side_by_side([frames[n][index : index + 1] for n in frames], scale=6)[0]
        ),
        caption=f"{' | '.join(frames)}, frame {index}",
        output_format="PNG",
    )
    if show_gif:
        # The GIF takes longer than everything else here: made when asked, then kept.
        key = (
            tuple(m.found.cache_key for m in models.loaded.values()),
            tuple(path.waypoints),
            path.mode,
            path.steps,
        )
        gif = _gif(frames, key)
        right.image(gif, caption=f"{' | '.join(frames)}, {len(path.latents)} frames")
        right.download_button(
            "Download the walk (animated GIF)",
            gif,
            file_name="walk.gif",
            mime="image/gif",
            key="download_walk_gif",
        )


@fragment
def render_dimensions(models: Models) -> None:
    st.subheader("Move one dimension at a time")
    st.caption(
        "Start from a seed's latent and change single coordinates. A VAE is trained to "
        "spread meaning over its dimensions smoothly; a GAN is not asked to."
    )
    side, canvas = tool_columns("walk-dimensions")
    base_seed = seed_input(side, "Base seed", "base_seed", 0)
    key = kept("dims", [0, 1, 2])
    # A link's dimensions that these models do not have are dropped.
    st.session_state[key] = [d for d in st.session_state[key] if d < models.latent_dim]
    dims = side.multiselect(
        "Dimensions",
        list(range(models.latent_dim)),
        key=key,
        max_selections=url_state.MAX_DIMS,
    )
    keep("base_seed")
    keep("dims")
    z = latent.seed_to_latent(base_seed, models.latent_dim)
    moved = z.copy()
    # The sliders' values outlive the section (and go into the link) as "dim:value" text, for
    # the base seed they were set on; another base seed starts every slider at its own value.
    moves = url_state.read_moves(st.session_state.get("_kept_dim_moves", ""))
    if st.session_state.get("_dim_moves_seed", base_seed) != base_seed:
        moves = {}
    for dim in dims:
        start = float(np.round(z[dim], 2))
        key = f"dim_{base_seed}_{dim}"  # named by the base seed, as its start is
        if key not in st.session_state:
            st.session_state[key] = moves.get(dim, start)
        moved[dim] = side.slider(f"z[{dim}]", -4.0, 4.0, step=0.05, key=key)
    st.session_state["_kept_dim_moves"] = ",".join(
        f"{dim}:{float(moved[dim]):g}" for dim in dims if float(moved[dim]) != np.round(z[dim], 2)
    )
    st.session_state["_dim_moves_seed"] = base_seed
    with canvas:
        for column, (name, images) in zip(
            st.columns(len(models.loaded)), models.images(moved[None]).items(), strict=True
        ):
            with column:
                st.markdown(f"**{name}**, seed {base_seed} with the sliders' values")
                st.image(media.single_png(images[0], scale=6), output_format="PNG")
        for dim in dims:
            sweep = latent.move_dimension(moved, dim, SWEEP_VALUES)
            for name, images in models.images(sweep).items():
                show_row(f"{name}: z[{dim}] from -3 to 3", images, scale=2)
