"""Workbooks are parsed in a child process with a memory cap and a time limit: what it costs
can only fail the child, with a message that says why, never the dashboard."""
from __future__ import annotations

import pandas as pd
import pytest

from ingest import xlsx_sheet
from ingest.problems import ValidationError


@pytest.fixture(params=["in process", "child"])
def book(request, tmp_path, monkeypatch):
    """A small workbook, read in process and, as if it were large, in the child."""
    if request.param == "child":
        monkeypatch.setattr(xlsx_sheet, "IN_PROCESS", 0)
    path = tmp_path / "schools.xlsx"
    pd.DataFrame({"School": ["Oak Elementary", "Pine Middle"], "Students": [412, 388.5]}).to_excel(path, index=False)
    return path


def greedy(value) -> str:
    """A cell reader that needs 4 GB: stands in for a workbook whose parse would."""
    bytearray(4 * 2**30)
    return str(value)


def test_the_child_reads_the_sheet_as_text(book):
    assert xlsx_sheet.first_sheet(book, "schools.xlsx") == [
        ["School", "Students"], ["Oak Elementary", "412"], ["Pine Middle", "388.5"]]
    # with a cell reader (COUNTER files keep whole numbers as whole numbers)
    assert xlsx_sheet.first_sheet(book, "schools.xlsx", cell="ingest.counter:_cell_text")[1] == ["Oak Elementary", "412"]


def test_memory_past_the_cap_fails_the_child_only(book, monkeypatch):
    monkeypatch.setattr(xlsx_sheet, "IN_PROCESS", 0)
    monkeypatch.setattr(xlsx_sheet, "MAX_MEMORY", 1024 * 2**20)
    with pytest.raises(ValidationError, match="needs more than 1,024 MB of memory to read; it is not read"):
        xlsx_sheet.first_sheet(book, "schools.xlsx", cell="tests.test_xlsx_sheet:greedy")
    assert xlsx_sheet.first_sheet(book, "schools.xlsx")[0] == ["School", "Students"]   # and the next one reads


def test_a_slow_workbook_is_stopped(book, monkeypatch):
    monkeypatch.setattr(xlsx_sheet, "IN_PROCESS", 0)
    monkeypatch.setattr(xlsx_sheet, "MAX_SECONDS", 0.01)
    with pytest.raises(ValidationError, match="took longer than 0.01 seconds to read"):
        xlsx_sheet.first_sheet(book, "schools.xlsx")


@pytest.mark.parametrize("in_process", [8 * 2**20, 0])
def test_a_damaged_workbook_names_the_reason(tmp_path, monkeypatch, in_process):
    monkeypatch.setattr(xlsx_sheet, "IN_PROCESS", in_process)
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValidationError, match=r"x.xlsx: the workbook cannot be opened \(File is not a zip file\)"):
        xlsx_sheet.first_sheet(path, "x.xlsx")
