"""Activation: how fast cards are being used for the first time, and where it lags."""
import streamlit as st

import charts
import components as ui
from components.wording import school_types_note
from metrics import formats

view = ui.current_view()
scope = view.scope
ui.header("Activation", view,
          "A card is *activated* by its first use of any kind: a checkout, a website or catalog "
          "login, or an e-resource login. Rates are over students **enrolled**; the tables also give "
          "the rate over cards issued. " + formats.RATES_EXPLAINED)

weekly = ui.metric("activation_by_week", scope)
campaigns = ui.catalog("campaigns", scope.community)
ui.chart(ui.figure(charts.activation_curve, weekly, campaigns, view.year, view.prior_year), key="activation-curve")
this_year = weekly[weekly["school_year"] == view.year].sort_values("week_start")
start_note = formats.activation_start(view.year, this_year["activation_rate"].iloc[0]) if len(this_year) else None
if start_note:
    st.caption(start_note)
shown = campaigns.assign(start_date=campaigns["start_date"].astype("datetime64[ns]"))
in_year = shown[shown["start_date"].dt.strftime("%Y-%m-%d").between(f"{view.year[:4]}-07-01",
                                                                    f"{int(view.year[:4]) + 1}-06-30")]
if not in_year.empty:
    st.caption("Marked on the timeline: " + "; ".join(
        f"{formats.date(r.start_date)}, {r.title}" for r in in_year.itertuples()) + ".")

RATE_COLUMNS = ["label", "enrolled", "cards", "activated", "activation_rate", "activation_rate_of_cards"]

if scope.community:
    st.header("By school, lagging schools first")
    by = ui.metric("activation_rate", scope, by="school").sort_values("activation_rate", na_position="last")
    where = "School"
elif view.viewer.sees_everything:
    st.header("By community, lagging communities first")
    st.caption("Pick one community in the sidebar to see its schools.")
    by = ui.metric("activation_rate", scope, by="community").sort_values("activation_rate", na_position="last")
    where = "Community"
else:
    by = None
    st.info("Figures for each community are for program staff: other communities appear to you only "
            "in the aggregates on this page. Pick your own community in the sidebar to see its schools.",
            icon=":material/lock:")
if by is not None:
    ui.table(by, RATE_COLUMNS, key="by-place", file_name=ui.file_name(view, f"activation by {where.lower()}"),
             labels={"label": where}, height=380)

st.header("By grade")
grades = ui.metric("activation_rate", scope, by="grade")
ui.chart(ui.figure(charts.rate_bars, grades, "activation_rate", f"Activation rate by grade, {view.year}", "Grade",
                          "Students activated (% of enrolled)"), key="by-grade-chart", numbers=False)
ui.table(grades, RATE_COLUMNS, key="by-grade", file_name=ui.file_name(view, "activation by grade"),
         labels={"label": "Grade"})


def split(title: str, by: str, what: str, heading: str, note: str | None = None) -> None:
    st.header(title)
    df = ui.metric("activation_rate", scope, by=by)
    if note:
        st.caption(note)
    ui.chart(ui.figure(charts.rate_bars, df, "activation_rate", f"Activation rate by {what}, {view.year}", heading,
                              "Students activated (% of enrolled)"), key=f"{by}-chart", numbers=False)
    ui.table(df, ["label", "enrolled", "activated", "activation_rate"], key=by, file_name=ui.file_name(view, f"activation {what}"), labels={"label": heading, "activation_rate": "Activation rate"})


left, right = st.columns(2)
with left:
    split("District and charter schools", "school_type", "school type", "School type",
          school_types_note({y: ui.metric("activation_rate", scope.replace(school_year=y),
                                          by="school_type")["key"].tolist() for y in view.years}, view.year))
with right:
    split("Title I and other schools", "title_i", "Title I status", "Title I status")
