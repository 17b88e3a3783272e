"""What went wrong with a file, said so that a person can find it and fix it."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

# A report lists at most this many rows per (column, problem); the rest are counted.
PER_PROBLEM_LIMIT = 20


@dataclass
class Problem:
    file: str
    problem: str
    expected: str
    line: int | None = None       # 1-based line (text) or row (spreadsheet, Parquet) of the file
    column: str | None = None
    value: str | None = None
    severity: str = "error"       # 'error' stops the load; 'warning' is reported only

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
