"""Shared by the rollup tests: two copies of one randomized warehouse (one brought up to date
incrementally, one by a full refresh) compared row for row, and the batches they load."""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd

from warehouse import lake, rollups, rollups_append

T = dt.datetime
D = dt.date
CARD_EVENT = ("patron_id", "community_id", "event_time", "event_type", "channel", "load_id")
CIRCULATION = ("patron_id", "community_id", "branch_id", "event_time", "action", "format", "audience", "fiction",
               "platform", "load_id")


def rollup_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in rollups.ROLLUP_TABLES}


def assert_same_rollups(inc: duckdb.DuckDBPyConnection, full: duckdb.DuckDBPyConnection) -> None:
    a, b = rollup_rows(inc), rollup_rows(full)
    for table in rollups.ROLLUP_TABLES:
        assert a[table] == b[table], f"{table}: {len(a[table])} rows incrementally, {len(b[table])} in full"
    assert sum(map(len, a.values())) > 0


def insert(con, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    batch = pd.DataFrame(rows, columns=list(columns))  # noqa: F841 (read by DuckDB's replacement scan)
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM batch")


class Pair:
    """Two copies of one warehouse: `inc` refreshed incrementally, `full` from scratch."""

    def __init__(self, source: Path, tmp: Path):
        shutil.copyfile(os.path.realpath(source), tmp / "inc.duckdb")
        shutil.copyfile(os.path.realpath(source), tmp / "full.duckdb")
        self.inc = duckdb.connect(str(tmp / "inc.duckdb"))
        self.full = duckdb.connect(str(tmp / "full.duckdb"))
        for con in (self.inc, self.full):   # every row of the lake, in the copy's own tables
            lake.open_partitions(con, lake.lake_of(Path(os.path.realpath(source))), None)

    def both(self, sql: str, params=None) -> None:
        for con in (self.inc, self.full):
            con.execute(sql, params or [])

    def insert(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        for con in (self.inc, self.full):
            insert(con, table, columns, rows)

    def refresh(self, community_ids, since) -> None:
        rollups.refresh(self.inc, community_ids, since=since)
        rollups.refresh(self.full)
        assert_same_rollups(self.inc, self.full)

    def append(self, load_ids) -> None:
        """The inc copy by rollups_append.append of the loads just inserted (never falling back
        to a refresh), the full one from scratch."""
        real = rollups.refresh
        rollups.refresh = None   # a fallback to refresh would fail here
        try:
            rollups_append.append(self.inc, load_ids)
        finally:
            rollups.refresh = real
        rollups.refresh(self.full)
        assert_same_rollups(self.inc, self.full)

    def close(self) -> None:
        self.inc.close()
        self.full.close()


def first_use(con, patron_id: int):
    return con.execute("SELECT first_activity FROM rollup_first_activity WHERE patron_id = ?", [patron_id]).fetchone()


def latest_year_batch(con, load_id: int, renewals: bool = False) -> tuple[list, list]:
    """Logins, e-resource logins, activations and card issues from April 2017 (2016-17, the latest
    school year) for every third card of communities 1 and 3, checkouts (and renewals) and hotspot
    loans three days later, and a login of a card not in patron."""
    patrons = con.execute("SELECT patron_id, community_id FROM patron WHERE community_id IN (1, 3) "
                          "ORDER BY patron_id").fetchall()
    events, loans = [], []
    for i, (pid, cid) in enumerate(patrons[::3]):
        when = T(2017, 4, 1) + dt.timedelta(hours=7 * i)
        events.append((pid, cid, when, ("login", "eresource_login", "activation", "issued")[i % 4],
                       "OverDrive" if i % 4 == 1 else "website", load_id))
        if i % 2:
            fmt = "hotspot" if i % 5 == 0 else "print"
            action = ("checkout", "renewal")[i % 3 % 2] if renewals else "checkout"
            loans.append((pid, cid, cid * 100, when + dt.timedelta(days=3), action, fmt, "young adult",
                          "n/a" if fmt == "hotspot" else "fiction", "ILS", load_id))
    events.append((999_000, 1, T(2017, 6, 30, 23, 59, 59), "login", "app", load_id))
    return events, loans


def edge_cards(con):
    """Cards of community 4 at the edges of first activity: two students on the 2015-16 roster
    never used, three first used in 2016-17 or later, one first used during 2015-16."""
    never = con.execute("""SELECT patron_id FROM patron p WHERE community_id = 4 AND patron_type = 'student'
                           AND patron_id NOT IN (SELECT patron_id FROM rollup_first_activity)
                           AND patron_id IN (SELECT patron_id FROM student_roster WHERE school_year = '2015-16')
                           ORDER BY 1 LIMIT 2""").fetchall()
    later = con.execute("""SELECT patron_id, first_activity FROM rollup_first_activity WHERE community_id = 4
                           AND first_activity >= '2016-07-01' ORDER BY 1 LIMIT 3""").fetchall()
    same_year = con.execute("""SELECT patron_id, first_activity FROM rollup_first_activity
                               WHERE community_id = 4 AND first_activity BETWEEN '2015-09-01' AND '2016-06-30'
                               ORDER BY 1 LIMIT 1""").fetchall()
    return never, later, same_year


def lake_files(path: Path) -> dict[tuple[str, str, int], set[str]]:
    """{(table, school year, community): its files} of the published version."""
    con = duckdb.connect(os.path.realpath(path), read_only=True)
    try:
        out: dict = {}
        for t, sy, c, p in con.execute("SELECT table_name, school_year, community_id, path FROM lake_file").fetchall():
            out.setdefault((t, sy, c), set()).add(p)
        return out
    finally:
        con.close()
