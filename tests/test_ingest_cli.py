"""The command line and the templates: exit status, the written report, LAYOUTS.md in step."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ingest import templates
from ingest.__main__ import main
from ingest.layouts import LAYOUTS
from tests.test_ingest_load import SCHOOLS, make_warehouse, query, write


@pytest.fixture
def wh(tmp_path, monkeypatch):
    monkeypatch.setenv("LCC_SECRET_FILE", str(tmp_path / "key"))
    path = make_warehouse(tmp_path / "wh.duckdb")
    assert main(["load", str(write(tmp_path, "s.csv", SCHOOLS)), "--kind", "schools", "--community", "testville",
                 "--warehouse", str(path)]) == 0
    return path


def test_load_reports_rejection_with_exit_status_1_and_a_csv_report(wh, tmp_path, capsys):
    bad = write(tmp_path, "e.csv", "school,grade,school_year,students\nAlpha Elementary,3,2015-16,-4\n")
    report = tmp_path / "report.csv"
    assert main(["load", str(bad), "--kind", "enrollment", "--community", "testville", "--warehouse", str(wh),
                 "--report", str(report)]) == 1
    out = capsys.readouterr().out
    assert "e.csv: rejected" in out and "line 2, column 'students': negative count; found '-4'" in out
    rows = pd.read_csv(report)
    assert rows[["line", "column", "value", "problem"]].values.tolist() == [[2, "students", -4, "negative count"]]


def test_load_then_log_then_undo(wh, tmp_path, capsys):
    good = write(tmp_path, "e.csv", "school,grade,school_year,students\nAlpha Elementary,3,2015-16,40\n")
    assert main(["load", str(good), "--kind", "enrollment", "--community", "testville", "--warehouse", str(wh)]) == 0
    assert main(["log", "--warehouse", str(wh)]) == 0
    assert "e.csv" in capsys.readouterr().out
    assert main(["undo", "2", "--warehouse", str(wh)]) == 0
    assert query(wh, "SELECT count(*) FROM enrollment") == [(0,)]
    assert main(["undo", "2", "--warehouse", str(wh)]) == 1


@pytest.mark.parametrize("kind", templates.kinds())
def test_template_has_the_layout_columns_and_an_example(kind, capsys):
    assert main(["template", kind]) == 0
    header, example = capsys.readouterr().out.splitlines()
    assert header.split(",") == [c.name for c in LAYOUTS[kind].columns]
    assert len(example.split(",")) == len(LAYOUTS[kind].columns)


def test_layouts_md_is_generated_from_the_layouts():
    assert (Path(templates.__file__).with_name("LAYOUTS.md")).read_text() == templates.layouts_markdown()


def test_a_report_to_a_missing_folder_is_refused_before_anything_is_loaded(wh, tmp_path, capsys):
    enrollment = write(tmp_path, "e.csv", "school,grade,school_year,students\nAlpha Elementary,3,2015-16,40\n")
    assert main(["load", str(enrollment), "--kind", "enrollment", "--community", "testville", "--warehouse",
                 str(wh), "--report", str(tmp_path / "no such folder" / "r.csv")]) == 2
    assert "does not exist; nothing was loaded" in capsys.readouterr().err
    assert query(wh, "SELECT count(*) FROM enrollment") == [(0,)]


def test_loads_and_undos_from_the_command_line_are_audited(wh, tmp_path, monkeypatch):
    from auth import audit
    monkeypatch.setenv("LCC_AUDIT_LOG", str(tmp_path / "audit.log"))
    enrollment = write(tmp_path, "e.csv", "school,grade,school_year,students\nAlpha Elementary,3,2015-16,40\n")
    assert main(["load", str(enrollment), "--kind", "enrollment", "--community", "testville", "--warehouse",
                 str(wh), "--by", "jdoe"]) == 0
    load_id = query(wh, "SELECT max(load_id) FROM load_log")[0][0]
    assert main(["undo", str(load_id), "--warehouse", str(wh)]) == 0
    entries = audit.read()
    assert [(e["event"], e["user"]) for e in entries][:1] == [("load", "jdoe")]
    assert entries[0]["detail"]["loads"] == [load_id] and entries[1]["event"] == "undo"
    assert entries[1]["detail"] == {"load": load_id}


def test_a_report_cell_cannot_run_as_a_formula(wh, tmp_path):
    bad = write(tmp_path, "e.csv", "school,grade,school_year,students\n=HYPERLINK(\"x\"),3,2015-16,40\n")
    report = tmp_path / "report.csv"
    assert main(["load", str(bad), "--kind", "enrollment", "--community", "testville", "--warehouse", str(wh),
                 "--report", str(report)]) == 1
    assert "'=HYPERLINK" in report.read_text()
