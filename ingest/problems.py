"""What went wrong with a file, said so that a person can find it and fix it."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import pandas as pd

# A report lists at most this many rows per (column, problem); the rest are counted.
PER_PROBLEM_LIMIT = 20


WITHHELD = "(withheld: it could be an ID)"
# A value "could be an identifier" when it holds a run of 5 or more letters and digits with at
# least one digit (S1234567, 900001, ZQ900001), or an @ (an e-mail or login), whatever column it is
# in: a swapped column puts an ID where a date was expected. A date's, time's or count's parts are
# shorter (2015, 10, 01; a 'T' between date and time counts as a separator), so they still show.
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_DATE_T = re.compile(r"(\d)T(\d)")
# The same rule in DuckDB SQL over {v}, for values that are stored (quarantine).
ID_LIKE_SQL = ("(strpos({v}, '@') > 0 OR len(list_filter(regexp_extract_all("
               "regexp_replace({v}, '([0-9])T([0-9])', '\\1 \\2', 'g'), '[A-Za-z0-9]+'), "
               "lambda t: length(t) >= 5 AND regexp_matches(t, '[0-9]'))) > 0)")


def could_be_id(value) -> bool:
    if value is None:
        return False
    text = str(value)
    if "@" in text:
        return True
    return any(len(t) >= 5 and any(ch.isdigit() for ch in t) for t in _TOKEN.findall(_DATE_T.sub(r"\1 \2", text)))


def redact(value):
    """The value, or WITHHELD when it could be an identifier."""
    return WITHHELD if could_be_id(value) else value


def redact_text(text: str) -> str:
    """A message (a reader's error text may quote the line) with every word that could be an ID
    replaced by [withheld]."""
    return " ".join("[withheld]" if could_be_id(w) else w for w in (text or "").split(" "))


@dataclass
class Problem:
    file: str
    problem: str
    expected: str
    line: int | None = None       # 1-based line (text) or row (spreadsheet, Parquet) of the file
    column: str | None = None
    value: str | None = None
    severity: str = "error"       # 'error' stops the load; 'warning' is reported only

    def __post_init__(self):
        # Every report (screen, download, CLI, --report) goes through here: no value that could be
        # an ID leaves the reader, whatever column it was found in.
        if self.value is not None and not str(self.value).startswith(("(withheld", "(ID withheld", "(row withheld")):
            self.value = redact(self.value)

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column!r}")
        found = "" if self.value is None else f"; found {self.value!r}"
        tag = "" if self.severity == "error" else f"[{self.severity}] "
        return f"{tag}{', '.join(where)}: {self.problem}{found}; expected {self.expected}"


class ValidationError(ValueError):
    """A file (or several) cannot be loaded; .problems says where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__("\n".join(str(p) for p in errors) or "validation failed")


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def to_frame(problems: list[Problem]) -> pd.DataFrame:
    """The validation report as a table (what the page shows and the CLI writes with --report)."""
    cols = ["severity", "file", "line", "column", "value", "problem", "expected"]
    return pd.DataFrame([asdict(p) for p in problems], columns=cols)
