"""Overview: the headline figures of the chosen scope and year, each against the year before. A
cohort or the whole program leads with the program's own headline and its survey indicators."""
import dataclasses

import pandas as pd
import streamlit as st

import charts
import components as ui
from components.wording import headline_tiles, program_tiles, schools_phrase, survey_tiles, target_rows
from metrics import formats
from metrics.headline import survey as headline_survey
from metrics.scope import Scope
from metrics.suppression import marks

view = ui.current_view()
ui.header("Overview", view)
schools = schools_phrase(ui.metric("school_count", view.scope))
if schools:
    st.markdown(f"**{ui.plain(view.label)}**: {schools} with students enrolled in {view.year}.")


def figures(scope: Scope) -> dict:
    """The headline numbers of one scope and year (missing where suppressed)."""
    activation = ui.metric("activation_rate", scope)
    active = ui.metric("active_user_rate", scope)
    per_student = ui.metric("circulation_per_student", scope)
    per_student = per_student[per_student["school_year"] == scope.school_year]
    eresources = ui.metric("eresource_growth", scope, metric_type="Total_Item_Requests")
    staff = ui.metric("staff_cards", scope)
    def first(df, col):
        """The figure, its mark ("<10", "suppressed") when hidden, None when there is no data."""
        if not len(df):
            return None
        mark = marks(df, col).iloc[0]
        return mark if isinstance(mark, str) else df[col].iloc[0]

    return {
        "enrolled": first(activation, "enrolled"), "cards": first(activation, "cards"),
        "activation_rate": first(activation, "activation_rate"), "active": first(active, "active"),
        "active_user_rate": first(active, "active_user_rate"),
        "circulation": first(per_student, "circulation"), "per_student": first(per_student, "per_student"),
        "eresource_use": eresources["usage"].sum(min_count=1) if len(eresources) else 0,
        "staff_cards": staff["cards"].sum(min_count=1) if len(staff) else 0,
    }


scope = view.scope
prior_scope = Scope(view.prior_year, community=scope.community, cohort=scope.cohort)
cur = figures(scope)
prior = figures(prior_scope) if view.has_prior_year else {}
items = headline_tiles(cur, prior, view.year, view.prior_year, view.has_prior_year, many=scope.community is None)
survey = None
lead: list = []

if scope.community is None:
    # A cohort or the whole program leads with the program's own figures (metrics.headline).
    whose = f"cohort {scope.cohort}'s" if scope.cohort is not None else "the program's"
    with ui.unless_denied("The program's headline figures"):
        head = ui.metric("headline", scope)
        head_prior = ui.metric("headline", prior_scope) if view.has_prior_year else None
        lead = program_tiles(head, head_prior, view.year, view.prior_year, view.has_prior_year, whose)
        st.header(f"The program's headline, {view.year}")
        ui.tiles(lead, per_row=3)
        st.caption(formats.RATES_EXPLAINED)
        survey = headline_survey(head)
        shown = {t.label for t in lead}
        items = lead + [dataclasses.replace(t, label="Student cards held") if t.label == "Student cards issued" else t
                        for t in items if t.label not in shown]
    if survey is not None and len(survey):
        st.header("Survey indicators")
        for wave, answers in survey.groupby("wave", sort=True):
            st.subheader(str(wave))
            ui.tiles(survey_tiles(answers.sort_values("value", ascending=False)), per_row=3)
        st.caption("Share of responding communities answering yes; n is the number of communities that "
                   "answered; the interval is a Wilson 95% interval.")
    st.header(f"More figures, {view.year}")
    ui.tiles(items[len(lead):])
else:
    st.header(f"Headline figures, {view.year}")
    ui.tiles(items)
    st.caption(formats.RATES_EXPLAINED)

st.header("The same figures as a table")
rows = pd.DataFrame({
    "label": [t.label for t in items], "value": [t.value for t in items],
    "prior": [t.prior or "–" for t in items], "change": [t.delta or "–" for t in items],
})
ui.table(rows, ["label", "value", "prior", "change"], key="overview",
         file_name=ui.file_name(view, "headline figures"),
         labels={"label": "Figure", "value": view.year, "prior": view.prior_year,
                 "change": f"Change {formats.since(view.prior_year)}"})
if survey is not None and len(survey):
    ui.table(survey.rename(columns={"value": "share_yes"}), ["wave", "label", "n", "share_yes", "ci_low", "ci_high"],
             key="overview-survey", file_name=ui.file_name(view, "survey indicators"),
             labels={"wave": "Survey", "label": "Question", "n": "n"}, kinds={"wave": "text"})
st.caption(f"Rates are shares of students enrolled. Counts from 1 to 9 are shown as "
           f"“{formats.SUPPRESSED}” to protect small groups.")

if scope.community is not None:
    st.header(f"Targets for {view.year}")
    progress = ui.metric("target_progress", scope)
    if progress.empty:
        st.caption(f"No targets are entered for {view.year}. Program staff enter them on Load data "
                   "(campaigns, annotations and targets).")
    else:
        shown = pd.DataFrame(target_rows(progress))
        ui.table(shown, ["label", "target", "actual", "gap", "status"], key="targets",
                 file_name=ui.file_name(view, "targets"),
                 labels={"label": "Figure", "target": f"Target {view.year}", "actual": "Actual",
                         "gap": "Gap (actual − target)", "status": "Status"},
                 kinds={c: "text" for c in ("target", "actual", "gap", "status")})
    with ui.unless_denied("Whether it stands out in its cohort"):
        flagged = ui.metric("needs_help", scope)
        if flagged.empty:
            st.success(f"{ui.plain(view.label)} does not stand out in {view.year}: not below its cohort's lower "
                       "quartile, not falling, on its targets, data up to date.", icon=":material/check_circle:")
        else:
            st.warning(f"**{ui.plain(view.label)} stands out in {view.year}.** " + ui.plain(flagged["reasons"].iloc[0]),
                       icon=":material/flag:")
elif view.viewer.sees_everything:
    ui.needs_help_link(view, ui.metric("needs_help", scope))

st.header("Every school year")
trend = ui.metric("headline_trend", scope)
cohort_name = (f"cohort {int(ui.catalog('communities').set_index('slug').loc[scope.community, 'cohort'])}"
               if scope.community is not None and scope.community in set(ui.catalog("communities")["slug"])
               else f"cohort {scope.cohort}" if scope.cohort is not None else "all communities")
own_name = view.label if scope.community else (f"{cohort_name.capitalize()}, all its students" if scope.cohort
                                                 else "All students")
st.caption(f"The solid line is {ui.plain(own_name)}; the band is the middle half of the communities of "
           f"{cohort_name} (lower to upper quartile), the dashed line their median. A year whose figure is "
           "hidden (small counts) has no point.")
for metric in ("activation_rate", "active_user_rate"):
    ui.chart(charts.trend(trend, metric, own_name, cohort_name.capitalize()), key=f"trend-{metric}")
