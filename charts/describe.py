"""A chart in words and as a table, for readers who cannot see it (WCAG 2.1, 1.1.1): a short
text alternative naming what the chart shows, and its numbers as rows a screen reader reads.

Both are read off the finished Plotly figure, so every chart gets them without each builder
repeating its data; values are formatted by the figure's own value-axis format (a percentage
axis gives "84.5 %", a count axis "147,000")."""
from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from metrics import formats

KINDS = {"scatter": "Line chart", "bar": "Bar chart", "box": "Box plot"}


def plain(text) -> str:
    """Plotly label text without its markup (<br>, <b>)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", str(text or ""))).strip()


def title(fig: go.Figure) -> str:
    """The figure's title as plain text."""
    return plain(fig.layout.title.text)


def _value_format(fig: go.Figure, axis: str):
    """A formatter for values on this axis ('x' or 'y'), from its tick format."""
    tickformat = (fig.layout[f"{axis}axis"].tickformat or "")
    if "%" in tickformat:
        return formats.growth if tickformat.startswith("+") else formats.rate

    def number(v) -> str:
        try:
            f = float(v)
        except (TypeError, ValueError):
            return plain(v) or "–"
        if pd.isna(f):
            return "–"
        return formats.count(f) if f == int(f) else f"{f:,.1f}"
    return number


def _category(v) -> str:
    """An x or y category: dates in US style (Dec. 1, 2015 reads as Dec 1, 2015), text plain."""
    if isinstance(v, (pd.Timestamp, np.datetime64, dt.date)) or (
            isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", v)):
        t = pd.Timestamp(v)
        return f"{t:%b} {t.day}, {t.year}"
    return plain(v)


def _points(trace) -> list[tuple[str, str, object, str | None]]:
    """(series, category, value, shown text) for each point of a trace."""
    horizontal = getattr(trace, "orientation", None) == "h"
    cats = list(trace.y if horizontal else trace.x) if (trace.y if horizontal else trace.x) is not None else []
    vals = list(trace.x if horizontal else trace.y) if (trace.x if horizontal else trace.y) is not None else []
    texts = trace.text if isinstance(trace.text, (list, tuple)) else None
    if texts is None and getattr(trace, "text", None) is not None and not isinstance(trace.text, str):
        texts = list(trace.text)
    name = plain(trace.name) if trace.name else ""
    if trace.type == "box" and getattr(trace, "hovertext", None) is not None:
        cats = list(trace.hovertext)   # every community is a point of the box
    out = []
    for i, (c, v) in enumerate(zip(cats, vals)):
        out.append((name, _category(c), v, plain(texts[i]) if texts is not None and i < len(texts) else None))
    return out


def _value_axis(trace) -> str:
    return "x" if getattr(trace, "orientation", None) == "h" else "y"


def table(fig: go.Figure) -> pd.DataFrame:
    """The chart's numbers: one row per category and one column per series when every series
    shares the same categories, else one row per point (series, category, value)."""
    traces = [t for t in fig.data if t.type in KINDS and (t.x is not None or t.y is not None)]
    rows = []
    for t in traces:
        fmt = _value_format(fig, _value_axis(t))
        axis_ref = getattr(t, "xaxis" if _value_axis(t) == "x" else "yaxis", None) or _value_axis(t)
        if axis_ref not in ("x", "y"):        # subplots: the trace's own axis format
            key = axis_ref[0] + "axis" + axis_ref[1:]
            tickformat = fig.layout[key].tickformat or ""
            fmt = (formats.growth if tickformat.startswith("+") else formats.rate) if "%" in tickformat else fmt
        for series, cat, value, text in _points(t):
            if t.type == "bar" and getattr(t, "base", None) is not None:
                continue   # a range drawn as a bar (quartiles): its ends are in the page's table
            rows.append({"series": series, "category": cat,
                         "value": text or fmt(value)})   # the label written on the mark, if any
    if not rows:
        return pd.DataFrame(columns=["Category", "Value"])
    df = pd.DataFrame(rows)
    days = df["category"].str.extract(r"^([A-Z][a-z]{2}) (\d{1,2}), (\d{4})$")
    if days.notna().all().all() and (days[1] == "1").all():
        df["category"] = days[0] + " " + days[2]
    x_title = plain(fig.layout.yaxis.title.text if traces and _value_axis(traces[0]) == "x"
                     else fig.layout.xaxis.title.text) or "Category"
    value_title = plain(fig.layout.xaxis.title.text if traces and _value_axis(traces[0]) == "x"
                         else fig.layout.yaxis.title.text) or "Value"
    series = df["series"].unique().tolist()
    categories = df["category"].drop_duplicates().tolist()
    biggest = df.groupby("series")["category"].nunique().max()
    # Series over (mostly) the same categories read best side by side; "–" where one has none.
    shared = len(categories) <= 1.5 * biggest
    if len(series) > 1 and shared and not df.duplicated(["series", "category"]).any():
        wide = df.pivot(index="category", columns="series", values="value").reindex(categories)[series]
        wide = wide.fillna("–").reset_index()
        return wide.rename(columns={"category": x_title}).rename_axis(columns=None)
    if len(series) <= 1:
        return df[["category", "value"]].rename(columns={"category": x_title, "value": value_title})
    return df.rename(columns={"series": "Series", "category": x_title, "value": value_title})


def alt_text(fig: go.Figure) -> str:
    """A short text alternative: the kind of chart, its title, what its axes measure and its
    series; for a chart with nothing to plot, its message."""
    name = title(fig) or "Chart"
    traces = [t for t in fig.data if t.type in KINDS]
    if not traces:
        message = " ".join(plain(a.text) for a in fig.layout.annotations)
        return f"{name}. {message}".strip()
    kind = KINDS.get(traces[0].type, "Chart")
    value_axis = _value_axis(traces[0])
    category_axis = "y" if value_axis == "x" else "x"
    measured = plain(fig.layout[f"{value_axis}axis"].title.text)
    over = plain(fig.layout[f"{category_axis}axis"].title.text)
    parts = [f"{kind}: {name}."]
    if measured:
        parts.append(f"It shows {measured[0].lower() + measured[1:]}" + (f" by {over.lower()}." if over else "."))
    names = [plain(t.name) for t in traces if t.name and t.showlegend is not False]
    if len(names) > 1:
        parts.append(f"Series: {', '.join(dict.fromkeys(names))}.")
    parts.append("Its numbers are also given in a table on this page.")
    return " ".join(parts)
