"""VAE extras: encode an image (uploaded, or a GAN sample), reconstruct it, and walk from its
encoding to a seed's latent. A GAN has no encoder, so only a VAE can start a walk from a picture."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ...core import latent
from .. import media, url_state
from ..session import (
    Models,
    evenly_spaced,
    fragment,
    keep,
    kept,
    seed_input,
    show_row,
    tool_columns,
)

SOURCES = tuple(url_state.VAE_SOURCES.values())  # upload, a GAN image


def _input_image(models: Models) -> tuple[np.ndarray, str] | None:
    """The image to encode, in [-1, 1], and a description of it; None (after saying why) if
    there is none yet."""
    sources = SOURCES if "GAN" in models.loaded else SOURCES[:1]
    key = kept("vae_source", sources[0])
    if st.session_state[key] not in sources:  # a link's GAN image, with no GAN loaded here
        st.session_state[key] = sources[0]
    source = st.radio("Start from", sources, key=key, horizontal=True)
    keep("vae_source")
    if source == SOURCES[1]:
        seed = seed_input(st, "GAN seed", "vae_gan_seed", 0)
        z = latent.seed_to_latent(seed, models.latent_dim)
        return models.loaded["GAN"].generate(z[None])[0], f"the GAN's image of seed {seed}"
    upload = st.file_uploader(
        "An image (PNG, JPEG, ...; at most 10 MB and 4096 pixels a side)", key="vae_upload"
    )
    if upload is None:
        st.info(
            "Upload an image to encode it. It is cropped to a square and shrunk to 32×32, "
            "the models' size; the VAE was trained on frogs, so a frog works best."
        )
        return None
    try:
        image, notes = media.read_upload(upload.getvalue())
    except media.UploadError as error:
        st.error(f"{upload.name}: {error}")
        return None
    for note in notes:
        st.caption(note)
    return image, upload.name


@fragment
def render(models: Models) -> None:
    st.header("VAE extras")
    vae = models.vae
    if vae is None:
        st.warning(
            "No VAE is loaded. Train one with `python -m train vae --preset small --data "
            "cifar10 --class frog --out runs/vae-frog` and add `runs` in the sidebar."
        )
        return
    side, canvas = tool_columns("vae")
    with side:
        chosen = _input_image(models)
    if chosen is None:
        return
    image, description = chosen
    with side:
        st.markdown("**Walk to a seed**")
        target = seed_input(st, "Target seed", "vae_target", 1)
        mode = st.radio(
            "Interpolation",
            list(latent.INTERPOLATIONS),
            key=kept("vae_mode", latent.DEFAULT_INTERPOLATION),
            horizontal=True,
        )
        steps = st.slider("Steps", 2, 64, key=kept("vae_steps", latent.DEFAULT_STEPS))
    for key in ("vae_target", "vae_mode", "vae_steps"):
        keep(key)
    with canvas:
        render_encoding(models, vae, image, description, target, mode, steps)


def render_encoding(models: Models, vae, image, description, target, mode, steps) -> None:
    """The input, its reconstruction, and the walk from its encoding to the target seed."""
    z = vae.encode(image[None])
    reconstruction = vae.generate(z)[0]
    error = float(
        latent.image_distance(
            latent.to_unit_range(image[None]), latent.to_unit_range(reconstruction[None])
        )[0]
    )
    left, right, info = st.columns([1, 1, 2])
    left.image(media.single_png(image, scale=6), caption="input, 32×32", output_format="PNG")
    right.image(
        media.single_png(reconstruction, scale=6), caption="VAE reconstruction", output_format="PNG"
    )
    info.markdown(
        f"Encoded {description} to the mean of q(z | x); its norm is "
        f"{np.linalg.norm(z):.2f} (a typical prior sample's is about "
        f"{np.sqrt(models.latent_dim):.1f}). Reconstruction error: {error:.4f} mean "
        "squared pixel difference on [0, 1]."
    )

    st.subheader("Walk from the encoding to a seed")
    end = latent.seed_to_latent(target, models.latent_dim)
    path = latent.walk(np.stack([z[0], end]), steps, mode)
    images = models.images(path)
    frames = {"VAE": images.pop("VAE"), **images}  # the VAE's walk first: it is the subject
    shown = evenly_spaced(len(path), 17)
    for name, images in frames.items():
        suffix = "" if name == "VAE" else " (same latents; the GAN never saw this encoding)"
        show_row(
            f"{name}: from {description} to seed {target}{suffix}",
            images[shown],
            scale=1,
            fill=len(shown) > 8,
        )
    gif = media.gif_bytes(list(frames.values()), scale=4)
    st.image(gif, caption=" | ".join(frames))
    st.download_button(
        "Download this walk (animated GIF)",
        gif,
        file_name="vae-walk.gif",
        mime="image/gif",
        key="download_vae_gif",
    )
