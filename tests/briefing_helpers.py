"""One build of the Charlotte Mecklenburg 2015-16 briefing per test session, shared by the
briefing tests (kaleido's browser is started once per process by briefing.render)."""
from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from pathlib import Path

import briefing
from briefing import content, render
from metrics import Scope
from warehouse import store

CMS = Scope("2015-16", community="charlotte-mecklenburg")
HAS_CHROMIUM = render.chromium_path() is not None
NO_CHROMIUM = "Debian's chromium is not installed (make test and .ci/run install it): charts cannot be exported"
HAS_POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdftoppm") is not None
NO_POPPLER = "poppler-utils (pdftotext, pdftoppm) is not installed"


@functools.lru_cache(maxsize=4)
def built(path: str, scope: Scope = CMS) -> tuple[content.Briefing, dict[str, bytes]]:
    """The briefing and its files; charts drawn when Chromium is there, noted otherwise."""
    con = store.open_readonly(Path(path))
    try:
        b = content.build(con, scope)
    finally:
        con.close()
    return b, briefing.files(b, pngs=briefing.chart_pngs(b, required=False))


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as poppler reads it, whitespace collapsed."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "b.pdf"
        src.write_bytes(pdf)
        out = subprocess.run(["pdftotext", "-layout", str(src), "-"], check=True, capture_output=True, text=True)
    return " ".join(out.stdout.split())
