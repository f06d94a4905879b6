"""The app's view in its URL: query parameters <-> widget values (no Streamlit here, so tests
need no app). A link restores the section, the models, the seeds, the walk and the lab's
settings; a bad or unknown parameter is ignored with a notice, and its default is kept.

    ?section=walk&waypoints=0,7,3&mode=lerp&steps=24&k=2.5&paths=512&gan=gan-frog&vae=none
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..core import latent
from ..core.datasets import BY_ID

SECTIONS = {
    "generate": "Generate",
    "walk": "Walk",
    "tears": "Where it tears",
    "lab": "Discontinuity lab",
    "atlas": "Atlas",
    "vae": "VAE extras",
    "real": "Real images",
}
SLUG_OF_SECTION = {label: slug for slug, label in SECTIONS.items()}
MAX_PATHS = 4096  # the lab's widget
MIN_PATHS = 8
# A link is opened by whoever follows it, and the lab measures at once: at most this many paths
# from a link (4,096 paths of a 32-waypoint walk cost ~25 s of server CPU per visit). More can
# be chosen on the page itself.
MAX_LINK_PATHS = 512
MAX_LINK_PLANES = 16  # the atlas's random planes from a link (64 can be chosen on the page)
ATLAS_MAX_N = 48  # the app's atlas grid at most (the page's goes to 64)
MAX_DIMS = 6  # the Walk's dimension sliders at once
# The radio buttons' options, by their word in the link.
SPACES = {"judge": "judge features", "pixels": "pixels"}
PLANES = {
    "seeds": "Through three seeds",
    "random": "Through a seed, along two random directions",
}
VAE_SOURCES = {"upload": "Upload an image", "gan": "A GAN image (by seed)"}


def _section(text: str) -> str:
    if text not in SECTIONS:
        raise ValueError(f"section must be one of {', '.join(SECTIONS)}")
    return SECTIONS[text]


def _seed_text(text: str) -> str:
    seeds = latent.parse_seeds(text, limit=1)
    if len(seeds) != 1:
        raise ValueError("seed must be one whole number")
    return str(seeds[0])


def _seeds_text(limit: int, least: int = 1) -> Callable[[str], str]:
    def check(text: str) -> str:
        seeds = latent.parse_seeds(text, limit=limit)
        if len(seeds) < least:
            raise ValueError(f"give at least {least} seeds")
        return text.strip()

    return check


def _choice(options: tuple[str, ...]) -> Callable[[str], str]:
    def check(text: str) -> str:
        if text not in options:
            raise ValueError(f"must be {' or '.join(options)}")
        return text

    return check


def _number(kind: type, low: float, high: float) -> Callable[[str], float | int]:
    def check(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a {'whole ' if kind is int else ''}number") from None
        if not low <= value <= high:
            raise ValueError(f"must be from {low:g} to {high:g}")
        return value

    return check


def _k(text: str) -> float:
    value = _number(float, 1.5, 10.0)(text)
    if round(value * 2) != value * 2:
        raise ValueError("must be a multiple of 0.5")
    return value


def _multiple(low: float, high: float, step: float) -> Callable[[str], float]:
    """A slider's number: in range and on its steps."""

    def check(text: str) -> float:
        value = _number(float, low, high)(text)
        if abs(round(value / step) * step - value) > 1e-9:
            raise ValueError(f"must be a multiple of {step:g}")
        return round(round(value / step) * step, 10)

    return check


def _int_text(low: int, high: int) -> Callable[[str], str]:
    """A whole number typed in a text box (the box keeps text)."""

    def check(text: str) -> str:
        return str(_number(int, low, high)(text))

    return check


def _toggle(text: str) -> bool:
    if text not in ("on", "off"):
        raise ValueError("must be on or off")
    return text == "on"


def _labelled(labels: Mapping[str, str]) -> Callable[[str], str]:
    """A radio button's option, named in the link by a short word."""

    def check(text: str) -> str:
        if text not in labels:
            raise ValueError(f"must be {' or '.join(labels)}")
        return labels[text]

    return check


def _dims(text: str) -> list[int]:
    """The Walk's dimension sliders: "0,1,2" (the view drops any its models do not have)."""
    try:
        dims = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        dims = None
    if (
        dims is None
        or len(dims) > MAX_DIMS
        or len(set(dims)) < len(dims)
        or min(dims, default=0) < 0
    ):
        raise ValueError(f"must be at most {MAX_DIMS} different latent dimensions, e.g. 0,1,2")
    return dims


def _moves(text: str) -> str:
    """The dimension sliders' values, "dim:value" pairs: "1:3.5,4:-1.2"."""
    read_moves(text)
    return text


def read_moves(text: str) -> dict[int, float]:
    """Dimension:value pairs, "1:3.5,4:-1.2" -> {1: 3.5, 4: -1.2}; a ValueError says why not."""
    moves = {}
    try:
        for pair in filter(None, text.split(",")):
            dim, value = pair.split(":")
            moves[int(dim)] = float(value)
    except ValueError:
        raise ValueError("must be dimension:value pairs, e.g. 1:3.5,4:-1.2") from None
    if len(moves) > MAX_DIMS or any(not -4 <= v <= 4 or d < 0 for d, v in moves.items()):
        raise ValueError(f"must be at most {MAX_DIMS} dimensions, each value from -4 to 4")
    return moves


def _paths(text: str) -> str:
    try:
        _number(int, MIN_PATHS, MAX_LINK_PATHS)(text)
    except ValueError as error:
        raise ValueError(f"{error} in a link (more can be chosen on the page)") from None
    return str(int(text))


def _real_end(text: str) -> int | str:
    """A real-to-real walk's end: a held-out image's number, or "upload"."""
    if text == "upload":
        return text
    return _number(int, 0, 1023)(text)


def _codes_text(text: str) -> str:
    """An uploaded end's codes ("GAN;VAE" comma lists), checked for form; their length against
    the models' latent size when the walk is drawn."""
    parts = text.split(";")
    numbers = [v for part in parts if part for v in part.split(",")]
    try:
        ok = len(parts) == 2 and parts[0] != "" and all(abs(float(v)) <= 100 for v in numbers)
    except ValueError:
        ok = False
    if not ok or len(numbers) > 2 * 512:
        raise ValueError("must be an image's GAN and VAE codes, two comma lists joined by ';'")
    return text


# parameter -> (widget key in st.session_state, checker turning the text into the widget value)
PARAMETERS: dict[str, tuple[str, Callable[[str], object]]] = {
    "section": ("section", _section),
    "dataset": ("dataset", _choice((*BY_ID, "other"))),
    "seed": ("seed", _seed_text),
    "grid": ("grid_seeds", _seeds_text(256)),
    "waypoints": ("waypoints", _seeds_text(32, least=2)),
    "mode": ("mode", _choice(tuple(latent.INTERPOLATIONS))),
    "steps": ("steps", _number(int, 1, 64)),
    "k": ("jump_k", _k),
    "paths": ("num_paths", _paths),
    "rfrom": ("real_from", _real_end),
    "rto": ("real_to", _real_end),
    "rsteps": ("real_steps", _number(int, 2, 64)),
    "rfromz": ("real_from_code", _codes_text),
    "rtoz": ("real_to_code", _codes_text),
}
MODEL_PARAMETERS = ("gan", "vae")  # folder names; resolved against the models found

# Every other control of the sections, so that a link or a reload shows the same view (issue 29).
PARAMETERS |= {
    # Generate
    "cols": ("grid_columns", _number(int, 1, 16)),
    "pick": ("grid_pick", _number(int, 0, latent.MAX_SEED)),  # kept only when in the grid
    # Walk
    "frame": ("frame", _number(int, 0, 31 * 64)),  # shown clamped to the walk's last frame
    "gif": ("walk_gif", _toggle),
    "base": ("base_seed", _seed_text),
    "dims": ("dims", _dims),
    "moves": ("dim_moves", _moves),
    # Discontinuity lab (and the atlas's space)
    "space": ("measure_space", _labelled(SPACES)),
    "rel": ("walk_relative", _toggle),
    "prel": ("smooth_relative", _toggle),
    "pseed": ("paths_seed", _int_text(0, 2**31 - 1)),
    # Atlas
    "measure": ("atlas_measure", _choice(("area", "stretch"))),
    "ak": ("atlas_k", _multiple(1.5, 10.0, 0.5)),
    "plane": ("atlas_kind", _labelled(PLANES)),
    "n": ("atlas_n", _number(int, latent.ATLAS_MIN_N, ATLAS_MAX_N)),
    "pseeds": ("atlas_seeds", _seeds_text(3, least=3)),
    "margin": ("atlas_margin", _multiple(0.0, 1.0, 0.05)),
    "centre": ("atlas_seed", _seed_text),
    "dirs": ("atlas_plane_seed", _seed_text),
    "row": ("atlas_row", _number(int, 0, ATLAS_MAX_N - 1)),  # shown clamped to the grid
    "col": ("atlas_column", _number(int, 0, ATLAS_MAX_N - 1)),
    "to": ("atlas_walk_to", _seed_text),
    "planes": ("atlas_planes", _int_text(1, MAX_LINK_PLANES)),
    "planes_n": ("atlas_planes_n", _number(int, 8, 32)),
    "planes_seed": ("atlas_planes_seed", _int_text(0, 2**31 - 1)),
    # Where it tears, VAE extras
    "walks": ("tears_pairs", lambda text: int(_choice(("32", "64", "128", "256"))(text))),
    "source": ("vae_source", _labelled(VAE_SOURCES)),
    "vseed": ("vae_gan_seed", _seed_text),
    "target": ("vae_target", _seed_text),
    "vmode": ("vae_mode", _choice(tuple(latent.INTERPOLATIONS))),
    "vsteps": ("vae_steps", _number(int, 2, 64)),
}
# How a widget's value is written into the link, where str() is not it.
WRITERS: dict[str, Callable[[object], str]] = {
    "section": lambda label: SLUG_OF_SECTION.get(label, label),
    **{name: (lambda on: "on" if on else "off") for name in ("gif", "rel", "prel")},
    "dims": lambda dims: ",".join(map(str, dims)),
    "space": lambda label: _slug(SPACES, label),
    "plane": lambda label: _slug(PLANES, label),
    "source": lambda label: _slug(VAE_SOURCES, label),
}


def _slug(labels: Mapping[str, str], label: object) -> str:
    return next((slug for slug, known in labels.items() if known == label), str(label))


def _short(text: str, most: int = 40) -> str:
    return text if len(text) <= most else f"{text[:most]}…"


def read(params: Mapping[str, str]) -> tuple[dict[str, object], dict[str, str], list[str]]:
    """Query parameters -> (widget values by key, model folder names by kind, notices)."""
    values: dict[str, object] = {}
    models: dict[str, str] = {}
    notices: list[str] = []
    for name, raw in params.items():
        text = raw[-1] if isinstance(raw, list) else str(raw)
        if name in MODEL_PARAMETERS:
            models[name] = text
            continue
        if name not in PARAMETERS:
            notices.append(f"Ignored the unknown link setting `{_short(name)}`.")
            continue
        key, check = PARAMETERS[name]
        try:
            values[key] = check(text)
        except ValueError as error:
            notices.append(f"Ignored `{name}={_short(text)}` from the link: {error}.")
    return values, models, notices


def write(values: Mapping[str, object], models: Mapping[str, str]) -> dict[str, str]:
    """Widget values by key (and chosen model folder names by kind) -> query parameters."""
    params = {}
    for name, (key, _check) in PARAMETERS.items():
        if key not in values:
            continue
        params[name] = WRITERS.get(name, str)(values[key])
    params.update({kind: str(folder) for kind, folder in models.items()})
    return params
