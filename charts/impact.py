"""The event-study chart of a campaign: the difference from the comparison communities, month
by month before and after the start, with its 95 % interval."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts import style


def event_study(rows: pd.DataFrame, title: str) -> go.Figure:
    """rows: the campaign_impact rows of one campaign (one per outcome, each with `event`: a list
    of (months since start, percent, low, high, month)). The month before the start is the
    reference, at 0 by construction."""
    fig = go.Figure()
    shown = 0
    for i, r in enumerate(rows.itertuples()):
        event = r.event if isinstance(r.event, list) else []
        if not event:
            continue
        df = pd.DataFrame(event, columns=["k", "pct", "lo", "hi", "month"])
        shift = (i - 0.5) * 0.12            # the two outcomes side by side, not on top of each other
        fig.add_trace(go.Scatter(
            x=df["k"] + shift, y=df["pct"] / 100, mode="markers+lines", name=r.outcome_label.capitalize(),
            line=dict(color=style.COLORS[i], width=2),
            error_y=dict(type="data", symmetric=False, array=(df["hi"] - df["pct"]) / 100,
                         arrayminus=(df["pct"] - df["lo"]) / 100, thickness=1.5, width=4),
            customdata=df[["month", "lo", "hi"]].astype(str).to_numpy(),
            hovertemplate=(f"{r.outcome_label.capitalize()}<br>%{{customdata[0]}}: %{{y:+.0%}} against the "
                           "comparison communities<extra></extra>"),
        ))
        shown += 1
    if not shown:
        return style.empty(title, "Not enough months before and after the start to draw.")
    fig.add_hline(y=0, line=dict(color="#555555", width=1))
    fig.add_vline(x=-0.5, line=dict(color=style.HIGHLIGHT, width=1.5, dash="dash"),
                  annotation_text="campaign starts", annotation_position="top right")
    style.layout(fig, title, "Months since the campaign started (0 = the month it started; -1 = reference)",
                 "Difference from comparison communities (%)", height=420)
    fig.update_yaxes(tickformat=style.GROWTH_AXIS)
    fig.update_xaxes(dtick=1)
    return fig
