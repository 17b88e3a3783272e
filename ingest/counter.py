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
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

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


def read_counter_report(path: str | Path) -> CounterReport:
    path = Path(path)
    unit = "line"
    try:
        data = path.read_bytes()
        if not data:
            raise CounterError("the file is empty (0 bytes)",
                               "a COUNTER R5 report (TSV, CSV, XLSX or SUSHI JSON)")
        if data.startswith(b"PK\x03\x04"):
            unit = "row"
            return _read_tabular(_xlsx_rows(path))
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise CounterError("this is a legacy Excel .xls workbook",
                               "the report saved as XLSX, TSV, CSV or JSON")
        text = _decode(data)
        if not text.strip():
            raise CounterError("the file contains only blank lines",
                               "a COUNTER R5 report header starting with Report_Name")
        if text.lstrip()[:1] in ("{", "["):
            unit = "json"
            return _read_json(text)
        return _read_tabular(_text_rows(text))
    except CounterError as err:
        err.file, err.unit = str(path), unit
        raise


# ---------------------------------------------------------------- raw cells


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel "Unicode text" export
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


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


def _read_tabular(rows: list[tuple[int, list[str]]]) -> CounterReport:
    if not any(_nonblank(cells) for _, cells in rows):
        raise CounterError("the file contains only blank lines",
                           "a COUNTER R5 report header starting with Report_Name")
    h = _column_header_index(rows)
    meta = _tabular_meta(rows[:h], rows[h][0])
    layout = _column_layout(*rows[h], meta)
    data = [(line, cells) for line, cells in rows[h + 1:]
            if _nonblank(cells) and not TOTALS_ROW.fullmatch(_nonblank(cells)[0])]
    if not data:
        _raise_empty(meta, line=rows[h][0])
    records = [r for line, cells in data for r in _row_records(line, cells, layout, meta)]
    return _report(meta, records)


def _nonblank(cells: list[str]) -> list[str]:
    return [c for c in cells if c]


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


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


def _tabular_meta(header_rows, header_line: int) -> dict:
    fields = {}
    for line, cells in header_rows:
        if cells and _norm(cells[0]) in HEADER_KEYS:
            fields[_norm(cells[0])] = (line, cells[1] if len(cells) > 1 else "")
    for key, label in (("report_id", "Report_ID"), ("release", "Release")):
        if key not in fields:
            raise CounterError(f"the header block has no {label} row (truncated or not COUNTER?)",
                               f"a '{label}' row in the header above the column headers",
                               line=header_line)

    def value(key):
        return fields.get(key, (None, ""))[1]

    meta = {
        "report_id": _report_id(*fields["report_id"]),
        "release": _release(*fields["release"]),
        "report_name": value("report_name"),
        "institution_name": value("institution_name") or None,
        "platform": value("platform") or _text_filters(value("report_filters")).get("platform"),
        "exceptions": value("exceptions"),
        "begin": None, "end": None,
    }
    if "reporting_period" in fields:
        meta["begin"], meta["end"] = _reporting_period(*fields["reporting_period"])
    return meta


def _text_filters(text: str) -> dict:
    pairs = (part.split("=", 1) for part in text.split(";") if "=" in part)
    return {_norm(k): v.strip() for k, v in pairs}


def _reporting_period(line: int, text: str):
    found = _text_filters(text)
    try:
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
    return {"index": index, "title": title and title.lower(), "months": months, "cells": cells}


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
        i = index.get(name)
        return cells[i] if i is not None and i < len(cells) and cells[i] else None

    metric = _metric_type(cell("metric_type") or "", line=line, column=header[index["metric_type"]])
    title = cell(layout["title"]) if layout["title"] else None
    if layout["title"] and not title:
        # Usually an unlabelled totals row: counting it would double the usage.
        raise CounterError("the item name is empty", "the name of the database/title/item "
                           "(label a totals row 'Total')", line=line,
                           column=header[index[layout["title"]]])
    base = (cell("platform") or meta["platform"], title,
            cell("data_type"), cell("access_type"), cell("access_method"), metric)
    counts = [(month, _row_count(line, cells, i, header[i])) for i, month in layout["months"]]
    _check_row_total(line, cells, index, header, sum(c for _, c in counts))
    return [(*base, month, count) for month, count in counts if count]


def _row_count(line: int, cells: list[str], i: int, column: str) -> int:
    if i >= len(cells):
        raise CounterError(f"the row is cut short after {len(cells)} cells (truncated?)",
                           "a count in every month column", line=line, column=column)
    return _count(cells[i], line=line, column=column)


def _check_row_total(line, cells, index, header, month_sum):
    i = index.get("reporting_period_total")
    if i is None or i >= len(cells) or not cells[i]:
        return
    total = _count(cells[i], line=line, column=header[i])
    if total != month_sum:
        raise CounterError("Reporting_Period_Total differs from the sum of the month columns",
                           f"{month_sum} (the sum of the months)", line=line, column=header[i],
                           value=cells[i])


# ---------------------------------------------------------------- SUSHI JSON


def _read_json(text: str) -> CounterReport:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CounterError(f"the JSON cannot be parsed ({exc.msg}; truncated?)",
                           "a complete SUSHI JSON report", line=exc.lineno,
                           column=f"character {exc.colno}") from None
    doc = _json_report_object(doc)
    header = _get(doc, "Report_Header")
    meta = _json_meta(header)
    items = _get(doc, "Report_Items") or []
    if not isinstance(items, list):
        raise CounterError("Report_Items is not a list", "a list of report items",
                           column="Report_Items", value=type(items).__name__)
    records = []
    for i, item in enumerate(items):
        records.extend(_json_item_records(item, f"Report_Items[{i}]", meta))
    if not records:
        _raise_empty(meta)
    return _report(meta, records)


def _json_report_object(doc):
    if isinstance(doc, list) and len(doc) == 1 and isinstance(doc[0], dict) \
            and _get(doc[0], "Report_Header") is not None:
        doc = doc[0]
    if isinstance(doc, dict) and isinstance(_get(doc, "Report_Header"), dict):
        return doc
    exceptions = _sushi_exceptions(doc)
    if exceptions:
        raise CounterError("the SUSHI server returned an exception instead of a report",
                           "a report with Report_Header and Report_Items",
                           value=_describe_exceptions(exceptions))
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
        parts.append(f"SUSHI exception {_get(e, 'Code')}{severity}: {_get(e, 'Message')}{data}")
    return "; ".join(parts)


def _get(obj, key: str):
    """Key lookup tolerant of case/spacing drift ("Report_Id", "report id")."""
    if not isinstance(obj, dict):
        return None
    if key in obj:
        return obj[key]
    wanted = _norm(key)
    return next((v for k, v in obj.items() if isinstance(k, str) and _norm(k) == wanted), None)


def _json_meta(header: dict) -> dict:
    for key in ("Report_ID", "Release"):
        if _get(header, key) in (None, ""):
            raise CounterError(f"the Report_Header has no {key}", f"Report_Header.{key}",
                               column=f"Report_Header.{key}")
    filters = _json_filters(_get(header, "Report_Filters"))
    platform = _get(header, "Platform") or filters.get("platform")
    meta = {
        "report_id": _report_id(None, str(_get(header, "Report_ID")), column="Report_Header.Report_ID"),
        "release": _release(None, str(_get(header, "Release")), column="Report_Header.Release"),
        "report_name": str(_get(header, "Report_Name") or ""),
        "institution_name": _get(header, "Institution_Name") or None,
        "platform": platform if isinstance(platform, str) and "|" not in platform else None,
        "exceptions": _describe_exceptions(_sushi_exceptions(_get(header, "Exceptions") or [])),
        "begin": None, "end": None,
    }
    try:
        if filters.get("begin_date") and filters.get("end_date"):
            meta["begin"] = _date(filters["begin_date"])
            meta["end"] = _date(filters["end_date"], end=True)
    except ValueError:
        raise CounterError("Begin_Date/End_Date in Report_Filters cannot be read", "YYYY-MM-DD dates",
                           column="Report_Header.Report_Filters",
                           value=f"{filters.get('begin_date')} .. {filters.get('end_date')}") from None
    return meta


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
            metric = _metric_type(str(_get(inst, "Metric_Type") or ""), column=f"{where}.Metric_Type")
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
            metric = _metric_type(metric_name, column=where)
            for key, value in _as_dict(months, where).items():
                month = _json_month(key, f"{where}.{key}", meta)
                records.append(_record(attrs, metric, month, _count(value, column=f"{where}.{key}")))
    return records


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
        raise CounterError("unknown report id", "one of " + ", ".join(REPORT_IDS),
                           line=line, column=column, value=text)
    return value


def _release(line, text: str, column="Release") -> str:
    value = text.strip().upper().lstrip("R")
    if re.fullmatch(r"5(\.0(\.\d+)*)?", value):
        return "5.0"
    if re.fullmatch(r"5\.1(\.\d+)*", value):
        return "5.1"
    raise CounterError("unsupported COUNTER release", "5, 5.0 or 5.1", line=line,
                       column=column, value=text)


def _metric_type(text: str, *, line=None, column=None) -> str:
    wanted = _norm(text)
    for metric in METRIC_TYPES:
        if _norm(metric) == wanted:
            return metric
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


def _raise_empty(meta: dict, line=None):
    if meta["exceptions"]:
        raise CounterError("the report has no usage rows; its header reports exceptions",
                           "at least one usage row", line=line, value=meta["exceptions"])
    raise CounterError("the report has no usage rows (header only)", "at least one usage row",
                       line=line)


def _report(meta: dict, records: list[tuple]) -> CounterReport:
    rows = pd.DataFrame(
        [(meta["report_id"], meta["release"], *r) for r in records if r[-1]],
        columns=COLUMNS, dtype=object,
    )
    rows = rows.astype({"count": "int64"})
    months = sorted({r[-2] for r in records})
    platforms = {r[0] for r in records}
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
    )
