"""latentwalk's latent explorer: ``streamlit run streamlit_app/app.py``.

Generate images from seeds, walk the latent space, and measure how the GAN's latent space
compares with the VAE's. Models come from the shipped ``models/`` folder, the LATENTWALK_MODELS
environment variable and the sidebar; TensorFlow loads only when the first model does, so the
page appears at once.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys

import streamlit as st

from latentwalk.core.quiet import add_verbose_option, quiet
from latentwalk.streamlit_app import models as discovery
from latentwalk.streamlit_app import session, url_state
from latentwalk.streamlit_app import tear_figures as figures_data
from latentwalk.streamlit_app.generation import ModelLoadError
from latentwalk.streamlit_app.views import (
    atlas,
    discontinuity,
    generate,
    hero,
    real_walk,
    tears,
    vae_extras,
    walk,
)

# Each section's renderer by its URL slug; the labels (and their order) are url_state.SECTIONS'.
RENDERERS = {
    "generate": generate.render,
    "walk": walk.render,
    "tears": tears.render,
    "lab": discontinuity.render,
    "atlas": atlas.render,
    "vae": vae_extras.render,
    "real": real_walk.render,
}
SECTIONS = {label: RENDERERS[slug] for slug, label in url_state.SECTIONS.items()}
NONE = "(none)"


PATH_BOX_ENV = "LATENTWALK_PATH_BOX"


def server_options(argv: list[str]) -> argparse.Namespace:
    """Options for whoever runs the server: ``streamlit run streamlit_app/app.py -- --models
    DIR[:DIR] --path-box``. Visitors of the page cannot set these."""
    parser = argparse.ArgumentParser(prog="streamlit run streamlit_app/app.py --", add_help=False)
    parser.add_argument("--models", default=None, help="model folders, separated by os.pathsep")
    parser.add_argument(
        "--path-box",
        action="store_true",
        help="let visitors type server folders to load models from (off by default)",
    )
    add_verbose_option(parser)
    options, _unknown = parser.parse_known_args(argv)
    options.path_box = options.path_box or os.environ.get(PATH_BOX_ENV) == "1"
    return options


def choose_models(options: argparse.Namespace) -> tuple[list, list, str]:
    """Sidebar: the data set, which of its GANs and VAEs to use (and, only when the server allows
    it, more folders to look in). Returns the found and the chosen FoundModels, and the data
    set's id."""
    typed = ""
    if options.path_box:
        typed = st.sidebar.text_input(
            "More model folders",
            key=session.kept("extra_folders", ""),
            help=f"Run or export folders, or folders of them (e.g. `runs`), separated by "
            f"`{os.pathsep}`. Also read from the {discovery.ENV_VAR} environment variable.",
        )
        session.keep("extra_folders")
    paths = discovery.split_paths(typed) + discovery.search_paths(options.models)
    found, notes = discovery.find_models(paths)
    for note in notes:
        # A visitor learns nothing about the server's folders: the notes go to the server's
        # log, and to the page only when the server lets visitors type folders themselves.
        print(f"latentwalk app: {note}", file=sys.stderr)
        if options.path_box:
            st.sidebar.caption(note)
    if notes and not options.path_box:
        st.sidebar.caption(
            f"{len(notes)} configured model folder(s) could not be used; the server's log says "
            "which."
        )
    choices = figures_data.dataset_choices(found)
    dataset = choices[0] if choices else figures_data.OTHER
    if choices:
        key = session.kept("dataset", choices[0])
        if st.session_state[key] not in choices:  # a link's data set without models here
            st.session_state[key] = choices[0]
        dataset = st.sidebar.radio(
            "Data set",
            choices,
            key=key,
            format_func=figures_data.dataset_label,
            help="What the models were trained on. A GAN must tear where the data has separate "
            "modes: two far-apart classes show it best.",
        )
        session.keep(key)
    chosen = []
    for kind in ("gan", "vae"):
        of_kind = [m for m in found if m.kind == kind and figures_data.model_dataset(m) == dataset]
        labels = [m.label for m in of_kind] + [NONE]
        key = session.kept(f"pick_{kind}", None)
        if st.session_state[key] not in labels:  # new, or the folder list changed under it
            st.session_state[key] = _first_usable(of_kind, kind) or labels[0]
        label = st.sidebar.selectbox(kind.upper(), labels, key=key)
        session.keep(key)
        chosen += [m for m in of_kind if m.label == label][:1]
    return found, chosen, dataset


def _first_usable(of_kind: list, kind: str) -> str | None:
    """The label of the first model of ``of_kind`` that loads: a broken folder named first is
    not the default (it is named, and can still be picked to see why)."""
    for model in of_kind:
        try:
            session.load(model)
        except ModelLoadError as error:
            st.sidebar.warning(f"Skipped the {kind.upper()} `{model.folder.name}`: {error}")
            continue
        return model.label
    return None


def load_models(chosen: list) -> session.Models | None:
    """Load the chosen models; one that cannot be used gets a message in its place and the
    others carry on. None when none of them loads."""
    loaded = {}
    with st.spinner("Loading models (TensorFlow starts on first use)..."):
        for model in chosen:
            try:
                loaded[model.kind.upper()] = session.load(model)
            except ModelLoadError as error:
                st.error(f"The {model.kind.upper()} `{model.folder.name}` cannot be used: {error}")
    if not loaded:
        return None
    dims = {name: model.found.latent_dim for name, model in loaded.items()}
    if len(set(dims.values())) > 1:
        st.warning(
            f"The GAN's latent size ({dims['GAN']}) differs from the VAE's "
            f"({dims['VAE']}), so they cannot walk the same path; showing the GAN only."
        )
        loaded = {"GAN": loaded["GAN"]}
    return session.Models(loaded, next(iter(loaded.values())).found.latent_dim)


def main() -> None:
    st.set_page_config(page_title="latentwalk: GAN vs VAE latent spaces", layout="wide")
    # Browsers smooth the images they resize; these are 32-pixel images, so keep pixels square.
    # The sections' tool layout (session.tool_columns): on a wide screen a part's column of
    # controls stays in view while its pictures scroll by (sticky; a column that is a flex item
    # must not stretch to the row's height to stick), and scrolls itself when taller than the
    # screen; below Streamlit's 640 px the columns stack, controls first, and nothing sticks.
    st.html(
        "<style>[data-testid='stImage'] img {image-rendering: pixelated;}"
        "@media (min-width: 641px) {"
        "[data-testid='stColumn']:has([class*='st-key-tool-side-']) {"
        "position: sticky; top: 4.5rem; align-self: flex-start;"
        "max-height: calc(100vh - 5.5rem); overflow-y: auto; padding: 0 0.6rem;}}"
        "</style>"
    )
    options = server_options(sys.argv[1:])
    # Before the first model brings TensorFlow in: its start-up noise stays out of the server's log.
    quiet(options.verbose)
    # The link's view, applied once per session before any widget is drawn.
    notices = session.apply_url(
        lambda: discovery.find_models(discovery.search_paths(options.models))[0]
    )
    st.sidebar.title("latentwalk")
    section = st.sidebar.radio(
        "Section", list(SECTIONS), key=session.kept("section", next(iter(SECTIONS)))
    )
    session.keep("section")
    found, chosen, dataset = choose_models(options)
    picked = {kind: "none" for kind in ("gan", "vae")}
    picked.update({model.kind: model.folder.name for model in chosen})
    session.sync_url(picked)
    for notice in notices:
        st.toast(notice, icon="⚠️")
        st.caption(f"⚠️ {notice}")
    if not found or not chosen:
        st.title("latentwalk")
        st.warning("No model to show." if found else "No models found.")
        st.markdown(discovery.HOW_TO_GET_MODELS.format(sep=os.pathsep))
        return
    for model in chosen:
        st.sidebar.caption(f"{model.kind.upper()}: `{model.folder.name}`")
    models = load_models(chosen)
    if models is None:
        st.title("latentwalk")
        st.warning("None of the chosen models can be used: pick another in the sidebar.")
        return
    tears.render_verdict(dataset, picked)
    if section == next(iter(SECTIONS)):  # the landing view: the hero under the verdict
        hero.render(models)
    if not st.session_state.get("_gc_frozen"):
        # TensorFlow and the models are loaded: set the objects alive now aside from Python's
        # collector, so its full collections stay short instead of pausing an interaction.
        gc.freeze()
        st.session_state["_gc_frozen"] = True
    if SECTIONS[section] in (tears.render, real_walk.render):  # these need the data set
        SECTIONS[section](models, dataset)
    else:
        SECTIONS[section](models)
    session.sync_url()  # the section's widgets have their values now


main()
