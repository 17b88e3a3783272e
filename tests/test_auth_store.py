"""The sign-in store (auth/store.py): failed attempts counted and checked in one transaction, so
parallel guesses for one user name get at most FREE_FAILURES password checks, from threads or
from processes; and nothing Streamlit clears (its caches) resets them."""
import datetime as dt
import multiprocessing
import threading

import pytest
from argon2 import PasswordHasher
from streamlit.runtime import caching

from auth import passwords, signin, store
from auth.config import AccessConfig, Settings, User
from auth.signin import SignInError, Throttled

PASSWORD = "correct horse battery"
HASH = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def config(tmp_path):
    return AccessConfig(tmp_path / "access.toml", Settings(), {"jdoe": User("jdoe", "program", None, None, HASH)})


def attempt(config, path, password="wrong password!") -> str:
    """'checked' when the password was looked at (and found wrong), 'throttled' when not."""
    try:
        signin.authenticate(config, "jdoe", password, now=T0, throttle=store.Attempts(path))
    except Throttled:
        return "throttled"
    except SignInError:
        return "checked"
    return "signed in"


def test_twenty_parallel_attempts_from_threads_get_three_password_checks(config, tmp_path, monkeypatch):
    checks = []
    real = passwords.verify
    barrier = threading.Barrier(20)

    def spy(h, p):
        checks.append(p)
        return real(h, p)
    monkeypatch.setattr(passwords, "verify", spy)
    results = []

    def one():
        barrier.wait()   # all twenty start together
        results.append(attempt(config, tmp_path / "s.sqlite3"))
    threads = [threading.Thread(target=one) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["checked"] * 3 + ["throttled"] * 17
    assert len(checks) == 3


def _in_process(config, path, start, out):
    start.wait()
    out.put(attempt(config, path))


def test_twenty_parallel_attempts_from_processes_get_three_password_checks(config, tmp_path):
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_in_process, args=(config, tmp_path / "s.sqlite3", start, out)) for _ in range(20)]
    for p in procs:
        p.start()
    start.set()
    results = sorted(out.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    assert results == ["checked"] * 3 + ["throttled"] * 17


def test_the_right_password_after_a_reserved_attempt_resets_the_count(config, tmp_path):
    path = tmp_path / "s.sqlite3"
    assert [attempt(config, path) for _ in range(2)] == ["checked", "checked"]
    assert attempt(config, path, PASSWORD) == "signed in"
    assert store.Attempts(path).wait("jdoe", T0) == 0
    assert [attempt(config, path) for _ in range(4)] == ["checked"] * 3 + ["throttled"]


def test_failures_survive_streamlits_cache_clearing_and_a_new_process_object(config, tmp_path):
    path = tmp_path / "s.sqlite3"
    for _ in range(3):
        attempt(config, path)
    caching.cache_resource.clear()   # what the `clear_cache` message did to the old throttle
    caching.cache_data.clear()
    assert store.Attempts(path).wait("jdoe", T0) == 1
    assert attempt(config, path, PASSWORD) == "throttled"


def test_the_store_is_owner_only_and_holds_no_password(config, tmp_path):
    path = tmp_path / "s.sqlite3"
    attempt(config, path)
    session = store.new_session("jdoe", signin.fingerprint(config.find("jdoe")), T0, T0 + dt.timedelta(hours=1), path)
    assert path.stat().st_mode & 0o777 == 0o600
    raw = path.read_bytes()
    assert b"wrong password" not in raw and HASH.encode() not in raw
    assert store.session_live(session, T0, path) and not store.session_live(session, T0 + dt.timedelta(hours=1), path)
    store.end_session(session, T0, path)
    assert not store.session_live(session, T0, path)
