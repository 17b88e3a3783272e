"""Helpers for the dashboard's AppTest tests: open the app on the demo warehouse at a page
with query parameters, and read what it shows the way a person would."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
CMS = {"community": "charlotte-mecklenburg", "year": "2015-16"}
PROGRAM = {"year": "2015-16"}
COHORT_1 = {"cohort": "1", "year": "2015-16"}


def open_app(demo_path, monkeypatch, page: str | None = None, session: dict | None = None,
             **params: str) -> AppTest:
    """The dashboard on a warehouse (the demo, usually), opened on pages/<page>.py with these
    parameters; already signed in with sign_in(**session) when a session is given."""
    monkeypatch.setenv("LCC_WAREHOUSE", str(demo_path))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    if session is not None:
        sign_in(at, **session)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


PASSWORD = "correct horse battery"


def write_access_file(path: Path, monkeypatch, users: dict[str, str | None] | None = None,
                      session_minutes: int = 480) -> Path:
    """An access file at `path` (and $LCC_ACCESS_FILE pointing at it) whose users all have the
    password PASSWORD: {name: community slug, or None for a program user}. The hashes use cheap
    argon2 parameters so that tests stay fast; verifying reads the parameters from the hash."""
    from argon2 import PasswordHasher

    from auth import config
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    users = {"ops": None} if users is None else users
    access = config.AccessConfig(path, config.Settings(session_minutes=session_minutes), {
        name: config.User(name, "community" if slug else "program", slug, name.title(), cheap)
        for name, slug in users.items()})
    config.save(access, path)
    monkeypatch.setenv("LCC_ACCESS_FILE", str(path))
    return path


def sign_in(at: AppTest, user: str = "ops", community: str | None = None, *, minutes: int = 480,
            signed_in_at: dt.datetime | None = None) -> AppTest:
    """Start the app already signed in as this user (a session as the sign-in form leaves it);
    the user must be in the access file. Call before the first at.run()."""
    from auth import config, signin
    from auth.signin import Session
    from metrics.access import Viewer
    start = signed_in_at or dt.datetime.now(dt.UTC)
    viewer = Viewer(user, "community" if community else "program", community)
    access = config.load()
    fingerprint = signin.fingerprint(access.find(user) if access else None)
    session = signin.register(Session(viewer, user.title(), start, start + dt.timedelta(minutes=minutes), fingerprint))
    at.session_state["_auth_session"] = session
    return at


def tables(at: AppTest) -> list[pd.DataFrame]:
    """Every table as displayed (formatted strings, "<10" where suppressed): the pages' HTML
    tables (st.table), and any st.dataframe grid."""
    def shown(d) -> pd.DataFrame:
        data = d.proto.arrow_data
        return dataframe_util.convert_arrow_bytes_to_pandas_df(
            data.styler.display_values if data.styler.display_values else data.data)
    # An editable grid (st.data_editor) has no styler: its data is what it shows.
    return [shown(d) for d in [*at.table, *at.dataframe]
            if d.proto.arrow_data.styler.display_values or d.proto.arrow_data.data]


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first displayed table that has this column header."""
    found = [t for t in tables(at) if column in t.columns]
    assert found, f"no table with a column {column!r}: {[list(t.columns) for t in tables(at)]}"
    return found[0]


def metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    """KPI tiles: label -> (value, change)."""
    return {m.label: (m.value, m.delta) for m in at.metric}


def text(at: AppTest) -> str:
    """Every caption, markdown, title and alert on the page, one per line."""
    parts = [e.value for kind in ("title", "caption", "markdown", "info", "warning", "header", "subheader") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def figures(at: AppTest) -> list[dict]:
    """Every Plotly figure shown, as its JSON spec."""
    import json
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def figure_titled(at: AppTest, words: str) -> dict:
    found = [f for f in figures(at) if words in f["layout"].get("title", {}).get("text", "")]
    assert found, f"no chart titled with {words!r}: {[f['layout'].get('title', {}).get('text') for f in figures(at)]}"
    return found[0]


def values(trace: dict, key: str) -> list:
    """A trace's x or y as a list (Plotly sends numeric arrays base64-encoded)."""
    import base64

    import numpy as np
    v = trace[key]
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)
