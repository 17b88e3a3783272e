"""Load data page: renders on a small warehouse, offers templates, previews without raw IDs,
validates then loads an enrollment file, undoes it with a confirmation, saves the code mapping and
adds campaigns and targets.

AppTest cannot drive st.file_uploader, so the upload path is tested through the page's own helpers
(run_load, preview) with objects shaped like Streamlit's UploadedFile; the rest through the page.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from ingest import templates
from tests.dashboard_support import sign_in, table_with, write_access_file
from warehouse import store

ROOT = Path(__file__).resolve().parent.parent
SCHOOLS = "school,school_type,grade_low,grade_high\nAlpha Elementary,district,K,5\nBeta High,district,9,12\n"
ENROLLMENT = ("school,grade,school_year,students\nAlpha Elementary,K,2015-16,120\nAlpha Elementary,1,2015-16,118\n"
              "Beta High,9,2015-16,300\n")


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    path = tmp_path / "wh" / "warehouse.duckdb"
    with store.publishing(path, fresh=True) as con:
        con.execute("""INSERT INTO community VALUES
            (1, 'testville', 'Testville', 'NC', 1, DATE '2015-09-01', DATE '2015-09-08', 'MOU', NULL, NULL, FALSE),
            (2, 'otherton', 'Otherton', 'OH', 2, DATE '2016-09-01', NULL, 'MOU', NULL, NULL, FALSE)""")
        con.execute("INSERT INTO school_year VALUES ('2015-16', DATE '2015-07-01', DATE '2016-06-30', NULL)")
    monkeypatch.setenv("LCC_WAREHOUSE", str(path))
    monkeypatch.setenv("LCC_SECRET_FILE", str(tmp_path / "secret.key"))
    write_access_file(tmp_path / "access.toml", monkeypatch)   # real data: only signed-in users see it
    return path


@pytest.fixture
def page():
    """The page module's helper functions, without running the page."""
    spec = importlib.util.spec_from_file_location("load_data_page", ROOT / "pages" / "load_data.py")
    source = (ROOT / "pages" / "load_data.py").read_text()
    helpers = source.split("# ----------------------------------------------------------------- the page")[0]
    module = importlib.util.module_from_spec(spec)
    exec(compile(helpers, str(ROOT / "pages" / "load_data.py"), "exec"), module.__dict__)
    return module


def upload(name: str, text: str):
    data = text.encode()
    return SimpleNamespace(name=name, size=len(data), getvalue=lambda: data)


def rows(path: Path, sql: str):
    con = store.open_readonly(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def open_page(**params) -> AppTest:
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60))
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/load_data.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_page_shows_the_controls(warehouse):
    at = open_page(community="testville")
    assert at.title[0].value == "Load data"
    assert at.selectbox(key="ld_community").value == "testville"   # follows the sidebar's community
    assert at.selectbox(key="ld_kind").value == "enrollment"
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download template" in labels
    assert at.get("file_uploader")
    assert [s.value for s in at.header][:5] == ["1. Which community, which kind of file", "2. Upload and check",
                                                   "3. Load log", "4. Item-type code mapping",
                                                   "5. Campaigns, annotations and targets"]
    # The partial-load option is for event files only.
    assert not [c for c in at.checkbox if c.key == "ld_partial"]
    at.selectbox(key="ld_kind").set_value("circulation").run()
    assert [c for c in at.checkbox if c.key == "ld_partial"]
    at.selectbox(key="ld_kind").set_value("counter").run()
    assert "no template needed" in " ".join(i.value for i in at.info)


def test_templates_offered_for_every_file_layout(warehouse):
    at = open_page()
    for kind in templates.kinds():
        at.selectbox(key="ld_kind").set_value(kind).run()
        assert not at.exception
        button = next(b for b in at.get("download_button") if b.proto.label == "Download template")
        assert button.proto.label  # rendered; its content is template_csv(kind), tested in the ingest tests


def test_preview_hides_student_ids(page):
    cards = upload("cards.csv", "Student ID;School;Grade\nZQ900001;Alpha Elementary;K\nZQ900002;Beta High;9\n")
    shown = page.preview(cards.name, cards.getvalue(), "cards")
    assert list(shown.columns) == ["Student ID", "School", "Grade"]
    assert set(shown["Student ID"]) == {page.HIDDEN}
    assert list(shown["School"]) == ["Alpha Elementary", "Beta High"]
    assert "ZQ9000" not in shown.to_csv()
    assert page.preview("empty.csv", b"", "enrollment") == "The file is empty (0 bytes)."
    latin = page.preview("x.csv", "school,grade\nÉcole Saint-Médard,K\n".encode("cp1252"), "enrollment")
    assert latin.iloc[0, 0] == "École Saint-Médard"


def test_validate_then_load_an_enrollment_upload(warehouse, page):
    page.load.load_files([_write(warehouse.parent, "schools.csv", SCHOOLS)], community="testville",
                         source="schools", path=warehouse)
    files = [upload("enrollment.csv", ENROLLMENT)]
    checked = page.run_load(files, community="testville", kind="enrollment", dry_run=True)
    assert [f.status for f in checked.files] == ["ready"] and checked.files[0].rows == 3
    assert rows(warehouse, "SELECT count(*) FROM enrollment") == [(0,)]   # validation writes nothing

    steps = []
    done = page.run_load(files, community="testville", kind="enrollment", dry_run=False,
                         progress=lambda i, n, label: steps.append(label))
    assert done.committed and steps[-1] == "published"
    assert rows(warehouse, "SELECT sum(students) FROM enrollment") == [(538,)]
    assert "3 rows loaded as load 2" in page.loaded_sentence(done)

    again = page.run_load(files, community="testville", kind="enrollment", dry_run=True)
    assert again.files[0].status == "already loaded"
    assert "as load 2; nothing changed" in page.loaded_sentence(again)

    bad = page.run_load([upload("enrollment.csv", ENROLLMENT.replace("118", "-5"))], community="testville",
                        kind="enrollment", dry_run=True)
    report = bad.problems_frame()
    assert not bad.ok
    assert report.loc[0, ["line", "column", "value"]].tolist() == [3, "students", "-5"]

    # The page shows the load in its log, with an Undo button that asks first.
    at = open_page(community="testville")
    assert "ld_undo_2" in [b.key for b in at.button]
    at.button(key="ld_undo_2").click().run()
    assert "Undo load 2" in at.warning[0].value
    assert rows(warehouse, "SELECT count(*) FROM enrollment") == [(3,)]   # not before confirming
    at.button(key="ld_undo_yes").click().run()
    assert not at.exception
    assert rows(warehouse, "SELECT count(*) FROM enrollment") == [(0,)]
    assert "Load 2 (enrollment.csv) undone" in at.success[0].value


def test_unmapped_codes_listed_and_mapping_saved(warehouse, page):
    circ = upload("circ.csv", "patron_id,timestamp,item_type,action\nX1,2015-10-01 10:00,JNF,checkout\n")
    checked = page.run_load([circ], community="testville", kind="circulation", dry_run=True)
    assert page.unmapped_frame(checked).to_dict("records") == [{"code": "JNF", "rows": 1, "file": "circ.csv"}]

    at = open_page(community="testville")
    at.button(key="ld_map_save").click().run()
    assert "The mapping has no rows" in at.error[0].value
    import pandas as pd
    from ingest import annotations
    report = annotations.save_code_mapping("testville", pd.DataFrame(
        [{"code": "jnf", "format": "print", "audience": "juvenile", "fiction": "non-fiction", "platform": None}]),
        path=warehouse)
    assert report.committed
    assert annotations.code_mapping("testville", warehouse).to_dict("records") == [
        {"code": "JNF", "format": "print", "audience": "juvenile", "fiction": "non-fiction", "platform": "ILS"}]


def test_campaign_and_target_forms(warehouse):
    at = open_page(community="testville")
    # no targets yet: the page says so instead of an empty grid under a download button
    assert "Nothing here yet." in [c.value for c in at.caption]
    assert "ld-targets-csv" not in [b.key for b in at.get("download_button")]
    title = next(t for t in at.text_input if t.label == "Title")
    title.set_value("Teacher challenge")
    start = next(d for d in at.date_input if d.label == "Start date")
    import datetime as dt
    start.set_value(dt.date(2015, 12, 1))
    next(b for b in at.button if b.label == "Add").click().run()
    assert not at.exception
    assert "Added “Teacher challenge”" in at.success[0].value
    assert rows(warehouse, "SELECT community_id, start_date, title, kind FROM campaign") == [
        (1, dt.date(2015, 12, 1), "Teacher challenge", "campaign")]
    listed = table_with(at, "Title").set_index("Title").loc["Teacher challenge"]
    assert (listed["Start"], listed["End"]) == ("Dec. 1, 2015", "–")     # no end date: "–", never "None"

    at.number_input(key="ld_t_value").set_value(85.0)
    at.selectbox(key="ld_t_year").set_value("2015-16")
    next(b for b in at.button if b.label == "Save target").click().run()
    assert not at.exception
    assert rows(warehouse, "SELECT school_year, metric, value FROM target") == [("2015-16", "activation_rate", 0.85)]
    assert any(s.value.startswith("Target saved") for s in at.success)


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


def test_changes_on_the_page_are_audited_as_the_signed_in_user(warehouse, tmp_path, monkeypatch):
    import datetime as dt

    from auth import audit
    monkeypatch.setenv("LCC_AUDIT_LOG", str(tmp_path / "audit.log"))
    at = open_page(community="testville")
    next(t for t in at.text_input if t.label == "Title").set_value("Teacher challenge")
    next(d for d in at.date_input if d.label == "Start date").set_value(dt.date(2015, 12, 1))
    next(b for b in at.button if b.label == "Add").click().run()
    at.number_input(key="ld_t_value").set_value(85.0)
    at.selectbox(key="ld_t_year").set_value("2015-16")
    next(b for b in at.button if b.label == "Save target").click().run()
    assert not at.exception
    events = [(e["event"], e["user"], e["detail"]["community"]) for e in audit.read()
              if e["event"] in ("campaign", "target")]
    assert events == [("campaign", "ops", "testville"), ("target", "ops", "testville")]
    # The load log's "By" is the signed-in user, not the server's login name.
    assert {r[0] for r in rows(warehouse, "SELECT loaded_by FROM load_log WHERE source IN ('campaign', 'target')")} \
        == {"ops"}
