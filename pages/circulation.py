"""Circulation: checkouts and renewals by format, audience and platform, and their growth."""
import dataclasses

import streamlit as st

import charts
import components as ui
from metrics import formats

view = ui.current_view()
scope = view.scope
ui.header("Circulation", view, formats.CIRCULATION_DEFINITION + " Growth compares the school year with the "
          "year before.")

BREAKDOWNS = {"format": "Format", "audience": "Audience", "fiction": "Fiction or non-fiction",
              "platform": "Platform", "all": "All circulation"}
DETAIL = {"detail": "Audience, fiction, format and platform", **BREAKDOWNS}
FILTERS = {"format": "Format", "audience": "Audience", "fiction": "Fiction or non-fiction", "platform": "Platform"}

per_student = ui.metric("circulation_per_student", scope).set_index("school_year")
cols = st.columns(3)
for col, year in zip(cols, [view.year, view.prior_year]):
    if year in per_student.index:
        row = per_student.loc[year]
        col.metric(f"Circulation per student, {year}", formats.ratio(row["per_student"]),
                   help=f"{formats.count(row['circulation'])} checkouts and renewals by all patrons over "
                        f"{formats.count(row['enrolled'])} students enrolled.", border=True)
growth_all = ui.metric("circulation_growth", scope, by="all")
if len(growth_all):
    cols[2].metric(f"Circulation, {view.year}", formats.count(growth_all["circulation"].iloc[0]),
                   delta=None if growth_all["growth"].isna().iloc[0] else formats.growth(growth_all["growth"].iloc[0]),
                   help=f"Change {formats.since(view.prior_year)}.", border=True)


@st.fragment
def monthly() -> None:
    st.header("Month by month")
    by = st.segmented_control("Break down by", list(BREAKDOWNS), format_func=BREAKDOWNS.get, default="format",
                              key="circ_month_by", required=True)
    df = ui.metric("circulation_by_month", scope, by=by)
    ui.chart(ui.figure(charts.monthly_lines, df, view.year, view.prior_year, BREAKDOWNS[by]), key="circ-monthly")


@st.fragment
def growth() -> None:
    st.header(f"Growth {formats.since(view.prior_year)}")
    st.caption("Pick *Audience, fiction, format and platform* to see, for example, juvenile non-fiction "
               "e-books on OverDrive; narrow it with the filters.")
    by = st.selectbox("Break down by", list(DETAIL), format_func=DETAIL.get, key="circ_growth_by")
    options = {f: ui.metric("circulation_growth", scope, by=f)["label"].dropna().tolist() for f in FILTERS}
    filters = {}
    for col, (f, name) in zip(st.columns(len(FILTERS)), FILTERS.items()):
        filters[f] = col.selectbox(name, [None, *options[f]], format_func=lambda v: "All" if v is None else formats.label(v),
                                   key=f"circ_filter_{f}")
    narrowed = dataclasses.replace(scope, **filters)
    df = ui.metric("circulation_growth", narrowed, by=by)
    ui.table(df, ["label", "circulation", "prior_circulation", "growth"], key="circ-growth",
             file_name=ui.file_name(view, f"circulation growth by {by}"),
             labels={"label": DETAIL[by], "circulation": f"Circulation {view.year}",
                     "prior_circulation": f"Circulation {view.prior_year}"}, height=320)
    if df["growth"].isna().any():
        st.caption(f"“–” means no growth can be stated: nothing to compare with in {view.prior_year}.")
    ui.chart(ui.figure(charts.growth_bars, df, view.year, view.prior_year, DETAIL[by]), key="circ-growth-chart", numbers=False)


monthly()
growth()

st.header("Hotspot lending")
hotspots = ui.metric("hotspot_lending", scope)
left, right = st.columns([3, 2])
with left:
    ui.chart(ui.figure(charts.hotspot_bars, hotspots), key="hotspots", numbers=False)
with right:
    ui.table(hotspots, ["school_year", "loans", "borrowers"], key="hotspot-table",
             file_name=ui.file_name(view, "hotspot lending"), labels={"school_year": "School year"})
    st.caption("Unique borrowers count each card holder once, however many loans.")

st.header("Per enrolled student")
ui.table(per_student.reset_index(), ["school_year", "circulation", "enrolled", "per_student"], key="per-student",
         file_name=ui.file_name(view, "circulation per student"), labels={"school_year": "School year"})
