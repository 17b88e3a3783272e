"""Bring the rollups up to date after a load that only ADDED card activity or circulation rows.

The cost follows the batch, not the communities' years: only the cards the batch changes are
re-counted (see append). The result is exactly what warehouse.rollups.refresh gives, which runs
instead whenever the rollups cannot be moved by the batch alone.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb

from warehouse import lake, rollups
from warehouse.rollups import (CIRCULATION_YEAR, COMMUNITY_CELLS, COMMUNITY_PEOPLE, COMMUNITY_WEEKS, SCHOOL_YEAR_OF,
                               STUDENT_CELLS, USES, USES_PER_YEAR, YEAR_TABLES, YEARS, card_year_kept, year_start)

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
           c.patron_id IS NULL AS is_new, c.community_id AS year_community,
           b.eresource AND NOT coalesce(c.eresource, FALSE) AS new_e,
           b.hotspot AND NOT coalesce(c.hotspot, FALSE) AS new_h,
           f.community_id AS first_community, f.first_activity AS old_first
    FROM ({uses_per_year}) b
    LEFT JOIN (SELECT * FROM {card_year} WHERE sy BETWEEN $sy_lo AND $sy_hi
               AND patron_id IN (SELECT patron_id FROM card_event WHERE {batch}
                                 UNION ALL SELECT patron_id FROM circulation WHERE {batch})) c
           ON c.patron_id = b.patron_id AND c.sy = b.sy
    LEFT JOIN {first_activity} f ON f.patron_id = b.patron_id
    WHERE c.patron_id IS NULL OR (b.eresource AND NOT c.eresource) OR (b.hotspot AND NOT c.hotspot)
       OR f.first_activity IS NULL OR b.first_day < f.first_activity
""".replace("{uses_per_year}", USES_PER_YEAR.replace("{where}", "{batch}")).replace("{batch}", BATCH)

# Card-years the batch creates or whose flags it turns on.
APPEND_YEAR_CHANGE = """
    CREATE OR REPLACE TEMP TABLE year_change AS
    SELECT patron_id, sy, community_id, year_community, is_new, new_e, new_h FROM batch_card
    WHERE is_new OR new_e OR new_h
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
        FROM cards c JOIN {patron} p ON p.patron_id = c.patron_id
    ), holders AS (
        SELECT c.patron_id, c.community_id, c.patron_type, r.school_year, r.school_id, r.grade, c.only_sy
        FROM card c JOIN {roster} r ON r.patron_id = c.patron_id
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

# rollup_student_month (STUDENT_MONTH), moved by the batch: a roster student counts once per
# (card, month) with a use, on each roster row of the month's school year; a (card, month) of the
# batch counts only when the card had no use that month before ({old_events}: the rows already
# there, of the batch's cards and months). Activations move as the weeks do, by month.
APPEND_MONTH_DELTA = """
    CREATE OR REPLACE TEMP TABLE month_delta AS
    WITH batch_used AS (
        SELECT DISTINCT patron_id, CAST(date_trunc('month', day) AS DATE) AS month FROM ({batch_uses})
    ), old_used AS (
        SELECT DISTINCT patron_id, CAST(date_trunc('month', day) AS DATE) AS month FROM ({old_uses})
    ), new_used AS (
        SELECT * FROM batch_used ANTI JOIN old_used USING (patron_id, month)
    ), holders AS (
        SELECT p.patron_id, p.community_id, r.school_year, r.school_id
        FROM {patron} p JOIN {roster} r ON r.patron_id = p.patron_id
        WHERE p.patron_type = 'student' AND p.patron_id IN (SELECT patron_id FROM new_used)
    )
    SELECT community_id, school_year, school_id, month, sum(d_act) AS d_act, sum(d_users) AS d_users FROM (
        SELECT h.community_id, h.school_year, h.school_id, u.month, 0 AS d_act, 1 AS d_users
        FROM new_used u JOIN holders h ON h.patron_id = u.patron_id JOIN append_years y ON y.label = h.school_year
        WHERE u.month BETWEEN y.start_date AND y.end_date
        UNION ALL
        SELECT h.community_id, h.school_year, h.school_id, CAST(date_trunc('month', f.old_first) AS DATE), -1, 0
        FROM changed_holder h JOIN first_change f USING (patron_id)
        WHERE h.patron_type = 'student' AND f.old_first BETWEEN h.start_date AND h.end_date
        UNION ALL
        SELECT h.community_id, h.school_year, h.school_id, CAST(date_trunc('month', f.new_first) AS DATE), 1, 0
        FROM changed_holder h JOIN first_change f USING (patron_id)
        WHERE h.patron_type = 'student' AND f.new_first BETWEEN h.start_date AND h.end_date
    )
    GROUP BY ALL HAVING sum(d_act) <> 0 OR sum(d_users) <> 0
""".replace("{batch_uses}", USES.replace("{where}", BATCH))
# The uses already there of the batch's cards in the batch's months ({old_card_event} and
# {old_circulation}: the rows before the batch).
OLD_USES = USES.replace("FROM card_event", "FROM {old_card_event}").replace(
    "FROM circulation", "FROM {old_circulation}").replace(
    "{where}", "event_time >= $month_lo AND event_time < $month_hi AND patron_id IN (SELECT patron_id FROM batch_used)")
MONTH_KEY = ("m.community_id = d.community_id AND m.school_year = d.school_year AND m.school_id = d.school_id "
             "AND m.month = d.month")

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


def append(con: duckdb.DuckDBPyConnection, load_ids: Iterable[int], *, over_lake: bool = False) -> None:
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
    - rollup_student_month: a roster student counts once per month with a use: the batch's
      (card, month) pairs the card had no use in before add one on each of the card's roster rows
      of that year (APPEND_MONTH_DELTA); activations move as the weeks do, by month; rows
      reaching 0 in both counts are deleted.
    over_lake (a writer over the lake, store.publishing, that did not open the batch's partitions
    and declared its event tables lake.appending): the rows already there are read from the
    published files with filters (only the batch's cards, communities and years), and only the
    lake rollup partitions whose rows change are opened and rewritten: rollup_activation_week's
    of the batch's years, rollup_first_activity's holding a card's old first use, rollup_card_year's
    whose flags turn on; the card-years and first uses the batch creates are new files beside
    their partitions (lake.appending).
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
    folder = lake.writer_lake(con) if over_lake else None
    if folder is None:
        lake.ensure_open(con, communities, first)
    if not (_card_year_kept_lake(con) if folder is not None else card_year_kept(con)):
        rollups.refresh(con, communities, since=first)
        return
    try:
        sources = _lake_sources(con, folder, communities, first, last, batch) if folder is not None else TABLE_SOURCES
        _append(con, batch, first, last, sources, folder, communities)
    except _NotCurrent:
        # A people cell the batch's holders should have was missing: the rollups were not
        # current. Recompute everything of the batch's communities from the raw events.
        _drop_append_tables(con)
        rollups.refresh(con, communities)   # opens the rest of their partitions first
    finally:
        _drop_append_tables(con)


# Where the rows already there are read: the writer's own tables (the batch's rows left out of
# the events), or the published files over the lake (_lake_sources).
TABLE_SOURCES = {"card_year": "rollup_card_year", "first_activity": "rollup_first_activity", "patron": "patron",
                 "roster": "student_roster", "old_card_event": f"(SELECT * FROM card_event WHERE NOT coalesce({BATCH}, FALSE))",
                 "old_circulation": f"(SELECT * FROM circulation WHERE NOT coalesce({BATCH}, FALSE))"}
LAKE_VIEWS = {"card_year": "rollup_card_year", "first_activity": "rollup_first_activity", "patron": "patron",
              "roster": "student_roster", "old_card_event": "card_event", "old_circulation": "circulation"}


def _lake_sources(con, folder, communities, first, last, batch: dict) -> dict[str, str]:
    """The published rows the append reads, of the batch's cards only, read once from the
    files of the batch's communities into small TEMP tables: their cards and first uses; their
    rosters and card-years of the batch's school years on (a holder row of an earlier year
    changes no count: see APPEND_HOLDERS); their events of the batch's months."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE append_cards AS SELECT DISTINCT patron_id FROM (
                    SELECT patron_id FROM card_event WHERE {BATCH}
                    UNION ALL SELECT patron_id FROM circulation WHERE {BATCH} AND patron_id IS NOT NULL)""", batch)
    since = lake.school_year_of(first)
    years = {"card_year": (since, lake.school_year_of(last)), "roster": (since, None),
             "old_card_event": (since, lake.school_year_of(last)), "old_circulation": (since, lake.school_year_of(last))}
    month_lo = dt.datetime.combine(first.replace(day=1), dt.time())
    month_hi = dt.datetime.combine((last.replace(day=1) + dt.timedelta(days=32)).replace(day=1), dt.time())
    out, columns = {}, lake.table_columns(con)
    for key, table in LAKE_VIEWS.items():
        view, name = f"append_view_{key}", f"append_old_{key}"
        lake.published_view(con, folder, view, table, communities, years.get(key, (None, None)), columns)
        dated = key in ("old_card_event", "old_circulation")
        cols = "patron_id, community_id, patron_type, issued_date" if key == "patron" else "*"   # no patron_key
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {cols} FROM {view} "
                    "WHERE patron_id IN (SELECT patron_id FROM append_cards)"
                    + (" AND event_time >= $lo AND event_time < $hi" if dated else ""),
                    {"lo": month_lo, "hi": month_hi} if dated else None)
        con.execute(f"DROP VIEW {view}")
        out[key] = name
    return out


def _card_year_kept_lake(con) -> bool:
    """card_year_kept for a writer over the lake that did not open the partitions: over lake_file."""
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'rollup_card_year' "
                   "AND NOT temporary").fetchone()[0] == 0:
        return False
    kept, firsts = con.execute("SELECT count(*) FILTER (WHERE table_name = 'rollup_card_year'), "
                               "count(*) FILTER (WHERE table_name = 'rollup_first_activity') FROM lake_file"
                               ).fetchone()
    return (kept > 0 or con.execute("SELECT count(*) FROM (SELECT 1 FROM rollup_card_year LIMIT 1)").fetchone()[0] > 0
            or firsts == 0)


def _drop_append_tables(con) -> None:
    for table in ("batch_card", "year_change", "first_change", "changed_holder", "people_delta",
                  "week_delta", "month_delta", "logins_delta", "circulation_delta", "append_years", "append_labels",
                  "refresh_scope", "refresh_years"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    for key in LAKE_VIEWS:
        con.execute(f"DROP VIEW IF EXISTS append_view_{key}")
        con.execute(f"DROP TABLE IF EXISTS append_old_{key}")
    con.execute("DROP TABLE IF EXISTS append_cards")


def _sql(sql: str, sources: dict[str, str]) -> str:
    for key, name in sources.items():
        sql = sql.replace("{" + key + "}", name)
    return sql


def _open_changed(con, folder, communities, first) -> None:
    """Over the lake: open the lake rollup partitions the append changes in place (the rest it
    only adds to)."""
    ids = sorted({int(c) for c in communities})
    weeks = con.execute("SELECT school_year, community_id FROM lake_file WHERE table_name = 'rollup_activation_week' "
                        "AND list_contains(?, community_id) AND school_year >= ?",
                        [ids, lake.school_year_of(first)]).fetchall()
    lake.open_only(con, folder, "rollup_activation_week", weeks)
    years = con.execute(f"""SELECT DISTINCT {lake.PARTITIONED['rollup_card_year']}, year_community
                            FROM year_change WHERE NOT is_new""").fetchall()
    lake.open_only(con, folder, "rollup_card_year", years)
    firsts = con.execute(f"""SELECT DISTINCT {lake.PARTITIONED['rollup_first_activity']}, community_id
                             FROM (SELECT old_first AS first_activity, community_id FROM first_change
                                   WHERE old_first IS NOT NULL)""").fetchall()
    lake.open_only(con, folder, "rollup_first_activity", firsts)
    lake.appending(con, ("rollup_card_year", "rollup_first_activity"))


def _append(con, batch: dict, first, last, sources: dict[str, str], folder, communities) -> None:
    sy_lo, sy_hi = year_start(first).year, year_start(last).year
    con.execute(SCHOOL_YEAR_OF)
    con.execute(_sql(APPEND_BATCH_CARD, sources), {**batch, "sy_lo": sy_lo, "sy_hi": sy_hi})
    con.execute(APPEND_YEAR_CHANGE)
    con.execute(APPEND_FIRST_CHANGE)
    con.execute(f"CREATE OR REPLACE TEMP TABLE append_years AS SELECT {YEARS} FROM school_year")
    con.execute(_sql(APPEND_HOLDERS, sources))
    con.execute(APPEND_PEOPLE_DELTA)
    con.execute(APPEND_WEEK_DELTA)
    month_lo = first.replace(day=1)
    month_hi = (last.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    con.execute(_sql(APPEND_MONTH_DELTA.replace("{old_uses}", OLD_USES), sources),
                {**batch, "month_lo": dt.datetime.combine(month_lo, dt.time()),
                 "month_hi": dt.datetime.combine(month_hi, dt.time())})
    con.execute(LOGINS_DELTA, batch)
    con.execute(CIRCULATION_DELTA, batch)

    # School-grain people (checked first: nothing is changed when the rollups were not current).
    n = con.execute("SELECT count(*) FROM people_delta").fetchone()[0]
    if n:
        _check(con, APPEND_PEOPLE_UPDATE, n)
    if folder is not None:
        _open_changed(con, folder, communities, first)
    # Weeks.
    con.execute(f"UPDATE rollup_activation_week w SET activations = w.activations + d.d FROM week_delta d "
                f"WHERE {WEEK_KEY}")
    # The anti-join reads only the batch's communities' rows (bound, so DuckDB skips the others).
    lo, hi = con.execute("SELECT min(community_id), max(community_id) FROM week_delta").fetchone()
    con.execute(f"""INSERT INTO rollup_activation_week
                    SELECT d.community_id, d.school_year, d.school_id, d.grade, d.week_start, d.d FROM week_delta d
                    ANTI JOIN (SELECT * FROM rollup_activation_week WHERE community_id BETWEEN $lo AND $hi) w
                         ON {WEEK_KEY}""", {"lo": lo, "hi": hi})
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

    # Students' months.
    con.execute(f"""UPDATE rollup_student_month m SET new_activations = m.new_activations + d.d_act,
                    active_users = m.active_users + d.d_users FROM month_delta d WHERE {MONTH_KEY}""")
    con.execute(f"""INSERT INTO rollup_student_month
                    SELECT d.community_id, d.school_year, d.school_id, d.month, d.d_act, d.d_users FROM month_delta d
                    WHERE NOT EXISTS (SELECT 1 FROM rollup_student_month m WHERE {MONTH_KEY})""")
    con.execute(f"""DELETE FROM rollup_student_month m WHERE new_activations = 0 AND active_users = 0
                    AND EXISTS (SELECT 1 FROM month_delta d WHERE {MONTH_KEY})""")

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
