"""A real browser: the suite starts the app, headless Chromium opens every page for two scopes,
fails on any Streamlit exception or error element, and saves a screenshot of each page
under screenshots/ (git-ignored) for a person to look at."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGES = {  # url path -> page file
    "overview": "overview", "activation": "activation", "circulation": "circulation",
    "eresources": "eresources", "cohorts": "cohorts", "data": "data", "briefing": "briefing",
    "load-data": "load_data",
}
SCOPES = {
    "cms-2015-16": "community=charlotte-mecklenburg&year=2015-16",
    "all-2015-16": "year=2015-16",
}
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(demo_path, tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "LCC_WAREHOUSE": str(demo_path)}
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true",
           "--browser.gatherUsageStats", "false"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start:\n{log.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def _wait_until_idle(page, timeout_s: float = 60) -> None:
    """Streamlit renders in steps: wait for the app to stop running and the page to settle."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout_s * 1000)
    # The first session after a server start shows an empty page while its first run imports
    # everything (over 10 s on a loaded machine), with no running indicator yet: wait for the
    # script's own first heading before looking for quiet.
    page.wait_for_selector('[data-testid="stMain"] [data-testid="stHeading"]', timeout=timeout_s * 2000)
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0 or \
            page.locator('[data-testid="stSpinner"]').count() > 0
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 1.5:
            return
        time.sleep(0.25)
    raise AssertionError("the page kept running for a minute")


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("name", PAGES)
def test_page_renders_without_errors(app_url, browser, name, scope):
    if not (ROOT / "pages" / f"{PAGES[name]}.py").exists():
        pytest.skip(f"pages/{PAGES[name]}.py does not exist")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    console_errors: list[str] = []
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    page.goto(f"{app_url}/{name}?{SCOPES[scope]}", wait_until="domcontentloaded")
    _wait_until_idle(page)
    shots = ROOT / "screenshots"
    shots.mkdir(exist_ok=True)
    page.screenshot(path=str(shots / f"{name}-{scope}.png"), full_page=True)
    exceptions = page.locator('[data-testid="stException"]').all_inner_texts()
    errors = page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
    assert not exceptions, f"{name} ({scope}) raised: {exceptions}"
    assert not errors, f"{name} ({scope}) shows an error: {errors}"
    assert not console_errors, f"{name} ({scope}) browser errors: {console_errors}"
    body = page.locator("body").inner_text()
    assert "demo" in body.lower(), f"{name} ({scope}) does not label the demo data"
    page.close()
