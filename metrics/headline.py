"""The program's own headline figures for a cohort or the whole program: what the program's
documents lead with (more than one million new student cards, 60 communities, the round-one
survey), one function shared by the Overview, the Cohorts page and the briefing."""
from __future__ import annotations

import duckdb
import pandas as pd

from metrics.access import check
from metrics.activation import active_user_rate, activation_rate
from metrics.cohorts import cohort_totals
from metrics.definitions import kind, label
from metrics.scope import Scope, run
from metrics.suppression import marks
from metrics.survey import survey_indicators

# figure -> (label, kind), in the order the pages show them.
FIGURES = {
    "new_cards": ("New student cards issued", "count"),
    "communities": ("Communities", "count"),
    "enrolled": (label("enrolled", short=True), kind("enrolled")),
    "students_reached": ("Students reached", "count"),
    "activation_rate": (label("activation_rate", short=True), kind("activation_rate")),
    "active_user_rate": (label("active_user_rate", short=True), kind("active_user_rate")),
}
NOT_SHOWN = "not shown"   # a figure this viewer may not see (a cohort too small to hide its members)
COHORTS_IN_SCOPE_SQL = "SELECT count(DISTINCT cohort) AS cohorts FROM community WHERE $cohort IS NULL OR cohort = $cohort"


def headline(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """The headline of a cohort (or the whole program) in the school year: new student cards
    issued during the year, communities, students enrolled, students reached (at least one
    interaction in the year), activation and active-user rates; then each survey indicator of
    the scope's cohorts (share of responding communities answering yes) with n and its Wilson
    95% interval. One row per figure: figure, label, kind ('count', 'rate' or 'survey'), value,
    mark ("<10", "suppressed" or "not shown" where the value is hidden), and for survey rows
    wave, n, yes, ci_low, ci_high."""
    check(con, scope)   # who may ask comes first, then what may be asked
    if scope.community is not None:
        raise ValueError("the program's headline is for a cohort or the whole program, not one community")
    activ = activation_rate(con, scope)          # each metric checks the viewer itself
    active = active_user_rate(con, scope)
    totals = cohort_totals(con, scope)
    if scope.cohort is not None:
        totals = totals[totals["cohort"] == scope.cohort]
    n_cohorts = run(con, COHORTS_IN_SCOPE_SQL, scope.params()).iloc[0, 0]

    def cell(df, col):
        if not len(df):
            return pd.NA, None
        mark = marks(df, col).iloc[0]
        return (pd.NA, mark) if isinstance(mark, str) else (df[col].iloc[0], None)

    def total(col):
        """A sum over the scope's cohorts: hidden when any part is, or when a cohort is left out."""
        if len(totals) < n_cohorts:
            return pd.NA, NOT_SHOWN
        hidden = [m for m in marks(totals, col) if isinstance(m, str)]
        if hidden:
            return pd.NA, hidden[0]
        return int(totals[col].sum()), None

    values = {
        "new_cards": total("new_cards"), "communities": total("communities"),
        "enrolled": cell(activ, "enrolled"), "students_reached": cell(active, "active"),
        "activation_rate": cell(activ, "activation_rate"), "active_user_rate": cell(active, "active_user_rate"),
    }
    rows = [dict(figure=f, label=label, kind=kind, value=values[f][0], mark=values[f][1])
            for f, (label, kind) in FIGURES.items()]
    survey = survey_indicators(con, scope)
    for r in survey.itertuples():
        rows.append(dict(figure=f"survey:{r.question_id}", label=r.question, kind="survey", value=r.share_yes,
                         mark=None, wave=r.wave, n=r.n, yes=r.yes, ci_low=r.ci_low, ci_high=r.ci_high))
    out = pd.DataFrame(rows)
    for col in ("wave", "n", "yes", "ci_low", "ci_high"):
        if col not in out:
            out[col] = pd.NA
    return out


def figure(df: pd.DataFrame, name: str):
    """One figure of a headline: its value, or its mark when hidden (None when absent)."""
    row = df[df["figure"] == name]
    if row.empty:
        return None
    mark = row["mark"].iloc[0]
    return mark if isinstance(mark, str) else row["value"].iloc[0]


def survey(df: pd.DataFrame) -> pd.DataFrame:
    """The survey rows of a headline."""
    return df[df["kind"] == "survey"].reset_index(drop=True)
