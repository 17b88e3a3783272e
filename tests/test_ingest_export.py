"""Exported CSV cells cannot run as spreadsheet formulas (CSV injection)."""
from __future__ import annotations

import pandas as pd

from ingest import export
from warehouse import store

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_every_dangerous_first_character_is_escaped():
    assert [export.escape_formula(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert export.escape_formula("Alpha Elementary") == "Alpha Elementary"
    assert export.escape_formula(-5) == -5 and export.escape_formula("-4") == "-4"   # numbers stay numbers
    frame = export.escape_formulas(pd.DataFrame({"name": HOSTILE[:2], "n": [1, -2]}))
    assert frame["name"].str.startswith("'").all() and frame["n"].tolist() == [1, -2]


def test_export_files_escape_hostile_names(tmp_path):
    path = tmp_path / "w.duckdb"
    with store.publishing(path, fresh=True) as con:
        con.execute("INSERT INTO community VALUES (1, 'a', '=HYPERLINK(\"http://evil\",\"x\")', 'NC', 1, "
                    "DATE '2015-01-01', NULL, 'MOU', NULL, NULL, FALSE)")
        con.execute("INSERT INTO school VALUES (1, 1, '@SUM(1+1)', 'district', 0, 5, TRUE, NULL, NULL, NULL)")
    files = {f.kind: f.path for f in export.export(path, tmp_path / "out")}
    assert "'=HYPERLINK" in files["communities"].read_text()
    assert "'@SUM(1+1)" in files["schools"].read_text()


def test_page_table_downloads_escape_hostile_cells():
    from components.show import csv_bytes
    df = pd.DataFrame({"school": ["=1+1", "Beta"], "students": [12, 30]})
    text = csv_bytes(df, ["school", "students"], ["School", "Students"]).decode()
    assert "'=1+1" in text and "\n=1+1" not in text
