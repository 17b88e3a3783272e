"""COUNTER R5 vocabulary and values shared by the tabular (ingest.counter) and SUSHI JSON
(ingest.counter_json) readers: the error and report types, counts, months, report ids and
releases, the checks of what a report type may hold, and the report built from the records."""
from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from dataclasses import dataclass, field

import pandas as pd

from ingest import counter_rules as rules

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


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _metric_list(text: str) -> tuple[str, ...]:
    found = []
    for part in re.split(r"[;|,]", text or ""):
        wanted = _norm(part)
        found += [m for m in METRIC_TYPES if wanted and _norm(m) == wanted]
    return tuple(found)


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


def _get(obj, key: str):
    """Key lookup tolerant of case/spacing drift ("Report_Id", "report id")."""
    if not isinstance(obj, dict):
        return None
    if key in obj:
        return obj[key]
    wanted = _norm(key)
    return next((v for k, v in obj.items() if isinstance(k, str) and _norm(k) == wanted), None)


def _describe_exceptions(exceptions: list[dict]) -> str:
    parts = []
    for e in exceptions:
        severity = f" ({_get(e, 'Severity')})" if _get(e, "Severity") else ""
        data = f" [{_get(e, 'Data')}]" if _get(e, "Data") else ""
        code = f" {_get(e, 'Code')}" if _get(e, "Code") is not None else ""
        parts.append(f"SUSHI exception{code}{severity}: {_get(e, 'Message')}{data}")
    return "; ".join(parts)


def _sushi_exceptions(node) -> list[dict]:
    if isinstance(node, list):
        return [e for item in node for e in _sushi_exceptions(item)]
    if not isinstance(node, dict):
        return []
    if _get(node, "Code") is not None and (_get(node, "Message") or _get(node, "Severity")):
        return [node]
    return _sushi_exceptions(_get(node, "Exception") or _get(node, "Exceptions") or [])


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
