"""Load-time sanity check: a month far from the same month a year earlier, or from the series'
monthly average, gets a warning naming the month, the figure and the comparison; the load goes on."""
from __future__ import annotations

import pytest

from ingest.__main__ import main
from ingest.load import load_files
from tests.test_ingest_load import make_warehouse, query, write

CODE_MAP = "code,format,audience,fiction\nJNF,print,juvenile,non-fiction\n"


def monthly(counts: dict[str, int]) -> str:
    return "month,item_type,count\n" + "".join(f"{m},JNF,{n}\n" for m, n in counts.items())


@pytest.fixture(autouse=True)
def secret(tmp_path, monkeypatch):
    monkeypatch.setenv("LCC_SECRET_FILE", str(tmp_path / "secret.key"))


@pytest.fixture
def wh(tmp_path):
    path = make_warehouse(tmp_path / "wh.duckdb")
    load_files([write(tmp_path, "map.csv", CODE_MAP)], community="testville", source="code_map", path=path)
    return path


def test_month_far_below_a_year_earlier_warns_and_still_loads(wh, tmp_path):
    first = load_files([write(tmp_path, "2014.csv", monthly({"2014-09": 900, "2014-10": 1000, "2014-11": 950}))],
                       community="testville", source="circulation_monthly", path=wh)
    assert first.committed and first.warnings == []   # nothing to compare with yet (3 months, no year before)
    report = load_files([write(tmp_path, "2015.csv", monthly({"2015-09": 1000, "2015-10": 200, "2015-11": 3100}))],
                        community="testville", source="circulation_monthly", path=wh)
    assert report.committed
    assert [w.problem for w in report.warnings] == [
        "October 2015: 200 checkouts and renewals on ILS, under a third of October 2014 (1,000)",
        "November 2015: 3,100 checkouts and renewals on ILS, more than three times November 2014 (950)"]
    assert all(w.file == "2015.csv" and w.column == "month" for w in report.warnings)
    assert query(wh, "SELECT sum(checkouts) FROM circulation_monthly") == [(2850 + 4300,)]


def test_month_far_from_the_average_warns_when_there_is_no_year_before(wh, tmp_path):
    counts = {f"2015-{m:02d}": 500 for m in range(1, 13)} | {"2015-06": 5000}
    text = "month,platform,metric,count\n" + "".join(f"{m},TumbleBooks,Total_Item_Requests,{n}\n"
                                                      for m, n in counts.items())
    report = load_files([write(tmp_path, "tb.csv", text)], community="testville", source="eresource_vendor",
                        path=wh)
    assert report.committed
    assert [w.problem for w in report.warnings] == [
        "June 2015: 5,000 TumbleBooks Total_Item_Requests (vendor), more than three times the monthly average "
        "of 500 over 11 other months"]


def test_small_numbers_and_steady_months_do_not_warn(wh, tmp_path):
    load_files([write(tmp_path, "a.csv", monthly({"2014-09": 12, "2014-10": 400}))], community="testville",
               source="circulation_monthly", path=wh)
    report = load_files([write(tmp_path, "b.csv", monthly({"2015-09": 2, "2015-10": 390}))],
                        community="testville", source="circulation_monthly", path=wh)
    assert report.warnings == []   # 2 vs 12 is a swing of small numbers; 390 vs 400 is steady


def test_validation_reports_the_warning_and_the_cli_prints_it(wh, tmp_path, capsys):
    load_files([write(tmp_path, "2014.csv", monthly({"2014-10": 1000}))], community="testville",
               source="circulation_monthly", path=wh)
    dry = load_files([write(tmp_path, "2015.csv", monthly({"2015-10": 100}))], community="testville",
                     source="circulation_monthly", path=wh, dry_run=True)
    assert not dry.committed and dry.files[0].status == "ready"
    assert "under a third of October 2014 (1,000)" in dry.warnings[0].problem
    assert "October 2015" in dry.problems_frame().query("severity == 'warning'")["problem"].iloc[0]
    code = main(["load", str(tmp_path / "2015.csv"), "--kind", "circulation_monthly", "--community", "testville",
                 "--warehouse", str(wh)])
    out = capsys.readouterr().out
    assert code == 0
    assert "[warning] 2015.csv, column 'month': October 2015: 100 checkouts and renewals on ILS, under a third " \
           "of October 2014 (1,000)" in out
