"""The audit log: JSON lines appended whole, with UTC times, from many threads at once."""
import datetime as dt
import json
import os
import stat
import threading

import pytest

from auth import audit


@pytest.fixture
def log(tmp_path, monkeypatch):
    path = tmp_path / "logs" / "audit.log"
    monkeypatch.setenv("LCC_AUDIT_LOG", str(path))
    return path


def test_path_is_the_env_var_else_data_audit_log(log, monkeypatch):
    assert audit.log_path() == log
    monkeypatch.delenv("LCC_AUDIT_LOG")
    assert audit.log_path() == audit.ROOT / "data" / "audit.log"


def test_an_entry_says_who_when_what_and_in_which_scope(log):
    when = dt.datetime(2026, 5, 4, 16, 3, 11, 207000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    scope = {"key": "community:denver", "school_year": "2015-16", "community": "denver", "cohort": None}
    entry = audit.record("download", user="jdoe", role="community", community="denver", scope=scope,
                         detail={"what": "table activation", "file": "activation-denver-2015-16.csv"}, now=when)
    assert entry == {"at": "2026-05-04T14:03:11.207+00:00", "event": "download", "user": "jdoe",
                     "role": "community", "community": "denver", "scope": scope,
                     "detail": {"what": "table activation", "file": "activation-denver-2015-16.csv"}}
    assert audit.read() == [entry]
    assert json.loads(log.read_text()) == entry
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600


def test_entries_are_appended_in_order_and_times_are_utc(log):
    for event in audit.EVENTS:
        audit.record(event, user="ops", role="program")
    entries = audit.read()
    assert [e["event"] for e in entries] == list(audit.EVENTS)
    assert all(e["at"].endswith("+00:00") for e in entries)
    assert entries[1]["community"] is None and entries[1]["scope"] is None


def test_a_failed_sign_in_records_the_name_tried(log):
    audit.record("sign_in_failed", user="Mallory", role=None, detail="unknown user name")
    assert audit.read()[0]["user"] == "Mallory" and audit.read()[0]["role"] is None


def test_an_unknown_event_is_refused(log):
    with pytest.raises(ValueError, match="audit event 'login' is not one of sign_in, sign_in_failed"):
        audit.record("login", user="ops", role="program")
    assert not log.exists()


def test_nothing_recorded_reads_as_empty(log):
    assert audit.read() == []


def test_many_threads_append_whole_lines(log):
    def writer(n):
        for i in range(50):
            audit.record("download", user=f"user{n}", role="program", detail={"i": i, "pad": "x" * 500})
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = audit.read()   # every line parses
    assert len(entries) == 200
    for n in range(4):
        assert [e["detail"]["i"] for e in entries if e["user"] == f"user{n}"] == list(range(50))
