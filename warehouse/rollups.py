"""Keep the rollup tables current: recompute them from the raw events for some communities.

Called inside the writer's transaction (warehouse.store.publishing), so events and rollups
commit together. The raw event tables stay the source of truth; every rollup can be rebuilt
from them with refresh(con).
"""
from __future__ import annotations

from collections.abc import Iterable

import duckdb

ROLLUP_TABLES = (
    "rollup_first_activity",
    "rollup_people_year",
    "rollup_activation_week",
    "rollup_circulation_month",
    "rollup_logins_month",
    "rollup_student_cells",
    "rollup_eresource_month",
)

# The school year ('2015-16') a date falls in: July to June.
SCHOOL_YEAR_OF = """
    CREATE OR REPLACE TEMP MACRO school_year_of(d) AS
        CAST(year(d) - CASE WHEN month(d) < 7 THEN 1 ELSE 0 END AS VARCHAR) || '-' ||
        right(CAST(year(d) + CASE WHEN month(d) < 7 THEN 0 ELSE 1 END AS VARCHAR), 2)
"""

# Every use of a card, one row each: the basis of activation and of active users.
USES = """
    CREATE OR REPLACE TEMP VIEW card_use AS
    SELECT patron_id, community_id, CAST(event_time AS DATE) AS day,
           event_type = 'eresource_login' AS eresource, FALSE AS hotspot
    FROM card_event
    WHERE event_type IN ('activation', 'login', 'eresource_login')
      AND community_id IN (SELECT community_id FROM refresh_scope)
    UNION ALL
    SELECT patron_id, community_id, CAST(event_time AS DATE), FALSE, format = 'hotspot'
    FROM circulation
    WHERE patron_id IS NOT NULL
      AND community_id IN (SELECT community_id FROM refresh_scope)
"""

FIRST_ACTIVITY = """
    INSERT INTO rollup_first_activity
    SELECT patron_id, any_value(community_id), min(day) FROM card_use GROUP BY patron_id
"""

# Per person and year: whether active, and attributes; then counted per school and grade.
PEOPLE_YEAR = """
    INSERT INTO rollup_people_year
    WITH use_year AS (
        SELECT patron_id, school_year_of(day) AS school_year,
               bool_or(eresource) AS eresource, bool_or(hotspot) AS hotspot
        FROM card_use GROUP BY ALL
    ),
    holders AS (  -- students on the year's roster; teachers and staff holding a card by year end
        SELECT p.patron_id, p.community_id, p.patron_type, r.school_year, r.school_id, r.grade, p.issued_date
        FROM student_roster r JOIN patron p USING (patron_id)
        WHERE p.patron_type = 'student' AND p.community_id IN (SELECT community_id FROM refresh_scope)
        UNION ALL
        SELECT p.patron_id, p.community_id, p.patron_type, y.label, NULL, NULL, p.issued_date
        FROM patron p JOIN school_year y ON p.issued_date <= y.end_date
        WHERE p.patron_type <> 'student' AND p.community_id IN (SELECT community_id FROM refresh_scope)
    )
    SELECT h.community_id, h.school_year, h.patron_type, h.school_id, h.grade,
           count(*) AS cards,
           count(*) FILTER (WHERE h.issued_date >= y.start_date) AS new_cards,
           count(*) FILTER (WHERE f.first_activity < y.start_date) AS activated_at_start,
           count(*) FILTER (WHERE f.first_activity <= y.end_date) AS activated,
           count(u.patron_id) AS active,
           count(*) FILTER (WHERE u.eresource) AS eresource_users,
           count(*) FILTER (WHERE u.hotspot) AS hotspot_borrowers
    FROM holders h
    JOIN school_year y ON y.label = h.school_year
    LEFT JOIN rollup_first_activity f ON f.patron_id = h.patron_id
    LEFT JOIN use_year u ON u.patron_id = h.patron_id AND u.school_year = h.school_year
    GROUP BY ALL
"""

ACTIVATION_WEEK = """
    INSERT INTO rollup_activation_week
    SELECT p.community_id, r.school_year, r.school_id, r.grade,
           CAST(date_trunc('week', f.first_activity) AS DATE) AS week_start, count(*) AS activations
    FROM student_roster r
    JOIN patron p USING (patron_id)
    JOIN rollup_first_activity f USING (patron_id)
    JOIN school_year y ON y.label = r.school_year
    WHERE f.first_activity BETWEEN y.start_date AND y.end_date AND p.patron_type = 'student'
      AND p.community_id IN (SELECT community_id FROM refresh_scope)
    GROUP BY ALL
"""

CIRCULATION_MONTH = """
    INSERT INTO rollup_circulation_month
    SELECT community_id, school_year_of(month), month, format, audience, fiction, platform,
           sum(checkouts), sum(renewals)
    FROM (
        SELECT community_id, CAST(date_trunc('month', event_time) AS DATE) AS month,
               format, audience, fiction, platform,
               count(*) FILTER (WHERE action = 'checkout') AS checkouts,
               count(*) FILTER (WHERE action = 'renewal') AS renewals
        FROM circulation
        WHERE community_id IN (SELECT community_id FROM refresh_scope)
        GROUP BY ALL
        UNION ALL
        SELECT community_id, month, format, audience, fiction, platform, checkouts, renewals
        FROM circulation_monthly
        WHERE community_id IN (SELECT community_id FROM refresh_scope)
    )
    GROUP BY ALL
"""

LOGINS_MONTH = """
    INSERT INTO rollup_logins_month
    SELECT community_id, school_year_of(CAST(event_time AS DATE)),
           CAST(date_trunc('month', event_time) AS DATE), event_type, channel, count(*)
    FROM card_event
    WHERE community_id IN (SELECT community_id FROM refresh_scope)
    GROUP BY ALL
"""


STUDENT_CELLS = """
    INSERT INTO rollup_student_cells
    WITH people AS (
        SELECT community_id, school_id, grade, school_year, sum(cards) AS cards, sum(new_cards) AS new_cards,
               sum(activated_at_start) AS activated_at_start, sum(activated) AS activated,
               sum(active) AS active, sum(eresource_users) AS eresource_users,
               sum(hotspot_borrowers) AS hotspot_borrowers
        FROM rollup_people_year
        WHERE patron_type = 'student' AND community_id IN (SELECT community_id FROM refresh_scope)
        GROUP BY ALL
    ), enrolled AS (
        SELECT * FROM enrollment WHERE community_id IN (SELECT community_id FROM refresh_scope)
    )
    SELECT coalesce(e.community_id, p.community_id), coalesce(e.school_id, p.school_id),
           coalesce(e.grade, p.grade), coalesce(e.school_year, p.school_year),
           coalesce(e.students, 0), coalesce(p.cards, 0), coalesce(p.new_cards, 0),
           coalesce(p.activated_at_start, 0), coalesce(p.activated, 0), coalesce(p.active, 0),
           coalesce(p.eresource_users, 0), coalesce(p.hotspot_borrowers, 0)
    FROM enrolled e
    FULL JOIN people p ON p.school_id = e.school_id AND p.grade = e.grade AND p.school_year = e.school_year
"""

# One report per community, platform and metric, chosen once here rather than per query.
ERESOURCE_MONTH = """
    INSERT INTO rollup_eresource_month
    WITH ranked AS (
        SELECT e.*, dense_rank() OVER (
                   PARTITION BY community_id, platform, metric_type
                   ORDER BY CASE WHEN report_type = 'PR' THEN 1
                                 WHEN report_type = 'vendor' THEN 2
                                 WHEN report_type LIKE 'PR_%' THEN 3  -- standard views, e.g. PR_P1
                                 WHEN report_type = 'DR' THEN 4
                                 WHEN report_type LIKE 'DR_%' THEN 5
                                 WHEN report_type = 'TR' THEN 6
                                 WHEN report_type LIKE 'TR_%' THEN 7
                                 ELSE 8 END) AS pick
        FROM eresource_usage e
        WHERE community_id IN (SELECT community_id FROM refresh_scope)
    )
    SELECT community_id, platform, month, school_year_of(month), metric_type, report_type,
           any_value(counter_release), sum(count)
    FROM ranked WHERE pick = 1
    GROUP BY community_id, platform, month, metric_type, report_type
"""


def refresh(con: duckdb.DuckDBPyConnection, community_ids: Iterable[int] | None = None) -> None:
    """Recompute every rollup for the given communities (all when None) from the raw events."""
    if community_ids is None:
        con.execute("CREATE OR REPLACE TEMP TABLE refresh_scope AS SELECT community_id FROM community")
    else:
        ids = sorted(set(community_ids))
        con.execute("CREATE OR REPLACE TEMP TABLE refresh_scope (community_id INTEGER)")
        con.executemany("INSERT INTO refresh_scope VALUES (?)", [[i] for i in ids])
    for table in ROLLUP_TABLES:
        con.execute(f"DELETE FROM {table} WHERE community_id IN (SELECT community_id FROM refresh_scope)")
    con.execute(SCHOOL_YEAR_OF)
    con.execute(USES)
    for sql in (FIRST_ACTIVITY, PEOPLE_YEAR, STUDENT_CELLS, ACTIVATION_WEEK, CIRCULATION_MONTH, LOGINS_MONTH,
                ERESOURCE_MONTH):
        con.execute(sql)
    con.execute("DROP VIEW card_use")
    con.execute("DROP TABLE refresh_scope")
