"""Where the warehouse file lives, how readers open it and how writers publish a new snapshot.

DuckDB lets one process hold a file read-write and then nobody else may open it. So readers
(the dashboard) only ever open immutable snapshot files read-only, and a writer works on a
private copy. Once its transaction has committed, the copy becomes a new snapshot
`<name>.snapshots/<version>.duckdb` and the published path (a symlink) is swapped to it
atomically. Readers holding the old snapshot keep a consistent view until they notice the
new stamp and reopen; each snapshot has its own path because DuckDB caches open databases
per path within a process. Writers queue on a lock file. The newest few snapshots are kept.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import shutil
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT / "data" / "warehouse.duckdb"
SCHEMA_SQL = (Path(__file__).with_name("schema.sql")).read_text()


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


def open_readonly(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the snapshot the published path points to now."""
    path = Path(path or warehouse_path())
    if not path.exists():
        raise FileNotFoundError(f"No warehouse at {path}: build the demo with `make demo` or load data.")
    con = duckdb.connect(os.path.realpath(path), read_only=True)
    con.execute("SET threads = 2")
    return con


def version(con: duckdb.DuckDBPyConnection) -> str:
    """The warehouse version stamp that caches key on; a new one is written by every publish."""
    row = con.execute("SELECT value FROM warehouse_meta WHERE key = 'version'").fetchone()
    return row[0] if row else "empty"


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA_SQL)


@contextlib.contextmanager
def publishing(path: Path | None = None, *, fresh: bool = False):
    """Yield a read-write connection on a private copy of the warehouse; publish it on success.

    With fresh=True the copy starts empty (a rebuild). On any exception the copy is deleted
    and the published warehouse is untouched.
    """
    path = Path(path or warehouse_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        snapshots = snapshot_dir(path)
        snapshots.mkdir(exist_ok=True)
        sweep_stale(list(snapshots.glob(".*.tmp*")) + list(path.parent.glob(f".{path.name}.*.link")))
        tmp = snapshots / f".{os.getpid()}.tmp"
        tmp.unlink(missing_ok=True)
        if path.exists() and not fresh:
            shutil.copyfile(os.path.realpath(path), tmp)
        con = duckdb.connect(str(tmp))
        try:
            create_schema(con)
            yield con
            previous = version(con)
            stamp = f"{previous}|{dt.datetime.now(dt.UTC).isoformat()}|{os.getpid()}"
            new_version = hashlib.sha256(stamp.encode()).hexdigest()[:16]
            con.execute(
                "INSERT OR REPLACE INTO warehouse_meta VALUES ('version', ?), ('published_at', ?)",
                [new_version, dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")],
            )
            con.execute("CHECKPOINT")
            con.close()
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            snapshot = snapshots / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}-{new_version}.duckdb"
            os.replace(tmp, snapshot)
            link = path.with_name(f".{path.name}.{os.getpid()}.link")
            link.unlink(missing_ok=True)
            os.symlink(os.path.relpath(snapshot, path.parent), link)
            os.replace(link, path)
            _prune(snapshots, keep=snapshot)
        except BaseException:
            with contextlib.suppress(Exception):
                con.close()
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
            raise


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(paths: list[Path]) -> None:
    """Remove files and folders left by a writer that was killed: their names carry the
    writer's process id (the first number in the name), and that process is gone."""
    for p in paths:
        pid = next((int(part) for part in p.name.replace("-", ".").split(".") if part.isdigit()), None)
        if pid is None or pid_alive(pid):
            continue
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def _prune(snapshots: Path, keep: Path) -> None:
    """Delete all but the newest snapshots; a reader still holding one keeps its open file."""
    old = sorted((p for p in snapshots.glob("*.duckdb") if p != keep), reverse=True)
    for p in old[KEEP_SNAPSHOTS - 1:]:
        p.unlink(missing_ok=True)
