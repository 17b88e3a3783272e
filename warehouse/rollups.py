"""Keep the rollup tables current: recompute them from the raw events for some communities.

Called inside the writer's transaction (warehouse.store.publishing), so events and rollups
commit together. The raw event tables stay the source of truth; every rollup can be rebuilt
from them with refresh(con). A load of dated events refreshes with since=<its earliest date>,
which recomputes only the school years from that date on (see refresh). A load that only adds
card activity or circulation rows calls warehouse.rollups_append.append(con, load_ids) instead,
whose cost follows the batch; both give exactly what a full refresh gives.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb

from warehouse import lake, store

ROLLUP_TABLES = (
    "rollup_first_activity",
    "rollup_card_year",
    "rollup_people_year",
    "rollup_activation_week",
    "rollup_circulation_month",
    "rollup_logins_month",
    "rollup_student_cells",
    "rollup_eresource_month",
    "rollup_community_cells",
    "rollup_community_people",
    "rollup_community_weeks",
    "rollup_circulation_year",
    "rollup_student_month",
)

# The school year ('2015-16') a date falls in: July to June.
SCHOOL_YEAR_OF = """
    CREATE OR REPLACE TEMP MACRO school_year_of(d) AS
        CAST(year(d) - CASE WHEN month(d) < 7 THEN 1 ELSE 0 END AS VARCHAR) || '-' ||
        right(CAST(year(d) + CASE WHEN month(d) < 7 THEN 0 ELSE 1 END AS VARCHAR), 2)
"""

# Every use of a card, one row each (the basis of activation and of active users), of the event
# rows that {where} selects; and the same per card and school year (sy: the year the school year
# starts in, 2015 for '2015-16'): its earliest use in the year and whether it used an e-resource
# or borrowed a hotspot. Read once from the events; first activity, active users and the rest are
# derived from it.
USES = """
    SELECT patron_id, community_id, CAST(event_time AS DATE) AS day,
           event_type = 'eresource_login' AS eresource, FALSE AS hotspot
    FROM card_event
    WHERE event_type IN ('activation', 'login', 'eresource_login') AND {where}
    UNION ALL
    SELECT patron_id, community_id, CAST(event_time AS DATE), FALSE, format = 'hotspot'
    FROM circulation
    WHERE patron_id IS NOT NULL AND {where}
"""
USES_PER_YEAR = """
    SELECT patron_id, CAST(year(day) - CAST(month(day) < 7 AS INTEGER) AS INTEGER) AS sy,
           any_value(community_id) AS community_id,
           min(day) AS first_day, bool_or(eresource) AS eresource, bool_or(hotspot) AS hotspot
    FROM ({uses}) GROUP BY patron_id, sy
""".replace("{uses}", USES)
USE_YEAR = "CREATE OR REPLACE TEMP TABLE use_year AS" + USES_PER_YEAR.replace(
    "{where}", "community_id IN (SELECT community_id FROM refresh_scope) AND {events}")

# The per-card, per-year facts kept for rollups_append: use_year without the first day.
CARD_YEAR = """
    INSERT INTO rollup_card_year
    SELECT patron_id, community_id, sy, eresource, hotspot FROM use_year ORDER BY community_id, sy
"""

def card_year_kept(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether rollup_card_year is there and complete: filled (refresh(con) fills it for every
    community, and every refresh and append keeps it once filled), or the warehouse has no
    card use at all yet (it was created with the table, which was kept from the start)."""
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'rollup_card_year' "
                   "AND NOT temporary").fetchone()[0] == 0:
        return False
    return (con.execute("SELECT count(*) FROM (SELECT 1 FROM rollup_card_year LIMIT 1)").fetchone()[0] > 0
            or con.execute("SELECT count(*) FROM (SELECT 1 FROM rollup_first_activity LIMIT 1)").fetchone()[0] == 0)


FIRST_ACTIVITY = """
    INSERT INTO rollup_first_activity
    SELECT patron_id, any_value(community_id) AS community_id, min(first_day) FROM use_year GROUP BY patron_id
    ORDER BY community_id, patron_id   -- so that append's look-ups by card read only their row groups
"""

# The incremental form (refresh with `since`; use_year then holds only the uses on or after Y0,
# the start of the school year containing `since`). Exact for any change of uses (added or
# deleted) dated on or after `since`, because Y0 <= since:
# - a card with a use before Y0 keeps its row: that use is unchanged, so its earliest use is the
#   same before and after the change and is before Y0, and those rows are exactly the ones with
#   first_activity < Y0 (kept by the DELETE in refresh);
# - a card with no use before Y0 (before or after the change: uses before Y0 did not change) has
#   its earliest use, if any, among the uses on or after Y0: min(day) over them is its new row.
#   Every other card's row was deleted (first_activity >= Y0), and the anti-join keeps the
#   uses-after-Y0 minimum from overwriting, or duplicating, the kept rows.
FIRST_ACTIVITY_SINCE = """
    INSERT INTO rollup_first_activity
    SELECT u.patron_id, any_value(u.community_id), min(u.first_day)
    FROM use_year u
    ANTI JOIN (SELECT patron_id FROM rollup_first_activity
               WHERE community_id IN (SELECT community_id FROM refresh_scope)) kept USING (patron_id)
    GROUP BY u.patron_id
"""

# Who holds a card in each school year refreshed: students on the year's roster; teachers and
# staff holding a card by the year's end; with the card's first activity (after it is refreshed).
HOLDERS = """
    CREATE OR REPLACE TEMP TABLE holder_year AS
    WITH holders AS (
        SELECT p.patron_id, p.community_id, p.patron_type, r.school_year, r.school_id, r.grade, p.issued_date
        FROM student_roster r JOIN patron p USING (patron_id)
        WHERE p.patron_type = 'student' AND p.community_id IN (SELECT community_id FROM refresh_scope)
          AND r.school_year IN (SELECT label FROM refresh_years)
        UNION ALL
        SELECT p.patron_id, p.community_id, p.patron_type, y.label, NULL, NULL, p.issued_date
        FROM patron p JOIN refresh_years y ON p.issued_date <= y.end_date
        WHERE p.patron_type <> 'student' AND p.community_id IN (SELECT community_id FROM refresh_scope)
    )
    SELECT h.*, y.start_date, y.end_date, y.sy, f.first_activity
    FROM holders h
    JOIN refresh_years y ON y.label = h.school_year
    LEFT JOIN rollup_first_activity f ON f.patron_id = h.patron_id
"""

# Per person and year: whether active, and attributes; then counted per school and grade.
PEOPLE_YEAR = """
    INSERT INTO rollup_people_year
    SELECT h.community_id, h.school_year, h.patron_type, h.school_id, h.grade,
           count(*) AS cards,
           count(*) FILTER (WHERE h.issued_date >= h.start_date) AS new_cards,
           count(*) FILTER (WHERE h.first_activity < h.start_date) AS activated_at_start,
           count(*) FILTER (WHERE h.first_activity <= h.end_date) AS activated,
           count(u.patron_id) AS active,
           count(*) FILTER (WHERE u.eresource) AS eresource_users,
           count(*) FILTER (WHERE u.hotspot) AS hotspot_borrowers
    FROM holder_year h
    LEFT JOIN use_year u ON u.patron_id = h.patron_id AND u.sy = h.sy
    GROUP BY ALL ORDER BY 1, 2
"""

ACTIVATION_WEEK = """
    INSERT INTO rollup_activation_week
    SELECT community_id, school_year, school_id, grade,
           CAST(date_trunc('week', first_activity) AS DATE) AS week_start, count(*) AS activations
    FROM holder_year
    WHERE first_activity BETWEEN start_date AND end_date AND patron_type = 'student'
    GROUP BY ALL ORDER BY 1, 2
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
        WHERE community_id IN (SELECT community_id FROM refresh_scope) AND {events}
        GROUP BY ALL
        UNION ALL
        SELECT community_id, month, format, audience, fiction, platform, checkouts, renewals
        FROM circulation_monthly
        WHERE community_id IN (SELECT community_id FROM refresh_scope) AND {months}
    )
    GROUP BY ALL ORDER BY 1, 2
"""

LOGINS_MONTH = """
    INSERT INTO rollup_logins_month
    SELECT community_id, school_year_of(month), month, event_type, channel, events
    FROM (
        SELECT community_id, CAST(date_trunc('month', event_time) AS DATE) AS month, event_type, channel,
               count(*) AS events
        FROM card_event
        WHERE community_id IN (SELECT community_id FROM refresh_scope) AND {events}
        GROUP BY ALL
    )
    ORDER BY 1, 2
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
          AND school_year IN (SELECT label FROM refresh_years)
        GROUP BY ALL
    ), enrolled AS (
        SELECT * FROM enrollment WHERE community_id IN (SELECT community_id FROM refresh_scope)
          AND school_year IN (SELECT label FROM refresh_years)
    )
    SELECT coalesce(e.community_id, p.community_id), coalesce(e.school_id, p.school_id),
           coalesce(e.grade, p.grade), coalesce(e.school_year, p.school_year),
           coalesce(e.students, 0), coalesce(p.cards, 0), coalesce(p.new_cards, 0),
           coalesce(p.activated_at_start, 0), coalesce(p.activated, 0), coalesce(p.active, 0),
           coalesce(p.eresource_users, 0), coalesce(p.hotspot_borrowers, 0)
    FROM enrolled e
    FULL JOIN people p ON p.school_id = e.school_id AND p.grade = e.grade AND p.school_year = e.school_year
"""

# Per school and month: roster students activated that month (first use, as ACTIVATION_WEEK)
# and roster students with a use that month (counted on the roster of the month's school year).
# Reads holder_year (HOLDERS) and the events of the communities in scope that {events} selects.
STUDENT_MONTH = """
    INSERT INTO rollup_student_month
    WITH activated AS (
        SELECT community_id, school_year, school_id, CAST(date_trunc('month', first_activity) AS DATE) AS month,
               count(*) AS n
        FROM holder_year
        WHERE first_activity BETWEEN start_date AND end_date AND patron_type = 'student'
        GROUP BY ALL
    ), used AS (
        SELECT DISTINCT patron_id, CAST(date_trunc('month', day) AS DATE) AS month FROM ({uses})
    ), users AS (
        SELECT h.community_id, h.school_year, h.school_id, u.month, count(*) AS n
        FROM used u JOIN holder_year h ON h.patron_id = u.patron_id AND u.month BETWEEN h.start_date AND h.end_date
        WHERE h.patron_type = 'student'
        GROUP BY ALL
    )
    SELECT coalesce(a.community_id, u.community_id), coalesce(a.school_year, u.school_year),
           coalesce(a.school_id, u.school_id), coalesce(a.month, u.month), coalesce(a.n, 0), coalesce(u.n, 0)
    FROM activated a
    FULL JOIN users u ON u.community_id = a.community_id AND u.school_year = a.school_year
                     AND u.school_id = a.school_id AND u.month = a.month
    ORDER BY 1, 4, 3
""".replace("{uses}", USES.replace(
    "{where}", "community_id IN (SELECT community_id FROM refresh_scope) AND {events}"))


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


# The serving grain: the school-grain rollups above summed over schools (and months), sorted
# by community and year so that a one-community question reads only its own row groups.
COMMUNITY_CELLS = """
    INSERT INTO rollup_community_cells
    SELECT r.community_id, r.school_year, r.grade, s.school_type, s.title_i,
           sum(enrolled), sum(cards), sum(new_cards), sum(activated_at_start), sum(activated), sum(active),
           sum(eresource_users), sum(hotspot_borrowers)
    FROM rollup_student_cells r JOIN school s USING (school_id)
    WHERE r.community_id IN (SELECT community_id FROM refresh_scope)
      AND r.school_year IN (SELECT label FROM refresh_years)
    GROUP BY ALL ORDER BY ALL
"""

COMMUNITY_PEOPLE = """
    INSERT INTO rollup_community_people
    SELECT community_id, school_year, patron_type, sum(cards), sum(new_cards), sum(activated_at_start),
           sum(activated), sum(active), sum(eresource_users), sum(hotspot_borrowers)
    FROM rollup_people_year
    WHERE community_id IN (SELECT community_id FROM refresh_scope)
      AND school_year IN (SELECT label FROM refresh_years)
    GROUP BY ALL ORDER BY ALL
"""

COMMUNITY_WEEKS = """
    INSERT INTO rollup_community_weeks
    SELECT community_id, school_year, week_start, sum(activations)
    FROM rollup_activation_week
    WHERE community_id IN (SELECT community_id FROM refresh_scope)
      AND school_year IN (SELECT label FROM refresh_years)
    GROUP BY ALL ORDER BY ALL
"""

CIRCULATION_YEAR = """
    INSERT INTO rollup_circulation_year
    SELECT community_id, school_year, format, audience, fiction, platform, sum(checkouts), sum(renewals)
    FROM rollup_circulation_month
    WHERE community_id IN (SELECT community_id FROM refresh_scope) AND {labels}
    GROUP BY ALL ORDER BY ALL
"""


# The steps after first activity, in order, for every refresh (warehouse/spark_refresh.py runs
# the same ones on Spark); and the filters of a refresh of everything.
LATER_STEPS = (HOLDERS, PEOPLE_YEAR, STUDENT_CELLS, ACTIVATION_WEEK, STUDENT_MONTH, CIRCULATION_MONTH,
               LOGINS_MONTH, ERESOURCE_MONTH, COMMUNITY_CELLS, COMMUNITY_PEOPLE, COMMUNITY_WEEKS, CIRCULATION_YEAR)
EVERYTHING = {"events": "TRUE", "months": "TRUE", "labels": "TRUE"}


# Which rows of each rollup a refresh since a date recomputes (see refresh). Every other row of
# a community in scope is kept as it is.
YEAR_TABLES = ("rollup_people_year", "rollup_activation_week", "rollup_student_cells", "rollup_community_cells",
               "rollup_community_people", "rollup_community_weeks")        # years of the school_year table
LABEL_TABLES = ("rollup_circulation_month", "rollup_logins_month", "rollup_circulation_year")  # school_year_of
WHOLE_TABLES = ("rollup_eresource_month",)   # the report picked per platform depends on every month


# The school years refreshed, with sy (the year a school year starts in) when the label is the
# one school_year_of gives its days (always, for years the loader and the demo create): uses
# match a year by sy, as they matched it by school_year_of(day) = label.
YEARS = """label, start_date, end_date,
    CASE WHEN label = school_year_of(make_date(TRY_CAST(left(label, 4) AS INTEGER), 7, 1))
         THEN TRY_CAST(left(label, 4) AS INTEGER) END AS sy"""


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> None:
    """Execute with the parameters the statement names (DuckDB refuses unused ones)."""
    con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql} or None)


def year_start(day: dt.date) -> dt.date:
    """The first day (July 1) of the school year containing `day`."""
    return dt.date(day.year - (1 if day.month < 7 else 0), 7, 1)


def _as_date(since) -> dt.date:
    if isinstance(since, dt.datetime):
        return since.date()
    if isinstance(since, dt.date):
        return since
    return dt.date.fromisoformat(str(since)[:10])


def refresh(con: duckdb.DuckDBPyConnection, community_ids: Iterable[int] | None = None,
            since: dt.date | None = None) -> None:
    """Recompute the rollups of the given communities (all when None) from the raw events.

    since=None recomputes everything of those communities. With a date, the caller promises that
    since the rollups were last current only dated events changed (rows of card_event,
    circulation, circulation_monthly or eresource_usage added or deleted, all dated on or after
    `since`; rosters, enrollment, cards and directories untouched), and only what such a change
    can alter is recomputed, reading only raw events from Y0 (July 1 of the school year holding
    `since`) on. The result is identical to a full refresh:

    - rollup_first_activity: see FIRST_ACTIVITY_SINCE.
    - rollup_card_year: the card-years sy >= Y0's year, exactly those use_year holds (a card-year
      depends only on the uses of its own year, and those before Y0 did not change).
    - people_year, student_cells, activation_week and their community-grain sums, for school
      years y with end_date >= since. Rows of an earlier year (end_date < since) cannot change:
      a card's first use moves only if it had no use before `since` (uses before it are
      unchanged), so old and new first_activity are both >= since > end_date, and both
      `first_activity < start_date` (activated_at_start) and `<= end_date` (activated, the
      week of activation) stay false; its uses in the year (active, e-resource, hotspot) are
      all before `since`; cards and new_cards read only patron and roster.
    - circulation_month, logins_month, circulation_year: months of school years from the one
      holding `since` on (school_year >= its label); each row sums only its own month's events.
    - eresource_month: entirely, for those communities (it is small), because the report type
      picked per platform and metric is chosen over all months.
    """
    lake.ensure_open(con, community_ids, _as_date(since) if since is not None else None)
    if community_ids is None:
        con.execute("CREATE OR REPLACE TEMP TABLE refresh_scope AS SELECT community_id FROM community")
    else:
        ids = sorted(set(community_ids))
        con.execute("CREATE OR REPLACE TEMP TABLE refresh_scope (community_id INTEGER)")
        con.execute("INSERT INTO refresh_scope SELECT unnest(?)", [list(ids)])
    con.execute(SCHOOL_YEAR_OF)
    in_scope = "community_id IN (SELECT community_id FROM refresh_scope)"
    # rollup_card_year is maintained only when it is complete before (or is made complete by a
    # refresh of everything): a warehouse made before it existed keeps it missing or empty
    # until refresh(con), and rollups_append.append refreshes instead meanwhile.
    everything = since is None and community_ids is None
    if everything:
        store.create_schema(con)   # rollup_card_year, should the warehouse predate it
    card_year = everything or card_year_kept(con)
    if since is None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE refresh_years AS SELECT {YEARS} FROM school_year")
        parts, bounds = EVERYTHING, {}
        for table in ROLLUP_TABLES:
            if table != "rollup_card_year" or card_year:
                con.execute(f"DELETE FROM {table} WHERE {in_scope}")
        steps = [CARD_YEAR, FIRST_ACTIVITY] if card_year else [FIRST_ACTIVITY]
    else:
        since = _as_date(since)
        con.execute(f"CREATE OR REPLACE TEMP TABLE refresh_years AS SELECT {YEARS} FROM school_year "
                    "WHERE end_date >= ?", [since])
        # Y0: July 1 starting the school year that holds `since` (or, should a year of the
        # school_year table not run July to June, the earliest start of the years recomputed).
        earliest = con.execute("SELECT min(start_date) FROM refresh_years").fetchall()[0][0]
        y0 = year_start(min(since, earliest or since))
        label = con.execute("SELECT school_year_of(?::DATE)", [y0]).fetchall()[0][0]
        # Bound values: DuckDB plans with them, so it still skips row groups by their min/max.
        parts = {"events": "event_time >= $from_time", "months": "month >= $from_month",
                 "labels": "school_year >= $from_label"}
        bounds = {"from_time": dt.datetime.combine(y0, dt.time()), "from_month": y0, "from_label": label}
        con.execute(f"DELETE FROM rollup_first_activity WHERE {in_scope} AND first_activity >= ?", [y0])
        # use_year holds exactly the card-years sy >= y0.year (the uses from Y0 = July 1 of y0.year on).
        if card_year:
            con.execute(f"DELETE FROM rollup_card_year WHERE {in_scope} AND sy >= ?", [y0.year])
        for table in (*YEAR_TABLES, "rollup_student_month"):   # month rows: as the activation weeks
            con.execute(f"DELETE FROM {table} WHERE {in_scope} AND school_year IN (SELECT label FROM refresh_years)")
        for table in LABEL_TABLES:
            _run(con, f"DELETE FROM {table} WHERE {in_scope} AND {parts['labels']}", bounds)
        for table in WHOLE_TABLES:
            con.execute(f"DELETE FROM {table} WHERE {in_scope}")
        steps = [CARD_YEAR, FIRST_ACTIVITY_SINCE] if card_year else [FIRST_ACTIVITY_SINCE]
    steps = [USE_YEAR, *steps, *LATER_STEPS]
    for sql in steps:
        _run(con, sql.format(**parts), bounds)
    for table in ("use_year", "holder_year", "refresh_scope", "refresh_years"):
        con.execute(f"DROP TABLE {table}")


def refresh_student_month(con: duckdb.DuckDBPyConnection, community_ids: Iterable[int], since: dt.date) -> None:
    """Recompute rollup_student_month of these communities for the school years ending on or
    after `since`, from rollup_first_activity (which must be current) and the events from July 1
    of the year holding `since` on: what refresh(con, community_ids, since) gives this table.
    rollups_append calls it after an append, because a use in a month when the card was already
    active in the year changes no yearly count but may add an active user to the month."""
    con.execute(SCHOOL_YEAR_OF)
    con.execute("CREATE OR REPLACE TEMP TABLE refresh_scope (community_id INTEGER)")
    con.execute("INSERT INTO refresh_scope SELECT unnest(?)", [[int(i) for i in sorted(set(community_ids))]])
    since = _as_date(since)
    con.execute(f"CREATE OR REPLACE TEMP TABLE refresh_years AS SELECT {YEARS} FROM school_year "
                "WHERE end_date >= ?", [since])
    earliest = con.execute("SELECT min(start_date) FROM refresh_years").fetchall()[0][0]
    y0 = year_start(min(since, earliest or since))
    con.execute("DELETE FROM rollup_student_month WHERE community_id IN (SELECT community_id FROM refresh_scope) "
                "AND school_year IN (SELECT label FROM refresh_years)")
    con.execute(HOLDERS)
    _run(con, STUDENT_MONTH.format(events="event_time >= $from_time"),
         {"from_time": dt.datetime.combine(y0, dt.time())})
    for table in ("holder_year", "refresh_scope", "refresh_years"):
        con.execute(f"DROP TABLE {table}")
