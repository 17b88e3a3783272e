"""The rollup-based metrics computed again straight from the raw event tables.

This is the "before" the rollups save us from, kept for two reasons: the equality test
(tests/test_rollup_equality.py) proves that speed never changes a number, and the benchmark
(benchmarks/run.py) measures what the rollups buy. Nothing here reads a rollup_* table or a
view built on one: first activation, active students, hotspot borrowers and monthly
circulation are recomputed per call from card_event, circulation, circulation_monthly,
patron, student_roster and enrollment (and the small dimension tables).

Each function has the same signature, output columns and order as its twin in metrics/, and
hides small counts by handing its counts to the twin (`counts=`); the definitions are those of warehouse/rollups.py:
- a use of a card is a login, activation or e-resource login (card_event) or a checkout or
  renewal (circulation); a card is activated by the end of a year when its first use is on or
  before the year's last day, and active in a year when it has a use within the year;
- students are counted through the year's roster (school and grade); teachers and staff hold
  their card from its issued_date;
- a student's community for scoping is the community of the roster's school; a teacher's is
  the card's community. (The rollups take the card's community; the two agree while a
  library's cards are on its own district's rosters.)
Not for pages: every call scans the events.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

import metrics
from metrics.activation import ACTIVATION, ACTIVE_USERS
from metrics.activation import _check as _check_student_breakdown
from metrics.circulation import _DIMS
from metrics.circulation import _check as _check_circulation_breakdown
from metrics.cohorts import STUDENTS as STUDENT_COUNTS
from metrics.cohorts import compare_to_cohort
from metrics.definitions import compute, select, suppression
from metrics.scope import Scope, run
from metrics.suppression import suppress

# ------------------------------------------------------------------ shared pieces of SQL
# The scope's communities: one, a cohort, or all.
SCOPED = """scoped AS (
    SELECT community_id, slug, cohort, state, name AS community_name FROM community
    WHERE ($community IS NULL OR slug = $community) AND ($cohort IS NULL OR cohort = $cohort)
)"""

# Program-staff views (community table, cohort totals) show the whole cohort of a community.
SCOPED_COHORT = """scoped AS (
    SELECT community_id, slug, cohort, state, name AS community_name FROM community
    WHERE ($cohort IS NULL OR cohort = $cohort)
      AND ($community IS NULL OR cohort = (SELECT cohort FROM community WHERE slug = $community))
)"""

# The scope's schools.
SCHOOLS = """schools AS (
    SELECT s.school_id, s.name AS school_name, s.school_type, s.title_i, c.*
    FROM school s JOIN scoped c USING (community_id)
    WHERE ($school_id IS NULL OR s.school_id = $school_id)
)"""

# Every use of a scoped community's cards up to the end of the last year asked about.
USES = """uses AS (
    SELECT patron_id, CAST(event_time AS DATE) AS day,
           event_type = 'eresource_login' AS eresource, FALSE AS hotspot
    FROM card_event
    WHERE event_type IN ('activation', 'login', 'eresource_login')
      AND community_id IN (SELECT community_id FROM scoped)
      AND CAST(event_time AS DATE) <= (SELECT max(end_date) FROM years)
    UNION ALL
    SELECT patron_id, CAST(event_time AS DATE), FALSE, format = 'hotspot'
    FROM circulation
    WHERE patron_id IS NOT NULL
      AND community_id IN (SELECT community_id FROM scoped)
      AND CAST(event_time AS DATE) <= (SELECT max(end_date) FROM years)
)"""

# Per card and year asked about: its first use so far (NULL: never used by the year's end),
# and whether it was used, used for e-resources, used to borrow a hotspot within the year.
PATRON_YEAR = """patron_year AS (
    SELECT u.patron_id, y.label AS school_year, min(u.day) AS first_day,
           bool_or(u.day >= y.start_date) AS active,
           bool_or(u.eresource AND u.day >= y.start_date) AS eresource,
           bool_or(u.hotspot AND u.day >= y.start_date) AS hotspot
    FROM uses u JOIN years y ON u.day <= y.end_date
    GROUP BY u.patron_id, y.label
)"""

# Each student card on a scoped school's roster in a year asked about, with its facts.
STUDENTS = """students AS (
    SELECT r.patron_id, r.school_id, r.grade, r.school_year, y.start_date, y.end_date,
           p.issued_date >= y.start_date AS new_card,
           coalesce(py.first_day < y.start_date, FALSE) AS activated_at_start,
           py.first_day, py.first_day IS NOT NULL AS activated,
           coalesce(py.active, FALSE) AS active, coalesce(py.eresource, FALSE) AS eresource,
           coalesce(py.hotspot, FALSE) AS hotspot
    FROM student_roster r
    JOIN patron p ON p.patron_id = r.patron_id AND p.patron_type = 'student'
    JOIN years y ON y.label = r.school_year
    LEFT JOIN patron_year py ON py.patron_id = r.patron_id AND py.school_year = r.school_year
    WHERE r.school_id IN (SELECT school_id FROM schools) AND ($grade IS NULL OR r.grade = $grade)
)"""

# Students per (school, grade, year): enrolled beside card counts. A cell exists where the
# district reported enrollment or a student card is on the roster.
CELLS = """cells AS (
    SELECT x.school_id, x.grade, x.school_year, sum(x.enrolled) AS enrolled, sum(x.cards) AS cards,
           sum(x.new_cards) AS new_cards, sum(x.activated_at_start) AS activated_at_start,
           sum(x.activated) AS activated, sum(x.active) AS active, s.*  EXCLUDE (school_id)
    FROM (
        SELECT school_id, grade, school_year, students AS enrolled, 0 AS cards, 0 AS new_cards,
               0 AS activated_at_start, 0 AS activated, 0 AS active
        FROM enrollment
        WHERE school_year IN (SELECT label FROM years)
          AND school_id IN (SELECT school_id FROM schools) AND ($grade IS NULL OR grade = $grade)
        UNION ALL
        SELECT school_id, grade, school_year, 0, count(*), count(*) FILTER (WHERE new_card),
               count(*) FILTER (WHERE activated_at_start), count(*) FILTER (WHERE activated),
               count(*) FILTER (WHERE active)
        FROM students GROUP BY school_id, grade, school_year
    ) x JOIN schools s USING (school_id)
    GROUP BY ALL
)"""


def _with(*ctes: str) -> str:
    return "WITH " + ",\n".join(ctes) + "\n"


def _years(which: str) -> str:
    """The school years asked about: 'year' or 'both' (the year and the year before)."""
    where = "label = $year" if which == "year" else "label IN ($year, $prior_year)"
    return f"years AS (SELECT label, start_date, end_date FROM school_year WHERE {where})"


def _item_window(scope: Scope) -> dict:
    """The first and last day + 1 of the year before and the year: July to June."""
    start = int(scope.school_year[:4])
    return {"from_day": dt.date(start - 1, 7, 1), "to_day": dt.date(start + 1, 7, 1)}


# ------------------------------------------------------------------ activation and active users
_KEY = """CASE $by WHEN 'all' THEN 'all' WHEN 'community' THEN slug
    WHEN 'cohort' THEN CAST(cohort AS VARCHAR) WHEN 'school' THEN CAST(school_id AS VARCHAR)
    WHEN 'grade' THEN lpad(CAST(grade AS VARCHAR), 2, '0') WHEN 'school_type' THEN school_type
    WHEN 'title_i' THEN CAST(coalesce(title_i, FALSE) AS VARCHAR) END"""
_BREAKDOWN_LABEL = """CASE $by WHEN 'all' THEN 'All students' WHEN 'community' THEN community_name
    WHEN 'cohort' THEN 'Cohort ' || cohort WHEN 'school' THEN school_name
    WHEN 'grade' THEN CASE WHEN grade = 0 THEN 'Kindergarten' ELSE 'Grade ' || grade END
    WHEN 'school_type' THEN CASE school_type WHEN 'charter' THEN 'Charter' ELSE 'District' END
    WHEN 'title_i' THEN CASE WHEN title_i THEN 'Title I schools' ELSE 'Other schools' END END"""

STUDENT_CELLS = _with(SCOPED, SCHOOLS, _years("year"), USES, PATRON_YEAR, STUDENTS, CELLS)

ACTIVATION_RATE_SQL = STUDENT_CELLS + f"""
SELECT {_KEY} AS key, {_BREAKDOWN_LABEL} AS label, {select(*ACTIVATION)}
FROM cells
GROUP BY ALL
ORDER BY key
"""


def activation_rate(con: duckdb.DuckDBPyConnection, scope: Scope, by: str = "all") -> pd.DataFrame:
    """metrics.activation_rate from raw events."""
    _check_student_breakdown(by)
    return metrics.activation_rate(con, scope, by, counts=run(con, ACTIVATION_RATE_SQL, {**scope.params(), "by": by}))


ACTIVE_USER_RATE_SQL = STUDENT_CELLS + f"""
SELECT {_KEY} AS key, {_BREAKDOWN_LABEL} AS label, {select(*ACTIVE_USERS)}
FROM cells
GROUP BY ALL
ORDER BY key
"""


def active_user_rate(con: duckdb.DuckDBPyConnection, scope: Scope, by: str = "all") -> pd.DataFrame:
    """metrics.active_user_rate from raw events."""
    _check_student_breakdown(by)
    return metrics.active_user_rate(con, scope, by, counts=run(con, ACTIVE_USER_RATE_SQL, {**scope.params(), "by": by}))


ACTIVATION_BY_WEEK_SQL = _with(SCOPED, SCHOOLS, _years("both"), USES, PATRON_YEAR, STUDENTS, CELLS) + """,
start AS (
    SELECT school_year, sum(activated_at_start) AS at_start, sum(enrolled) AS enrolled
    FROM cells GROUP BY school_year
), weekly AS (  -- students whose first use falls in the year, by the week of it
    SELECT school_year, CAST(date_trunc('week', first_day) AS DATE) AS week_start, count(*) AS activations
    FROM students WHERE first_day >= start_date
    GROUP BY ALL
)
SELECT w.school_year, w.week_start,
       CAST(floor(datediff('day', y.start_date, w.week_start) / 7) AS INTEGER) + 1 AS week,
       s.at_start + sum(w.activations) OVER (PARTITION BY w.school_year ORDER BY w.week_start) AS activated,
       s.enrolled
FROM weekly w
JOIN start s USING (school_year)
JOIN years y ON y.label = w.school_year
ORDER BY w.school_year, w.week_start
"""


def activation_by_week(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """metrics.activation_by_week from raw events."""
    df = run(con, ACTIVATION_BY_WEEK_SQL, scope.params())
    df["activation_rate"] = compute(df, "activation_rate")
    return suppress(df, *suppression("activation_rate"))


STAFF_CARDS_SQL = _with(SCOPED, _years("year"), USES, PATRON_YEAR) + """
SELECT p.patron_type, count(*) AS cards, count(*) FILTER (WHERE p.issued_date >= y.start_date) AS new_cards,
       count(*) FILTER (WHERE py.active) AS active
FROM patron p
JOIN years y ON p.issued_date <= y.end_date
LEFT JOIN patron_year py ON py.patron_id = p.patron_id AND py.school_year = y.label
WHERE p.patron_type IN ('teacher', 'staff') AND p.community_id IN (SELECT community_id FROM scoped)
  AND $school_id IS NULL AND $grade IS NULL   -- staff belong to no school or grade
GROUP BY p.patron_type
ORDER BY p.patron_type
"""


def staff_cards(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """metrics.staff_cards from raw events."""
    df = run(con, STAFF_CARDS_SQL, scope.params())
    return suppress(df, ["cards", "new_cards", "active"])


# ------------------------------------------------------------------ circulation
# Every checkout and renewal of the year and the year before, and the monthly-count rows.
ITEMS = """items AS (
    SELECT community_id, CAST(date_trunc('month', event_time) AS DATE) AS month, action,
           format, audience, fiction, platform, 1 AS n
    FROM circulation
    WHERE event_time >= $from_day AND event_time < $to_day
    UNION ALL
    SELECT community_id, month, unnest(['checkout', 'renewal']), format, audience, fiction, platform,
           unnest([checkouts, renewals])
    FROM circulation_monthly
    WHERE month >= $from_day AND month < $to_day
), scoped_items AS (
    SELECT i.*, strftime(i.month - INTERVAL 6 MONTH, '%Y') || '-' || strftime(i.month + INTERVAL 6 MONTH, '%y')
               AS school_year
    FROM items i
    WHERE i.community_id IN (SELECT community_id FROM scoped)
      AND ($format IS NULL OR format = $format) AND ($audience IS NULL OR audience = $audience)
      AND ($fiction IS NULL OR fiction = $fiction) AND ($platform IS NULL OR platform = $platform)
)"""

_CIRC_LABEL = """CASE $by WHEN 'format' THEN format WHEN 'audience' THEN audience
    WHEN 'fiction' THEN fiction WHEN 'platform' THEN platform
    WHEN 'detail' THEN audience || ' ' || fiction || ' ' || format || ' · ' || platform
    ELSE 'All circulation' END"""

CIRCULATION_BY_MONTH_SQL = _with(SCOPED, ITEMS) + f"""
SELECT month, school_year, {_CIRC_LABEL} AS label, {_DIMS}, sum(n) AS circulation
FROM scoped_items
GROUP BY ALL
ORDER BY month, label
"""


def circulation_by_month(con: duckdb.DuckDBPyConnection, scope: Scope, by: str = "all") -> pd.DataFrame:
    """metrics.circulation_by_month from raw events."""
    _check_circulation_breakdown(by)
    df = run(con, CIRCULATION_BY_MONTH_SQL, {**scope.params(), **_item_window(scope), "by": by})
    return metrics.circulation_by_month(con, scope, by, counts=df)


CIRCULATION_GROWTH_SQL = _with(SCOPED, ITEMS) + f"""
SELECT {_CIRC_LABEL} AS label, {_DIMS},
       coalesce(sum(n) FILTER (WHERE school_year = $year), 0) AS circulation,
       coalesce(sum(n) FILTER (WHERE school_year = $prior_year), 0) AS prior_circulation
FROM scoped_items
GROUP BY ALL
ORDER BY circulation DESC, label
"""


def circulation_growth(con: duckdb.DuckDBPyConnection, scope: Scope, by: str = "all") -> pd.DataFrame:
    """metrics.circulation_growth from raw events."""
    _check_circulation_breakdown(by)
    df = run(con, CIRCULATION_GROWTH_SQL, {**scope.params(), **_item_window(scope), "by": by})
    return metrics.circulation_growth(con, scope, by, counts=df)


CIRCULATION_PER_STUDENT_SQL = _with(SCOPED, SCHOOLS, _years("both"), ITEMS) + f""",
circ AS (SELECT school_year, sum(n) AS circulation FROM scoped_items GROUP BY school_year),
enrolled AS (  -- a year counts where enrollment was reported or a student card is on a roster
    SELECT school_year, sum(students) AS enrolled FROM (
        SELECT school_year, students FROM enrollment
        WHERE school_year IN (SELECT label FROM years)
          AND school_id IN (SELECT school_id FROM schools) AND ($grade IS NULL OR grade = $grade)
        UNION ALL
        SELECT DISTINCT r.school_year, 0 FROM student_roster r
        JOIN patron p ON p.patron_id = r.patron_id AND p.patron_type = 'student'
        WHERE r.school_year IN (SELECT label FROM years)
          AND r.school_id IN (SELECT school_id FROM schools) AND ($grade IS NULL OR r.grade = $grade)
    ) GROUP BY school_year
)
SELECT e.school_year, coalesce(c.circulation, 0) AS circulation, e.enrolled,
       {select("circulation_per_student", numerator="coalesce(c.circulation, 0)", denominator="e.enrolled")}
FROM enrolled e LEFT JOIN circ c USING (school_year)
ORDER BY e.school_year
"""


def circulation_per_student(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """metrics.circulation_per_student from raw events."""
    df = run(con, CIRCULATION_PER_STUDENT_SQL, {**scope.params(), **_item_window(scope)})
    return metrics.circulation_per_student(con, scope, counts=df)


# Card holders of the scoped communities in a year: roster students (any school) and
# teachers and staff with a card issued by the year's end.
HOLDERS = """holders AS (
    SELECT r.patron_id, r.school_year FROM student_roster r
    JOIN patron p ON p.patron_id = r.patron_id AND p.patron_type = 'student'
    WHERE p.community_id IN (SELECT community_id FROM scoped) AND r.school_year IN (SELECT label FROM years)
    UNION ALL
    SELECT p.patron_id, y.label FROM patron p JOIN years y ON p.issued_date <= y.end_date
    WHERE p.patron_type <> 'student' AND p.community_id IN (SELECT community_id FROM scoped)
)"""

HOTSPOT_LENDING_SQL = _with(SCOPED, _years("both"), ITEMS, USES, PATRON_YEAR, HOLDERS) + """,
loans AS (
    SELECT school_year, sum(n) AS loans FROM scoped_items
    WHERE format = 'hotspot' AND action = 'checkout' GROUP BY school_year
), borrowers AS (
    SELECT h.school_year, count(*) AS borrowers
    FROM holders h JOIN patron_year py USING (patron_id, school_year)
    WHERE py.hotspot GROUP BY h.school_year
)
SELECT y.label AS school_year, coalesce(l.loans, 0) AS loans, coalesce(b.borrowers, 0) AS borrowers
FROM years y
LEFT JOIN loans l ON l.school_year = y.label
LEFT JOIN borrowers b ON b.school_year = y.label
ORDER BY y.label
"""


def hotspot_lending(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """metrics.hotspot_lending from raw events."""
    # Hotspot loans are counted whatever the scope's item filters say, as in the metric.
    params = {**scope.params(), **_item_window(scope), "format": None, "audience": None,
              "fiction": None, "platform": None}
    df = run(con, HOTSPOT_LENDING_SQL, params)
    return suppress(df, ["loans", "borrowers"])


# ------------------------------------------------------------------ e-resources
# One report per community, platform and metric, as v_eresource_usage picks it.
ERESOURCE_PICKED = """picked AS (
    SELECT e.*, strftime(e.month - INTERVAL 6 MONTH, '%Y') || '-' || strftime(e.month + INTERVAL 6 MONTH, '%y')
               AS school_year
    FROM eresource_usage e
    WHERE e.community_id IN (SELECT community_id FROM scoped)
    QUALIFY dense_rank() OVER (PARTITION BY e.community_id, e.platform, e.metric_type
                               ORDER BY CASE e.report_type WHEN 'PR' THEN 1 WHEN 'vendor' THEN 2
                                        WHEN 'DR' THEN 3 WHEN 'TR' THEN 4 ELSE 5 END) = 1
)"""

ERESOURCE_PER_ACTIVE_STUDENT_SQL = _with(SCOPED, _years("year"), USES, PATRON_YEAR, ERESOURCE_PICKED) + f""",
usage AS (SELECT sum(count) AS usage FROM picked WHERE school_year = $year AND metric_type = 'Total_Item_Requests'),
people AS (  -- NULL, not 0, when no student is on a roster that year, as a sum over no rows
    SELECT sum(CAST(coalesce(py.active, FALSE) AS INTEGER)) AS active
    FROM student_roster r
    JOIN years y ON y.label = r.school_year
    JOIN patron p ON p.patron_id = r.patron_id AND p.patron_type = 'student'
    LEFT JOIN patron_year py ON py.patron_id = r.patron_id AND py.school_year = r.school_year
    WHERE p.community_id IN (SELECT community_id FROM scoped)
)
SELECT usage, active, {select("usage_per_active_student", numerator="usage", denominator="active")}
FROM usage, people
"""


def eresource_per_active_student(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """metrics.eresource_per_active_student from raw events."""
    return metrics.eresource_per_active_student(con, scope, counts=run(con, ERESOURCE_PER_ACTIVE_STUDENT_SQL,
                                                                       scope.params()))


# ------------------------------------------------------------------ communities and cohorts
COMMUNITY_TABLE_SQL = _with(SCOPED_COHORT, SCHOOLS, _years("year"), USES, PATRON_YEAR, STUDENTS, CELLS,
                            ITEMS) + f""",
people AS (
    SELECT community_id, {select(*STUDENT_COUNTS)}
    FROM cells GROUP BY community_id
), circ AS (
    SELECT community_id, sum(n) FILTER (WHERE school_year = $year) AS circulation,
           sum(n) FILTER (WHERE school_year = $prior_year) AS prior_circulation
    FROM scoped_items GROUP BY community_id
)
SELECT c.slug AS key, c.community_name AS label, c.cohort, c.state,
       {select(*STUDENT_COUNTS, "activation_rate", "active_user_rate", over="p")},
       {select("circulation", "prior_circulation", "circulation_growth", over="x")}
FROM scoped c
LEFT JOIN people p USING (community_id)
LEFT JOIN circ x USING (community_id)
ORDER BY c.cohort, c.community_name
"""


def _program_params(scope: Scope) -> dict:
    # Community table and cohort totals look at whole communities of the scope's cohort.
    return {**scope.params(), **_item_window(scope), "school_id": None, "grade": None,
            "format": None, "audience": None, "fiction": None, "platform": None}


def community_table(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """metrics.community_table from raw events."""
    return metrics.community_table(con, scope, counts=run(con, COMMUNITY_TABLE_SQL, _program_params(scope)))


def cohort_comparison(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """metrics.cohort_comparison over the raw community table."""
    if scope.community is None:
        raise ValueError("cohort comparison needs one community in the scope")
    return compare_to_cohort(community_table(con, scope), scope.community, scope.viewer)


COHORT_TOTALS_SQL = _with(SCOPED_COHORT, SCHOOLS, _years("year"), USES, PATRON_YEAR, STUDENTS, CELLS) + """
SELECT c.cohort, count(DISTINCT c.community_id) AS communities,
       coalesce(sum(v.enrolled), 0) AS enrolled, coalesce(sum(v.new_cards), 0) AS new_cards,
       coalesce(sum(v.cards), 0) AS cards, coalesce(sum(v.active), 0) AS students_reached
FROM scoped c
LEFT JOIN cells v ON v.community_id = c.community_id
GROUP BY c.cohort
ORDER BY c.cohort
"""


def cohort_totals(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """metrics.cohort_totals from raw events."""
    return metrics.cohort_totals(con, scope, counts=run(con, COHORT_TOTALS_SQL, _program_params(scope)))


# The rollup-based metrics and their raw twins, by name (for the test and the benchmark).
TWINS = (
    "activation_rate", "active_user_rate", "activation_by_week", "staff_cards",
    "circulation_by_month", "circulation_growth", "circulation_per_student", "hotspot_lending",
    "eresource_per_active_student", "community_table", "cohort_comparison", "cohort_totals",
)
