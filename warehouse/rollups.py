"""Keep the rollup tables current: recompute them from the raw events for some communities.

Called inside the writer's transaction (warehouse.store.publishing), so events and rollups
commit together. The raw event tables stay the source of truth; every rollup can be rebuilt
from them with refresh(con). A load of dated events refreshes with since=<its earliest date>,
which recomputes only the school years from that date on (see refresh). A load that only adds
card activity or circulation rows calls append(con, load_ids) instead, whose cost follows the
batch (see append); both give exactly what a full refresh gives.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb

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
    SELECT patron_id, year(day) - CAST(month(day) < 7 AS INTEGER) AS sy, any_value(community_id) AS community_id,
           min(day) AS first_day, bool_or(eresource) AS eresource, bool_or(hotspot) AS hotspot
    FROM ({uses}) GROUP BY patron_id, sy
""".replace("{uses}", USES)
USE_YEAR = "CREATE OR REPLACE TEMP TABLE use_year AS" + USES_PER_YEAR.replace(
    "{where}", "community_id IN (SELECT community_id FROM refresh_scope) AND {events}")

# The per-card, per-year facts kept for append (see append): use_year without the first day.
CARD_YEAR = """
    INSERT INTO rollup_card_year
    SELECT patron_id, community_id, sy, eresource, hotspot FROM use_year ORDER BY community_id, sy
"""

CARD_YEAR_TABLE = """
    CREATE TABLE IF NOT EXISTS rollup_card_year (
        patron_id BIGINT NOT NULL, community_id INTEGER NOT NULL, sy INTEGER NOT NULL,
        eresource BOOLEAN NOT NULL, hotspot BOOLEAN NOT NULL)
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
    if community_ids is None:
        con.execute("CREATE OR REPLACE TEMP TABLE refresh_scope AS SELECT community_id FROM community")
    else:
        ids = sorted(set(community_ids))
        con.execute("CREATE OR REPLACE TEMP TABLE refresh_scope (community_id INTEGER)")
        con.executemany("INSERT INTO refresh_scope VALUES (?)", [[i] for i in ids])
    con.execute(SCHOOL_YEAR_OF)
    in_scope = "community_id IN (SELECT community_id FROM refresh_scope)"
    # rollup_card_year is maintained only when it is complete before (or is made complete by a
    # refresh of everything): a warehouse made before it existed keeps it missing or empty
    # until refresh(con), and append() refreshes instead meanwhile.
    everything = since is None and community_ids is None
    if everything:
        con.execute(CARD_YEAR_TABLE)
    card_year = everything or card_year_kept(con)
    if since is None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE refresh_years AS SELECT {YEARS} FROM school_year")
        parts, bounds = {"events": "TRUE", "months": "TRUE", "labels": "TRUE"}, {}
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
        for table in YEAR_TABLES:
            con.execute(f"DELETE FROM {table} WHERE {in_scope} AND school_year IN (SELECT label FROM refresh_years)")
        for table in LABEL_TABLES:
            _run(con, f"DELETE FROM {table} WHERE {in_scope} AND {parts['labels']}", bounds)
        for table in WHOLE_TABLES:
            con.execute(f"DELETE FROM {table} WHERE {in_scope}")
        steps = [CARD_YEAR, FIRST_ACTIVITY_SINCE] if card_year else [FIRST_ACTIVITY_SINCE]
    steps = [USE_YEAR, *steps, HOLDERS, PEOPLE_YEAR, STUDENT_CELLS, ACTIVATION_WEEK, CIRCULATION_MONTH,
             LOGINS_MONTH, ERESOURCE_MONTH, COMMUNITY_CELLS, COMMUNITY_PEOPLE, COMMUNITY_WEEKS, CIRCULATION_YEAR]
    for sql in steps:
        _run(con, sql.format(**parts), bounds)
    for table in ("use_year", "holder_year", "refresh_scope", "refresh_years"):
        con.execute(f"DROP TABLE {table}")


# ---------------------------------------------------------------- append
# The appended rows: their load ids, bound (the BETWEEN lets DuckDB skip other loads' row groups).
BATCH = "load_id BETWEEN $load_lo AND $load_hi AND list_contains($load_ids, load_id)"

# The batch's uses per card and school year (as USE_YEAR, over the appended rows only), each with
# what is stored for the card-year (rollup_card_year) and the card (rollup_first_activity); kept
# are the rows that change something: a card-year the card did not have (is_new) or a flag it
# turns on (new_e, new_h: what it adds to eresource_users and hotspot_borrowers), or a day before
# the card's first activity (or a card without one). sy_lo/sy_hi bound the batch's years, so
# that only those row groups of rollup_card_year are read.
APPEND_BATCH_CARD = """
    CREATE OR REPLACE TEMP TABLE batch_card AS
    SELECT b.patron_id, b.sy, b.community_id, b.first_day,
           c.patron_id IS NULL AS is_new,
           b.eresource AND NOT coalesce(c.eresource, FALSE) AS new_e,
           b.hotspot AND NOT coalesce(c.hotspot, FALSE) AS new_h,
           f.community_id AS first_community, f.first_activity AS old_first
    FROM ({uses_per_year}) b
    LEFT JOIN (SELECT * FROM rollup_card_year WHERE sy BETWEEN $sy_lo AND $sy_hi) c
           ON c.patron_id = b.patron_id AND c.sy = b.sy
    LEFT JOIN rollup_first_activity f ON f.patron_id = b.patron_id
    WHERE c.patron_id IS NULL OR (b.eresource AND NOT c.eresource) OR (b.hotspot AND NOT c.hotspot)
       OR f.first_activity IS NULL OR b.first_day < f.first_activity
""".replace("{uses_per_year}", USES_PER_YEAR.replace("{where}", "{batch}")).replace("{batch}", BATCH)

# Card-years the batch creates or whose flags it turns on.
APPEND_YEAR_CHANGE = """
    CREATE OR REPLACE TEMP TABLE year_change AS
    SELECT patron_id, sy, community_id, is_new, new_e, new_h FROM batch_card WHERE is_new OR new_e OR new_h
"""

# Cards whose first activity the batch moves: no first activity yet, or a batch use earlier. The
# batch's earliest use of such a card is the minimum over its card-years earlier than the stored
# first activity (any earlier one is below every later one), so only those rows are grouped.
APPEND_FIRST_CHANGE = """
    CREATE OR REPLACE TEMP TABLE first_change AS
    SELECT patron_id, coalesce(any_value(first_community), any_value(community_id)) AS community_id,
           any_value(old_first) AS old_first, min(first_day) AS new_first
    FROM batch_card
    WHERE old_first IS NULL OR first_day < old_first
    GROUP BY patron_id
"""

# The holder rows (card, year), as HOLDERS defines them, whose counts the batch can change: for
# a card in first_change, its rows in every year; for a card-year in year_change of another card,
# the card's row in that year only (UNION ALL, as HOLDERS: a roster row listed twice counts twice).
APPEND_HOLDERS = """
    CREATE OR REPLACE TEMP TABLE changed_holder AS
    WITH cards AS (
        SELECT patron_id, sy AS only_sy FROM year_change ANTI JOIN first_change USING (patron_id)
        UNION ALL
        SELECT patron_id, NULL FROM first_change           -- NULL: every year
    ), card AS (
        SELECT c.patron_id, c.only_sy, p.community_id, p.patron_type, p.issued_date
        FROM cards c JOIN patron p ON p.patron_id = c.patron_id
    ), holders AS (
        SELECT c.patron_id, c.community_id, c.patron_type, r.school_year, r.school_id, r.grade, c.only_sy
        FROM card c JOIN student_roster r ON r.patron_id = c.patron_id
        WHERE c.patron_type = 'student'
        UNION ALL
        SELECT c.patron_id, c.community_id, c.patron_type, y.label, NULL, NULL, c.only_sy
        FROM card c JOIN append_years y ON c.issued_date <= y.end_date
        WHERE c.patron_type <> 'student'
    )
    SELECT h.* EXCLUDE (only_sy), y.start_date, y.end_date, y.sy
    FROM holders h JOIN append_years y ON y.label = h.school_year
    WHERE h.only_sy IS NULL OR y.sy = h.only_sy
"""

# What the changed cards add to each people cell: new contribution minus old, per PEOPLE_YEAR.
APPEND_PEOPLE_DELTA = """
    CREATE OR REPLACE TEMP TABLE people_delta AS
    SELECT * FROM (
        SELECT h.community_id, h.school_year, h.patron_type, h.school_id, h.grade,
               sum(CASE WHEN f.patron_id IS NULL THEN 0
                        ELSE CAST(f.new_first < h.start_date AS INTEGER)
                             - CAST(coalesce(f.old_first < h.start_date, FALSE) AS INTEGER) END) AS d_start,
               sum(CASE WHEN f.patron_id IS NULL THEN 0
                        ELSE CAST(f.new_first <= h.end_date AS INTEGER)
                             - CAST(coalesce(f.old_first <= h.end_date, FALSE) AS INTEGER) END) AS d_activated,
               sum(CAST(coalesce(y.is_new, FALSE) AS INTEGER)) AS d_active,
               sum(CAST(coalesce(y.new_e, FALSE) AS INTEGER)) AS d_e,
               sum(CAST(coalesce(y.new_h, FALSE) AS INTEGER)) AS d_h
        FROM changed_holder h
        LEFT JOIN first_change f ON f.patron_id = h.patron_id
        LEFT JOIN year_change y ON y.patron_id = h.patron_id AND y.sy = h.sy
        GROUP BY ALL
    )
    WHERE d_start <> 0 OR d_activated <> 0 OR d_active <> 0 OR d_e <> 0 OR d_h <> 0
"""

APPEND_PEOPLE_UPDATE = """
    UPDATE rollup_people_year r
    SET activated_at_start = r.activated_at_start + d.d_start, activated = r.activated + d.d_activated,
        active = r.active + d.d_active, eresource_users = r.eresource_users + d.d_e,
        hotspot_borrowers = r.hotspot_borrowers + d.d_h
    FROM people_delta d
    WHERE r.community_id = d.community_id AND r.school_year = d.school_year AND r.patron_type = d.patron_type
      AND r.school_id IS NOT DISTINCT FROM d.school_id AND r.grade IS NOT DISTINCT FROM d.grade
"""

# Roster students' activations per week (ACTIVATION_WEEK): -1 at the old week, +1 at the new.
APPEND_WEEK_DELTA = """
    CREATE OR REPLACE TEMP TABLE week_delta AS
    SELECT community_id, school_year, school_id, grade, week_start, sum(d) AS d FROM (
        SELECT h.community_id, h.school_year, h.school_id, h.grade,
               CAST(date_trunc('week', f.old_first) AS DATE) AS week_start, -1 AS d
        FROM changed_holder h JOIN first_change f USING (patron_id)
        WHERE h.patron_type = 'student' AND f.old_first BETWEEN h.start_date AND h.end_date
        UNION ALL
        SELECT h.community_id, h.school_year, h.school_id, h.grade,
               CAST(date_trunc('week', f.new_first) AS DATE), 1
        FROM changed_holder h JOIN first_change f USING (patron_id)
        WHERE h.patron_type = 'student' AND f.new_first BETWEEN h.start_date AND h.end_date
    )
    GROUP BY ALL HAVING sum(d) <> 0
"""

WEEK_KEY = ("w.community_id = d.community_id AND w.school_year = d.school_year AND w.school_id = d.school_id "
            "AND w.grade = d.grade AND w.week_start = d.week_start")

LOGINS_DELTA = """
    CREATE OR REPLACE TEMP TABLE logins_delta AS
    SELECT community_id, school_year_of(month) AS school_year, month, event_type, channel, count(*) AS events
    FROM (SELECT community_id, CAST(date_trunc('month', event_time) AS DATE) AS month, event_type, channel
          FROM card_event WHERE {batch})
    GROUP BY ALL
""".replace("{batch}", BATCH)
LOGINS_KEY = ("w.community_id = d.community_id AND w.month = d.month AND w.event_type = d.event_type "
              "AND w.channel = d.channel")

CIRCULATION_DELTA = """
    CREATE OR REPLACE TEMP TABLE circulation_delta AS
    SELECT community_id, school_year_of(month) AS school_year, month, format, audience, fiction, platform,
           count(*) FILTER (WHERE action = 'checkout') AS checkouts,
           count(*) FILTER (WHERE action = 'renewal') AS renewals
    FROM (SELECT community_id, CAST(date_trunc('month', event_time) AS DATE) AS month,
                 format, audience, fiction, platform, action
          FROM circulation WHERE {batch})
    GROUP BY ALL
""".replace("{batch}", BATCH)
CIRCULATION_KEY = ("w.community_id = d.community_id AND w.month = d.month AND w.format = d.format "
                   "AND w.audience = d.audience AND w.fiction = d.fiction AND w.platform = d.platform")


class _NotCurrent(Exception):
    """The rollups were not what a full refresh gives before the append: refresh instead."""


def _check(con, sql: str, expected: int) -> None:
    n = con.execute(sql).fetchall()[0][0]
    if n != expected:
        raise _NotCurrent(f"{n} rows changed, {expected} expected")


def append(con: duckdb.DuckDBPyConnection, load_ids: Iterable[int]) -> None:
    """Bring the rollups up to date after rows were ONLY ADDED to card_event and/or circulation,
    the added rows being exactly those with load_id in `load_ids` (no row of these loads existed
    before; nothing was deleted or changed; rosters, cards, enrollment, directories, eresource
    and circulation_monthly untouched), the rollups being current before the rows were added.

    The cost follows the batch, not the communities' years. Identical to refresh(con):
    - rollup_card_year: a card-year row exists iff the card has a use that year, with its flags
      OR-ed over the uses; adding uses adds the batch's card-years that are missing and turns on
      flags (year_change), nothing else.
    - rollup_first_activity: min over the uses; after adding uses it is min(old, batch min).
    - rollup_people_year: per holder row (card, year) the counts add up indicators that depend
      only on the card's first activity (activated_at_start, activated) and on its card-year
      row (active, eresource_users, hotspot_borrowers); holders, cards and new_cards read no
      events. Only the cards in first_change or year_change change indicators; their new minus
      old indicators, summed per cell, are added to the cell. The cells are those of the holders,
      which the append does not change, so every cell exists (checked; else a refresh runs).
    - rollup_activation_week: a student holder counts at the week of its first activity when it
      falls in the year: -1 at the old week, +1 at the new; rows reaching 0 are deleted, rows
      that did not exist inserted (as the GROUP BY of a full refresh has only non-zero counts).
    - rollup_logins_month, rollup_circulation_month: sums of rows per month and key: the batch's
      counts are added (groups that did not exist inserted, zero counts included, as in a full
      refresh where a group of only returns has 0 checkouts and 0 renewals).
    - rollup_student_cells and the community-grain tables: recomputed, with the same SQL as
      refresh, for the communities and school years whose school-grain rows changed.
    - rollup_eresource_month: reads only eresource_usage, unchanged.
    If rollup_card_year is missing or was never filled (card_year_kept), refresh(con, communities,
    since=<batch start>) runs instead.
    """
    ids = sorted({int(i) for i in load_ids})
    if not ids:
        return
    batch = {"load_lo": ids[0], "load_hi": ids[-1], "load_ids": ids}
    communities, first, last = con.execute(f"""
        SELECT list(DISTINCT community_id), CAST(min(t) AS DATE), CAST(max(t) AS DATE) FROM (
            SELECT community_id, event_time AS t FROM card_event WHERE {BATCH}
            UNION ALL SELECT community_id, event_time FROM circulation WHERE {BATCH})""", batch).fetchall()[0]
    if not communities:
        return
    if not card_year_kept(con):
        refresh(con, communities, since=first)
        return
    try:
        _append(con, batch, year_start(first).year, year_start(last).year)
    except _NotCurrent:
        # A people cell the batch's holders should have was missing: the rollups were not
        # current. Recompute everything of the batch's communities from the raw events.
        _drop_append_tables(con)
        refresh(con, communities)
    finally:
        _drop_append_tables(con)


def _drop_append_tables(con) -> None:
    for table in ("batch_card", "year_change", "first_change", "changed_holder", "people_delta",
                  "week_delta", "logins_delta", "circulation_delta", "append_years", "append_labels",
                  "refresh_scope", "refresh_years"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _append(con, batch: dict, sy_lo: int, sy_hi: int) -> None:
    con.execute(SCHOOL_YEAR_OF)
    con.execute(APPEND_BATCH_CARD, {**batch, "sy_lo": sy_lo, "sy_hi": sy_hi})
    con.execute(APPEND_YEAR_CHANGE)
    con.execute(APPEND_FIRST_CHANGE)
    con.execute(f"CREATE OR REPLACE TEMP TABLE append_years AS SELECT {YEARS} FROM school_year")
    con.execute(APPEND_HOLDERS)
    con.execute(APPEND_PEOPLE_DELTA)
    con.execute(APPEND_WEEK_DELTA)
    con.execute(LOGINS_DELTA, batch)
    con.execute(CIRCULATION_DELTA, batch)

    # School-grain people and weeks.
    n = con.execute("SELECT count(*) FROM people_delta").fetchone()[0]
    if n:
        _check(con, APPEND_PEOPLE_UPDATE, n)
    con.execute(f"UPDATE rollup_activation_week w SET activations = w.activations + d.d FROM week_delta d "
                f"WHERE {WEEK_KEY}")
    con.execute(f"""INSERT INTO rollup_activation_week
                    SELECT d.community_id, d.school_year, d.school_id, d.grade, d.week_start, d.d FROM week_delta d
                    WHERE NOT EXISTS (SELECT 1 FROM rollup_activation_week w WHERE {WEEK_KEY})""")
    con.execute(f"""DELETE FROM rollup_activation_week w
                    WHERE activations <= 0 AND EXISTS (SELECT 1 FROM week_delta d WHERE {WEEK_KEY})""")
    # Month counts: add the batch's.
    for table, delta, key, sets in (
            ("rollup_logins_month", "logins_delta", LOGINS_KEY, "events = w.events + d.events"),
            ("rollup_circulation_month", "circulation_delta", CIRCULATION_KEY,
             "checkouts = w.checkouts + d.checkouts, renewals = w.renewals + d.renewals")):
        con.execute(f"UPDATE {table} w SET {sets} FROM {delta} d WHERE {key}")
        con.execute(f"INSERT INTO {table} SELECT d.* FROM {delta} d "
                    f"WHERE NOT EXISTS (SELECT 1 FROM {table} w WHERE {key})")

    # The facts themselves (after the deltas, which read the old values).
    con.execute("""UPDATE rollup_card_year c SET eresource = c.eresource OR y.new_e, hotspot = c.hotspot OR y.new_h
                   FROM year_change y WHERE NOT y.is_new AND c.patron_id = y.patron_id AND c.sy = y.sy""")
    con.execute("""INSERT INTO rollup_card_year SELECT patron_id, community_id, sy, new_e, new_h
                   FROM year_change WHERE is_new ORDER BY community_id, sy""")
    con.execute("""DELETE FROM rollup_first_activity WHERE patron_id IN
                   (SELECT patron_id FROM first_change WHERE old_first IS NOT NULL)""")
    con.execute("INSERT INTO rollup_first_activity SELECT patron_id, community_id, new_first FROM first_change")

    # Community grain: the communities and years whose school-grain rows changed.
    con.execute("""CREATE OR REPLACE TEMP TABLE refresh_scope AS
                   SELECT DISTINCT community_id FROM (SELECT community_id FROM people_delta
                   UNION ALL SELECT community_id FROM week_delta)""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE refresh_years AS SELECT {YEARS} FROM school_year
                    WHERE label IN (SELECT school_year FROM people_delta UNION SELECT school_year FROM week_delta)""")
    in_scope = "community_id IN (SELECT community_id FROM refresh_scope)"
    for table in YEAR_TABLES[2:]:   # student_cells and the community-grain tables
        con.execute(f"DELETE FROM {table} WHERE {in_scope} AND school_year IN (SELECT label FROM refresh_years)")
    for sql in (STUDENT_CELLS, COMMUNITY_CELLS, COMMUNITY_PEOPLE, COMMUNITY_WEEKS):
        con.execute(sql)
    con.execute("""CREATE OR REPLACE TEMP TABLE refresh_scope AS
                   SELECT DISTINCT community_id FROM circulation_delta""")
    con.execute("""CREATE OR REPLACE TEMP TABLE append_labels AS
                   SELECT DISTINCT school_year AS label FROM circulation_delta""")
    labels = "school_year IN (SELECT label FROM append_labels)"
    con.execute(f"DELETE FROM rollup_circulation_year WHERE {in_scope} AND {labels}")
    con.execute(CIRCULATION_YEAR.format(labels=labels))
