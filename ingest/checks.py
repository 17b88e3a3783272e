"""Type and check the staged rows: src (VARCHAR) -> typed, with every bad cell in table errs.

errs(line, column, value, problem, expected) collects all problems of a file in DuckDB, so a
ten-million-row file with a bad column yields a short report (problems() caps the listing) and
--allow-partial knows exactly which lines to quarantine.
"""
from __future__ import annotations

import duckdb

from ingest.layouts import Column, Layout
from ingest.problems import PER_PROBLEM_LIMIT, Problem

DATE_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%Y/%m/%d", "%m/%d/%y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
TIMESTAMP_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S.%f",
                     "%Y-%m-%d %H:%M:%S.%f", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p",
                     "%m/%d/%Y %I:%M:%S %p", "%Y-%m-%d", "%m/%d/%Y"]
MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d", "%b-%Y", "%b %Y", "%B %Y", "%B-%Y", "%m/%Y", "%b-%y", "%Y%m"]
# ISO 8601 periods some ILS exports use for aggregate counts: 2023-04-01/P1M, 2023-04/P3M,
# 2023-04-01/2023-06-30. Only one calendar month is a month; longer periods are refused (one
# problem per line): a quarter or a year is not three or twelve months unless the file says so.
ISO_PERIOD = r"^\s*[0-9]{4}-[0-9]{2}(-[0-9]{2})?\s*/\s*(P[0-9A-Z]+|[0-9]{4}-[0-9]{2}-[0-9]{2})\s*$"
ISO_MONTH = (r"^\s*([0-9]{4}-[0-9]{2})(-01)?\s*/\s*P1M\s*$")
ISO_MONTH_INTERVAL = r"^\s*([0-9]{4}-[0-9]{2})-01\s*/\s*([0-9]{4}-[0-9]{2}-[0-9]{2})\s*$"
EARLIEST = "1990-01-01"  # no card program or ILS export predates this: an older date is a typo

EXPECTED = {
    "int": "a whole number",
    "count": "a whole number >= 0",
    "grade": "K (or 0) to 12",
    "date": "a date such as 2015-09-08 (YYYY-MM-DD or MM/DD/YYYY)",
    "timestamp": "a date and time such as 2015-10-01 14:05:00",
    "month": "a month such as 2015-10 or Oct-2015",
    "school_year": "a school year such as 2015-16",
    "bool": "yes or no",
}
PROBLEM = {
    "int": "not a whole number", "count": "not a whole number", "grade": "not a grade",
    "date": "not a valid date", "timestamp": "not a valid date and time", "month": "not a month",
    "school_year": "not a school year", "bool": "not yes or no", "choice": "unknown value",
}
NORM_SQL = "trim(regexp_replace(lower({v}), '[^a-z0-9]+', '_', 'g'), '_')"


def _number(v: str) -> str:
    s = f"replace({v}, ',', '')"
    return f"CASE WHEN regexp_full_match({s}, '-?[0-9]+(\\.0*)?') THEN CAST(split_part({s}, '.', 1) AS BIGINT) END"


def parse_sql(col: Column) -> str:
    v = f'"{col.name}"'
    t = col.type
    if t in ("text", "id"):
        return v
    if t in ("int", "count"):
        return _number(v)
    if t == "grade":
        stripped = f"regexp_replace({v}, '^(grade|gr\\.?)\\s*', '', 'i')"
        return (f"CASE WHEN upper({stripped}) IN ('K', 'KG', 'KN', 'KINDERGARTEN') THEN 0 "
                f"ELSE {_number(stripped)} END")
    if t == "date":
        return f"CAST(try_strptime({v}, $date_formats) AS DATE)"
    if t == "timestamp":
        return f"try_strptime({v}, $timestamp_formats)"
    if t == "month":
        start = f"CAST(try_strptime(regexp_extract({v}, '{ISO_MONTH_INTERVAL}', 1), '%Y-%m') AS DATE)"
        interval_end = f"try_cast(regexp_extract({v}, '{ISO_MONTH_INTERVAL}', 2) AS DATE)"
        return (f"CASE WHEN regexp_full_match({v}, '{ISO_MONTH}') "
                f"THEN CAST(try_strptime(regexp_extract({v}, '{ISO_MONTH}', 1), '%Y-%m') AS DATE) "
                f"WHEN regexp_full_match({v}, '{ISO_MONTH_INTERVAL}') AND {interval_end} = last_day({start}) "
                f"THEN {start} "
                f"WHEN regexp_full_match({v}, '{ISO_PERIOD}') THEN NULL "
                f"ELSE CAST(date_trunc('month', try_strptime({v}, $month_formats)) AS DATE) END")
    if t == "school_year":
        m = f"regexp_extract({v}, '^(?:SY\\s*)?([0-9]{{4}})\\s*[-/–]\\s*([0-9]{{2}}|[0-9]{{4}})$', ['a', 'b'])"
        return (f"CASE WHEN {m}.a <> '' AND right(CAST(CAST({m}.a AS INTEGER) + 1 AS VARCHAR), length({m}.b)) "
                f"= {m}.b THEN {m}.a || '-' || right(CAST(CAST({m}.a AS INTEGER) + 1 AS VARCHAR), 2) END")
    if t == "bool":
        n = NORM_SQL.format(v=v)
        return (f"CASE WHEN {n} IN ('yes', 'y', 'true', 't', '1', 'x') THEN TRUE "
                f"WHEN {n} IN ('no', 'n', 'false', 'f', '0') THEN FALSE END")
    if t == "choice":
        return f"(SELECT c.value FROM choice c WHERE c.col = '{col.name}' AND c.spelling = {NORM_SQL.format(v=v)})"
    raise ValueError(f"unknown column type {t}")


def range_checks(col: Column) -> list[tuple[str, str, str]]:
    """(condition on the parsed value {p}, problem, expected) beyond 'could not parse'."""
    if col.type == "count":
        return [("{p} < 0", "negative count", "a whole number >= 0")]
    if col.type == "grade":
        return [("{p} NOT BETWEEN 0 AND 12", "grade out of range", "K (or 0) to 12")]
    if col.type in ("date", "timestamp", "month"):
        return [(f"{{p}} < DATE '{EARLIEST}' OR {{p}} > current_date + INTERVAL 366 DAY", "impossible date",
                 f"a date between {EARLIEST[:4]} and next year")]
    return []


def type_rows(con: duckdb.DuckDBPyConnection, layout: Layout) -> None:
    """src -> typed (parsed columns plus <name>__raw), and errs with every bad cell."""
    con.execute("CREATE OR REPLACE TEMP TABLE choice (col VARCHAR, spelling VARCHAR, value VARCHAR)")
    rows = [[c.name, k, v] for c in layout.columns if c.choices for k, v in c.choices.items()]
    if rows:
        con.executemany("INSERT INTO choice VALUES (?, ?, ?)", rows)
    params = {"date_formats": DATE_FORMATS, "timestamp_formats": TIMESTAMP_FORMATS, "month_formats": MONTH_FORMATS}
    used = {k: v for k, v in params.items()
            if any(c.type == k.removesuffix("_formats") for c in layout.columns)}
    select = ", ".join(f'{parse_sql(c)} AS "{c.name}", "{c.name}" AS "{c.name}__raw"' for c in layout.columns)
    con.execute(f"CREATE OR REPLACE TABLE typed AS SELECT line, {select} FROM src", used)
    con.execute("CREATE OR REPLACE TABLE errs (line BIGINT, \"column\" VARCHAR, value VARCHAR, "
                "problem VARCHAR, expected VARCHAR)")
    for c in layout.columns:
        raw, p = f'"{c.name}__raw"', f'"{c.name}"'
        if c.required:
            add_errors(con, f"SELECT line, ?, NULL, 'missing value', ? FROM typed WHERE {raw} IS NULL",
                       [c.name, "a value: this column is required"])
        not_period = ""
        if c.type == "month":
            add_errors(con, f"SELECT line, ?, {raw}, ?, ? FROM typed WHERE {p} IS NULL AND "
                            f"regexp_full_match({raw}, '{ISO_PERIOD}')",
                       [c.name, "an ISO 8601 period that is not one calendar month (a quarter, a year, ...)",
                        "one calendar month per row (2023-04 or 2023-04-01/P1M); a quarterly or yearly total "
                        "cannot be split into months: export monthly counts"])
            not_period = f" AND NOT regexp_full_match({raw}, '{ISO_PERIOD}')"
        if c.type in EXPECTED or c.type == "choice":
            expected = EXPECTED.get(c.type) or "one of: " + ", ".join(sorted(set(c.choices.values())))
            add_errors(con, f"SELECT line, ?, {raw}, ?, ? FROM typed WHERE {raw} IS NOT NULL AND {p} IS NULL"
                            f"{not_period}", [c.name, PROBLEM[c.type], expected])
        for cond, problem, expected in range_checks(c):
            add_errors(con, f"SELECT line, ?, {raw}, ?, ? FROM typed WHERE {cond.format(p=p)}",
                       [c.name, problem, expected])
    _duplicates(con, layout)


def _duplicates(con, layout: Layout) -> None:
    """Rows with the same key. A row whose key holds a value that could not be read is left out:
    it already has its own problem, and a second 'duplicate row' error would mislead."""
    key = layout.key or tuple(c.name for c in layout.columns)
    cols = ", ".join(f'"{k}"' for k in key)
    unreadable = " OR ".join(f'("{k}__raw" IS NOT NULL AND "{k}" IS NULL)' for k in key)
    con.execute(f"""
        INSERT INTO errs
        SELECT line, ?, NULL, 'duplicate row: same ' || ? || ' as line ' || first_line,
               'each ' || ? || ' once'
        FROM (SELECT line, min(line) OVER (PARTITION BY {cols}) AS first_line FROM typed
              WHERE NOT ({unreadable}))
        WHERE line > first_line""", [", ".join(key), ", ".join(key), ", ".join(key)])


def add_errors(con: duckdb.DuckDBPyConnection, select_sql: str, params=None) -> None:
    """Append problems: select_sql yields (line, column, value, problem, expected)."""
    con.execute(f"INSERT INTO errs {select_sql}", params or [])


def problems(con: duckdb.DuckDBPyConnection, label: str, redact: set[str] = frozenset()) -> list[Problem]:
    """The errors as Problems, at most PER_PROBLEM_LIMIT per (column, problem) plus a count of the rest."""
    out = []
    # A value that is one of the file's IDs is withheld whatever column it turned up in (a short ID
    # passes could_be_id); Problem itself withholds anything else that could be an ID.
    ids = " UNION ALL ".join(f'SELECT "{c}__raw" AS v FROM typed' for c in sorted(redact))
    is_id = f"value IN (SELECT v FROM ({ids}))" if ids else "FALSE"
    rows = con.execute(f"""
        SELECT line, "column", value, problem, expected, n, {is_id} FROM (
            SELECT *, row_number() OVER (PARTITION BY "column", problem ORDER BY line) AS k,
                   count(*) OVER (PARTITION BY "column", problem) AS n
            FROM errs) WHERE k <= ? ORDER BY line, "column" """, [PER_PROBLEM_LIMIT]).fetchall()
    shown: dict[tuple, int] = {}
    for line, column, value, problem, expected, n, an_id in rows:
        if (column in redact or an_id) and value is not None:
            value = "(ID withheld)"
        out.append(Problem(label, problem, expected, line=line, column=column, value=value))
        shown[(column, problem, expected)] = n
    for (column, problem, expected), n in shown.items():
        if n > PER_PROBLEM_LIMIT:
            out.append(Problem(label, f"... and {n - PER_PROBLEM_LIMIT} more rows with: {problem}", expected,
                               column=column))
    return out


def error_lines(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(DISTINCT line) FROM errs").fetchone()[0]
