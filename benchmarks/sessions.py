"""The speed users feel: script runs of a real `streamlit run` server, and a real browser.

    python -m benchmarks.sessions [--warehouse PATH] [--repeat 5] [--sessions 1 4 8 16] [--no-browser]
                                  [--label baseline|after]

A client speaks Streamlit's websocket protocol as a browser does (tests/ws_support.Client:
BackMsg rerun_script out, ForwardMsg in) and times each page's script run from the request to
`script_finished`, for Charlotte Mecklenburg and the whole program, 2015-16:
- warm: the same page again, caches filled (`--repeat` runs, after one untimed run);
- cold: the first run after a publish that makes a new version of everything (store.publishing
  on the benchmark's own copy of the warehouse, every community declared changed), one per page
  and scope;
- after another community's load: for Charlotte Mecklenburg, the first run after a campaign is
  added for Denver (a publish that says it changes Denver only), one per page;
- N sessions at once (1, 4, 8, 16): N clients, each in its own thread, run every page of both
  scopes once, warm; every run's time counts.
Then, with Chromium (Playwright, one session): a click on a page link in the sidebar to
settled, and a full navigation (page.goto: a bookmark, a reload) to settled. Settled: Streamlit
shows no running indicator and the main area has not changed for SETTLE_MS; the time is that of
the main area's last change.

The server runs on a copy of the warehouse in benchmarks/work/ (git-ignored), so the publishes
touch nothing else. Results go into benchmarks/results.json under "script_runs" (the first run
labelled baseline is kept beside the latest) and into BENCHMARKS.md (benchmarks/run.py report).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

from tqdm import tqdm

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work" / "sessions"
sys.path.insert(0, str(ROOT))

from tests import ws_support  # noqa: E402  (the same client the guard tests use)

PAGES = {"overview": "Overview", "activation": "Activation", "impact": "Campaign impact",
         "circulation": "Circulation", "eresources": "E-resources", "cohorts": "Cohorts",
         "briefing": "Briefing", "data": "Data", "load-data": "Load data"}
SCOPES = {"charlotte-mecklenburg": "community=charlotte-mecklenburg&year=2015-16", "program": "year=2015-16"}
SESSIONS = (1, 4, 8, 16)
SETTLE_MS = 600

# Targets of issue 18.
WARM_MEDIAN_MS, WARM_P95_MS, COLD_FACTOR, SESSIONS_P95_MS = 100.0, 250.0, 2.0, 500.0
CLICK_S, NAVIGATION_S = 0.300, 0.700


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


class Client(ws_support.Client):
    """A session that sends back, with every rerun, the value each select box shows, as a browser
    does: without them Streamlit falls back to a widget's default on the next run but one, and the
    sidebar's scope drifts to the whole program."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.states: dict[str, str] = {}

    def run(self, query: str = "", page: str = "", widgets: dict | None = None) -> list:
        elements = super().run(query=query, page=page, widgets={**self.states, **(widgets or {})})
        for box in ws_support.widgets(elements, "selectbox"):
            # The box keeps what it shows unless the server sets a value (raw_value).
            if box.HasField("raw_value"):
                self.states[box.id] = box.raw_value
            elif box.id not in self.states and box.HasField("default") and box.options:
                self.states[box.id] = box.options[box.default]
        return elements


def timed_run(client: Client, page: str, query: str) -> float:
    t0 = time.perf_counter()
    client.run(query=query, page=page)
    return (time.perf_counter() - t0) * 1000


OTHER = "denver"   # the community a load goes to while Charlotte Mecklenburg's pages stay open


def publish_everything(path: Path) -> None:
    """A new version of every figure: what a rebuild or a load touching every community does."""
    from warehouse import store
    with store.publishing(path, communities=()) as con:
        if hasattr(store, "changed"):
            store.changed(con, None)   # everything (the default of a publish that says nothing)


def publish_other(path: Path) -> None:
    """A load for another community: a campaign row added for it, said to change that community
    only (as ingest.annotations.add_campaign says; without its load log entry, which would mark
    the demo warehouse as holding real data and put the pages behind the sign-in)."""
    from warehouse import store
    with store.publishing(path, communities=()) as con:
        cid = con.execute("SELECT community_id FROM community WHERE slug = ?", [OTHER]).fetchone()[0]
        con.execute("INSERT INTO campaign SELECT coalesce(max(campaign_id), 0) + 1, ?, DATE '2016-03-01', NULL, "
                    "'Benchmark campaign', 'campaign' FROM campaign", [cid])
        if hasattr(store, "changed"):
            store.changed(con, [cid])


def warm_and_cold(url: str, path: Path, repeat: int) -> dict:
    out: dict = {}
    client = Client(url)
    try:
        client.run(query=SCOPES["program"], page="overview")
        steps = len(SCOPES) * len(PAGES)
        with tqdm(total=steps * 2, desc="script runs: cold, warm", unit="page") as bar:
            for key, query in SCOPES.items():
                for page in PAGES:
                    publish_everything(path)
                    time.sleep(0.05)
                    cold = timed_run(client, page, query)
                    warm = [timed_run(client, page, query) for _ in range(repeat)]
                    out.setdefault(page, {})[key] = {"cold_ms": cold, "warm_ms": warm}
                    if key != "program":   # the same page after a campaign entered for another community
                        publish_other(path)
                        time.sleep(0.05)
                        out[page][key]["after_other_load_ms"] = timed_run(client, page, query)
                    bar.update(2)
    finally:
        client.close()
    return out


def warm_up(url: str) -> None:
    client = Client(url)
    try:
        for query in SCOPES.values():
            for page in tqdm(PAGES, desc="warming the caches", unit="page"):
                client.run(query=query, page=page)
    finally:
        client.close()


def concurrent(url: str, n: int) -> dict[str, list[float]]:
    """n sessions at once, each running every page of both scopes once (warm caches)."""
    runs: dict[str, list[float]] = {p: [] for p in PAGES}
    lock = threading.Lock()
    clients = [Client(url) for _ in range(n)]
    for c in clients:   # each session's first run (a new session) is not counted
        c.run(query=SCOPES["program"], page="overview")
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def work(i: int, c: Client, bar: tqdm) -> None:
        try:
            barrier.wait()
            order = [(p, q) for q in SCOPES.values() for p in PAGES]
            order = order[i % len(order):] + order[:i % len(order)]   # not all on the same page at once
            for page, query in order:
                ms = timed_run(c, page, query)
                with lock:
                    runs[page].append(ms)
                    bar.update(1)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    with tqdm(total=n * len(PAGES) * len(SCOPES), desc=f"{n} sessions at once", unit="run") as bar:
        threads = [threading.Thread(target=work, args=(i, c, bar)) for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for c in clients:
        c.close()
    if errors:
        raise errors[0]
    return runs


# ------------------------------------------------------------------------------ the browser
SETTLE_JS = """() => {
  if (!window.__lccLast) {
    window.__lccLast = performance.now();
    new MutationObserver(() => { window.__lccLast = performance.now(); })
      .observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  }
}"""
STATE_JS = """() => [performance.now(), window.__lccLast || 0,
  !!document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSpinner"]')]"""


def _settled(page, start: float, timeout_s: float = 30) -> float:
    """Seconds from `start` (performance.now() ms) to the main area's last change, once nothing
    has changed for SETTLE_MS and Streamlit shows no run in progress."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now, last, running = page.evaluate(STATE_JS)
        if not running and now - last > SETTLE_MS and last > start:
            return (last - start) / 1000
        time.sleep(0.05)
    raise TimeoutError("the page did not settle")


def browser(url: str, repeat: int) -> dict:
    from playwright.sync_api import sync_playwright
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    flags = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    out: dict = {p: {"click_s": [], "navigation_s": []} for p in PAGES}
    query = SCOPES["charlotte-mecklenburg"]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=flags)
        page = b.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/overview?{query}")
        page.wait_for_selector('[data-testid="stMain"] h1', timeout=120_000)
        page.evaluate(SETTLE_JS)
        _settled(page, 0)
        order = [*list(PAGES)[1:], "overview"]   # it opened on the Overview: a click elsewhere first
        with tqdm(total=repeat * len(order) * 2, desc="browser: clicks, navigations", unit="step") as bar:
            for _ in range(repeat):
                for name in order:   # a click on the sidebar's link to the page
                    link = page.locator(f'[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"][href^="{name}?"]')
                    start = page.evaluate("() => performance.now()")
                    link.click()
                    out[name]["click_s"].append(_settled(page, start))
                    bar.update(1)
                for name in order:   # a full navigation: a new document, a new session
                    page.goto(f"{url}/{name}?{query}")
                    page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
                    page.evaluate(SETTLE_JS)
                    # performance.now() starts with the navigation: the time since it began.
                    out[name]["navigation_s"].append(_settled(page, 0))
                    bar.update(1)
        b.close()
    return out


# ------------------------------------------------------------------------------ summary
def summarize(wc: dict, sessions: dict[int, dict], web: dict | None) -> dict:
    pages = {}
    for page, by_scope in wc.items():
        warm = [ms for s in by_scope.values() for ms in s["warm_ms"]]
        cold = [s["cold_ms"] for s in by_scope.values()]
        rec = {"title": PAGES[page],
               "run_warm_median_ms": round(statistics.median(warm), 1),
               "run_warm_p95_ms": round(_pct(warm, 0.95), 1),
               "run_cold_median_ms": round(statistics.median(cold), 1),
               "by_scope": {k: {"warm_median_ms": round(statistics.median(s["warm_ms"]), 1),
                                "warm_p95_ms": round(_pct(s["warm_ms"], 0.95), 1),
                                "cold_ms": round(s["cold_ms"], 1)} for k, s in by_scope.items()}}
        other = [s["after_other_load_ms"] for s in by_scope.values() if "after_other_load_ms" in s]
        if other:
            rec["run_after_other_load_ms"] = round(statistics.median(other), 1)
        for n, runs in sessions.items():
            rec[f"run_p95_ms_{n}_sessions"] = round(_pct(runs[page], 0.95), 1)
            rec[f"run_median_ms_{n}_sessions"] = round(statistics.median(runs[page]), 1)
        if web:
            rec["browser_click_median_s"] = round(statistics.median(web[page]["click_s"]), 3)
            rec["browser_navigation_median_s"] = round(statistics.median(web[page]["navigation_s"]), 3)
        pages[page] = rec
    out = {"pages": pages, "sessions": list(sessions)}
    if web:
        clicks = [s for p in web.values() for s in p["click_s"]]
        navs = [s for p in web.values() for s in p["navigation_s"]]
        out.update(browser_click_median_s=round(statistics.median(clicks), 3),
                   browser_click_p95_s=round(_pct(clicks, 0.95), 3),
                   browser_navigation_median_s=round(statistics.median(navs), 3),
                   browser_navigation_p95_s=round(_pct(navs, 0.95), 3))
    return out


def measure(warehouse: Path, repeat: int, sessions: tuple[int, ...], with_browser: bool,
            browser_repeat: int) -> dict:
    WORK.mkdir(parents=True, exist_ok=True)
    for old in WORK.glob("*"):
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    path = WORK / "warehouse.duckdb"
    from warehouse import store
    store.copy_published(warehouse, path)
    env = {"LCC_WAREHOUSE": str(path)}
    with ws_support.server(ROOT / "server.py", env, WORK / "server.log") as url:
        wc = warm_and_cold(url, path, repeat)
        warm_up(url)   # the cold runs' last publish emptied every other page's caches
        conc = {n: concurrent(url, n) for n in sessions}
        web, error = None, None
        for _ in range(2 if with_browser else 0):   # a shared machine can stall a first page load
            try:
                web = browser(url, browser_repeat)
                break
            except Exception as e:  # noqa: BLE001 - recorded, the script runs are kept
                error = f"{type(e).__name__}: {str(e).splitlines()[0]}"
    out = summarize(wc, conc, web)
    if web is None and error:
        out["browser_error"] = error
    out.update(measured_at=dt.datetime.now().strftime("%Y-%m-%d %H:%M"), repeat=repeat,
               browser_repeat=browser_repeat if with_browser else 0,
               warehouse=f"the demo warehouse ({warehouse.name}, scale 1: the 10M size)")
    return out


def record(result: dict, label: str) -> dict:
    from benchmarks import run
    results = json.loads(run.RESULTS.read_text()) if run.RESULTS.exists() else {}
    runs = results.setdefault("script_runs", {})
    runs[label] = result
    results["machine"] = run.machine()
    run.RESULTS.write_text(json.dumps(results, indent=1))
    run.REPORT.write_text(run.report(results))
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Time the dashboard's script runs and a browser's clicks.")
    ap.add_argument("--warehouse", type=Path, default=Path(os.environ.get("LCC_TEST_DEMO_PATH", ROOT / "data/warehouse.duckdb")))
    ap.add_argument("--repeat", type=int, default=5, help="warm runs per page and scope (default 5)")
    ap.add_argument("--sessions", type=int, nargs="*", default=list(SESSIONS))
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--browser-repeat", type=int, default=3)
    ap.add_argument("--label", default="after", help="'baseline' for the figures before a change (kept)")
    args = ap.parse_args(argv)
    result = measure(args.warehouse, args.repeat, tuple(args.sessions), not args.no_browser, args.browser_repeat)
    record(result, args.label)
    print(json.dumps({p: {k: v for k, v in r.items() if k != "by_scope"} for p, r in result["pages"].items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
