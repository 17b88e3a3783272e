"""A real browser: the suite starts the app, headless Chromium opens every page for two scopes,
fails on any Streamlit exception or error element, and saves a screenshot of each page
under screenshots/ (git-ignored) for a person to look at.

Accessibility (the second half of this file, in functions of its own): axe-core, injected by
Playwright, checks every page for three scopes, signed in as program staff and as a community
user, against the WCAG 2.1 A and AA rules, and a keyboard-only walk tabs through the sidebar
and one page's controls. axe-core comes from npm (package.json; `make test` runs `npm ci`)."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.ws_support import server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGES = {  # url path -> page file
    "overview": "overview", "activation": "activation", "circulation": "circulation",
    "eresources": "eresources", "cohorts": "cohorts", "needs-help": "needs_help", "data": "data",
    "briefing": "briefing", "load-data": "load_data",
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


def _start_app(demo_path, log: Path, extra_env: dict[str, str] | None = None):
    """A Streamlit server on the warehouse; yields its URL and stops it afterwards."""
    with server(ROOT / "server.py", {"LCC_WAREHOUSE": str(demo_path), **(extra_env or {})}, log) as url:
        yield url


@pytest.fixture(scope="module")
def app_url(demo_path, tmp_path_factory):
    yield from _start_app(demo_path, tmp_path_factory.mktemp("streamlit") / "server.log")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def _wait_until_idle(page, timeout_s: float = 180) -> None:
    """Streamlit renders in steps: wait for the app to stop running and the page to settle."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout_s * 1000)
    # The first session after a server start shows an empty page while its first run imports
    # everything (over 10 s on a loaded machine), with no running indicator yet: wait for the
    # script's own first heading (every page and the sign-in form open with a title).
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout_s * 2000)
    deadline = time.monotonic() + timeout_s
    quiet_since = seen_quiet = None
    while time.monotonic() < deadline:
        # stale elements (faded while a rerun replaces them) count as running: axe would see
        # their faded colors
        shown_running = page.locator('[data-testid="stStatusWidget"]').count() > 0 or \
            page.locator('[data-testid="stSpinner"]').count() > 0 or \
            page.locator('[data-stale="true"]').count() > 0
        # The app's own script state too: the status widget does not show during every pause of
        # a cold run, and a page screenshot then caught it half drawn.
        script_running = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').count() == 0
        seen_quiet = None if shown_running else (seen_quiet or time.monotonic())
        if shown_running or script_running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 1.5:
            return
        time.sleep(0.25)
    if seen_quiet is not None and time.monotonic() - seen_quiet > 1.5:
        return   # quiet on screen all along: as the test waited before it read the script state
    raise AssertionError(f"the page kept running for {timeout_s:.0f} s")


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


def _text_of(browser, url: str, last: str) -> str:
    """The page's main text once `last` (something the page draws near its end) is shown: a
    cold first run computes every year's figures and can pause between elements."""
    page = browser.new_page(viewport={"width": 1400, "height": 4000})
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text(last).first.wait_for(timeout=300_000)
    _wait_until_idle(page, 180)
    text = page.locator('[data-testid="stMain"]').inner_text()
    page.close()
    return text


def test_the_cohort_story_first_in_a_real_browser(app_url, browser):
    """Issue 16: for cohort 1, 2015-16, the Overview and the Cohorts page lead with more than a
    million new student cards and the five survey indicators with n = 60; the program view lists
    communities needing help with their reasons."""
    for page, last in (("overview", "Every school year"), ("cohorts", "the interval is a Wilson 95% interval")):
        text = _text_of(browser, f"{app_url}/{page}?cohort=1&year=2015-16", last)
        assert "1,167,584" in text and "New student cards issued" in text, page
        assert text.count("of n = 60 communities answered yes") == 5, page
    text = _text_of(browser, f"{app_url}/needs-help?year=2015-16", "communities stand out, 2015-16")
    assert "communities stand out, 2015-16" in text
    assert "Below cohort" in text


# ------------------------------------------------------------------------------ accessibility
# WCAG 2.1 A and AA with axe-core, on every page, signed in as program staff and as a community
# user. The sign-in step is its own function (sign_in) so that a change to the form touches one
# place.

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
A11Y_SCOPES = {
    "cms-2015-16": "community=charlotte-mecklenburg&year=2015-16",
    "cohort-1-2015-16": "cohort=1&year=2015-16",
    "program-2015-16": "year=2015-16",
}
USERS = {"staff": None, "cms": "charlotte-mecklenburg"}     # user name -> community (None: program staff)
needs_axe = pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed: `npm ci` (make test runs it)")


@pytest.fixture(scope="module")
def signed_in_app_url(demo_path, tmp_path_factory):
    """The app with an access file (password sign-in): a program user and a community user."""
    from tests.dashboard_support import PASSWORD
    folder = tmp_path_factory.mktemp("a11y")
    access = _access_file(folder / "access.toml", PASSWORD)
    yield from _start_app(demo_path, folder / "server.log",
                          {"LCC_ACCESS_FILE": str(access), "LCC_AUDIT_LOG": str(folder / "audit.log")})


def _access_file(path: Path, password: str) -> Path:
    from argon2 import PasswordHasher

    from auth import config
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(password)
    users = {name: config.User(name, "community" if slug else "program", slug, name.title(), cheap)
             for name, slug in USERS.items()}
    config.save(config.AccessConfig(path, config.Settings(), users), path)
    return path


def sign_in(page, user: str) -> None:
    """Sign in through the form the gate shows (the session lives in this browser tab)."""
    from tests.dashboard_support import PASSWORD
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]', timeout=60_000)


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it stands."""
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return result["violations"]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        for node in v["nodes"][:5]:
            lines.append(f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')[:200]}")
    return "\n".join(lines)


def heading_levels(page) -> list[int]:
    """The levels of the page's own headings (h1 to h4), in document order."""
    return page.eval_on_selector_all('[data-testid="stMain"] :is(h1, h2, h3, h4)',
                                     "els => els.map(e => Number(e.tagName[1]))")


def open_page(page, url: str, name: str, user: str) -> None:
    """Go to a page the way a person does: by the sidebar's link when it is there (the session,
    and so the sign-in, carries over), else by its address and signing in."""
    link = page.locator(f'[data-testid="stSidebar"] a[href^="{name}?"]')
    if link.count():
        link.first.click()
        page.wait_for_url(f"**/{name}?**", timeout=60_000)
    else:
        page.goto(url, wait_until="domcontentloaded")
        sign_in(page, user)
    _wait_until_idle(page)


SCOPE_LABELS = {"cms-2015-16": "Charlotte Mecklenburg", "cohort-1-2015-16": "Cohort 1",
                "program-2015-16": "All communities"}


def show_scope(page, scope: str) -> None:
    """Make sure the page shows this scope. An address without a scope opens a community user's
    own community, so the whole program is picked in the sidebar, as such a user would."""
    caption = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first
    if caption.inner_text().startswith(SCOPE_LABELS[scope]):
        return
    page.get_by_role("combobox", name="Scope").click()
    page.get_by_role("option", name=SCOPE_LABELS[scope]).click()
    _wait_until_idle(page)
    if "/load-data" not in page.url:   # Load data names the community it loads into, whatever the scope
        assert caption.inner_text().startswith(SCOPE_LABELS[scope]), caption.inner_text()


@needs_axe
@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("scope", A11Y_SCOPES)
def test_no_wcag_violations_on_any_page(signed_in_app_url, browser, scope, user):
    """Every page, signed in once per scope and user, moving through the sidebar's links."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems = []
    try:
        for name, module in PAGES.items():
            if not (ROOT / "pages" / f"{module}.py").exists():
                continue
            open_page(page, f"{signed_in_app_url}/{name}?{A11Y_SCOPES[scope]}", name, user)
            show_scope(page, scope)
            if page.evaluate("document.documentElement.lang") != "en-US":
                problems.append(f"{name}: lang is {page.evaluate('document.documentElement.lang')!r}")
            if not page.evaluate("typeof axe !== 'undefined'"):
                page.add_script_tag(content=AXE.read_text())
            violations = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                                       WCAG_TAGS)["violations"]
            if violations:
                problems.append(f"{name}:\n{describe_violations(violations)}")
            levels = heading_levels(page)
            if not levels or levels[0] != 1 or any(b - a > 1 for a, b in zip(levels, levels[1:])):
                problems.append(f"{name}: heading levels {levels}")
        assert not problems, f"{scope}, {user}:\n" + "\n".join(problems)
    finally:
        page.close()


@needs_axe
def test_sign_in_form_has_no_wcag_violations(signed_in_app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{signed_in_app_url}/overview", wait_until="domcontentloaded")
        page.get_by_label("User name").wait_for(timeout=60_000)
        _wait_until_idle(page)
        violations = axe_violations(page)
        assert not violations, describe_violations(violations)
    finally:
        page.close()


FOCUSED = """() => {
  const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
  const label = e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].innerText) || '';
  const name = (label || e.innerText || e.getAttribute('title') || '').trim();
  return {tag: e.tagName, name: name.split('\\n').pop(), inSidebar: !!e.closest('[data-testid="stSidebar"]'),
          ring: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none',
          width: r.width, height: r.height};
}"""


def tab_walk(page, presses: int) -> list[dict]:
    """Press Tab `presses` times from the top of the page; what had focus after each."""
    # Start from the top of the document, as a fresh page load does.
    page.evaluate("() => { document.body.tabIndex = -1; document.body.focus(); document.body.removeAttribute('tabindex'); }")
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUSED))
    return seen


@needs_axe
def test_keyboard_walk_through_sidebar_and_circulation_controls(signed_in_app_url, browser):
    """Keyboard only: Tab reaches the skip link, the page menu in order, the scope and year
    pickers, then the page's own controls (the breakdown buttons), each with a visible focus ring;
    the pickers open and choose with the keyboard."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{signed_in_app_url}/circulation?community=charlotte-mecklenburg&year=2015-16",
                  wait_until="domcontentloaded")
        sign_in(page, "staff")
        _wait_until_idle(page)
        walk = tab_walk(page, 24)
        names = [w["name"] for w in walk]
        assert names[0] == "Skip to main content"
        menu = ["Overview", "Activation", "Circulation", "E-resources", "Cohorts", "Briefing", "Data", "Load data"]
        at = [names.index(m) for m in menu]
        assert at == sorted(at), f"page menu out of order: {names}"
        scope, year = names.index("Scope"), names.index("School year")
        assert at[-1] < scope < year, names
        after = walk[year + 1:]
        assert not any(w["inSidebar"] for w in after[1:]), "focus went back into the sidebar"
        assert "Format" in [w["name"] for w in after], f"the breakdown control is not reached: {names}"
        missing_ring = [w["name"] or w["tag"] for w in walk if not w["ring"]]
        assert not missing_ring, f"focus not visible on {missing_ring}"
        assert all(w["width"] > 0 and w["height"] > 0 for w in walk)

        # Operate the year picker with the keyboard alone: focus, open, pick 2014-15, confirm.
        page.get_by_role("combobox", name="School year").focus()
        page.keyboard.press("ArrowDown")
        page.get_by_role("option", name="2014-15").wait_for()
        for _ in range(4):
            if page.get_by_role("option", name="2014-15").get_attribute("aria-selected") == "true":
                break
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_url("**year=2014-15**", timeout=30_000)
        _wait_until_idle(page)
        assert "school year 2014-15" in page.locator('[data-testid="stMain"]').inner_text()
    finally:
        page.close()
