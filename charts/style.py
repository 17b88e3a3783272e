"""One look for every chart: title, axis titles with units, thousands separators, percentages
with one decimal in hover and labels; colours from charts.palette (WCAG contrast), and a second
channel besides colour for every series (marker symbol, dash pattern, bar pattern)."""
from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from charts import palette

COLORS = palette.COLORS
PRIOR = palette.PRIOR
HIGHLIGHT = palette.HIGHLIGHT
FONT = "Source Sans Pro, Arial, sans-serif"

COUNT = ",.0f"       # 147,000
PCT = ".1%"          # 84.5%
PCT_AXIS = ".0%"     # axis ticks at round shares
GROWTH = "+,.1%"     # +110.0%, +1,031.0%
GROWTH_AXIS = "+,.0%"


def layout(fig: go.Figure, title: str, x_title: str, y_title: str, *, height: int = 420,
           legend_title: str | None = None, top: int = 70) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        title=dict(text=title, x=0, xanchor="left", font=dict(size=17, color=palette.TEXT)),
        xaxis_title=x_title, yaxis_title=y_title, height=height,
        font=dict(family=FONT, size=13, color=palette.TEXT), separators=".,", colorway=COLORS,
        margin=dict(l=10, r=20, t=top, b=60), hoverlabel=dict(namelength=-1),
        # The legend sits at the very bottom of the figure, below the x-axis title, whatever
        # the figure's height (paper coordinates would put it on the axis title of short charts).
        legend=dict(title=dict(text=legend_title) if legend_title else None, orientation="h",
                    yref="container", yanchor="bottom", y=0, x=0, xanchor="left"),
        plot_bgcolor=palette.BACKGROUND, paper_bgcolor=palette.BACKGROUND,
    )
    axes = dict(automargin=True, showline=True, linecolor=palette.AXIS, gridcolor=palette.GRID,
                tickfont=dict(color=palette.TEXT), title_font=dict(color=palette.TEXT))
    fig.update_xaxes(**axes)
    fig.update_yaxes(**axes)
    return fig


def wrap(text: str, width: int = 38) -> str:
    """Long category labels on several lines (Plotly breaks on <br>)."""
    return "<br>".join(textwrap.wrap(str(text), width)) or str(text)


def shorten(text: str, width: int = 40) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def empty(title: str, message: str) -> go.Figure:
    """A chart with nothing to plot says so instead of showing bare axes."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font=dict(size=14, color=palette.MUTED))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(template="plotly_white", title=dict(text=title, x=0, xanchor="left"), height=220,
                      plot_bgcolor=palette.BACKGROUND,
                      margin=dict(l=10, r=10, t=60, b=10), font=dict(family=FONT, size=13, color=palette.TEXT))
    return fig


def monthly_lines(df: pd.DataFrame, series: str, value: str, unit: str, year: str, sort: bool = False) -> go.Figure:
    """One line per `series` over months, the year's start marked: the shape of every monthly chart.
    Each line has its own colour, dash pattern and marker symbol, so the lines stay apart in
    greyscale and for colour-blind readers."""
    fig = go.Figure()
    for i, (name, part) in enumerate(df.groupby(series, sort=sort)):
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(part["month"]), y=part[value], name=str(name), mode="lines+markers",
            line=dict(color=palette.color(i), width=2, dash=palette.dash(i)),
            marker=dict(size=7, symbol=palette.symbol(i), color=palette.color(i)),
            hovertemplate=f"{name}<br>%{{x|%b %Y}}: %{{y:{COUNT}}} {unit}<extra></extra>",
        ))
    start = pd.Timestamp(int(year[:4]), 7, 1)
    fig.add_vline(x=start, line=dict(color=palette.AXIS, width=1, dash="dot"))
    fig.add_annotation(x=start, y=1, yref="paper", yanchor="bottom", xanchor="left", showarrow=False,
                       text=f"{year} starts", font=dict(size=12, color=palette.MUTED))
    fig.update_xaxes(tickformat="%b %Y", dtick="M2")
    return fig
