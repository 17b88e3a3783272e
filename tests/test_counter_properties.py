"""Property-based tests of ingest.counter's tabular reader: COUNTER R5 reports generated with
random header quirks (BOM, CRLF, padded rows, header case, empty cells, summary rows, delimiter)
load with exactly the totals generated, per metric and month."""
from __future__ import annotations

import collections

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.counter import read_counter_report

MONTHS = ["Jan-2022", "Feb-2022", "Mar-2022"]
REPORTS = {  # report id: (item column or None, metrics it may hold)
    "TR_J1": ("Title", ["Total_Item_Requests", "Unique_Item_Requests"]),
    "PR_P1": (None, ["Searches_Platform", "Total_Item_Requests", "Unique_Title_Requests"]),
    "DR_D1": ("Database", ["Searches_Regular", "Total_Item_Investigations", "Total_Item_Requests"]),
}


@st.composite
def reports(draw):
    report_id = draw(st.sampled_from(sorted(REPORTS)))
    item, metrics = REPORTS[report_id]
    rows = draw(st.lists(st.tuples(st.sampled_from(["Alpha", "Beta Gamma", "Délta", "Omega 2"]),
                                   st.sampled_from(metrics),
                                   st.lists(st.integers(0, 5000), min_size=3, max_size=3)),
                         min_size=1, max_size=8))
    quirks = {
        "bom": draw(st.booleans()), "crlf": draw(st.booleans()), "pad": draw(st.integers(0, 3)),
        "case": draw(st.sampled_from(["as is", "lower", "upper"])), "empty_zeros": draw(st.booleans()),
        "summary": draw(st.sampled_from([None, "Total", "All Platforms", "Grand Total"])),
        "delimiter": draw(st.sampled_from(["\t", ","])), "blank_row": draw(st.booleans()),
    }
    return report_id, item, rows, quirks


def render(report_id, item, rows, q) -> bytes:
    def name(text):
        return {"as is": text, "lower": text.lower(), "upper": text.upper()}[q["case"]]

    header = [["Report_Name", "Generated report"], ["Report_ID", report_id], ["Release", "5"],
              ["Institution_Name", "Library"], ["Metric_Types", ""], ["Report_Filters", ""],
              ["Exceptions", ""], ["Reporting_Period", "Begin_Date=2022-01-01; End_Date=2022-03-31"],
              ["Created", "2022-04-01"], ["Created_By", "Generator"]]
    lines = [[name(k), v] for k, v in header] + [[]]
    columns = ([item] if item else []) + ["Platform", "Metric_Type", "Reporting_Period_Total"] + MONTHS
    lines.append([name(c) for c in columns])
    for title, metric, counts in rows:
        cells = ["" if (q["empty_zeros"] and c == 0) else str(c) for c in counts]
        lines.append(([title] if item else []) + ["PlatX", metric, str(sum(counts))] + cells)
        if q["blank_row"]:
            lines.append([])
    if q["summary"]:
        sums = [sum(r[2][i] for r in rows) for i in range(3)]
        label_cells = [q["summary"]] + ([""] if item else [])   # no platform / metric on a summary row
        lines.append(label_cells + ["", str(sum(sums))] + [str(s) for s in sums])
    width = max(len(line) for line in lines) + q["pad"]
    newline = "\r\n" if q["crlf"] else "\n"
    text = newline.join(q["delimiter"].join(line + [""] * (width - len(line) if q["pad"] else 0))
                        for line in lines) + newline
    return (b"\xef\xbb\xbf" if q["bom"] else b"") + text.encode("utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reports())
def test_generated_reports_load_with_their_totals(tmp_path, generated):
    report_id, item, rows, quirks = generated
    path = tmp_path / "report.txt"
    path.write_bytes(render(report_id, item, rows, quirks))
    report = read_counter_report(path)
    expected = collections.Counter()
    for _, metric, counts in rows:
        for month, count in zip(MONTHS, counts):
            if count:
                expected[(metric, month)] += count
    loaded = collections.Counter()
    for metric, month, count in report.rows[["metric_type", "month", "count"]].itertuples(index=False):
        loaded[(metric, month.strftime("%b-%Y"))] += count
    assert loaded == expected
    assert report.report_id == report_id and report.release == "5.0"
    if quirks["summary"]:
        assert any("summary/totals row(s) skipped" in w.problem for w in report.warnings)
    if quirks["empty_zeros"] and any(0 in counts for _, _, counts in rows):
        assert any("empty month cell(s) read as 0" in w.problem for w in report.warnings)
