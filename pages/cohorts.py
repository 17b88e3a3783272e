"""Cohorts: every community side by side, the cohorts' distributions, one community against
its cohort, cohort totals and the cohort survey."""
import streamlit as st

import charts
import components as ui
from charts.cohorts import METRICS
from components.wording import Tile, program_tiles, survey_tiles
from metrics import formats
from metrics.access import MIN_COMMUNITIES
from metrics.headline import survey as headline_survey
from metrics.scope import Scope

view = ui.current_view()
scope = view.scope
ui.header("Cohorts", view, "How the communities compare, within and across cohorts." if view.viewer.sees_everything
          else "How your community compares with its cohort, and the cohorts' totals.")

TABLE_COLUMNS = ["label", "cohort", "state", "enrolled", "activation_rate", "active_user_rate", "circulation_growth"]

if scope.cohort is not None:
    # A cohort leads with the program's own headline (metrics.headline), as the Overview does.
    with ui.unless_denied(f"Cohort {scope.cohort}'s headline"):
        head = ui.metric("headline", scope)
        prior = ui.metric("headline", scope.prior()) if view.has_prior_year else None
        st.header(f"Cohort {scope.cohort}'s headline, {view.year}")
        ui.tiles(program_tiles(head, prior, view.year, view.prior_year, view.has_prior_year,
                               f"cohort {scope.cohort}'s"), per_row=3)
        answers = headline_survey(head)
        for wave, rows in answers.groupby("wave", sort=True):
            st.subheader(f"Survey indicators: {wave}")
            ui.tiles(survey_tiles(rows.sort_values("value", ascending=False)), per_row=3)

st.header("Cohort totals")
with ui.unless_denied("Cohort totals"):
    totals = ui.metric("cohort_totals", Scope(view.year))
    ui.tiles([Tile(f"Cohort {row.cohort}: new student cards", formats.count(row.new_cards), None,
                   f"{formats.count(row.communities)} communities; {formats.count(row.enrolled)} students enrolled, "
                   f"{formats.count(row.students_reached)} of them reached in {view.year}.",
                   f"Student cards issued during {view.year} (July to June) by the cohort's communities.")
              for row in totals.itertuples()], per_row=max(min(len(totals), 3), 1))
    ui.table(totals, ["cohort", "communities", "enrolled", "new_cards", "cards", "students_reached"], key="totals",
             file_name=ui.file_name(view, "cohort totals"), labels={"cohort": "Cohort"}, kinds={"cohort": "text"})


def comparison(community: str, name: str) -> None:
    """One community against its cohort: chart and table."""
    cmp = ui.metric("cohort_comparison", Scope(view.year, community=community))
    ui.chart(ui.figure(charts.comparison, cmp, name), key="cohort-comparison", numbers=False)
    # Each row is in its own unit (rates, growth), so the cells are formatted row by row.
    shown = cmp.assign(label=cmp["metric"].map(lambda m: METRICS[m][0]))
    for col in ("value", "q1", "median", "q3"):
        shown[col] = [formats.growth(v) if m == "circulation_growth" else formats.rate(v)
                      for m, v in zip(cmp["metric"], cmp[col])]
    text = {c: "text" for c in ("value", "q1", "median", "q3")}
    st.caption(formats.RATES_EXPLAINED)
    thin = cmp[cmp["median"].isna() & (cmp["n"] > 0)]
    if len(thin):   # metrics.cohorts.spread: too few communities with a figure for this viewer
        names = [METRICS[m][0].lower() for m in thin["metric"]]
        names = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        st.caption(f"The cohort's spread of the {names} is shown to program staff only: fewer than "
                   f"{MIN_COMMUNITIES} of its communities have a figure.")
    ui.table(shown, ["label", "value", "q1", "median", "q3", "n"], key="comparison",
             file_name=f"{community} against cohort {view.year}", kinds=text,
             labels={"label": "Measure", "value": name, "q1": "Cohort Q1",
                     "median": "Cohort median", "q3": "Cohort Q3", "n": "Communities (n)"})


if view.viewer.sees_everything:
    ui.needs_help_link(view, ui.metric("needs_help", Scope(view.year, cohort=scope.cohort)))

    st.header("Every community")
    table = ui.metric("community_table", scope)
    st.caption(f"{len(table)} communities, by name. The CSV download sorts any way you like in a spreadsheet. "
               f"{formats.RATES_EXPLAINED} Circulation growth is the library's whole circulation against the year before.")
    ui.table(table, TABLE_COLUMNS, key="communities", file_name=ui.file_name(view, "communities"),
             labels={"label": "Community", "cohort": "Cohort", "state": "State"}, kinds={"cohort": "text"},
             height=420)

    all_communities = ui.metric("community_table", Scope(view.year))
    names = dict(zip(all_communities["key"], all_communities["label"]))

    @st.fragment
    def compare() -> None:
        st.header("Cohort 1 and cohort 2")
        left, right = st.columns(2)
        metric = left.selectbox("Measure", list(METRICS), format_func=lambda m: METRICS[m][0],
                                key="cohort_measure")
        keys = sorted(names, key=names.get)
        highlight = right.selectbox("Highlight a community", keys, format_func=names.get, key="cohort_highlight",
                                    index=keys.index(scope.community) if scope.community in keys else None,
                                    placeholder="Pick a community")
        ui.chart(ui.figure(charts.distribution, all_communities, metric, highlight), key="cohort-distribution")
        if highlight:
            comparison(highlight, names[highlight])

    compare()
else:
    own = view.viewer.community
    own_name = dict(ui.catalog("communities")[["slug", "name"]].itertuples(index=False)).get(own, own)
    st.header(f"{ui.plain(own_name)} against its cohort")
    st.caption("Other communities appear here only as their cohort's quartiles and median, never by name.")
    with ui.unless_denied(f"{own_name} against its cohort"):
        comparison(own, own_name)

@st.fragment
def survey_indicators() -> None:
    """A fragment: picking another wave redraws this section only."""
    st.header("Survey indicators")
    with ui.unless_denied("Survey indicators"):
        survey = ui.metric("survey_indicators", scope)
        if survey.empty:
            st.info("No survey answers are loaded for this scope.")
            return
        waves = survey["wave"].drop_duplicates().tolist()
        wave = st.selectbox("Survey wave", waves, key="survey_wave") if len(waves) > 1 else waves[0]
        answers = survey[survey["wave"] == wave].sort_values("share_yes", ascending=False)
        ui.chart(ui.figure(charts.survey, answers, wave), key="survey-chart", numbers=False)
        ui.table(answers, ["question", "n", "share_yes", "ci_low", "ci_high"], key="survey",
                 file_name=ui.file_name(view, "survey indicators"),
                 labels={"question": "Question", "n": "n", "ci_low": "95% low", "ci_high": "95% high"})
        st.caption("Share of responding communities answering yes; n is the number of communities that "
                   "answered; the interval is a Wilson 95% interval.")


survey_indicators()
