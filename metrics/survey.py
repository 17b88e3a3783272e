"""Cohort-wide survey indicators, always with their n."""
from __future__ import annotations

import duckdb
import pandas as pd

from metrics.access import check
from metrics.definitions import select
from metrics.scope import Scope, run

Z95 = 1.959964

SURVEY_INDICATORS_SQL = f"""
WITH counts AS (
    SELECT r.wave, r.question_id, any_value(r.question) AS question,
           count(*) FILTER (WHERE lower(r.answer) = 'yes') AS yes,
           count(r.answer) AS n
    FROM survey_response r JOIN community c USING (community_id)
    WHERE ($cohort IS NULL OR c.cohort = $cohort)
      AND ($community IS NULL OR c.cohort = (SELECT cohort FROM community WHERE slug = $community))
      AND ($wave IS NULL OR r.wave = $wave)
    GROUP BY r.wave, r.question_id
), shares AS (
    -- nn is missing, not 0, when nobody answered: no division by zero on any engine (DuckDB
    -- gives inf, Spark an error), and p is missing then anyway, so the interval is too
    SELECT *, {select("share_yes", numerator="CAST(yes AS DOUBLE)", denominator="n")},
           CAST(nullif(n, 0) AS DOUBLE) AS nn
    FROM counts
), wilson AS (
    SELECT *, share_yes AS p FROM shares
)
SELECT wave, question_id, question, yes, n, share_yes,
       (p + $z * $z / (2 * nn) - $z * sqrt(p * (1 - p) / nn + $z * $z / (4 * nn * nn))) / (1 + $z * $z / nn) AS ci_low,
       (p + $z * $z / (2 * nn) + $z * sqrt(p * (1 - p) / nn + $z * $z / (4 * nn * nn))) / (1 + $z * $z / nn) AS ci_high
FROM wilson
ORDER BY wave, question_id
"""


def survey_indicators(con: duckdb.DuckDBPyConnection, scope: Scope, wave: str | None = None) -> pd.DataFrame:
    """Survey indicator: share of responding communities answering yes, with n (communities
    that answered the question) and a Wilson 95% interval. Scoped to a cohort; a community
    sees its own cohort's aggregate. Missing share and interval when nobody answered."""
    check(con, scope)
    return run(con, SURVEY_INDICATORS_SQL, {**scope.params(), "wave": wave, "z": Z95})
