"""Static images: Plotly charts to PNG with kaleido, and a PDF page to PNG with pdftoppm.

kaleido drives a Chromium; it uses Debian's `chromium` at /usr/bin/chromium (or $BROWSER_PATH)
and never downloads one. Starting a browser costs 2-4 s, so one kaleido server is started per
process and reused (about 0.2 s per image after that). Images are made one at a time: the
server is shared by Streamlit's session threads.
"""
from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import threading
import warnings
from pathlib import Path

import plotly.graph_objects as go

SCALE = 4   # charts are laid out in points; 4 px per point is about 290 dpi on paper
_lock = threading.Lock()
_started = False


class ChromiumMissing(RuntimeError):
    pass


def chromium_path() -> str | None:
    """The Chromium kaleido will use: $BROWSER_PATH, else `chromium` on the PATH."""
    path = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    return path if path and Path(path).exists() else None


def _start() -> None:
    global _started
    if _started:
        return
    if chromium_path() is None:
        raise ChromiumMissing("Chart export needs Chromium: install Debian's package "
                              "(`apt-get install chromium`) or set BROWSER_PATH to a Chromium binary.")
    import kaleido
    # MathJax would come from a CDN (kaleido's default) and the charts use no TeX: leave it
    # out so nothing is fetched at run time; plotly.js comes from the installed plotly package.
    kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    atexit.register(kaleido.stop_sync_server, silence_warnings=True)
    _started = True


def png(fig: go.Figure, scale: float = SCALE) -> bytes:
    """The figure as PNG at its own width and height (in points) times scale."""
    with _lock:
        _start()
        with warnings.catch_warnings():
            # plotly passes kaleido options that a running server ignores, and says so each time.
            warnings.filterwarnings("ignore", message="The kopts argument is ignored")
            return fig.to_image(format="png", scale=scale)


def pdf_pages_png(pdf: bytes, dpi: int = 100) -> list[bytes]:
    """Every page of a PDF as PNG, with poppler's pdftoppm (Debian: poppler-utils)."""
    if shutil.which("pdftoppm") is None:
        raise RuntimeError("pdftoppm is missing: install Debian's poppler-utils")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(src), str(Path(tmp) / "page")],
                       check=True, capture_output=True, timeout=60)
        return [p.read_bytes() for p in sorted(Path(tmp).glob("page*.png"))]
