"""A load killed half-way leaves the published warehouse as it was; the dashboard keeps reading
while a load runs and sees the new rows once it has committed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from ingest.load import load_files
from metrics.activation import active_user_rate
from metrics.scope import Scope
from tests.test_ingest_load import SCHOOLS, checksum, make_warehouse, query, write
from warehouse import store

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = 20_000
EVENTS = 400_000


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A warehouse with 20,000 student cards, and a 400,000-row activity file for them."""
    d = tmp_path_factory.mktemp("big")
    mp = pytest.MonkeyPatch()
    mp.setenv("LCC_SECRET_FILE", str(d / "secret.key"))
    wh = make_warehouse(d / "wh.duckdb")
    assert load_files([write(d, "schools.csv", SCHOOLS)], community="testville", source="schools", path=wh).committed
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT 'ZQ' || lpad(CAST(i AS VARCHAR), 6, '0') AS student_id, 'Alpha Elementary' AS school,
                           CAST(i % 6 AS VARCHAR) AS grade, 'student' AS patron_type, 'virtual' AS card_type,
                           '2015-09-08' AS issued_date FROM range({STUDENTS}) t(i))
                    TO '{d / "cards.csv"}' (HEADER)""")
    con.execute(f"""COPY (SELECT 'ZQ' || lpad(CAST(i % {STUDENTS} AS VARCHAR), 6, '0') AS patron_id,
                           strftime(TIMESTAMP '2015-09-10 08:00:00' + to_minutes(i), '%Y-%m-%d %H:%M:%S') AS timestamp,
                           'login' AS event, 'website' AS channel FROM range({EVENTS}) t(i))
                    TO '{d / "activity.csv"}' (HEADER)""")
    con.close()
    assert load_files([d / "cards.csv"], community="testville", source="cards", path=wh).committed
    yield wh, d
    mp.undo()


def test_a_load_killed_half_way_leaves_the_warehouse_unchanged_and_readable(big, tmp_path):
    source, d = big
    wh = store.copy_published(source, tmp_path / "wh.duckdb")
    before = checksum(wh)
    code = ("import sys; from ingest.load import load_files; "
            "load_files([sys.argv[1]], community='testville', source='card_activity', path=sys.argv[2])")
    proc = subprocess.Popen([sys.executable, "-c", code, str(d / "activity.csv"), str(wh)], cwd=ROOT,
                            env={**os.environ, "LCC_SECRET_FILE": str(d / "secret.key"), "PYTHONPATH": str(ROOT)})
    private_copy = store.snapshot_dir(wh) / f".{proc.pid}.tmp"  # the writer's copy: it is writing now
    deadline = time.monotonic() + 120
    while not private_copy.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the load finished before it could be killed: make the file bigger"
    time.sleep(0.2)  # now inside the writing transaction
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert checksum(wh) == before
    con = store.open_readonly(wh)
    assert con.execute("SELECT count(*) FROM patron").fetchone() == (STUDENTS,)
    con.close()
    # the lock died with the process: the next load goes through
    assert load_files([write(tmp_path, "b.csv", "branch\nMain Library\n")], community="testville",
                      source="branches", path=wh).committed


def test_readers_keep_answering_during_a_load_and_then_see_the_new_rows(big, tmp_path):
    source, d = big
    wh = store.copy_published(source, tmp_path / "wh.duckdb")
    seen, failures, done = [], [], threading.Event()

    def read_loop():
        while True:
            last = done.is_set()  # a read that starts after the load returned must see its rows
            try:
                con = store.open_readonly(wh)  # what the dashboard does when the file's stamp changes
                try:
                    active = active_user_rate(con, Scope(school_year="2015-16", community="testville"))
                    seen.append(int(active["active"].sum()))
                finally:
                    con.close()
            except Exception as exc:  # any error while the load runs is a failure
                failures.append(repr(exc))
            if last:
                break
            time.sleep(0.01)

    reader = threading.Thread(target=read_loop)
    reader.start()
    report = load_files([d / "activity.csv"], community="testville", source="card_activity", path=wh)
    done.set()
    reader.join(timeout=60)
    assert report.committed and failures == []
    assert seen[0] == 0 and seen[-1] == STUDENTS
    assert len(seen) > 2
    assert query(wh, "SELECT count(*) FROM card_event WHERE event_type = 'login'") == [(EVENTS,)]
