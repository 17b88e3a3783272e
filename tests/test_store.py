"""Publishing snapshots: all or nothing, readers undisturbed, a new version each time."""
import pytest

from warehouse import store


def test_failed_write_leaves_the_published_warehouse_untouched(tmp_path):
    path = tmp_path / "w.duckdb"
    with store.publishing(path, fresh=True) as con:
        con.execute("INSERT INTO community VALUES (1, 'a', 'A', 'NC', 1, DATE '2015-01-01', NULL, 'MOU', NULL, NULL, FALSE)")
    before = store.file_stamp(path)
    with pytest.raises(RuntimeError):
        with store.publishing(path) as con:
            con.execute("DELETE FROM community")
            raise RuntimeError("boom")
    assert store.file_stamp(path) == before
    con = store.open_readonly(path)
    assert con.execute("SELECT count(*) FROM community").fetchone()[0] == 1
    assert not list(store.snapshot_dir(path).glob(".*.tmp"))


def test_old_snapshots_are_pruned(tmp_path):
    path = tmp_path / "w.duckdb"
    for _ in range(5):
        with store.publishing(path):
            pass
    assert len(list(store.snapshot_dir(path).glob("*.duckdb"))) == store.KEEP_SNAPSHOTS
    assert path.is_symlink() and path.exists()


def test_reader_keeps_its_snapshot_while_a_writer_publishes(tmp_path):
    path = tmp_path / "w.duckdb"
    with store.publishing(path, fresh=True):
        pass
    reader = store.open_readonly(path)
    v1 = store.version(reader)
    with store.publishing(path) as con:
        con.execute("INSERT INTO community VALUES (1, 'a', 'A', 'NC', 1, DATE '2015-01-01', NULL, 'MOU', NULL, NULL, FALSE)")
    assert reader.execute("SELECT count(*) FROM community").fetchone()[0] == 0   # old snapshot
    fresh = store.open_readonly(path)
    assert fresh.execute("SELECT count(*) FROM community").fetchone()[0] == 1
    assert store.version(fresh) != v1


def test_missing_warehouse_says_how_to_build_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="make demo"):
        store.open_readonly(tmp_path / "none.duckdb")


def test_files_left_by_a_killed_writer_are_swept(tmp_path):
    path = tmp_path / "w.duckdb"
    with store.publishing(path, fresh=True):
        pass
    dead = store.snapshot_dir(path) / ".999999999.tmp"      # no such process
    dead.write_bytes(b"half a warehouse")
    alive = store.snapshot_dir(path) / f".{__import__('os').getpid()}.tmp.keep"
    alive.write_bytes(b"")
    with store.publishing(path):
        pass
    assert not dead.exists() and alive.exists()
