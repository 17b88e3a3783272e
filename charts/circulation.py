"""Circulation charts: monthly lines, growth on the year before, hotspot lending."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts import style
from metrics import formats


def monthly_lines(df: pd.DataFrame, year: str, prior_year: str, breakdown_title: str) -> go.Figure:
    """Monthly circulation per category over the year before and the school year."""
    title = f"Monthly circulation by {breakdown_title.lower()}, {prior_year} and {year}"
    if df.empty:
        return style.empty(title, "No circulation in these two years.")
    df = df.assign(label=df["label"].map(formats.label))   # platform codes in plain words
    fig = style.monthly_lines(df, "label", "circulation", "checkouts and renewals", year)
    style.layout(fig, title, "Month", "Checkouts and renewals per month", legend_title=breakdown_title)
    fig.update_yaxes(tickformat=style.COUNT, rangemode="tozero")
    return fig


def growth_bars(df: pd.DataFrame, year: str, prior_year: str, breakdown_title: str) -> go.Figure:
    """Circulation growth on the year before per category, largest first; categories without a
    base the year before (or hidden as small) are left out rather than shown as infinite."""
    title = f"Circulation growth by {breakdown_title.lower()}, {year} {formats.since(prior_year)}"
    shown = df.dropna(subset=["growth"]).sort_values("growth", ascending=False)
    if shown.empty:
        return style.empty(title, f"No growth to show: nothing comparable in {prior_year}.")
    labels = [style.wrap(formats.label(v), 44) for v in shown["label"]]
    fig = go.Figure(go.Bar(
        x=shown["growth"], y=labels, orientation="h",
        marker_color=[style.COLORS[0] if g >= 0 else style.COLORS[3] for g in shown["growth"]],
        text=[formats.growth(g) for g in shown["growth"]], textposition="outside", cliponaxis=False,
        customdata=shown[["circulation", "prior_circulation"]].astype(object).to_numpy(),
        hovertemplate=f"%{{y}}<br>%{{x:{style.GROWTH}}}: %{{customdata[1]:,}} in {prior_year} → "
                      f"%{{customdata[0]:,}} in {year}<extra></extra>",
    ))
    style.layout(fig, title, f"Change in circulation {formats.since(prior_year)} (%)", breakdown_title,
                 height=max(260, 100 + 30 * len(shown)))
    lo, hi = float(min(shown["growth"].min(), 0)), float(max(shown["growth"].max(), 0))
    pad = (hi - lo) * 0.2 or 0.1
    fig.update_xaxes(tickformat=style.GROWTH_AXIS, range=[lo - (pad if lo < 0 else 0), hi + pad],
                     zeroline=True, zerolinecolor=style.palette.AXIS)
    fig.update_yaxes(autorange="reversed")
    return fig


def hotspot_bars(df: pd.DataFrame) -> go.Figure:
    """Hotspot loans and unique borrowers, the year before and the school year."""
    title = "Hotspot lending: loans and unique borrowers"
    if df.empty or df[["loans", "borrowers"]].fillna(0).to_numpy().sum() == 0:
        return style.empty(title, "No hotspot loans in these two years.")
    fig = go.Figure()
    for i, (col, name) in enumerate([("loans", "Hotspot loans"), ("borrowers", "Unique borrowers")]):
        values = df[col].astype("Float64")
        fig.add_trace(go.Bar(
            x=df["school_year"], y=values.fillna(0), name=name,
            marker=dict(color=style.COLORS[i], pattern=dict(shape=style.palette.pattern(i), fgcolor="white")),
            text=["<10" if pd.isna(v) else f"{int(v):,}" for v in values], textposition="outside",
            cliponaxis=False, hovertemplate=f"{name}, %{{x}}: %{{text}}<extra></extra>",
        ))
    style.layout(fig, title, "School year", "Loans / borrowers", height=360)
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=style.COUNT, rangemode="tozero")
    fig.update_xaxes(type="category")
    return fig
