"""Every school year held at once: the headline rates of a scope, its cohort's spread, and a
community's schools side by side."""
from __future__ import annotations

import duckdb
import pandas as pd

from metrics.access import AccessDenied, check
from metrics.activation import NAMED, active_user_rate, activation_rate
from metrics.cohorts import cohort_quartiles
from metrics.scope import Scope, run
from metrics.suppression import marks

YEARS_SQL = "SELECT label FROM school_year ORDER BY label"
TREND_METRICS = ("activation_rate", "active_user_rate")


def headline_trend(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """The activation and active-user rates of the scope in every school year held, beside the
    lower quartile, median and upper quartile of the communities of its cohort (a community's
    own cohort; a cohort's communities; every community for the program) that year. One row
    per year and metric: school_year, metric, value (missing where hidden), mark, q1, median,
    q3, n. The spread is missing where the viewer may not see it (a cohort too small)."""
    check(con, scope)
    rows = []
    for year in run(con, YEARS_SQL, {})["label"]:
        at = scope.replace(school_year=year)
        figures = {"activation_rate": activation_rate(con, at), "active_user_rate": active_user_rate(con, at)}
        try:
            spread = cohort_quartiles(con, Scope(year, community=scope.community, cohort=scope.cohort,
                                                 viewer=scope.viewer)).set_index("metric")
        except AccessDenied:
            spread = None
        for metric in TREND_METRICS:
            df = figures[metric]
            mark = marks(df, metric).iloc[0] if len(df) else "no data"
            value = df[metric].iloc[0] if len(df) and not isinstance(mark, str) else pd.NA
            q = spread.loc[metric] if spread is not None else None
            rows.append(dict(school_year=year, metric=metric, value=value,
                             mark=mark if isinstance(mark, str) else None,
                             q1=q["q1"] if q is not None else pd.NA, median=q["median"] if q is not None else pd.NA,
                             q3=q["q3"] if q is not None else pd.NA, n=q["n"] if q is not None else 0))
    out = pd.DataFrame(rows)
    for col in ("value", "q1", "median", "q3"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


def schools_over_years(con: duckdb.DuckDBPyConnection, scope: Scope, schools: tuple[int, ...]) -> pd.DataFrame:
    """Chosen schools of one community side by side in every school year held: students
    enrolled, activated and active, activation and active-user rates, each hidden as the
    community's own by-school table hides it. One row per school and year."""
    check(con, scope, names=True)   # who may ask comes first, then what may be asked
    if scope.community is None:
        raise ValueError("schools belong to one community")
    return breakdown_over_years(con, scope, "school", tuple(str(s) for s in schools))


def breakdown_over_years(con: duckdb.DuckDBPyConnection, scope: Scope, by: str,
                         keys: tuple[str, ...] | None = None) -> pd.DataFrame:
    """A breakdown of metrics.activation (by school, grade, ...) in every school year held: per
    row and year, students enrolled, activated and active, activation and active-user rates,
    hidden as that year's breakdown hides them. keys: only these rows (all when None)."""
    check(con, scope, names=by in NAMED)
    parts = []
    for year in run(con, YEARS_SQL, {})["label"]:
        at = scope.replace(school_year=year)
        act = activation_rate(con, at, by=by)
        active = active_user_rate(con, at, by=by)
        if keys is not None:
            act = act[act["key"].astype(str).isin(keys)]
            active = active[active["key"].astype(str).isin(keys)]
        if act.empty:
            continue
        active = active.set_index("key")
        frame = act[["key", "label", "enrolled", "activated", "activation_rate", "suppressed", "complementary"]].copy()
        frame["active"] = frame["key"].map(active["active"])
        frame["active_user_rate"] = frame["key"].map(active["active_user_rate"])
        for col in ("suppressed", "complementary"):   # what is hidden in either table
            both = frame[col].fillna("") + "," + frame["key"].map(active[col]).fillna("")
            frame[col] = both.str.strip(",")
        frame["school_year"] = year
        parts.append(frame)
    columns = ["school_year", "key", "label", "enrolled", "activated", "activation_rate", "active",
               "active_user_rate", "suppressed", "complementary"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


SCHOOL_COUNT_SQL = """
SELECT coalesce(school_type, 'district') AS school_type, count(DISTINCT school_id) AS schools
FROM v_cells
WHERE grain = 'school' AND school_year = $year AND enrolled > 0
  AND ($community IS NULL OR slug = $community) AND ($cohort IS NULL OR cohort = $cohort)
GROUP BY 1 ORDER BY 1
"""


def school_count(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """Schools with students enrolled in the school year, by type (district, charter)."""
    check(con, scope)
    return run(con, SCHOOL_COUNT_SQL, scope.params())
