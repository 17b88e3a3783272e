"""Circulation (checkouts plus renewals) by format, audience, fiction/non-fiction and platform.

Circulation is the library's whole circulation, as its director reports it: loans by every
patron. The program's student, teacher and staff cards come as loan-level rows (`circulation`),
everyone else's loans as the library system's monthly counts (`circulation_monthly`); the
rollups add both. Who reached how many students is told by activation and active users.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from metrics.access import check
from metrics.definitions import compute, deps, select, suppressible
from metrics.disclosure import combine, hide_circulation, hide_totals, rate_hidden
from metrics.scope import COMMUNITY_FILTER, ITEM_FILTER, SCOPE_FILTER, Scope, run
from metrics.suppression import suppress

BREAKDOWNS = ("all", "format", "audience", "fiction", "platform", "detail")

# The breakdown's label, for a row of v_circulation_month.
_LABEL = """CASE $by WHEN 'format' THEN format WHEN 'audience' THEN audience
    WHEN 'fiction' THEN fiction WHEN 'platform' THEN platform
    WHEN 'detail' THEN audience || ' ' || fiction || ' ' || format || ' · ' || platform
    ELSE 'All circulation' END"""
# The breakdown's dimensions as columns too (functions of the label, so the grouping is the
# same), for metrics.disclosure to find each row's cells.
_DIMS = ", ".join(f"CASE WHEN $by IN ('{d}', 'detail') THEN {d} END AS {d}"
                  for d in ("format", "audience", "fiction", "platform"))
_DIM_COLUMNS = ["format", "audience", "fiction", "platform"]


def _check(by: str) -> None:
    if by not in BREAKDOWNS:
        raise ValueError(f"breakdown {by!r} is not one of {', '.join(BREAKDOWNS)}")


CIRCULATION_BY_MONTH_SQL = f"""
SELECT month, school_year, {_LABEL} AS label, {_DIMS}, sum(circulation) AS circulation
FROM v_circulation_month
WHERE school_year IN ($year, $prior_year) AND {COMMUNITY_FILTER} AND {ITEM_FILTER}
GROUP BY ALL
ORDER BY month, label
"""


def circulation_by_month(con: duckdb.DuckDBPyConnection, scope: Scope, by: str = "all", *,
                         counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Monthly circulation (checkouts plus renewals) in the school year and the year before."""
    _check(by)
    check(con, scope)
    df = run(con, CIRCULATION_BY_MONTH_SQL, {**scope.params(), "by": by}) if counts is None else counts
    df = hide_circulation(con, scope, df, by, {"circulation": "school_year"}, monthly=True)
    return df.drop(columns=_DIM_COLUMNS)


CIRCULATION_GROWTH_SQL = f"""
SELECT {_LABEL} AS label, {_DIMS},
       coalesce(sum(circulation) FILTER (WHERE school_year = $year), 0) AS circulation,
       coalesce(sum(circulation) FILTER (WHERE school_year = $prior_year), 0) AS prior_circulation
FROM v_circulation_year
WHERE school_year IN ($year, $prior_year) AND {COMMUNITY_FILTER} AND {ITEM_FILTER}
GROUP BY ALL
ORDER BY circulation DESC, label
"""


def circulation_growth(con: duckdb.DuckDBPyConnection, scope: Scope, by: str = "all", *,
                       counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Circulation growth: circulation in the school year over the year before, minus one.
    No growth is stated from a zero base (growth is missing when the year before had none)."""
    _check(by)
    check(con, scope)
    df = run(con, CIRCULATION_GROWTH_SQL, {**scope.params(), "by": by}) if counts is None else counts.copy()
    df["growth"] = compute(df, "circulation_growth")
    df = hide_circulation(con, scope, df, by, {"circulation": "year", "prior_circulation": "prior"},
                          {"growth": deps("circulation_growth")})
    return df.drop(columns=_DIM_COLUMNS)


CIRCULATION_PER_STUDENT_SQL = f"""
WITH circ AS (
    SELECT school_year, sum(circulation) AS circulation
    FROM v_circulation_year
    WHERE school_year IN ($year, $prior_year) AND {COMMUNITY_FILTER} AND {ITEM_FILTER}
    GROUP BY school_year
), enrolled AS (
    SELECT school_year, sum(enrolled) AS enrolled
    FROM v_cells
    WHERE grain = $grain AND school_year IN ($year, $prior_year) AND {SCOPE_FILTER}
    GROUP BY school_year
)
SELECT e.school_year, coalesce(c.circulation, 0) AS circulation, e.enrolled,
       {select("circulation_per_student", numerator="coalesce(c.circulation, 0)", denominator="e.enrolled")}
FROM enrolled e LEFT JOIN circ c USING (school_year)
ORDER BY e.school_year
"""


def circulation_per_student(con: duckdb.DuckDBPyConnection, scope: Scope, *,
                            counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Library circulation per enrolled student: the library's whole circulation in the school
    year (and the year before) over students enrolled."""
    check(con, scope)
    df = run(con, CIRCULATION_PER_STUDENT_SQL, scope.params()) if counts is None else counts
    circ = hide_circulation(con, scope, df, "all", {"circulation": "school_year"})
    df = suppress(df.assign(circulation=circ["circulation"]), suppressible("enrolled"))
    df = combine(df, circ)
    df = hide_totals(con, scope, df, {"enrolled": "enrolled"}, year="school_year")
    return rate_hidden(df, "per_student", deps("circulation_per_student"))


HOTSPOT_LENDING_SQL = f"""
WITH loans AS (
    SELECT school_year, sum(checkouts) AS loans
    FROM v_circulation_year
    WHERE format = 'hotspot' AND school_year IN ($year, $prior_year) AND {COMMUNITY_FILTER}
    GROUP BY school_year
), borrowers AS (
    SELECT school_year, sum(hotspot_borrowers) AS borrowers
    FROM v_people_year
    WHERE grain = 'community' AND school_year IN ($year, $prior_year) AND {COMMUNITY_FILTER}
    GROUP BY school_year
)
SELECT y.label AS school_year, coalesce(l.loans, 0) AS loans, coalesce(b.borrowers, 0) AS borrowers
FROM school_year y
LEFT JOIN loans l ON l.school_year = y.label
LEFT JOIN borrowers b ON b.school_year = y.label
WHERE y.label IN ($year, $prior_year)
ORDER BY y.label
"""


def hotspot_lending(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """Hotspot loans (checkouts of format 'hotspot') and unique borrowers (card holders with
    at least one hotspot loan, each counted once) in the school year and the year before."""
    check(con, scope)
    df = run(con, HOTSPOT_LENDING_SQL, scope.params())
    return suppress(df, suppressible("loans", "borrowers"))
