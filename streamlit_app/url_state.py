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
}
SLUG_OF_SECTION = {label: slug for slug, label in SECTIONS.items()}
MAX_PATHS = 4096  # the lab's widget
MIN_PATHS = 8
# A link is opened by whoever follows it, and the lab measures at once: at most this many paths
# from a link (4,096 paths of a 32-waypoint walk cost ~25 s of server CPU per visit). More can
# be chosen on the page itself.
MAX_LINK_PATHS = 512


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


def _paths(text: str) -> str:
    try:
        _number(int, MIN_PATHS, MAX_LINK_PATHS)(text)
    except ValueError as error:
        raise ValueError(f"{error} in a link (more can be chosen on the page)") from None
    return str(int(text))


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
}
MODEL_PARAMETERS = ("gan", "vae")  # folder names; resolved against the models found


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
        value = values[key]
        params[name] = SLUG_OF_SECTION.get(value, value) if name == "section" else str(value)
    params.update({kind: str(folder) for kind, folder in models.items()})
    return params
