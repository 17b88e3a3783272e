"""Cohort charts: distributions of communities, one community against its cohort, and the
survey indicators with their Wilson intervals."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from charts import style
from metrics import formats

METRICS = {
    "activation_rate": ("Activation rate", "Students activated (% of enrolled)", style.PCT, style.PCT_AXIS),
    "active_user_rate": ("Active-user rate", "Active students (% of enrolled)", style.PCT, style.PCT_AXIS),
    "circulation_growth": ("Circulation growth", "Change in circulation from the year before (%)", style.GROWTH, style.GROWTH_AXIS),
}


def distribution(table: pd.DataFrame, metric: str, highlight: str | None = None) -> go.Figure:
    """One box per cohort with every community as a point; the highlighted community (a slug)
    is marked and named."""
    name, axis, fmt, axis_fmt = METRICS[metric]
    title = f"{name}: cohort 1 and cohort 2 communities"
    df = table.dropna(subset=[metric])
    if df.empty:
        return style.empty(title, "No community has a figure for this.")
    fig = go.Figure()
    for i, (cohort, part) in enumerate(df.groupby("cohort")):
        fig.add_trace(go.Box(
            y=part[metric], x=[f"Cohort {cohort} ({len(part)} communities)"] * len(part),
            name=f"Cohort {cohort}", boxpoints="all", jitter=0.45, pointpos=0,
            # Points fully opaque (a faded point would fall under 3:1), each cohort its own symbol.
            marker=dict(size=6, color=style.COLORS[i], symbol=style.palette.symbol(i)), line=dict(color=style.COLORS[i]),
            fillcolor="rgba(0,0,0,0)", hovertext=part["label"], boxmean=False,
            hovertemplate=f"%{{hovertext}}: %{{y:{fmt}}}<extra></extra>",
        ))
    own = df[df["key"] == highlight] if highlight else df.iloc[0:0]
    if not own.empty:
        row = own.iloc[0]
        n = int((df["cohort"] == row["cohort"]).sum())
        x = f"Cohort {row['cohort']} ({n} communities)"
        text = f"{row['label']}: {_fmt(row[metric], fmt)}"
        fig.add_trace(go.Scatter(
            x=[x], y=[row[metric]], mode="markers", name=str(row["label"]), cliponaxis=False,
            marker=dict(symbol="star", size=18, color=style.HIGHLIGHT, line=dict(color="white", width=1)),
            hovertemplate=f"{text}<extra></extra>",
        ))
        # The label sits off to the side on an arrow, clear of the box's whiskers.
        fig.add_annotation(x=x, y=row[metric], text=f"<b>{text}</b>", showarrow=True, arrowhead=0,
                           ax=140, ay=-30, xanchor="left", font=dict(color=style.HIGHLIGHT, size=13),
                           bgcolor="rgba(255,255,255,0.9)", arrowcolor=style.HIGHLIGHT)
    style.layout(fig, title, "Cohort", axis, height=460)
    fig.update_yaxes(tickformat=axis_fmt)
    fig.update_layout(showlegend=False)
    return fig


def _fmt(v: float, fmt: str) -> str:
    return formats.growth(v) if fmt == style.GROWTH else formats.rate(v)


def comparison(cmp: pd.DataFrame, community: str) -> go.Figure:
    """Per metric, the cohort's interquartile range as a bar, its median as a tick and the
    community as a diamond (from metrics.cohort_comparison)."""
    cohort = int(cmp["cohort"].iloc[0]) if not cmp.empty else 0
    title = f"{community} against cohort {cohort}: median and quartiles"
    cmp = cmp.dropna(subset=["median"])  # e.g. no growth in the first year of data
    if cmp.empty:
        return style.empty(title, "No comparison available.")
    fig = make_subplots(rows=len(cmp), cols=1, vertical_spacing=0.2,
                        subplot_titles=[f"{METRICS[m][0]} (n = {n} communities)" for m, n in zip(cmp["metric"], cmp["n"])])
    for i, row in enumerate(cmp.itertuples(), start=1):
        name, _axis, fmt, axis_fmt = METRICS[row.metric]
        fig.add_trace(go.Bar(
            x=[row.q3 - row.q1], base=[row.q1], y=[""], orientation="h",
            # A light fill with a full-contrast outline: the band's edges are the mark.
            marker=dict(color=style.palette.BAND, line=dict(color=style.palette.ACCENT, width=1.5)),
            width=0.5, showlegend=i == 1, name="Cohort middle half (Q1 to Q3)",
            hovertemplate=f"Q1 %{{base:{fmt}}} to Q3 {_fmt(row.q3, fmt)}<extra></extra>",
        ), row=i, col=1)
        fig.add_trace(go.Scatter(
            x=[row.median], y=[""], mode="markers", showlegend=i == 1, name="Cohort median",
            marker=dict(symbol="line-ns", size=26, line=dict(width=3, color=style.COLORS[0])),
            hovertemplate=f"Median %{{x:{fmt}}}<extra></extra>",
        ), row=i, col=1)
        if pd.notna(row.value):
            fig.add_trace(go.Scatter(
                x=[row.value], y=[""], mode="markers+text", showlegend=i == 1, name=community,
                marker=dict(symbol="diamond", size=15, color=style.HIGHLIGHT),
                text=[_fmt(row.value, fmt)], textposition="top center", cliponaxis=False,
                hovertemplate=f"{community}: %{{x:{fmt}}}<extra></extra>",
            ), row=i, col=1)
        values = [v for v in (row.q1, row.q3, row.median, row.value) if pd.notna(v)]
        lo, hi = min(values), max(values)
        pad = (hi - lo) * 0.15 or 0.05
        fig.update_xaxes(tickformat=axis_fmt, range=[min(0, lo - pad), hi + pad], row=i, col=1)
    style.layout(fig, title, "", "", height=150 + 130 * len(cmp))
    fig.update_layout(legend=dict(y=-0.08))
    return fig


def survey(df: pd.DataFrame, wave: str) -> go.Figure:
    """Share of communities answering yes per question, with the Wilson 95% interval and n."""
    title = f"Survey, {wave}: share of communities answering yes"
    df = df.dropna(subset=["share_yes"]).sort_values("share_yes", ascending=False)
    if df.empty:
        return style.empty(title, "No answers to show.")
    labels = [style.wrap(q, 46) for q in df["question"]]
    fig = go.Figure(go.Bar(
        x=df["share_yes"], y=labels, orientation="h", marker_color=style.COLORS[2],
        error_x=dict(type="data", symmetric=False, array=df["ci_high"] - df["share_yes"],
                     arrayminus=df["share_yes"] - df["ci_low"], color=style.palette.TEXT, thickness=1.5, width=6),
        customdata=df[["yes", "n", "ci_low", "ci_high"]].astype(object).to_numpy(),
        hovertemplate="%{y}<br>%{x:.1%} yes (%{customdata[0]} of %{customdata[1]} communities)"
                      "<br>95% interval %{customdata[2]:.1%} to %{customdata[3]:.1%}<extra></extra>",
    ))
    # Each share and its n is written just past the interval's upper end, so that text and
    # whisker never overlap.
    for label, p, n, high in zip(labels, df["share_yes"], df["n"], df["ci_high"]):
        fig.add_annotation(x=high, y=label, text=f"<b>{formats.rate(p)}</b> (n = {n})", showarrow=False,
                           xanchor="left", xshift=8, font=dict(size=13))
    style.layout(fig, title, "Communities answering yes (%), with 95% Wilson interval", "",
                 height=140 + 64 * len(df))
    fig.update_xaxes(tickformat=style.PCT_AXIS, range=[0, 1.2], tickvals=[0, 0.2, 0.4, 0.6, 0.8, 1.0])
    fig.update_yaxes(autorange="reversed")
    return fig
