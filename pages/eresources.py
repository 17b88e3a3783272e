"""E-resources: vendor-reported usage per platform and COUNTER metric, against the year before."""
import streamlit as st

import charts
import components as ui
from metrics import formats

view = ui.current_view()
scope = view.scope
ui.header("E-resources", view, "Usage as the vendors report it, with COUNTER Release 5 metric names where "
          "supplied. Figures are never added across metrics or report types: each platform's metric "
          "stands on its own.")

growth = ui.metric("eresource_growth", scope)
metric_types = sorted(growth["metric_type"].dropna().unique().tolist(),
                      key=lambda m: (m != "Total_Item_Requests", m))

per_active = ui.metric("eresource_per_active_student", scope)
if len(per_active):
    row = per_active.iloc[0]
    st.metric(f"Item requests per active student, {view.year}", formats.ratio(row["per_student"]),
              help=f"{formats.count(row['usage'])} Total_Item_Requests over {formats.count(row['active'])} "
                   "students with at least one interaction in the year.", border=True, width=320)


@st.fragment
def by_metric() -> None:
    if not metric_types:
        st.info(f"No e-resource usage is loaded for {view.year} or {view.prior_year}.")
        return
    left, right = st.columns([2, 1])
    metric_type = left.selectbox("COUNTER metric", metric_types, key="eres_metric",
                                 help="Total_Item_Requests counts every request for an item; "
                                      "Unique_Item_Requests counts an item once per session.")
    log_scale = right.toggle("Logarithmic scale", key="eres_log",
                             help="Shows small platforms' changes next to large ones.")
    monthly = ui.metric("eresource_usage_by_month", scope, metric_type=metric_type)
    ui.chart(charts.usage_lines(monthly, metric_type, view.year, view.prior_year, log_scale), key="eres-lines")
    ui.chart(charts.year_on_year(growth, metric_type, view.year, view.prior_year), key="eres-yoy")


by_metric()

st.header(f"Growth on {view.prior_year}, every platform and metric")
ui.table(growth, ["platform", "metric_type", "usage", "prior_usage", "growth"], key="eres-growth",
         file_name=ui.file_name(view, "e-resource growth"),
         labels={"platform": "Platform", "metric_type": "COUNTER metric", "usage": f"Usage {view.year}",
                 "prior_usage": f"Usage {view.prior_year}"})
jumps = growth[growth["growth"] >= 9].drop_duplicates("platform")
for row in jumps.itertuples():
    st.caption(f"{row.platform}: {formats.count(row.prior_usage)} → {formats.count(row.usage)} {row.metric_type}, "
               f"{formats.growth(row.growth)}: {row.usage / row.prior_usage:,.1f} times the year before.")
