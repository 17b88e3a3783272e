"""Raw IDs never leave the reader: not in a validation message (whatever column the ID turned up
in), not in quarantine, not in a temp copy left by a killed validation; and no load with a weak or
readable key. Each test scans every byte under the data folder and the temp folder."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from ingest import tempfiles
from ingest import load as load_module
from ingest.load import load_files, quarantined
from ingest.problems import Problem, could_be_id
from tests.test_ingest_load import ACTIVITY, CARDS, RAW_IDS, SCHOOLS, make_warehouse, write
from warehouse import pseudonymize

ROOT = Path(__file__).resolve().parent.parent
# Line 3 has its ID and timestamp swapped: the ID sits in the timestamp column.
SWAPPED = ACTIVITY + "2015-10-05 09:00:00;ZQ900004;login;app\n"


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """data/ (warehouse, key), tmp/ (the temp folder) and in/ (the input files, not scanned)."""
    data, tmp, inputs = tmp_path / "data", tmp_path / "tmp", tmp_path / "in"
    for d in (data, tmp, inputs):
        d.mkdir()
    monkeypatch.setenv("LCC_SECRET_FILE", str(data / "pseudonymization.key"))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    wh = make_warehouse(data / "warehouse.duckdb")
    assert load_files([write(inputs, "schools.csv", SCHOOLS)], community="testville", source="schools",
                      path=wh).committed
    assert load_files([write(inputs, "cards.csv", CARDS)], community="testville", source="cards", path=wh,
                      school_year="2015-16").committed
    return data, tmp, inputs, wh


def raw_ids_under(*folders: Path) -> list[tuple[str, bytes]]:
    found = []
    for folder in folders:
        for p in folder.rglob("*"):
            if p.is_file() and not p.is_symlink():
                data = p.read_bytes()
                found += [(str(p), rid) for rid in RAW_IDS if rid in data]
    return found


def test_values_that_could_be_ids_are_withheld_whatever_the_column():
    assert could_be_id("ZQ900004") and could_be_id("12345678") and could_be_id("jo@school.org")
    assert not any(could_be_id(v) for v in ("2015-10-01 10:00:00", "2015-10-01T10:00", "12,345", "-5", "K", "13"))
    p = Problem("a.csv", "not a valid date and time", "a date", line=3, column="timestamp", value="ZQ900004")
    assert "ZQ900004" not in str(p) and p.value.startswith("(withheld")


def test_an_id_in_the_wrong_column_is_in_no_report_no_quarantine_and_no_file(folders):
    data, tmp, inputs, wh = folders
    f = write(inputs, "activity.csv", SWAPPED)
    checked = load_files([f], community="testville", source="card_activity", path=wh, dry_run=True)
    assert not checked.ok
    report = checked.problems_frame().to_csv(index=False) + "\n".join(map(str, checked.problems))
    assert "timestamp" in report and "line 5" in report          # still says where and what
    assert not [rid for rid in RAW_IDS if rid.decode() in report]
    done = load_files([f], community="testville", source="card_activity", path=wh, allow_partial=True)
    assert done.committed and done.files[0].rejected == 1
    q = quarantined(done.files[0].load_id, wh)
    assert len(q) == 1 and "ZQ900004" not in q.to_csv() and "withheld" in q["row_json"][0]
    assert not [rid for rid in RAW_IDS if rid.decode() in "\n".join(map(str, done.problems))]
    assert raw_ids_under(data, tmp) == []


KILLED = """
import os, signal, sys, tempfile
from pathlib import Path
from types import SimpleNamespace
sys.path.insert(0, {root!r})
from ingest import load
def killed(path, ctx):   # the server process dies in the middle of validating the upload
    os.kill(os.getpid(), signal.SIGKILL)
load.READERS["cards"] = killed
source = Path({page!r}).read_text().split("# ----------------------------------------------------------------- the page")[0]
page = {{}}
exec(compile(source, {page!r}, "exec"), page)
data = Path({file!r}).read_bytes()
page["run_load"]([SimpleNamespace(name="cards.csv", size=len(data), getvalue=lambda: data)],
                 community="testville", kind="cards", dry_run=True, school_year="2015-16")
"""


def test_a_killed_upload_validation_leaves_no_copy_after_the_next_start(folders):
    data, tmp, inputs, wh = folders
    script = KILLED.format(root=str(ROOT), page=str(ROOT / "pages" / "load_data.py"),
                           file=str(write(inputs, "cards2.csv", CARDS + "ZQ900009,Beta High,10,student,virtual,2015-09-09\n")))
    env = {**os.environ, "TMPDIR": str(tmp), "LCC_WAREHOUSE": str(wh)}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    assert raw_ids_under(tmp)          # the copy was there when the process died
    # The next process to start (a load from the command line here; the dashboard does the same) sweeps it.
    load_files([write(inputs, "cards.csv", CARDS)], community="testville", source="cards", path=wh,
               school_year="2015-16")
    assert raw_ids_under(data, tmp) == []


def test_sweep_removes_what_a_dead_process_left_whatever_its_name(folders):
    data, tmp, inputs, wh = folders
    odd = tempfiles.root() / "anything.csv"
    odd.write_bytes(b"ZQ900001,Alpha\n")
    legacy = tmp / "lcc-upload-abc123"
    legacy.mkdir()
    (legacy / "cards.csv").write_bytes(CARDS.encode())
    os.utime(legacy, (0, 0))    # left by an older version long ago
    with tempfiles.folder("upload") as mine:       # this live process's own folder stays
        (mine / "x").write_bytes(b"")
        tempfiles.sweep()
        assert mine.exists()
    assert not odd.exists() and not legacy.exists()
    assert oct(os.stat(tempfiles.root()).st_mode & 0o777) == "0o700"


@pytest.mark.parametrize("content, mode, says", [
    ("", 0o644, "can be read by other accounts"),
    ("", 0o600, "holds 0 bytes"),
    ("00" * 32, 0o600, "too little variety"),
    ("ab" * 16, 0o600, "holds 16 bytes"),
    ("not hex at all", 0o600, "not hex"),
    ("5f3a9c" * 10 + "e1d7", 0o640, "can be read by other accounts"),   # a good key, but readable
], ids=["empty-readable", "empty", "zeros", "short", "not-hex", "readable"])
def test_a_weak_or_readable_key_refuses_the_load(folders, content, mode, says):
    data, tmp, inputs, wh = folders
    key = data / "pseudonymization.key"
    key.write_text(content)
    os.chmod(key, mode)
    f = write(inputs, "activity.csv", ACTIVITY)
    with pytest.raises(pseudonymize.KeyFileError, match=says):
        load_files([f], community="testville", source="card_activity", path=wh)
    assert raw_ids_under(data, tmp) == []


def test_a_good_key_file_is_used(folders):
    data, tmp, inputs, wh = folders
    key = data / "pseudonymization.key"
    assert oct(key.stat().st_mode & 0o777) == "0o600" and len(pseudonymize.load_key()) == 32


def test_quarantine_rows_kept_before_the_check_are_scrubbed_by_the_next_load(folders):
    import json

    from warehouse import store
    data, tmp, inputs, wh = folders
    with store.publishing(wh) as con:   # as an older version stored a swapped row (before any scrub)
        con.execute("DELETE FROM warehouse_meta WHERE key = 'quarantine_scrubbed'")
        con.execute("INSERT INTO quarantine VALUES (2, 5, 'timestamp: not a valid date and time', ?)",
                    [json.dumps({"timestamp": "ZQ900004", "event": "login", "patron_id_pseudonym": "ab" * 32})])
    load_files([write(inputs, "activity.csv", ACTIVITY)], community="testville", source="card_activity", path=wh)
    row = json.loads(quarantined(2, wh)["row_json"][0])
    assert row["timestamp"].startswith("(withheld") and row["event"] == "login"
    assert row["patron_id_pseudonym"] == "ab" * 32


def test_a_damaged_parquet_file_is_a_problem_of_the_file_not_a_traceback(folders):
    data, tmp, inputs, wh = folders
    bad = inputs / "schools.parquet"
    bad.write_bytes(b"PAR1" + b"\x00" * 100 + b"PAR1")
    report = load_files([bad], community="testville", source="schools", path=wh)
    assert not report.ok and "damaged or cut short" in str(report.problems[0])
    assert str(inputs) not in str(report.problems[0])


def test_a_full_disk_while_checking_is_a_clear_message_and_leaves_no_temp_copy(folders, monkeypatch):
    import errno

    from warehouse import store
    data, tmp, inputs, wh = folders

    def full(path, ctx):
        (ctx.tmp_dir / "typed.parquet").write_bytes(b"ZQ900001 half written")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setitem(load_module.READERS, "cards", full)
    with pytest.raises(store.StoreError, match="disk is full"):
        load_files([write(inputs, "c2.csv", CARDS + "ZQ900009,Beta High,10,student,virtual,2015-09-09\n")],
                   community="testville", source="cards", path=wh, school_year="2015-16")
    assert raw_ids_under(data, tmp) == []


def test_an_id_in_the_item_type_column_is_not_listed_as_an_unmapped_code(folders):
    from tests.test_ingest_load import CIRCULATION, CODE_MAP
    data, tmp, inputs, wh = folders
    assert load_files([write(inputs, "codes.csv", CODE_MAP)], community="testville", source="code_map",
                      path=wh).committed
    swapped = CIRCULATION + "ZQ900001\t2015-10-04 10:00:00\tZQ900003\t\tcheckout\nZQ900002\t2015-10-05 10:00:00\tDVD\t\tcheckout\n"
    report = load_files([write(inputs, "circ.csv", swapped)], community="testville", source="circulation",
                        path=wh, dry_run=True)
    unmapped = report.files[0].unmapped
    assert unmapped["code"].tolist() == ["DVD"]                  # a real unmapped code is still listed
    text = "\n".join(map(str, report.problems)) + unmapped.to_csv()
    assert "ZQ900003" not in text and "withheld because they could be IDs" in text
