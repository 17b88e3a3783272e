"""E-resource charts: usage per platform by month, and the year against the year before."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts import style
from metrics import formats


def usage_lines(df: pd.DataFrame, metric_type: str, year: str, prior_year: str, log_scale: bool = False) -> go.Figure:
    """Monthly usage of one COUNTER metric per platform over the year before and the year."""
    name = formats.counter_metric(metric_type)
    title = f"{name} per month by platform, {prior_year} and {year}"
    if df.empty:
        return style.empty(title, f"No {name.lower()} reported for these two years.")
    fig = style.monthly_lines(df, "platform", "usage", name.lower(), year, sort=True)
    style.layout(fig, title, "Month", f"{name} per month" + (" (log scale)" if log_scale else ""),
                 legend_title="Platform")
    fig.update_yaxes(tickformat=style.COUNT, type="log" if log_scale else "linear",
                     rangemode="normal" if log_scale else "tozero")
    return fig


def year_on_year(df: pd.DataFrame, metric_type: str, year: str, prior_year: str) -> go.Figure:
    """Per platform, the year before and the year side by side, growth written above."""
    name = formats.counter_metric(metric_type)
    title = f"{name}: {year} against {prior_year}, by platform"
    df = df[df["metric_type"] == metric_type].sort_values("platform")
    if df.empty:
        return style.empty(title, f"No {name.lower()} reported.")
    fig = go.Figure()
    # The year before is grey and hatched, so the two bars differ in more than colour.
    for col, name, color, shape in [("prior_usage", prior_year, style.PRIOR, "/"), ("usage", year, style.COLORS[0], "")]:
        values = df[col].astype("Float64")
        fig.add_trace(go.Bar(
            x=df["platform"], y=values.fillna(0), name=name,
            marker=dict(color=color, pattern=dict(shape=shape, fgcolor="white")),
            text=["<10" if pd.isna(v) else f"{int(v):,}" for v in values], textposition="outside",
            cliponaxis=False, hovertemplate=f"%{{x}}, {name}: %{{text}}<extra></extra>",
        ))
    top = float(pd.concat([df["usage"], df["prior_usage"]]).astype("Float64").fillna(0).max() or 1)
    for row in df.itertuples():
        if pd.notna(row.growth):
            fig.add_annotation(x=row.platform, y=top * 1.2, text=f"<b>{formats.growth(row.growth)}</b>",
                               showarrow=False, font=dict(size=13, color=style.palette.NEGATIVE if row.growth < 0 else style.palette.POSITIVE))
    style.layout(fig, title, "Platform", "Count in the school year", height=440, legend_title="School year")
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=style.COUNT, range=[0, top * 1.3])
    fig.update_xaxes(type="category")
    return fig
