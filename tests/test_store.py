"""Publishing snapshots: all or nothing, readers undisturbed, a new version each time."""
import errno
import os
import stat
from pathlib import Path

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


# ---------------------------------------------------------------- real data is never rebuilt over

def _real_warehouse(tmp_path, monkeypatch):
    """A warehouse with one community and one real load (its schools), published twice."""
    from ingest.load import load_files
    monkeypatch.setenv("LCC_SECRET_FILE", str(tmp_path / "secret.key"))
    path = tmp_path / "data" / "w.duckdb"
    with store.publishing(path, fresh=True) as con:
        con.execute("INSERT INTO community VALUES (1, 'testville', 'Testville', 'NC', 1, DATE '2015-09-01', "
                    "DATE '2015-09-08', 'MOU', NULL, NULL, FALSE)")
    assert not store.real_data_published(path)          # no real load yet: the demo could be built
    schools = tmp_path / "schools.csv"
    schools.write_text("school,school_type,grade_low,grade_high,title_i\nAlpha Elementary,district,K,5,yes\n")
    assert load_files([schools], community="testville", source="schools", path=path).committed
    return path


def test_a_real_load_writes_the_marker_naming_its_snapshot(tmp_path, monkeypatch):
    path = _real_warehouse(tmp_path, monkeypatch)
    assert store.real_marker(path).exists() and store.real_marker(path).parent == path.parent
    assert store.newest_real_snapshot(path) == Path(os.path.realpath(path))


def test_missing_published_file_on_real_data_is_refused_not_rebuilt(tmp_path, monkeypatch):
    from ingest.load import load_files
    from warehouse import demo
    path = _real_warehouse(tmp_path, monkeypatch)
    snapshots = sorted(store.snapshot_dir(path).glob("*.duckdb"))
    # The published link now points at a file that is gone.
    path.unlink()
    path.symlink_to("w.duckdb.snapshots/gone.duckdb")
    assert not path.exists()
    with pytest.raises(store.RealDataMissing, match="real data has been loaded here.*--restore"):
        demo.ensure(path)
    with pytest.raises(store.RealDataMissing):
        demo.build(path)
    other = tmp_path / "branches.csv"
    other.write_text("branch\nMain Library\n")
    for _ in range(3):   # ordinary loads do not start an empty warehouse in its place
        with pytest.raises(store.RealDataMissing):
            load_files([other], community="testville", source="branches", path=path)
    assert sorted(store.snapshot_dir(path).glob("*.duckdb")) == snapshots   # nothing built, nothing pruned
    assert not list(store.snapshot_dir(path).glob(".*tmp*"))
    # The way back: publish the newest real snapshot again.
    assert store.restore(path) == snapshots[-1]
    con = store.open_readonly(path)
    assert con.execute("SELECT name FROM school").fetchall() == [("Alpha Elementary",)]


def test_pruning_keeps_the_newest_snapshot_with_real_loads(tmp_path, monkeypatch):
    from ingest.load import load_log, undo
    path = _real_warehouse(tmp_path, monkeypatch)
    real = Path(os.path.realpath(path))
    undo(int(load_log(path)["load_id"].iloc[0]), path=path)   # later snapshots hold no real load
    for _ in range(5):
        with store.publishing(path):
            pass
    left = set(store.snapshot_dir(path).glob("*.duckdb"))
    assert real in left and len(left) == store.KEEP_SNAPSHOTS + 1


def test_a_warehouse_without_a_marker_is_recognized_by_its_snapshots(tmp_path, monkeypatch):
    path = _real_warehouse(tmp_path, monkeypatch)
    store.real_marker(path).unlink()          # published before markers existed
    path.unlink()
    assert store.real_data_published(path) and store.real_marker(path).exists()


def test_snapshots_and_their_folder_are_owner_only(tmp_path):
    path = tmp_path / "w.duckdb"
    with store.publishing(path, fresh=True):
        pass
    assert stat.S_IMODE(os.stat(store.snapshot_dir(path)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.realpath(path)).st_mode) == 0o600


def test_a_full_disk_during_the_copy_leaves_no_partial_copy(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    with store.publishing(path, fresh=True):
        pass
    before = store.file_stamp(path)

    def full(src, dst, *a, **k):
        Path(dst).write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.shutil, "copyfile", full)
    with pytest.raises(store.StoreError, match="disk is full.*partial copy was removed"):
        with store.publishing(path):
            pass
    assert not list(store.snapshot_dir(path).glob(".*")) and store.file_stamp(path) == before


def test_a_writer_runs_the_schema_only_when_the_catalog_has_not_run_this_one(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    with store.publishing(path) as con:
        con.execute("INSERT INTO warehouse_meta VALUES ('x', '1')")
    ran = []
    real = store.create_schema
    monkeypatch.setattr(store, "create_schema", lambda con: ran.append(1) or real(con))
    with store.publishing(path) as con:
        pass
    assert ran == []
    with store.publishing(path) as con:   # a table gone: the schema runs again and brings it back
        con.execute("DROP TABLE survey_response")
    with store.publishing(path) as con:
        assert con.execute("SELECT count(*) FROM survey_response").fetchone()[0] == 0
    assert ran == [1]
    with store.publishing(path) as con:   # another schema.sql
        con.execute("UPDATE warehouse_meta SET value = 'old|1' WHERE key = 'schema'")
    with store.publishing(path) as con:
        pass
    assert ran == [1, 1]


def test_one_transaction_commits_at_publish_or_not_at_all(tmp_path):
    path = tmp_path / "w.duckdb"
    with store.publishing(path) as con:
        con.execute("INSERT INTO warehouse_meta VALUES ('x', '1')")
    with pytest.raises(RuntimeError):
        with store.publishing(path, one_transaction=True) as con:
            con.execute("UPDATE warehouse_meta SET value = '2' WHERE key = 'x'")
            raise RuntimeError("stop")
    with store.publishing(path, one_transaction=True) as con:
        con.execute("UPDATE warehouse_meta SET value = '3' WHERE key = 'x'")
    reader = store.open_readonly(path)
    assert reader.execute("SELECT value FROM warehouse_meta WHERE key = 'x'").fetchone()[0] == "3"
    reader.close()
