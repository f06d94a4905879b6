"""Altair charts for the discontinuity lab and the atlas: per-step change along a walk with its
jumps marked, the distribution of smoothness values over random paths, the atlas maps, spectra and
planes; and each chart's spec apart from its rows, the way the app sends them to the page."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

# The same colour for a model in every chart.
COLOURS = alt.Scale(domain=["GAN", "VAE"], range=["#d62728", "#1f77b4"])


def spec_and_data(chart: alt.TopLevelMixin) -> tuple[dict, pd.DataFrame]:
    """The chart's Vega-Lite spec without its rows, and the rows: what ``st.vega_lite_chart(data,
    spec)`` takes. Every field in such a chart carries its type (``"model:N"``), as the spec is
    made without the rows to infer types from.

    Why not ``st.altair_chart``: Streamlit 1.45 names an Altair chart's rows by a hash of their
    contents and writes that name into the spec, so new numbers make a new spec. Its frontend then
    builds a new Vega view and, before it has read the new element's data sets, inserts the ones
    it kept from the last run, under the old hash, which the new view does not have: Vega throws
    "Unrecognized data set: <old hash>" on every redraw with new numbers, whatever the numbers
    (streamlit/streamlit#11906, fixed upstream by #11911, after 1.45). Rows sent unnamed go to
    the one data set every such view has, so the spec stays the same when only the numbers
    change, and the view is updated in place.
    """
    spec_only = chart.copy(deep=False)
    spec_only.data = alt.NamedData(name="rows")  # a stand-in, removed below
    # Streamlit brings its own theme: Altair's default one (a 300 px view size) is turned off,
    # as st.altair_chart does.
    with alt.theme.enable("none"):
        spec = spec_only.to_dict()
    del spec["data"]
    return spec, chart.data


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


def step_chart(
    walks: dict[str, dict], relative: bool, threshold: float | None = None, height: int = 280
) -> alt.LayerChart:
    """Per-step change, GAN and VAE on one chart; jumps as large rings; with ``threshold`` (a
    relative chart's jump factor), the dashed line above which a step is a jump."""
    data = step_frame(walks)
    field = "relative" if relative else "change"
    title = "change ÷ median step" if relative else "mean squared pixel change (images in [0, 1])"
    base = alt.Chart(data).encode(
        x=alt.X("step:Q", title="step along the walk"),
        y=alt.Y(f"{field}:Q", title=title),
        color=alt.Color("model:N", scale=COLOURS),
        tooltip=[
            "model:N",
            "step:Q",
            alt.Tooltip("change:Q", format=".3g"),
            alt.Tooltip("relative:Q", format=".2f"),
            "jump:N",
        ],
    )
    lines = base.mark_line(point=alt.OverlayMarkDef(size=20))
    jumps = base.transform_filter(alt.datum.jump).mark_point(size=160, strokeWidth=2.5)
    chart = lines + jumps
    if threshold is not None and relative:
        # On the chart's own rows (one data set for the whole chart, as show_chart sends it).
        # One mark each, not one a row (the rows drawn on top of each other smear the label).
        one = alt.Chart(data).transform_aggregate(rows="count()")
        rule = one.mark_rule(strokeDash=[4, 4], color="#9aa59e")
        text = one.mark_text(align="right", dy=-7, color="#5f6b64")
        label = f"jump: over {threshold:g}× the median"
        chart += rule.encode(y=alt.datum(threshold)) + text.encode(
            x=alt.datum(float(data["step"].max())), y=alt.datum(threshold), text=alt.value(label)
        )
    return chart.properties(height=height)


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


def atlas_map_chart(
    log_values: np.ndarray,
    marks: list[tuple[float, float]],
    labels: list[str],
    domain: tuple[float, float],
    picked: tuple[int, int] | None = None,
    size: int = 320,
) -> alt.Chart:
    """One model's map as N x N cells on the shared log colour scale (row 0 at the top). The cells
    holding a seed are outlined in white, the picked cell in red; clicking a cell selects it (the
    selection named "cell"). One plain chart: Streamlit takes selections from no layered chart."""
    n = log_values.shape[0]
    rows, columns = np.indices(log_values.shape)
    seeds = {}
    for (row, column), label in zip(marks, labels, strict=True):
        cell = (min(int(row), n - 1), min(int(column), n - 1))
        seeds[cell] = f"{seeds[cell]}, {label}" if cell in seeds else label
    cells = pd.DataFrame(
        {
            "row": rows.ravel(),
            "column": columns.ravel(),
            "row_end": rows.ravel() + 1,
            "column_end": columns.ravel() + 1,
            "log10": log_values.ravel(),
            "times median": 10 ** log_values.ravel(),
            "seed": [
                seeds.get((r, c), "") for r, c in zip(rows.ravel(), columns.ravel(), strict=True)
            ],
        }
    )
    cells["outline"] = np.where(cells["seed"] != "", "seed", "none")
    if picked is not None:
        at = (cells["row"] == picked[0]) & (cells["column"] == picked[1])
        cells.loc[at, "outline"] = "picked"
    x_scale = alt.Scale(domain=[0, n], nice=False)
    y_scale = alt.Scale(domain=[0, n], nice=False, reverse=True)
    pick = alt.selection_point(name="cell", fields=["row", "column"], on="click")
    return (
        alt.Chart(cells)
        .mark_rect(strokeWidth=2.5)
        .encode(
            x=alt.X("column:Q", scale=x_scale, title="column"),
            x2="column_end:Q",
            y=alt.Y("row:Q", scale=y_scale, title="row"),
            y2="row_end:Q",
            color=alt.Color(
                "log10:Q",
                scale=alt.Scale(scheme="viridis", domain=list(domain), clamp=True),
                title="log10(× median)",
            ),
            stroke=alt.Stroke(
                "outline:N",
                scale=alt.Scale(
                    domain=["seed", "picked", "none"], range=["white", "red", "transparent"]
                ),
                legend=None,
            ),
            tooltip=["row", "column", alt.Tooltip("times median:Q", format=".2f"), "seed"],
        )
        .add_params(pick)
        .properties(width=size, height=size)
    )


def spectrum_chart(spectra: dict[str, np.ndarray]) -> alt.Chart:
    """Sorted singular values of the full Jacobian, divided by each model's largest (log y)."""
    rows = [
        {"model": name, "rank": i + 1, "σ / σ₁": float(v / values[0]), "σ": float(v)}
        for name, values in spectra.items()
        if values[0] > 0
        for i, v in enumerate(values)
    ]
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_line(point=True)
        .encode(
            x=alt.X("rank:Q", title="singular value, largest first"),
            y=alt.Y("σ / σ₁:Q", scale=alt.Scale(type="log"), title="σ / the largest σ"),
            color=alt.Color("model:N", scale=COLOURS),
            tooltip=["model:N", "rank:Q", alt.Tooltip("σ:Q", format=".3g")],
        )
        .properties(height=240)
    )


def planes_chart(summaries: dict[str, list[dict]]) -> alt.Chart:
    """p99 / median of each random plane's map, one dot per plane, per model (log x)."""
    rows = [
        {
            "model": name,
            "p99 / median": s["p99_over_median"],
            "cliff share": s["cliff_share"],
            "plane": f"seed {s['seed']}, plane seed {s['plane_seed']}",
        }
        for name, planes in summaries.items()
        for s in planes
        if np.isfinite(s["p99_over_median"])
    ]
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_point(size=80, filled=True, opacity=0.7)
        .encode(
            x=alt.X("p99 / median:Q", scale=alt.Scale(type="log"), title="p99 / median of a plane"),
            y=alt.Y("model:N", title=None),
            color=alt.Color("model:N", scale=COLOURS, legend=None),
            tooltip=[
                "model:N",
                "plane:N",
                alt.Tooltip("p99 / median:Q", format=".2f"),
                "cliff share:Q",
            ],
        )
        .properties(height=110)
    )


def transition_frame(figures: dict) -> pd.DataFrame:
    """Long-form rows of each model's end-class probability across the class switch (median and
    quartiles at offsets from the middle of each walk's band)."""
    rows = []
    for name, model in figures["models"].items():
        curve = model.get("transition_curve") or {}
        for offset, median, q25, q75 in zip(
            curve.get("offset", []),
            curve.get("median", []),
            curve.get("q25", []),
            curve.get("q75", []),
            strict=False,
        ):
            rows.append({"model": name, "offset": offset, "median": median, "q25": q25, "q75": q75})
    return pd.DataFrame(rows, columns=["model", "offset", "median", "q25", "q75"])


def transition_chart(figures: dict, height: int = 180) -> alt.LayerChart:
    """The at-a-glance picture: a tearing model's probability of the end class jumps from 0 to 1
    at the middle; a smooth one ramps. Quartile bands behind the medians."""
    data = transition_frame(figures)
    x = alt.X(
        "offset:Q",
        title="t, from the middle of each walk's class switch",
        scale=alt.Scale(domain=[-0.5, 0.5]),
    )
    colour = alt.Color("model:N", scale=COLOURS, title=None)
    band = (
        alt.Chart(data)
        .mark_area(opacity=0.2)
        .encode(x=x, y=alt.Y("q25:Q", title="P(end class)"), y2="q75:Q", color=colour)
    )
    line = (
        alt.Chart(data)
        .mark_line(strokeWidth=3)
        .encode(
            x=x,
            y=alt.Y("median:Q", scale=alt.Scale(domain=[0, 1])),
            color=colour,
            tooltip=["model:N", "offset:Q", "median:Q"],
        )
    )
    return (band + line).properties(height=height)


def width_chart(rows: list[dict], height: int = 110) -> alt.LayerChart:
    """Median transition width with its 95 % interval, one bar per model (narrow = tearing)."""
    data = pd.DataFrame(rows, columns=["model", "width", "low", "high"])
    y = alt.Y("model:N", title=None)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("width:Q", title="class-switch width (share of the walk)"),
            y=y,
            color=alt.Color("model:N", scale=COLOURS, legend=None),
        )
    )
    whiskers = alt.Chart(data).mark_rule(strokeWidth=2).encode(x="low:Q", x2="high:Q", y=y)
    return (bars + whiskers).properties(height=height)
