"""The briefing's two charts, styled for print: white ground, dark text, two colours that
survive a black-and-white copier (a dark solid line against a grey dashed one), all from
charts.palette (text 4.5:1, marks 3:1); no text under 8 pt.

Sizes are in points (one Plotly pixel = one point on paper), so a font size here is the font
size on the printed page; render.py exports at a higher scale for sharpness.
"""
from __future__ import annotations

import datetime as dt
import re
import textwrap

import pandas as pd
import plotly.graph_objects as go

from briefing.content import Briefing
from briefing.wording import missing
from charts import describe, palette
from metrics import formats as fmt
from metrics.suppression import marks

WIDTH, HEIGHT = 266, 214   # points: two charts side by side across a Letter page
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
INK, GREY, ACCENT, MARK = palette.TEXT, palette.PRIOR, palette.ACCENT, palette.CAMPAIGN
MARK_TEXT = palette.CAMPAIGN_TEXT


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(
        template="simple_white", width=WIDTH, height=HEIGHT,
        font=dict(family=FONT, size=8, color=INK),
        title=dict(text=title, font=dict(size=9.5), x=0, xanchor="left", y=0.97, yanchor="top"),
        margin=dict(l=6, r=8, t=30, b=6), paper_bgcolor="white", plot_bgcolor="white",
        showlegend=False,
    )
    fig.update_xaxes(automargin=True, ticks="outside", ticklen=3, linecolor=GREY, tickcolor=GREY)
    fig.update_yaxes(automargin=True, ticks="", showline=False, gridcolor="#e3e3e3", showgrid=True)
    return fig


def activation_chart(b: Briefing) -> go.Figure:
    """Cumulative share of enrolled students whose card has been used, week by week through
    the school year, against the year before drawn on the same calendar; campaign starts
    marked."""
    year, prior = b.scope.school_year, b.scope.prior_year
    df = b.weekly.copy()
    fig = go.Figure()
    for label, color, dash, width in ((prior, GREY, "dash", 1.4), (year, ACCENT, "solid", 2.2)):
        part = df[df["school_year"] == label]
        if part.empty:
            continue
        # The year before, shifted 52 weeks so both years share the same months on the axis.
        shift = pd.Timedelta(0) if label == year else pd.Timedelta(weeks=52)
        x = pd.to_datetime(part["week_start"]) + shift
        y = pd.to_numeric(part["activation_rate"], errors="coerce") * 100
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=label, line=dict(color=color, dash=dash, width=width),
                                 hovertemplate="%{x|%b %-d}: %{y:.1f}%<extra>" + label + "</extra>"))
        last = y.dropna()
        if len(last):
            # Labels at the line ends, in the right margin, instead of a legend.
            fig.add_annotation(x=x.loc[last.index[-1]], y=last.iloc[-1],
                               text=f"<b>{label}</b><br>{fmt.percent(last.iloc[-1])}",
                               showarrow=False, xanchor="left", xshift=4, align="left", font=dict(color=color, size=8))
    start = dt.date(int(year[:4]), 7, 1)
    end = dt.date(int(year[:4]) + 1, 6, 30)
    for _, c in b.campaigns.iterrows():
        when = pd.Timestamp(c["start_date"]).date()
        if c["kind"] != "campaign" or not (start <= when <= end):
            continue
        fig.add_vline(x=pd.Timestamp(when), line=dict(color=MARK, width=1.2, dash="dash"))
        fig.add_annotation(x=pd.Timestamp(when), y=1, yref="paper", xanchor="left", yanchor="top",
                           showarrow=False, align="left", xshift=3, font=dict(color=MARK_TEXT, size=8),
                           text="<br>".join(textwrap.wrap(f"{c['title']}, from {fmt.date(when).rsplit(',', 1)[0]}", 24)))
    _layout(fig, "Students whose card has been used, % of enrolled")
    fig.update_yaxes(range=[0, 100], ticksuffix="%", dtick=25)
    fig.update_layout(margin=dict(r=44))
    fig.update_xaxes(range=[pd.Timestamp(start), pd.Timestamp(end)], tickformat="%b", dtick="M2")
    return fig


FORMAT_LABELS = {"print": "Print", "e-book": "E-books", "e-audiobook": "E-audiobooks",
                 "hotspot": "Hotspots", "other": "Other"}


def circulation_chart(b: Briefing) -> go.Figure:
    """Circulation growth by format, year on year; a format without loans the year before is
    labelled 'new' with no bar (no growth from a zero base); suppressed counts show '<10'."""
    df = b.by_format.copy()
    labels, values, texts = [], [], []
    for _, r in df.iterrows():
        mark = marks(pd.DataFrame([r]), "circulation").iloc[0]   # "<10" or "suppressed" when hidden
        hidden = isinstance(mark, str)
        now = mark if hidden else fmt.count(r["circulation"])
        labels.append(f"{FORMAT_LABELS.get(r['label'], str(r['label']).capitalize())} ({now})")
        if missing(r["growth"]):
            values.append(0)
            new = not missing(r["prior_circulation"]) and r["prior_circulation"] == 0 and not hidden
            texts.append("new this year" if new else "–")
        else:
            values.append(float(r["growth"]) * 100)
            texts.append(fmt.growth(r["growth"]))
    fig = go.Figure(go.Bar(
        y=labels, x=values, orientation="h", marker=dict(color=ACCENT), text=texts,
        textposition="outside", cliponaxis=False, textfont=dict(size=8, color=INK),
        hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    _layout(fig, f"Library circulation growth by format, {b.scope.school_year} {fmt.since(b.scope.prior_year)}")
    # Every bar carries its value, so the value axis is left out; the zero line stays.
    top = max([v for v in values if v > 0], default=10)
    low = min(0, min(values, default=0))
    # A falling format writes its value left of its bar: leave room for it before the labels.
    fig.update_xaxes(range=[low * 1.4 - top * (0.22 if low < 0 else 0.02), top * 1.32], showticklabels=False, showgrid=False,
                     showline=False, ticks="", zeroline=True, zerolinecolor=GREY)
    fig.update_yaxes(autorange="reversed", showgrid=False, ticks="", showline=False)
    fig.add_annotation(x=0, y=0, xref="paper", yref="paper", xanchor="left", yanchor="top", showarrow=False,
                       yshift=-2, text=f"In brackets: loans in {b.scope.school_year}", font=dict(size=8, color=palette.MUTED))
    fig.update_layout(margin=dict(b=16))
    return fig


TITLES = {"activation": "Activation through the school year", "circulation-by-format": "Circulation growth by format"}
SHORT_TITLES = {"activation": "Activation chart", "circulation-by-format": "Circulation chart"}


def charts(b: Briefing) -> dict[str, go.Figure]:
    """The briefing's charts by file-name suffix."""
    return {"activation": activation_chart(b), "circulation-by-format": circulation_chart(b)}


def chart_alt(b: Briefing) -> dict[str, str]:
    """Each chart's alternative text: what it shows and the numbers written on it."""
    out = {}
    for name, fig in charts(b).items():
        # Line-end labels ("2015-16 88.0 %") and campaign notes, as sentences.
        labels = [re.sub(r"^(\d{4}-\d{2}) ", r"\1: ", describe.plain(a.text)) for a in fig.layout.annotations if a.text]
        data = describe.table(fig)
        if name == "circulation-by-format" and len(data):
            values = "; ".join(f"{row.iloc[0]}: {row.iloc[1]}" for _, row in data.iterrows())
            text = f"Bar chart: {describe.title(fig)}. {values}."
        else:
            text = f"Line chart: {describe.title(fig)}, week by week, this year against the year before. " + \
                   " ".join(f"{label}." for label in labels)
        out[name] = " ".join(text.split())
    return out
