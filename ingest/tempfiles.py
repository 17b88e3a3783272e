"""Private temp folders for copies of input files (uploads, transcoded copies, staging).

Such a copy holds every raw student ID of its file, so it lives only in a folder of its own
under one owner-only root, `<temp>/lcc-<uid>/`, named `<kind>-<pid>-<random>`, is deleted in
`finally`, and, when the process was killed before that, is swept by the next process that
starts (sweep()): everything in the root whose writer is gone or whose name carries no live
process id, whatever its name, and the older `lcc-ingest-*`/`lcc-upload-*`/`lcc-codemap-*`
folders directly in the temp folder (those without a process id once ten minutes old).
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from warehouse.store import pid_alive

LEGACY = ("lcc-ingest-*", "lcc-upload-*", "lcc-codemap-*")
LEGACY_GRACE = 600   # seconds


def root() -> Path:
    """<temp>/lcc-<uid>, created owner-only."""
    path = Path(tempfile.gettempdir()) / f"lcc-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def _pid(name: str) -> int | None:
    m = re.search(r"-(\d+)-", name)
    return int(m.group(1)) if m else None


def _age(p: Path) -> float:
    try:
        return time.time() - p.stat().st_mtime
    except OSError:
        return 0.0


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        p.unlink(missing_ok=True)


def sweep() -> list[Path]:
    """Remove copies left by killed processes; returns what was removed."""
    gone = []
    base = Path(tempfile.gettempdir())
    candidates = list(root().iterdir())
    for pattern in LEGACY:
        candidates += list(base.glob(pattern))
    for p in candidates:
        pid = _pid(p.name)
        if pid is not None and pid != os.getpid() and pid_alive(pid):
            continue
        if pid == os.getpid() and p.parent == root():
            continue   # this process's own folders are removed by their `finally`
        if pid is None and p.parent != root() and _age(p) < LEGACY_GRACE:
            continue   # an older version's folder without a process id may still be in use
        _remove(p)
        gone.append(p)
    return gone


@contextlib.contextmanager
def folder(kind: str) -> Iterator[Path]:
    """A private folder for copies of input files, deleted on the way out whatever happens."""
    path = Path(tempfile.mkdtemp(prefix=f"{kind}-{os.getpid()}-", dir=root()))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
