"""Every school year at once: a scope's rate against its cohort's median and middle half, and
schools of one community side by side."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts import palette, style
from charts.cohorts import METRICS
from metrics import formats


def trend(df: pd.DataFrame, metric: str, name: str, cohort: str) -> go.Figure:
    """One metric of metrics.headline_trend over the school years: the scope's line (labelled
    with each value), the cohort's median dashed, and its lower-to-upper quartile band."""
    label, axis, fmt, axis_fmt = METRICS[metric]
    title = f"{label}, every school year: {name} against {cohort}'s communities"
    part = df[df["metric"] == metric].sort_values("school_year")
    if part.empty or (part["value"].isna().all() and part["median"].isna().all()):
        return style.empty(title, "No figures to show.")
    years = part["school_year"].tolist()
    fig = go.Figure()
    band = part.dropna(subset=["q1", "q3"])
    if len(band):
        # The band between the two quartile lines is the cohort's middle half.
        fig.add_trace(go.Scatter(x=band["school_year"], y=band["q3"], mode="lines", name=f"{cohort}: upper quartile",
                                 line=dict(color=palette.ACCENT, width=1, dash="dot"),
                                 hovertemplate=f"%{{x}}: upper quartile %{{y:{fmt}}}<extra></extra>"))
        fig.add_trace(go.Scatter(
            x=band["school_year"], y=band["q1"], mode="lines", fill="tonexty", fillcolor=palette.BAND,
            line=dict(color=palette.ACCENT, width=1), name=f"{cohort}: lower quartile",
            hovertemplate=f"%{{x}}: lower quartile %{{y:{fmt}}}<extra></extra>"))
        fig.add_trace(go.Scatter(
            x=band["school_year"], y=band["median"], mode="lines+markers", name=f"{cohort}: median",
            line=dict(color=palette.PRIOR, width=2, dash="dash"), marker=dict(symbol="square", size=7, color=palette.PRIOR),
            hovertemplate=f"%{{x}}: median %{{y:{fmt}}}<extra></extra>"))
    own = part.dropna(subset=["value"])
    if len(own):
        fig.add_trace(go.Scatter(
            x=own["school_year"], y=own["value"], mode="lines+markers+text", name=name,
            line=dict(color=palette.HIGHLIGHT, width=3), marker=dict(size=9, color=palette.HIGHLIGHT),
            text=[formats.rate(v) for v in own["value"]], textposition="top center", cliponaxis=False,
            textfont=dict(color=palette.HIGHLIGHT, size=13),
            hovertemplate=f"{name}, %{{x}}: %{{y:{fmt}}}<extra></extra>"))
    style.layout(fig, title, "School year (July to June)", axis, height=400)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=years)
    fig.update_yaxes(tickformat=axis_fmt, rangemode="tozero")
    return fig


def schools_side_by_side(df: pd.DataFrame, metric: str, community: str) -> go.Figure:
    """metrics.schools_over_years: one line per school over the school years, each with its own
    colour, dash and marker; the last value labelled at the line's end."""
    label, axis, fmt, axis_fmt = METRICS[metric]
    title = f"{label} by school, every school year: {community}"
    df = df.dropna(subset=[metric])
    if df.empty:
        return style.empty(title, "No figures to show for the schools picked (small counts are not shown).")
    years = sorted(df["school_year"].unique())
    fig = go.Figure()
    for i, (school, part) in enumerate(df.sort_values("school_year").groupby("label", sort=True)):
        fig.add_trace(go.Scatter(
            x=part["school_year"], y=part[metric], name=str(school), mode="lines+markers",
            line=dict(color=palette.color(i), width=2, dash=palette.dash(i)),
            marker=dict(size=8, symbol=palette.symbol(i), color=palette.color(i)),
            hovertemplate=f"{school}, %{{x}}: %{{y:{fmt}}}<extra></extra>"))
    style.layout(fig, title, "School year (July to June)", axis, height=420, legend_title="School")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=years)
    fig.update_yaxes(tickformat=axis_fmt, rangemode="tozero")
    return fig
