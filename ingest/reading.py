"""Read a CSV, TSV, XLSX or Parquet file into the staging table `src`: one VARCHAR column per
layout column (header drift resolved) and `line`, the file line or row each record came from.

Large text files go through DuckDB's own CSV reader (never whole into pandas); rows it cannot
split are kept in its reject table and become problems. Encoding, delimiter, line endings,
leading blank lines and totals rows are detected here.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd

from ingest import xlsx_limits, xlsx_sheet
from ingest.layouts import Layout, norm
from ingest.problems import Problem, ValidationError, redact_text

DELIMITERS = (",", "\t", ";", "|")
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
TOTALS = r"(grand\s+)?(sub)?totals?:?"
TOTALS_FIRST = r"(grand\s+)?(sub)?totals?(\s+for\b.*)?:?"  # 'Total for all branches' in the first column
CHUNK = 1 << 20


def file_kind(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(4)
    if head == b"PAR1":
        return "parquet"
    if head == b"PK\x03\x04":
        return "xlsx"
    return "text"


def detect_encoding(path: Path) -> str:
    """'utf-8' (with or without BOM), 'utf-16' (BOM), else 'cp1250' or 'cp1252' (see single_byte_encoding)."""
    with open(path, "rb") as f:
        head = f.read(2)
        if head in (b"\xff\xfe", b"\xfe\xff"):
            return "utf-16"
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in iter(lambda: f.read(CHUNK), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            f.seek(0)
            return single_byte_encoding(f.read(4 * CHUNK))
    return "utf-8"


def decode_bytes(data: bytes) -> tuple[str, str]:
    """The text of a whole file in memory and the encoding it was read as (detect_encoding's rule)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel "Unicode text" export
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        encoding = single_byte_encoding(data)
        return data.decode(encoding, errors="replace"), encoding


ENCODING_NAMES = {"cp1250": "Windows-1250, Central European", "cp1252": "Windows-1252, Western European",
                  "utf-16": "UTF-16"}
# The accented letters of the languages each Windows code page was made for (lower case). A word
# is plausible in a code page when its accented letters all belong to one of its languages.
ALPHABETS = {
    "cp1250": ("áčďéěíňóřšťúůýž", "áäčďéíĺľňóôŕšťúýž", "ąćęłńóśźż", "áéíóöőúüű", "čšžćđ", "ăâîșşțţ",
               "äöüß"),
    "cp1252": ("äöüß", "àâæçéèêëîïôœùûüÿ", "áéíñóúü", "áâãàçéêíóôõú", "àèéìíîòóùú", "åæøéäö",
               "éëïóöü", "àçèéíïòóúü"),
}
WORD = re.compile(r"[^\s,;|\t\"'()\[\]{}/.:=<>+*&!?0-9-]+")


def single_byte_encoding(data: bytes) -> str:
    """Windows-1250 or Windows-1252, for bytes that are not UTF-8. A byte undefined in 1252
    (0x81, 0x8D, 0x8F, 0x90, 0x9D) means 1250 (and the reverse); otherwise each code page gets a
    point per word it decodes into letters of one of its languages (a symbol such as £ or ¹
    inside a word gets none), counting only words the two decode differently. On a tie, the
    code page whose accented letters, over the whole sample, all fit one of its languages wins
    (Győr Könyvtár: ő and ö are Hungarian, õ and ö no Western language). Still a tie: 1252, the
    usual code page of US and Western European exports. Charset detectors guess wrong on
    files this short (a few names), so the rule is explicit."""
    undefined = {"cp1252": b"\x81\x8d\x8f\x90\x9d", "cp1250": b"\x81\x83\x88\x90\x98"}
    has = {enc: any(b in data for b in (bytes([c]) for c in bad)) for enc, bad in undefined.items()}
    if has["cp1252"] != has["cp1250"]:
        return "cp1250" if has["cp1252"] else "cp1252"
    words = {w for w in re.findall(rb"[^\s,;|\t]+", data) if re.search(rb"[\x80-\xff]", w)}
    score = {"cp1250": 0, "cp1252": 0}
    for raw in words:
        texts = {enc: raw.decode(enc, errors="replace") for enc in score}
        if texts["cp1250"] == texts["cp1252"]:
            continue
        for enc, text in texts.items():
            score[enc] += sum(_plausible(w, ALPHABETS[enc]) for w in WORD.findall(text) if not w.isascii())
    if score["cp1250"] == score["cp1252"]:
        whole = b" ".join(words)
        score = {enc: _plausible(whole.decode(enc, errors="replace"), ALPHABETS[enc]) for enc in score}
    return "cp1250" if score["cp1250"] > score["cp1252"] else "cp1252"


def _plausible(word: str, alphabets: tuple[str, ...]) -> bool:
    accented = {c for c in word.lower() if not c.isascii()}
    if not all(c.isalpha() for c in accented):
        return False
    return any(accented <= set(alphabet) for alphabet in alphabets)


def utf8_copy(path: Path, encoding: str, tmp_dir: Path) -> Path:
    """DuckDB's reader (core extensions only) wants UTF-8: transcode into a temp file, streaming."""
    out = tmp_dir / (path.name + ".utf8")
    with open(path, encoding=encoding, errors="replace", newline="") as src, \
            open(out, "w", encoding="utf-8", newline="") as dst:
        shutil.copyfileobj(src, dst, CHUNK)
    return out


def _head_lines(path: Path, limit: int = 1 << 16) -> tuple[list[str], str]:
    with open(path, "rb") as f:
        raw = f.read(limit)
    newline = "\r" if b"\r" in raw and b"\n" not in raw else "\n"
    text = raw.decode("utf-8-sig", errors="replace")
    return text.split(newline) if newline == "\r" else text.splitlines(), newline


def _cells(line: str, delimiter: str) -> list[str]:
    return next(csv.reader(io.StringIO(line), delimiter=delimiter), [])


def map_header(cells: list[str], layout: Layout, label: str, line: int) -> tuple[dict[str, int], list[Problem]]:
    """Which file column holds each layout column; missing, duplicated and unknown columns."""
    found, problems, unknown = {}, [], []
    refused = [c.strip() for c in cells if norm(c) in {norm(f) for f in layout.forbidden}]
    if refused:
        raise ValidationError([Problem(label, f"the file has a student-level column and is refused: "
                                              f"{layout.forbidden_why}", "aggregate counts only, no ID column",
                                       line=line, column=refused[0], value=", ".join(refused))])
    for i, cell in enumerate(cells):
        col = next((c for c in layout.columns if norm(cell) in c.names()), None)
        if col is None:
            if norm(cell):
                unknown.append(cell.strip())
        elif col.name in found:
            problems.append(Problem(label, f"column {col.name} appears twice", "each column once",
                                    line=line, column=cell.strip(), value=cell.strip()))
        else:
            found[col.name] = i
    missing = [c.name for c in layout.columns if c.required and c.name not in found]
    if missing:
        problems.append(Problem(
            label, f"required column(s) missing: {', '.join(missing)}",
            f"a header row with {', '.join(c.name for c in layout.columns if c.required)} "
            f"(see `python -m ingest template {layout.kind}`)",
            line=line, value=" | ".join(c.strip() for c in cells)))
    if unknown:
        problems.append(Problem(label, "column(s) not in the layout are ignored (never stored)",
                                f"only {', '.join(c.name for c in layout.columns)}", line=line,
                                value=", ".join(unknown), severity="warning"))
    return found, problems


def read_source(con: duckdb.DuckDBPyConnection, path: Path, layout: Layout, label: str, tmp_dir: Path,
                redact: set[str] = frozenset()) -> list[Problem]:
    """Create staging table src(line, <layout columns> VARCHAR). Raises ValidationError for a file
    that cannot be read at all; returns row-level problems (and warnings) otherwise."""
    if path.stat().st_size == 0:
        raise ValidationError([Problem(label, "the file is empty (0 bytes)",
                                       f"a {layout.title} file with a header row and data rows")])
    kind = file_kind(path)
    if kind == "parquet":
        problems = _read_parquet(con, path, layout, label)
    elif kind == "xlsx":
        problems = _read_xlsx(con, path, layout, label)
    else:
        problems = _read_text(con, path, layout, label, tmp_dir, redact)
    problems += _drop_totals(con, layout, label)
    if con.execute("SELECT count(*) FROM src").fetchone()[0] == 0:
        raise ValidationError(problems + [Problem(label, "the file has a header but no data rows",
                                                  "at least one data row")])
    return problems


def _read_text(con, path, layout, label, tmp_dir, redact) -> list[Problem]:
    problems = []
    encoding = detect_encoding(path)
    if encoding != "utf-8":
        problems.append(Problem(label, f"read as {encoding} ({ENCODING_NAMES[encoding]}) and converted to UTF-8",
                                "UTF-8", severity="warning"))
        path = utf8_copy(path, encoding, tmp_dir)
    lines, newline = _head_lines(path)
    first = next((i for i, text in enumerate(lines) if text.strip().strip(",;\t|")), None)
    if first is None:
        raise ValidationError([Problem(label, "the file contains only blank lines",
                                       f"a header row naming the {layout.title} columns")])
    header_line = first + 1
    delimiter = max(DELIMITERS, key=lambda d: len(_cells(lines[first], d)))
    cells = _cells(lines[first], delimiter)
    if len(cells) == 1 and len(layout.columns) > 1:
        raise ValidationError([Problem(
            label, "the header row has a single column (wrong delimiter?)",
            "columns separated by commas, tabs, semicolons or pipes", line=header_line, value=lines[first][:200])])
    found, header_problems = map_header(cells, layout, label, header_line)
    problems += header_problems
    if any(p.severity == "error" for p in header_problems):
        raise ValidationError(problems)
    columns = {f"c{i}": "VARCHAR" for i in range(len(cells))}
    try:
        _scan(con, path, columns, delimiter, first, newline)
    except duckdb.InvalidInputException:
        # Mixed line endings (a file edited on two systems) trip the strict reader: normalise them.
        path = _normalised_newlines(path, tmp_dir)
        _scan(con, path, columns, delimiter, first, "\n")
    # One problem per rejected line (the reader may report a line more than once).
    con.execute("CREATE OR REPLACE TABLE rejected AS SELECT DISTINCT ON (line) line, column_name, error_type, "
                "csv_line, error_message FROM csv_rejects ORDER BY line, byte_position")
    _number_lines(con, layout, found, header_line)
    for line, column, error_type, csv_line, message in con.execute(
            "SELECT line, column_name, error_type, csv_line, error_message FROM rejected ORDER BY line").fetchall():
        problems.append(_reject_problem(label, line, column, error_type, csv_line, message, len(cells),
                                        DELIMITER_NAMES[delimiter], bool(redact)))
    return problems


def _scan(con, path: Path, columns: dict, delimiter: str, skip: int, newline: str) -> None:
    """DuckDB's reader in strict mode: a row with too few or too many cells is rejected (kept in
    csv_rejects with its line), never silently padded or cut."""
    new_line = ", new_line = '\\r'" if newline == "\r" else ""
    con.execute(
        "CREATE OR REPLACE TABLE raw AS SELECT * FROM read_csv(?, columns = ?, header = true, delim = ?, "
        "quote = '\"', escape = '\"', skip = ?, auto_detect = false, strict_mode = true, null_padding = false, "
        f"store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_scans'{new_line})",
        [str(path), columns, delimiter, skip])


def _normalised_newlines(path: Path, tmp_dir: Path) -> Path:
    out = tmp_dir / (path.name + ".lf")
    with open(path, encoding="utf-8", newline=None) as src, open(out, "w", encoding="utf-8", newline="\n") as dst:
        shutil.copyfileobj(src, dst, CHUNK)
    return out


def _number_lines(con, layout, found, header_line):
    """Give each good record its file line: records in order, skipping lines the reader rejected."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE reject_gap AS
        SELECT line - $h - row_number() OVER (ORDER BY line) AS good_before,
               row_number() OVER (ORDER BY line) AS n_rejects
        FROM (SELECT DISTINCT line FROM rejected)""", {"h": header_line})
    select = ", ".join(_source_column(c.name, found) for c in layout.columns)
    con.execute(f"""
        CREATE OR REPLACE TABLE src AS
        SELECT r.rowid + 1 + $h + coalesce(g.n_rejects, 0) AS line, {select}
        FROM raw r ASOF LEFT JOIN reject_gap g ON r.rowid + 1 > g.good_before
        ORDER BY line""", {"h": header_line})


def _source_column(name: str, found: dict[str, int]) -> str:
    if name in found:
        return f'nullif(trim(r."c{found[name]}"), \'\') AS "{name}"'
    return f'CAST(NULL AS VARCHAR) AS "{name}"'


def _reject_problem(label, line, column, error_type, csv_line, message, n_columns, delimiter, redact) -> Problem:
    value = "(row withheld: it holds an ID)" if redact else (csv_line or "")[:200]
    found = re.search(r"Found: (\d+)", message or "")
    if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        n = found.group(1) if found else "?"
        hint = "truncated or wrong delimiter?" if error_type == "MISSING COLUMNS" else "extra cells or wrong delimiter?"
        return Problem(label, f"the row has {n} cells, the header has {n_columns} ({hint})",
                       f"{n_columns} {delimiter}-separated cells, as in the header", line=line, value=value)
    return Problem(label, f"the row cannot be read ({error_type.lower()}: {redact_text(message)})",
                   "a well-formed delimited row", line=line, column=column, value=value)


def _read_parquet(con, path, layout, label) -> list[Problem]:
    names = [r[0] for r in con.execute("SELECT name FROM parquet_schema(?) WHERE num_children IS NULL "
                                       "OR num_children = 0", [str(path)]).fetchall()]
    found, problems = map_header(names, layout, label, line=None)
    if any(p.severity == "error" for p in problems):
        raise ValidationError(problems)
    select = ", ".join(
        f'nullif(trim(CAST("{names[found[c.name]]}" AS VARCHAR)), \'\') AS "{c.name}"' if c.name in found
        else f'CAST(NULL AS VARCHAR) AS "{c.name}"' for c in layout.columns)
    con.execute(f"CREATE OR REPLACE TABLE src AS SELECT row_number() OVER () AS line, {select} "
                "FROM read_parquet(?)", [str(path)])
    con.execute("CREATE OR REPLACE TABLE rejected (line BIGINT, column_name VARCHAR, error_type VARCHAR, "
                "csv_line VARCHAR, error_message VARCHAR)")
    return problems


def _read_xlsx(con, path, layout, label) -> list[Problem]:
    xlsx_limits.check(path, label)   # expanded size and rows, before parsing (zip bombs)
    rows = xlsx_sheet.first_sheet(path, label)   # parsed in a child with a memory cap
    first = next((i for i, r in enumerate(rows) if any(str(c).strip() for c in r)), None)
    if first is None:
        raise ValidationError([Problem(label, "the workbook's first sheet is empty", "a header row and data rows")])
    found, problems = map_header([str(c) for c in rows[first]], layout, label, line=first + 1)
    if any(p.severity == "error" for p in problems):
        raise ValidationError(problems)
    frame = pd.DataFrame({"line": range(first + 2, len(rows) + 1)})
    for c in layout.columns:
        values = [str(r[found[c.name]]).strip() or None for r in rows[first + 1:]] if c.name in found else None
        frame[c.name] = pd.Series(values if values is not None else [None] * len(frame), dtype=object)
    con.register("xlsx_frame", frame)
    con.execute("CREATE OR REPLACE TABLE src AS SELECT * FROM xlsx_frame")
    con.unregister("xlsx_frame")
    con.execute("CREATE OR REPLACE TABLE rejected (line BIGINT, column_name VARCHAR, error_type VARCHAR, "
                "csv_line VARCHAR, error_message VARCHAR)")
    return problems


def _drop_totals(con, layout: Layout, label: str) -> list[Problem]:
    """Blank rows go silently; a totals row ('Total', 'Grand total') goes with a warning, since
    summing it with the rows it totals would double the figures."""
    names = [f'"{c.name}"' for c in layout.columns]
    con.execute(f"DELETE FROM src WHERE coalesce({', '.join(names)}) IS NULL")
    any_total = " OR ".join([f"regexp_full_match(lower({names[0]}), $first)"]
                            + [f"regexp_full_match(lower({n}), $re)" for n in names])
    params = {"re": TOTALS, "first": TOTALS_FIRST}
    lines = [r[0] for r in con.execute(f"SELECT line FROM src WHERE {any_total}", params).fetchall()]
    if not lines:
        return []
    con.execute(f"DELETE FROM src WHERE {any_total}", params)
    return [Problem(label, "a totals row was skipped", "data rows only", line=line, severity="warning")
            for line in lines]
