"""The server guards (components/guard.py), tried as an attacker would: a raw websocket client
and plain HTTP requests against a running `streamlit run`.

- `clear_cache` sent over the websocket empties no cache and resets no throttle;
- an export's /media address is served to the click that made it (twice: Streamlit's page
  checks the address, then downloads it), after a re-check of
  the session; not again, not to a request without a session, not after sign-out;
- /_stcore/metrics tells nothing.
"""
import datetime as dt
import time

import pytest

from auth import audit, store
from tests.dashboard_support import PASSWORD, write_access_file
from tests.ws_support import ROOT, Client, fetch, server, texts, widgets



@pytest.fixture(scope="module")
def dashboard(demo_path, tmp_path_factory):
    """The dashboard on the demo warehouse with an access file (users ops and victim, PASSWORD), its own
    audit log and sign-in store."""
    folder = tmp_path_factory.mktemp("guarded")
    mp = pytest.MonkeyPatch()
    access = write_access_file(folder / "access.toml", mp, {"ops": None, "victim": None})
    mp.undo()
    env = {"LCC_WAREHOUSE": str(demo_path), "LCC_ACCESS_FILE": str(access),
           "LCC_AUDIT_LOG": str(folder / "audit.log"), "LCC_AUTH_STORE": str(folder / "signin.sqlite3")}
    with server(ROOT / "server.py", env, folder / "server.log") as url:
        yield url, folder


def wait_for(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def sign_in(client: Client, user: str, password: str, query: str = "") -> list:
    form = client.run(query)
    name, secret = widgets(form, "text_input")[:2]
    submit = next(b for b in widgets(form, "button") if b.is_form_submitter)
    return client.run(query, widgets={name.id: user, secret.id: password, submit.id: True})


def test_clear_cache_over_the_websocket_resets_no_throttle(dashboard):
    url, folder = dashboard
    attempts = store.Attempts(folder / "signin.sqlite3")
    now = dt.datetime.now(dt.UTC)
    for _ in range(8):   # eight failures: the next attempts wait 32 s
        attempts.failed("victim", now)
    client = Client(url)
    try:
        client.run()   # the sign-in form, so the guards are installed
        client.clear_cache()
        assert wait_for(lambda: any(e["event"] == "clear_cache_refused" for e in audit.read(folder / "audit.log")))
        # Still counting: the right password is not even checked.
        shown = texts(sign_in(client, "victim", PASSWORD))
        assert "Too many failed sign-ins for this user name" in shown
        assert attempts.wait("victim", dt.datetime.now(dt.UTC)) > 0
        assert [e["detail"] for e in audit.read(folder / "audit.log") if e["event"] == "sign_in_failed"] == ["throttled"]
    finally:
        client.close()


def test_clear_cache_over_the_websocket_empties_no_cache(tmp_path):
    probe = tmp_path / "probe.txt"
    env = {"PROBE_FILE": str(probe), "PYTHONPATH": str(ROOT), "LCC_AUDIT_LOG": str(tmp_path / "audit.log")}
    with server(ROOT / "tests" / "fixtures" / "cache_probe.py", env, tmp_path / "server.log") as url:
        client = Client(url)
        try:
            assert "probe ran" in texts(client.run())
            client.clear_cache()
            assert wait_for(lambda: audit.read(tmp_path / "audit.log"))
            client.run()
            other = Client(url)   # another user's session
            other.run()
            other.close()
        finally:
            client.close()
    assert probe.read_text().splitlines() == ["built", "computed"]   # built once, never cleared
    assert [e["event"] for e in audit.read(tmp_path / "audit.log")] == ["clear_cache_refused"]


def test_an_export_is_served_once_to_its_click_and_never_after_sign_out(dashboard):
    url, folder = dashboard
    query = "community=charlotte-mecklenburg&year=2015-16"
    client = Client(url)
    try:
        page = sign_in(client, "ops", PASSWORD, query)
        page = client.run(query, page="activation")
        buttons = [b for b in widgets(page, "download_button") if b.deferred_file_id]
        assert buttons and not any(b.url for b in widgets(page, "download_button"))   # no address before a click
        reply = client.deferred(buttons[0].deferred_file_id)
        assert not reply.error_msg, reply.error_msg
        served = url + reply.deferred_file.url
        status, body = fetch(served)
        assert status == 200 and body.count(b"\n") >= 2            # the CSV
        assert fetch(served)[0] == 200   # Streamlit's page checks the address, then downloads it
        assert fetch(served)[0] == 404                               # and that is all
        assert [e["event"] for e in audit.read(folder / "audit.log")][-1] == "download"
        # Another click makes and serves it again; then sign out.
        again = client.deferred(buttons[0].deferred_file_id)
        assert not again.error_msg
        sign_out = next(b for b in widgets(page, "button") if "sign_out" in b.id)
        client.run(query, page="activation", widgets={sign_out.id: True})
        assert fetch(url + again.deferred_file.url)[0] == 404      # the address made before sign-out
        refused = client.deferred(buttons[0].deferred_file_id)     # the old button, asked for directly
        assert refused.error_msg and not refused.deferred_file.url
        # (Streamlit drops the old button's callable at the run after sign-out; were it still
        # there, exports.server's check refuses it: tests/test_signin_gate.py.)
        events = [e["event"] for e in audit.read(folder / "audit.log")]
        assert "download" not in events[events.index("sign_out"):]
    finally:
        client.close()


def test_a_download_given_bytes_is_never_served(tmp_path):
    """A page that passes bytes to st.download_button (not components/exports.py) gets a
    /media address at once, which anybody could fetch: the guard refuses it."""
    env = {"PROBE_FILE": str(tmp_path / "probe.txt"), "PYTHONPATH": str(ROOT)}
    with server(ROOT / "tests" / "fixtures" / "cache_probe.py", env, tmp_path / "server.log") as url:
        client = Client(url)
        try:
            [button] = widgets(client.run(), "download_button")
            assert button.url.startswith("/media/")
            assert fetch(url + button.url)[0] == 404
        finally:
            client.close()


def test_the_metrics_endpoint_tells_nothing(dashboard):
    url, _ = dashboard
    client = Client(url)
    try:
        client.run()
        status, body = fetch(url + "/_stcore/metrics")
    finally:
        client.close()
    assert b"session" not in body.lower() and b"cache" not in body.lower() and b"memory" not in body.lower()
    assert len(body.strip()) < 40, body[:200]
