"""The bad-input corpus: every broken file gets its own clear error (file, line, column, value,
what was expected) and the warehouse content is unchanged afterwards."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.load import load_files
from tests.test_ingest_load import CARDS, SCHOOLS, checksum, make_warehouse, query, write
from warehouse import store

COUNTER_BAD = Path(__file__).parent / "fixtures" / "counter_r5" / "bad"
ENROLL = "school,grade,school_year,students\nAlpha Elementary,3,2015-16,40\nAlpha Elementary,4,2015-16,30\n"
ACT = "patron_id,timestamp,event,channel\nZQ900001,2015-10-01 10:00:00,login,website\n"

# name, kind, file bytes, (line, column, words in the problem, value found)
CORPUS = [
    ("zero_bytes.csv", "enrollment", b"", (None, None, "the file is empty (0 bytes)", None)),
    ("blank_lines.csv", "enrollment", b"\n  \n\r\n", (None, None, "only blank lines", None)),
    ("header_only.csv", "enrollment", b"school,grade,school_year,students\n", (None, None, "no data rows", None)),
    ("truncated.csv", "card_activity", (ACT + "ZQ900002,2015-10-0").encode(),
     (3, None, "the row has 2 cells, the header has 4 (truncated", "(row withheld: it holds an ID)")),
    ("wrong_delimiter_rows.csv", "enrollment", b"school,grade,school_year,students\nAlpha Elementary;3;2015-16;40\n",
     (2, None, "the row has 1 cells, the header has 4", "Alpha Elementary;3;2015-16;40")),
    ("wrong_delimiter.csv", "enrollment", b"school:grade:school_year:students\nAlpha Elementary:3:2015-16:40\n",
     (1, None, "single column (wrong delimiter?)", "school:grade:school_year:students")),
    ("latin1_unknown_school.csv", "enrollment", "school,grade,school_year,students\nÉcole Montréal,3,2015-16,40\n"
     .encode("latin-1"), (2, "school", "unknown school", "École Montréal")),
    ("missing_column.csv", "enrollment", b"school,grade,school_year\nAlpha Elementary,3,2015-16\n",
     (1, None, "required column(s) missing: students", "school | grade | school_year")),
    ("extra_cells.csv", "enrollment", (ENROLL + "Alpha Elementary,5,2015-16,20,oops\n").encode(),
     (4, None, "the row has 5 cells, the header has 4", "Alpha Elementary,5,2015-16,20,oops")),
    ("column_twice.csv", "enrollment", b"school,grade,grade,school_year,students\nAlpha Elementary,3,3,2015-16,4\n",
     (1, "grade", "column grade appears twice", "grade")),
    ("impossible_date.csv", "cards", CARDS.replace("2015-09-08", "2015-02-30", 1).encode(),
     (2, "issued_date", "not a valid date", "2015-02-30")),
    ("ancient_date.csv", "cards", CARDS.replace("09/10/2015", "09/10/1915").encode(),
     (4, "issued_date", "impossible date", "09/10/1915")),
    ("negative_count.csv", "enrollment", ENROLL.replace(",30", ",-30").encode(),
     (3, "students", "negative count", "-30")),
    ("not_a_number.csv", "enrollment", ENROLL.replace(",30", ",thirty").encode(),
     (3, "students", "not a whole number", "thirty")),
    ("duplicate_rows.csv", "enrollment", (ENROLL + "Alpha Elementary,4,2015-16,30\n").encode(),
     (4, "school, grade, school_year", "duplicate row: same school, grade, school_year as line 3", None)),
    ("bad_grade.csv", "enrollment", ENROLL.replace(",3,", ",PK,").encode(), (2, "grade", "not a grade", "PK")),
    ("student_ids.csv", "enrollment", b"student_id,school,grade,school_year,students\n1,Alpha Elementary,3,2015-16,1\n",
     (1, "student_id", "student-level column and is refused", "student_id")),
    ("unknown_event.csv", "card_activity", ACT.replace("login,website", "teleport,website").encode(),
     (2, "event", "unknown value", "teleport")),
    ("sushi_exception.json", "counter", (COUNTER_BAD / "sushi_exception.json").read_bytes(),
     (None, None, "SUSHI server returned an exception instead of a report", None)),
    ("empty_report.json", "counter", (COUNTER_BAD / "empty_report.json").read_bytes(),
     (None, None, "no usage rows", None)),
    ("truncated.json", "counter", (COUNTER_BAD / "truncated.json").read_bytes(),
     (None, None, "the JSON cannot be parsed", None)),
    ("zero_bytes.tsv", "counter", b"", (None, None, "the file is empty (0 bytes)", None)),
    ("negative_count.csv", "counter", (COUNTER_BAD / "negative_count.csv").read_bytes(),
     (None, None, "negative count", "-3")),
]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A warehouse with Testville's schools and cards, built once; each test works on a copy."""
    d = tmp_path_factory.mktemp("bad")
    mp = pytest.MonkeyPatch()
    mp.setenv("LCC_SECRET_FILE", str(d / "secret.key"))
    wh = make_warehouse(d / "wh.duckdb")
    for kind, text in (("schools", SCHOOLS), ("cards", CARDS)):
        assert load_files([write(d, f"{kind}.csv", text)], community="testville", source=kind, path=wh).committed
    yield wh, d / "secret.key"
    mp.undo()


@pytest.mark.parametrize("name,kind,data,expected", CORPUS, ids=[f"{c[1]}-{c[0]}" for c in CORPUS])
def test_bad_file_is_rejected_with_a_clear_error_and_nothing_changes(base, tmp_path, monkeypatch, name, kind, data,
                                                                     expected):
    source, key = base
    monkeypatch.setenv("LCC_SECRET_FILE", str(key))
    wh = store.copy_published(source, tmp_path / "wh.duckdb")
    before = checksum(wh)
    path = tmp_path / name
    path.write_bytes(data)
    report = load_files([path], community="testville", source=kind, path=wh)
    assert not report.ok and not report.committed
    line, column, words, value = expected
    matching = [p for p in report.problems if words in p.problem and p.severity == "error"]
    assert matching, [str(p) for p in report.problems]
    problem = matching[0]
    assert (problem.file, problem.line, problem.column) == (name, line, column) or kind == "counter"
    if value is not None:
        assert problem.value == value
    assert problem.expected
    assert checksum(wh) == before


def test_a_windows_1252_file_loads_with_its_accents(base, tmp_path, monkeypatch):
    source, key = base
    monkeypatch.setenv("LCC_SECRET_FILE", str(key))
    wh = store.copy_published(source, tmp_path / "wh.duckdb")
    text = "School;Grade Low;Grade High\r\nÉcole Montréal – Nord;K;5\r\n"  # the en dash is cp1252-only
    report = load_files([write(tmp_path, "s.csv", text, "cp1252")], community="testville", source="schools", path=wh)
    assert report.committed
    assert any("read as cp1252" in p.problem for p in report.problems)
    assert query(wh, "SELECT name FROM school WHERE name LIKE 'École%'") == [("École Montréal – Nord",)]


def test_a_bom_and_crlf_file_loads(base, tmp_path, monkeypatch):
    source, key = base
    monkeypatch.setenv("LCC_SECRET_FILE", str(key))
    wh = store.copy_published(source, tmp_path / "wh.duckdb")
    data = b"\xef\xbb\xbf" + ENROLL.replace("\n", "\r\n").encode()
    path = tmp_path / "e.csv"
    path.write_bytes(data)
    assert load_files([path], community="testville", source="enrollment", path=wh).committed
    assert query(wh, "SELECT sum(students) FROM enrollment") == [(70,)]


def test_unknown_community_is_refused(base, tmp_path):
    source, _ = base
    report = load_files([write(tmp_path, "e.csv", ENROLL)], community="atlantis", source="enrollment", path=source)
    assert "unknown community 'atlantis'" in report.problems[0].problem
