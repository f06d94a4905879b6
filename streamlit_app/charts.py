"""Altair charts for the discontinuity lab: per-step change along a walk with its jumps marked,
and the distribution of smoothness values over random paths."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

# The same colour for a model in every chart.
COLOURS = alt.Scale(domain=["GAN", "VAE"], range=["#d62728", "#1f77b4"])


def step_frame(walks: dict[str, dict]) -> pd.DataFrame:
    """Long-form table: one row per (model, step) with the change and whether it is a jump."""
    rows = []
    for name, walk in walks.items():
        jumps = set(walk["jumps"])
        median = walk["median_step"]
        for step, change in enumerate(walk["distances"]):
            rows.append(
                {
                    "model": name,
                    "step": step + 1,
                    "change": float(change),
                    "relative": float(change / median) if median > 0 else np.nan,
                    "jump": step in jumps,
                }
            )
    return pd.DataFrame(rows)


def step_chart(walks: dict[str, dict], relative: bool) -> alt.LayerChart:
    """Per-step change, GAN and VAE on one chart; jumps as large rings."""
    data = step_frame(walks)
    field = "relative" if relative else "change"
    title = (
        "change / the model's median step"
        if relative
        else "mean squared pixel change (images in [0, 1])"
    )
    base = alt.Chart(data).encode(
        x=alt.X("step:Q", title="step along the walk"),
        y=alt.Y(f"{field}:Q", title=title),
        color=alt.Color("model:N", scale=COLOURS),
        tooltip=[
            "model",
            "step",
            alt.Tooltip("change:Q", format=".3g"),
            alt.Tooltip("relative:Q", format=".2f"),
            "jump",
        ],
    )
    lines = base.mark_line(point=alt.OverlayMarkDef(size=20))
    jumps = base.transform_filter(alt.datum.jump).mark_point(size=160, strokeWidth=2.5)
    return (lines + jumps).properties(height=280)


def smoothness_frame(smooth: dict[str, dict]) -> pd.DataFrame:
    rows = []
    for name, result in smooth.items():
        median = result["median"]
        for value in result["values"]:
            rows.append(
                {
                    "model": name,
                    "value": float(value),
                    "relative": float(value / median) if median > 0 else np.nan,
                }
            )
    return pd.DataFrame(rows)


def smoothness_chart(smooth: dict[str, dict], relative: bool) -> alt.Chart:
    """Histograms of log10 smoothness per path, one row per model on a shared axis."""
    data = smoothness_frame(smooth)
    field = "relative" if relative else "value"
    data = data[data[field] > 0].assign(log10=lambda d: np.log10(d[field]))
    title = "log10(value / the model's median)" if relative else "log10(smoothness per path)"
    return (
        alt.Chart(data)
        .mark_bar(opacity=0.75)
        .encode(
            x=alt.X("log10:Q", bin=alt.Bin(maxbins=40), title=title),
            y=alt.Y("count():Q", title="paths"),
            color=alt.Color("model:N", scale=COLOURS),
            row=alt.Row("model:N", title=None),
        )
        .properties(height=120, width=640)  # faceted charts cannot take the container's width
    )
