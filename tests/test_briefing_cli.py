"""`python -m briefing`: a round of briefings, a clear error for what the warehouse lacks."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from briefing.__main__ import main
from tests.briefing_helpers import HAS_CHROMIUM, NO_CHROMIUM

ROOT = Path(__file__).resolve().parent.parent


def test_writes_pdf_and_pptx_for_each_community(demo_path, tmp_path, capsys):
    code = main(["--warehouse", str(demo_path), "--year", "2015-16", "--community", "charlotte-mecklenburg",
                 "--community", "denver", "--cohort", "1", "--out", str(tmp_path), "--format", "pdf", "pptx"])
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "briefing-charlotte-mecklenburg-2015-16.pdf", "briefing-charlotte-mecklenburg-2015-16.pptx",
        "briefing-cohort-1-2015-16.pdf", "briefing-cohort-1-2015-16.pptx",
        "briefing-denver-2015-16.pdf", "briefing-denver-2015-16.pptx"]
    err = capsys.readouterr().err
    assert "3/3" in err                         # the progress bar ran to the end
    assert "6 files for 3 briefing(s)" in err
    from auth import audit
    logged = [e for e in audit.read() if e["event"] == "export" and e["detail"]["out"] == str(tmp_path)]
    assert [(e["community"], e["scope"]["cohort"], len(e["detail"]["files"])) for e in logged] == [
        ("charlotte-mecklenburg", None, 2), ("denver", None, 2), (None, 1, 2)]
    assert all(e["role"] == "program" and e["user"] for e in logged)


@pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM)
def test_chart_pngs(demo_path, tmp_path):
    assert main(["--warehouse", str(demo_path), "--year", "2015-16", "--community", "charlotte-mecklenburg",
                 "--out", str(tmp_path), "--format", "png"]) == 0
    pngs = sorted(tmp_path.glob("*.png"))
    assert [p.name for p in pngs] == ["briefing-charlotte-mecklenburg-2015-16-activation.png",
                                      "briefing-charlotte-mecklenburg-2015-16-circulation-by-format.png"]
    for p in pngs:
        head = p.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(head[16:20], "big") >= 1000    # sharp enough to print


@pytest.mark.parametrize("args, message", [
    (["--community", "atlantis"], "unknown community 'atlantis'"),
    (["--community", "denver", "--year", "2030-31"], "unknown school year '2030-31'"),
    (["--community", "denver", "--year", "2015"], "is not of the form '2015-16'"),
    (["--cohort", "9"], "unknown cohort 9"),
    (["--all-communities", "--in-cohort", "9"], "no communities in cohort 9"),
    ([], "say for whom"),
])
def test_unknown_scope_exits_2_and_writes_nothing(demo_path, tmp_path, capsys, args, message):
    argv = ["--warehouse", str(demo_path), "--out", str(tmp_path / "out")] + args
    if "--year" not in args:
        argv += ["--year", "2015-16"]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_runs_as_a_module(demo_path):
    out = subprocess.run([sys.executable, "-m", "briefing", "--warehouse", str(demo_path), "--list"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert "charlotte-mecklenburg" in out.stdout and "2015-16" in out.stdout


def test_without_chromium_a_clear_error_and_exit_1(demo_path, tmp_path):
    env = {**os.environ, "BROWSER_PATH": str(tmp_path / "no-such-chromium")}
    out = subprocess.run([sys.executable, "-m", "briefing", "--warehouse", str(demo_path), "--year", "2015-16",
                          "--community", "denver", "--out", str(tmp_path / "out")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "Chart export needs Chromium" in out.stderr
