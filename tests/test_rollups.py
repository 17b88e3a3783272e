"""An incremental rollup refresh (rollups.refresh with since=) gives exactly the rollups of a full
refresh: every rollup table, row for row, after appending events, deleting events, moving
patrons' first uses earlier and later, changing the e-resource report picked, and through the
real loader (a second load, a corrected file replacing a period, an undo). The append path
(rollups_append) is checked the same way in tests/test_rollups_append.py.

Each case changes the raw events of two copies of the same warehouse: one is refreshed with
since=<earliest date changed> for the communities changed, the other with a full refresh(con).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb

from tests.rollup_support import (CARD_EVENT, CIRCULATION, D, T, Pair, assert_same_rollups,
                                  edge_cards, first_use, latest_year_batch)
from tests.small_warehouse import build as build_small
from warehouse import lake, rollups, rollups_append, store

def test_a_fresh_warehouse_refreshed_since_any_date_is_unchanged(pair):
    for since in (D(2014, 7, 1), D(2015, 12, 31), D(2016, 6, 30), D(2016, 7, 1), D(2019, 1, 1)):
        pair.refresh([1, 2, 3, 4], since)
    pair.refresh(None, D(2015, 3, 3))


def test_appending_events_in_the_latest_year(pair):
    """A new batch of logins, e-resource logins, checkouts and hotspot loans late in 2016-17 (the
    latest school year of the warehouse), for two of the four communities."""
    events, loans = latest_year_batch(pair.full, 7)
    pair.insert("card_event", CARD_EVENT, events)
    pair.insert("circulation", CIRCULATION, loans)
    since = min([e[2] for e in events] + [loan[3] for loan in loans]).date()
    assert since == D(2017, 4, 1)
    pair.refresh([1, 3], since)


def test_deleting_events_of_a_period(pair):
    """Events of January-February 2016 (2015-16, not the latest year) deleted, as a replaced or
    undone load would, in one community: later years' activation and activated_at_start move."""
    con = pair.full
    gone = con.execute("""SELECT count(*) FROM (SELECT patron_id FROM card_event WHERE community_id = 2
                          AND event_time >= '2016-01-01' AND event_time < '2016-03-01' UNION ALL
                          SELECT patron_id FROM circulation WHERE community_id = 2
                          AND event_time >= '2016-01-01' AND event_time < '2016-03-01')""").fetchone()[0]
    assert gone > 10
    first_uses_lost = con.execute("""SELECT count(*) FROM rollup_first_activity WHERE community_id = 2
                                     AND first_activity BETWEEN '2016-01-01' AND '2016-02-29'""").fetchone()[0]
    assert first_uses_lost > 0  # some cards lose their first use: it moves later or disappears
    for table in ("card_event", "circulation"):
        pair.both(f"DELETE FROM {table} WHERE community_id = 2 AND event_time >= '2016-01-01' "
                  "AND event_time < '2016-03-01'")
    pair.refresh([2], D(2016, 1, 1))


def test_a_batch_with_earliest_ever_uses(pair):
    """A batch holding the first use ever of a card never used, a use before another card's
    first use (earlier in the same school year, and in an earlier school year than its first
    use), and uses exactly on the school-year boundaries."""
    con = pair.full
    never, later, same_year = edge_cards(con)
    teacher = con.execute("""SELECT patron_id FROM patron WHERE community_id = 4 AND patron_type <> 'student'
                             ORDER BY 1 LIMIT 1""").fetchone()[0]
    assert len(never) == 2 and len(later) == 3 and len(same_year) == 1
    events = [(never[0][0], 4, T(2015, 7, 1, 0, 0, 0), "login", "website", 8),           # a year's first moment
              (never[1][0], 4, T(2016, 6, 30, 23, 59, 59), "eresource_login", "TumbleBooks", 8),  # its last
              (later[0][0], 4, T(2016, 2, 2, 12), "activation", "app", 8),
              (later[1][0], 4, T(2015, 8, 8, 8), "login", "catalog", 8),
              (same_year[0][0], 4, T(2015, 8, 31, 9), "login", "branch", 8),
              (teacher, 4, T(2015, 10, 10, 10), "login", "website", 8)]
    loans = [(later[2][0], 4, 400, T(2016, 1, 4, 15), "checkout", "hotspot", "young adult", "n/a", "ILS", 8)]
    pair.insert("card_event", CARD_EVENT, events)
    pair.insert("circulation", CIRCULATION, loans)
    pair.refresh([4], D(2015, 7, 1))
    assert first_use(pair.inc, never[0][0]) == (D(2015, 7, 1),)
    assert first_use(pair.inc, later[1][0]) == (D(2015, 8, 8),)
    assert first_use(pair.inc, same_year[0][0]) == (D(2015, 8, 31),)


def test_deleting_a_first_use(pair):
    """The first use of cards deleted: their first activity moves to the next use, or goes."""
    rows = pair.full.execute("""SELECT patron_id, first_activity FROM rollup_first_activity
                                WHERE community_id = 1 AND first_activity >= '2015-07-01'
                                ORDER BY 1 LIMIT 6""").fetchall()
    assert len(rows) == 6
    for pid, day in rows:
        for table in ("card_event", "circulation"):
            pair.both(f"DELETE FROM {table} WHERE patron_id = ? AND CAST(event_time AS DATE) = ?", [pid, day])
    pair.refresh([1], min(day for _, day in rows))
    after = dict(pair.inc.execute("SELECT patron_id, first_activity FROM rollup_first_activity "
                                  "WHERE patron_id IN (SELECT unnest(?))", [[p for p, _ in rows]]).fetchall())
    assert all(after.get(pid) is None or after[pid] > day for pid, day in rows)


def test_monthly_counts_and_a_report_that_changes_the_pick_of_earlier_months(pair):
    """circulation_monthly counts late in 2016-17; a platform reported only as TR until a PR
    arrives in 2016-17: the PR is then the report picked for the platform, in earlier years too."""
    tr = [(2, "hoopla", D(2015, m, 1), "Total_Item_Requests", 10 * m, "TR", "5.0", 1) for m in (9, 10, 11)]
    pair.insert("eresource_usage", ("community_id", "platform", "month", "metric_type", "count", "report_type",
                                    "counter_release", "load_id"), tr)
    pair.refresh(None, None)
    assert pair.inc.execute("SELECT count(*) FROM rollup_eresource_month WHERE platform = 'hoopla'").fetchone()[0] == 3
    pr = [(2, "hoopla", D(2017, 3, 1), "Total_Item_Requests", 5, "PR", "5.0", 9)]
    pair.insert("eresource_usage", ("community_id", "platform", "month", "metric_type", "count", "report_type",
                                    "counter_release", "load_id"), pr)
    monthly = [(2, None, D(2017, 5, 1), "print", "juvenile", "fiction", "ILS", 40, 3, 9),
               (2, None, D(2017, 6, 1), "e-book", "adult", "non-fiction", "OverDrive", 7, 0, 9)]
    pair.insert("circulation_monthly", ("community_id", "branch_id", "month", "format", "audience", "fiction",
                                        "platform", "checkouts", "renewals", "load_id"), monthly)
    pair.refresh([2], D(2017, 3, 1))
    assert pair.inc.execute("SELECT DISTINCT report_type FROM rollup_eresource_month "
                            "WHERE platform = 'hoopla'").fetchall() == [("PR",)]


def test_events_after_the_last_school_year_and_several_refreshes_in_a_row(pair):
    """Uses in 2017-18 and 2018-19, years the school_year table does not list (circulation and
    logins still roll up by month), then three more batches, each refreshed from its own date."""
    con = pair.full
    pids = [r[0] for r in con.execute("SELECT patron_id FROM patron WHERE community_id = 3 ORDER BY 1 LIMIT 40")
            .fetchall()]
    batches = [
        [(p, 3, T(2018, 9, 1) + dt.timedelta(days=i), "login", "app", 11) for i, p in enumerate(pids[:10])],
        [(p, 3, T(2017, 7, 1) + dt.timedelta(days=3 * i), "eresource_login", "OverDrive", 12)
         for i, p in enumerate(pids[10:25])],
        [(p, 3, T(2016, 12, 24, 18), "activation", "website", 13) for p in pids[25:]],
    ]
    for batch in batches:
        pair.insert("card_event", CARD_EVENT, batch)
        pair.insert("circulation", CIRCULATION, [(e[0], 3, 300, e[2], "renewal", "e-book", "juvenile", "fiction",
                                                  "hoopla", e[5]) for e in batch[::2]])
        pair.refresh([3], min(e[2] for e in batch))
    pair.both("DELETE FROM card_event WHERE load_id = 12")
    pair.refresh([3], D(2017, 7, 1))


def test_the_small_warehouse(tmp_path):
    """The hand-made warehouse: s1's earliest use (June 2015) moved back into 2014-15 and a use in
    2015-16 for a card never used: activated_at_start and the 2015-16 weeks follow."""
    source = build_small(tmp_path / "small.duckdb")
    (tmp_path / "pair").mkdir()
    pair = Pair(source, tmp_path / "pair")
    try:
        s31 = pair.full.execute("SELECT patron_id FROM patron WHERE patron_key = 'key-s31'").fetchone()[0]
        s1 = pair.full.execute("SELECT patron_id FROM patron WHERE patron_key = 'key-s1'").fetchone()[0]
        pair.insert("card_event", CARD_EVENT, [(s31, 1, T(2016, 5, 2, 10), "login", "website", 5),
                                               (s1, 1, T(2015, 2, 2, 10), "login", "website", 5)])
        pair.refresh([1], D(2015, 2, 2))
        assert first_use(pair.inc, s1) == (D(2015, 2, 2),)
        pair.both("DELETE FROM circulation WHERE event_time >= '2016-01-11' AND community_id = 1")
        pair.refresh([1], D(2016, 1, 11))
    finally:
        pair.close()


# ---------------------------------------------------------------- through the real loader
def assert_rollups_as_full(path: Path, tmp_path: Path) -> None:
    """The published warehouse's rollups against a full refresh of a copy of it."""
    copy = tmp_path / "full-copy.duckdb"
    shutil.copyfile(os.path.realpath(path), copy)
    full = duckdb.connect(str(copy))
    lake.open_partitions(full, lake.lake_of(Path(os.path.realpath(path))), None)
    published = store.open_readonly(path)
    try:
        rollups.refresh(full)
        assert_same_rollups(published, full)
    finally:
        full.close()
        published.close()
        copy.unlink()


def test_loads_append_or_refresh_from_their_earliest_date_and_equal_a_full_refresh(tmp_path, monkeypatch):
    from tests import test_ingest_load as t

    monkeypatch.setenv("LCC_SECRET_FILE", str(tmp_path / "secret.key"))
    calls = []
    real = rollups.refresh

    def spy(con, community_ids=None, since=None):
        calls.append(since)
        return real(con, community_ids, since=since)

    real_append = rollups_append.append

    def append_spy(con, load_ids, **options):
        calls.append(("append", list(load_ids)))
        return real_append(con, load_ids, **options)

    monkeypatch.setattr(rollups, "refresh", spy)
    monkeypatch.setattr(rollups_append, "append", append_spy)
    wh = t.make_warehouse(tmp_path / "wh.duckdb")
    for kind, name, text in (("schools", "schools.csv", t.SCHOOLS),
                             ("branches", "branches.csv", "branch\nMain Library\nEast Branch\n"),
                             ("code_map", "map.csv", t.CODE_MAP), ("cards", "cards.csv", t.CARDS)):
        assert t.load(wh, tmp_path, kind, name, text).committed
    assert calls == [None, None, None, None]  # directories and cards: everything of the community

    assert t.load(wh, tmp_path, "card_activity", "a1.csv", t.ACTIVITY).committed
    assert calls[-1] == ("append", [5])      # new activity only: the rollups follow the batch
    second = ("patron_id;timestamp;event;channel\nZQ900003;2016-05-03 10:00:00;login;app\n"
              "ZQ900004;2016-06-30 23:59:59;login;website\nZQ900001;2016-03-01 08:00:00;login;app\n")
    assert t.load(wh, tmp_path, "card_activity", "a2.csv", second).committed
    assert calls[-1] == ("append", [6])      # a1 had no rows in a2's period: nothing deleted
    assert_rollups_as_full(wh, tmp_path)

    assert t.load(wh, tmp_path, "circulation", "c1.tsv", t.CIRCULATION).committed
    assert calls[-1] == ("append", [7])
    # A corrected circulation file for November: the earlier load's November row is replaced.
    fixed = ("patron_id\ttimestamp\titem type\tbranch\taction\n"
             "ZQ900004\t2015-11-20 10:00:00\tJNF\tMain Library\tcheckout\n")
    report = t.load(wh, tmp_path, "circulation", "c2.tsv", fixed)
    assert report.committed and calls[-1] == D(2015, 11, 1)   # rows deleted: refresh since
    assert_rollups_as_full(wh, tmp_path)

    monthly = "Month,Item Type,Branch,Count\n2016-04,JNF,Main Library,12\n"
    assert t.load(wh, tmp_path, "circulation_monthly", "m.csv", monthly).committed
    assert calls[-1] == D(2016, 4, 1)
    vendor = "month,platform,metric,count\n2016-02,TumbleBooks,Total_Item_Requests,9\n"
    assert t.load(wh, tmp_path, "eresource_vendor", "v.csv", vendor).committed
    assert calls[-1] == D(2016, 2, 1)
    assert_rollups_as_full(wh, tmp_path)

    # Undo the first activity file: its rows are removed, refreshed from its first row's date.
    first_activity_load = int(t.load_log(wh).query("file_name == 'a1.csv'")["load_id"].iloc[0])
    t.undo(first_activity_load, path=wh)
    assert calls[-1] == D(2015, 10, 1)
    assert_rollups_as_full(wh, tmp_path)

    text = "School,Grade,School Year,Students\nAlpha Elementary,K,2015-16,100\n"
    assert t.load(wh, tmp_path, "enrollment", "e.csv", text).committed
    assert calls[-1] is None
    assert_rollups_as_full(wh, tmp_path)
