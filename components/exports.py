"""Download buttons whose file is made, checked and audited at the moment it is served.

Streamlit serves a download_button's bytes at a /media/... address that needs no session: an
address copied from the page kept working after sign-out and after the tab closed, and left no
audit line. Here the button carries a callable instead (Streamlit's deferred download): when
the viewer clicks, the server re-reads the access file, checks that the session that drew the
button is still signed in with the same access and password, writes the audit entry, and only
then makes the file. components/guard.py serves such a file only to its click (twice at most,
within a minute, never after sign-out) and refuses every other downloadable file, so no address
outlives its click.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from auth import audit, signin
from auth import config as access
from auth.config import ConfigError
from auth.signin import Session
from components import signin as gate
from metrics.access import Viewer


class Refused(PermissionError):
    """The download was asked for by a session that may no longer have it."""


def download_button(label: str, make: Callable[[], bytes], *, file_name: str, mime: str, key: str,
                    what: str, event: str = "download", where=st, **kwargs) -> None:
    """A download button (in `where`: st, a column, the sidebar) for the bytes `make()`
    returns; `what` and `event` ("download" or "export") go to the audit log."""
    serve = server(make, viewer=st.session_state.get(gate.VIEWER) or gate.DEMO_VIEWER,
                   session=gate.current_session(), scope=gate.screen_scope(),
                   detail={"what": what, "file": file_name}, event=event,
                   access_file=access.access_path())
    where.download_button(label, serve, file_name=file_name, mime=mime, key=key, on_click="ignore", **kwargs)


def server(make: Callable[[], bytes], *, viewer: Viewer, session: Session | None, scope: dict | None,
           detail: dict, event: str, access_file: Path) -> Callable[[], bytes]:
    """The callable Streamlit runs when the button is clicked (on a thread of its own, where
    st.session_state is out of reach: so everything it checks is captured here)."""
    log = audit.log_path()

    def serve() -> bytes:
        now = dt.datetime.now(dt.UTC)
        reason = refusal(viewer, session, access_file, now)
        if reason:
            audit.record("download_refused", user=viewer.user, role=viewer.role, community=viewer.community,
                         scope=scope, detail={**detail, "reason": reason}, path=log)
            raise Refused(reason)
        data = make()
        # Audited before a byte leaves: a download that cannot be audited is not served.
        audit.record(event, user=viewer.user, role=viewer.role, community=viewer.community, scope=scope,
                     detail=detail, path=log)
        return data
    return serve


def refusal(viewer: Viewer, session: Session | None, access_file: Path, now: dt.datetime) -> str | None:
    """Why this viewer may not have a file now, or None when they may."""
    try:
        config = access.load(access_file)
    except ConfigError:
        return "the access file is invalid"
    if config is None:   # the demo mode: only while there is still no access file
        return None if session is None and viewer == gate.DEMO_VIEWER else "no access file"
    if session is None or session.viewer != viewer:
        return "not signed in"
    if now >= session.expires_at:
        return "session expired"
    if not signin.still_valid(config, session, now):
        return "signed out, or access changed"
    return None
