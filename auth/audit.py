"""The audit log: who signed in, failed to, signed out, and downloaded or exported what, in
which scope, and when.

One JSON object per line, appended to $LCC_AUDIT_LOG, else data/audit.log (git-ignored):

    {"at": "2026-05-04T14:03:11.207+00:00", "event": "download", "user": "jdoe",
     "role": "community", "community": "charlotte-mecklenburg",
     "scope": {"key": "community:charlotte-mecklenburg", "school_year": "2015-16", ...},
     "detail": {"what": "Activation by school", "file": "activation-by-school-....csv"}}

Lines are appended whole under a lock (a thread lock and an flock, so several dashboard
processes and the CLI can share the file) and forced to disk, so an entry that was recorded
survives a crash. Nothing here ever receives a password or a student identifier.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT / "data" / "audit.log"
EVENTS = ("sign_in", "sign_in_failed", "sign_out", "session_expired", "download", "export",
          "download_refused", "clear_cache_refused",
          # changes to the warehouse (ingest and the Load data page): detail names the load(s)
          "load", "undo", "code_mapping", "campaign", "target")

_lock = threading.Lock()


def log_path() -> Path:
    """$LCC_AUDIT_LOG, else data/audit.log in the repository."""
    return Path(os.environ.get("LCC_AUDIT_LOG") or DEFAULT_PATH)


def record(event: str, *, user: str, role: str | None, community: str | None = None,
           scope: dict | str | None = None, detail: dict | str | None = None,
           now: dt.datetime | None = None, path: Path | None = None) -> dict:
    """Append one entry and return it. For sign_in_failed, `user` is the name that was tried."""
    if event not in EVENTS:
        raise ValueError(f"audit event {event!r} is not one of {', '.join(EVENTS)}")
    at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    entry = {"at": at.isoformat(timespec="milliseconds"), "event": event, "user": user, "role": role,
             "community": community, "scope": scope, "detail": detail}
    line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    path = Path(path or log_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)   # closing releases the flock
    return entry


def read(path: Path | None = None) -> list[dict]:
    """Every entry, oldest first; [] when nothing was recorded yet."""
    path = Path(path or log_path())
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]
