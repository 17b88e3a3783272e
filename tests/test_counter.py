"""Tests for ingest.counter against the official COUNTER R5.0/R5.1 samples and hand-made bad files."""
import collections
import csv
import datetime as dt
import functools
import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ingest.counter import COLUMNS, CounterError, read_counter_report

FIXTURES = Path(__file__).parent / "fixtures" / "counter_r5"
BAD = FIXTURES / "bad"
SAMPLES = sorted(p for p in FIXTURES.glob("r5.*/*") if p.suffix in {".tsv", ".xlsx", ".json"})
SAMPLE_IDS = [f"{p.parent.name}/{p.name}" for p in SAMPLES]
PLATFORM_R50 = {"PR": "Platform 1", "DR": "PPα", "TR": "PPDelta", "IR": "Sample IR"}
KEY = ["platform", "title", "data_type", "access_type", "access_method", "metric_type", "month"]


@functools.lru_cache(maxsize=None)
def load(path: Path):
    return read_counter_report(path)


def release_of(path: Path) -> str:
    return path.parent.name[1:]  # "r5.0" -> "5.0"


def expected_report_id(path: Path) -> str:
    if path.stem.startswith("Sample-"):  # R5.0: Sample-TR_J1
        return path.stem.removeprefix("Sample-")
    code = path.stem.split("_sample")[0]  # R5.1: TRJ1_sample_r51
    return code if len(code) == 2 else f"{code[:2]}_{code[2:]}"


# ---------------------------------------------------------------- independent readers of totals


def tabular_totals(path: Path) -> dict:
    """Reporting_Period_Total summed per Metric_Type, read straight from the file."""
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path, read_only=True)
        rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        wb.close()
    else:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f, delimiter="\t"))
    h = next(i for i, r in enumerate(rows) if "Metric_Type" in r)
    metric, total = rows[h].index("Metric_Type"), rows[h].index("Reporting_Period_Total")
    totals = collections.Counter()
    for r in rows[h + 1:]:
        if len(r) > total and r[metric]:
            totals[r[metric]] += int(r[total])
    return totals


def json_totals(node, totals=None) -> dict:
    """Counts summed per metric by walking the JSON: 5.0 Instance lists, 5.1 Performance dicts."""
    totals = collections.Counter() if totals is None else totals
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Instance":
                for instance in value:
                    totals[instance["Metric_Type"]] += instance["Count"]
            elif key == "Performance" and isinstance(value, dict):
                for metric, months in value.items():
                    totals[metric] += sum(months.values())
            else:
                json_totals(value, totals)
    elif isinstance(node, list):
        for value in node:
            json_totals(value, totals)
    return totals


def file_totals(path: Path) -> dict:
    if path.suffix == ".json":
        totals = json_totals(json.loads(path.read_text(encoding="utf-8-sig")))
    else:
        totals = tabular_totals(path)
    return {metric: n for metric, n in totals.items() if n}


def canonical(rows: pd.DataFrame) -> pd.Series:
    return rows.fillna("<none>").groupby(KEY)["count"].sum().sort_index()


# ---------------------------------------------------------------- official samples


def test_samples_are_present():
    assert len(SAMPLES) == 80


@pytest.mark.parametrize("path", SAMPLES, ids=SAMPLE_IDS)
def test_sample_totals_match_the_file(path):
    rows = load(path).rows
    assert rows.groupby("metric_type")["count"].sum().to_dict() == file_totals(path)


@pytest.mark.parametrize("path", SAMPLES, ids=SAMPLE_IDS)
def test_sample_header(path):
    report = load(path)
    release = release_of(path)
    assert report.report_id == expected_report_id(path)
    assert report.release == release
    assert report.report_name
    assert report.platform == ("Platform 1" if release == "5.1" else PLATFORM_R50[report.report_id[:2]])
    assert report.institution_name == ("Sample Institution" if release == "5.1" else "Client Demo Site")
    assert (report.begin_date, report.end_date) == (
        (dt.date(2022, 1, 1), dt.date(2022, 12, 31)) if release == "5.1"
        else (dt.date(2016, 1, 1), dt.date(2016, 3, 31)))


@pytest.mark.parametrize("path", SAMPLES, ids=SAMPLE_IDS)
def test_sample_rows_are_long_and_within_the_period(path):
    report = load(path)
    rows = report.rows
    assert list(rows.columns) == COLUMNS
    assert rows["count"].dtype == "int64" and (rows["count"] > 0).all()
    assert set(rows["report_id"]) == {report.report_id} and set(rows["release"]) == {report.release}
    assert all(isinstance(m, dt.date) and m.day == 1 for m in rows["month"])
    assert rows["month"].min() >= report.begin_date and rows["month"].max() <= report.end_date
    assert rows["metric_type"].notna().all() and rows["platform"].notna().all()
    assert rows["title"].isna().all() if report.report_id.startswith("PR") else rows["title"].notna().all()


SAME_REPORT = collections.defaultdict(list)
for _p in SAMPLES:
    SAME_REPORT[f"{_p.parent.name}/{_p.stem}"].append(_p)
MULTI_FORMAT = {stem: paths for stem, paths in SAME_REPORT.items() if len(paths) > 1}


@pytest.mark.parametrize("stem", sorted(MULTI_FORMAT))
def test_json_tsv_and_xlsx_versions_give_identical_rows(stem):
    first, *others = MULTI_FORMAT[stem]
    for other in others:
        pd.testing.assert_series_equal(canonical(load(first).rows), canonical(load(other).rows))


# ---------------------------------------------------------------- forgiving about form


def test_drifted_cp1252_csv_is_read():
    report = read_counter_report(BAD / "drift_cp1252.csv")
    assert (report.report_id, report.release, report.platform) == ("TR_J1", "5.0", "PPDelta")
    assert report.institution_name == "Bibliothèque municipale de Genève"
    totals = report.rows.groupby(["title", "metric_type"])["count"].sum().to_dict()
    assert totals == {  # the "Total" row is dropped, the title starting with "Total" is kept
        ("Revue d'études françaises", "Total_Item_Requests"): 1234,
        ("Revue d'études françaises", "Unique_Item_Requests"): 5,
        ("Total Quality Management", "Total_Item_Requests"): 7,
    }
    assert sorted(set(report.rows["month"])) == [dt.date(2016, m, 1) for m in (1, 2, 3)]


def as_csv(text):
    return "\n".join(",".join(f'"{c}"' if ("," in c or ";" in c) else c for c in line.split("\t"))
                     for line in text.splitlines())


@pytest.mark.parametrize("variant", ["utf16_tsv", "csv", "csv_cp1252", "renamed"])
@pytest.mark.parametrize("name", ["r5.0/Sample-TR.tsv", "r5.1/PRP1_sample_r51.tsv"])
def test_format_is_detected_by_content(tmp_path, name, variant):
    source = FIXTURES / name
    text = source.read_text(encoding="utf-8-sig")
    target = tmp_path / "report.dat"
    if variant == "utf16_tsv":
        target.write_text(text, encoding="utf-16")
    elif variant == "csv":
        target.write_text(as_csv(text), encoding="utf-8")
    elif variant == "csv_cp1252":
        target.write_text(as_csv(text).replace("\n", "\r\n"), encoding="cp1252", errors="replace")
    else:
        shutil.copy(source, target)
    pd.testing.assert_frame_equal(read_counter_report(target).rows, load(source).rows)


@pytest.mark.parametrize("name", ["r5.0/Sample-DR.json", "r5.1/IR_sample_r51.json", "r5.1/TR_sample_r51.xlsx"])
def test_json_and_xlsx_are_detected_without_extension(tmp_path, name):
    target = tmp_path / "download"
    shutil.copy(FIXTURES / name, target)
    pd.testing.assert_frame_equal(read_counter_report(target).rows, load(FIXTURES / name).rows)


# ---------------------------------------------------------------- strict about meaning

BAD_CASES = [
    # file, location text, column, value, fragments of the message
    ("empty.tsv", None, None, None, ["empty", "0 bytes", "expected a COUNTER R5 report"]),
    ("blank_lines.tsv", None, None, None, ["only blank lines", "expected"]),
    ("truncated_header.tsv", "line 5", None, None, ["ends inside the header block", "Metric_Type"]),
    ("truncated_row.tsv", "line 16", "Mar-2016", None, ["cut short", "expected a count in every month"]),
    ("truncated.json", "line 23", "character 15", None, ["cannot be parsed", "truncated", "complete SUSHI"]),
    ("sushi_exception.json", None, None, None,
     ["SUSHI", "3030", "No Usage Available for Requested Dates", "expected a report"]),
    ("sushi_exception_list.json", None, None, None,
     ["2010", "Requestor is Not Authorized", "3030", "No Usage Available"]),
    ("bad_count.tsv", "line 16", "Mar-2016", "n/a", ["not a whole-number count", "expected a whole number >= 0"]),
    ("bad_count.xlsx", "row 16", "Feb-2016", "8919.5", ["not a whole-number count", "expected a whole number"]),
    ("negative_count.csv", "line 16", "Feb-2016", "-3", ["negative count", "expected a whole number >= 0"]),
    ("negative_count_r51.json", None,
     "Report_Items[0].Attribute_Performance[0].Performance.Total_Item_Requests.2022-02", "-5",
     ["negative count", "expected a whole number >= 0"]),
    ("bad_month.tsv", "line 14", "Q1-2016", "Q1-2016", ["not a month", "expected a month such as Jan-2016"]),
    ("month_outside_period.tsv", "line 14", "Mar-2016", "Mar-2016",
     ["outside the Reporting_Period", "2016-02-29"]),
    ("total_mismatch.tsv", "line 15", "Reporting_Period_Total", "25512", ["expected 25511"]),
    ("missing_metric_type.tsv", "line 14", None, None, ["Metric_Type is missing", "expected a column named Metric_Type"]),
    ("missing_months.tsv", "line 14", "Reporting_Period_Total", None, ["no month columns", "expected month columns"]),
    ("unknown_report_id.tsv", "line 2", "Report_ID", "JR1",
     ["unknown report id", "PR_P1", "TR_J1", "Release 4 is not supported", "ask the vendor for the R5 TR_J1"]),
    ("unlabelled_total.tsv", "line 15", "Title", None, ["item name is empty", "label a totals row"]),
]


@pytest.mark.parametrize("name, where, column, value, fragments", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_raises_a_clear_error(name, where, column, value, fragments):
    with pytest.raises(CounterError) as info:
        read_counter_report(BAD / name)
    err, message = info.value, str(info.value)
    assert isinstance(err, ValueError)
    assert name in message and err.file.endswith(name)
    assert err.expected and "expected" in message
    if where:
        assert f"{where}," in message or f"{where}:" in message
        assert err.line == int(where.split()[1])
    if column:
        assert err.column == column and column in message
    if value is not None:
        assert err.value == value and repr(value) in message
    for fragment in fragments:
        assert fragment in message


# ---------------------------------------------------------------- "no usage" reports (zeros, not refused)

NO_USAGE = [
    # file, months, metrics, platform
    ("header_exceptions_no_items.json", 12, ("Total_Item_Requests", "Unique_Item_Requests"), None),
    ("empty_report.json", 12, ("Total_Item_Requests", "Unique_Item_Requests"), None),
    ("empty_report.tsv", 3, ("Searches_Platform", "Total_Item_Requests", "Unique_Item_Requests",
                             "Unique_Title_Requests"), None),
    ("empty_report_no_exceptions.tsv", 3, ("Searches_Platform", "Total_Item_Requests", "Unique_Item_Requests",
                                           "Unique_Title_Requests"), None),
]


@pytest.mark.parametrize("name, months, metrics, platform", NO_USAGE, ids=[c[0] for c in NO_USAGE])
def test_a_no_usage_report_reads_as_zeros_for_its_period_and_metrics(name, months, metrics, platform):
    report = read_counter_report(BAD / name)
    assert report.no_usage
    rows = report.rows
    assert len(rows) == months * len(metrics) and (rows["count"] == 0).all()
    assert set(rows["metric_type"]) == set(metrics)
    assert rows["month"].nunique() == months
    assert [w.problem for w in report.warnings if w.problem.startswith("no usage")]
