"""Read COUNTER Release 5.0 / 5.1 usage reports (TSV, CSV, XLSX, SUSHI JSON) into one long table.

Forgiving about form (encodings, header-name drift, padding, totals rows, extra columns),
strict about meaning (counts, months, metric types, report ids): anything that cannot be read
raises CounterError saying where and why.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pandas as pd

from ingest import counter_rules as rules
from ingest import xlsx_limits, xlsx_sheet
from ingest.counter_json import _read_json
from ingest.counter_values import (COLUMNS, HEADER_KEYS, METRIC_TYPES, REPORT_IDS, TITLE_FIELD, CounterError,
                                   CounterReport, Note, _check_fits_type, _check_in_period, _count, _date,
                                   _metric_list, _metric_type, _month, _no_usage, _norm, _release, _report,
                                   _report_id, _shorten)
from ingest.problems import ValidationError
from ingest.reading import ENCODING_NAMES, decode_bytes

__all__ = ["COLUMNS", "METRIC_TYPES", "REPORT_IDS", "CounterError", "CounterReport", "Note", "read_counter_report"]

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
    try:   # limits first, then parsed in a child with a memory cap, as every workbook
        xlsx_limits.check(path, path.name)
        rows = xlsx_sheet.first_sheet(path, path.name, cell="ingest.counter:_cell_text")
    except ValidationError as err:
        raise CounterError(err.problems[0].problem, err.problems[0].expected) from None
    return [(i + 1, row) for i, row in enumerate(rows)]


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
    records = []
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
        summary.add(row)
        records.extend(row)
    summary.note()
    if layout["empty_cells"]:
        first, n = layout["empty_cells"][0], len(layout["empty_cells"])
        meta["notes"].append(Note(f"{n} empty month cell(s) read as 0: each row's Reporting_Period_Total "
                                  "equals its months with empty as 0", "a count in every month column",
                                  line=first[0], column=first[1]))
    if not records:  # header only, or rows of zeros / vendor metrics only: no use of COUNTER metrics
        return _no_usage(meta, line=rows[h][0], months=[m for _, m in layout["months"]])
    return _report(meta, records)


def _nonblank(cells: list[str]) -> list[str]:
    return [c for c in cells if c]


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


# ---------------------------------------------------------------- SUSHI JSON


# ---------------------------------------------------------------- values


# ---------------------------------------------------------------- result


