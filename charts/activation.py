"""Activation charts: the cumulative curve against the year before, and rates by category."""
from __future__ import annotations


import pandas as pd
import plotly.graph_objects as go

from charts import style
from metrics import formats

LABEL_ROWS = 4          # campaign labels are stacked on this many rows above the plot
ROW_HEIGHT = 0.075      # in plot-height units


def _year_bounds(year: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = int(year[:4])
    return pd.Timestamp(start, 7, 1), pd.Timestamp(start + 1, 6, 30)


def activation_curve(weekly: pd.DataFrame, campaigns: pd.DataFrame | None, year: str, prior_year: str) -> go.Figure:
    """Cumulative share of enrolled students activated, week by week, for the year and the year
    before (shifted by 52 weeks onto the same calendar), with campaigns marked on the timeline."""
    title = f"Cumulative activation through {year}, against {prior_year}"
    cur = weekly[weekly["school_year"] == year]
    if cur.empty:
        return style.empty(title, f"No activation figures for {year}.")
    fig = go.Figure()
    prior = weekly[weekly["school_year"] == prior_year]
    if not prior.empty:
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(prior["week_start"]) + pd.Timedelta(weeks=52), y=prior["activation_rate"],
            customdata=prior[["week_start", "activated"]].astype(object).to_numpy(),
            mode="lines", name=f"{prior_year} (same weeks a year earlier)",
            line=dict(color=style.PRIOR, width=2, dash="dash"),
            hovertemplate=f"{prior_year}, week of %{{customdata[0]|%b %-d, %Y}}<br>%{{y:{style.PCT}}} of enrolled"
                          "<br>%{customdata[1]:,} students<extra></extra>",
        ))
    fig.add_trace(go.Scatter(
        x=pd.to_datetime(cur["week_start"]), y=cur["activation_rate"],
        customdata=cur[["activated"]].astype(object).to_numpy(), mode="lines", name=year,
        line=dict(color=style.COLORS[0], width=3),
        hovertemplate=f"{year}, week of %{{x|%b %-d, %Y}}<br>%{{y:{style.PCT}}} of enrolled"
                      "<br>%{customdata[0]:,} students<extra></extra>",
    ))
    rows = add_campaigns(fig, campaigns, *_year_bounds(year))
    style.layout(fig, title, "Week of the school year", "Students activated (% of enrolled)",
                 height=460, top=80 + 24 * rows)
    fig.update_yaxes(tickformat=style.PCT_AXIS, range=[0, 1])
    fig.update_xaxes(tickformat="%b %Y", dtick="M1", range=list(_year_bounds(year)))
    return fig


def add_campaigns(fig: go.Figure, campaigns: pd.DataFrame | None, start: pd.Timestamp, end: pd.Timestamp) -> int:
    """A dotted line at each campaign's start (a shaded band to its end), labelled above the
    plot; labels go on successive rows so that neighbouring dates never overlap.
    Returns the number of label rows used."""
    if campaigns is None or campaigns.empty:
        return 0
    shown = campaigns.assign(start_date=pd.to_datetime(campaigns["start_date"]),
                             end_date=pd.to_datetime(campaigns["end_date"]))
    shown = shown[(shown["start_date"] >= start) & (shown["start_date"] <= end)].sort_values("start_date")
    for i, row in enumerate(shown.itertuples()):
        level = i % LABEL_ROWS
        x0 = row.start_date
        if pd.notna(row.end_date) and row.end_date > x0:
            fig.add_vrect(x0=x0, x1=min(row.end_date, end), fillcolor=style.palette.CAMPAIGN, opacity=0.08,
                          line_width=0, layer="below")
        fig.add_shape(type="line", x0=x0, x1=x0, xref="x", y0=0, y1=1 + ROW_HEIGHT * level, yref="paper",
                      line=dict(color=style.palette.CAMPAIGN, width=1.5, dash="dot"))
        when = formats.date(x0)
        fig.add_annotation(x=x0, xref="x", y=1 + ROW_HEIGHT * level, yref="paper", yanchor="bottom",
                           xanchor="left" if x0 < start + (end - start) * 0.7 else "right",
                           text=f"{when}: {style.shorten(row.title, 44)}", hovertext=row.title,
                           showarrow=False, font=dict(size=12, color=style.palette.CAMPAIGN_TEXT),
                           bgcolor="rgba(255,255,255,0.9)")
    return min(len(shown), LABEL_ROWS)


def rate_bars(df: pd.DataFrame, rate: str, title: str, category_title: str, rate_title: str,
              order: list[str] | None = None) -> go.Figure:
    """A horizontal bar per category with its rate written on the bar's end."""
    df = df.dropna(subset=[rate])
    if df.empty:
        return style.empty(title, "Nothing to show (small numbers are not shown).")
    labels = [style.wrap(v, 30) for v in df["label"]]
    fig = go.Figure(go.Bar(
        x=df[rate], y=labels, orientation="h", marker_color=style.COLORS[0],
        text=[formats.rate(v) for v in df[rate]], textposition="outside", cliponaxis=False,
        customdata=df[["enrolled"]].astype(object).to_numpy() if "enrolled" in df else None,
        hovertemplate="%{y}: %{x:.1%}" + (" of %{customdata[0]:,} enrolled" if "enrolled" in df else "")
                      + "<extra></extra>",
    ))
    style.layout(fig, title, rate_title, category_title, height=max(220, 90 + 34 * len(df)))
    fig.update_xaxes(tickformat=style.PCT_AXIS, range=[0, max(float(df[rate].max()) * 1.18, 0.1)])
    fig.update_yaxes(autorange="reversed", categoryorder="array",
                     categoryarray=[style.wrap(v, 30) for v in (order or df["label"])])
    return fig
