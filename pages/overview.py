"""Overview: the headline figures of the chosen scope and year, each against the year before. A
cohort or the whole program leads with the program's own headline and its survey indicators."""
import dataclasses

import pandas as pd
import streamlit as st

import components as ui
from components.wording import headline_tiles, program_tiles, survey_tiles
from metrics import formats
from metrics.headline import survey as headline_survey
from metrics.scope import Scope
from metrics.suppression import marks

view = ui.current_view()
ui.header("Overview", view)


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
items = headline_tiles(cur, prior, view.year, view.prior_year, view.has_prior_year)
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
