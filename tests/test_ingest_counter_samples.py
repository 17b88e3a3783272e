"""Every official COUNTER sample loads through ingest.load, and the warehouse holds the totals
printed in the file (Reporting_Period_Total per metric), once, even when loaded in two formats."""
from __future__ import annotations

import collections
from pathlib import Path

import pytest

from ingest.counter import read_counter_report
from ingest.load import load_files
from tests.test_counter import SAMPLE_IDS, SAMPLES, tabular_totals
from tests.test_ingest_load import make_warehouse, query
from warehouse import store


@pytest.fixture(scope="module")
def empty_wh(tmp_path_factory):
    return make_warehouse(tmp_path_factory.mktemp("counter") / "wh.duckdb")


@pytest.fixture
def wh(empty_wh, tmp_path, monkeypatch):
    monkeypatch.setenv("LCC_SECRET_FILE", str(tmp_path / "key"))
    path = tmp_path / "wh.duckdb"
    store.copy_published(empty_wh, path)
    return path


@pytest.mark.parametrize("sample", SAMPLES, ids=SAMPLE_IDS)
def test_official_sample_loads_with_the_files_totals(wh, sample: Path):
    report = load_files([sample], community="testville", source="counter", path=wh, platform="Sample platform")
    assert report.committed, [str(p) for p in report.problems]
    loaded = dict(query(wh, "SELECT metric_type, sum(count) FROM eresource_usage GROUP BY 1"))
    expected = collections.Counter()
    for metric, count in read_counter_report(sample).rows[["metric_type", "count"]].itertuples(index=False):
        expected[metric] += count
    assert loaded == dict(expected)
    if sample.suffix in (".tsv", ".xlsx"):
        assert loaded == {m: t for m, t in tabular_totals(sample).items() if t}
    report_type, release = query(wh, "SELECT DISTINCT report_type, counter_release FROM eresource_usage")[0]
    assert release == sample.parent.name[1:]
    assert report_type == read_counter_report(sample).report_id


def test_the_same_report_in_two_formats_is_counted_once(wh):
    r50 = Path(__file__).parent / "fixtures" / "counter_r5" / "r5.0"
    tsv, js = r50 / "Sample-PR.tsv", r50 / "Sample-PR.json"
    load_files([tsv], community="testville", source="counter", path=wh)
    once = query(wh, "SELECT sum(count) FROM eresource_usage")
    second = load_files([js], community="testville", source="counter", path=wh)
    assert "replaces the same period" in second.files[0].message
    assert query(wh, "SELECT sum(count) FROM eresource_usage") == once
