"""The sign-in gate in front of every page (components/signin.py, through dashboard.py):
demo mode only on demo data, the form, wrong passwords, throttling, expired sessions, sign-out,
and the audit entries for sign-ins, downloads and exports."""
import datetime as dt

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from auth import audit
from components import signin
from tests import small_warehouse
from tests.dashboard_support import CMS, PASSWORD, metrics, open_app, sign_in, text, write_access_file


@pytest.fixture(autouse=True)
def fresh(tmp_path, monkeypatch):
    """A fresh audit log per test, and so a fresh sign-in store beside it."""
    monkeypatch.setenv("LCC_AUDIT_LOG", str(tmp_path / "audit.log"))
    yield


@pytest.fixture
def small_path(tmp_path_factory):
    return small_warehouse.build(tmp_path_factory.mktemp("small") / "small.duckdb")


app = open_app  # any warehouse, optionally signed in


def submit(at: AppTest, user: str, password: str) -> AppTest:
    at.text_input(key="signin_user").input(user)
    at.text_input(key="signin_password").input(password)
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def shows_no_data(at: AppTest) -> bool:
    return not (at.metric or at.table or at.get("plotly_chart") or at.get("page_link") or at.sidebar.selectbox)


def events(*keys):
    return [tuple(e[k] for k in keys) for e in audit.read()]


# ------------------------------------------------------------------------------- demo mode

def test_no_access_file_on_the_demo_warehouse_is_the_demo_mode_with_a_banner(demo_path, monkeypatch):
    at = app(demo_path, monkeypatch, **CMS)
    banner = at.sidebar.info[0].value
    assert banner.startswith("Demo mode: no sign-in is configured, so only the synthetic demo data is shown.")
    assert "python -m auth add-user" in banner
    assert at.title[0].value == "Overview" and metrics(at)["Students enrolled"][0]
    assert at.session_state["_viewer"] == signin.DEMO_VIEWER
    at.switch_page("pages/activation.py").run()
    assert not at.exception and at.sidebar.info[0].value == banner and at.table


def test_no_access_file_on_real_data_is_refused_and_shows_nothing(small_path, monkeypatch, tmp_path):
    missing = tmp_path / "nowhere" / "access.toml"
    monkeypatch.setenv("LCC_ACCESS_FILE", str(missing))
    at = app(small_path, monkeypatch)
    message = at.error[0].value
    assert "This warehouse holds real data, and no access file is configured" in message
    assert str(missing) in message and "python -m auth add-user" in message
    assert shows_no_data(at) and not at.title
    at.switch_page("pages/data.py").run()   # a page address does not get round it
    assert shows_no_data(at) and "Alpha City" not in text(at)


def test_demo_data_with_a_real_file_loaded_into_it_is_not_demo_data_any_more():
    meta = {"demo": "true"}
    demo = pd.DataFrame({"is_demo": [True, True]})
    log = pd.DataFrame({"source": ["demo"], "status": ["loaded"]})
    assert signin.demo_only(meta, demo, log)
    assert not signin.demo_only({}, demo, log)
    assert not signin.demo_only(meta, pd.DataFrame({"is_demo": [True, False]}), log)
    assert not signin.demo_only(meta, pd.DataFrame({"is_demo": [True, None]}), log)
    loaded = pd.DataFrame({"source": ["demo", "file"], "status": ["loaded", "loaded"]})
    assert not signin.demo_only(meta, demo, loaded)
    undone = pd.DataFrame({"source": ["demo", "file"], "status": ["loaded", "undone"]})
    assert signin.demo_only(meta, demo, undone)


# ------------------------------------------------------------------------------- password mode

def test_an_access_file_shows_the_form_and_no_page_content(demo_path, monkeypatch, tmp_path):
    write_access_file(tmp_path / "access.toml", monkeypatch)
    at = app(demo_path, monkeypatch, **CMS)
    assert [t.label for t in at.text_input] == ["User name", "Password"]
    assert at.text_input(key="signin_password").proto.type == at.text_input(key="signin_password").proto.PASSWORD
    assert shows_no_data(at) and not at.sidebar.info   # no demo banner either
    at.switch_page("pages/cohorts.py").run()
    assert shows_no_data(at) and at.text_input


def test_a_wrong_password_and_an_unknown_user_get_the_same_message(demo_path, monkeypatch, tmp_path):
    write_access_file(tmp_path / "access.toml", monkeypatch)
    at = app(demo_path, monkeypatch)
    submit(at, "ops", "not the password")
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    assert shows_no_data(at)
    submit(at, "mallory", PASSWORD)
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    assert events("event", "user", "role", "detail") == [
        ("sign_in_failed", "ops", None, "wrong password"), ("sign_in_failed", "mallory", None, "unknown user name")]
    assert "not the password" not in (tmp_path / "audit.log").read_text()


def test_the_right_password_shows_the_pages_and_is_audited(demo_path, monkeypatch, tmp_path):
    write_access_file(tmp_path / "access.toml", monkeypatch)
    at = app(demo_path, monkeypatch, **CMS)
    submit(at, "OPS", PASSWORD)
    assert not at.error
    assert at.title[0].value == "Overview" and metrics(at)["Students enrolled"][0]
    assert "Charlotte Mecklenburg · school year 2015-16" in text(at)   # the link's scope survives the sign-in
    assert at.sidebar.caption[0].value == "Signed in as Ops (program)"
    assert at.session_state["_viewer"].user == "ops"
    assert events("event", "user", "role") == [("sign_in", "ops", "program")]
    at.switch_page("pages/activation.py").run()
    assert at.table and not at.exception


def test_a_community_user_sees_their_role_and_community(demo_path, monkeypatch, tmp_path):
    write_access_file(tmp_path / "access.toml", monkeypatch, {"jdoe": "charlotte-mecklenburg"})
    at = app(demo_path, monkeypatch)
    submit(at, "jdoe", PASSWORD)
    assert at.sidebar.caption[0].value == "Signed in as Jdoe (community · Charlotte Mecklenburg)"
    assert at.session_state["_viewer"].community == "charlotte-mecklenburg"
    assert events("event", "user", "community") == [("sign_in", "jdoe", "charlotte-mecklenburg")]


def test_repeated_failures_are_throttled_even_for_the_right_password(demo_path, monkeypatch, tmp_path):
    write_access_file(tmp_path / "access.toml", monkeypatch)
    at = app(demo_path, monkeypatch)
    for _ in range(3):
        submit(at, "ops", "not the password")
    submit(at, "ops", PASSWORD)
    assert at.error[0].value == "Too many failed sign-ins for this user name: try again in 1 s."
    assert shows_no_data(at)
    # The throttle is the server's, not the browser session's: a new session is refused too.
    # (Four more guesses from elsewhere make the wait 16 s, longer than opening a session takes.)
    for _ in range(4):
        signin.throttle().failed("ops", signin.now())
    again = app(demo_path, monkeypatch)
    submit(again, "ops", PASSWORD)
    assert again.error[0].value.startswith("Too many failed sign-ins")
    assert events("event", "detail")[-1] == ("sign_in_failed", "throttled")


def test_an_expired_session_is_refused_with_the_message(demo_path, monkeypatch, tmp_path):
    write_access_file(tmp_path / "access.toml", monkeypatch, session_minutes=480)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=9)
    at = app(demo_path, monkeypatch, session={"signed_in_at": long_ago}, **CMS)
    assert at.warning[0].value == "Your session expired after 8 hours: please sign in again."
    assert shows_no_data(at) and at.text_input
    assert events("event", "user") == [("session_expired", "ops")]
    submit(at, "ops", PASSWORD)
    assert at.title[0].value == "Overview"


def test_a_live_session_goes_straight_to_the_page(demo_path, monkeypatch, tmp_path):
    write_access_file(tmp_path / "access.toml", monkeypatch)
    at = app(demo_path, monkeypatch, "activation", session={}, **CMS)
    assert at.title[0].value == "Activation" and at.table
    assert audit.read() == []   # the sign-in happened before; reruns record nothing


def test_sign_out_ends_the_session(demo_path, monkeypatch, tmp_path):
    write_access_file(tmp_path / "access.toml", monkeypatch)
    at = app(demo_path, monkeypatch, session={}, **CMS)
    at.sidebar.button(key="sign_out").click().run()
    assert at.info[0].value == "You have signed out."
    assert shows_no_data(at) and "_auth_session" not in at.session_state
    assert events("event", "user") == [("sign_out", "ops")]


def test_a_removed_user_is_signed_out_at_the_next_click(demo_path, monkeypatch, tmp_path):
    path = write_access_file(tmp_path / "access.toml", monkeypatch, {"ops": None, "amy": None})
    at = app(demo_path, monkeypatch, session={}, **CMS)
    assert at.title[0].value == "Overview"
    write_access_file(path, monkeypatch, {"amy": None})
    at.run()
    assert at.warning[0].value == "Your access was changed or removed: please sign in again."
    assert shows_no_data(at)


def test_a_broken_access_file_stops_everything_with_its_error(demo_path, monkeypatch, tmp_path):
    path = tmp_path / "access.toml"
    path.write_text('[users.ops]\nrole = "boss"\n')
    monkeypatch.setenv("LCC_ACCESS_FILE", str(path))
    at = app(demo_path, monkeypatch)
    assert f"{path}: user 'ops': role 'boss' is not one of program, community" in at.error[0].value
    assert shows_no_data(at) and not at.text_input


def test_real_data_with_an_access_file_needs_a_sign_in(small_path, monkeypatch, tmp_path):
    write_access_file(tmp_path / "access.toml", monkeypatch)
    at = app(small_path, monkeypatch)
    assert shows_no_data(at) and at.text_input
    submit(at, "ops", PASSWORD)
    assert at.title[0].value == "Overview" and not at.sidebar.info


def test_an_empty_access_file_says_how_to_add_a_user(demo_path, monkeypatch, tmp_path):
    write_access_file(tmp_path / "access.toml", monkeypatch, {})
    at = app(demo_path, monkeypatch)
    assert "No users yet: add one with `python -m auth add-user NAME --role program`" in at.info[0].value


# ------------------------------------------------------------------------------- downloads and exports

@pytest.fixture
def clicks(monkeypatch):
    """The files the download buttons would make when clicked: {file name: the callable
    Streamlit runs on the click (components/exports.py's serve)}, from the last run."""
    made = {}
    real = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        made[file_name] = data_callable
        return real(self, data_callable, mimetype, coordinates, file_name, **kw)
    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return made


def test_a_table_download_is_made_checked_and_audited_when_served(demo_path, monkeypatch, tmp_path, clicks):
    write_access_file(tmp_path / "access.toml", monkeypatch, {"jdoe": "charlotte-mecklenburg"})
    at = app(demo_path, monkeypatch, "activation",
             session={"user": "jdoe", "community": "charlotte-mecklenburg"}, **CMS)
    button = at.download_button[0]
    assert button.proto.deferred_file_id and not button.proto.url   # no /media address until the click
    assert audit.read() == []
    file_name = next(n for n in clicks if n.endswith(".csv"))
    csv = clicks[file_name]().decode()
    assert len(csv.splitlines()) >= 2   # a header and the rows, made at the click
    [entry] = audit.read()
    assert (entry["event"], entry["user"], entry["role"], entry["community"]) == \
        ("download", "jdoe", "community", "charlotte-mecklenburg")
    assert entry["scope"] == {"key": "community:charlotte-mecklenburg", "school_year": "2015-16",
                              "community": "charlotte-mecklenburg", "cohort": None}
    assert entry["detail"] == {"what": entry["detail"]["what"], "file": file_name}
    assert entry["detail"]["what"].startswith("table ")


def test_a_download_after_sign_out_or_a_password_change_is_refused(demo_path, monkeypatch, tmp_path, clicks):
    path = write_access_file(tmp_path / "access.toml", monkeypatch)
    at = app(demo_path, monkeypatch, "activation", session={}, **CMS)
    before_sign_out = dict(clicks)
    at.sidebar.button(key="sign_out").click().run()
    for serve in before_sign_out.values():
        with pytest.raises(PermissionError, match="signed out"):
            serve()
    assert [e["event"] for e in audit.read()] == ["sign_out"] + ["download_refused"] * len(before_sign_out)
    assert {e["detail"]["reason"] for e in audit.read()[1:]} == {"signed out, or access changed"}
    # Signed in again; then the password changes: the buttons already on screen stop working.
    at = app(demo_path, monkeypatch, "activation", session={}, **CMS)
    serve = next(iter(clicks.values()))
    assert serve()
    write_access_file(path, monkeypatch)   # the same users with new hashes (set-password)
    with pytest.raises(PermissionError):
        serve()


def test_a_download_in_demo_mode_is_audited_as_the_demo_viewer(demo_path, monkeypatch, clicks):
    app(demo_path, monkeypatch, "activation", **CMS)
    next(iter(clicks.values()))()
    assert events("event", "user", "role") == [("download", "demo", "program")]


def test_a_briefing_download_is_audited_as_an_export(demo_path, monkeypatch, tmp_path, clicks):
    write_access_file(tmp_path / "access.toml", monkeypatch)
    at = app(demo_path, monkeypatch, "briefing", session={}, **CMS)
    pdf = next(b for b in at.download_button if b.key.endswith(".pdf"))
    name = pdf.key.removeprefix("dl-")
    assert clicks[name]().startswith(b"%PDF")
    [entry] = audit.read()
    assert (entry["event"], entry["user"]) == ("export", "ops")
    assert entry["detail"] == {"what": "briefing pdf", "file": name}
    assert entry["scope"]["community"] == "charlotte-mecklenburg"


# ------------------------------------------------------------------------------- sessions and the audit

def test_a_password_change_ends_the_session_at_the_next_click(demo_path, monkeypatch, tmp_path):
    path = write_access_file(tmp_path / "access.toml", monkeypatch)
    at = app(demo_path, monkeypatch, session={}, **CMS)
    assert at.title[0].value == "Overview"
    write_access_file(path, monkeypatch)   # a new hash for ops, as `python -m auth set-password ops` writes
    at.run()
    assert at.warning[0].value == "Your access was changed or removed: please sign in again."
    assert shows_no_data(at)


def test_no_sign_in_without_its_audit_entry(demo_path, monkeypatch, tmp_path):
    write_access_file(tmp_path / "access.toml", monkeypatch)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("LCC_AUDIT_LOG", str(blocked / "audit.log"))
    at = app(demo_path, monkeypatch, **CMS)
    submit(at, "ops", PASSWORD)
    message = at.error[0].value
    assert message.startswith(f"Signing in is not possible right now: the audit log {blocked / 'audit.log'} cannot be written")
    assert "nobody is let in without an audit entry" in message
    assert shows_no_data(at) and "_auth_session" not in at.session_state
    assert auth_store_sessions(tmp_path) == 0


def auth_store_sessions(tmp_path) -> int:
    import sqlite3

    from auth import store
    path = store.store_path()
    if not path.exists():
        return 0
    with sqlite3.connect(path) as con:
        return con.execute("SELECT count(*) FROM sessions").fetchone()[0]


# ------------------------------------------------------------------------------- OIDC

def test_oidc_mode_without_authlib_says_what_is_missing(demo_path, monkeypatch, tmp_path):
    import importlib.util
    path = tmp_path / "access.toml"
    path.write_text('[settings]\nmode = "oidc"\n[users."jane@city.gov"]\nrole = "program"\n')
    monkeypatch.setenv("LCC_ACCESS_FILE", str(path))
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "authlib" else real(name, *a))
    at = app(demo_path, monkeypatch)
    assert "needs the Authlib package: `pip install Authlib`" in at.error[0].value
    assert shows_no_data(at) and not at.button
