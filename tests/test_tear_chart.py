"""The class-switch chart of models/recipes/measure_tears.py shows every model's median line, even where
another model's quartile band lies over it."""

from __future__ import annotations

import importlib.util

import numpy as np
from PIL import Image

from tests.support import REPO


def _module():
    spec = importlib.util.spec_from_file_location(
        "measure_tears", REPO / "models/recipes/measure_tears.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _curve(median, spread):
    offsets = np.linspace(-0.5, 0.5, 65)
    values = np.array([median(t) for t in offsets])
    return {
        "offset": offsets.tolist(),
        "median": values.tolist(),
        "q25": np.clip(values - spread, 0, 1).tolist(),
        "q75": np.clip(values + spread, 0, 1).tolist(),
    }


def test_a_later_models_band_does_not_hide_an_earlier_models_line(tmp_path):
    module = _module()
    figures = {
        "models": {
            # the GAN's step lies wholly inside the VAE's wide band, drawn after it
            "GAN": {
                "transition_curve": _curve(lambda t: 0.2 if t < 0 else 0.8, 0.02),
                "transitions": {"width_median": 0.05},
            },
            "VAE": {
                "transition_curve": _curve(lambda t: 0.5 + 0.6 * t, 0.45),
                "transitions": {"width_median": 0.6},
            },
        }
    }
    path = tmp_path / "chart.png"
    module.curve_png(figures, "test", path)
    pixels = np.asarray(Image.open(path).convert("RGB")).astype(int)
    red, blue = module.COLOURS["GAN"], module.COLOURS["VAE"]

    def near(colour):
        return (np.abs(pixels - np.array(colour)).sum(axis=2) < 40).sum()

    # the GAN's line: two flat runs of about a third of the plot each, three pixels thick
    assert near(red) > 400, f"the GAN's median line is hidden ({near(red)} red pixels)"
    assert near(blue) > 200
