"""A table as an Excel workbook a person can use (no Streamlit here): real numbers with number
formats, "<10" or "suppressed" where a count is hidden, a sheet of definitions, and the scope,
year, source and load date on every sheet's first rows."""
from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ingest.export import escape_formula
from metrics import formats
from metrics.suppression import THRESHOLD, marks

# Excel number formats for the kinds of metrics.formats.COLUMNS.
NUMBER_FORMATS = {"count": "#,##0", "rate": "0.0%", "growth": "+0.0%;-0.0%;0.0%", "ratio": "#,##0.00"}

# What each column means, in words (the definitions sheet).
DEFINITIONS = {
    "enrolled": "K-12 students enrolled, as supplied by the school district (the denominator of every rate).",
    "cards": "Student cards held at the end of the school year.",
    "new_cards": "Student cards issued during the school year (July to June).",
    "activated": "Students whose card has been used at least once (checkout, login or e-resource login), "
                 "this year or earlier.",
    "activation_rate": "Students activated over students enrolled.",
    "activation_rate_of_cards": "Students activated over student cards issued.",
    "active": "Students with at least one checkout, login or e-resource use in the school year, each counted once.",
    "active_user_rate": "Active students over students enrolled.",
    "prior_active_user_rate": "The active-user rate the school year before.",
    "circulation": formats.CIRCULATION_DEFINITION,
    "circulation_growth": "Circulation in the school year over the year before, minus one.",
    "growth": "This year's figure over the year before, minus one; none from a zero base.",
    "students_reached": "Enrolled students with at least one interaction in the school year.",
    "communities": "Communities taking part.",
    "n": "Communities that answered the survey question.",
    "share_yes": "Share of responding communities answering yes.",
    "ci_low": "Lower end of the Wilson 95% interval of the share answering yes.",
    "ci_high": "Upper end of the Wilson 95% interval of the share answering yes.",
    "reasons": "Why the community stands out: below its cohort's lower quartile, falling against the year "
               "before, behind a target, or no recent data.",
}
SUPPRESSION_NOTE = (f"Counts from 1 to {THRESHOLD - 1} read “{formats.SUPPRESSED}”; a cell hidden so that "
                    "such a count cannot be worked out reads “suppressed”; a rate built on either is hidden too.")


def _about(ws, about: dict[str, str]) -> int:
    """The scope, year, source and load date at the top of a sheet; returns the next free row."""
    for i, (k, v) in enumerate(about.items(), start=1):
        ws.cell(i, 1, k).font = Font(bold=True)
        ws.cell(i, 2, escape_formula(str(v)))
    return len(about) + 2


def xlsx(df: pd.DataFrame, columns: list[str], headers: list[str], about: dict[str, str],
         kinds: dict[str, str] | None = None, title: str = "Table") -> bytes:
    """The table's rows as a workbook: sheet `title` (the about rows, then the table), and
    'Definitions' (each column's meaning and how hidden counts read)."""
    kinds = kinds or {}
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    top = _about(ws, about)
    for j, head in enumerate(headers, start=1):
        ws.cell(top, j, head).font = Font(bold=True)
    frame = df.reset_index(drop=True)
    for j, col in enumerate(columns, start=1):
        kind = kinds.get(col) or formats.COLUMNS.get(col, (None, "text"))[1]
        hidden = marks(frame, col)
        width = len(headers[j - 1])
        for i, v in enumerate(frame[col].tolist()):
            cell = ws.cell(top + 1 + i, j)
            if isinstance(hidden.iloc[i], str):
                cell.value = hidden.iloc[i]
            elif kind in NUMBER_FORMATS and not formats.missing(v):
                cell.value = float(v) if kind != "count" else int(round(float(v)))
                cell.number_format = NUMBER_FORMATS[kind]
            elif formats.missing_date(v) or (kind in NUMBER_FORMATS and formats.missing(v)):
                cell.value = None
            else:
                text = formats.label(v) if kind == "text" and isinstance(v, str) else v
                cell.value = escape_formula(str(text)) if not isinstance(text, int | float) else text
            width = max(width, min(len(str(cell.value or "")), 60))
        ws.column_dimensions[get_column_letter(j)].width = width + 2
    ws.freeze_panes = ws.cell(top + 1, 1)

    defs = wb.create_sheet("Definitions")
    row = _about(defs, about)
    defs.cell(row, 1, "Column").font = Font(bold=True)
    defs.cell(row, 2, "Definition").font = Font(bold=True)
    for col, head in zip(columns, headers):
        row += 1
        defs.cell(row, 1, head)
        defs.cell(row, 2, DEFINITIONS.get(col, ""))
    defs.cell(row + 2, 1, "Hidden counts")
    defs.cell(row + 2, 2, SUPPRESSION_NOTE)
    defs.column_dimensions["A"].width = 32
    defs.column_dimensions["B"].width = 100
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
