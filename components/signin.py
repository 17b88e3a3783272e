"""The sign-in gate: every run of dashboard.py passes here before the sidebar and the pages.

- No access file: the demo mode, and only on a warehouse that holds nothing but the demo's
  synthetic data. Real data without an access file is refused outright: never an open
  program-wide login on real data.
- mode "password": a sign-in form; the session lives in st.session_state and expires after
  the access file's session_minutes. Failures are throttled per user name in the sign-in store
  (auth/store.py), which no client message can reset.
- mode "oidc": Streamlit's own st.login with a provider from .streamlit/secrets.toml; the
  e-mail address it reports must be a user in the access file.

The access file is read on every run (it is small), so removing a user or changing a role
takes effect at that user's next click. Sign-ins, failures, sign-outs, expiries, downloads and
exports go to the audit log (auth/audit.py).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import sqlite3

import pandas as pd
import streamlit as st

from auth import audit, signin
from auth import store as auth_store
from auth import config as access
from auth.config import AccessConfig, ConfigError
from auth.signin import Session, SessionExpired, SignInError, Throttled
from components import data, guard
from metrics import catalog
from metrics.access import PROGRAM, Viewer

SESSION, VIEWER, NOTICE, SEEN = "_auth_session", "_viewer", "_auth_notice", "_auth_seen"
IN_GATE = "_auth_in_gate"
DEMO_VIEWER = Viewer("demo", "program")
DEMO_BANNER = "Demo mode: no sign-in is configured, so only the synthetic demo data is shown."
ADD_USER = "python -m auth add-user NAME --role program"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def throttle() -> signin.Throttle:
    """The failed-attempt counts, in the sign-in store (auth/store.py): shared by every browser
    session and process, and out of reach of Streamlit's caches (which a client can clear)."""
    return signin.Throttle()


def gate() -> Viewer:
    """The signed-in viewer, or st.stop() after showing the sign-in form or the refusal."""
    st.session_state.pop(VIEWER, None)
    st.session_state[IN_GATE] = True
    try:
        path = access.access_path()
        try:
            config = access.load(path)
        except ConfigError as e:
            st.error(f"Nobody can sign in until the access file is fixed. {e}", icon=":material/error:")
            st.stop()
        if config is None:
            viewer = _demo(path)
        elif config.settings.mode == "oidc":
            viewer = _oidc(config)
        else:
            viewer = _password(config)
    finally:
        st.session_state.pop(IN_GATE, None)
    st.session_state[VIEWER] = viewer
    return viewer


def current_viewer() -> Viewer:
    """The viewer the gate let through in this run, for the sidebar and the pages."""
    viewer = st.session_state.get(VIEWER)
    if viewer is not None:
        return viewer
    if st.session_state.get(IN_GATE):
        raise RuntimeError("current_viewer() was called while the sign-in gate runs: the gate must "
                           "not ask anything as the viewer (components.data.catalog/metric)")
    return gate()


def current_session() -> Session | None:
    """The signed-in session of this browser session (None in the demo mode)."""
    return st.session_state.get(SESSION)


def screen_scope() -> dict | None:
    """What the sidebar shows, for audit entries."""
    view = st.session_state.get("_view")
    if view is None:
        return None
    s = view.scope
    return {"key": view.key, "school_year": s.school_year, "community": s.community, "cohort": s.cohort}


# ------------------------------------------------------------------------------- demo mode

def demo_only(meta: dict, communities: pd.DataFrame, load_log: pd.DataFrame) -> bool:
    """True when the warehouse holds only the demo's synthetic data: built as the demo, every
    community a demo one, and no file of real data loaded into it since."""
    if meta.get("demo") != "true":
        return False
    if not communities["is_demo"].fillna(False).astype(bool).all():
        return False
    real = load_log[(load_log["source"] != "demo") & (load_log["status"] == "loaded")]
    return real.empty


@st.cache_data(max_entries=4, show_spinner=False)
def _warehouse_facts(_con, version: str) -> tuple[bool, dict[str, str]]:
    """Whether the warehouse is demo data only, and every community's name by slug. Asked of
    metrics.catalog directly, as the program: the gate runs before there is a viewer (and
    components.data.catalog asks as the viewer)."""
    communities = catalog.communities(_con, PROGRAM)
    return (demo_only(catalog.warehouse_meta(_con), communities, catalog.load_log(_con, PROGRAM)),
            dict(zip(communities["slug"], communities["name"])))


def _facts() -> tuple[bool, dict[str, str]]:
    w = data.warehouse()
    return _warehouse_facts(w.con, w.version)


def _demo(path) -> Viewer:
    if not _facts()[0]:
        st.error(f"This warehouse holds real data, and no access file is configured ({path}), so it is not "
                 f"shown to anyone. Add the first user with `{ADD_USER}` on the server, then reload this "
                 "page (docs/access.md explains sign-in).", icon=":material/lock:")
        st.stop()
    st.sidebar.info(f"{DEMO_BANNER} To require sign-in, add a user: `{ADD_USER}` (see docs/access.md).",
                    icon=":material/lock_open:")
    return DEMO_VIEWER


# ------------------------------------------------------------------------------- password mode

def _password(config: AccessConfig) -> Viewer:
    session: Session | None = st.session_state.get(SESSION)
    notice = st.session_state.pop(NOTICE, None)
    if session is not None:
        try:
            viewer = signin.check_session(session, now())
        except SessionExpired as e:
            _record("session_expired", session.viewer, detail={"signed_in_at": session.signed_in_at.isoformat()})
            _forget_session()
            notice = ("warning", str(e))
        else:
            # Removed, another role or community, another password, or signed out elsewhere.
            try:
                valid = signin.still_valid(config, session, now())
            except sqlite3.Error as e:
                st.error(_store_down(e), icon=":material/error:")
                st.stop()
            if valid:
                _signed_in(session, on_sign_out=_sign_out)
                return viewer
            _forget_session()
            notice = ("warning", "Your access was changed or removed: please sign in again.")
    _form(config, notice)
    st.stop()


def _form(config: AccessConfig, notice: tuple[str, str] | None) -> None:
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("Library Card Challenge impact")
        if notice:
            (st.info if notice[0] == "info" else st.warning)(notice[1])
        if not config.users:
            st.info(f"No users yet: add one with `{ADD_USER}` (access file {config.path}).")
        with st.form("signin", clear_on_submit=True):
            name = st.text_input("User name", key="signin_user", autocomplete="username")
            password = st.text_input("Password", type="password", key="signin_password",
                                     autocomplete="current-password")
            submitted = st.form_submit_button("Sign in", type="primary")
        if not submitted:
            return
        try:
            viewer = signin.authenticate(config, name, password, now=now(), throttle=throttle())
        except sqlite3.Error as e:
            st.error(_store_down(e), icon=":material/error:")
            return
        except SignInError as e:
            tried = name.strip()[:100]
            if tried:
                reason = ("throttled" if isinstance(e, Throttled) else "no password" if not password
                          else "unknown user name" if config.find(tried) is None else "wrong password")
                audit.record("sign_in_failed", user=tried, role=None, detail=reason)
            st.error(str(e), icon=":material/error:")
            return
        _forget_session()
        session = _open(signin.start_session(config, viewer, now=now()))
        if session is None:
            return
        st.session_state[SESSION] = session
    st.rerun()


def _open(session: Session, detail=None) -> Session | None:
    """Audit the sign-in, then register the session; None (with the reason on the page) when
    either cannot be written: nobody is signed in without an audit entry (fail closed)."""
    try:
        _record("sign_in", session.viewer, detail=detail)
    except OSError as e:
        st.error(f"Signing in is not possible right now: the audit log {audit.log_path()} cannot be "
                 f"written ({e.strerror or e}), and nobody is let in without an audit entry. Tell the "
                 "dashboard's administrator.", icon=":material/error:")
        return None
    try:
        return signin.register(session)
    except sqlite3.Error as e:
        st.error(_store_down(e), icon=":material/error:")
        return None


def _store_down(e: Exception) -> str:
    return (f"Signing in is not possible right now: the sign-in store {auth_store.store_path()} cannot "
            f"be used ({e}). Tell the dashboard's administrator.")


def _sign_out() -> None:
    session: Session | None = st.session_state.get(SESSION)
    if session is not None:
        _record("sign_out", session.viewer)
        auth_store.end_session(session.token, now())   # its downloads are refused from now on
    guard.revoke(guard.current_session_id())           # and files made but not fetched yet
    _forget_session()
    st.session_state[NOTICE] = ("info", "You have signed out.")


# ------------------------------------------------------------------------------- OpenID Connect

def _oidc(config: AccessConfig) -> Viewer:
    problem = oidc_problem(config)
    if problem:
        st.error(problem, icon=":material/error:")
        st.stop()
    provider = config.settings.oidc_provider
    claims = st.user.to_dict()
    if not claims.get("is_logged_in"):
        _login_prompt(provider, st.session_state.pop(NOTICE, None))
        st.stop()
    try:
        session = signin.oidc_session(config, claims, now=now())
    except SignInError as e:
        _once(("refused", claims.get("email")), lambda: audit.record(
            "sign_in_failed", user=str(claims.get("email") or "")[:100], role=None, detail=str(e)))
        _, middle, _ = st.columns([1, 2, 1])
        middle.error(str(e), icon=":material/error:")
        if middle.button("Sign out"):
            st.logout()
        st.stop()
    try:
        viewer = signin.check_session(session, now())
    except SessionExpired as e:
        _once(("expired", session.viewer, session.signed_in_at), lambda: _record(
            "session_expired", session.viewer, detail={"signed_in_at": session.signed_in_at.isoformat()}))
        _login_prompt(provider, ("warning", str(e)))
        st.stop()
    held: Session | None = st.session_state.get(SESSION)
    if held is None or dataclasses.replace(held, token=None) != session:   # first run of this browser session
        session = _open(session, detail={"provider": provider or "default"})
        if session is None:
            st.stop()
        st.session_state[SESSION] = session
    else:
        session = held
    _signed_in(session, on_sign_out=None)
    return viewer


def oidc_problem(config: AccessConfig) -> str | None:
    """Why st.login cannot work here, or None."""
    if importlib.util.find_spec("authlib") is None:
        return (f"{config.path} asks for sign-in through an identity provider (mode = \"oidc\"), which "
                "needs the Authlib package: `pip install Authlib` (docs/access.md).")
    try:
        auth = st.secrets.get("auth")
    except Exception:   # no secrets.toml at all
        auth = None
    if not auth:
        return (f"{config.path} asks for sign-in through an identity provider (mode = \"oidc\"), but "
                ".streamlit/secrets.toml has no [auth] block (docs/access.md shows one).")
    provider = config.settings.oidc_provider
    if provider and not hasattr(auth.get(provider), "get"):
        return (f"{config.path} names oidc_provider = \"{provider}\", but .streamlit/secrets.toml has no "
                f"[auth.{provider}] block.")
    return None


def _login_prompt(provider: str | None, notice: tuple[str, str] | None) -> None:
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("Library Card Challenge impact")
        if notice:
            (st.info if notice[0] == "info" else st.warning)(notice[1])
        st.markdown("Sign in with your organisation's account.")
        if st.button("Sign in", type="primary", icon=":material/login:"):
            st.login(provider)


# ------------------------------------------------------------------------------- shared

def _signed_in(session: Session, on_sign_out) -> None:
    """Who is signed in, and the way out, at the top of the sidebar."""
    v = session.viewer
    role = v.role
    if v.community:
        role = f"{v.role} · {_facts()[1].get(v.community, v.community)}"
    with st.sidebar:
        st.caption(f"Signed in as {session.display_name} ({role})")
        if on_sign_out is not None:
            st.button("Sign out", key="sign_out", on_click=on_sign_out, icon=":material/logout:")
        elif st.button("Sign out", key="sign_out", icon=":material/logout:"):
            _record("sign_out", v)
            auth_store.end_session(session.token, now())
            guard.revoke(guard.current_session_id())
            _forget_session()
            st.logout()


def _forget_session() -> None:
    """Drop everything this browser session held, so the next person to sign in here starts
    from nothing (the scope picked, the page's widgets)."""
    for key in list(st.session_state.keys()):
        if key != IN_GATE:
            del st.session_state[key]


def _once(key, action) -> None:
    """Run an audit action once per browser session and event (reruns repeat the gate)."""
    seen = st.session_state.setdefault(SEEN, set())
    if key not in seen:
        seen.add(key)
        action()


def _record(event: str, viewer: Viewer, detail=None) -> None:
    audit.record(event, user=viewer.user, role=viewer.role, community=viewer.community, detail=detail)
