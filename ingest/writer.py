"""Write staged files inside the publishing transaction, replace corrected periods, undo loads.

Only ingest.load calls this, with the writer's connection from warehouse.store.publishing: any
exception here discards the whole private copy, so a half-written load is never published.
"""
from __future__ import annotations

import datetime as dt

import duckdb

from ingest.staging import Staged

EVENT_TABLES = ("card_event", "circulation", "circulation_monthly", "eresource_usage", "survey_response")
EVENT_DATE = {"card_event": "event_time", "circulation": "event_time", "circulation_monthly": "month",
              "eresource_usage": "month"}   # the date of each row of the dated event tables
# Which rows of an earlier load a corrected file replaces: same community and kind, inside the
# new file's period, and the same value of these columns (an OverDrive report does not replace
# a TumbleBooks one; a website-login file does not replace an app-login one).
REPLACE = {
    "card_activity": ("card_event", "event_time", ("channel",)),
    "circulation": ("circulation", "event_time", ("platform",)),
    "circulation_monthly": ("circulation_monthly", "month", ("platform",)),
    "counter": ("eresource_usage", "month", ("platform", "report_type")),
    "eresource_vendor": ("eresource_usage", "month", ("platform", "report_type")),
}
ENSURE_YEARS = """
    INSERT INTO school_year
    SELECT label, make_date(y, 7, 1), make_date(y + 1, 6, 30),
           CAST(y - 1 AS VARCHAR) || '-' || right(CAST(y AS VARCHAR), 2)
    FROM (SELECT DISTINCT school_year AS label, CAST(left(school_year, 4) AS INTEGER) AS y FROM read_parquet($p))
    WHERE label NOT IN (SELECT label FROM school_year)
"""


def write(con: duckdb.DuckDBPyConnection, staged: Staged, community_id: int | None, loaded_by: str,
          adds_only: bool = False):
    """Write one staged file; returns (load_id, replaced, since, deleted): the ids of earlier loads
    it replaced; since, the earliest date of the event rows it inserted or deleted (the rollups
    need recomputing only from there on), or None when the rollups need a full refresh of the
    community (a file that is not dated events: cards, rosters, enrollment, directories, ...);
    deleted, the number of event rows of earlier loads it deleted (0: a pure append), None for a
    file that is not dated events.

    adds_only: the caller has established (ingest.load.adds_only) that the file replaces nothing:
    no earlier load of its kind and community holds a row in its period, and none would be left
    with no rows; its rows are only inserted (the writer need not have opened the partitions)."""
    load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM load_log").fetchone()[0]
    con.execute("INSERT INTO load_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded')",
                [load_id, dt.datetime.now(dt.UTC).replace(tzinfo=None), loaded_by, staged.kind, staged.file,
                 staged.sha256, community_id, staged.rows, staged.rejected])
    period = staged.period or (None, None)
    con.execute("INSERT INTO load_scope VALUES (?, ?, ?, ?, ?)",
                [load_id, staged.kind, period[0], period[1], staged.detail])
    earlier = [r[0] for r in con.execute(
        "SELECT load_id FROM load_log l JOIN load_scope s USING (load_id) WHERE l.status = 'loaded' "
        "AND s.kind = ? AND l.community_id IS NOT DISTINCT FROM ? AND load_id <> ?",
        [staged.kind, community_id, load_id]).fetchall()] if not adds_only else []
    # Writers of dated events return (since, deleted); the others nothing.
    since, deleted = WRITERS.get(staged.kind, _events)(con, staged, load_id, earlier) or (None, None)
    if staged.quarantine:
        con.execute("INSERT INTO quarantine SELECT $l, line, problems, row_json FROM read_parquet($p)",
                    {"l": load_id, "p": str(staged.quarantine)})
    replaced = [e for e in earlier if staged.kind in REPLACE_KINDS and _remaining(con, e) == 0]
    if replaced:
        con.execute("UPDATE load_log SET status = 'replaced' WHERE load_id IN (SELECT unnest($ids))",
                    {"ids": replaced})
    return load_id, replaced, since, deleted


def _insert(con, table: str, staged: Staged, load_id: int | None, exclude: str = "") -> None:
    cols = "*" if not exclude else f"* EXCLUDE ({exclude})"
    extra = ", $l AS load_id" if load_id is not None else ""
    con.execute(f"INSERT INTO {table} BY NAME SELECT {cols}{extra} FROM read_parquet($p)",
                {"p": str(staged.tables[table]), **({"l": load_id} if load_id is not None else {})})


def _events(con, staged: Staged, load_id: int, earlier: list[int]) -> tuple[dt.date | None, int]:
    """Insert a file of dated events, deleting what it replaces; returns the earliest date touched
    (None when nothing is known: the caller then refreshes all rollups of the community) and the
    number of rows deleted."""
    table, time_col, partition = REPLACE[staged.kind]
    p = str(staged.tables[table])
    # The earliest inserted row (the Parquet file's statistics answer this without a scan).
    since = con.execute(f"SELECT CAST(min({time_col}) AS DATE) FROM read_parquet($p)", {"p": p}).fetchone()[0]
    deleted = 0
    if earlier and staged.period and staged.period[0] is not None:
        # Every row deleted here is dated within the new file's period.
        start = day(staged.period[0])
        since = start if since is None else min(since, start)
        match = " AND ".join(f"t.{c} = n.{c}" for c in partition)
        deleted = con.execute(f"""
            DELETE FROM {table} t
            WHERE t.load_id IN (SELECT unnest($ids)) AND t.community_id = $c
              AND CAST(t.{time_col} AS DATE) BETWEEN $start AND $end
              AND EXISTS (SELECT 1 FROM (SELECT DISTINCT {', '.join(partition)} FROM read_parquet($p)) n
                          WHERE {match})""",
                    {"ids": earlier, "c": next(iter(staged.community_ids)), "start": staged.period[0],
                     "end": staged.period[1], "p": p}).fetchone()[0]
    _insert(con, table, staged, load_id)
    return day(since), deleted


def day(value) -> dt.date | None:
    """A date from what a reader put in Staged.period (a date, a timestamp or an ISO string)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):   # pandas Timestamps too
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _communities(con, staged: Staged, load_id: int, earlier) -> None:
    p = str(staged.tables["community"])
    con.execute("""
        UPDATE community c SET name = n.name, state = n.state, cohort = n.cohort, joined_date = n.joined_date,
               launch_date = coalesce(n.launch_date, c.launch_date), agreement_type = n.agreement_type
        FROM read_parquet($p) n WHERE n.community_id = c.community_id AND NOT n.is_new""", {"p": p})
    con.execute("INSERT INTO community BY NAME SELECT * EXCLUDE (is_new) FROM read_parquet($p) WHERE is_new",
                {"p": p})
    _keys(con, load_id, "community", "SELECT community_id FROM read_parquet($p) WHERE is_new", p)


def _schools(con, staged: Staged, load_id: int, earlier) -> None:
    p = str(staged.tables["school"])
    con.execute("""
        UPDATE school s SET name = n.name, school_type = n.school_type, grade_low = n.grade_low,
               grade_high = n.grade_high, title_i = coalesce(n.title_i, s.title_i),
               agreement_type = coalesce(n.agreement_type, s.agreement_type),
               agreement_start = coalesce(n.agreement_start, s.agreement_start),
               agreement_end = coalesce(n.agreement_end, s.agreement_end)
        FROM read_parquet($p) n WHERE n.school_id = s.school_id AND NOT n.is_new""", {"p": p})
    con.execute("INSERT INTO school BY NAME SELECT * EXCLUDE (is_new) FROM read_parquet($p) WHERE is_new", {"p": p})
    _keys(con, load_id, "school", "SELECT school_id FROM read_parquet($p) WHERE is_new", p)


def _branches(con, staged: Staged, load_id: int, earlier) -> None:
    p = str(staged.tables["branch"])
    con.execute("INSERT INTO branch BY NAME SELECT * EXCLUDE (is_new) FROM read_parquet($p) WHERE is_new", {"p": p})
    _keys(con, load_id, "branch", "SELECT branch_id FROM read_parquet($p) WHERE is_new", p)


def _code_map(con, staged: Staged, load_id: int, earlier) -> None:
    p = str(staged.tables["code_mapping"])
    con.execute("DELETE FROM code_mapping WHERE (community_id, code) IN (SELECT (community_id, code) "
                "FROM read_parquet($p))", {"p": p})
    con.execute("INSERT INTO code_mapping BY NAME SELECT * FROM read_parquet($p)", {"p": p})


def _enrollment(con, staged: Staged, load_id: int, earlier) -> None:
    p = str(staged.tables["enrollment"])
    con.execute(ENSURE_YEARS, {"p": p})
    con.execute("DELETE FROM enrollment WHERE (school_id, grade, school_year) IN "
                "(SELECT (school_id, grade, school_year) FROM read_parquet($p))", {"p": p})
    con.execute("DELETE FROM load_row_key WHERE tbl = 'enrollment' AND (id, grade, school_year) IN "
                "(SELECT (school_id, grade, school_year) FROM read_parquet($p))", {"p": p})
    _insert(con, "enrollment", staged, None)
    con.execute("INSERT INTO load_row_key SELECT $l, 'enrollment', school_id, grade, school_year FROM read_parquet($p)",
                {"l": load_id, "p": p})


def _cards(con, staged: Staged, load_id: int, earlier: list[int]) -> None:
    roster = str(staged.tables["student_roster"])
    year = staged.detail
    con.execute(ENSURE_YEARS, {"p": roster})
    # A corrected card file for the same year replaces the earlier file's roster for that year.
    same_year = [e for e in earlier if con.execute("SELECT detail FROM load_scope WHERE load_id = ?",
                                                   [e]).fetchone()[0] == year]
    if same_year:
        con.execute("""DELETE FROM student_roster WHERE school_year = $y AND patron_id IN (
                           SELECT id FROM load_row_key WHERE tbl = 'student_roster' AND school_year = $y
                           AND load_id IN (SELECT unnest($ids)))""", {"y": year, "ids": same_year})
        con.execute("DELETE FROM load_row_key WHERE tbl = 'student_roster' AND school_year = $y "
                    "AND load_id IN (SELECT unnest($ids))", {"y": year, "ids": same_year})
    con.execute("DELETE FROM student_roster WHERE school_year = $y AND patron_id IN "
                "(SELECT patron_id FROM read_parquet($p))", {"y": year, "p": roster})
    _insert(con, "patron", staged, None)
    _insert(con, "student_roster", staged, None)
    _insert(con, "card_event", staged, load_id)
    _keys(con, load_id, "patron", "SELECT patron_id FROM read_parquet($p)", str(staged.tables["patron"]))
    con.execute("INSERT INTO load_row_key SELECT $l, 'student_roster', patron_id, NULL, school_year "
                "FROM read_parquet($p)", {"l": load_id, "p": roster})


def _survey(con, staged: Staged, load_id: int, earlier) -> None:
    p = str(staged.tables["survey_response"])
    con.execute("DELETE FROM survey_response WHERE (community_id, wave, question_id) IN "
                "(SELECT (community_id, wave, question_id) FROM read_parquet($p))", {"p": p})
    _insert(con, "survey_response", staged, load_id)


def _keys(con, load_id: int, tbl: str, select_ids: str, p: str) -> None:
    con.execute(f"INSERT INTO load_row_key SELECT $l, $t, x.*, NULL, NULL FROM ({select_ids}) x",
                {"l": load_id, "t": tbl, "p": p})


def _remaining(con, load_id: int) -> int:
    """Rows an earlier load still holds (events by load_id; enrollment and roster by key)."""
    n = sum(con.execute(f"SELECT count(*) FROM {t} WHERE load_id = ?", [load_id]).fetchone()[0]
            for t in EVENT_TABLES if t != "card_event")
    n += con.execute("SELECT count(*) FROM card_event WHERE load_id = ? AND event_type <> 'issued'",
                     [load_id]).fetchone()[0]
    n += con.execute("SELECT count(*) FROM load_row_key WHERE load_id = ? AND tbl IN ('enrollment', "
                     "'student_roster')", [load_id]).fetchone()[0]
    return n


WRITERS = {
    "communities": _communities, "schools": _schools, "branches": _branches, "code_map": _code_map,
    "enrollment": _enrollment, "cards": _cards, "survey": _survey, "survey_export": _survey,
}
REPLACE_KINDS = set(REPLACE) | {"enrollment", "cards", "survey", "survey_export"}
UNDO_REFUSED = {"code_map": "a code mapping load cannot be undone: edit the mapping instead (Data page or a new "
                            "mapping file)"}


def undo(con: duckdb.DuckDBPyConnection, load_id: int) -> tuple[str, list[int] | None, dt.date | None]:
    """Remove the rows of a load; returns (message, community ids whose rollups need refreshing,
    since): since is the earliest date of the event rows removed when the load was a file of
    dated events (the rollups need recomputing only from there on), else None (refresh all)."""
    row = con.execute("SELECT status, source, community_id, file_name FROM load_log WHERE load_id = ?",
                      [load_id]).fetchone()
    if row is None:
        raise ValueError(f"there is no load {load_id}")
    status, source, community_id, file_name = row
    if status != "loaded":
        raise ValueError(f"load {load_id} ({file_name}) is already {status}")
    if source in UNDO_REFUSED:
        raise ValueError(UNDO_REFUSED[source])
    if source == "demo":
        raise ValueError("the demo data is rebuilt with `make demo`, not undone")
    communities, first = set(), []
    for t in EVENT_TABLES:
        date = f"CAST(min({EVENT_DATE[t]}) AS DATE)" if t in EVENT_DATE else "NULL"
        for community, day in con.execute(f"SELECT community_id, {date} FROM {t} WHERE load_id = ? GROUP BY 1",
                                          [load_id]).fetchall():
            communities.add(community)
            first.append(day)
    # Only a load of dated events (no cards, rosters, directories) may refresh from a date on.
    since = min(first) if source in REPLACE and first and None not in first else None
    deleted = 0
    for t in EVENT_TABLES:
        deleted += con.execute(f"DELETE FROM {t} WHERE load_id = ?", [load_id]).fetchone()[0]
    deleted += con.execute("""DELETE FROM enrollment WHERE (school_id, grade, school_year) IN (
        SELECT (id, grade, school_year) FROM load_row_key WHERE load_id = ? AND tbl = 'enrollment')""",
                           [load_id]).fetchone()[0]
    deleted += con.execute("""DELETE FROM student_roster WHERE (patron_id, school_year) IN (
        SELECT (id, school_year) FROM load_row_key WHERE load_id = ? AND tbl = 'student_roster')""",
                           [load_id]).fetchone()[0]
    # Cards, schools, branches and communities a load created go only if nothing else refers to them.
    deleted += con.execute("""DELETE FROM patron WHERE patron_id IN (
        SELECT id FROM load_row_key WHERE load_id = $l AND tbl = 'patron')
        AND patron_id NOT IN (SELECT patron_id FROM card_event) AND patron_id NOT IN (SELECT patron_id FROM student_roster)
        AND patron_id NOT IN (SELECT patron_id FROM circulation WHERE patron_id IS NOT NULL)""",
                           {"l": load_id}).fetchone()[0]
    for tbl, id_col, refs in (("school", "school_id", ("enrollment", "student_roster")),
                              ("branch", "branch_id", ("circulation", "circulation_monthly")),
                              ("community", "community_id", ("school", "branch", "patron", "enrollment"))):
        unused = " ".join(f"AND {id_col} NOT IN (SELECT {id_col} FROM {r} WHERE {id_col} IS NOT NULL)" for r in refs)
        deleted += con.execute(f"DELETE FROM {tbl} WHERE {id_col} IN (SELECT id FROM load_row_key WHERE load_id = $l "
                               f"AND tbl = $t) {unused}", {"l": load_id, "t": tbl}).fetchone()[0]
    con.execute("DELETE FROM load_row_key WHERE load_id = ?", [load_id])
    con.execute("DELETE FROM quarantine WHERE load_id = ?", [load_id])
    con.execute("UPDATE load_log SET status = 'undone' WHERE load_id = ?", [load_id])
    if community_id is not None:
        communities.add(community_id)
    return f"load {load_id} ({file_name}) undone: {deleted} rows removed", sorted(communities), since
