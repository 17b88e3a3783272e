"""Where the warehouse file lives, how readers open it and how writers publish a new snapshot.

DuckDB lets one process hold a file read-write and then nobody else may open it. So readers
(the dashboard) only ever open immutable snapshot files read-only, and a writer works on a
private copy. Once its transaction has committed, the copy becomes a new snapshot
`<name>.snapshots/<version>.duckdb` and the published path (a symlink) is swapped to it
atomically. Readers holding the old snapshot keep a consistent view until they notice the
new stamp and reopen; each snapshot has its own path because DuckDB caches open databases
per path within a process. Writers queue on a lock file. The newest few snapshots are kept.

Real data is never replaced by the demo: once a snapshot holding real loads is published, the
marker `<name>.real-data` beside the warehouse names it. From then on a missing or damaged
published file is refused (RealDataMissing) instead of rebuilt, a fresh build (the demo) is
refused, and pruning never deletes the snapshot the marker names.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb

from warehouse import lake

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT / "data" / "warehouse.duckdb"
SCHEMA_SQL = (Path(__file__).with_name("schema.sql")).read_text()
# The views the metrics read: a reader of the lake creates them over its own table views.
VIEWS_SQL = SCHEMA_SQL.split("-- views the metrics read")[1].split("\n-- ----")[0]


def warehouse_path() -> Path:
    """The published warehouse: $LCC_WAREHOUSE, or data/warehouse.duckdb."""
    return Path(os.environ.get("LCC_WAREHOUSE", DEFAULT_PATH))


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """Cheap identity of the published file; changes whenever a writer publishes."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


KEEP_SNAPSHOTS = 3


def snapshot_dir(path: Path) -> Path:
    return path.with_name(path.name + ".snapshots")


class StoreError(RuntimeError):
    """The disk is full or a file could not be written: the message says what to do; no partial
    copy is left behind."""


def _disk_full(e: BaseException) -> bool:
    return getattr(e, "errno", None) == errno.ENOSPC or "No space left" in str(e)


def disk_message(e: BaseException, doing: str) -> str:
    if _disk_full(e):
        return (f"The disk is full ({doing}); nothing was changed and the partial copy was removed. "
                "Free some space in the data folder and try again.")
    return f"Could not write the warehouse ({doing}): {getattr(e, 'strerror', None) or e}. Nothing was changed."


class RealDataMissing(RuntimeError):
    """Real data was published here but the published file is missing or damaged: nothing is
    built or loaded over it until a snapshot is restored."""


def real_marker(path: Path) -> Path:
    """The marker a publish of real loads writes beside the warehouse (it is never removed by code)."""
    return path.with_name(path.name + ".real-data")


def real_data_published(path: Path | None = None) -> bool:
    """Whether real (non-demo) data has ever been published at this warehouse path: the marker,
    or (a warehouse published before markers existed) a snapshot beside it holding real loads,
    which then gets its marker."""
    path = Path(path or warehouse_path())
    if real_marker(path).exists():
        return True
    for snap in sorted(snapshot_dir(path).glob("*.duckdb"), reverse=True):
        try:
            con = duckdb.connect(str(snap), read_only=True)
            try:
                real = holds_real_loads(con)
            finally:
                con.close()
        except duckdb.Error:   # damaged, or no load_log: not evidence either way
            continue
        if real:
            _write_marker(path, snap)
            return True
    return False


def newest_real_snapshot(path: Path) -> Path | None:
    """The snapshot the marker names (the newest one that holds real loads), if it is still there."""
    try:
        name = json.loads(real_marker(path).read_text())["newest_real_snapshot"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    snap = snapshot_dir(path) / Path(str(name)).name
    return snap if snap.exists() else None


def holds_real_loads(con: duckdb.DuckDBPyConnection) -> bool:
    """A load of real data (anything but the demo generator) that is still in effect."""
    return con.execute("SELECT count(*) FROM load_log WHERE source <> 'demo' AND status = 'loaded'"
                       ).fetchone()[0] > 0


def _write_marker(path: Path, snapshot: Path) -> None:
    marker = real_marker(path)
    tmp = marker.with_name(f".{marker.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"newest_real_snapshot": snapshot.name,
                   "updated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, marker)


def refusal(path: Path) -> str:
    """What to say when real data was published here and the published file is gone or damaged."""
    snap = newest_real_snapshot(path)
    restore = (f"The newest snapshot with real data is {snap.name}; publish it again with "
               f"`python -m warehouse.store --restore` on the server." if snap else
               "No snapshot with real data is left beside it; restore the data folder from a backup.")
    return (f"The warehouse file {path.name} is missing or damaged, and real data has been loaded here, "
            f"so the demo is not built in its place and nothing is loaded over it. {restore}")


def check_published(path: Path) -> None:
    """Raise RealDataMissing when real data was published at path but the published file is gone."""
    if real_data_published(path) and not path.exists():
        raise RealDataMissing(refusal(path))


def restore(path: Path | None = None) -> Path:
    """Point the published path at the newest snapshot holding real loads again."""
    path = Path(path or warehouse_path())
    snap = newest_real_snapshot(path)
    if snap is None:
        raise RealDataMissing(refusal(path))
    con = duckdb.connect(str(snap), read_only=True)   # fails here, not for the first reader, if damaged
    con.close()
    link = path.with_name(f".{path.name}.{os.getpid()}.link")
    link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(snap, path.parent), link)
    os.replace(link, path)
    return snap


def open_readonly(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A connection that reads the version published now: the catalog the published path points
    to, and the lake files it names, as views (warehouse/lake.py). It keeps that version."""
    path = Path(path or warehouse_path())
    if not path.exists():
        if real_data_published(path):
            raise FileNotFoundError(refusal(path))
        raise FileNotFoundError(f"No warehouse at {path}: build the demo with `make demo` or load data.")
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("SET parquet_metadata_cache = true")
    try:
        catalog = Path(os.path.realpath(path))
        lake.attach(con, catalog, lake.lake_of(catalog), "memory", views=True)
    except BaseException:
        con.close()
        raise
    return con


def version(con: duckdb.DuckDBPyConnection) -> str:
    """The warehouse version stamp that caches key on; a new one is written by every publish."""
    row = con.execute("SELECT value FROM warehouse_meta WHERE key = 'version'").fetchone()
    return row[0] if row else "empty"


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA_SQL)


SCHEMA_HASH = hashlib.sha256(SCHEMA_SQL.encode()).hexdigest()[:16]
# The catalog's own tables and views: with the schema's hash, what says create_schema has nothing to do.
_OBJECTS_SQL = ("SELECT (SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary)"
                " || '/' || (SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() "
                "AND NOT internal AND NOT temporary)")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """create_schema, unless this catalog already ran this schema.sql and has as many tables and
    views as it had then (warehouse_meta 'schema'): a writer's copy of a published catalog then
    skips 40-odd no-op statements (0.1 s a publish)."""
    try:
        stored = con.execute("SELECT value FROM warehouse_meta WHERE key = 'schema'").fetchone()
    except duckdb.CatalogException:
        stored = None
    if stored and stored[0] == f"{SCHEMA_HASH}|{con.execute(_OBJECTS_SQL).fetchone()[0]}":
        return
    create_schema(con)
    con.execute("INSERT OR REPLACE INTO warehouse_meta VALUES ('schema', ?)",
                [f"{SCHEMA_HASH}|{con.execute(_OBJECTS_SQL).fetchone()[0]}"])


# Tables every figure reads (which years exist, which communities and cohorts): a publish that
# changes them changes every figure, whatever the writer said it changed.
SHARED_TABLES = ("school_year", "community")


def changed(con: duckdb.DuckDBPyConnection, community_ids) -> None:
    """Inside store.publishing: this publish changes the rows of these communities only (and the
    load log). Caches of every other community's own figures stay valid (community_versions).
    None, or a publish that never calls this, changes everything."""
    con.execute("CREATE TEMP TABLE IF NOT EXISTS publish_changed (community_id INTEGER)")
    ids = [None] if community_ids is None else list(community_ids)
    if ids:
        con.execute("INSERT INTO publish_changed SELECT unnest(?)", [ids])


def _changed_ids(con: duckdb.DuckDBPyConnection) -> list[int] | None:
    try:
        ids = [r[0] for r in con.execute("SELECT DISTINCT community_id FROM temp.publish_changed").fetchall()]
    except duckdb.CatalogException:
        return None
    return None if not ids or None in ids else ids


def _shared_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    return "|".join(str(con.execute(f"SELECT string_agg(CAST(t AS VARCHAR), ';' ORDER BY CAST(t AS VARCHAR)) "
                                    f"FROM {name} t").fetchone()[0]) for name in SHARED_TABLES)


def _stamp_versions(con: duckdb.DuckDBPyConnection, new_version: str, ids: list[int] | None) -> None:
    """Per community, the version of its own rows; 'shared_version', of everything else a
    community's own figure reads. A publish of everything renews all of them."""
    if ids is None:
        con.execute("DELETE FROM community_version")
        con.execute("INSERT INTO community_version SELECT community_id, ? FROM community", [new_version])
        con.execute("INSERT OR REPLACE INTO warehouse_meta VALUES ('shared_version', ?)", [new_version])
    else:
        con.execute("INSERT OR REPLACE INTO community_version SELECT unnest(?), ?", [list(ids), new_version])


def versions(con: duckdb.DuckDBPyConnection) -> tuple[str | None, dict[str, str]]:
    """(shared version, {community slug: version of its own rows}); (None, {}) in a warehouse
    published before these were kept: then only the whole version tells a change."""
    try:
        shared = con.execute("SELECT value FROM warehouse_meta WHERE key = 'shared_version'").fetchone()
        rows = con.execute("SELECT c.slug, v.version FROM community_version v JOIN community c USING (community_id)"
                           ).fetchall()
    except duckdb.CatalogException:
        return None, {}
    return (shared[0], dict(rows)) if shared else (None, {})


EVERY = None   # publishing(communities=EVERY): the writer may change any community's rows


@contextlib.contextmanager
def publishing(path: Path | None = None, *, fresh: bool = False, communities=EVERY, since: dt.date | None = None,
               one_transaction: bool = False):
    """Yield a read-write connection on a private copy of the catalog; publish it on success.

    communities: the ids of the communities whose event rows the writer reads or changes (their
    lake partitions are read into the tables); () for a writer of small tables only; EVERY (the
    default) reads all of them; with `since`, of their events and per-year rollups only the school
    years from the one holding that date. More can be opened inside with open_partitions. At publish only
    changed partitions are written as new files (warehouse/lake.py).

    one_transaction: the writer's statements run in one transaction, committed at publish (the
    writer then starts no transaction of its own, and catches no DuckDB error: one aborts it).

    With fresh=True the copy starts empty (a rebuild). On any exception the copy is deleted
    and the published warehouse is untouched. Where real data was ever published, a fresh
    copy, or a copy of a published file that is missing, is refused (RealDataMissing).
    """
    path = Path(path or warehouse_path())
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (fresh or not path.exists()) and real_data_published(path):
            raise RealDataMissing(refusal(path) if not path.exists() else
                                  f"Real data has been loaded into {path.name}; a rebuild would replace it. "
                                  "Build the demo at another path (--path), or move the data folder aside first.")
        snapshots = snapshot_dir(path)
        snapshots.mkdir(mode=0o700, exist_ok=True)
        os.chmod(snapshots, 0o700)   # snapshots hold pseudonymized student rows: owner only
        killed = sweep_stale(list(snapshots.glob(".*.tmp*")) + list(path.parent.glob(f".{path.name}.*.link")))
        tmp = snapshots / f".{os.getpid()}.tmp"
        tmp.unlink(missing_ok=True)
        con = None
        try:
            if path.exists() and not fresh:
                try:
                    shutil.copyfile(os.path.realpath(path), tmp)
                except OSError as e:
                    raise StoreError(disk_message(e, f"copying the warehouse to {snapshots}")) from e
            con = duckdb.connect(str(tmp))
            os.chmod(tmp, 0o600)   # and so the snapshot it becomes: owner only
            ensure_schema(con)
            lake.working_tables(con)
            con.execute("CREATE TEMP TABLE IF NOT EXISTS publish_changed (community_id INTEGER); "
                        f"CREATE OR REPLACE TEMP TABLE lake_path AS SELECT {lake._quote(str(lake.lake_dir(path)))} AS lake")
            if one_transaction:
                # Every statement of the writer then commits once, at publish, not to the WAL
                # one by one (each such commit syncs the file: ~10 ms a statement).
                con.execute("BEGIN TRANSACTION")
            if fresh:
                open_partitions(con, EVERY)   # nothing to read: every partition is the writer's
            elif communities is EVERY or list(communities):
                open_partitions(con, communities, since)
            shared_before = None if fresh else _shared_fingerprint(con)
            yield con
            previous = version(con)
            stamp = f"{previous}|{dt.datetime.now(dt.UTC).isoformat()}|{os.getpid()}"
            new_version = hashlib.sha256(stamp.encode()).hexdigest()[:16]
            ids = _changed_ids(con)
            if shared_before is None or shared_before != _shared_fingerprint(con):
                ids = None
            _stamp_versions(con, new_version, ids)
            con.execute(
                "INSERT OR REPLACE INTO warehouse_meta VALUES ('version', ?), ('published_at', ?)",
                [new_version, dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")],
            )
            lake.publish_partitions(con, lake.lake_dir(path), new_version)
            if one_transaction:
                con.execute("COMMIT")
            real = holds_real_loads(con)
            listed = lake.write_file_list(con, tmp.with_name(tmp.name + ".files"))
            con.execute("CHECKPOINT")
            con.close()
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            snapshot = snapshots / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}-{new_version}.duckdb"
            # The snapshot's file list first: a snapshot that exists always has its own (or none).
            os.replace(listed, lake.file_list(snapshot))
            os.replace(tmp, snapshot)
            if real:   # before the link: a published real snapshot always has its marker
                _write_marker(path, snapshot)
            link = path.with_name(f".{path.name}.{os.getpid()}.link")
            link.unlink(missing_ok=True)
            os.symlink(os.path.relpath(snapshot, path.parent), link)
            os.replace(link, path)
            _prune(snapshots, keep=snapshot, real=newest_real_snapshot(path), orphans=killed > 0)
        except BaseException as e:
            with contextlib.suppress(Exception):
                con.close()
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".files").unlink(missing_ok=True)
            if isinstance(e, OSError | duckdb.IOException) and not isinstance(e, StoreError) and _disk_full(e):
                raise StoreError(disk_message(e, "writing the new snapshot")) from e
            raise


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(paths: list[Path]) -> int:
    """Remove files and folders left by a writer that was killed: their names carry the
    writer's process id (the first number in the name), and that process is gone. Returns how
    many were removed."""
    removed = 0
    for p in paths:
        pid = next((int(part) for part in p.name.replace("-", ".").split(".") if part.isdigit()), None)
        if pid is None or pid_alive(pid):
            continue
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed += 1
    return removed


def _prune(snapshots: Path, keep: Path, real: Path | None = None, orphans: bool = False) -> None:
    """Delete all but the newest snapshots, never the newest one holding real loads (`real`),
    then the lake files that only the deleted snapshots named; with orphans (a killed writer was
    swept), every lake file no kept snapshot names. The caller holds the writers' lock."""
    old = sorted((p for p in snapshots.glob("*.duckdb") if p not in (keep, real)), reverse=True)
    folder = lake.lake_dir(snapshots.with_name(snapshots.name.removesuffix(".snapshots")))
    dropped: set[str] = set()
    for p in old[KEEP_SNAPSHOTS - 1:]:
        dropped |= lake.referenced(p)
        p.unlink(missing_ok=True)
        lake.file_list(p).unlink(missing_ok=True)
    for f in snapshots.glob("*.duckdb.files"):   # a writer killed between its list and its snapshot
        if not f.with_name(f.name.removesuffix(".files")).exists():
            f.unlink(missing_ok=True)
    if not folder.exists() or not (dropped or orphans):
        return
    named: set[str] = set()
    for p in snapshots.glob("*.duckdb"):
        named |= lake.referenced(p)
    candidates = (str(f.relative_to(folder)) for f in folder.rglob("*.parquet")) if orphans else dropped
    for rel in candidates:
        if rel not in named:
            (folder / rel).unlink(missing_ok=True)


def open_partitions(con: duckdb.DuckDBPyConnection, community_ids, since: dt.date | None = None) -> None:
    """Inside store.publishing: read these communities' lake partitions (EVERY: all; since: of
    events, from that date's school year) into the writer's tables before reading or changing
    their rows."""
    folder = Path(con.execute("SELECT lake FROM temp.lake_path").fetchone()[0])
    lake.open_partitions(con, folder, community_ids, since)


def copy_published(source: Path, target: Path) -> Path:
    """A new store at `target` holding the version published at `source`: its catalog as the one
    snapshot, and the lake files it names (hard links where the disk allows: they never change)."""
    source, target = Path(source), Path(target)
    catalog = Path(os.path.realpath(source))
    snapshots = snapshot_dir(target)
    snapshots.mkdir(mode=0o700, parents=True, exist_ok=True)
    snap = snapshots / catalog.name
    shutil.copyfile(catalog, snap)
    os.chmod(snap, 0o600)
    if lake.file_list(catalog).exists():
        shutil.copyfile(lake.file_list(catalog), lake.file_list(snap))
        os.chmod(lake.file_list(snap), 0o600)
    for rel in lake.referenced(catalog):
        dst = lake.lake_dir(target) / rel
        dst.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            os.link(lake.lake_of(catalog) / rel, dst)
        except OSError:
            shutil.copyfile(lake.lake_of(catalog) / rel, dst)
    target.unlink(missing_ok=True)
    os.symlink(os.path.relpath(snap, target.parent), target)
    return target


def main(argv: list[str] | None = None) -> int:
    """python -m warehouse.store --restore: publish the newest snapshot with real data again."""
    import argparse
    import sys
    ap = argparse.ArgumentParser(description="Warehouse maintenance.")
    ap.add_argument("--restore", action="store_true", help="publish the newest snapshot holding real loads again")
    ap.add_argument("--path", type=Path, default=None, help="warehouse file (default: data/warehouse.duckdb)")
    args = ap.parse_args(argv)
    if not args.restore:
        ap.error("nothing to do: pass --restore")
    try:
        snap = restore(args.path)
    except (RealDataMissing, duckdb.Error) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"Published {snap.name} again at {Path(args.path or warehouse_path())}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
