"""SUSHI JSON (COUNTER R5.0 and R5.1) into the long records of ingest.counter: report objects,
SUSHI exceptions beside or instead of them, a response saved as a JSON string, and the two
releases' layouts (5.0 Performance/Period/Instance, 5.1 Attribute_Performance)."""
from __future__ import annotations

import datetime as dt
import json

from ingest import counter_rules as rules
from ingest.counter_values import (ATTRIBUTES, TITLE_FIELD, CounterError, CounterReport, Note, _check_fits_type,
                                   _check_in_period, _count, _date, _describe_exceptions, _get, _metric_list,
                                   _metric_type, _month, _month_end, _no_usage, _norm, _release, _report,
                                   _report_id, _shorten, _sushi_exceptions)

MAX_JSON_DEPTH = 64  # a SUSHI report nests about 8 levels; far deeper is not a report


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
    if not records:  # empty Report_Items (3030 No Usage Available), or items with no COUNTER usage
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
