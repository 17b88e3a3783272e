"""E-resources: vendor-reported usage per platform and COUNTER metric, against the year before."""
import streamlit as st

import charts
import components as ui
from metrics import formats

view = ui.current_view()
scope = view.scope
ui.header("E-resources", view, "Usage as the vendors report it (COUNTER Release 5 where supplied), the "
          "library's whole use of each platform. Figures are never added across metrics or report types: "
          "each platform's metric stands on its own.")

growth = ui.metric("eresource_growth", scope)
metric_types = sorted(growth["metric_type"].dropna().unique().tolist(),
                      key=lambda m: (m != "Total_Item_Requests", m))

per_active = ui.metric("eresource_per_active_student", scope)
if len(per_active):
    row = per_active.iloc[0]
    st.metric(f"Item requests per active student, {view.year}", formats.ratio(row["per_student"]),
              help=f"{formats.count(row['usage'])} total item requests (COUNTER Total_Item_Requests) over "
                   f"{formats.count(row['active'])} students with at least one interaction in the year.",
              border=True, width=320)


@st.fragment
def by_metric() -> None:
    if not metric_types:
        st.info(f"No e-resource usage is loaded for {view.year} or {view.prior_year}.")
        return
    left, right = st.columns([2, 1])
    metric_type = left.selectbox("Usage measure", metric_types, key="eres_metric",
                                 format_func=formats.counter_metric,
                                 help="Total item requests (COUNTER Total_Item_Requests) counts every request "
                                      "for an item; unique item requests (Unique_Item_Requests) counts an item "
                                      "once per session. " + " ".join(formats.counter_help(m) for m in metric_types))
    log_scale = right.toggle("Logarithmic scale", key="eres_log",
                             help="Shows small platforms' changes next to large ones.")
    monthly = ui.metric("eresource_usage_by_month", scope, metric_type=metric_type)
    ui.chart(ui.figure(charts.usage_lines, monthly, metric_type, view.year, view.prior_year, log_scale), key="eres-lines")
    ui.chart(ui.figure(charts.year_on_year, growth, metric_type, view.year, view.prior_year), key="eres-yoy")


by_metric()

st.header(f"Growth {formats.since(view.prior_year)}, every platform and measure")
ui.table(growth.assign(measure=growth["metric_type"].map(formats.counter_metric)),
         ["platform", "measure", "usage", "prior_usage", "growth", "metric_type"], key="eres-growth",
         file_name=ui.file_name(view, "e-resource growth"),
         labels={"platform": "Platform", "measure": "Usage measure", "metric_type": "COUNTER name",
                 "usage": f"Usage {view.year}", "prior_usage": f"Usage {view.prior_year}"})
no_use = growth[growth["reported"] & (growth["usage"] == 0)]
if len(no_use):
    st.caption(f"No use in {view.year} (the vendor reported no usage): " + "; ".join(
        f"{ui.plain(row.platform)} ({formats.counter_metric(row.metric_type).lower()})"
        for row in no_use.itertuples()) + ".")
no_data = growth[~growth["reported"]]
if len(no_data):
    st.caption(f"No data loaded for {view.year} (usage shows 0): " + "; ".join(
        f"{ui.plain(row.platform)} ({formats.counter_metric(row.metric_type).lower()})"
        for row in no_data.itertuples()) + ".")
jumps = growth[growth["growth"] >= 9].drop_duplicates("platform")
for row in jumps.itertuples():
    st.caption(f"{ui.plain(row.platform)}: {formats.count(row.prior_usage)} → {formats.count(row.usage)} "
               f"{formats.counter_metric(row.metric_type).lower()}, "
               f"{formats.growth(row.growth)}: {row.usage / row.prior_usage:,.1f} times the year before.")
