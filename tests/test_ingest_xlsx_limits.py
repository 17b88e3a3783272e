"""Workbooks are checked before parsing: a zip bomb or a sheet past Excel's row limit is refused
with a message, quickly, without being parsed."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from ingest import xlsx_limits
from ingest.load import load_files
from ingest.problems import ValidationError
from tests.test_ingest_load import SCHOOLS, make_warehouse, write

SHELL = {
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                           'content-types"/>',
    "xl/workbook.xml": "<workbook/>",
}


def workbook(path: Path, rows: int, row: bytes) -> Path:
    """A zip shaped like a workbook whose one sheet holds `rows` copies of `row`, written in chunks."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in SHELL.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(b"<worksheet><sheetData>")
            block = row * 10_000
            for _ in range(rows // 10_000):
                f.write(block)
            f.write(b"</sheetData></worksheet>")
    return path


def test_a_zip_bomb_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setenv("LCC_SECRET_FILE", str(tmp_path / "k.key"))
    cell = b'<row r="1"><c t="inlineStr"><is><t>' + b"A" * 200 + b"</t></is></c></row>"
    bomb = workbook(tmp_path / "schools.xlsx", 1_000_000, cell)    # ~250 MB of XML
    assert bomb.stat().st_size < 2 * 1024 * 1024
    report = load_files([bomb], community="testville", source="schools", path=make_warehouse(tmp_path / "w.duckdb"))
    assert not report.ok
    assert "expands to" in str(report.problems[0]) and "MB allowed" in str(report.problems[0])


def test_more_rows_than_excel_allows_is_refused(tmp_path):
    book = workbook(tmp_path / "big.xlsx", 1_050_000, b'<row r="1"/>')
    with pytest.raises(ValidationError, match="more than 1,048,576 rows"):
        xlsx_limits.check(book, "big.xlsx")


def test_an_ordinary_workbook_passes_and_loads(tmp_path, monkeypatch):
    import pandas as pd
    monkeypatch.setenv("LCC_SECRET_FILE", str(tmp_path / "k.key"))
    path = tmp_path / "schools.xlsx"
    pd.read_csv(io.StringIO(SCHOOLS)).to_excel(path, index=False)
    xlsx_limits.check(path, "schools.xlsx")
    report = load_files([path], community="testville", source="schools", path=make_warehouse(tmp_path / "w.duckdb"))
    assert report.committed and report.files[0].rows == 2


def test_a_damaged_workbook_says_so(tmp_path):
    path = write(tmp_path, "x.xlsx", "PK\x03\x04 not really a zip")
    with pytest.raises(ValidationError, match="cannot be opened"):
        xlsx_limits.check(path, "x.xlsx")
