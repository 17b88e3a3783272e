"""Real vendor files (issue 13): what ingest.counter loads with a warning saying what it assumed,
and what it refuses with file, line or JSON path, what was found and what was expected. Each
refusal through ingest.load leaves every table of the warehouse unchanged."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.counter import CounterError, read_counter_report
from ingest.load import load_files
from tests.test_ingest_load import checksum, make_warehouse, query

MONTHS = ("Jan-2022", "Feb-2022", "Mar-2022")


def header(report_id="TR_J1", release="5", period="Begin_Date=2022-01-01; End_Date=2022-03-31",
           platform="", metric_types="Total_Item_Requests; Unique_Item_Requests", exceptions="",
           name="Journal Requests (Excluding OA_Gold)") -> list[list[str]]:
    rows = [["Report_Name", name], ["Report_ID", report_id], ["Release", release],
            ["Institution_Name", "Central Library"], ["Institution_ID", ""], ["Metric_Types", metric_types],
            ["Report_Filters", f"Platform={platform}" if platform else ""], ["Report_Attributes", ""],
            ["Exceptions", exceptions], ["Reporting_Period", period], ["Created", "2022-04-02"],
            ["Created_By", "Vendor"], []]
    return rows


TR_COLUMNS = ["Title", "Publisher", "Platform", "Data_Type", "Metric_Type", "Reporting_Period_Total", *MONTHS]
PR_COLUMNS = ["Platform", "Metric_Type", "Reporting_Period_Total", *MONTHS]


def tsv(rows: list[list[str]], delimiter="\t") -> str:
    return "".join(delimiter.join(r) + "\n" for r in rows)


def write(tmp_path: Path, name: str, text: str | bytes, encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def refusal(tmp_path, name, text) -> CounterError:
    with pytest.raises(CounterError) as info:
        read_counter_report(write(tmp_path, name, text))
    assert name in str(info.value) and "expected" in str(info.value)
    return info.value


def warnings(report) -> list[str]:
    return [w.problem for w in report.warnings]


# ---------------------------------------------------------------- a warehouse to load into


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    d = tmp_path_factory.mktemp("vendor")
    mp = pytest.MonkeyPatch()
    mp.setenv("LCC_SECRET_FILE", str(d / "secret.key"))
    yield make_warehouse(d / "wh.duckdb"), d / "secret.key"
    mp.undo()


def load(wh, path, **options):
    return load_files([path], community="testville", source="counter", path=wh, **options)


def assert_refused_unchanged(wh, path, words, **options):
    """Loading the file is refused with a problem containing `words`; no table changes."""
    before = checksum(wh)
    report = load(wh, path, **options)
    assert not report.ok and not report.committed
    found = [p for p in report.problems if p.severity == "error" and words in p.problem]
    assert found, [str(p) for p in report.problems]
    assert checksum(wh) == before
    return found[0]


# ---------------------------------------------------------------- empty month cells mean zero


EMPTY_CELLS = header() + [TR_COLUMNS,
                          ["Journal A", "Pub", "PlatX", "Journal", "Total_Item_Requests", "15", "5", "", "10"],
                          ["Journal A", "Pub", "PlatX", "Journal", "Unique_Item_Requests", "4", "", "", "4"]]


def test_empty_month_cells_are_zero_when_the_row_total_says_so(wh, tmp_path):
    path = write(tmp_path, "empty_cells.tsv", tsv(EMPTY_CELLS))
    report = read_counter_report(path)
    assert report.rows.groupby("metric_type")["count"].sum().to_dict() == {
        "Total_Item_Requests": 15, "Unique_Item_Requests": 4}
    assert "3 empty month cell(s) read as 0: each row's Reporting_Period_Total equals its months with empty " \
           "as 0" in warnings(report)
    loaded = load(wh, path)
    assert loaded.committed
    assert query(wh, "SELECT metric_type, sum(count) FROM eresource_usage GROUP BY 1 ORDER BY 1") == [
        ("Total_Item_Requests", 15), ("Unique_Item_Requests", 4)]
    assert any(p.severity == "warning" and "empty month cell" in p.problem and p.line == 15
               for p in loaded.problems)


def test_empty_month_cells_are_refused_when_the_total_disagrees(wh, tmp_path):
    rows = [r[:] for r in EMPTY_CELLS]
    rows[-1][5] = "9"
    path = write(tmp_path, "empty_mismatch.tsv", tsv(rows))
    err = refusal(tmp_path, "empty_mismatch.tsv", tsv(rows))
    assert (err.line, err.column, err.value) == (16, "Jan-2022", "")
    assert "empty does not mean 0 here" in err.problem
    assert "the months with empty as 0 sum to 4" in err.expected
    assert_refused_unchanged(wh, path, "empty count cell")


def test_empty_month_cells_without_a_row_total_are_refused(tmp_path):
    rows = header() + [[c for c in TR_COLUMNS if c != "Reporting_Period_Total"],
                       ["Journal A", "Pub", "PlatX", "Journal", "Total_Item_Requests", "5", "", "10"]]
    err = refusal(tmp_path, "no_total.tsv", tsv(rows))
    assert (err.line, err.column) == (15, "Feb-2022")
    assert "no Reporting_Period_Total to tell that empty means 0" in err.problem


# ---------------------------------------------------------------- vendor summary rows


def pr_rows():
    return [["PlatX", "Searches_Platform", "30", "10", "10", "10"],
            ["PlatX", "Total_Item_Requests", "6", "1", "2", "3"],
            ["PlatY", "Searches_Platform", "3", "1", "1", "1"]]


def test_summary_rows_equal_to_the_rows_above_are_skipped(wh, tmp_path):
    rows = header("PR", metric_types="Searches_Platform; Total_Item_Requests", name="Platform Master Report") + [
        PR_COLUMNS, *pr_rows(),
        ["Total searches", "", "33", "11", "11", "11"],      # the Searches_Platform rows
        ["All Platforms", "", "39", "12", "13", "14"]]       # every row above
    path = write(tmp_path, "summary.tsv", tsv(rows))
    report = read_counter_report(path)
    assert report.rows.groupby("metric_type")["count"].sum().to_dict() == {
        "Searches_Platform": 33, "Total_Item_Requests": 6}
    assert "2 summary/totals row(s) skipped (All Platforms, Total searches): they repeat the sum of the rows " \
           "above" in warnings(report)
    assert load(wh, path).committed
    assert query(wh, "SELECT sum(count) FROM eresource_usage") == [(39,)]


def test_a_summary_row_that_is_not_a_sum_is_refused(wh, tmp_path):
    rows = header("PR", metric_types="Searches_Platform", name="Platform Master Report") + [
        PR_COLUMNS, *pr_rows(), ["All Platforms", "", "40", "12", "13", "15"]]
    path = write(tmp_path, "bad_summary.tsv", tsv(rows))
    err = refusal(tmp_path, "bad_summary.tsv", tsv(rows))
    assert (err.line, err.column, err.value) == (18, "Metric_Type", "All Platforms")
    assert "not the sum of the rows above" in err.problem
    assert_refused_unchanged(wh, path, "summary row (no Metric_Type, or labelled 'All ...')")


# ---------------------------------------------------------------- draft-era Reporting_Period


def test_the_draft_reporting_period_and_spaced_total_column_are_read(wh, tmp_path):
    columns = ["Platform", "Metric_Type", "Reporting_ Period_Total", "Jan-2017", "Feb-2017"]
    rows = header("PR", period="2017-01-01 to 2017-06-30", metric_types="Searches_Platform",
                  name="Platform Master Report") + [columns, ["PlatX", "Searches_Platform", "7", "3", "4"]]
    path = write(tmp_path, "draft.tsv", tsv(rows))
    report = read_counter_report(path)
    assert (str(report.begin_date), str(report.end_date)) == ("2017-01-01", "2017-06-30")
    assert int(report.rows["count"].sum()) == 7
    note = next(w for w in report.warnings if "draft-era" in w.problem)
    assert (note.line, note.value) == (10, "2017-01-01 to 2017-06-30")
    assert load(wh, path).committed


def test_a_month_column_outside_the_draft_period_is_refused(tmp_path):
    rows = header("PR", period="2017-01-01 to 2017-01-31", metric_types="Searches_Platform",
                  name="Platform Master Report") + [
        ["Platform", "Metric_Type", "Reporting_Period_Total", "Jan-2017", "Feb-2017"],
        ["PlatX", "Searches_Platform", "7", "3", "4"]]
    err = refusal(tmp_path, "draft_outside.tsv", tsv(rows))
    assert (err.line, err.column) == (14, "Feb-2017") and "outside the Reporting_Period" in err.problem


# ---------------------------------------------------------------- SUSHI JSON


def r51(items, **header_fields) -> dict:
    head = {"Release": "5.1", "Report_ID": "TR_J1", "Report_Name": "Journal Requests", "Created_By": "Vendor",
            "Report_Filters": {"Begin_Date": "2022-01-01", "End_Date": "2022-03-31"}, **header_fields}
    return {"Report_Header": head, "Report_Items": items}


def r51_item(title, performance, data_type="Journal"):
    return {"Title": title, "Platform": "PlatX",
            "Attribute_Performance": [{"Data_Type": data_type, "Access_Type": "Controlled",
                                       "Access_Method": "Regular", "Performance": performance}]}


def test_vendor_namespaced_metrics_are_skipped_with_a_warning(wh, tmp_path):
    doc = r51([r51_item("Journal A", {"Total_Item_Requests": {"2022-01": 4, "2022-02": 6},
                                      "ebsco:Full_Text_Downloads": {"2022-01": 99}})])
    path = write(tmp_path, "vendor_metric.json", json.dumps(doc))
    report = read_counter_report(path)
    assert report.rows.groupby("metric_type")["count"].sum().to_dict() == {"Total_Item_Requests": 10}
    note = next(w for w in report.warnings if "vendor's own metric" in w.problem)
    assert note.value == "ebsco:Full_Text_Downloads"
    assert note.column == "Report_Items[0].Attribute_Performance[0].Performance.ebsco:Full_Text_Downloads"
    assert load(wh, path).committed
    assert query(wh, "SELECT metric_type, sum(count) FROM eresource_usage GROUP BY 1") == [("Total_Item_Requests", 10)]


def test_an_unknown_metric_without_a_namespace_is_still_refused(tmp_path):
    doc = r51([r51_item("Journal A", {"Full_Text_Downloads": {"2022-01": 4}})])
    err = refusal(tmp_path, "unknown_metric.json", json.dumps(doc))
    assert err.value == "Full_Text_Downloads" and "unknown or missing Metric_Type" in err.problem


def test_a_sushi_exception_beside_an_empty_report_header_names_the_exception(wh, tmp_path):
    doc = {"Report_Header": {"Created": "2023-01-01T00:00:00Z",
                             "Exceptions": [{"Code": 1030, "Severity": "Fatal", "Message": "Invalid Customer Id",
                                             "Data": "customer_id=abc"}]}}
    path = write(tmp_path, "exception_1030.json", json.dumps(doc))
    err = refusal(tmp_path, "exception_1030.json", json.dumps(doc))
    assert err.problem == "the SUSHI server returned exception(s) and no report"
    assert err.value == "SUSHI exception 1030 (Fatal): Invalid Customer Id [customer_id=abc]"
    assert "customer ID, requestor ID, API key" in err.expected
    assert "has no Release" not in str(err)
    problem = assert_refused_unchanged(wh, path, "SUSHI server returned exception(s)")
    assert problem.value == err.value


def test_a_sushi_exception_at_the_root_beside_a_report_header_is_refused_with_its_code(wh, tmp_path):
    doc = {**r51([]), "Exception": {"Code": 2090, "Severity": "Error", "Message": "Report Not Available"}}
    path = write(tmp_path, "exception_2090.json", json.dumps(doc))
    err = refusal(tmp_path, "exception_2090.json", json.dumps(doc))
    assert "no usage rows; the SUSHI response reports exception(s)" in err.problem
    assert err.value == "SUSHI exception 2090 (Error): Report Not Available"
    assert_refused_unchanged(wh, path, "SUSHI response reports exception(s)")


def test_a_json_string_holding_a_sushi_error_is_read_as_the_error(wh, tmp_path):
    inner = json.dumps({"Code": 2010, "Severity": "Error", "Message": "Requestor Not Authorized to Access Service"})
    path = write(tmp_path, "string.json", json.dumps(inner))
    err = refusal(tmp_path, "string.json", json.dumps(inner))
    assert "SUSHI server returned an exception instead of a report" in err.problem
    assert err.value == "SUSHI exception 2010 (Error): Requestor Not Authorized to Access Service"
    assert "credentials" in err.expected
    assert_refused_unchanged(wh, path, "SUSHI server returned an exception")


def test_a_json_string_holding_a_report_is_read_with_a_warning(tmp_path):
    doc = r51([r51_item("Journal A", {"Total_Item_Requests": {"2022-01": 4}})])
    report = read_counter_report(write(tmp_path, "wrapped.json", json.dumps(json.dumps(doc))))
    assert int(report.rows["count"].sum()) == 4
    assert any("JSON string" in w for w in warnings(report))


def test_a_json_trailing_comma_is_reported_as_such_with_line_and_column(tmp_path):
    text = '{\n  "Report_Header": {\n    "Release": "5.1",\n    "Report_ID": "TR_J1",\n  },\n  "Report_Items": []\n}\n'
    err = refusal(tmp_path, "trailing.json", text)
    assert err.problem == "the JSON has a trailing comma before '}' (not allowed in JSON)"
    assert (err.line, err.column) == (4, "character 25")
    assert "truncated" not in str(err)


def test_a_truncated_json_still_says_truncated(tmp_path):
    err = refusal(tmp_path, "cut.json", '{"Report_Header": {"Release": "5.1",')
    assert "truncated?" in err.problem


def test_json_nested_500_levels_deep_is_refused_without_crashing(wh, tmp_path):
    text = "[" * 500 + "]" * 500
    path = write(tmp_path, "deep.json", text)
    err = refusal(tmp_path, "deep.json", text)
    assert err.problem == "the JSON is nested more than 64 levels deep"
    assert err.column.startswith("$[0][0]")
    assert_refused_unchanged(wh, path, "nested more than 64 levels deep")
    very_deep = "[" * 100_000 + "]" * 100_000
    assert "nested" in refusal(tmp_path, "deeper.json", very_deep).problem


# ---------------------------------------------------------------- no usage


def test_a_no_usage_report_is_recorded_as_zero_use(wh, tmp_path):
    doc = r51([], Platform="PlatX", Exceptions=[{"Code": 3030, "Severity": "Error",
                                                 "Message": "No Usage Available for Requested Dates"}])
    path = write(tmp_path, "no_usage.json", json.dumps(doc))
    report = load(wh, path)
    assert report.committed, [str(p) for p in report.problems]
    assert query(wh, "SELECT platform, metric_type, count(*), sum(count) FROM eresource_usage GROUP BY ALL "
                     "ORDER BY ALL") == [("PlatX", "Total_Item_Requests", 3, 0), ("PlatX", "Unique_Item_Requests", 3, 0)]
    assert any(p.severity == "warning" and p.problem.startswith(
        "no usage: recorded as 0 for Total_Item_Requests, Unique_Item_Requests in every month of Jan 2022 - Mar 2022 "
        "(SUSHI exception 3030 (Error): No Usage Available") for p in report.problems)


def test_a_header_only_tabular_report_needs_its_platform(wh, tmp_path):
    rows = header("PR_P1", metric_types="Searches_Platform", name="Platform Usage") + [PR_COLUMNS]
    path = write(tmp_path, "header_only.tsv", tsv(rows))
    problem = assert_refused_unchanged(wh, path, "no usage rows and does not name its platform")
    assert problem.expected == "a Platform column or header field, or give --platform"
    assert load(wh, path, platform="PlatZ").committed
    assert query(wh, "SELECT platform, metric_type, count(*), sum(count) FROM eresource_usage GROUP BY ALL") == [
        ("PlatZ", "Searches_Platform", 3, 0)]


def test_a_report_with_only_a_no_usage_exception_and_no_header_is_refused(wh, tmp_path):
    path = write(tmp_path, "bare_3030.json", json.dumps({"Code": 3030, "Severity": "Error",
                                                           "Message": "No Usage Available for Requested Dates"}))
    problem = assert_refused_unchanged(wh, path, "platform and months with no use are unknown")
    assert problem.value == "SUSHI exception 3030 (Error): No Usage Available for Requested Dates"


# ---------------------------------------------------------------- items that do not fit the stated type


def test_a_tr_j1_holding_book_rows_is_refused(wh, tmp_path):
    rows = header() + [TR_COLUMNS, ["Journal A", "Pub", "PlatX", "Journal", "Total_Item_Requests", "3", "1", "1", "1"],
                       ["Book B", "Pub", "PlatX", "Book", "Total_Item_Requests", "3", "1", "1", "1"]]
    path = write(tmp_path, "trj1_books.tsv", tsv(rows))
    err = refusal(tmp_path, "trj1_books.tsv", tsv(rows))
    assert (err.line, err.column, err.value) == (16, "Data_Type", "Book")
    assert err.problem == "a TR_J1 report cannot hold a row of this Data_Type (mislabelled report type?)"
    assert err.expected.startswith("Data_Type Journal in a TR_J1")
    assert_refused_unchanged(wh, path, "cannot hold a row of this Data_Type")


def test_a_tr_j1_holding_a_metric_it_cannot_have_is_refused(tmp_path):
    doc = r51([r51_item("Journal A", {"Total_Item_Investigations": {"2022-01": 4}})])
    err = refusal(tmp_path, "trj1_metric.json", json.dumps(doc))
    assert err.value == "Total_Item_Investigations"
    assert err.expected.startswith("one of Total_Item_Requests, Unique_Item_Requests in a TR_J1")
    assert err.column == "Report_Items[0].Attribute_Performance[0].Performance.Total_Item_Investigations"


# ---------------------------------------------------------------- type inferred from the columns


def test_a_headerless_export_is_read_as_the_master_report_its_columns_show(wh, tmp_path):
    columns = ["Title", "Platform", "Data_Type", "Section_Type", "Metric_Type", "Reporting_Period_Total", *MONTHS]
    rows = [columns, ["Journal A", "PlatX", "Journal", "Article", "Total_Item_Requests", "6", "1", "2", "3"]]
    path = write(tmp_path, "headerless.tsv", tsv(rows))
    report = read_counter_report(path)
    assert (report.report_id, report.release) == ("TR", "5.0")
    assert "the report type (TR, release 5.0) was inferred from the columns: the file has no COUNTER header" \
        in warnings(report)
    assert load(wh, path).committed
    assert query(wh, "SELECT report_type, counter_release, sum(count) FROM eresource_usage GROUP BY ALL") == [
        ("TR", "5.0", 6)]


def test_a_headerless_export_whose_release_is_not_plain_is_refused(wh, tmp_path):
    path = write(tmp_path, "headerless_pr.tsv", tsv([PR_COLUMNS, ["PlatX", "Searches_Platform", "3", "1", "1", "1"]]))
    err = refusal(tmp_path, "headerless_pr.tsv", path.read_text())
    assert err.line == 1 and "release (5.0 or 5.1) cannot be told" in err.problem
    assert_refused_unchanged(wh, path, "cannot be told from its columns")


def test_an_empty_report_header_with_51_items_is_read_as_tr_51(tmp_path):
    doc = {"Report_Header": {}, "Report_Items": [r51_item("Journal A", {"Total_Item_Requests": {"2022-01": 4}})]}
    report = read_counter_report(write(tmp_path, "empty_header.json", json.dumps(doc)))
    assert (report.report_id, report.release, int(report.rows["count"].sum())) == ("TR", "5.1", 4)
    assert any("inferred from the columns" in w for w in warnings(report))


# ---------------------------------------------------------------- encodings and COUNTER 4


def test_a_windows_1250_report_keeps_its_central_european_names(wh, tmp_path):
    rows = header(platform="Knihovna") + [TR_COLUMNS, ["Časopis Příbram", "Łódź Uniwersytet", "Knihovna", "Journal",
                                                       "Total_Item_Requests", "3", "1", "1", "1"]]
    path = write(tmp_path, "cp1250.tsv", tsv(rows), encoding="cp1250")
    report = read_counter_report(path)
    assert report.rows["title"].tolist() == ["Časopis Příbram"] * 3
    assert "read as cp1250 (Windows-1250, Central European) and converted to UTF-8" in warnings(report)
    assert load(wh, path).committed


def test_a_windows_1252_report_is_still_read_as_1252(tmp_path):
    rows = header(platform="Bib") + [TR_COLUMNS, ["Revue d'études – Genève", "Pub", "Bib", "Journal",
                                                  "Total_Item_Requests", "3", "1", "1", "1"]]
    report = read_counter_report(write(tmp_path, "cp1252.tsv", tsv(rows), encoding="cp1252"))
    assert report.rows["title"].iloc[0] == "Revue d'études – Genève"
    assert any(w.startswith("read as cp1252") for w in warnings(report))


R4 = ("Journal Report 1 (R4)\tNumber of Successful Full-Text Article Requests by Month and Journal\n"
      "Central Library\n\nPeriod covered by Report:\n2016-01-01 to 2016-12-31\nDate run:\n2017-01-05\n"
      "Journal\tPublisher\tPlatform\tJournal DOI\tProprietary Identifier\tPrint ISSN\tOnline ISSN\t"
      "Reporting Period Total\tReporting Period HTML\tReporting Period PDF\tJan-2016\n"
      "Total for all journals\t\tPlatX\t\t\t\t\t5\t2\t3\t5\n")


def test_a_counter_4_report_says_release_4_is_not_supported_and_what_to_ask_for(wh, tmp_path):
    path = write(tmp_path, "jr1.tsv", R4)
    err = refusal(tmp_path, "jr1.tsv", R4)
    assert err.problem == "this is a COUNTER Release 4 report (Journal Report 1 (R4)); Release 4 is not supported"
    assert err.expected == ("a COUNTER Release 5 report: ask the vendor for the R5 TR_J1 report (TSV, CSV, XLSX or "
                            "JSON), or harvest it with SUSHI Release 5")
    assert err.line == 1
    assert_refused_unchanged(wh, path, "Release 4 is not supported")


def test_a_release_4_in_a_header_block_is_named(tmp_path):
    rows = header("TR_J1", release="4") + [TR_COLUMNS]
    err = refusal(tmp_path, "release4.tsv", tsv(rows))
    assert (err.line, err.value) == (3, "4")
    assert err.problem == "this is a COUNTER Release 4 report; only Release 5 (5.0, 5.1) is supported"
    assert "SUSHI Release 5" in err.expected


def test_a_counter_4_sushi_xml_response_is_named(tmp_path):
    text = '<?xml version="1.0"?><ReportResponse xmlns="http://www.niso.org/schemas/sushi/counter"></ReportResponse>'
    err = refusal(tmp_path, "r4.xml", text)
    assert "COUNTER Release 4 SUSHI XML" in err.problem and "SUSHI Release 5" in err.expected


# ---------------------------------------------------------------- overlapping reports


def test_an_all_platforms_row_with_a_metric_type_is_a_summary_not_a_platform(wh, tmp_path):
    rows = header("PR", metric_types="Searches_Platform", name="Platform Master Report") + [
        PR_COLUMNS, *pr_rows(), ["All Platforms", "Searches_Platform", "33", "11", "11", "11"]]
    path = write(tmp_path, "all_row.tsv", tsv(rows))
    assert load(wh, path).committed
    assert query(wh, "SELECT platform, sum(count) FROM eresource_usage GROUP BY 1 ORDER BY 1") == [
        ("PlatX", 36), ("PlatY", 3)]


def test_a_month_loaded_from_two_report_types_is_kept_once_per_type_and_counted_once(wh, tmp_path):
    pr = header("PR", metric_types="Total_Item_Requests", name="Platform Master Report") + [
        PR_COLUMNS, ["PlatX", "Total_Item_Requests", "6", "1", "2", "3"]]
    tr = header("TR_J1") + [TR_COLUMNS, ["Journal A", "Pub", "PlatX", "Journal", "Total_Item_Requests", "6", "1", "2", "3"]]
    assert load(wh, write(tmp_path, "pr.tsv", tsv(pr))).committed
    second = load(wh, write(tmp_path, "trj1.tsv", tsv(tr)))
    assert second.committed
    assert any(p.severity == "warning" and "also loaded from report type(s) PR" in p.problem for p in second.problems)
    assert query(wh, "SELECT report_type, sum(count) FROM eresource_usage GROUP BY 1 ORDER BY 1") == [
        ("PR", 6), ("TR_J1", 6)]
    assert query(wh, "SELECT report_type, sum(count) FROM rollup_eresource_month GROUP BY 1") == [("PR", 6)]


def test_the_eresource_metric_tells_no_use_from_no_data(wh, tmp_path):
    from metrics import Scope, eresource_growth
    from warehouse import store

    doc = r51([], Platform="PlatX", Exceptions=[{"Code": 3030, "Message": "No Usage Available for Requested Dates"}])
    assert load(wh, write(tmp_path, "no_usage.json", json.dumps(doc))).committed
    prior = header("PR", period="Begin_Date=2021-01-01; End_Date=2021-03-31", metric_types="Total_Item_Requests",
                   name="Platform Master Report") + [
        ["Platform", "Metric_Type", "Reporting_Period_Total", "Jan-2021", "Feb-2021", "Mar-2021"],
        ["PlatY", "Total_Item_Requests", "60", "10", "20", "30"]]
    assert load(wh, write(tmp_path, "prior.tsv", tsv(prior))).committed
    con = store.open_readonly(wh)
    try:
        df = eresource_growth(con, Scope("2021-22", community="testville"), metric_type="Total_Item_Requests")
    finally:
        con.close()
    got = df.set_index("platform")[["usage", "prior_usage", "reported"]].astype(object).to_dict("index")
    assert got == {"PlatX": {"usage": 0, "prior_usage": 0, "reported": True},      # no use
                   "PlatY": {"usage": 0, "prior_usage": 60, "reported": False}}    # no data
