"""E-resource usage as vendors report it (COUNTER Release 5 metric names where supplied)."""
from __future__ import annotations

import duckdb
import pandas as pd

from metrics.access import check
from metrics.definitions import compute, deps, rates, select, suppressible
from metrics.disclosure import combine, hide_eresources, hide_totals, rate_hidden
from metrics.scope import COMMUNITY_FILTER, Scope, run
from metrics.suppression import suppress

PLATFORM_FILTER = "($platform IS NULL OR platform = $platform) AND ($metric_type IS NULL OR metric_type = $metric_type)"

ERESOURCE_USAGE_BY_MONTH_SQL = f"""
SELECT month, school_year, platform, metric_type, sum(count) AS usage
FROM v_eresource_usage
WHERE school_year IN ($year, $prior_year) AND {COMMUNITY_FILTER} AND {PLATFORM_FILTER}
GROUP BY ALL
ORDER BY month, platform, metric_type
"""


def eresource_usage_by_month(con: duckdb.DuckDBPyConnection, scope: Scope,
                             metric_type: str | None = "Total_Item_Requests") -> pd.DataFrame:
    """Monthly e-resource usage per platform and COUNTER metric, in the school year and the
    year before; one report type per platform and metric (never DR plus TR plus PR)."""
    check(con, scope)
    df = run(con, ERESOURCE_USAGE_BY_MONTH_SQL, {**scope.params(), "metric_type": metric_type})
    return hide_eresources(con, scope, df, "month", {"usage": "school_year"})


ERESOURCE_GROWTH_SQL = f"""
SELECT platform, metric_type,
       coalesce(sum(count) FILTER (WHERE school_year = $year), 0) AS usage,
       coalesce(sum(count) FILTER (WHERE school_year = $prior_year), 0) AS prior_usage,
       count(*) FILTER (WHERE school_year = $year) > 0 AS reported
FROM v_eresource_usage
WHERE school_year IN ($year, $prior_year) AND {COMMUNITY_FILTER} AND {PLATFORM_FILTER}
GROUP BY ALL
ORDER BY platform, metric_type
"""


def eresource_growth(con: duckdb.DuckDBPyConnection, scope: Scope,
                     metric_type: str | None = None) -> pd.DataFrame:
    """E-resource usage in the school year against the year before, per platform and COUNTER
    metric: growth = usage / usage the year before - 1, missing from a zero base. reported: the
    year has usage rows; usage 0 with reported is "no use" (a vendor's no-usage report), usage 0
    without is "no data"."""
    check(con, scope)
    df = run(con, ERESOURCE_GROWTH_SQL, {**scope.params(), "metric_type": metric_type})
    df["growth"] = compute(df, "usage_growth")
    return hide_eresources(con, scope, df, "year", {"usage": "year", "prior_usage": "prior"}, rates("usage_growth"))


ERESOURCE_PER_ACTIVE_STUDENT_SQL = f"""
WITH usage AS (
    SELECT sum(count) AS usage FROM v_eresource_usage
    WHERE school_year = $year AND metric_type = 'Total_Item_Requests' AND {COMMUNITY_FILTER}
), people AS (
    SELECT sum(active) AS active FROM v_people_year
    WHERE grain = 'community' AND school_year = $year AND patron_type = 'student' AND {COMMUNITY_FILTER}
)
SELECT usage, active, {select("usage_per_active_student", numerator="usage", denominator="active")} FROM usage, people
"""


def eresource_per_active_student(con: duckdb.DuckDBPyConnection, scope: Scope, *,
                                 counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """E-resource usage per active student: Total_Item_Requests in the school year over students
    with at least one interaction that year."""
    check(con, scope)
    df = run(con, ERESOURCE_PER_ACTIVE_STUDENT_SQL, scope.params()) if counts is None else counts
    use = hide_eresources(con, scope, df.assign(metric_type="Total_Item_Requests"), "year:metric", {"usage": "year"})
    df = combine(suppress(df.assign(usage=use["usage"]), suppressible("active")), use)
    df = hide_totals(con, scope, df, {"active": "active"})
    return rate_hidden(df, "per_student", deps("usage_per_active_student"))
