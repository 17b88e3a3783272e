"""What a person enters on the Load data page rather than in a file: campaigns and annotations
(marked on the timelines), targets, and the community's item-type code mapping.

Every entry is a load like any other: it is written through warehouse.store.publishing (so the
dashboard keeps answering and sees it once committed), gets a load_log row, and can be undone
(`python -m ingest undo N` or the page). Bad input raises EntryError with a sentence a person can act on.
"""
from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path

import duckdb
import pandas as pd

from metrics.scope import is_school_year
from metrics.targets import TARGETS
from warehouse import store

KINDS = ("campaign", "annotation")
# Target metrics and how their values read (rates are shares 0-1, counts whole numbers): the
# ones metrics.targets reports on, named as it names them.
TARGET_METRICS = TARGETS
EARLIEST = dt.date(1990, 1, 1)
SOURCES = ("campaign", "target")


class EntryError(ValueError):
    """An entry that cannot be saved; the message says why and what is expected."""


def _who(loaded_by: str | None) -> str:
    if loaded_by:
        return loaded_by
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def _community_id(con: duckdb.DuckDBPyConnection, community: str | None) -> int | None:
    if community is None:
        return None
    row = con.execute("SELECT community_id FROM community WHERE slug = ?", [community]).fetchone()
    if row is None:
        raise EntryError(f"There is no community “{community}” in the warehouse; pick one from the list.")
    return row[0]


def _date(value, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise EntryError(f"The {what} “{value}” is not a date; expected YYYY-MM-DD.") from None
    if not isinstance(value, dt.date):
        raise EntryError(f"The {what} is missing; expected a date.")
    latest = dt.date(dt.date.today().year + 5, 12, 31)
    if not EARLIEST <= value <= latest:
        raise EntryError(f"The {what} {value:%Y-%m-%d} is out of range; expected a date between "
                         f"{EARLIEST:%Y} and {latest:%Y}.")
    return value


def _log(con, source: str, label: str, community_id: int | None, loaded_by: str | None) -> int:
    load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM load_log").fetchone()[0]
    con.execute("INSERT INTO load_log VALUES (?, ?, ?, ?, ?, NULL, ?, 1, 0, 'loaded')",
                [load_id, dt.datetime.now(dt.UTC).replace(tzinfo=None), _who(loaded_by), source, label,
                 community_id])
    return load_id


def add_campaign(community: str | None, start_date, title: str, *, end_date=None, kind: str = "campaign",
                 path: str | Path | None = None, loaded_by: str | None = None) -> int:
    """Add a campaign or annotation (community None: program-wide); returns its load id."""
    title = (title or "").strip()
    if not title:
        raise EntryError("The title is empty; say in a few words what happened (e.g. “Superintendent's "
                         "activation challenge”).")
    if len(title) > 200:
        raise EntryError(f"The title is {len(title)} characters long; keep it under 200.")
    if kind not in KINDS:
        raise EntryError(f"The kind “{kind}” is not known; expected campaign or annotation.")
    start = _date(start_date, "start date")
    end = None if end_date in (None, "") else _date(end_date, "end date")
    if end is not None and end < start:
        raise EntryError(f"The end date {end:%Y-%m-%d} is before the start date {start:%Y-%m-%d}.")
    with store.publishing(Path(path or store.warehouse_path()), communities=()) as con:
        community_id = _community_id(con, community)
        campaign_id = con.execute("SELECT coalesce(max(campaign_id), 0) + 1 FROM campaign").fetchone()[0]
        con.execute("INSERT INTO campaign VALUES (?, ?, ?, ?, ?, ?)",
                    [campaign_id, community_id, start, end, title, kind])
        load_id = _log(con, "campaign", f"{kind}: {title}", community_id, loaded_by)
        con.execute("INSERT INTO load_row_key VALUES (?, 'campaign', ?, NULL, NULL)", [load_id, campaign_id])
        if community_id is not None:   # one community's campaign: the others' cached figures stay
            store.changed(con, [community_id])
    return load_id


def add_target(community: str, school_year: str, metric: str, value: float, *,
               path: str | Path | None = None, loaded_by: str | None = None) -> int:
    """Set a community's target for a metric in a school year (replacing an earlier one); returns
    the load id. Rates are shares between 0 and 1 (0.85 for 85 %)."""
    if not community:
        raise EntryError("A target belongs to one community; pick one.")
    school_year = (school_year or "").strip()
    if not is_school_year(school_year):
        raise EntryError(f"The school year “{school_year}” is not one; expected the form 2015-16.")
    if metric not in TARGET_METRICS:
        raise EntryError(f"There is no target metric “{metric}”; expected one of {', '.join(TARGET_METRICS)}.")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise EntryError(f"The target value “{value}” is not a number.") from None
    label, kind = TARGET_METRICS[metric]
    if kind == "rate" and not 0 <= value <= 1:
        raise EntryError(f"A target {label.lower()} of {value:g} is impossible; expected a share between 0 "
                         "and 1 (0.85 for 85 %).")
    if value < 0:
        raise EntryError(f"A target {label.lower()} cannot be negative (found {value:g}).")
    with store.publishing(Path(path or store.warehouse_path()), communities=()) as con:
        community_id = _community_id(con, community)
        con.execute("INSERT OR REPLACE INTO target VALUES (?, ?, ?, ?)", [community_id, school_year, metric, value])
        load_id = _log(con, "target", f"target: {metric} {school_year} = {value:g}", community_id, loaded_by)
        con.execute("INSERT INTO load_scope VALUES (?, 'target', NULL, NULL, ?)", [load_id, metric])
        con.execute("INSERT INTO load_row_key VALUES (?, 'target', ?, NULL, ?)", [load_id, community_id, school_year])
        store.changed(con, [community_id])
    return load_id


def undo_entry(con: duckdb.DuckDBPyConnection, load_id: int, source: str) -> str:
    """Remove what a campaign or target entry added (inside the caller's publishing transaction).
    Undoing a target removes it; an earlier value it replaced is not restored."""
    if source == "campaign":
        n = con.execute("DELETE FROM campaign WHERE campaign_id IN (SELECT id FROM load_row_key "
                        "WHERE load_id = ? AND tbl = 'campaign')", [load_id]).fetchone()[0]
    else:
        n = con.execute("""DELETE FROM target WHERE (community_id, school_year, metric) IN (
                SELECT (k.id, k.school_year, s.detail) FROM load_row_key k JOIN load_scope s USING (load_id)
                WHERE k.load_id = ? AND k.tbl = 'target')""", [load_id]).fetchone()[0]
    con.execute("DELETE FROM load_row_key WHERE load_id = ?", [load_id])
    con.execute("UPDATE load_log SET status = 'undone' WHERE load_id = ?", [load_id])
    community_id = con.execute("SELECT community_id FROM load_log WHERE load_id = ?", [load_id]).fetchone()[0]
    if community_id is not None:
        store.changed(con, [community_id])
    return f"load {load_id} ({source}) undone: {n} row(s) removed"


def targets(community: str | None = None, path: str | Path | None = None) -> pd.DataFrame:
    """Targets, for one community or all: community, school_year, metric, value."""
    con = store.open_readonly(path)
    try:
        return con.execute("""
            SELECT c.slug AS community, c.name AS community_name, t.school_year, t.metric, t.value
            FROM target t JOIN community c USING (community_id)
            WHERE $c IS NULL OR c.slug = $c ORDER BY c.name, t.school_year, t.metric""", {"c": community}).df()
    finally:
        con.close()


MAP_COLUMNS = ["code", "format", "audience", "fiction", "platform"]


def code_mapping(community: str, path: str | Path | None = None) -> pd.DataFrame:
    """The community's item-type code mapping (code, format, audience, fiction, platform)."""
    con = store.open_readonly(path)
    try:
        return con.execute("""
            SELECT m.code, m.format, m.audience, m.fiction, m.platform
            FROM code_mapping m JOIN community c USING (community_id) WHERE c.slug = ? ORDER BY m.code""",
                           [community]).df()
    finally:
        con.close()


def save_code_mapping(community: str, mapping: pd.DataFrame, *, path: str | Path | None = None,
                      loaded_by: str | None = None):
    """Save an edited mapping through the code_map loader (same checks as a mapping file): written
    as a CSV into a private temp folder that is removed afterwards. Returns the LoadReport."""
    from ingest.load import load_files  # ingest.load imports this module for undo

    rows = mapping.reindex(columns=MAP_COLUMNS).copy()
    rows = rows[~rows.map(lambda v: v is None or (isinstance(v, float) and pd.isna(v)) or str(v).strip() == "")
                .all(axis=1)]  # rows the editor added and left blank
    if rows.empty:
        raise EntryError("The mapping has no rows; add at least one code.")
    from ingest import tempfiles
    with tempfiles.folder("codemap") as tmp:
        file = tmp / f"code-mapping-{community}.csv"
        rows.to_csv(file, index=False)
        return load_files([file], community=community, source="code_map", path=path, loaded_by=loaded_by)
