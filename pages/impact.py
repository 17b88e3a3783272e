"""Campaign impact: did a card drive or a challenge lift activation, against communities without one?"""
import pandas as pd
import streamlit as st

import charts
import components as ui
from metrics.impact import date_text

view = ui.current_view()
scope = view.scope
ui.header("Campaign impact", view,
          "For each campaign, the change in **monthly new activations** and **monthly active users** "
          "after it started, against comparison communities that had no campaign and no card launch in "
          "the same months: a Poisson difference-in-differences over students enrolled, with its 95% "
          "interval. The chart's months before the start are the check that the two groups moved together; "
          "when they did not, or when the interval includes no change, the page says so and gives no figure.")

if not view.viewer.sees_everything and scope.community is None:
    st.info("Campaign estimates are shown for your own community's campaigns: pick it in the sidebar.",
            icon=":material/lock:")
    st.stop()

estimates = ui.metric("campaign_impact", scope)
if estimates.empty:
    st.info("No campaign recorded for this scope. Campaigns are entered on the Load data page.")
    st.stop()

for campaign_id, rows in estimates.groupby("campaign_id", sort=False):
    first = rows.iloc[0]
    st.header(f"{first['title']}, {first['community'] or 'program-wide'}")
    ended = f" to {date_text(first['end_date'])}" if not pd.isna(first["end_date"]) else ""
    st.caption(f"From {date_text(first['start_date'])}{ended}.")
    for r in rows.itertuples():
        if r.clear:
            st.success(r.verdict, icon=":material/trending_up:")
        else:
            st.info(r.verdict, icon=":material/remove:")
    if isinstance(first.get("comparison"), str):
        st.markdown(f"**Compared with** {first['comparison']}: every community of the program without "
                    f"either in those months, so that none of them was changing for its own reasons. "
                    f"Method: {first.get('method') or 'none'}.")
        if isinstance(first.get("comparison_names"), str) and view.viewer.sees_everything:
            with st.expander("The comparison communities"):
                st.write(first["comparison_names"])
        ui.chart(ui.figure(charts.event_study, rows, f"{first['title']}: difference from the comparison communities, "
                                          "month by month"), key=f"impact-{campaign_id}")
