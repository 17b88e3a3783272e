"""A template CSV per layout (header and one example row), for the Data page and the CLI."""
from __future__ import annotations

import csv
import io

from ingest.layouts import LAYOUTS

# COUNTER reports and survey-tool exports come from the vendor's own tools: no template of ours.
NO_TEMPLATE = {"counter", "survey_export"}


def kinds() -> list[str]:
    return [k for k in LAYOUTS if k not in NO_TEMPLATE]


def template_csv(kind: str) -> str:
    if kind in NO_TEMPLATE:
        raise ValueError(f"{kind} files come straight from the vendor's tool; see ingest/LAYOUTS.md")
    layout = LAYOUTS[kind]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.name for c in layout.columns])
    writer.writerow([c.example for c in layout.columns])
    return out.getvalue()


TYPE_DOC = {
    "text": "text", "id": "text (an ID; hashed, never stored)", "int": "whole number",
    "count": "whole number >= 0", "grade": "K or 0-12", "date": "date (YYYY-MM-DD or MM/DD/YYYY)",
    "timestamp": "date and time (YYYY-MM-DD HH:MM[:SS], ISO T, or MM/DD/YYYY HH:MM)",
    "month": "month (2015-10, Oct-2015, October 2015, 2015-10-01/P1M; a longer ISO 8601 period is refused)", "school_year": "school year (2015-16)",
    "bool": "yes / no", "choice": "one of the listed values",
}
INTRO = """# File layouts the ingest accepts

Generated from `ingest/layouts.py` by `python -m ingest.templates` (a test keeps this file in step).
Load any of them with

    python -m ingest load FILE... --kind KIND --community SLUG [--allow-partial] [--warehouse PATH]

and get a template with `python -m ingest template KIND` (or from the Data page).

What every text layout tolerates: comma, tab, semicolon or pipe delimiters; UTF-8 with or without a
byte-order mark, UTF-16 with a BOM, or Windows-1250/1252 (converted, with a warning); LF, CRLF or CR line
endings; header names in any case and spacing, and the synonyms listed; leading blank lines, blank rows
and a totals row ("Total", "Grand total": skipped with a warning); thousands separators in counts.
XLSX (first sheet) and Parquet files with the same columns are read too. Columns not in the layout
are ignored and never stored (a warning lists them).

What is refused (the whole file, with a report naming file, line, column, value found and what was
expected): a 0-byte or header-only file, missing required columns, a column given twice, a row with
more or fewer cells than the header, a value of the wrong type, an impossible date (2015-02-30, or
before 1990 / after next year), a negative count, a duplicate row, an unknown school, branch, card
or community, an unmapped item-type code. With `--allow-partial`, event files (card activity,
circulation) load their valid rows and keep the rejected ones in the `quarantine` table.

Pseudonymization: student and patron IDs are replaced by HMAC-SHA256 keyed with the deployment's
secret before anything is written. The key is read from the file named by `$LCC_SECRET_FILE`
(default `data/pseudonymization.key`, created with random bytes on first use). Keep it outside the
warehouse and back it up: without it, later card and activity files cannot be matched to earlier ones.

Loading the same file again (same SHA-256) changes nothing. A corrected file replaces what an earlier
load of the same kind put in the same period (months, school year or survey wave) for the same
platform/channel; `python -m ingest undo LOAD_ID` removes a load.
"""


def layouts_markdown() -> str:
    parts = [INTRO]
    for layout in LAYOUTS.values():
        parts.append(f"\n## {layout.title} (`--kind {layout.kind}`)\n\n{layout.doc}\n")
        if layout.columns:
            parts.append("\n| column | type | required | also accepted as | notes |\n|---|---|---|---|---|\n")
            for c in layout.columns:
                notes = c.doc
                if c.choices:
                    values = sorted(set(c.choices.values()))
                    notes = (notes + " " if notes else "") + "Values: " + ", ".join(f"`{v}`" for v in values) + "."
                aliases = ", ".join(a for a in c.aliases)
                parts.append(f"| `{c.name}` | {TYPE_DOC[c.type]} | {'yes' if c.required else 'no'} | {aliases} | "
                             f"{notes} |\n")
            if layout.kind not in NO_TEMPLATE:
                parts.append(f"\nExample:\n\n```csv\n{template_csv(layout.kind)}```\n")
        for note in layout.extra:
            parts.append(f"\n{note}\n")
    return "".join(parts)


if __name__ == "__main__":
    from pathlib import Path

    Path(__file__).with_name("LAYOUTS.md").write_text(layouts_markdown())
