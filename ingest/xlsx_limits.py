"""Limits checked on a workbook before it is parsed.

An XLSX file is a zip archive: 647 KB can expand to gigabytes of sheet XML, which openpyxl
parses in the dashboard's own process (88 s and 2.1 GB measured for one such file). The zip's
directory says how large every member expands to (and Python's zip reader never inflates a
member past that size), so the total is checked first, then the rows of the sheets are counted
by streaming their XML in chunks, before anything is parsed.
"""
from __future__ import annotations

import re
import zipfile
from typing import IO

from ingest.problems import Problem, ValidationError

MAX_EXPANDED = 200 * 1024 * 1024    # bytes, all members together: a 1M-row roster is about 120 MB
MAX_ROWS = 1_048_576                # Excel's own limit per sheet
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")


def check(file: str | IO[bytes], label: str) -> None:
    """Raise ValidationError when the workbook would expand or run past the limits."""
    try:
        with zipfile.ZipFile(file) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            if total > MAX_EXPANDED:
                raise ValidationError([Problem(
                    label, f"the workbook expands to {total / 2**20:,.0f} MB when unpacked, more than the "
                           f"{MAX_EXPANDED // 2**20} MB allowed; it is not read",
                    "a workbook of at most about a million rows; or save the sheet as CSV and load that")])
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    rows = _count_rows(z, info)
                    if rows > MAX_ROWS:
                        raise ValidationError([Problem(
                            label, f"sheet {info.filename.rsplit('/', 1)[-1]} has more than {MAX_ROWS:,} rows; "
                                   "it is not read", f"at most {MAX_ROWS:,} rows (Excel's limit); or a CSV file")])
    except zipfile.BadZipFile as exc:
        raise ValidationError([Problem(label, f"the workbook cannot be opened ({exc})",
                                       "a valid XLSX workbook")]) from None


def _count_rows(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    n, tail = 0, b""
    with z.open(info) as f:
        while chunk := f.read(1 << 20):
            data = tail + chunk
            n += len(_ROW.findall(data))
            tail = data[-8:]
            n -= len(_ROW.findall(tail))   # a tag cut by the chunk edge is counted in the next round
            if n > MAX_ROWS:
                break
    return n + len(_ROW.findall(tail))
