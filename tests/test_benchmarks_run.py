"""The benchmark's ingest phase on a tiny demo warehouse: every figure it records is there, the
append equals a full refresh, the batches of the sweep are discarded, and BENCHMARKS.md shows
them. (Its timings are judged in BENCHMARKS.md, not here.)"""
from __future__ import annotations

import duckdb

from benchmarks import run
from warehouse import demo, store


def test_ingest_phase_records_every_figure_and_publishes_only_the_main_batches(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "WORK", tmp_path)
    monkeypatch.setenv("LCC_SECRET_FILE", str(tmp_path / "demo.key"))   # the loader step sets it: restored after
    path = demo.build(tmp_path / "warehouse.duckdb", scale=0.02)
    before = store.open_readonly(path).execute("SELECT count(*) FROM card_event").fetchone()[0]

    out = run.phase_ingest(path, 20_000, sweep=(5_000,))

    assert [s["rows"] for s in out["sweep"]] == [5_000]
    for kind in ("parquet", "csv"):
        k = out[kind]
        assert k["rows"] == 20_000 and k["append_equals_refresh"] and k["tables_differing"] == []
        assert 0 < k["distinct_cards"] <= 20_000
        assert k["rows_per_s"] > 0 and k["rows_per_s_with_publish"] > 0
    assert out["loader"]["parquet"]["committed"] and out["loader"]["csv"]["committed"]
    assert {"checking activity.parquet", "updating rollups"} <= set(out["loader"]["parquet"]["steps_s"])
    con = store.open_readonly(path)
    # Published: the CSV batch (the Parquet one was taken out before it) and the small loads, each
    # of its own day; the loader's million-row loads each went to a copy; never the sweep's batch.
    added = con.execute("SELECT count(*) FROM card_event").fetchone()[0] - before
    small = out["loader"]["small"]
    assert small["committed"] and small["loads"] == run.SMALL_LOADS and len(small["runs_s"]) == run.SMALL_LOADS
    assert added == 20_000 + run.SMALL_LOADS * run.SMALL_ROWS
    assert not list(tmp_path.glob("loader-*"))   # the copies are gone
    assert con.execute("SELECT count(*) FROM card_event WHERE load_id = ?",
                       [out["csv"]["load_id"]]).fetchone()[0] == 20_000

    size = {"events": before, "scale": 0.02, "measured_at": "now", "repeat": 1, "raw_repeat": 1, "build_s": 1.0,
            "build_tries": 2, "file_mb": 1.0, "peak_rss_mb": 1, "raw_peak_rss_mb": 1, "build_peak_rss_mb": 1,
            "ingest": out, "pages": {}}
    text = run.report({"machine": run.machine(), "sizes": {"100M": size}})
    assert "ingest parquet by batch size" in text and "0.005M rows" in text and "0.02M rows" in text
    assert "second try" in text
