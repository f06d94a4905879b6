"""Latent atlas: a whole plane through latent space at once, GAN beside VAE. For each model the
images on an N x N grid over the plane and a map of how much the image changes per unit move at
each cell (its stretch), on one shared scale; pick a cell to see it large, walk from it, and read
the local spectrum there; the same figures over many random planes."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import streamlit as st

from ...core import latent
from .. import atlas, charts, lab, media, url_state
from ..session import (
    Models,
    fragment,
    int_input,
    judge_features,
    keep,
    kept,
    rerun_app,
    rerun_if_asked,
    seed_input,
    show_chart,
    tool_columns,
)
from .discontinuity import FEATURES, PIXELS, choose_space

THREE_SEEDS, RANDOM = url_state.PLANES["seeds"], url_state.PLANES["random"]


def _plane(args: tuple, latent_dim: int) -> latent.Plane:
    if args[0] == "seeds":
        _, seeds, n, margin = args
        return latent.plane_through_seeds(seeds, latent_dim, n, margin)
    _, seed, plane_seed, n = args
    return latent.random_plane(seed, plane_seed, latent_dim, n)


@st.cache_data(show_spinner=False, max_entries=8)
def _atlas(_models: Models, model_keys: tuple, plane_args: tuple, space: str, _features) -> dict:
    """Every model's atlas of one plane, cached per model versions, plane and space."""
    plane = _plane(plane_args, _models.latent_dim)
    return {
        name: latent.atlas(generate, plane, _features)
        for name, generate in _models.generators.items()
    }


@st.cache_data(show_spinner=False, max_entries=8)
def _random_planes(
    _models: Models, model_keys: tuple, args: tuple, space: str, _features
) -> dict[str, list[dict]]:
    planes, n, seed, k, measure = args
    return latent.random_plane_summaries(
        _models.generators, _models.latent_dim, planes, n, seed, k, measure, _features
    )


def plane_controls(latent_dim: int) -> tuple | None:
    """Which plane, and N, one under another (in the part's column of controls). Returns the
    plane's arguments, or None (after saying why)."""
    kind = st.radio("Plane", [THREE_SEEDS, RANDOM], key=kept("atlas_kind", THREE_SEEDS))
    keep("atlas_kind")
    if kind == THREE_SEEDS:
        text = st.text_input(
            "Seeds (three)",
            key=kept("atlas_seeds", latent.DEFAULT_PLANE_SEEDS),
            help="The plane through these three seeds' latents; they are ringed on the maps.",
        )
        margin = st.slider(
            "Margin beyond the seeds", 0.0, 1.0, step=0.05, key=kept("atlas_margin", 0.15)
        )
        keep("atlas_seeds")
        keep("atlas_margin")
    else:
        seed = seed_input(st, "Seed (the centre)", "atlas_seed", 0)
        plane_seed = seed_input(st, "Directions' seed", "atlas_plane_seed", 1)
    n = st.slider(
        "Grid N × N",
        latent.ATLAS_MIN_N,
        url_state.ATLAS_MAX_N,
        key=kept("atlas_n", latent.DEFAULT_ATLAS_N),
        help="Cells a side. The map needs one more ring of images beyond the grid: "
        "(N + 2)² images per model.",
    )
    keep("atlas_n")
    if kind != THREE_SEEDS:
        return ("random", int(seed), int(plane_seed), int(n))
    try:
        seeds = latent.parse_seeds(text, limit=3)
        args = ("seeds", tuple(seeds), int(n), float(margin))
        _plane(args, latent_dim)  # refuse repeated or collinear seeds here, in words
    except ValueError as error:
        st.error(f"{error}")
        return None
    return args


def map_settings() -> tuple:
    """The map's measure and k, which shape both parts: drawn among the plane's controls, a
    change reruns the whole app. Returns the judge's feature function (None: pixels), the
    measure and k."""
    features = choose_space()
    measure = st.radio(
        "Map",
        list(atlas.MEASURES),
        format_func=atlas.MEASURES.get,
        key=kept("atlas_measure", "area"),
        on_change=rerun_app,
        help="Area magnification: how much a small square of the plane is enlarged in image "
        "space. Largest singular value: the change along the plane's steepest direction there.",
    )
    k = st.slider(
        "A cliff is a cell above k × the model's median; k =",
        1.5,
        10.0,
        step=0.5,
        key=kept("atlas_k", latent.JUMP_FACTOR),
        on_change=rerun_app,
    )
    keep("atlas_measure")
    keep("atlas_k")
    rerun_if_asked()
    return features, measure, k


def render(models: Models) -> None:
    st.header("Latent atlas")
    st.caption(
        "A walk is one line through the 32-dimensional latent space; here is a whole plane. "
        "Each map shows, at every cell, how much the image changes per unit move along the "
        "plane there (central differences along the plane's two axes): bright cells are cliffs, "
        "where a small move changes the image a lot."
    )
    missing = [kind for kind in ("GAN", "VAE") if kind not in models.loaded]
    if missing:
        st.warning(
            f"No {missing[0]} is loaded, so this atlas shows the {next(iter(models.loaded))} "
            f"alone: the side-by-side comparison needs a {missing[0]} (pick one in the sidebar, "
            "or add its folder there)."
        )
    render_plane(models)
    # The space, map and k the plane part's controls hold (a change of them reruns the app).
    features = judge_features() if st.session_state.get("measure_space") == FEATURES else None
    measure, k = st.session_state["atlas_measure"], st.session_state["atlas_k"]
    model_keys = tuple(m.found.cache_key for m in models.loaded.values())
    space = PIXELS if features is None else FEATURES
    render_random_planes(models, model_keys, space, features, measure, k)


@fragment
def render_plane(models: Models) -> None:
    side, canvas = tool_columns("atlas")
    with side:
        features, measure, k = map_settings()
        args = plane_controls(models.latent_dim)
    if args is None:
        return
    space = PIXELS if features is None else FEATURES
    plane = _plane(args, models.latent_dim)
    model_keys = tuple(m.found.cache_key for m in models.loaded.values())
    images = (plane.n + 2) ** 2 * len(models.loaded)
    with canvas:
        with st.spinner(f"Making {images} images and their maps..."):
            results = _atlas(models, model_keys, args, space, features)
        render_maps(results, plane, measure, k, space)
        picked = pick_cell(plane)
        render_cell(models, results, plane, picked, features)


def _labels(plane: latent.Plane) -> list[str]:
    return [str(s) for s in plane.seeds] if plane.kind == "seeds" else [str(plane.seeds[0])]


def render_maps(results: dict, plane: latent.Plane, measure: str, k: float, space: str) -> None:
    picked = _picked_cell(plane.n)
    maps = {name: result[measure] for name, result in results.items()}
    domain = atlas.shared_domain(maps)
    marks, labels = plane.mark_cells(), _labels(plane)
    for name, result in results.items():
        st.markdown(f"**{name}**")
        left, right = st.columns([1, 1])
        n = plane.n
        grid = result["images"].reshape(n * n, *result["images"].shape[2:])
        left.image(
            media.grid_png(grid, columns=n, scale=1),
            caption=f"{name}: the image at each of the {n} × {n} cells",
            output_format="PNG",
            use_container_width=True,
        )
        with right:
            chart = charts.atlas_map_chart(
                atlas.relative_log(maps[name]), marks, labels, domain, picked
            )
            # st.altair_chart is safe here, unlike for the charts drawn by show_chart: with
            # on_select the element's id includes the rows' hash, so new rows mount a new chart.
            event = st.altair_chart(chart, on_select="rerun", key=f"atlas_map_{name}")
            _take_selection(name, event)
    st.caption(
        f"Colour: {atlas.MEASURES[measure]} divided by the model's own median, on a log scale "
        f"shared by the maps ({10 ** domain[0]:.2g}× to {10 ** domain[1]:.2g}× the median). "
        "White outlines mark the seeds' cells, red the picked cell. Click a cell to pick it."
    )
    frame = pd.DataFrame(atlas.summary_rows(results, measure, k)).set_index("model")
    st.dataframe(
        frame,
        column_config={c: st.column_config.NumberColumn(format="%.3g") for c in frame.columns},
        use_container_width=True,
    )
    for line in atlas.reading(results, measure, k):
        st.markdown(f"- {line}")
    title = atlas.plane_title(plane, space)
    picture = atlas.atlas_png(results, measure, marks, labels, picked, title=title)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    st.download_button(
        "Download grids + maps (PNG)",
        buffer.getvalue(),
        file_name="latent-atlas.png",
        mime="image/png",
        key="download_atlas_png",
    )


def _take_selection(name: str, event) -> None:
    """A click on a map picks that cell (once per new click: the chart keeps its selection)."""
    try:
        points = event.selection.get("cell", []) if event else []
    except AttributeError:
        points = []
    if not points:
        return
    cell = (int(points[0]["row"]), int(points[0]["column"]))
    seen = f"_atlas_click_{name}"
    if st.session_state.get(seen) != cell:
        st.session_state[seen] = cell
        st.session_state["atlas_row"], st.session_state["atlas_column"] = cell
        st.session_state["_kept_atlas_row"], st.session_state["_kept_atlas_column"] = cell


def _picked_cell(n: int) -> tuple[int, int]:
    """The cell the maps outline: the number boxes' (drawn below the maps, so not yet this run:
    their kept values, which a link or an earlier visit set)."""
    row, column = (
        st.session_state.get(key, st.session_state.get(f"_kept_{key}", n // 2))
        for key in ("atlas_row", "atlas_column")
    )
    return min(int(row), n - 1), min(int(column), n - 1)


def pick_cell(plane: latent.Plane) -> tuple[int, int]:
    st.subheader("One cell")
    n = plane.n
    left, right = st.columns(2)
    for key in ("atlas_row", "atlas_column"):
        kept(key, n // 2)
        st.session_state[key] = min(int(st.session_state[key]), n - 1)  # N may have shrunk
    row = left.number_input("Row (from the top)", 0, n - 1, step=1, key="atlas_row")
    column = right.number_input("Column (from the left)", 0, n - 1, step=1, key="atlas_column")
    keep("atlas_row")
    keep("atlas_column")
    return int(row), int(column)


def render_cell(models: Models, results: dict, plane, picked, features) -> None:
    row, column = picked
    z = plane.latents()[row * plane.n + column]
    x = plane.center[0] + plane.coordinates()[column]
    y = plane.center[1] + plane.coordinates()[row]
    left, right = st.columns([1, 2])
    with left:
        big = [result["images"][row, column][None] for result in results.values()]
        st.image(
            media.png_bytes(media.side_by_side(big, scale=6)[0]),
            caption=f"{' | '.join(results)} at row {row}, column {column} "
            f"(plane coordinates {x:.2f}, {y:.2f}; |z| = {np.linalg.norm(z):.2f})",
            output_format="PNG",
        )
    with right:
        spectra = {
            name: latent.local_spectrum(generate, z, features=features)
            for name, generate in models.generators.items()
        }
        show_chart(charts.spectrum_chart(spectra), use_container_width=True)
        st.caption(
            "The local spectrum: singular values of the full 32-d Jacobian at this cell "
            "(central differences along every latent axis, ε = 0.01), sorted. A flat line: every "
            "direction moves the image alike; a steep fall: a few directions do the work. "
            + " ".join(
                f"{name}: largest / smallest = {s[0] / s[-1]:.1f}."
                for name, s in spectra.items()
                if s[-1] > 0
            )
        )
    render_walk_from_cell(models, z, plane, features)


def render_walk_from_cell(models: Models, z: np.ndarray, plane, features) -> None:
    left, right = st.columns([1, 2])
    text = left.text_input(
        "Walk from this cell to seed",
        key=kept("atlas_walk_to", str(plane.seeds[0])),
        help="A slerp walk of 16 steps from the picked cell's latent to this seed's.",
    )
    keep("atlas_walk_to")
    try:
        (target,) = latent.parse_seeds(text, limit=1)
    except ValueError as error:
        left.error(f"{error} (one seed, e.g. 7)")
        return
    path = latent.walk(np.stack([z, latent.seed_to_latent(target, models.latent_dim)]), 16)
    frames = models.images(path)
    with right:
        for name, images in frames.items():
            st.image(
                media.grid_png(images, columns=len(images), scale=1),
                caption=f"{name}: from the cell to seed {target}",
                output_format="PNG",
                use_container_width=True,
            )
    walks = lab.walk_report(frames, features=features)
    show_chart(charts.step_chart(walks, relative=True), use_container_width=True)


@fragment
def render_random_planes(models: Models, model_keys, space, features, measure, k) -> None:
    st.subheader("Over many random planes")
    st.caption(
        "One plane can be lucky. These are random planes through random seeds, each along two "
        "random directions, the window ±√32 / 2 around the seed (the same planes for every "
        "model); each dot is one plane's p99 / median."
    )
    side, canvas = tool_columns("atlas-planes")
    planes = int_input(side, "Planes", "atlas_planes", 8, 1, 64)
    n = int(side.slider("Grid N of each", 8, 32, key=kept("atlas_planes_n", 16)))
    seed = int_input(side, "Random seed", "atlas_planes_seed", 0, 0, 2**31 - 1)
    keep("atlas_planes_n")
    with canvas:
        with st.spinner(f"Mapping {planes} random planes..."):
            summaries = _random_planes(
                models, model_keys, (planes, n, seed, float(k), measure), space, features
            )
        show_chart(charts.planes_chart(summaries), use_container_width=True)
        frame = pd.DataFrame(atlas.random_rows(summaries)).set_index("model")
        st.dataframe(
            frame,
            column_config={
                c: st.column_config.NumberColumn(format="%.3g")
                for c in frame.columns
                if frame[c].dtype.kind == "f"
            },
            use_container_width=True,
        )
