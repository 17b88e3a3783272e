"""The warehouse connection and cached metric calls.

One read-only DuckDB connection per published file, kept by st.cache_resource and keyed on
the file's stamp: when a loader publishes a new file, the next rerun opens it. Query
results are kept by st.cache_data, keyed on the version the question reads (a community's own
figures on that community's version, everything else on the warehouse's: a new load shows up,
and a load for one community leaves the others' cached figures warm) and the question asked; the connection itself is not hashed (`_con`). Every metric takes
its own cursor, because Streamlit runs sessions on separate threads.
"""
from __future__ import annotations

import contextlib
import dataclasses
import threading
from typing import NamedTuple

import duckdb
import pandas as pd
import streamlit as st

import metrics
from metrics import catalog as catalog_module
from metrics.access import MIN_COMMUNITIES, AccessDenied, Viewer
from metrics.scope import Scope
from components import signin
from components.choice import plain
from ingest import tempfiles
from warehouse import demo, store

_build_lock = threading.Lock()
_swept = False


class Warehouse(NamedTuple):
    con: duckdb.DuckDBPyConnection
    version: str                    # of the whole file: a new one at every publish
    shared: str | None              # of what every figure reads (school years, communities)
    communities: dict[str, str]     # slug -> version of that community's own rows


@st.cache_resource(max_entries=2, show_spinner=False)
def _open(path: str, stamp: tuple[int, int, int]) -> Warehouse:
    con = store.open_readonly(path)
    shared, communities = store.versions(con.cursor())
    return Warehouse(con, store.version(con.cursor()), shared, communities)


# Metrics whose answer for one community reads that community's rows only (its own cells and its
# own disclosure decision, metrics.disclosure.community_decision): cached on that community's
# version, so that a load for another community leaves them warm. Everything else (cohort
# quartiles, comparison groups, the survey's cohort shares, any cohort or program figure) is
# cached on the whole warehouse version. tests/test_data_versions.py checks the list.
OWN_ROWS = frozenset({
    "activation_rate", "active_user_rate", "activation_by_week", "activation_since_launch", "staff_cards",
    "circulation_by_month", "circulation_growth", "circulation_per_student", "hotspot_lending",
    "eresource_usage_by_month", "eresource_growth", "eresource_per_active_student",
})


def question_version(w: Warehouse, name: str, scope: Scope) -> str:
    """The version a question's answer depends on (see OWN_ROWS)."""
    own = w.communities.get(scope.community) if scope.community and scope.cohort is None else None
    if name in OWN_ROWS and w.shared and own:
        return f"{w.shared}:{own}"
    return w.version


def warehouse() -> Warehouse:
    """The published warehouse, reopened whenever a new file has been published. A missing or
    damaged file stops the page with a plain message (never DuckDB's traceback)."""
    path = store.warehouse_path()
    try:
        return _open(str(path), store.file_stamp(path))
    except (duckdb.Error, OSError) as e:
        _unavailable(path, e)


def preopen() -> bool:
    """Open the published warehouse before the first visitor comes (server.py, at start), so
    that the first page is as quick as any later one. False when there is none yet or it cannot
    be read: the first page then says why."""
    path = store.warehouse_path()
    try:
        _open(str(path), store.file_stamp(path))
        return True
    except (duckdb.Error, OSError):
        return False


def _unavailable(path, error: BaseException) -> None:
    if store.real_data_published(path) or isinstance(error, duckdb.Error):
        what = store.refusal(path) if not path.exists() else (
            f"The warehouse file {path.name} cannot be read: it looks damaged or incomplete. Nothing is "
            "shown from it. On the server, publish the previous snapshot again with "
            "`python -m warehouse.store --restore`, or load the data again.")
    else:
        what = f"No warehouse at {path.name} yet: build the demo with `make demo`, or load data."
    st.error(what, icon=":material/error:")
    st.stop()


def ensure_warehouse() -> None:
    """Build the demo warehouse, with a progress bar, when no warehouse exists yet (one to three minutes), but
    only where no real data was ever published: there a missing file is a plain refusal, shown
    before sign-in, and nothing is built."""
    global _swept
    if not _swept:   # once per server process: copies of uploads left by a killed one hold raw IDs
        tempfiles.sweep()
        _swept = True
    path = store.warehouse_path()
    if path.exists():
        return
    if store.real_data_published(path):
        _unavailable(path, FileNotFoundError(path))
    with _build_lock:  # two sessions arriving together build it once
        if path.exists():
            return
        with st.status("No warehouse yet: building the demo warehouse (one to three minutes)…",
                       expanded=True) as status:
            bar = st.progress(0.0, text="Starting")

            def progress(i: int, n: int, label: str) -> None:
                bar.progress(min(i / max(n, 1), 1.0), text=f"Step {min(i + 1, n)} of {n}: {label}")

            try:
                demo.ensure(path, progress=progress)
            except store.RealDataMissing:   # real data was published meanwhile (by another process)
                status.update(label="Not built", state="error")
                _unavailable(path, FileNotFoundError(path))
            status.update(label="Demo warehouse built", state="complete", expanded=False)


@st.cache_data(max_entries=2000, show_spinner=False)
def _metric(name: str, _con: duckdb.DuckDBPyConnection, version: str, scope: tuple, viewer: Viewer,
            kwargs: tuple) -> pd.DataFrame:
    fields = dict(zip([f.name for f in dataclasses.fields(Scope) if f.name != "viewer"], scope))
    return getattr(metrics, name)(_con, Scope(**fields, viewer=viewer), **dict(kwargs))


def metric(name: str, scope: Scope, **kwargs) -> pd.DataFrame:
    """metrics.<name>(con, scope, **kwargs) asked as the signed-in viewer (whatever viewer the
    page's scope carried), cached on the warehouse version, the question and the viewer."""
    w = warehouse()
    question = tuple(getattr(scope, f.name) for f in dataclasses.fields(Scope) if f.name != "viewer")
    return _metric(name, w.con, question_version(w, name, scope), question, signin.current_viewer(),
                   tuple(sorted(kwargs.items())))


# Catalog functions whose answer depends on who asks.
_FOR_VIEWER = {"communities", "schools", "campaigns", "load_log"}


@st.cache_data(max_entries=200, show_spinner=False)
def _catalog(name: str, _con: duckdb.DuckDBPyConnection, version: str, args: tuple, viewer: Viewer | None):
    extra = {"viewer": viewer} if viewer is not None else {}
    return getattr(catalog_module, name)(_con, *args, **extra)


def catalog(name: str, *args):
    """metrics.catalog.<name>(con, *args), asked as the signed-in viewer where that matters,
    cached on the warehouse version."""
    w = warehouse()
    return _catalog(name, w.con, w.version, args, signin.current_viewer() if name in _FOR_VIEWER else None)


def record_change(event: str, **detail) -> None:
    """Audit a change to the warehouse made on a page (a load, an undo, a code mapping, a
    campaign, a target) as the signed-in user."""
    from auth import audit
    viewer = st.session_state.get(signin.VIEWER) or signin.DEMO_VIEWER
    audit.record(event, user=viewer.user, role=viewer.role, community=viewer.community, detail=detail)


def signed_in_user() -> str:
    """Who the load log's "By" names for a change made on a page: the signed-in user (never the
    server's OS account; a page only runs after the sign-in gate set the viewer)."""
    viewer = st.session_state.get(signin.VIEWER)
    return viewer.user if viewer is not None else "unknown (no signed-in user)"


@contextlib.contextmanager
def unless_denied(what: str):
    """Run a page section; when the viewer may not see it (an aggregate of fewer than
    MIN_COMMUNITIES communities, for a community viewer), show a plain notice instead of a
    traceback, and the rest of the page still runs."""
    try:
        yield
    except AccessDenied:
        st.info(f"{plain(what)}: not shown to you, because figures for a group of fewer than {MIN_COMMUNITIES} "
                "communities could single out one of them. Program staff see them.", icon=":material/lock:")
