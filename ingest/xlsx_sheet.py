"""A workbook's first sheet, read in a child process with a memory cap and a time limit.

ingest.xlsx_limits refuses workbooks that expand past 200 MB or a million rows, but parsing
what is allowed still costs openpyxl several times the sheet's XML in memory. Done in the
dashboard's own process, one hostile or careless upload could take the memory every other user
needs; in a child capped at MAX_MEMORY (address space, RLIMIT_AS) and MAX_SECONDS it can only
fail itself, with a clear message. The child is a plain `python -m ingest.xlsx_sheet` (not
multiprocessing, which would re-import the server's main module in it). A workbook that unpacks
to under IN_PROCESS bytes (tens of MB to parse at most) is read in process: a child costs about
a second to start.
"""
from __future__ import annotations

import importlib
import os
import pickle
import resource
import subprocess
import sys
from pathlib import Path

from ingest.problems import Problem, ValidationError

MAX_MEMORY = int(os.environ.get("LCC_XLSX_MAX_MEMORY_MB", "3072")) * 2**20
MAX_SECONDS = int(os.environ.get("LCC_XLSX_MAX_SECONDS", "300"))
ROOT = Path(__file__).resolve().parents[1]
IN_PROCESS = 8 * 2**20
OUT_OF_MEMORY, DAMAGED = 3, 4   # the child's exit codes


def _unpacked(path) -> int:
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError):
        return 0   # damaged: the reader says how


def first_sheet(path: str | Path, label: str, cell: str | None = None) -> list[list[str]]:
    """The cells of the workbook's first sheet as text ('' for empty), row by row; with cell
    ('module:function'), each cell as read (number, date, text) turned into text by it."""
    if _unpacked(path) < IN_PROCESS:
        try:
            return _rows(str(path), cell or "")
        except Exception as exc:  # openpyxl raises many types for damaged workbooks
            raise ValidationError([Problem(label, f"the workbook cannot be opened ({exc})",
                                           "a valid XLSX workbook")]) from None
    limit = MAX_MEMORY

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    try:
        done = subprocess.run([sys.executable, "-m", "ingest.xlsx_sheet", str(path), cell or ""], cwd=ROOT, env=env,
                              capture_output=True, timeout=MAX_SECONDS, preexec_fn=cap)
    except subprocess.TimeoutExpired:
        raise ValidationError([Problem(label, f"the workbook took longer than {MAX_SECONDS} seconds to read; "
                                              "it is not read", "a smaller workbook, or the sheet saved as CSV")]) from None
    if done.returncode == 0:
        return pickle.loads(done.stdout)
    if done.returncode == DAMAGED:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["unknown"]
        raise ValidationError([Problem(label, f"the workbook cannot be opened ({reason[0]})", "a valid XLSX workbook")])
    if done.returncode == OUT_OF_MEMORY or done.returncode < 0:   # MemoryError, or killed in C code
        raise ValidationError([Problem(label, f"the workbook needs more than {MAX_MEMORY // 2**20:,} MB of memory "
                                              "to read; it is not read",
                                       "a smaller workbook; or save the sheet as CSV and load that")])
    raise ValidationError([Problem(label, f"reading the workbook failed (exit code {done.returncode})",
                                   "a valid XLSX workbook, or the sheet saved as CSV")])


def _rows(path: str, cell: str) -> list[list[str]]:
    import pandas as pd

    if not cell:
        return pd.read_excel(path, header=None, dtype=str, engine="openpyxl").fillna("").to_numpy().tolist()
    module, name = cell.split(":")
    to_text = getattr(importlib.import_module(module), name)
    sheet = pd.read_excel(path, header=None, dtype=object, engine="openpyxl")
    return [[to_text(v) for v in row] for row in sheet.itertuples(index=False, name=None)]


def _main(path: str, cell: str) -> int:
    try:
        data = pickle.dumps(_rows(path, cell), protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return OUT_OF_MEMORY
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        print(str(exc).replace("\n", " ") or type(exc).__name__, file=sys.stderr)
        return DAMAGED
    sys.stdout.buffer.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1], sys.argv[2]))
