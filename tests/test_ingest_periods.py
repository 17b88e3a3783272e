"""Aggregate circulation with ISO 8601 periods (ingest.checks, the month type): one calendar
month loads as that month; a quarter or a year is refused with ONE problem per line (never a
second, misleading 'duplicate row'), so nothing is ever counted twice. Also: a Windows-1250
directory file keeps its names (ingest.reading)."""
from __future__ import annotations

import datetime as dt

import pytest

from ingest.load import load_files
from ingest.reading import single_byte_encoding
from tests.test_ingest_load import CODE_MAP, checksum, make_warehouse, query, write


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    d = tmp_path_factory.mktemp("periods")
    mp = pytest.MonkeyPatch()
    mp.setenv("LCC_SECRET_FILE", str(d / "secret.key"))
    wh = make_warehouse(d / "wh.duckdb")
    for kind, text in (("branches", "branch\nMain Library\nEast Branch\nNorth Branch\n"), ("code_map", CODE_MAP)):
        assert load_files([write(d, f"{kind}.csv", text)], community="testville", source=kind, path=wh).committed
    yield wh, d / "secret.key"
    mp.undo()


def load(wh, tmp_path, text, kind="circulation_monthly", **kw):
    return load_files([write(tmp_path, "circ.csv", text)], community="testville", source=kind, path=wh, **kw)


def test_one_month_iso_periods_load_as_months(wh, tmp_path):
    text = ("period,item_type,branch,count\n2023-04-01/P1M,JNF,Main Library,40\n2023-05/P1M,JNF,Main Library,50\n"
            "2023-06-01/2023-06-30,JNF,Main Library,60\n")
    assert load(wh, tmp_path, text).committed
    assert query(wh, "SELECT month, checkouts FROM circulation_monthly ORDER BY 1") == [
        (dt.date(2023, 4, 1), 40), (dt.date(2023, 5, 1), 50), (dt.date(2023, 6, 1), 60)]


MIXED = ("period,item_type,branch,count\n"
         "2023-04-01/P1M,JNF,Main Library,40\n"
         "2023-04-01/P3M,JNF,East Branch,300\n"
         "2023-07-01/P3M,JNF,East Branch,310\n"
         "2023-01-01/P1Y,JNF,North Branch,1200\n"
         "2023-04-01/2023-06-30,JNF,North Branch,280\n"
         "2023-04-15/P1M,JNF,North Branch,5\n")


def test_mixed_granularities_are_refused_with_one_clear_problem_per_line(wh, tmp_path):
    before = checksum(wh)
    report = load(wh, tmp_path, MIXED)
    assert not report.ok and checksum(wh) == before
    errors = [p for p in report.problems if p.severity == "error"]
    assert [(p.line, p.value) for p in errors] == [
        (3, "2023-04-01/P3M"), (4, "2023-07-01/P3M"), (5, "2023-01-01/P1Y"), (6, "2023-04-01/2023-06-30"),
        (7, "2023-04-15/P1M")]
    assert {p.problem for p in errors} == {
        "an ISO 8601 period that is not one calendar month (a quarter, a year, ...)"}
    assert {p.column for p in errors} == {"month"}
    assert errors[0].expected.startswith("one calendar month per row (2023-04 or 2023-04-01/P1M)")
    assert not any("duplicate" in p.problem for p in report.problems)


def test_with_allow_partial_only_the_monthly_rows_load(wh, tmp_path):
    report = load(wh, tmp_path, MIXED, allow_partial=True)
    assert report.committed and report.files[0].rejected == 5
    assert query(wh, "SELECT month, checkouts FROM circulation_monthly") == [(dt.date(2023, 4, 1), 40)]


def test_a_real_duplicate_is_still_refused(wh, tmp_path):
    text = "period,item_type,branch,count\n2023-04-01/P1M,JNF,Main Library,40\n2023-04,JNF,Main Library,40\n"
    report = load(wh, tmp_path, text)
    assert [(p.line, p.problem) for p in report.problems if p.severity == "error"] == [
        (3, "duplicate row: same month, item_type, branch, action as line 2")]


def test_vendor_usage_with_a_quarter_is_refused_once(wh, tmp_path):
    text = "month,platform,metric,count\n2023-04-01/P3M,TumbleBooks,Total_Item_Requests,90\n" \
           "2023-04-01/P3M,TumbleBooks,Total_Item_Requests,90\n"
    report = load(wh, tmp_path, text, kind="eresource_vendor")
    assert [p.line for p in report.problems if p.severity == "error"] == [2, 3]


def test_a_windows_1250_directory_keeps_its_names(wh, tmp_path):
    text = "branch\r\nPobočka Příbram\r\nFilia Łódź\r\n"
    report = load_files([write(tmp_path, "b.csv", text, "cp1250")], community="testville", source="branches", path=wh)
    assert report.committed
    assert any("read as cp1250 (Windows-1250, Central European)" in p.problem for p in report.problems)
    assert query(wh, "SELECT name FROM branch WHERE name LIKE 'Pobo%' OR name LIKE 'Filia%' ORDER BY 1") == [
        ("Filia Łódź",), ("Pobočka Příbram",)]


@pytest.mark.parametrize("text, encoding, expected", [
    ("Knihovna Příbram – Česká databáze", "cp1250", "cp1250"),
    ("Biblioteka Łódź, Gdańsk", "cp1250", "cp1250"),
    ("Győr Könyvtár", "cp1250", "cp1250"),
    ("Zürich Bibliothèque, São Paulo – café", "cp1252", "cp1252"),
    ("École Montréal – Nord", "cp1252", "cp1252"),
    ("Ærø Bibliotek, Malmö", "cp1252", "cp1252"),
    ("Ťažká „kniha“", "cp1250", "cp1250"),   # 0x8D (Ť) is undefined in Windows-1252
])
def test_windows_1250_or_1252(text, encoding, expected):
    assert single_byte_encoding(text.encode(encoding)) == expected
