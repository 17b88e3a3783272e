"""How fast the dashboard answers, at 1M, 10M and 100M events.

    python -m benchmarks.run [--sizes 1M 10M 100M] [--repeat 20] [--raw-repeat N] [--ingest-rows 2000000]

For each size: builds a warehouse with the demo generator (warehouse.demo.build at a scale;
not the ingest path), then, each phase in its own process so that its peak memory is its own:
- queries: a process that only opens the warehouse read-only and runs every page's metric
  calls (benchmarks/pages.py), no caching, --repeat times, for Charlotte Mecklenburg and for the
  whole program, 2015-16; its peak RSS is the dashboard process's;
- raw: the same pages with metrics/raw.py (fewer repeats: every call scans the events);
- ingest: a new batch of card_event rows (the last months of the latest school year, three
  communities) from a Parquet and from a CSV file, each written with its rollups brought up to
  date (warehouse.rollups_append) in one store.publishing transaction, beside what a refresh
  since the batch's first day and a full refresh of those communities would cost; at 100M,
  Parquet batches of other sizes too (SWEEP_ROWS); and, when ingest.load is there, the same
  events through the real loader (validation, pseudonymization, rollups).
Then deletes the warehouse. Results are merged into benchmarks/results.json (other sizes kept)
and BENCHMARKS.md is written from it. Work files live in benchmarks/work/ (git-ignored).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
RESULTS = HERE / "results.json"
REPORT = ROOT / "BENCHMARKS.md"
ANALYSIS = HERE / "analysis.md"

SIZES = {"1M": 0.1, "10M": 1.0, "100M": 10.0}        # demo scale giving about that many events
RAW_REPEAT = {"1M": 5, "10M": 3, "100M": 1}           # default repeats of the raw-event pages
YEAR = "2015-16"
COMMUNITY = "charlotte-mecklenburg"
INGEST_COMMUNITIES = (1, 2, 3)                        # community ids the synthetic events belong to

# Targets of issue 5 (at 100M events).
MEDIAN_MS, P95_MS, SPEEDUP = 100.0, 250.0, 10.0
PEAK_RSS_MB = 2048.0
PARQUET_ROWS_S, CSV_ROWS_S = 2_000_000, 1_000_000
# Parquet batches of other sizes than --ingest-rows, at the size where the rate depends on them.
SWEEP_ROWS = {"100M": (500_000, 10_000_000)}
DEMO_BUILD_S = 60.0


# ------------------------------------------------------------------ phases (child processes)
def phase_build(path: Path, scale: float) -> dict:
    from warehouse import demo
    demo.build(path, scale=scale)
    return {"step_s": demo.build.timings, "rows": _row_counts(path), "tries": demo.build.tries}


def _row_counts(path: Path) -> dict:
    from warehouse import store
    con = store.open_readonly(path)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("card_event", "circulation", "patron", "student_roster", "rollup_people_year",
                        "rollup_circulation_month", "rollup_activation_week", "rollup_first_activity")}
    con.close()
    return counts


def _scopes():
    from metrics.scope import Scope
    return {COMMUNITY: Scope(YEAR, community=COMMUNITY), "program": Scope(YEAR)}


def phase_pages(path: Path, repeat: int, use_raw: bool) -> dict:
    """Every page's calls, `repeat` times, interleaved (pages inside the repeat loop)."""
    from benchmarks import pages
    from metrics import catalog
    from warehouse import store
    con = store.open_readonly(path)
    years = catalog.school_years(con)
    out = {key: {p: {"runs_ms": [], "calls_ms": {}} for p in pages.PAGES} for key in _scopes()}
    for _ in range(repeat):
        for key, scope in _scopes().items():
            for page in pages.PAGES:
                rec = out[key][page]
                start = time.perf_counter()
                for call in pages.calls(page, scope, years):
                    t0 = time.perf_counter()
                    call.run(con, use_raw)
                    rec["calls_ms"].setdefault(call.label(), []).append((time.perf_counter() - t0) * 1000)
                rec["runs_ms"].append((time.perf_counter() - start) * 1000)
    con.close()
    return {"pages": out, "self_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


IMPACT_MS = 1000.0   # issue 15: an impact estimate served in under a second
IMPACT_REPEAT = 5


def phase_impact(path: Path, repeat: int) -> dict:
    """metrics.campaign_impact (every campaign of the scope, both outcomes, placebos and
    synthetic control included), no caching, `repeat` times for Charlotte Mecklenburg (one
    campaign) and once for the whole program (every campaign)."""
    from metrics import campaign_impact
    from warehouse import store
    con = store.open_readonly(path)
    out = {}
    for key, scope in _scopes().items():
        runs, n = [], 0
        for _ in range(repeat if key == COMMUNITY else 1):
            t0 = time.perf_counter()
            n = len(campaign_impact(con, scope)) // 2
            runs.append((time.perf_counter() - t0) * 1000)
        out[key] = {"runs_ms": runs, "campaigns": n}
    con.close()
    return out


def phase_refresh(path: Path, engine: str) -> dict:
    """The full rollup refresh of every community and year (issue 19): on DuckDB, rollups.refresh
    in a writer over a copy of the published warehouse (every partition opened first, the
    publish not counted); on Spark local mode, warehouse.spark_refresh over the lake's files in
    place, its rollups written as Parquet (opening the lake and starting the JVM not counted)."""
    import shutil
    import tempfile

    from warehouse import store
    folder = Path(tempfile.mkdtemp(dir=WORK))
    try:
        if engine == "duckdb":
            from warehouse import rollups
            copy = folder / "warehouse.duckdb"
            store.copy_published(path, copy)
            with store.publishing(copy, communities=store.EVERY) as con:   # every partition opened
                t0 = time.perf_counter()
                rollups.refresh(con)
                seconds = time.perf_counter() - t0
        else:
            from warehouse import spark, spark_refresh
            con = store.open_readonly(path)
            columns = spark_refresh.rollup_columns(con)
            con.close()
            wh = spark.open_lake(path, folder / "catalog", cache=False)
            t0 = time.perf_counter()
            rows = spark_refresh.write(spark_refresh.refresh(wh.spark, columns), folder / "rollups")
            seconds = time.perf_counter() - t0
        return {"seconds": round(seconds, 2), **({"rows": rows} if engine == "spark" else {})}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _refresh(result: dict, args: argparse.Namespace, path: Path) -> None:
    for engine in ("duckdb", "spark"):
        r, _, rss = _child("refresh", args, path, ["--engine", engine])
        result[f"refresh_{engine}_s"] = r["seconds"]
        result[f"refresh_{engine}_rss_mb"] = round(rss)
    result["refresh_measured_at"] = dt.datetime.now().strftime("%Y-%m-%d %H:%M")


def _impact(result: dict, args: argparse.Namespace, path: Path) -> None:
    impact, _, _ = _child("impact", args, path, ["--repeat", str(IMPACT_REPEAT)])
    result["impact"] = {key: {**_summary(v["runs_ms"]), "campaigns": v["campaigns"]} for key, v in impact.items()}
    result["impact"]["measured_at"] = dt.datetime.now().strftime("%Y-%m-%d %H:%M")


BATCH_DAYS = 91     # the synthetic batch covers the last three months of the latest school year


def _make_events(path: Path, rows: int, stem: str = "events", parquet_only: bool = False
                 ) -> tuple[dict[str, Path], dict]:
    """A realistic new batch: synthetic card_event rows for existing cards of INGEST_COMMUNITIES,
    dated in the last BATCH_DAYS days of the latest school year of the warehouse, written to
    Parquet and CSV (and, for the loader, as card_activity files with raw IDs) unless
    parquet_only. Returns the files and the batch's school year and first and last day."""
    import duckdb
    con = duckdb.connect()
    con.execute("SET threads = 2")
    from warehouse import lake
    catalog = Path(os.path.realpath(path))
    lake.attach(con, catalog, lake.lake_of(catalog), "wh", views=False)
    year, start, end = con.execute("SELECT label, greatest(start_date, end_date - $d + 1), end_date "
                                   "FROM wh.school_year ORDER BY start_date DESC LIMIT 1", {"d": BATCH_DAYS}).fetchone()
    ids = ", ".join(str(i) for i in INGEST_COMMUNITIES)
    con.execute(f"""CREATE TABLE pats AS SELECT patron_id, community_id, row_number() OVER (ORDER BY patron_id) - 1 AS i
                    FROM wh.patron WHERE community_id IN ({ids})""")
    n = con.execute("SELECT count(*) FROM pats").fetchall()[0][0]
    seconds = ((end - start).days + 1) * 86400
    con.execute("""
        CREATE TABLE ev AS
        SELECT p.patron_id, p.community_id,
               CAST($start AS TIMESTAMP) + to_seconds(CAST(hash(g, 1) % $seconds AS BIGINT)) AS event_time,
               CASE WHEN hash(g, 2) % 10 < 7 THEN 'login' WHEN hash(g, 2) % 10 < 9 THEN 'eresource_login'
                    ELSE 'activation' END AS event_type,
               CASE hash(g, 3) % 3 WHEN 0 THEN 'website' WHEN 1 THEN 'catalog' ELSE 'app' END AS channel,
               9999 AS load_id
        FROM range($rows) t(g) JOIN pats p ON p.i = hash(g) % $n""",
                {"rows": rows, "n": n, "start": start, "seconds": seconds})
    files = {"parquet": WORK / f"{stem}.parquet", "csv": WORK / f"{stem}.csv"}
    con.execute(f"COPY ev TO '{files['parquet']}' (FORMAT parquet)")
    batch = {"school_year": year, "first_day": start.isoformat(), "last_day": end.isoformat()}
    if parquet_only:
        con.close()
        return {"parquet": files["parquet"]}, batch
    con.execute(f"COPY ev TO '{files['csv']}' (FORMAT csv, HEADER)")
    # The loader's card_activity layout, one community (its loads are per community): raw IDs
    # are the demo's 'D' || id, pseudonymized again by the loader with the demo key.
    # DISTINCT: at the 1M size few cards draw two events in the same second, and the loader
    # rightly refuses a file with duplicate rows.
    act = "SELECT DISTINCT 'D' || patron_id AS patron_id, event_time AS timestamp, event_type AS event, channel " \
          "FROM ev WHERE community_id = 1 AND event_type <> 'eresource_login'"
    files["loader_parquet"] = WORK / "activity.parquet"
    files["loader_csv"] = WORK / "activity.csv"
    con.execute(f"COPY ({act}) TO '{files['loader_parquet']}' (FORMAT parquet)")
    con.execute(f"COPY ({act}) TO '{files['loader_csv']}' (FORMAT csv, HEADER)")
    con.close()
    return files, batch


# The files' own types (card_event's), so that nothing is cast on the way in; the CSV reader
# is told the columns, their types and the timestamp format instead of sniffing them.
# The load_id is the batch's own (rollups_append.append finds the batch's rows by it): each kind is a
# new load, since the Parquet batch is published before the CSV one is inserted.
COLUMNS = "patron_id, community_id, event_time, event_type, channel, CAST($load AS INTEGER) AS load_id"
INSERT_SQL = {
    "parquet": f"INSERT INTO card_event SELECT {COLUMNS} FROM read_parquet($file)",
    "csv": f"INSERT INTO card_event SELECT {COLUMNS} "
           "FROM read_csv($file, header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
           "timestampformat = '%Y-%m-%d %H:%M:%S', columns = {'patron_id': 'BIGINT', 'community_id': 'INTEGER', "
           "'event_time': 'TIMESTAMP', 'event_type': 'VARCHAR', 'channel': 'VARCHAR', 'load_id': 'INTEGER'})",
}


def bulk_settings(con) -> None:
    """DuckDB settings for a bulk insert: both cores, and rows written in any order."""
    con.execute("SET threads = 2")
    con.execute("SET preserve_insertion_order = false")


def _flush(con) -> None:
    """Write the private copy store.publishing just made to disk (part of the copy's cost):
    otherwise the first commit's fsync pays for flushing the whole copy, 1-2 s at 100M, and
    that is counted as insert or rollup time."""
    copy = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0][0]
    fd = os.open(copy, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def phase_ingest(path: Path, rows: int, sweep: tuple[int, ...] = (), verify: bool = True) -> dict:
    """First, with `sweep`, Parquet batches of other sizes, each discarded (see _sweep). Then
    insert a batch from Parquet and, onto the same warehouse (the Parquet batch taken out again,
    untimed), the same events from CSV, each with the rollups brought up to date by
    rollups_append.append (the batch is a pure append of card events) in one transaction of one
    store.publishing; then, for comparison, what the refresh since the batch's first day and a
    full refresh of those communities cost (run in a second transaction on the same private
    copy and rolled back, so it publishes nothing). With verify, the rollups after append are
    compared, row for row, with those of the full refresh (before the rollback)."""
    from warehouse import rollups, store
    out: dict = {"rows": rows, "communities": list(INGEST_COMMUNITIES)}
    if sweep:
        out["sweep"] = _sweep(path, sweep)
    files, batch = _make_events(path, rows)
    out["batch"] = batch
    # The batch's period start, as a load knows it (load_scope.period_start): no event is earlier.
    since = dt.date.fromisoformat(batch["first_day"])
    previous = None
    for kind in ("parquet", "csv"):
        t0 = time.perf_counter()
        # Every partition of those communities is opened (untimed), so that the full refresh below
        # is compared with the append over complete tables.
        with store.publishing(path, communities=INGEST_COMMUNITIES) as con:
            bulk_settings(con)
            _flush(con)    # before the undo below, so that copy_s counts writing the whole copy
            undo_s = 0.0
            if previous is not None:
                # Take the Parquet batch out again (untimed), so that the CSV batch, the same
                # events, lands on what the Parquet one did and is not flattered by card-years
                # that batch already made.
                u0 = time.perf_counter()
                con.execute("DELETE FROM card_event WHERE load_id = ?", [previous])
                rollups.refresh(con, INGEST_COMMUNITIES, since=since)
                con.execute("CHECKPOINT")
                undo_s = time.perf_counter() - u0
            t1 = time.perf_counter()
            load = _timed_load(con, kind, files[kind])
            t3 = time.perf_counter()
            n, load_id = load["rows"], load["load_id"]
            con.execute("BEGIN")
            saved = _save_rollups(con, rollups.ROLLUP_TABLES) if verify else None   # as append left them
            t4a = time.perf_counter()
            rollups.refresh(con, INGEST_COMMUNITIES, since=since)
            t4s = time.perf_counter()
            rollups.refresh(con, INGEST_COMMUNITIES)
            t4 = time.perf_counter()
            differ = _compare_rollups(con, rollups.ROLLUP_TABLES, saved) if verify else None
            con.execute("ROLLBACK")
            t5 = time.perf_counter()
        t6 = time.perf_counter()
        # rows_per_s: insert, rollups and commit. The refreshes' figures count the same insert
        # and commit. copy_s includes writing the copy to disk; the comparison is left out of
        # rows_per_s_with_publish.
        out[kind] = {**load, "since": since.isoformat(), "rollups_since_s": t4s - t4a,
                     "rollups_full_s": t4 - t4s, "copy_s": t1 - t0 - undo_s,
                     "checkpoint_publish_s": t6 - t5,
                     "rows_per_s_since_refresh": n / (load["insert_s"] + load["commit_s"] + (t4s - t4a)),
                     "rows_per_s_full_refresh": n / (load["insert_s"] + load["commit_s"] + (t4 - t4s)),
                     "rows_per_s_with_publish": n / (t6 - t0 - undo_s - (t5 - t3)),
                     "append_equals_refresh": differ == [] if verify else None,
                     "tables_differing": differ}
        previous = load_id
    out["loader"] = _ingest_with_loader(path, files)
    return out


def _timed_load(con, kind: str, file: Path) -> dict:
    """Insert a batch file as a new load and bring the rollups up to date (rollups_append), in
    one transaction: the timed span of every ingest figure (insert, rollups, commit)."""
    from warehouse import rollups_append
    load_id = con.execute("SELECT greatest(coalesce(max(load_id), 0), 9999) + 1 FROM card_event").fetchone()[0]
    t1 = time.perf_counter()
    con.execute("BEGIN")
    n = con.execute(INSERT_SQL[kind], {"file": str(file), "load": load_id}).fetchall()[0][0]
    t2 = time.perf_counter()
    rollups_append.append(con, [load_id])
    t3 = time.perf_counter()
    con.execute("COMMIT")
    t4 = time.perf_counter()
    cards = con.execute("SELECT count(DISTINCT patron_id) FROM card_event WHERE load_id = ?", [load_id]).fetchone()[0]
    return {"rows": n, "load_id": load_id, "distinct_cards": cards, "insert_s": t2 - t1, "rollups_s": t3 - t2,
            "commit_s": t4 - t3, "rows_per_s": n / (t4 - t1)}


class _Discard(Exception):
    """Raised inside store.publishing to throw its private copy away (nothing is published)."""


def _sweep(path: Path, sizes: tuple[int, ...]) -> list[dict]:
    """Parquet batches of each size in `sizes`, timed as the main batch (insert, rollups_append and
    commit, the rows per second of the same span), each on its own private copy of the untouched
    warehouse, then discarded: every batch lands on the same warehouse as the main one. How the
    rate depends on the batch: a batch costs its rows plus the distinct cards it touches, and
    those look-ups read the row groups of the batch's communities whatever its size."""
    from warehouse import store
    out = []
    for n in sizes:
        files, _ = _make_events(path, n, stem=f"sweep-{n}", parquet_only=True)
        try:
            with store.publishing(path, communities=INGEST_COMMUNITIES) as con:
                bulk_settings(con)
                _flush(con)
                out.append(_timed_load(con, "parquet", files["parquet"]))
                raise _Discard
        except _Discard:
            pass
        files["parquet"].unlink()
    return out


def _save_rollups(con, tables) -> dict[str, str]:
    """Copies of the rollup tables as append left them, to compare after the full refresh."""
    saved = {}
    for t in tables:
        con.execute(f"CREATE OR REPLACE TEMP TABLE saved_{t} AS SELECT * FROM {t}")
        saved[t] = f"saved_{t}"
    return saved


def _compare_rollups(con, tables, saved) -> list[str]:
    differ = []
    for t in tables:
        n = con.execute(f"SELECT count(*) FROM ((SELECT * FROM {t} EXCEPT ALL SELECT * FROM {saved[t]}) "
                        f"UNION ALL (SELECT * FROM {saved[t]} EXCEPT ALL SELECT * FROM {t}))").fetchone()[0]
        if n:
            differ.append(t)
        con.execute(f"DROP TABLE {saved[t]}")
    return differ


def _ingest_with_loader(path: Path, files: dict[str, Path]) -> dict:
    """The same kind of events through ingest.load (if it is there): validation,
    pseudonymization of the raw IDs, load log, rollups and publish, in one transaction. First
    SMALL_LOADS files of SMALL_ROWS rows, one after another (each a month of its own, so each adds
    rows and replaces none); then the million-row file from Parquet and from CSV, each on its own
    copy of the warehouse as it stood (hard links), so each is a first load of those events and not
    a correction of the other's."""
    try:
        from ingest import load
        from warehouse import store
        from warehouse.demo import DEMO_SECRET
    except ImportError as e:
        return {"error": f"ingest.load not available: {e}"}
    key = WORK / "demo.key"
    key.write_text(DEMO_SECRET.hex())
    key.chmod(0o600)   # the loader refuses a key file others can read
    os.environ["LCC_SECRET_FILE"] = str(key)
    import duckdb
    n = duckdb.connect().execute("SELECT count(*) FROM read_parquet(?)", [str(files["loader_parquet"])]).fetchone()[0]
    out = {}
    for kind in ("parquet", "csv"):
        copy = WORK / f"loader-{kind}" / path.name
        shutil.rmtree(copy.parent, ignore_errors=True)
        store.copy_published(path, copy)
        f = files[f"loader_{kind}"]
        steps: list[tuple[float, str]] = []
        t0 = time.perf_counter()
        try:
            report = load.load_files([f], community=COMMUNITY, source="card_activity", path=copy,
                                     progress=lambda _i, _n, what: steps.append((time.perf_counter(), what)))
        except Exception as e:  # report, don't stop the other phases
            out[kind] = {"error": f"{type(e).__name__}: {e}", "committed": False}
            continue
        finally:
            shutil.rmtree(copy.parent, ignore_errors=True)
        seconds = time.perf_counter() - t0
        statuses = [getattr(r, "status", "?") for r in getattr(report, "files", getattr(report, "results", []))]
        marks = [(t0, "start"), *steps]
        out[kind] = {"rows": n, "seconds": seconds, "rows_per_s": n / seconds, "status": statuses,
                     "committed": getattr(report, "committed", None),
                     # each step's seconds, named by the progress message that began it
                     "steps_s": {what: round(b[0] - a[0], 3) for a, b, what in
                                 zip(marks, [*marks[1:], (t0 + seconds, "")], [m[1] for m in marks])}}
    out["small"] = _small_loads(path, files["loader_csv"])
    return out


SMALL_ROWS, SMALL_LOADS = 100, 5
LOADER_PARQUET_ROWS_S, LOADER_CSV_ROWS_S = 500_000, 350_000   # issue 19, at 100M events


def _small_loads(path: Path, activity_csv: Path) -> dict:
    """SMALL_LOADS card activity files of SMALL_ROWS rows through the real loader, end to end
    (validation, pseudonymization, rollups, publish, pruning the versions no longer kept), one
    after another: what publishing costs when the batch is tiny. File k holds the first rows of the
    loader's file moved to the first day of the k-th month before the file's first month: a card
    activity file's period is the months it covers, and a file over an earlier one's period is a
    correction of it, not new events."""
    import duckdb

    from ingest import load
    runs = []
    for k in range(1, SMALL_LOADS + 1):
        small = WORK / f"activity-small-{k}.csv"
        duckdb.connect().execute(f"""
            COPY (WITH rows AS (SELECT * FROM read_csv(?) LIMIT {SMALL_ROWS}),
                       first AS (SELECT min(CAST(timestamp AS DATE)) AS d FROM read_csv(?))
                  SELECT patron_id, CAST(date_trunc('month', first.d) - INTERVAL {k} MONTH AS TIMESTAMP)
                                    + (timestamp - date_trunc('day', timestamp)) AS timestamp, event, channel
                  FROM rows, first)
            TO '{small}' (FORMAT csv, HEADER)""", [str(activity_csv), str(activity_csv)])
        t0 = time.perf_counter()
        report = load.load_files([small], community=COMMUNITY, source="card_activity", path=path)
        runs.append(time.perf_counter() - t0)
        small.unlink()
        if not getattr(report, "committed", False):
            raise RuntimeError(f"small load {k} did not commit: {report}")
    return {"rows": SMALL_ROWS, "loads": len(runs), "runs_s": [round(x, 3) for x in runs],
            "seconds": float(np.median(runs)), "first_s": runs[0], "committed": True}


def store_disk(path: Path) -> dict:
    """Disk the store uses (every kept catalog and lake file, and whatever else lies beside the
    warehouse) against the size of the data: the published catalog and the lake files it names."""
    from warehouse import lake
    beside = [p for p in path.parent.glob(path.name + "*")]
    used = sum(f.stat().st_size for p in beside for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file())
    catalog = Path(os.path.realpath(path))
    folder = lake.lake_of(catalog)
    data = catalog.stat().st_size + sum((folder / f).stat().st_size for f in lake.referenced(catalog))
    return {"store_disk_mb": round(used / 2**20, 1), "data_mb": round(data / 2**20, 1),
            "store_disk_ratio": round(used / data, 3)}


PHASES = {"build": lambda a: phase_build(a.path, a.scale),
          "queries": lambda a: phase_pages(a.path, a.repeat, use_raw=False),
          "raw": lambda a: phase_pages(a.path, a.raw_repeat, use_raw=True),
          "ingest": lambda a: phase_ingest(a.path, a.ingest_rows, tuple(a.sweep_rows or ())),
          "impact": lambda a: phase_impact(a.path, a.repeat),
          "refresh": lambda a: phase_refresh(a.path, a.engine)}


# ------------------------------------------------------------------ parent: orchestration
def _child(phase: str, args: argparse.Namespace, path: Path, extra: list[str]) -> tuple[dict, float, float]:
    """Run one phase in a fresh process: (its JSON, wall seconds, its own peak RSS in MB).

    os.wait4 gives the rusage of that one child (its ru_maxrss), where
    getrusage(RUSAGE_CHILDREN) would report the largest of all children so far (the build)."""
    out = WORK / f"{phase}.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "benchmarks.run", "--phase", phase, "--path", str(path), "--out", str(out), *extra]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"phase {phase} failed with exit code {proc.returncode}")
    return json.loads(out.read_text()), seconds, usage.ru_maxrss / 1024


def _summary(runs: list[float]) -> dict:
    a = np.array(runs)
    return {"median_ms": round(float(np.median(a)), 1), "p95_ms": round(float(np.percentile(a, 95)), 1),
            "first_ms": round(runs[0], 1), "n": len(runs)}


def measure(size: str, args: argparse.Namespace) -> dict:
    scale = SIZES[size]
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"warehouse-{size}.duckdb"
    raw_repeat = args.raw_repeat or RAW_REPEAT[size]
    reuse = dict(w.split("=", 1) for w in args.warehouse or ()).get(size)
    if reuse:
        # A demo built earlier at this scale (a 100M build takes over an hour): its published
        # version, copied with hard links (lake files never change), so the loads below leave it as it is.
        from warehouse import store
        print(f"[{size}] copying the demo built at {reuse} ...", flush=True)
        shutil.rmtree(path.with_name(path.name + ".lake"), ignore_errors=True)
        shutil.rmtree(path.with_name(path.name + ".snapshots"), ignore_errors=True)
        store.copy_published(Path(reuse), path)
        rows = _row_counts(path)
        built = {"reused": str(reuse)}
    else:
        print(f"[{size}] building with the demo generator at scale {scale} ...", flush=True)
        built, build_s, build_rss = _child("build", args, path, ["--scale", str(scale)])
        rows = built["rows"]
        built = {
            # A build that DuckDB failed once (see warehouse.demo.build) counts its successful try.
            "build_s": round(build_s if built.get("tries", 1) == 1 else sum(built["step_s"].values()), 1),
            "build_tries": built.get("tries", 1), "build_steps_s": built["step_s"], "build_peak_rss_mb": round(build_rss)}
    result = {
        "scale": scale, "source": "demo generator (warehouse.demo.build), not the ingest path",
        "events": rows["card_event"] + rows["circulation"], "rows": rows, **built,
        **{f"built_{k}": v for k, v in store_disk(path).items()}, "year": YEAR, "repeat": args.repeat,
        "raw_repeat": raw_repeat,
    }
    print(f"[{size}] {result['events']:,} events; pages x{args.repeat} ...", flush=True)
    fast, _, rss = _child("queries", args, path, ["--repeat", str(args.repeat)])
    result["peak_rss_mb"] = round(rss)
    print(f"[{size}] raw-event pages x{raw_repeat} ...", flush=True)
    slow, _, raw_rss = _child("raw", args, path, ["--raw-repeat", str(raw_repeat)])
    result["raw_peak_rss_mb"] = round(raw_rss)
    result["pages"] = _pages(fast["pages"], slow["pages"])
    print(f"[{size}] campaign impact estimates ...", flush=True)
    _impact(result, args, path)
    if args.ingest_rows:
        print(f"[{size}] ingest of {args.ingest_rows:,} card events ...", flush=True)
        sweep = [str(n) for n in SWEEP_ROWS.get(size, ())]
        ingest, _, ingest_rss = _child("ingest", args, path, ["--ingest-rows", str(args.ingest_rows),
                                                              *(["--sweep-rows", *sweep] if sweep else [])])
        ingest["peak_rss_mb"] = round(ingest_rss)
        result["ingest"] = ingest
        result["ingest_parquet_rows_per_s"] = round(ingest["parquet"]["rows_per_s"])
        result["ingest_csv_rows_per_s"] = round(ingest["csv"]["rows_per_s"])
        result["ingest_rows_per_s"] = result["ingest_parquet_rows_per_s"]
        loader = ingest.get("loader", {})
        result["small_load_s"] = round(loader.get("small", {}).get("seconds", float("nan")), 3)   # median of the loads
        for kind in ("parquet", "csv"):
            if "rows_per_s" in loader.get(kind, {}):
                result[f"loader_{kind}_rows_per_s"] = round(loader[kind]["rows_per_s"])
    result.update(store_disk(path))   # after the loads: every version the store keeps
    if not args.keep:
        # The warehouse, its lock, WAL and whatever the loader keeps beside it, and the event files.
        for f in [*WORK.glob(f"warehouse-{size}.duckdb*"), *WORK.glob("*.parquet"), *WORK.glob("*.csv"),
                  *WORK.glob("*.key")]:
            shutil.rmtree(f) if f.is_dir() else f.unlink()
    return result


def _pages(fast: dict, slow: dict) -> dict:
    """Per page: per scope figures, and the worst scope's median/p95 as the page's headline."""
    out = {}
    for page in fast[COMMUNITY]:
        by_scope = {}
        for key in fast:
            s = _summary(fast[key][page]["runs_ms"])
            r = _summary(slow[key][page]["runs_ms"])
            s["raw_median_ms"] = r["median_ms"]
            s["speedup"] = round(r["median_ms"] / s["median_ms"], 1) if s["median_ms"] else None
            s["calls_median_ms"] = {c: round(float(np.median(v)), 1) for c, v in fast[key][page]["calls_ms"].items()}
            s["raw_calls_median_ms"] = {c: round(float(np.median(v)), 1)
                                        for c, v in slow[key][page]["calls_ms"].items()}
            by_scope[key] = s
        worst = max(by_scope.values(), key=lambda s: s["median_ms"])
        out[page] = {"median_ms": worst["median_ms"], "p95_ms": max(s["p95_ms"] for s in by_scope.values()),
                     "raw_median_ms": worst["raw_median_ms"],
                     "speedup": min(s["speedup"] for s in by_scope.values() if s["speedup"]),
                     "by_scope": by_scope}
    return out


# ------------------------------------------------------------------ BENCHMARKS.md
def machine() -> dict:
    import duckdb
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {"nproc": os.cpu_count(), "memory_gib": round(mem_kb / 2**20, 1), "cpu": cpu,
            "duckdb": duckdb.__version__, "python": platform.python_version(), "os": platform.platform()}


def _mark(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def report(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# Benchmarks", "",
        "Produced by `python -m benchmarks.run` (figures also in `benchmarks/results.json`). Warehouses are built "
        "with the **demo generator** (`warehouse.demo.build` at a scale), not through the ingest path; the event "
        "count is the rows of `card_event` plus `circulation`. Page times are the sum of all metric calls a page "
        "makes on a first visit (`benchmarks/pages.py`, mirroring `pages/*.py`, sidebar included), straight "
        "through `metrics` with no Streamlit caching, on a fresh read-only connection (`store.open_readonly`: "
        "2 threads), school year 2015-16; *raw* is the same page with `metrics/raw.py` (every rollup-based "
        "metric recomputed from the raw events; metrics that read no rollup run unchanged). Median and 95th "
        "percentile over the repeats, the first (cold) run included. Peak memory is each phase's own process "
        "(`os.wait4` rusage of that child): the dashboard figure is a process that only opens the warehouse "
        "read-only and runs the page queries. In `results.json` a page's `median_ms`, `p95_ms` and "
        "`raw_median_ms` are those of its slower scope (both scopes under `by_scope`); `ingest_rows_per_s` is the "
        "Parquet rate, `ingest_csv_rows_per_s` the CSV one.", "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB memory, {m['os']}; DuckDB {m['duckdb']}, "
        f"Python {m['python']}. Shared with other work while measured, so single runs are noisy.", "",
        f"Targets (issue 5, at 100M events): every page median < {MEDIAN_MS:.0f} ms and p95 < {P95_MS:.0f} ms "
        f"for one community and the whole program, >= {SPEEDUP:.0f}x faster than raw; dashboard peak memory "
        f"< 2 GiB; ingest >= 2M rows/s from Parquet and >= 1M rows/s from CSV, rollups included; default demo "
        f"build (scale 1, the 10M size) < {DEMO_BUILD_S:.0f} s. Marks at 1M and 10M are against the same "
        "targets, for orientation.", "",
    ]
    for size in ("1M", "10M", "100M"):
        r = results.get("sizes", {}).get(size)
        if not r:
            lines += [f"## {size}", "", "Not measured yet (run `python -m benchmarks.run --sizes "
                      f"{size}`).", ""]
            continue
        lines += [f"## {size} ({r['events']:,} events, demo scale {r['scale']})", "",
                  f"Measured {r['measured_at']}. Repeats: {r['repeat']} per page and scope; raw pages "
                  f"{r['raw_repeat']} (each raw call scans the events).", "",
                  "| | value | target |", "|---|---|---|",
                  (f"| build time (demo generator) | not timed: a demo built earlier, {r['reused']} | – |" if r.get("reused")
                   else f"| build time (demo generator) | {r['build_s']:.1f} s"
                   + (" (second try: DuckDB failed the first with an internal error)" if r.get("build_tries", 1) > 1
                      else "") + " | "
                   + (f"< {DEMO_BUILD_S:.0f} s: {_mark(r['build_s'] < DEMO_BUILD_S)} |" if size == "10M" else "– |")),
                  f"| store on disk after the build (catalog and lake) | {r.get('built_store_disk_mb', r.get('file_mb', 0)):,.0f} MB | – |",
                  f"| peak memory, dashboard process | {r['peak_rss_mb']:,} MB | < 2048 MB: "
                  f"{_mark(r['peak_rss_mb'] < PEAK_RSS_MB)} |",
                  f"| peak memory, raw-event process | {r['raw_peak_rss_mb']:,} MB | – |",
                  *([] if r.get("reused") else [f"| peak memory, build | {r['build_peak_rss_mb']:,} MB | – |"])]
        imp = r.get("impact")
        if imp:
            for key, what in ((COMMUNITY, "Charlotte Mecklenburg"), ("program", "whole program")):
                k = imp[key]
                lines.append(f"| campaign impact estimates (`metrics.campaign_impact`, {what}: {k['campaigns']} "
                             f"campaign{'s' if k['campaigns'] != 1 else ''} x 2 outcomes, no cache; measured "
                             f"{imp['measured_at']}) | median {k['median_ms']:,.0f} ms (n {k['n']}) | "
                             + (f"< {IMPACT_MS:.0f} ms: {_mark(k['median_ms'] < IMPACT_MS)} |" if key == COMMUNITY
                                else "– |"))
        if "refresh_duckdb_s" in r:
            lines.append(f"| full rollup refresh (every community and year; measured {r['refresh_measured_at']}) | "
                         f"DuckDB {r['refresh_duckdb_s']:,.1f} s, Spark local[2] {r['refresh_spark_s']:,.1f} s "
                         f"(rollups written as Parquet) | – |")
        ing = r.get("ingest")
        if ing:
            for kind, target in (("parquet", PARQUET_ROWS_S), ("csv", CSV_ROWS_S)):
                k = ing[kind]
                lines.append(f"| ingest {kind}: {k['rows']:,} card events + rollups of {len(ing['communities'])} "
                             f"communities | {k['rows_per_s']:,.0f} rows/s (insert {k['insert_s']:.2f} s, rollups "
                             f"{k['rollups_s']:.2f} s; with file copy and publish {k['rows_per_s_with_publish']:,.0f} "
                             f"rows/s) | >= {target:,}: {_mark(k['rows_per_s'] >= target)} |")
            if ing.get("sweep"):
                batches = sorted([*ing["sweep"], ing["parquet"]], key=lambda k: k["rows"])
                lines.append("| ingest parquet by batch size (same span: insert, rollups, commit) | " + "; ".join(
                    f"{k['rows'] / 1e6:g}M rows" + (f" ({k['distinct_cards'] / 1e6:.2f}M cards)"
                                                    if "distinct_cards" in k else "")
                    + f": {k['rows_per_s']:,.0f} rows/s" for k in batches) + " | – |")
            for kind in ("parquet", "csv"):
                k = ing.get("loader", {}).get(kind)
                if k and "rows_per_s" in k:
                    lines.append(f"| real loader (`ingest.load`, card_activity {kind}, one community) | "
                                 f"{k['rows_per_s']:,.0f} rows/s ({k['rows']:,} rows in {k['seconds']:.1f} s, "
                                 f"status {', '.join(k['status'])}) | – |")
                elif k:
                    lines.append(f"| real loader (`ingest.load`, {kind}) | not measured: {k.get('error')} | – |")
            if "small_load_s" in r:
                small = r.get("ingest", {}).get("loader", {}).get("small", {})
                lines.append(f"| {SMALL_ROWS}-row card activity file through the real loader, end to end "
                             f"(median of {small.get('loads', 1)} loads in a row) | {r['small_load_s']:.2f} s | "
                             f"< 1 s: {_mark(r['small_load_s'] < 1)} |")
            for kind, target in (("parquet", LOADER_PARQUET_ROWS_S), ("csv", LOADER_CSV_ROWS_S)):
                if f"loader_{kind}_rows_per_s" in r:
                    lines.append(f"| real loader, {kind} (issue 19 target at 100M) | "
                                 f"{r[f'loader_{kind}_rows_per_s']:,} rows/s | >= {target:,}: "
                                 f"{_mark(r[f'loader_{kind}_rows_per_s'] >= target)} |")
        if "store_disk_ratio" in r:
            lines.append(f"| store on disk after the loads, against its data | {r['store_disk_mb']:,.0f} MB for "
                         f"{r['data_mb']:,.0f} MB: {r['store_disk_ratio']:.2f}x | <= 1.3x: "
                         f"{_mark(r['store_disk_ratio'] <= 1.3)} |")
        lines += ["", "| page | scope | median ms | p95 ms | raw median ms | speedup | median < 100 | p95 < 250 "
                  "| >= 10x |", "|---|---|---:|---:|---:|---:|---|---|---|"]
        for page, p in r["pages"].items():
            for key, s in p["by_scope"].items():
                ten = None if page == "Data" else s["speedup"] >= SPEEDUP
                lines.append(f"| {page} | {key} | {s['median_ms']:,.1f} | {s['p95_ms']:,.1f} | "
                             f"{s['raw_median_ms']:,.1f} | {s['speedup']:,.1f}x | {_mark(s['median_ms'] < MEDIAN_MS)} "
                             f"| {_mark(s['p95_ms'] < P95_MS)} | {_mark(ten)} |")
        lines += ["", "Slowest calls (median ms, whole program; raw in brackets):", ""]
        for page, p in r["pages"].items():
            s = p["by_scope"]["program"]
            top = sorted(s["calls_median_ms"].items(), key=lambda kv: -kv[1])[:3]
            lines.append(f"- {page}: " + "; ".join(
                f"{c} {ms:.1f} ({s['raw_calls_median_ms'].get(c, float('nan')):.0f})" for c, ms in top))
        lines.append("")
    lines += script_runs_report(results.get("script_runs", {}))
    if ANALYSIS.exists():  # the reading of the figures, written by a person
        lines += [ANALYSIS.read_text().strip(), ""]
    return "\n".join(lines)


def _ms(v) -> str:
    return "–" if v is None else f"{v:,.0f}"


def script_runs_report(runs: dict) -> list[str]:
    """The speed users feel (issue 18, benchmarks/sessions.py): the script runs of a real server
    and a real browser's clicks, before (baseline) and after, against the targets."""
    from benchmarks import sessions as ss
    if not runs:
        return []
    lines = ["## Script runs and the browser (issue 18)", "",
             "Produced by `python -m benchmarks.sessions` on the demo warehouse (the 10M size): a client speaking "
             "Streamlit's websocket protocol (tests/ws_support.py) times each page's script run against a real "
             "`streamlit run` server, from the request to `script_finished`, for Charlotte Mecklenburg and the whole "
             "program, 2015-16 (both scopes pooled). *Warm*: caches filled; *cold*: the first run after a publish "
             "that renews every version; *after another community's load*: Charlotte Mecklenburg's page, first run "
             "after a campaign row is published for Denver (a publish that says it changes Denver only); *N sessions*: N clients at once, each running every page of both scopes. "
             "*Browser*: headless Chromium (one session, Charlotte Mecklenburg): a click on a page link in the "
             "sidebar to settled, and a full navigation (a bookmark, a reload) to settled; settled is the main "
             "area's last change once nothing has changed for "
             f"{ss.SETTLE_MS} ms and no run is in progress.", "",
             f"Targets: warm median < {ss.WARM_MEDIAN_MS:.0f} ms, warm p95 < {ss.WARM_P95_MS:.0f} ms, cold < "
             f"{ss.COLD_FACTOR:g}x warm; 8 sessions p95 < {ss.SESSIONS_P95_MS:.0f} ms; browser click median < "
             f"{ss.CLICK_S * 1000:.0f} ms, navigation median < {ss.NAVIGATION_S * 1000:.0f} ms.", ""]
    order = [k for k in ("baseline", "after") if k in runs] + [k for k in runs if k not in ("baseline", "after")]
    for label in order:
        r = runs[label]
        n = r.get("sessions", [])
        lines += [f"### {label} (measured {r['measured_at']}; {r['repeat']} warm runs per page and scope"
                  + (f", browser {r['browser_repeat']} rounds" if r.get("browser_repeat") else "") + ")", ""]
        if r.get("note"):
            lines += [r["note"], ""]
        if r.get("browser_error"):
            lines += [f"Browser: not measured in this run ({r['browser_error']}).", ""]
        if "browser_click_median_s" in r:
            lines += [f"Browser, every page: click median {r['browser_click_median_s']:.2f} s (p95 "
                      f"{r['browser_click_p95_s']:.2f} s): {_mark(r['browser_click_median_s'] < ss.CLICK_S)}; "
                      f"navigation median {r['browser_navigation_median_s']:.2f} s (p95 "
                      f"{r['browser_navigation_p95_s']:.2f} s): "
                      f"{_mark(r['browser_navigation_median_s'] < ss.NAVIGATION_S)}.", ""]
        head = ["page", "warm median ms", "warm p95 ms", "cold median ms", "after another community's load ms"] + \
            [f"p95 ms, {k} sessions" for k in n] + \
            ["click s", "navigation s", "targets"]
        lines += ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 2) + "|---|"]
        for page, p in r["pages"].items():
            warm, p95, cold = p["run_warm_median_ms"], p["run_warm_p95_ms"], p["run_cold_median_ms"]
            eight = p.get("run_p95_ms_8_sessions")
            ok = [warm < ss.WARM_MEDIAN_MS, p95 < ss.WARM_P95_MS, cold < ss.COLD_FACTOR * warm]
            if eight is not None:
                ok.append(eight < ss.SESSIONS_P95_MS)
            marks = f"{sum(ok)} of {len(ok)} met" + ("" if all(ok) else " (" + ", ".join(
                w for w, good in zip(("warm median", "warm p95", "cold", "8 sessions"), ok) if not good) + " not)")
            cells = [p["title"], _ms(warm), _ms(p95), _ms(cold), _ms(p.get("run_after_other_load_ms"))] + \
                [_ms(p.get(f"run_p95_ms_{k}_sessions")) for k in n] + \
                [f"{p['browser_click_median_s']:.2f}" if "browser_click_median_s" in p else "–",
                 f"{p['browser_navigation_median_s']:.2f}" if "browser_navigation_median_s" in p else "–", marks]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark the dashboard's page queries at 1M, 10M and 100M events.")
    ap.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    ap.add_argument("--repeat", type=int, default=20, help="runs of every page per scope (default 20)")
    ap.add_argument("--raw-repeat", type=int, default=None,
                    help="runs of every raw-event page (default 5 at 1M, 3 at 10M, 1 at 100M)")
    ap.add_argument("--ingest-rows", type=int, default=2_000_000, help="synthetic card events to load (0: skip)")
    ap.add_argument("--keep", action="store_true", help="keep the warehouses in benchmarks/work/")
    ap.add_argument("--warehouse", nargs="+", metavar="SIZE=PATH",
                    help="measure a demo built earlier at that size (copied first) instead of building one")
    ap.add_argument("--report-only", action="store_true", help="rewrite BENCHMARKS.md from results.json")
    ap.add_argument("--impact-only", type=Path, metavar="WAREHOUSE",
                    help="measure only the impact estimates, on this already built warehouse of the one size given")
    ap.add_argument("--refresh-only", type=Path, metavar="WAREHOUSE",
                    help="measure only the full rollup refresh on DuckDB and on Spark, on this built warehouse")
    ap.add_argument("--engine", choices=("duckdb", "spark"), help=argparse.SUPPRESS)
    ap.add_argument("--phase", choices=list(PHASES), help=argparse.SUPPRESS)
    ap.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--scale", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--sweep-rows", type=int, nargs="*", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.phase:
        args.out.write_text(json.dumps(PHASES[args.phase](args)))
        return 0
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.setdefault("sizes", {})
    if args.impact_only:
        WORK.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:
            _impact(results["sizes"].setdefault(size, {}), args, args.impact_only)
        RESULTS.write_text(json.dumps(results, indent=1))
    elif args.refresh_only:
        WORK.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:
            _refresh(results["sizes"].setdefault(size, {}), args, args.refresh_only)
        RESULTS.write_text(json.dumps(results, indent=1))
    elif not args.report_only:
        for size in args.sizes:
            r = measure(size, args)
            r["measured_at"] = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
            # what this run did not measure (a build it reused, a refresh measured on its own) is kept
            kept = {k: v for k, v in results["sizes"].get(size, {}).items() if not k.startswith("build")}
            results["sizes"][size] = {**(kept if r.get("reused") else results["sizes"].get(size, {})), **r}
            results["machine"] = machine()
            RESULTS.write_text(json.dumps(results, indent=1))   # after each size: a long run keeps what it has
    REPORT.write_text(report(results))
    print(f"Wrote {RESULTS.relative_to(ROOT)} and {REPORT.relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
