"""Real images: walk between two real images in both models, each between its own codes for
them (the GAN's projections, the VAE's encodings), with the change chart and the jump marks of
a seed walk. Both ends are real, so neither model is judged on where a random seed happens to
land; and the ends' pictures show what each model cannot draw."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ...core import error_figures, latent
from ...core.datasets import BY_ID
from .. import charts, lab, media
from .. import models as discovery
from .. import real_images as real
from ..generation import load_keras
from ..session import Models, fragment, keep, kept, show_chart, show_row, tool_columns


@st.cache_resource(show_spinner=False, max_entries=2)
def _generator(path: str, stamp: str):
    """The GAN as a Keras model (the app's compiled forward pass has no gradient)."""
    return load_keras(path)


@st.cache_data(show_spinner=False, max_entries=8)
def _showcase(dataset_id: str, stamp: int) -> real.Showcase | None:
    """The data set's shipped showcase, read once per version of its file (``stamp``), not on
    every rerun of the section."""
    return real.load_showcase(BY_ID[dataset_id])


def _showcase_stamp(dataset_id: str) -> int:
    path = discovery.SHIPPED_DIR / "figures" / f"real-{dataset_id}.json"
    return path.stat().st_mtime_ns if path.is_file() else 0


@st.cache_data(show_spinner=False, max_entries=4)
def _gif(_frames: dict, key: tuple, captions: tuple[str, ...]) -> bytes:
    """The walk's labelled GIF, made once per walk (``key``: the models and the codes), not on
    every rerun."""
    return media.labelled_gif_bytes(_frames, list(captions), scale=4)


def _projected(image: np.ndarray, found) -> np.ndarray:
    """The GAN's code for an image, found once per image and model in a session (a few
    seconds, with a progress bar)."""
    store = st.session_state.setdefault("_real_projections", {})
    key = (real.image_key(image), found.cache_key)
    if key in store:
        return store[key]
    bar = st.progress(0.0, text="Finding the GAN's code for the image (200 Adam steps)...")

    def step(done: int, steps: int) -> None:
        if done % 10 == 0 or done == steps:
            bar.progress(done / steps, text=f"Finding the GAN's code: step {done} of {steps}")

    generator = _generator(str(found.files["generator"]), found.cache_key)
    store[key] = real.project_image(generator, image, step)
    bar.empty()
    return store[key]


def _end(column, title: str, key: str, showcase: real.Showcase | None, fallback: int):
    """One end of the walk: a held-out image by number, or an upload. Returns (image or None,
    its description, its index in the showcase or None)."""
    options = (list(range(len(showcase.images))) if showcase else []) + [real.UPLOAD]
    choice_key = kept(key, fallback if showcase else real.UPLOAD)
    if st.session_state[choice_key] not in options:
        st.session_state[choice_key] = options[0]
    choice = column.selectbox(
        title,
        options,
        key=choice_key,
        format_func=lambda o: "your image" if o == real.UPLOAD else showcase.label(o),
    )
    keep(key)
    if choice != real.UPLOAD:
        return showcase.images[choice], f"held-out {showcase.label(choice)}", choice
    upload = column.file_uploader(f"{title}: your image", key=f"{key}_file")
    if upload is None:
        return None, "your image", None
    try:
        image, notes = media.read_upload(upload.getvalue())
    except media.UploadError as error:
        column.error(f"{upload.name}: {error}")
        return None, upload.name, None
    for note in notes:
        column.caption(note)
    return image, upload.name, None


def _codes(models: Models, key: str, image, index, showcase, chosen: dict) -> dict | None:
    """Each model's code for one end: the showcase's when it was found for the models chosen,
    else found now; an upload the link brought back has only its codes."""
    codes = {}
    gan, vae = models.loaded.get("GAN"), models.vae
    if image is None:
        try:
            text = st.session_state.get(f"_kept_{key}_code", "")
            gan_code, vae_code = real.parse_codes(text, models.latent_dim) if text else (None, None)
        except ValueError:
            gan_code = vae_code = None
        if gan_code is None:
            return None
        codes = {"GAN": gan_code, "VAE": vae_code}
        return {
            name: code for name, code in codes.items() if name in models.loaded and code is not None
        }
    if gan is not None:
        if index is not None and chosen.get("gan") == showcase.gan_model:
            codes["GAN"] = showcase.gan_latents[index]
        else:
            codes["GAN"] = _projected(image, gan.found)
    if vae is not None:
        codes["VAE"] = vae.encode(image[None])[0]
    if index is None and "GAN" in codes:  # an upload: the link keeps its codes, not its pixels
        st.session_state[f"_kept_{key}_code"] = real.codes_text(codes["GAN"], codes.get("VAE"))
    else:  # a held-out image's number is its whole link
        st.session_state.pop(f"_kept_{key}_code", None)
    return codes


def _ends_row(ends: list, pictures: dict) -> None:
    """Each end as real | each model's picture of it."""
    columns = st.columns(len(ends))
    for column, (image, description, _), index in zip(columns, ends, range(2), strict=True):
        row = ([image[None]] if image is not None else []) + [
            p[index][None] for p in pictures.values()
        ]
        names = (["real"] if image is not None else []) + list(pictures)
        with column:
            st.image(
                media.png_bytes(media.side_by_side(row, scale=4)[0]),
                caption=f"{description}: {' | '.join(names)}",
                output_format="PNG",
            )


def _what_cannot_be_drawn(showcase: real.Showcase, dataset: str) -> None:
    """The shipped models' errors over the held-out images, in a sentence, and the figure of
    their distributions and worst-drawn images (models/recipes/project_heldout.py)."""
    stored = showcase.figures["models"]
    share = error_figures.better_drawn_share(
        stored["GAN"]["feature_error"], stored["VAE"]["feature_error"]
    )
    st.markdown(error_figures.reading(stored["GAN"]["summary"], stored["VAE"]["summary"], share))
    figure = discovery.SHIPPED_DIR / "figures" / f"cannot-draw-{dataset}.png"
    if figure.is_file():
        with st.expander("What each model cannot draw: the errors and the worst-drawn images"):
            st.image(str(figure), caption=f"The shipped {showcase.gan_model} and "
                     f"{showcase.vae_model}, on held-out {BY_ID[dataset].label}")  # fmt: skip


@fragment
def render(models: Models, dataset: str) -> None:
    st.header("Real images")
    st.caption(
        "Walk between two real images no model trained on. The GAN walks between its "
        "projections of them, the VAE between its encodings."
    )
    showcase = _showcase(dataset, _showcase_stamp(dataset)) if dataset in BY_ID else None
    chosen = st.session_state.get("_url_models", {})
    side, canvas = tool_columns("real")
    with canvas:
        if showcase is None:
            st.info("No held-out images ship for these models: upload two images.")
        else:
            _what_cannot_be_drawn(showcase, dataset)
            show_row(
                f"Held-out real images ({BY_ID[dataset].label}), no. 0 to "
                f"{len(showcase.images) - 1}",
                showcase.images,
                scale=2,
                fill=True,
            )
    first, second = real.default_pair(showcase) if showcase else (0, 0)
    ends = [
        _end(side, "From", "real_from", showcase, first),
        _end(side, "To", "real_to", showcase, second),
    ]
    with canvas:  # a projection's progress bar goes by the pictures
        codes = [
            _codes(models, key, image, index, showcase, chosen)
            for key, (image, _, index) in zip(("real_from", "real_to"), ends, strict=True)
        ]
    if any(code is None for code in codes):
        canvas.info("Choose or upload both images.")
        return
    names = [name for name in models.loaded if name in codes[0] and name in codes[1]]
    pictures = {n: models.loaded[n].generate(np.stack([codes[0][n], codes[1][n]])) for n in names}
    with canvas:
        _ends_row(ends, pictures)
    steps = side.slider("Steps", 2, 64, key=kept("real_steps", latent.DEFAULT_STEPS))
    keep("real_steps")
    with canvas:
        _walk(models, names, codes, ends, steps)


def _walk(models: Models, names: list, codes: list, ends: list, steps: int) -> None:
    """Each model's walk between its two codes, the change per step, and the GIF."""
    frames = {
        name: models.loaded[name].generate(
            latent.walk(
                np.stack([codes[0][name], codes[1][name]]), steps, latent.CODE_INTERPOLATION
            )
        )
        for name in names
    }
    # What was walked, for tests and for a person reading the session: each model's two codes.
    st.session_state["_real_codes"] = {
        **{name: np.stack([codes[0][name], codes[1][name]]) for name in names},
        "frames": next(iter(frames.values())) if frames else [],
    }
    for name, images in frames.items():
        show_row(
            f"{name}: from its code for one image to its code for the other",
            images,
            scale=1,
            fill=True,
        )
    walks = lab.walk_report(frames)
    show_chart(
        charts.step_chart(walks, relative=True, threshold=latent.JUMP_FACTOR, height=200),
        use_container_width=True,
    )
    for line in lab.walk_reading(walks, latent.JUMP_FACTOR, more="walks between other pairs"):
        st.markdown(line)
    count = len(next(iter(frames.values())))
    captions = tuple(
        f"{ends[0][1]} to {ends[1][1]} | frame {i} of {count - 1}" for i in range(count)
    )
    walked = b"".join(
        np.ascontiguousarray(codes[end][name]).tobytes() for end in (0, 1) for name in names
    )
    key = (tuple(models.loaded[n].found.cache_key for n in names), real.bytes_key(walked), steps)
    st.download_button(
        "Download the walk (animated GIF)",
        _gif(frames, key, captions),
        file_name="real-walk.gif",
        mime="image/gif",
        key="download_real_gif",
    )
