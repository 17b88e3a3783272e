"""Who has a card, who has used it, and when: activation and active users."""
from __future__ import annotations

import duckdb
import pandas as pd

from metrics.access import check
from metrics.definitions import compute, select, suppressible, suppression
from metrics.disclosure import hide
from metrics.scope import COMMUNITY_FILTER, SCOPE_FILTER, Scope, run
from metrics.suppression import suppress

BREAKDOWNS = ("all", "community", "cohort", "school", "grade", "school_type", "title_i")
NAMED = ("community", "school")   # breakdowns with a row per named community or school
ACTIVATION = ("enrolled", "cards", "activated", "activation_rate", "activation_rate_of_cards")
ACTIVE_USERS = ("enrolled", "active", "active_user_rate")

# The row's key and label in the breakdown $by, for a row of v_cells.
_KEY = """CASE $by WHEN 'all' THEN 'all' WHEN 'community' THEN slug WHEN 'cohort' THEN CAST(cohort AS VARCHAR)
    WHEN 'school' THEN CAST(school_id AS VARCHAR) WHEN 'grade' THEN lpad(CAST(grade AS VARCHAR), 2, '0')
    WHEN 'school_type' THEN school_type ELSE CAST(coalesce(title_i, FALSE) AS VARCHAR) END"""
_LABEL = """CASE $by WHEN 'all' THEN 'All students' WHEN 'community' THEN community_name
    WHEN 'cohort' THEN 'Cohort ' || cohort WHEN 'school' THEN school_name
    WHEN 'grade' THEN CASE WHEN grade = 0 THEN 'Kindergarten' ELSE 'Grade ' || grade END
    WHEN 'school_type' THEN CASE school_type WHEN 'charter' THEN 'Charter' ELSE 'District' END
    ELSE CASE WHEN title_i THEN 'Title I schools' ELSE 'Other schools' END END"""

ACTIVATION_RATE_SQL = f"""
SELECT {_KEY} AS key, any_value({_LABEL}) AS label, {select(*ACTIVATION)}
FROM v_cells
WHERE grain = $grain AND school_year = $year AND {SCOPE_FILTER}
GROUP BY key
ORDER BY key
"""


def _check(by: str) -> None:
    if by not in BREAKDOWNS:
        raise ValueError(f"breakdown {by!r} is not one of {', '.join(BREAKDOWNS)}")


def activation_rate(con: duckdb.DuckDBPyConnection, scope: Scope, by: str = "all", *,
                    counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Activation rate: students whose card has been used at least once (first checkout,
    login or e-resource login) by the end of the school year, over students enrolled; and the
    same over student cards issued."""
    _check(by)
    check(con, scope, names=by in NAMED)
    df = run(con, ACTIVATION_RATE_SQL, {**scope.params(), "by": by, "grain": scope.grain(by)}) if counts is None else counts
    return hide(con, scope, by, df, *suppression(*ACTIVATION))


ACTIVE_USER_RATE_SQL = f"""
SELECT {_KEY} AS key, any_value({_LABEL}) AS label, {select(*ACTIVE_USERS)}
FROM v_cells
WHERE grain = $grain AND school_year = $year AND {SCOPE_FILTER}
GROUP BY key
ORDER BY key
"""


def active_user_rate(con: duckdb.DuckDBPyConnection, scope: Scope, by: str = "all", *,
                     counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Active-user rate: students with at least one interaction (login, checkout, e-resource
    login) during the school year, each counted once across every platform, over enrolled."""
    _check(by)
    check(con, scope, names=by in NAMED)
    df = run(con, ACTIVE_USER_RATE_SQL, {**scope.params(), "by": by, "grain": scope.grain(by)}) if counts is None else counts
    return hide(con, scope, by, df, *suppression(*ACTIVE_USERS))


ACTIVATION_BY_WEEK_SQL = f"""
WITH start AS (
    SELECT school_year, sum(activated_at_start) AS at_start, sum(enrolled) AS enrolled
    FROM v_cells
    WHERE grain = $grain AND school_year IN ($year, $prior_year) AND {SCOPE_FILTER}
    GROUP BY school_year
), weekly AS (
    SELECT school_year, week_start, sum(activations) AS activations
    FROM v_activation_week
    WHERE grain = $grain AND school_year IN ($year, $prior_year) AND {SCOPE_FILTER}
    GROUP BY school_year, week_start
)
SELECT w.school_year, w.week_start,
       CAST(floor(datediff('day', y.start_date, w.week_start) / 7) AS INTEGER) + 1 AS week,
       s.at_start + sum(w.activations) OVER (PARTITION BY w.school_year ORDER BY w.week_start) AS activated,
       s.enrolled
FROM weekly w
JOIN start s USING (school_year)
JOIN school_year y ON y.label = w.school_year
ORDER BY w.school_year, w.week_start
"""


def activation_by_week(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """Cumulative activation through the school year, week by week, for the year and the year
    before: students on the year's roster whose card had been used by the end of each week,
    over students enrolled that year."""
    check(con, scope)
    df = run(con, ACTIVATION_BY_WEEK_SQL, scope.params())
    df["activation_rate"] = compute(df, "activation_rate")
    return suppress(df, *suppression("activation_rate"))


STAFF_CARDS_SQL = f"""
SELECT patron_type, sum(cards) AS cards, sum(new_cards) AS new_cards, sum(active) AS active
FROM v_people_year
WHERE grain = $grain AND patron_type IN ('teacher', 'staff') AND school_year = $year AND {SCOPE_FILTER}
GROUP BY patron_type
ORDER BY patron_type
"""


def staff_cards(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """Teacher and staff cards held at the end of the school year, issued during it, and
    used during it."""
    check(con, scope)
    df = run(con, STAFF_CARDS_SQL, scope.params())
    return suppress(df, suppressible("cards", "new_cards", "active"))


ACTIVATION_SINCE_LAUNCH_SQL = f"""
WITH weekly AS (
    SELECT community_id, school_year, week_start, sum(activations) AS activations
    FROM v_activation_week WHERE grain = 'community' AND {COMMUNITY_FILTER}
    GROUP BY community_id, school_year, week_start
), cumulative AS (
    SELECT community_id, school_year, week_start,
           sum(activations) OVER (PARTITION BY community_id, school_year ORDER BY week_start) AS in_year
    FROM weekly
), base AS (
    SELECT community_id, school_year, sum(activated_at_start) AS at_start, sum(enrolled) AS enrolled
    FROM v_cells WHERE grain = 'community' AND {COMMUNITY_FILTER}
    GROUP BY community_id, school_year
), points AS (
    SELECT c.community_id, c.slug, c.name, c.cohort, m.months,
           CAST(c.launch_date + to_months(CAST(m.months AS INTEGER)) AS DATE) AS at
    FROM community c CROSS JOIN (SELECT unnest(range(0, 37)) AS months) m  -- a list, not a table function: portable
    WHERE c.launch_date IS NOT NULL AND {COMMUNITY_FILTER}
), located AS (
    SELECT p.*, y.label AS school_year FROM points p
    JOIN school_year y ON p.at BETWEEN y.start_date AND y.end_date
)
SELECT l.slug AS key, l.name AS label, l.cohort, l.months, l.at, l.school_year,
       b.at_start + coalesce(max(c.in_year), 0) AS activated, b.enrolled,
       {select("activation_rate", numerator="(b.at_start + coalesce(max(c.in_year), 0))", denominator="b.enrolled")}
FROM located l
JOIN base b ON b.community_id = l.community_id AND b.school_year = l.school_year
LEFT JOIN cumulative c  -- cumulative counts only grow: the latest week up to the mark is the max
  ON c.community_id = l.community_id AND c.school_year = l.school_year AND c.week_start <= l.at
GROUP BY l.slug, l.name, l.cohort, l.months, l.at, l.school_year, b.at_start, b.enrolled
ORDER BY l.name, l.months
"""


def activation_since_launch(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """Activation against months since the community's card launch (0 to 36): students on
    that school year's roster whose card had been used by the week of each monthly mark, over
    students enrolled that year. Card drives are judged at 5, 9 and 12 months."""
    check(con, scope, names=True)
    df = run(con, ACTIVATION_SINCE_LAUNCH_SQL, scope.params())
    return suppress(df, *suppression("activation_rate"))
