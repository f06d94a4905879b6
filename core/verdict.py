"""The tear figures of a GAN and a VAE on one data set, and the verdict sentence built from them.

``measure`` runs every figure of core/tearing.py on the models with the same latents and
budgets; ``verdict`` turns the figures into the one sentence both front ends open with. The
sentence follows the numbers: "far more abruptly" only where the GAN's band is clearly narrower
or its steepest stretch clearly steeper, "barely" where the difference is small or mixed, and says
so when the VAE is the one that jumps. It says "tears" only where the tear search found a place
whose change survives zooming in (core/tearing.is_tear); a steep but smooth slope is a slope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from . import tearing


@dataclass(frozen=True)
class Settings:
    samples: int = 4096  # prior samples per model: class mass, and the pool of walk ends
    pairs: int = 512  # cross-class walks per model
    steps: int = 256  # steps per walk (the transition width's resolution is 1 / steps)
    paths: int = 128  # random paths for the tail statistics
    path_steps: int = 64
    tear_budget: int = 2048  # generator calls for the tear search
    seed: int = 0

    @classmethod
    def quick(cls) -> Settings:
        """A few seconds per model on 2 cores: for the app's live re-measure."""
        return cls(samples=1024, pairs=64, steps=64, paths=32, path_steps=32, tear_budget=512)


def measure_model(
    generate: tearing.Generate,
    judge: tearing.Judge,
    latent_dim: int,
    classes: tuple[int, ...] | None,
    settings: Settings | None = None,
    real: tuple[np.ndarray, np.ndarray] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Every figure for one model. ``classes``: the judge's indices of the data set's classes
    (walk ends are drawn among them; None for any class); ``real``: the real images' judge
    features and k-NN radii, for the share of samples off the data's support."""
    settings = settings or Settings()
    say = progress or (lambda _text: None)
    rng = np.random.default_rng(settings.seed)
    latents = rng.standard_normal((settings.samples, latent_dim)).astype(np.float32)
    say("judging samples")
    features, probabilities = _judge_all(generate, judge, latents)
    figures: dict = {"samples": settings.samples}
    if probabilities is not None:
        figures["between_class"] = tearing.between_class_mass(probabilities, seed=settings.seed)
        pairs = tearing.cross_class_pairs(
            probabilities, settings.pairs, classes, seed=settings.seed
        )
        if len(pairs):
            say(f"walking {len(pairs)} cross-class pairs")
            end_class = np.argmax(probabilities[pairs[:, 1]], axis=1)
            walks = tearing.transition_walks(
                generate,
                judge,
                latents[pairs[:, 0]],
                latents[pairs[:, 1]],
                end_class,
                settings.steps,
            )
            figures["transitions"] = tearing.summarise_transitions(walks, settings.seed)
            figures["transition_curve"] = tearing.mean_curve(walks)
    if real is not None:
        figures["outside_real"] = tearing.outside_real_balls(features, *real, seed=settings.seed)
    say("random paths")
    steps = tearing.random_path_steps(
        generate, judge, latent_dim, settings.paths, settings.path_steps, settings.seed
    )
    figures["tails"] = tearing.tail_statistics(steps)
    say("searching for tears")
    figures["tears"] = tearing.find_tears(
        generate, judge, latent_dim, settings.tear_budget, seed=settings.seed
    )
    return figures


def _judge_all(generate, judge, latents, batch_size: int = 1024):
    features, probabilities = [], []
    for first in range(0, len(latents), batch_size):
        f, p = judge(generate(latents[first : first + batch_size]))
        features.append(np.asarray(f, np.float64))
        probabilities.append(None if p is None else np.asarray(p, np.float64))
    if probabilities[0] is None:
        return np.concatenate(features), None
    return np.concatenate(features), np.concatenate(probabilities)


def measure(
    generators: dict[str, tearing.Generate],
    judge: tearing.Judge,
    latent_dim: int,
    classes: tuple[int, ...] | None,
    settings: Settings | None = None,
    real: tuple[np.ndarray, np.ndarray] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """``measure_model`` for every model ("GAN", "VAE") with the same settings."""
    settings = settings or Settings()
    models = {}
    for name, generate in generators.items():
        say = (lambda text, n=name: progress(f"{n}: {text}")) if progress else None
        models[name] = measure_model(generate, judge, latent_dim, classes, settings, real, say)
    return {"settings": asdict(settings), "models": models}


# ---------------------------------------------------------------------------------------------
# The verdict
# ---------------------------------------------------------------------------------------------

CLEAR, WEAK = 2.0, 1.2  # ratios (VAE width / GAN width, GAN stretch / VAE stretch) that count


def _width(figures: dict) -> tuple[float, list[float]] | None:
    transitions = figures.get("transitions")
    if not transitions or not transitions.get("switching"):
        return None
    return transitions["width_median"], transitions["width_median_ci"]


def _steepest(figures: dict) -> dict | None:
    """The steepest place the tear search found (a tear or a steep slope), or None."""
    places = (figures.get("tears") or {}).get("tears") or []
    return places[0] if places else None


def _torn(figures: dict) -> bool:
    return any(tearing.is_tear(place) for place in (figures.get("tears") or {}).get("tears") or [])


def evidence(figures: dict) -> dict:
    """How the GAN compares with the VAE on each figure: "clear", "weak", "none" or "opposite"
    (the VAE is the one that jumps), with the ratio behind it."""
    gan, vae = figures["models"].get("GAN", {}), figures["models"].get("VAE", {})
    found = {}
    gan_width, vae_width = _width(gan), _width(vae)
    if gan_width and vae_width and gan_width[0] > 0:
        ratio = vae_width[0] / gan_width[0]
        apart = gan_width[1][1] < vae_width[1][0] or vae_width[1][1] < gan_width[1][0]
        found["width"] = {"ratio": ratio, "call": _call(ratio, apart)}
    gan_steep, vae_steep = _steepest(gan), _steepest(vae)
    if gan_steep and vae_steep and vae_steep["stretch_over_typical"] > 0:
        ratio = gan_steep["stretch_over_typical"] / vae_steep["stretch_over_typical"]
        found["steepest"] = {"ratio": ratio, "call": _call(ratio, True)}
    gan_tail, vae_tail = gan.get("tails"), vae.get("tails")
    if gan_tail and vae_tail and vae_tail["p999_over_median"] > 0:
        ratio = gan_tail["p999_over_median"] / vae_tail["p999_over_median"]
        found["tail"] = {"ratio": ratio, "call": _call(ratio, True)}
    return found


def _call(ratio: float, apart: bool) -> str:
    if ratio >= CLEAR and apart:
        return "clear"
    if ratio > WEAK and apart:
        return "weak"
    if ratio < 1 / WEAK and apart:
        return "opposite"
    return "none"


def _fmt(value: float) -> str:
    return f"{value:.2f}" if value < 0.995 else f"{value:.1f}"


def _times(value: float) -> str:
    return f"{value:.1f}×" if value < 10 else f"{value:.0f}×"


def _steepest_clause(gan: dict, vae: dict) -> str:
    """The GAN's steepest place, beside the VAE's, named for what the zoom found: a tear only
    when its change survived the zoom (core/tearing.TEAR_KEPT), a slope otherwise."""
    steep, other = _steepest(gan), _steepest(vae)
    zoom = tearing.zoom_factor(gan["tears"])
    kept = steep.get("change_kept")
    versus = f"(VAE {_times(other['stretch_over_typical'])})"
    if tearing.is_tear(steep):
        return (
            f"its steepest place found is a tear, {_times(steep['stretch_over_typical'])} its "
            f"median stretch {versus}, keeping {kept:.0%} of its change zoomed in {zoom}×"
        )
    shown = (
        f": zoomed in {zoom}×, it keeps {kept:.1%} of its change (a tear keeps half or more)"
        if kept and zoom
        else ""
    )
    return (
        f"its steepest stretch found is {_times(steep['stretch_over_typical'])} its median "
        f"{versus}, a steep slope, not a tear{shown}"
    )


def verdict(figures: dict, label: str) -> dict:
    """The sentence (and its one-word call: "clear", "barely", "no", "opposite") for the data set
    ``label`` (e.g. "two classes (frog, automobile)") from ``measure``'s figures. It says "tears"
    only where the tear search found a place whose change survives the zoom; steep but smooth
    slopes are called slopes."""
    calls = {name: item["call"] for name, item in evidence(figures).items()}
    values = set(calls.values())
    gan, vae = figures["models"].get("GAN", {}), figures["models"].get("VAE", {})
    torn = _torn(gan) and not _torn(vae)
    if "clear" in values and "opposite" not in values:
        call = "clear"
        lead = (
            f"On {label}, the GAN tears where the VAE ramps"
            if torn
            else f"On {label}, the GAN changes far more abruptly than the VAE"
        )
    elif values <= {"none"}:
        call, lead = "no", f"On {label}, the GAN changes no more abruptly than the VAE"
    elif "opposite" in values and not values & {"clear", "weak"}:
        call, lead = "opposite", f"On {label}, the VAE changes more abruptly than the GAN"
    else:
        call, lead = "barely", f"On {label}, the GAN changes barely more abruptly than the VAE"
    details = []
    gan_width, vae_width = _width(gan), _width(vae)
    if gan_width and vae_width:
        details.append(
            f"it switches class within a band of {_fmt(gan_width[0])} of the walk "
            f"(VAE {_fmt(vae_width[0])})"
        )
    elif gan_width or vae_width:
        silent = "VAE" if gan_width else "GAN"
        details.append(f"the {silent}'s samples are too seldom clearly of a class to walk between")
    if _steepest(gan) and _steepest(vae):
        details.append(_steepest_clause(gan, vae))
    if not details and gan.get("tails") and vae.get("tails"):
        details.append(
            f"its 99.9th-percentile step is {_times(gan['tails']['p999_over_median'])} its "
            f"median (VAE {_times(vae['tails']['p999_over_median'])})"
        )
    sentence = lead + (": " + "; ".join(details) if details else "") + "."
    return {"call": call, "tears_found": torn, "sentence": sentence, "evidence": calls}
