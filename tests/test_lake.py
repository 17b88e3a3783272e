"""The lake (warehouse/lake.py): a publish writes only the partitions it changed, readers keep
the files of the version they opened, old files go only when no kept version names them."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import pytest

from tests.rollup_support import lake_files as files
from tests.small_warehouse import build
from warehouse import lake, rollups, store

ALPHA, BETA = 1, 2


def count(path: Path, sql: str, params=None):
    con = store.open_readonly(path)
    try:
        return con.execute(sql, params or []).fetchone()[0]
    finally:
        con.close()


def add_login(path: Path, community: int, patron: int, when: dt.datetime) -> None:
    """One login through the writer's way (open the community since the day, append, refresh)."""
    with store.publishing(path, communities=[community], since=when.date()) as con:
        con.execute("INSERT INTO card_event VALUES (?, ?, ?, 'login', 'website', 77)", [patron, community, when])
        rollups.refresh(con, [community], since=when.date())
        store.changed(con, [community])


@pytest.fixture
def wh(tmp_path):
    return build(tmp_path / "w.duckdb")


def test_event_tables_live_in_partitioned_parquet_files(wh):
    parts = files(wh)
    assert ("card_event", "2015-16", ALPHA) in parts and ("card_event", "2015-16", BETA) in parts
    for (table, sy, c), paths in parts.items():
        for p in paths:
            assert p.startswith(f"{table}/school_year={sy}/community_id={c}/") and p.endswith(".parquet")
            assert (lake.lake_dir(wh) / p).exists()
    # the catalog's own copies of the partitioned tables are empty: the rows live in the files
    con = duckdb.connect(os.path.realpath(wh), read_only=True)
    assert con.execute("SELECT count(*) FROM card_event").fetchone()[0] == 0
    con.close()
    assert count(wh, "SELECT count(*) FROM card_event WHERE community_id = 2 AND event_type = 'login'") == 25


def test_a_load_for_one_community_writes_only_its_changed_partitions(wh):
    before = files(wh)
    add_login(wh, BETA, patron_of(wh, "b30"), dt.datetime(2016, 2, 2, 9))
    after = files(wh)
    changed = {k for k in after if after[k] != before.get(k)}
    assert changed and all(c == BETA for _, _, c in changed)
    assert ("card_event", "2015-16", BETA) in changed
    assert all(after[k] == v for k, v in before.items() if k[2] == ALPHA)   # Alpha's files untouched
    assert count(wh, "SELECT count(*) FROM card_event WHERE community_id = 2 AND event_type = 'login'") == 26
    # the rollups of Beta moved with the batch: 26 active students now
    assert count(wh, "SELECT sum(active) FROM rollup_community_cells WHERE community_id = 2 "
                     "AND school_year = '2015-16'") == 26


def patron_of(path: Path, name: str) -> int:
    # small_warehouse numbers patrons in the order it creates them; look the card up by its events
    con = store.open_readonly(path)
    try:
        ids = [r[0] for r in con.execute("SELECT patron_id FROM patron WHERE community_id = 2 ORDER BY patron_id")
               .fetchall()]
    finally:
        con.close()
    return ids[int(name[1:]) - 1]


def test_a_reader_keeps_the_files_of_the_version_it_opened(wh):
    reader = store.open_readonly(wh)
    add_login(wh, BETA, patron_of(wh, "b31"), dt.datetime(2016, 2, 3, 9))
    # the old version's files are still there (three versions are kept), so it still answers
    assert reader.execute("SELECT count(*) FROM card_event WHERE community_id = 2 AND event_type = 'login'"
                          ).fetchone()[0] == 25
    assert count(wh, "SELECT count(*) FROM card_event WHERE community_id = 2 AND event_type = 'login'") == 26


def test_files_no_kept_version_names_are_deleted(wh):
    first = {p for ps in files(wh).values() for p in ps}
    for i in range(store.KEEP_SNAPSHOTS + 1):
        add_login(wh, BETA, patron_of(wh, f"b{30 + i}"), dt.datetime(2016, 2, 4 + i, 9))
    on_disk = {str(f.relative_to(lake.lake_dir(wh))) for f in lake.lake_dir(wh).rglob("*.parquet")}
    named = set()
    for snap in store.snapshot_dir(wh).glob("*.duckdb"):
        named |= lake.referenced(snap)
    assert on_disk == named
    gone = {p for p in first if p not in on_disk}
    assert gone and all("community_id=2/" in p for p in gone)   # Beta's first files, rewritten 4 times since
    assert {p for p in first if "community_id=1/" in p} <= on_disk


def test_rows_of_a_partition_the_writer_did_not_open_are_refused(wh):
    before = store.file_stamp(wh)
    with pytest.raises(RuntimeError, match="without opening"):
        with store.publishing(wh, communities=[BETA]) as con:   # Alpha's partitions not read
            con.execute("INSERT INTO card_event VALUES (1, 1, TIMESTAMP '2016-02-01 10:00', 'login', 'web', 5)")
    assert store.file_stamp(wh) == before
    assert count(wh, "SELECT count(*) FROM card_event WHERE load_id = 5") == 0


def test_rows_added_to_a_partition_not_opened_are_a_new_file_beside_its_files(wh):
    """A writer appending to card_event (lake.appending) opens nothing: its rows are a new file
    in their partition, the files already there stay, and the partition's count covers both."""
    before = files(wh)
    n = count(wh, "SELECT count(*) FROM card_event WHERE community_id = 2")
    with store.publishing(wh, communities=()) as con:
        lake.appending(con, ["card_event"])
        con.execute("INSERT INTO card_event VALUES (?, 2, TIMESTAMP '2016-02-01 10:00', 'login', 'web', 5)",
                    [patron_of(wh, "b30")])
    after = files(wh)
    key = ("card_event", "2015-16", BETA)
    assert before[key] < after[key] and len(after[key] - before[key]) == 1
    assert {k: v for k, v in after.items() if k != key} == {k: v for k, v in before.items() if k != key}
    assert count(wh, "SELECT count(*) FROM card_event WHERE community_id = 2") == n + 1
    # the partition's count and fingerprint (every file of it) are those of all its rows now
    reader = store.open_readonly(wh)
    expected = reader.execute("""SELECT count(*), CAST(sum(hash(patron_id, community_id, event_time, event_type,
                                 channel, load_id)) AS VARCHAR) FROM card_event WHERE community_id = 2
                                 AND event_time >= '2015-07-01' AND event_time < '2016-07-01'""").fetchall()
    assert reader.execute("SELECT DISTINCT rows, fingerprint FROM lake_file WHERE table_name = 'card_event' "
                          "AND community_id = 2 AND school_year = '2015-16'").fetchall() == expected
    reader.close()


def test_a_rollup_refresh_opens_what_it_reads(wh, tmp_path):
    """A writer that opened nothing and refreshes a community gets the same rollups as a full
    refresh: the refresh opens that community's partitions first."""
    before = {t: rows(wh, t) for t in rollups.ROLLUP_TABLES}
    with store.publishing(wh, communities=()) as con:
        rollups.refresh(con, [ALPHA])
    assert {t: rows(wh, t) for t in rollups.ROLLUP_TABLES} == before


def rows(path: Path, table: str) -> list:
    con = store.open_readonly(path)
    try:
        return sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
    finally:
        con.close()


def test_loads_through_the_real_loader_leave_no_raw_id_in_any_lake_file(tmp_path, monkeypatch):
    from tests import test_ingest_load as t
    monkeypatch.setenv("LCC_SECRET_FILE", str(tmp_path / "secret.key"))
    path = t.make_warehouse(tmp_path / "wh.duckdb")
    for kind, name, text in (("schools", "schools.csv", t.SCHOOLS), ("cards", "cards.csv", t.CARDS),
                             ("card_activity", "activity.csv", t.ACTIVITY), ("code_map", "map.csv", t.CODE_MAP),
                             ("branches", "branches.csv", "branch\nMain Library\nEast Branch\n"),
                             ("circulation", "circ.tsv", t.CIRCULATION)):
        assert t.load(path, tmp_path, kind, name, text).committed, kind
    parts = files(path)
    assert {"patron", "student_roster", "card_event", "circulation"} <= {table for table, _, _ in parts}
    assert {c for _, _, c in parts} == {1}   # Testville's only: Otherton has no rows
    blobs = b"".join(f.read_bytes() for f in lake.lake_dir(path).rglob("*.parquet"))
    assert blobs and not [raw for raw in t.RAW_IDS if raw in blobs]


def test_a_copy_of_the_published_version_answers_the_same_and_is_independent(wh, tmp_path):
    copy = store.copy_published(wh, tmp_path / "copy" / "w.duckdb")
    for t in ("card_event", "patron", "rollup_community_cells"):
        assert rows(copy, t) == rows(wh, t)
    add_login(copy, BETA, patron_of(copy, "b40"), dt.datetime(2016, 2, 9, 9))
    assert count(copy, "SELECT count(*) FROM card_event WHERE community_id = 2") == \
        count(wh, "SELECT count(*) FROM card_event WHERE community_id = 2") + 1


def _key_index(path: Path) -> list[tuple]:
    con = duckdb.connect(os.path.realpath(path), read_only=True)
    try:
        return con.execute("SELECT community_id, path, rows, source FROM lake_index ORDER BY 1").fetchall()
    finally:
        con.close()


def test_a_community_key_index_follows_its_cards_and_is_used_only_when_current(tmp_path, monkeypatch):
    """lake_index: per community, (patron_key, patron_id) sorted by key, rewritten with the cards;
    card activity reads it (only its keys' row groups); a stale or missing one is not used."""
    from ingest import activity
    from tests import test_ingest_load as t
    monkeypatch.setenv("LCC_SECRET_FILE", str(tmp_path / "secret.key"))
    path = t.make_warehouse(tmp_path / "wh.duckdb")
    for kind, name, text in (("schools", "schools.csv", t.SCHOOLS), ("cards", "cards.csv", t.CARDS)):
        assert t.load(path, tmp_path, kind, name, text).committed, kind
    (c, rel, n, source), = _key_index(path)
    assert (c, n) == (1, 4) and (lake.lake_dir(path) / rel).exists()
    index = duckdb.sql(f"SELECT patron_key, patron_id FROM read_parquet('{lake.lake_dir(path) / rel}')").fetchall()
    con = store.open_readonly(path)
    assert index == sorted(con.execute("SELECT patron_key, patron_id FROM patron").fetchall())
    con.close()
    assert rel in lake.referenced(Path(os.path.realpath(path)))   # a lake file: pruned like the others
    used = []
    real = lake.key_index
    monkeypatch.setattr(lake, "key_index", lambda *a: used.append(real(*a)) or used[-1])
    report = t.load(path, tmp_path, "card_activity", "activity.csv", t.ACTIVITY)
    assert report.committed and used and used[-1] == str(lake.lake_dir(path) / rel)
    assert _key_index(path)[0][1] == rel   # the cards did not change: the same file
    bad = t.load(path, tmp_path, "card_activity", "bad.csv", "patron_id;timestamp;event;channel\n"
                 "ZQ999999;2016-03-01 10:00:00;login;Website\n")
    assert not bad.committed and "no card with this ID" in bad.summary() + str(bad.problems)
    # More cards: a new index, from the new partitions.
    more = t.CARDS.replace("ZQ900004,,,teacher", "ZQ900005,,,teacher")
    assert t.load(path, tmp_path, "cards", "cards2.csv", more).committed
    (_, rel2, n2, source2), = _key_index(path)
    assert rel2 != rel and n2 == 5 and source2 != source
    # An index whose source is not the version's cards is not used (the patron table is read).
    con = duckdb.connect(os.path.realpath(path))
    con.execute("UPDATE lake_index SET source = 'stale'")
    con.close()
    used.clear()
    march = "patron_id;timestamp;event;channel\nZQ900005;2016-03-01 10:00:00;login;Website\n"
    assert t.load(path, tmp_path, "card_activity", "march.csv", march).committed
    assert used == [None]
    assert _key_index(path)[0][3] == source2   # and the load wrote a current one again
    assert activity.LISTED_KEYS > 100


def test_each_snapshot_lists_its_lake_files_beside_it_and_pruning_reads_the_lists(wh, monkeypatch):
    snap = Path(os.path.realpath(wh))
    listed = lake.file_list(snap)
    assert listed.exists() and oct(listed.stat().st_mode & 0o777) == "0o600"
    con = duckdb.connect(str(snap), read_only=True)
    named = {p for (p,) in con.execute("SELECT path FROM lake_file UNION ALL SELECT path FROM lake_index").fetchall()}
    con.close()
    assert lake.referenced(snap) == named
    opened = []
    real_connect = duckdb.connect
    monkeypatch.setattr(lake.duckdb, "connect", lambda *a, **k: opened.append(a) or real_connect(*a, **k))
    for hour in range(9, 14):
        add_login(wh, ALPHA, patron_of(wh, "a1"), dt.datetime(2016, 3, 1, hour))
    monkeypatch.undo()
    assert not [a for a in opened if a and str(a[0]).endswith(".duckdb") and "snapshots" in str(a[0])
                and not str(a[0]).split("/")[-1].startswith(".")]   # only the writer's own copy was opened
    snaps = sorted(store.snapshot_dir(wh).glob("*.duckdb"))
    assert len(snaps) == store.KEEP_SNAPSHOTS
    assert sorted(store.snapshot_dir(wh).glob("*.duckdb.files")) == [lake.file_list(s) for s in snaps]
    kept = set().union(*(lake.referenced(s) for s in snaps))
    on_disk = {str(f.relative_to(lake.lake_dir(wh))) for f in lake.lake_dir(wh).rglob("*.parquet")}
    assert on_disk == kept
    # A list cut short is not trusted: the catalog is read instead.
    listed, full = lake.file_list(snaps[-1]), lake.referenced(snaps[-1])
    listed.write_text(listed.read_text().split("\n", 1)[0] + "\n")
    assert len(full) > 1 and lake.referenced(snaps[-1]) == full
