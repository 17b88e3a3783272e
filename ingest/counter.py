"""Read COUNTER Release 5.0 / 5.1 usage reports (TSV, CSV, XLSX, SUSHI JSON) into one long table.

Forgiving about form (encodings, header-name drift, padding, totals rows, extra columns),
strict about meaning (counts, months, metric types, report ids): anything that cannot be read
raises CounterError saying where and why.
"""
from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ingest import counter_rules as rules
from ingest.reading import ENCODING_NAMES, decode_bytes

COLUMNS = [
    "report_id", "release", "platform", "title", "data_type",
    "access_type", "access_method", "metric_type", "month", "count",
]
REPORT_IDS = (
    "PR", "PR_P1", "DR", "DR_D1", "DR_D2", "TR", "TR_B1", "TR_B2", "TR_B3",
    "TR_J1", "TR_J2", "TR_J3", "TR_J4", "IR", "IR_A1", "IR_M1",
)
METRIC_TYPES = (
    "Searches_Platform", "Searches_Automated", "Searches_Federated", "Searches_Regular",
    "Total_Item_Investigations", "Total_Item_Requests", "Unique_Item_Investigations",
    "Unique_Item_Requests", "Unique_Title_Investigations", "Unique_Title_Requests",
    "Limit_Exceeded", "No_License",
)
# Column (tabular) / key (JSON) holding the item name, by report family.
TITLE_FIELD = {"PR": None, "DR": "Database", "TR": "Title", "IR": "Item"}
ATTRIBUTES = ("Data_Type", "Access_Type", "Access_Method")
HEADER_KEYS = {
    "report_name", "report_id", "release", "institution_name", "institution_id",
    "metric_types", "report_filters", "report_attributes", "exceptions", "reporting_period",
    "created", "created_by", "registry_record", "customer_id", "platform",
}
MONTH_FORMATS = ("%b-%Y", "%b %Y", "%B-%Y", "%B %Y", "%Y-%m", "%Y-%m-%d", "%m/%Y", "%b-%y")
# A totals row written by some vendors: "Total", "Totals", "Grand Total", "Total for all titles".
TOTALS_ROW = re.compile(r"(grand\s+)?totals?(\s+for\s+all\b.*)?:?", re.IGNORECASE)
# A vendor's summary row with no Metric_Type: "All Platforms", "Total searches", "Sum".
SUMMARY_ROW = re.compile(r"(all|total|totals|grand\s+total|sum|summary)\b.*", re.IGNORECASE)
# A vendor's "All" row, even with a Metric_Type: the sum of the rows of its metric, never a platform.
ALL_ROW = re.compile(r"all(\s+(platforms?|databases?|titles?|journals?|books?|items?|resources?))?",
                     re.IGNORECASE)
# The draft-era Reporting_Period of COUNTER's early R5 examples: "2017-01-01 to 2017-06-30".
DRAFT_PERIOD = re.compile(r"\s*(\d{4}-\d{2}(?:-\d{2})?)\s+(?:to|-|–)\s+(\d{4}-\d{2}(?:-\d{2})?)\s*")
# A COUNTER Release 4 report names itself in its first cell: "Journal Report 1 (R4)".
R4_TITLE = re.compile(r"\s*(journal|book|database|platform|multimedia|title)\s+report\s+(\d+\s*\w*)"
                      r"(?:\s*\(R4\)|.*\brelease\s*4\b).*", re.IGNORECASE)
MAX_JSON_DEPTH = 64  # a SUSHI report nests about 8 levels; far deeper is not a report


class CounterError(ValueError):
    """Raised for an unreadable report. str(err) names the file, the line or row (1-based, as a
    person would count in a spreadsheet/text editor) where known, the column where known, the
    value found and what was expected."""

    def __init__(self, problem, expected, *, file=None, line=None, column=None, value=None,
                 unit="line"):
        super().__init__(problem)
        self.problem = problem
        self.expected = expected
        self.file = file
        self.line = line
        self.column = column
        self.value = value
        self.unit = unit  # "line" (text), "row" (spreadsheet) or "json" (column holds a JSON path)

    def __str__(self):
        where = [str(self.file) if self.file else "<unknown file>"]
        if self.line is not None:
            where.append(f"{'line' if self.unit == 'json' else self.unit} {self.line}")
        if self.column is not None:
            where.append(f"at {self.column}" if self.unit == "json" else f"column {self.column!r}")
        found = "" if self.value is None else f"; found {_shorten(self.value, 400)!r}"
        return f"{', '.join(where)}: {self.problem}{found}; expected {self.expected}"


@dataclass
class CounterReport:
    report_id: str
    release: str
    report_name: str
    platform: str | None
    institution_name: str | None
    begin_date: dt.date
    end_date: dt.date
    rows: pd.DataFrame
    # What was assumed to read the file (empty = 0, summary rows skipped, ...), for the report.
    warnings: list[Note] = field(default_factory=list)
    no_usage: bool = False   # a "no usage" report: rows are zeros for its period and metrics


@dataclass
class Note:
    """A warning: the file was read, assuming what `problem` says."""
    problem: str
    expected: str
    line: int | None = None
    column: str | None = None
    value: str | None = None


def read_counter_report(path: str | Path) -> CounterReport:
    path = Path(path)
    unit = "line"
    notes: list[Note] = []
    try:
        data = path.read_bytes()
        if not data:
            raise CounterError("the file is empty (0 bytes)",
                               "a COUNTER R5 report (TSV, CSV, XLSX or SUSHI JSON)")
        if data.startswith(b"PK\x03\x04"):
            unit = "row"
            return _read_tabular(_xlsx_rows(path), notes)
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise CounterError("this is a legacy Excel .xls workbook",
                               "the report saved as XLSX, TSV, CSV or JSON")
        text, encoding = decode_bytes(data)
        if encoding not in ("utf-8", "utf-16"):
            notes.append(Note(f"read as {encoding} ({ENCODING_NAMES[encoding]}) and converted to UTF-8",
                              "UTF-8"))
        if not text.strip():
            raise CounterError("the file contains only blank lines",
                               "a COUNTER R5 report header starting with Report_Name")
        if text.lstrip()[:1] in ("{", "[", '"'):
            unit = "json"
            return _read_json(text, notes)
        if text.lstrip()[:1] == "<":
            raise _xml_error(text)
        return _read_tabular(_text_rows(text), notes)
    except CounterError as err:
        err.file, err.unit = str(path), unit
        raise


def _xml_error(text: str) -> CounterError:
    head = text[:4000]
    if re.search(r"counter|sushi|ReportResponse", head, re.IGNORECASE):
        return CounterError("this is a COUNTER Release 4 SUSHI XML response; Release 4 is not supported",
                            rules.r4_expected(None), line=1, value=_shorten(head.strip(), 120))
    return CounterError("this is an XML or HTML file, not a COUNTER report",
                        "a COUNTER R5 report (TSV, CSV, XLSX or SUSHI JSON)", line=1,
                        value=_shorten(head.strip(), 120))


# ---------------------------------------------------------------- raw cells


def _text_rows(text: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows, line = [], 1
    try:
        for cells in reader:
            rows.append((line, [c.strip() for c in cells]))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise CounterError(f"unreadable text ({exc})", "tab- or comma-separated text",
                           line=line) from None
    return rows


def _delimiter(text: str) -> str:
    head = text[:20000]
    if "\t" in head:
        return "\t"
    for delimiter in (",", ";"):
        cells = (c for row in csv.reader(io.StringIO(head), delimiter=delimiter) for c in row)
        if any(_norm(c) == "metric_type" for c in cells):
            return delimiter
    return ","


def _xlsx_rows(path: Path) -> list[tuple[int, list[str]]]:
    try:
        frame = pd.read_excel(path, header=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise CounterError(f"the workbook cannot be opened ({exc})",
                           "a valid XLSX workbook") from None
    return [(i + 1, [_cell_text(v) for v in row])
            for i, row in enumerate(frame.itertuples(index=False, name=None))]


def _cell_text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


# ---------------------------------------------------------------- tabular


def _read_tabular(rows: list[tuple[int, list[str]]], notes: list[Note]) -> CounterReport:
    if not any(_nonblank(cells) for _, cells in rows):
        raise CounterError("the file contains only blank lines",
                           "a COUNTER R5 report header starting with Report_Name")
    _refuse_release_4(rows)
    h = _column_header_index(rows)
    meta = _tabular_meta(rows[:h], rows[h], notes)
    layout = _column_layout(*rows[h], meta)
    summary = _Summary(layout, meta)
    records, n_data = [], 0
    for line, cells in rows[h + 1:]:
        label = (_nonblank(cells) or [""])[0]
        if not label:
            continue
        if TOTALS_ROW.fullmatch(label):
            summary.skip(line, label)
            continue
        if (not _cell(cells, layout, "metric_type") and SUMMARY_ROW.fullmatch(label)) or ALL_ROW.fullmatch(label):
            summary.check(line, cells, label)
            continue
        row = _row_records(line, cells, layout, meta)
        n_data += 1
        summary.add(row)
        records.extend(row)
    summary.note()
    if layout["empty_cells"]:
        first, n = layout["empty_cells"][0], len(layout["empty_cells"])
        meta["notes"].append(Note(f"{n} empty month cell(s) read as 0: each row's Reporting_Period_Total "
                                  "equals its months with empty as 0", "a count in every month column",
                                  line=first[0], column=first[1]))
    if not n_data and not summary.seen:
        return _no_usage(meta, line=rows[h][0], months=[m for _, m in layout["months"]])
    return _report(meta, records)


def _nonblank(cells: list[str]) -> list[str]:
    return [c for c in cells if c]


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _cell(cells, layout, name):
    i = layout["index"].get(name)
    return cells[i] if i is not None and i < len(cells) and cells[i] else None


def _refuse_release_4(rows):
    """A COUNTER 4 report: say so, and what to ask for, instead of 'not a COUNTER R5 report'."""
    for line, cells in rows[:12]:
        first = (_nonblank(cells) or [""])[0]
        m = R4_TITLE.fullmatch(first)
        if m:
            r4_id = R4_NAMES_PREFIX[m.group(1).lower()] + re.sub(r"\s+", "", m.group(2)).upper()
            raise CounterError(f"this is a COUNTER Release 4 report ({first.strip()}); Release 4 is not "
                               "supported", rules.r4_expected(r4_id), line=line, value=first)


R4_NAMES_PREFIX = rules.R4_NAMES


def _column_header_index(rows) -> int:
    for i, (_, cells) in enumerate(rows):
        if any(_norm(c) == "metric_type" for c in cells):
            return i
    first_line, first = next((ln, c) for ln, c in rows if _nonblank(c))
    if _norm(first[0]) not in HEADER_KEYS:
        raise CounterError("this is not a COUNTER R5 report", "a COUNTER R5 header block at the "
                           "top (Report_Name, Report_ID, Release, ...)",
                           line=first_line, value=first[0])
    candidate = _row_after_header_block(rows)
    if candidate is None:
        raise CounterError("the file ends inside the header block (truncated?)",
                           "the rest of the header, a blank row and the column-header row "
                           "(..., Metric_Type, Reporting_Period_Total, months)",
                           line=rows[-1][0])
    line, cells = candidate
    raise CounterError("required column Metric_Type is missing from the column-header row",
                       "a column named Metric_Type", line=line, value=" | ".join(_nonblank(cells)))


def _row_after_header_block(rows):
    seen_blank = False
    for line, cells in rows:
        if not _nonblank(cells):
            seen_blank = True
        elif seen_blank or _norm(cells[0]) not in HEADER_KEYS:
            return line, cells
    return None


def _tabular_meta(header_rows, column_header, notes: list[Note]) -> dict:
    header_line = column_header[0]
    fields = {}
    for line, cells in header_rows:
        if cells and _norm(cells[0]) in HEADER_KEYS:
            fields[_norm(cells[0])] = (line, cells[1] if len(cells) > 1 else "")
    blank = not any(v for _, v in fields.values())   # headerless, or a header block left empty
    for key, label in (("report_id", "Report_ID"), ("release", "Release")):
        if key not in fields and not blank:
            raise CounterError(f"the header block has no {label} row (truncated or not COUNTER?)",
                               f"a '{label}' row in the header above the column headers",
                               line=header_line)

    def value(key):
        return fields.get(key, (None, ""))[1]

    meta = {
        "report_name": value("report_name"),
        "institution_name": value("institution_name") or None,
        "platform": value("platform") or _text_filters(value("report_filters")).get("platform"),
        "exceptions": value("exceptions"),
        "metric_types": _metric_list(value("metric_types")),
        "begin": None, "end": None, "notes": notes, "inferred": False,
    }
    if blank:
        meta.update(_infer_tabular_type(*column_header))
    else:
        meta["report_id"] = _report_id(*fields["report_id"])
        meta["release"] = _release(*fields["release"])
    if "reporting_period" in fields:
        meta["begin"], meta["end"] = _reporting_period(*fields["reporting_period"], notes)
    return meta


def _infer_tabular_type(line: int, cells: list[str]) -> dict:
    """A headerless export (or an empty header block): the master report of the family its item
    column names (Database: DR, Title: TR, Item: IR, none: PR), the release from a column only
    one release has (Section_Type: 5.0). Refused when the release is not plain."""
    names = {_norm(c) for c in cells if c}
    family = next((f for col, f in rules.FAMILY_BY_TITLE.items() if col in names), "PR")
    release = "5.0" if "section_type" in names else None
    return {"report_id": family, "release": release, "inferred": True, "infer_line": line,
            "infer_columns": " | ".join(_nonblank(cells))}


def _settle_inferred_release(meta: dict, data_types: set[str]) -> None:
    if not meta.get("inferred") or meta["release"]:
        return
    if data_types & rules.ONLY_51_DATA_TYPES and not data_types & rules.ONLY_50_DATA_TYPES:
        meta["release"] = "5.1"
    elif data_types & rules.ONLY_50_DATA_TYPES and not data_types & rules.ONLY_51_DATA_TYPES:
        meta["release"] = "5.0"
    else:
        raise CounterError("the report has no header and its COUNTER release (5.0 or 5.1) cannot be "
                           "told from its columns or Data_Type values",
                           "the report with its COUNTER header block (Report_ID, Release, ...)",
                           line=meta["infer_line"], value=meta["infer_columns"])


def _metric_list(text: str) -> tuple[str, ...]:
    found = []
    for part in re.split(r"[;|,]", text or ""):
        wanted = _norm(part)
        found += [m for m in METRIC_TYPES if wanted and _norm(m) == wanted]
    return tuple(found)


def _text_filters(text: str) -> dict:
    pairs = (part.split("=", 1) for part in text.split(";") if "=" in part)
    return {_norm(k): v.strip() for k, v in pairs}


def _reporting_period(line: int, text: str, notes: list[Note]):
    found = _text_filters(text)
    draft = DRAFT_PERIOD.fullmatch(text)
    try:
        if draft and "begin_date" not in found:
            period = _date(draft.group(1)), _date(draft.group(2), end=True)
            notes.append(Note("the draft-era Reporting_Period form was read as Begin_Date and End_Date",
                              "'Begin_Date=YYYY-MM-DD; End_Date=YYYY-MM-DD'", line=line,
                              column="Reporting_Period", value=text))
            return period
        return _date(found["begin_date"]), _date(found["end_date"], end=True)
    except (KeyError, ValueError):
        raise CounterError("the Reporting_Period cannot be read",
                           "'Begin_Date=YYYY-MM-DD; End_Date=YYYY-MM-DD'",
                           line=line, column="Reporting_Period", value=text) from None


def _column_layout(line: int, cells: list[str], meta: dict) -> dict:
    names = [_norm(c) for c in cells]
    family = meta["report_id"][:2]
    title = TITLE_FIELD[family]
    if title and title.lower() not in names:
        raise CounterError(f"required column {title} is missing from the column-header row",
                           f"a column named {title} in a {meta['report_id']} report",
                           line=line, value=" | ".join(_nonblank(cells)))
    index = {name: names.index(name) for name in set(names) if name}
    start = max(index["metric_type"], index.get("reporting_period_total", -1)) + 1
    last = max((i for i, c in enumerate(cells) if c), default=-1)
    months = [(i, _month_column(line, cells[i], meta)) for i in range(start, last + 1)]
    if not months:
        raise CounterError("the report has no month columns (Exclude_Monthly_Details=True?)",
                           "month columns such as Jan-2016 after Reporting_Period_Total",
                           line=line, column=cells[start - 1])
    _check_unique_months(line, cells, months)
    return {"index": index, "title": title and title.lower(), "months": months, "cells": cells,
            "empty_cells": []}


def _month_column(line: int, text: str, meta: dict) -> dt.date:
    month = _month(text)
    if month is None:
        raise CounterError("a column after Reporting_Period_Total is not a month",
                           "a month such as Jan-2016 (Mmm-YYYY)", line=line, column=text or None,
                           value=text)
    _check_in_period(month, meta, line=line, column=text)
    return month


def _check_unique_months(line, cells, months):
    seen = set()
    for i, month in months:
        if month in seen:
            raise CounterError("a month column appears twice", "each month once",
                               line=line, column=cells[i], value=cells[i])
        seen.add(month)


def _row_records(line: int, cells: list[str], layout: dict, meta: dict):
    index, header = layout["index"], layout["cells"]

    def cell(name):
        return _cell(cells, layout, name)

    metric_column = header[index["metric_type"]]
    metric = _metric_type(cell("metric_type") or "", line=line, column=metric_column, meta=meta)
    if metric is None:  # a vendor's own metric, skipped with a note
        return []
    title = cell(layout["title"]) if layout["title"] else None
    if layout["title"] and not title:
        # Usually an unlabelled totals row: counting it would double the usage.
        raise CounterError("the item name is empty", "the name of the database/title/item "
                           "(label a totals row 'Total')", line=line,
                           column=header[index[layout["title"]]])
    data_type = cell("data_type")
    _settle_inferred_release(meta, {data_type} if data_type else set())
    _check_fits_type(meta, metric, data_type, line=line, metric_column=metric_column,
                     data_type_column=header[index["data_type"]] if "data_type" in index else None)
    base = (cell("platform") or meta["platform"], title,
            data_type, cell("access_type"), cell("access_method"), metric)
    counts, empty = [], []
    for i, month in layout["months"]:
        if i < len(cells) and not cells[i]:
            empty.append(header[i])
            counts.append((month, 0))
        else:
            counts.append((month, _row_count(line, cells, i, header[i])))
    _check_row_total(line, cells, index, header, sum(c for _, c in counts), empty)
    layout["empty_cells"] += [(line, column) for column in empty]
    return [(*base, month, count) for month, count in counts if count]


def _row_count(line: int, cells: list[str], i: int, column: str) -> int:
    if i >= len(cells):
        raise CounterError(f"the row is cut short after {len(cells)} cells (truncated?)",
                           "a count in every month column", line=line, column=column)
    return _count(cells[i], line=line, column=column)


def _check_row_total(line, cells, index, header, month_sum, empty=()):
    i = index.get("reporting_period_total")
    if i is None or i >= len(cells) or not cells[i]:
        if empty:  # nothing says the empty cells are zeros
            raise CounterError("empty count cell (and no Reporting_Period_Total to tell that empty means 0)",
                               "a whole number >= 0", line=line, column=empty[0], value="")
        return
    total = _count(cells[i], line=line, column=header[i])
    if total != month_sum:
        if empty:
            raise CounterError("empty count cell: Reporting_Period_Total differs from the sum of the months "
                               "with empty as 0, so empty does not mean 0 here",
                               f"a count in every month column (the months with empty as 0 sum to {month_sum})",
                               line=line, column=empty[0], value="")
        raise CounterError("Reporting_Period_Total differs from the sum of the month columns",
                           f"{month_sum} (the sum of the months)", line=line, column=header[i],
                           value=cells[i])


class _Summary:
    """A vendor's summary rows ("All Platforms", "Total searches" with no Metric_Type): skipped
    when their months equal the sum of the data rows above them (since the previous summary row,
    or since the top), over all rows or the rows of one metric or metric family; refused if not,
    since a data row with its Metric_Type missing would otherwise be lost."""

    def __init__(self, layout, meta):
        self.layout, self.meta = layout, meta
        self.rows: list[tuple] = []       # records since the previous summary row
        self.all_rows: list[tuple] = []
        self.seen: list[tuple[int, str]] = []

    def add(self, records):
        self.rows += records
        self.all_rows += records

    def skip(self, line, label):
        self.seen.append((line, label))
        self.rows = []

    def check(self, line, cells, label):
        layout = self.layout
        values = [_count(cells[i] if i < len(cells) and cells[i] else 0, line=line, column=layout["cells"][i])
                  for i, _ in layout["months"]]
        months = [m for _, m in layout["months"]]
        if not any(values == _sums(group, months) for records in (self.rows, self.all_rows)
                   for group in _groups(records)):
            raise CounterError("a summary row (no Metric_Type, or labelled 'All ...') whose counts are not "
                               "the sum of the rows above it", "a Metric_Type on every data row (a summary row is skipped only "
                               "when it equals the sum of the rows above)", line=line,
                               column=layout["cells"][layout["index"]["metric_type"]], value=label)
        self.skip(line, label)

    def note(self):
        if self.seen:
            labels = ", ".join(sorted({label for _, label in self.seen}))
            self.meta["notes"].append(Note(f"{len(self.seen)} summary/totals row(s) skipped ({labels}): they "
                                           "repeat the sum of the rows above", "data rows only",
                                           line=self.seen[0][0]))


def _groups(records):
    """The row sets a vendor's summary row may total: all, one metric, one metric family."""
    yield records
    metrics = {r[5] for r in records}
    for metric in metrics:
        yield [r for r in records if r[5] == metric]
    for family in {m.split("_")[0] for m in metrics}:
        yield [r for r in records if r[5].split("_")[0] == family]


def _sums(records, months):
    total = dict.fromkeys(months, 0)
    for r in records:
        total[r[6]] += r[7]
    return [total[m] for m in months]


def _check_fits_type(meta, metric, data_type, *, line=None, metric_column=None, data_type_column=None):
    """Refuse a row its report type cannot hold (a TR_J1 with book rows or Searches_Regular)."""
    report_id = meta["report_id"]
    if metric not in rules.ALLOWED_METRICS[report_id]:
        raise CounterError(f"a {report_id} report cannot hold this metric (mislabelled report type?)",
                           f"one of {', '.join(rules.ALLOWED_METRICS[report_id])} in a {report_id}; "
                           "load the master report (PR, DR, TR or IR) for other metrics",
                           line=line, column=metric_column, value=metric)
    allowed = rules.ALLOWED_DATA_TYPES.get(report_id)
    if allowed and data_type and data_type not in allowed:
        raise CounterError(f"a {report_id} report cannot hold a row of this Data_Type (mislabelled report type?)",
                           f"Data_Type {' or '.join(allowed)} in a {report_id}; load the master report "
                           f"({report_id[:2]}) for other data types", line=line, column=data_type_column,
                           value=data_type)


# ---------------------------------------------------------------- SUSHI JSON


def _read_json(text: str, notes: list[Note]) -> CounterReport:
    doc = _parse_json(text)
    if isinstance(doc, str):  # a harvester saved the response body as a JSON string
        inner = doc.strip()
        if inner[:1] not in ("{", "["):
            raise CounterError("the file holds a JSON string, not a report", "a SUSHI JSON report object",
                               line=1, value=_shorten(inner, 200))
        doc = _parse_json(inner)
        notes.append(Note("the file holds the SUSHI response as a JSON string; the JSON inside it was read",
                          "the SUSHI JSON itself"))
    _check_depth(doc)
    doc, exceptions = _json_report_object(doc)
    header = _get(doc, "Report_Header")
    items = _get(doc, "Report_Items") or []
    if not isinstance(items, list):
        raise CounterError("Report_Items is not a list", "a list of report items",
                           column="Report_Items", value=type(items).__name__)
    exceptions += _sushi_exceptions(_get(header, "Exceptions") or _get(header, "Exception") or [])
    meta = _json_meta(header, items, exceptions, notes)
    records = []
    for i, item in enumerate(items):
        records.extend(_json_item_records(item, f"Report_Items[{i}]", meta))
    if not items:
        return _no_usage(meta)
    return _report(meta, records)


def _parse_json(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        before = text[:exc.pos].rstrip()
        if before.endswith(",") and text[exc.pos:exc.pos + 1] in ("}", "]"):
            comma = len(before) - 1
            line = text.count("\n", 0, comma) + 1
            column = comma - (text.rfind("\n", 0, comma) + 1) + 1
            raise CounterError("the JSON has a trailing comma before "
                               f"'{text[exc.pos]}' (not allowed in JSON)", "no comma after the last "
                               "element of an object or list", line=line, column=f"character {column}") from None
        cut = exc.pos >= len(text.rstrip())
        raise CounterError(f"the JSON cannot be parsed ({exc.msg}{'; truncated?' if cut else ''})",
                           "a complete SUSHI JSON report", line=exc.lineno,
                           column=f"character {exc.colno}") from None
    except RecursionError:
        raise CounterError(f"the JSON is nested too deeply to be a report (over {MAX_JSON_DEPTH} levels)",
                           "a SUSHI JSON report") from None


def _check_depth(doc) -> None:
    """Refuse absurd nesting before walking the document (the walkers recurse)."""
    stack, path = [(doc, 1, "$")], "$"
    while stack:
        node, depth, path = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise CounterError(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep",
                               "a SUSHI JSON report (about 8 levels deep)", column=_shorten(path, 80))
        if isinstance(node, dict):
            stack += [(v, depth + 1, f"{path}.{k}") for k, v in node.items() if isinstance(v, (dict, list))]
        elif isinstance(node, list):
            stack += [(v, depth + 1, f"{path}[{i}]") for i, v in enumerate(node) if isinstance(v, (dict, list))]


def _json_report_object(doc) -> tuple[dict, list[dict]]:
    """The report object and the SUSHI exceptions beside it (at the root or in a list)."""
    exceptions = []
    if isinstance(doc, list):
        reports = [d for d in doc if isinstance(d, dict) and _get(d, "Report_Header") is not None]
        exceptions = [e for d in doc if d not in reports for e in _sushi_exceptions(d)]
        if len(reports) == 1:
            doc = reports[0]
    if isinstance(doc, dict) and isinstance(_get(doc, "Report_Header"), dict):
        root = {k: v for k, v in doc.items() if _norm(k) in ("exception", "exceptions")}
        return doc, exceptions + _sushi_exceptions(list(root.values()))
    exceptions = exceptions or _sushi_exceptions(doc)
    if exceptions:
        no_usage = all(rules.is_no_usage_exception(e, _get) for e in exceptions)
        raise CounterError("the SUSHI server returned an exception instead of a report"
                           + (" (no Report_Header, so the platform and months with no use are unknown)"
                              if no_usage else ""),
                           rules.exception_hint(_get(exceptions[0], "Code")) if not no_usage else
                           "a report with Report_Header and Report_Items (harvest the report again to record "
                           "that the platform had no use)", value=_describe_exceptions(exceptions))
    raise CounterError("this JSON is not a COUNTER report (no Report_Header)",
                       "a SUSHI report object with Report_Header and Report_Items",
                       value=_shorten(json.dumps(doc)))


def _sushi_exceptions(node) -> list[dict]:
    if isinstance(node, list):
        return [e for item in node for e in _sushi_exceptions(item)]
    if not isinstance(node, dict):
        return []
    if _get(node, "Code") is not None and (_get(node, "Message") or _get(node, "Severity")):
        return [node]
    return _sushi_exceptions(_get(node, "Exception") or _get(node, "Exceptions") or [])


def _describe_exceptions(exceptions: list[dict]) -> str:
    parts = []
    for e in exceptions:
        severity = f" ({_get(e, 'Severity')})" if _get(e, "Severity") else ""
        data = f" [{_get(e, 'Data')}]" if _get(e, "Data") else ""
        code = f" {_get(e, 'Code')}" if _get(e, "Code") is not None else ""
        parts.append(f"SUSHI exception{code}{severity}: {_get(e, 'Message')}{data}")
    return "; ".join(parts)


def _get(obj, key: str):
    """Key lookup tolerant of case/spacing drift ("Report_Id", "report id")."""
    if not isinstance(obj, dict):
        return None
    if key in obj:
        return obj[key]
    wanted = _norm(key)
    return next((v for k, v in obj.items() if isinstance(k, str) and _norm(k) == wanted), None)


def _json_meta(header: dict, items: list, exceptions: list[dict], notes: list[Note]) -> dict:
    filters = _json_filters(_get(header, "Report_Filters"))
    platform = _get(header, "Platform") or filters.get("platform")
    metric_filter = filters.get("metric_type")
    meta = {
        "report_name": str(_get(header, "Report_Name") or ""),
        "institution_name": _get(header, "Institution_Name") or None,
        "platform": platform if isinstance(platform, str) and "|" not in platform else None,
        "exceptions": _describe_exceptions(exceptions),
        "exception_list": exceptions,
        "metric_types": _metric_list("|".join(metric_filter) if isinstance(metric_filter, list)
                                     else str(metric_filter or "")),
        "begin": None, "end": None, "notes": notes, "inferred": False,
    }
    missing = [key for key in ("Report_ID", "Release") if _get(header, key) in (None, "")]
    if missing and exceptions and not items:
        # The SUSHI server answered with exceptions (1030 Insufficient Information, 2090, ...).
        raise CounterError("the SUSHI server returned exception(s) and no report",
                           rules.exception_hint(_get(exceptions[0], "Code")), column="Report_Header",
                           value=_describe_exceptions(exceptions))
    if missing and items:
        meta.update(_infer_json_type(items))
    elif missing:
        key = missing[0]
        raise CounterError(f"the Report_Header has no {key}", f"Report_Header.{key}",
                           column=f"Report_Header.{key}")
    else:
        meta["report_id"] = _report_id(None, str(_get(header, "Report_ID")), column="Report_Header.Report_ID")
        meta["release"] = _release(None, str(_get(header, "Release")), column="Report_Header.Release")
    try:
        if filters.get("begin_date") and filters.get("end_date"):
            meta["begin"] = _date(filters["begin_date"])
            meta["end"] = _date(filters["end_date"], end=True)
    except ValueError:
        raise CounterError("Begin_Date/End_Date in Report_Filters cannot be read", "YYYY-MM-DD dates",
                           column="Report_Header.Report_Filters",
                           value=f"{filters.get('begin_date')} .. {filters.get('end_date')}") from None
    return meta


def _infer_json_type(items: list) -> dict:
    """An empty Report_Header: the master report of the family the items' name key says
    (Database: DR, Title: TR, Item: IR, none: PR), the release from the layout (5.0 Performance
    lists of Period/Instance, 5.1 Attribute_Performance)."""
    first = next((i for i in items if isinstance(i, dict)), {})
    keys = {_norm(k) for k in first}
    family = next((f for col, f in rules.FAMILY_BY_TITLE.items() if col in keys), "PR")
    if "attribute_performance" in keys or ("items" in keys and family == "IR"):
        release = "5.1"
    elif "performance" in keys:
        release = "5.0"
    else:
        raise CounterError("the Report_Header is empty and the items do not show the COUNTER release",
                           "Report_Header.Report_ID and Report_Header.Release", column="Report_Header")
    return {"report_id": family, "release": release, "inferred": True, "infer_line": None,
            "infer_columns": ", ".join(sorted(first)) if first else None}


def _json_filters(filters) -> dict:
    if isinstance(filters, list):  # R5.0: [{"Name": ..., "Value": ...}]
        return {_norm(str(_get(f, "Name"))): _get(f, "Value") for f in filters if isinstance(f, dict)}
    if isinstance(filters, dict):  # R5.1: {"Begin_Date": ..., "Data_Type": [...]}
        return {_norm(k): (v[0] if isinstance(v, list) and len(v) == 1 else v)
                for k, v in filters.items()}
    return {}


def _json_item_records(item, path: str, meta: dict):
    if not isinstance(item, dict):
        raise CounterError("a report item is not an object", "a JSON object", column=path,
                           value=_shorten(json.dumps(item)))
    if _get(item, "Items") is not None and _get(item, "Attribute_Performance") is None:
        # R5.1 IR: usage sits on the items nested under their parent.
        return [r for j, child in enumerate(_as_list(_get(item, "Items"), f"{path}.Items"))
                for r in _json_item_records(child, f"{path}.Items[{j}]", meta)]
    title_key = TITLE_FIELD[meta["report_id"][:2]]
    title = _get(item, title_key) if title_key else None
    if title_key and not title:
        raise CounterError(f"the report item has no {title_key}",
                           f"a {title_key} on every item of a {meta['report_id']} report",
                           column=f"{path}.{title_key}")
    base = {
        "platform": _get(item, "Platform") or meta["platform"],
        "title": title,
        **{a: _get(item, a) for a in ATTRIBUTES},
    }
    if _get(item, "Attribute_Performance") is not None:
        return _r51_records(_get(item, "Attribute_Performance"), base,
                            f"{path}.Attribute_Performance", meta)
    if _get(item, "Performance") is not None:
        return _r50_records(_get(item, "Performance"), base, f"{path}.Performance", meta)
    raise CounterError("a report item has no Performance / Attribute_Performance",
                       "usage counts on every report item", column=path)


def _r50_records(performance, base: dict, path: str, meta: dict):
    records = []
    for p, perf in enumerate(_as_list(performance, path)):
        month = _period_month(_get(perf, "Period"), f"{path}[{p}].Period", meta)
        for k, inst in enumerate(_as_list(_get(perf, "Instance"), f"{path}[{p}].Instance")):
            where = f"{path}[{p}].Instance[{k}]"
            metric = _metric_type(str(_get(inst, "Metric_Type") or ""), column=f"{where}.Metric_Type",
                                  meta=meta)
            if metric is None:
                continue
            _json_fits(meta, base, metric, where)
            count = _count(_get(inst, "Count"), column=f"{where}.Count")
            records.append(_record(base, metric, month, count))
    return records


def _r51_records(attribute_performance, base: dict, path: str, meta: dict):
    records = []
    for a, group in enumerate(_as_list(attribute_performance, path)):
        attrs = {**base, **{k: _get(group, k) for k in ATTRIBUTES if _get(group, k) is not None}}
        performance = _get(group, "Performance")
        if not isinstance(performance, dict):
            raise CounterError("Performance is not an object of metric -> month -> count",
                               "{'Total_Item_Requests': {'2022-01': 5, ...}, ...}",
                               column=f"{path}[{a}].Performance")
        for metric_name, months in performance.items():
            where = f"{path}[{a}].Performance.{metric_name}"
            metric = _metric_type(metric_name, column=where, meta=meta)
            if metric is None:
                continue
            _json_fits(meta, attrs, metric, where)
            for key, value in _as_dict(months, where).items():
                month = _json_month(key, f"{where}.{key}", meta)
                records.append(_record(attrs, metric, month, _count(value, column=f"{where}.{key}")))
    return records


def _json_fits(meta, attrs, metric, where):
    _check_fits_type(meta, metric, attrs.get("Data_Type"), metric_column=where,
                     data_type_column=where.rsplit(".Performance", 1)[0] + ".Data_Type")


def _record(attrs: dict, metric: str, month: dt.date, count: int) -> tuple:
    return (attrs["platform"], attrs["title"], *(attrs[a] for a in ATTRIBUTES), metric, month, count)


def _as_list(value, path):
    if not isinstance(value, list):
        raise CounterError("expected a list here", "a JSON list", column=path,
                           value=_shorten(json.dumps(value)))
    return value


def _as_dict(value, path):
    if not isinstance(value, dict):
        raise CounterError("expected month-keyed counts here", "{'2022-01': 5, ...}",
                           column=path, value=_shorten(json.dumps(value)))
    return value


def _period_month(period, path: str, meta: dict) -> dt.date:
    try:
        begin, end = _date(str(_get(period, "Begin_Date"))), _date(str(_get(period, "End_Date")))
    except ValueError:
        raise CounterError("the Period cannot be read", "Begin_Date/End_Date as YYYY-MM-DD",
                           column=path, value=_shorten(json.dumps(period))) from None
    if begin.day != 1 or end != _month_end(begin):
        raise CounterError("the Period is not one calendar month (Granularity=Totals?)",
                           "monthly periods such as 2016-01-01 .. 2016-01-31", column=path,
                           value=f"{begin} .. {end}")
    _check_in_period(begin, meta, column=path)
    return begin


def _json_month(key: str, path: str, meta: dict) -> dt.date:
    month = _month(key)
    if month is None:
        raise CounterError("a Performance key is not a month", "a month key such as 2022-01",
                           column=path, value=key)
    _check_in_period(month, meta, column=path)
    return month


# ---------------------------------------------------------------- values


def _report_id(line, text: str, column="Report_ID") -> str:
    value = re.sub(r"[\s\-]+", "_", text.strip().upper())
    value = re.sub(r"^(PR|DR|TR|IR)([A-Z]\d)$", r"\1_\2", value)  # "TRJ1" -> "TR_J1"
    if value not in REPORT_IDS:
        r4 = value.replace("_", "") in rules.R4_REPORTS
        problem = (f"unknown report id ({text.strip()} is a COUNTER Release 4 report; Release 4 is not supported)"
                   if r4 else "unknown report id")
        expected = "one of " + ", ".join(REPORT_IDS)
        if r4:
            expected += "; " + rules.r4_expected(value.replace("_", ""))
        raise CounterError(problem, expected, line=line, column=column, value=text)
    return value


def _release(line, text: str, column="Release") -> str:
    value = text.strip().upper().lstrip("R")
    if re.fullmatch(r"5(\.0(\.\d+)*)?", value):
        return "5.0"
    if re.fullmatch(r"5\.1(\.\d+)*", value):
        return "5.1"
    if re.fullmatch(r"[1-4](\.\d+)*", value):
        raise CounterError(f"this is a COUNTER Release {value} report; only Release 5 (5.0, 5.1) is supported",
                           rules.r4_expected(None), line=line, column=column, value=text)
    raise CounterError("unsupported COUNTER release", "5, 5.0 or 5.1", line=line,
                       column=column, value=text)


def _metric_type(text: str, *, line=None, column=None, meta=None) -> str | None:
    """The standard metric; None for a vendor's own namespaced metric ('ebsco:Full_Text'), which
    is skipped with a note (meta given) since the dashboard only knows COUNTER's metrics."""
    wanted = _norm(text)
    for metric in METRIC_TYPES:
        if _norm(metric) == wanted:
            return metric
    if meta is not None and re.fullmatch(r"\s*[A-Za-z][\w.-]*:\S.*", text or ""):
        skipped = meta.setdefault("vendor_metrics", {})
        if text.strip() not in skipped:
            skipped[text.strip()] = (line, column)
        return None
    raise CounterError("unknown or missing Metric_Type", "one of " + ", ".join(METRIC_TYPES),
                       line=line, column=column, value=text)


def _count(value, *, line=None, column=None) -> int:
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    text = "" if value is None else str(value).strip()
    if re.fullmatch(r"\d+|\d{1,3}(,\d{3})+", text):  # thousands separators from re-saved sheets
        return int(text.replace(",", ""))
    if re.fullmatch(r"-\s*\d+(\.\d*)?", text):
        problem = "negative count"
    else:
        problem = "not a whole-number count" if text else "empty count cell"
    raise CounterError(problem, "a whole number >= 0", line=line, column=column, value=text)


def _month(text: str) -> dt.date | None:
    for fmt in MONTH_FORMATS:
        try:
            parsed = dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
        return parsed if parsed.day == 1 else None
    return None


def _date(text: str, end: bool = False) -> dt.date:
    text = text.strip()[:10]
    if re.fullmatch(r"\d{4}-\d{2}", text):
        first = dt.datetime.strptime(text, "%Y-%m").date()
        return _month_end(first) if end else first
    return dt.date.fromisoformat(text)


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _check_in_period(month: dt.date, meta: dict, *, line=None, column=None):
    begin, end = meta["begin"], meta["end"]
    if begin and end and not (begin.replace(day=1) <= month <= end):
        raise CounterError("a month lies outside the Reporting_Period",
                           f"a month between {begin} and {end}", line=line, column=column,
                           value=month.strftime("%b-%Y"))


def _shorten(text, limit: int = 120) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------- result


def _no_usage(meta: dict, line=None, months=()) -> CounterReport:
    """A report with no usage rows. Its platform had no use in its period when it says so (SUSHI
    3030 No Usage Available) or says nothing (header only): recorded as zeros for its period and
    metrics. Any other exception is refused with its code, severity and message."""
    exceptions = meta.get("exception_list") or _text_exceptions(meta["exceptions"])
    blocking = [e for e in exceptions if not rules.is_no_usage_exception(e, _get)]
    if blocking:
        raise CounterError("the report has no usage rows; the SUSHI response reports exception(s)",
                           rules.exception_hint(_get(blocking[0], "Code")), line=line,
                           value=_describe_exceptions(exceptions))
    if not meta["begin"] and months:
        meta["begin"], meta["end"] = min(months), _month_end(max(months))
    if not meta["begin"]:
        raise CounterError("the report has no usage rows and no Reporting_Period, so the months with no use "
                           "are unknown", "at least one usage row, or a Reporting_Period (Begin_Date, End_Date)",
                           line=line)
    if meta["release"] is None:
        raise CounterError("the report has no usage rows and no header, so its type and release are unknown",
                           "the report with its COUNTER header block", line=line)
    metrics = tuple(m for m in meta["metric_types"] if m in rules.ALLOWED_METRICS[meta["report_id"]]) \
        or rules.NO_USAGE_METRICS[meta["report_id"]]
    month, last, zeros = meta["begin"].replace(day=1), meta["end"], []
    while month <= last:
        zeros += [(meta["platform"] or None, None, None, None, None, metric, month, 0) for metric in metrics]
        month = _month_end(month) + dt.timedelta(days=1)
    why = _describe_exceptions(exceptions) if exceptions else "the report has a header and no usage rows"
    meta["notes"].append(Note(f"no usage: recorded as 0 for {', '.join(metrics)} in every month of "
                              f"{meta['begin']:%b %Y} - {meta['end']:%b %Y} ({why})", "usage rows", line=line))
    return _report(meta, zeros, no_usage=True)


def _text_exceptions(text: str) -> list[dict]:
    """Exceptions of a tabular header: '3030: No Usage Available for Requested Dates; 3040: ...'."""
    found = []
    for part in re.split(r";\s*(?=\d{4}\b)", text or ""):
        m = re.match(r"\s*(\d{4})\s*[:\-]?\s*(.*)", part)
        if m:
            found.append({"Code": m.group(1), "Message": m.group(2).strip()})
        elif part.strip():
            found.append({"Code": None, "Message": part.strip()})
    return found


def _report(meta: dict, records: list[tuple], no_usage: bool = False) -> CounterReport:
    rows = pd.DataFrame(
        [(meta["report_id"], meta["release"], *r) for r in records if r[-1] or no_usage],
        columns=COLUMNS, dtype=object,
    )
    rows = rows.astype({"count": "int64"})
    months = sorted({r[-2] for r in records})
    platforms = {r[0] for r in records}
    notes = meta["notes"]
    for metric, (line, column) in meta.get("vendor_metrics", {}).items():
        notes.append(Note("a vendor's own metric (not a COUNTER metric) was skipped", "a COUNTER metric such as "
                          "Total_Item_Requests", line=line, column=column, value=metric))
    if meta.get("inferred"):
        notes.append(Note(f"the report type ({meta['report_id']}, release {meta['release']}) was inferred from "
                          "the columns: the file has no COUNTER header", "a COUNTER header block with Report_ID "
                          "and Release", line=meta.get("infer_line"), value=meta.get("infer_columns")))
    if meta["exceptions"] and not no_usage:
        notes.append(Note("the report's header lists exception(s); the usage rows were loaded", "no exceptions",
                          value=meta["exceptions"]))
    return CounterReport(
        report_id=meta["report_id"],
        release=meta["release"],
        report_name=meta["report_name"],
        # No header field names the platform; a single-platform report is still about one.
        platform=meta["platform"] or (platforms.pop() if len(platforms) == 1 else None),
        institution_name=meta["institution_name"],
        begin_date=meta["begin"] or (months[0] if months else None),
        end_date=meta["end"] or (_month_end(months[-1]) if months else None),
        rows=rows,
        warnings=notes,
        no_usage=no_usage,
    )
