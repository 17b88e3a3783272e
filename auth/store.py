"""Sign-in state that no browser can reset: failed attempts per user name and the sessions
signed in, in one SQLite file next to the audit log ($LCC_AUTH_STORE, else
<audit log's folder>/signin.sqlite3).

It used to live in Streamlit's st.cache_resource, which any websocket client empties with a
`clear_cache` message; and counting after the password check let 20 parallel attempts all be
checked. Here every attempt is *reserved* inside one BEGIN IMMEDIATE transaction (SQLite's
write lock, which holds across threads and processes) before the password is checked, and
counted as a failure until it succeeds, so at most FREE_FAILURES guesses are ever in flight
for one name. Nothing here receives a password: sessions are random tokens, and the password
fingerprint is a hash of the stored hash, so a password change ends its sessions.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import sqlite3
from pathlib import Path

from auth import audit

FREE_FAILURES = 3
MAX_DELAY = 300       # seconds
FORGET_AFTER = 86400  # seconds: a name this quiet is forgotten

SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    name TEXT PRIMARY KEY,           -- the user name tried, case-folded
    failures INTEGER NOT NULL,       -- consecutive failures, reservations included
    last_at REAL NOT NULL            -- UTC seconds of the last one
);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY,          -- random, held by the browser session
    user TEXT NOT NULL,
    fingerprint TEXT,                -- of the password hash the user signed in with
    signed_in_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    ended_at REAL                    -- signed out (or ended otherwise); NULL while live
);
"""


def store_path() -> Path:
    """$LCC_AUTH_STORE, else signin.sqlite3 in the audit log's folder."""
    return Path(os.environ.get("LCC_AUTH_STORE") or audit.log_path().parent / "signin.sqlite3")


@contextlib.contextmanager
def _write(path: Path | None):
    """One write transaction, taken at once (BEGIN IMMEDIATE): whoever holds it is alone in
    the file until it commits, whatever thread or process they are in."""
    path = Path(path or store_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))   # owner-only from the start
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        con.execute("PRAGMA busy_timeout = 30000")
        con.executescript(SCHEMA)
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    finally:
        con.close()


def _s(when: dt.datetime) -> float:
    return when.timestamp()


# ------------------------------------------------------------------------------- attempts

class Attempts:
    """Consecutive failed sign-ins per case-folded user name, shared by every session and
    every dashboard process that uses the same file; a restart forgets nothing."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else None

    @staticmethod
    def delay(failures: int) -> int:
        """Seconds to refuse attempts after this many consecutive failures."""
        if failures < FREE_FAILURES:
            return 0
        return min(2 ** (failures - FREE_FAILURES), MAX_DELAY)

    def wait(self, name: str, now: dt.datetime) -> float:
        """Seconds until this user name may try again; 0 when it may now."""
        with _write(self.path) as con:
            return self._wait(con, name.casefold(), now)

    def _wait(self, con, key: str, now: dt.datetime) -> float:
        row = con.execute("SELECT failures, last_at FROM attempts WHERE name = ?", (key,)).fetchone()
        if row is None:
            return 0.0
        return max(0.0, self.delay(row[0]) - (_s(now) - row[1]))

    def reserve(self, name: str, now: dt.datetime) -> float:
        """Check and count in one transaction: 0 when this attempt may check a password (and
        it is counted as a failure until succeeded() says otherwise), else the seconds to wait
        (and nothing is counted)."""
        key = name.casefold()
        with _write(self.path) as con:
            wait = self._wait(con, key, now)
            if wait > 0:
                return wait
            con.execute("INSERT INTO attempts VALUES (?, 1, ?) ON CONFLICT(name) DO UPDATE "
                        "SET failures = failures + 1, last_at = excluded.last_at", (key, _s(now)))
            con.execute("DELETE FROM attempts WHERE last_at < ?", (_s(now) - FORGET_AFTER,))
            return 0.0

    def failed(self, name: str, now: dt.datetime) -> int:
        """Count a failure outright (no reservation); returns the consecutive failures so far."""
        key = name.casefold()
        with _write(self.path) as con:
            con.execute("INSERT INTO attempts VALUES (?, 1, ?) ON CONFLICT(name) DO UPDATE "
                        "SET failures = failures + 1, last_at = excluded.last_at", (key, _s(now)))
            return con.execute("SELECT failures FROM attempts WHERE name = ?", (key,)).fetchone()[0]

    def succeeded(self, name: str) -> None:
        with _write(self.path) as con:
            con.execute("DELETE FROM attempts WHERE name = ?", (name.casefold(),))

    def clear(self) -> None:
        """Forget every failure (tests; an administrator can also delete the file)."""
        with _write(self.path) as con:
            con.execute("DELETE FROM attempts")


# ------------------------------------------------------------------------------- sessions

def new_session(user: str, fingerprint: str | None, signed_in_at: dt.datetime, expires_at: dt.datetime,
                path: Path | None = None) -> str:
    """Register a session; returns its token."""
    token = secrets.token_urlsafe(24)
    with _write(path) as con:
        con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, NULL)",
                    (token, user, fingerprint, _s(signed_in_at), _s(expires_at)))
        con.execute("DELETE FROM sessions WHERE expires_at < ? OR ended_at < ?",
                    (_s(signed_in_at) - FORGET_AFTER, _s(signed_in_at) - FORGET_AFTER))
    return token


def session_live(token: str | None, now: dt.datetime, path: Path | None = None) -> bool:
    """True while the session of this token is registered, not ended and not expired."""
    if not token:
        return False
    with _write(path) as con:
        row = con.execute("SELECT expires_at, ended_at FROM sessions WHERE token = ?", (token,)).fetchone()
    return row is not None and row[1] is None and _s(now) < row[0]


def end_session(token: str | None, now: dt.datetime, path: Path | None = None) -> None:
    if token:
        with _write(path) as con:
            con.execute("UPDATE sessions SET ended_at = ? WHERE token = ? AND ended_at IS NULL",
                        (_s(now), token))
