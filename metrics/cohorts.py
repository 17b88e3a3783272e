"""Communities side by side, and each against its cohort."""
from __future__ import annotations

import duckdb
import pandas as pd

from metrics.access import MIN_COMMUNITIES, PROGRAM, AccessDenied, check, check_program, reachable
from metrics.definitions import rates, select
from metrics.disclosure import hide_rows
from metrics.scope import Scope, run

STUDENTS = ("enrolled", "cards", "new_cards", "activated", "active")
COMPARABLE = ("activation_rate", "active_user_rate", "circulation_growth")

COMMUNITY_TABLE_SQL = f"""
WITH people AS (
    SELECT community_id, {select(*STUDENTS)}
    FROM v_cells WHERE grain = 'community' AND school_year = $year GROUP BY community_id
), circ AS (
    SELECT community_id,
           sum(circulation) FILTER (WHERE school_year = $year) AS circulation,
           sum(circulation) FILTER (WHERE school_year = $prior_year) AS prior_circulation
    FROM v_circulation_year WHERE school_year IN ($year, $prior_year) GROUP BY community_id
)
SELECT c.slug AS key, c.name AS label, c.cohort, c.state,
       {select(*STUDENTS, "activation_rate", "active_user_rate", over="p")},
       {select("circulation", "prior_circulation", "circulation_growth", over="x")}
FROM community c
LEFT JOIN people p USING (community_id)
LEFT JOIN circ x USING (community_id)
WHERE ($cohort IS NULL OR c.cohort = $cohort)
  AND ($community IS NULL OR c.cohort = (SELECT cohort FROM community WHERE slug = $community))
ORDER BY c.cohort, c.name
"""


def community_table(con: duckdb.DuckDBPyConnection, scope: Scope, *,
                    counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every community of the scope's cohort (all communities for the program) on one row:
    enrollment, cards, activation rate, active-user rate, circulation and its growth."""
    check_program(scope, "the table of communities")
    return _community_rows(con, scope, counts)


def _community_rows(con: duckdb.DuckDBPyConnection, scope: Scope, counts: pd.DataFrame | None = None) -> pd.DataFrame:
    df = run(con, COMMUNITY_TABLE_SQL, scope.params()) if counts is None else counts
    # each row is a community's total, hidden as that community's own figures hide it
    out = _hide_communities(con, scope, df)
    if scope.viewer.sees_everything:
        return out
    # A community viewer's decision covers its own row only. The other rows never show, but they
    # make its cohort's quartiles, so they are hidden as program staff see them: a community of 8
    # students would otherwise be one of the values its quartiles are taken over.
    others = out["key"] != scope.viewer.community
    staff = _hide_communities(con, scope.replace(viewer=PROGRAM), df)
    return pd.concat([out[~others], staff[others]]).sort_index()


def _hide_communities(con, scope: Scope, df: pd.DataFrame) -> pd.DataFrame:
    return hide_rows(con, scope, df, "community", {c: c for c in STUDENTS},
                     {"circulation": "year", "prior_circulation": "prior"}, rates(*COMPARABLE))


def cohort_comparison(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """A community against its cohort: for each comparable metric, the community's value, the
    cohort's median and quartiles (linear interpolation) over its communities, and n."""
    if scope.community is None:
        raise ValueError("cohort comparison needs one community in the scope")
    check(con, scope)
    return compare_to_cohort(_cohort_rows(con, scope), scope.community, scope.viewer)


def cohort_quartiles(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """The spread of a cohort's communities (all communities for the program; a community's
    own cohort for a community): for each comparable metric, the lower quartile, median and
    upper quartile (linear interpolation) over the communities with a value, and n."""
    check(con, scope)
    table = _cohort_rows(con, scope)
    return pd.DataFrame([dict(metric=metric, **spread(table[metric], scope.viewer)) for metric in COMPARABLE])


def spread(column: pd.Series, viewer) -> dict:
    """Lower quartile, median and upper quartile (linear interpolation) of the communities
    with a value, and n. A community's value enters only where its own figures are shown (the
    community table hides the rest), and a viewer who is not program staff gets the spread only
    of MIN_COMMUNITIES values or more: a quartile of fewer is near enough one community's own."""
    values = pd.to_numeric(column, errors="coerce").dropna()
    if not viewer.sees_everything and len(values) < MIN_COMMUNITIES:
        return dict(q1=float("nan"), median=float("nan"), q3=float("nan"), n=len(values))
    return dict(q1=values.quantile(0.25), median=values.median(), q3=values.quantile(0.75), n=len(values))


def _cohort_rows(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """The community rows behind a cohort aggregate, when the viewer may see that aggregate."""
    table = _community_rows(con, scope)
    if not scope.viewer.sees_everything and len(table) < MIN_COMMUNITIES:
        raise AccessDenied(f"the cohort has {len(table)} communities; a comparison with fewer than "
                           f"{MIN_COMMUNITIES} is shown to program staff only")
    return table


def compare_to_cohort(table: pd.DataFrame, community: str, viewer) -> pd.DataFrame:
    """The comparison itself, over a community table of one cohort."""
    own = table[table["key"] == community]
    if own.empty:
        raise ValueError(f"unknown community {community!r}")
    return pd.DataFrame([dict(metric=metric, value=own.iloc[0][metric], cohort=int(own.iloc[0]["cohort"]),
                              **spread(table[metric], viewer)) for metric in COMPARABLE])


COHORT_TOTALS_SQL = """
SELECT c.cohort, count(DISTINCT c.community_id) AS communities,
       coalesce(sum(v.enrolled), 0) AS enrolled, coalesce(sum(v.new_cards), 0) AS new_cards,
       coalesce(sum(v.cards), 0) AS cards, coalesce(sum(v.active), 0) AS students_reached
FROM community c
LEFT JOIN v_cells v ON v.community_id = c.community_id AND v.grain = 'community' AND v.school_year = $year
WHERE ($cohort IS NULL OR c.cohort = $cohort)
  AND ($community IS NULL OR c.cohort = (SELECT cohort FROM community WHERE slug = $community))
GROUP BY c.cohort
ORDER BY c.cohort
"""


def cohort_totals(con: duckdb.DuckDBPyConnection, scope: Scope, *,
                  counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per cohort in the school year: communities, students enrolled, new student cards issued,
    student cards held, and students reached (with at least one interaction in the year)."""
    if scope.community is not None or scope.cohort is not None or scope.viewer.sees_everything:
        check(con, scope)
    df = run(con, COHORT_TOTALS_SQL, scope.params()) if counts is None else counts
    if not scope.viewer.sees_everything:  # a cohort too small to hide its members is left out
        df = df[df["cohort"].isin(reachable(con, scope.viewer).cohorts)].reset_index(drop=True)
    return hide_rows(con, scope, df, "cohort", {"enrolled": "enrolled", "new_cards": "new_cards", "cards": "cards",
                                                "students_reached": "active"})
