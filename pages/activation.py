"""Activation: how fast cards are being used for the first time, and where it lags."""
import streamlit as st

import charts
import components as ui
from components.show import displayed
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


st.subheader("By grade, every school year")
over_years = ui.metric("breakdown_over_years", scope, by="grade")
if len(over_years):
    # One row per grade, one column per school year: the rates as shown ("<10" where hidden).
    shown = displayed(over_years, ["label", "school_year", "activation_rate"])
    shown["order"] = over_years["key"].astype(str)
    grid = shown.pivot(index=["order", "label"], columns="school_year", values="activation_rate").reset_index()
    grid = grid.sort_values("order").drop(columns="order").fillna("–")
    grid.columns.name = None
    years = [c for c in grid.columns if c != "label"]
    st.table(grid.rename(columns={"label": "Grade"}), hide_index=True,
             alt=f"Activation rate (% of enrolled) by grade in every school year held: {', '.join(years)}.")
    st.caption("Activation rate (students activated, % of enrolled) by grade in each school year held. "
               "The counts behind each rate are under the table.")
    with st.expander("The counts behind each rate, grade by grade and year by year", icon=":material/table:"):
        ui.table(over_years.sort_values(["key", "school_year"]),
                 ["label", "school_year", "enrolled", "activated", "activation_rate", "active", "active_user_rate"],
                 key="grades-years", file_name=ui.file_name(view, "activation by grade every year"),
                 labels={"label": "Grade", "school_year": "School year"}, kinds={"school_year": "text"}, height=420)

left, right = st.columns(2)
with left:
    split("District and charter schools", "school_type", "school type", "School type",
          school_types_note({y: ui.metric("activation_rate", scope.replace(school_year=y),
                                          by="school_type")["key"].tolist() for y in view.years}, view.year))
with right:
    split("Title I and other schools", "title_i", "Title I status", "Title I status")

if scope.community:
    @st.fragment
    def side_by_side() -> None:
        """Two to five schools of the community compared over every school year held."""
        st.header("Schools side by side, every school year")
        schools = ui.catalog("schools", scope.community)
        names = dict(zip(schools["school_id"].astype(int), schools["school_name"]))
        lagging = [int(k) for k in by["key"].head(2)] if by is not None and len(by) >= 2 else list(names)[:2]
        picked = st.multiselect("Schools (two to five)", sorted(names, key=names.get), default=lagging,
                                format_func=lambda k: names.get(k, str(k)), max_selections=5, key="compare_schools",
                                help="Start typing a school's name. The two lagging schools are picked to begin with.")
        if len(picked) < 2:
            st.info("Pick at least two schools to compare them.", icon=":material/info:")
            return
        years = ui.metric("schools_over_years", scope, schools=tuple(sorted(picked)))
        ui.chart(charts.schools_side_by_side(years, "activation_rate", view.label), key="schools-activation",
                 numbers=False)
        ui.chart(charts.schools_side_by_side(years, "active_user_rate", view.label), key="schools-active",
                 numbers=False)
        ui.table(years.sort_values(["label", "school_year"]),
                 ["label", "school_year", "enrolled", "activated", "activation_rate", "active", "active_user_rate"],
                 key="schools-compare", file_name=ui.file_name(view, "schools side by side"),
                 labels={"label": "School", "school_year": "School year"}, kinds={"school_year": "text"})
        st.caption("Circulation is recorded by library branch and by patron, not by school, so it cannot be "
                   "compared school by school; the Circulation page gives the community's whole circulation.")

    side_by_side()
