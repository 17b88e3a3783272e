"""Load files into the warehouse: validate every file first, then write them all in ONE
publishing transaction (events, load log, rollups), or write nothing.

    report = load_files(["cards-2015.csv"], community="charlotte-mecklenburg", source="cards")

Loading the same file again (same SHA-256) changes nothing and says when it was loaded. A
corrected file for a period the community already loaded from the same source replaces that
period (rows of the earlier load in the period are deleted by load_id; a load left with no rows
is marked 'replaced'). undo(load_id) removes a load's rows.
"""
from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from ingest import (activity, annotations, cards, circulation, directories, enrollment, eresources, sanity, survey,
                    tempfiles, writer)
from ingest.layouts import LAYOUTS
from ingest.problems import Problem, ValidationError, errors, to_frame
from ingest.staging import Context, Staged, open_staging, sha256_of, warehouse_version
from warehouse import lake, pseudonymize, rollups, rollups_append, store

READERS: dict[str, Callable[[Path, Context], Staged]] = {
    "communities": directories.read_communities,
    "schools": directories.read_schools,
    "branches": directories.read_branches,
    "enrollment": enrollment.read_enrollment,
    "cards": cards.read_cards,
    "card_activity": activity.read_card_activity,
    "circulation": circulation.read_circulation,
    "circulation_monthly": circulation.read_circulation_monthly,
    "code_map": circulation.read_code_map,
    "counter": eresources.read_counter,
    "eresource_vendor": eresources.read_vendor,
    "survey": survey.read_survey,
    "survey_export": survey.read_survey_export,
}
Progress = Callable[[int, int, str], None]
# Sources whose loads, when they delete nothing, are pure appends of uses (rollups_append.append).
APPEND_KINDS = ("card_activity", "circulation")


@dataclass
class FileResult:
    file: str
    kind: str
    status: str                  # 'loaded', 'partial', 'already loaded', 'rejected', 'not loaded'
    message: str = ""
    load_id: int | None = None
    rows: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    unmapped: pd.DataFrame | None = None


@dataclass
class LoadReport:
    files: list[FileResult]
    committed: bool = False

    @property
    def ok(self) -> bool:
        return all(f.status != "rejected" for f in self.files)

    @property
    def warnings(self) -> list[Problem]:
        """Warnings that did not stop the load (sanity checks on monthly totals, totals rows, ...)."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]

    def problems_frame(self) -> pd.DataFrame:
        return to_frame(self.problems)

    def summary(self) -> str:
        return "\n".join(f"{f.file}: {f.status}" + (f" (load {f.load_id})" if f.load_id else "")
                         + (f" - {f.message}" if f.message else "") for f in self.files)


class _Stale(Exception):
    """Another writer published between validation and writing: validate again."""


def load_files(paths: Iterable[str | Path], *, community: str | None = None, source: str,
               path: str | Path | None = None, allow_partial: bool = False, progress: Progress | None = None,
               loaded_by: str | None = None, dry_run: bool = False, **options) -> LoadReport:
    """Validate all files, then load them in one transaction. options: school_year (cards), wave
    (survey_export), platform (COUNTER reports that do not name one). dry_run: validate only (the
    Load data page's "Validate" step); statuses then say what a load would do."""
    if source not in READERS:
        raise ValueError(f"unknown kind {source!r}; one of {', '.join(READERS)}")
    paths = [Path(p) for p in paths]
    path = Path(path or store.warehouse_path())
    progress = progress or (lambda i, n, label: None)
    store.check_published(path)   # real data was published here but the file is gone: refuse, load nothing
    pseudonymize.check_key()   # a weak or readable key is refused before any file is read
    # A killed load leaves its staging folder (which may hold a transcoded copy of an input).
    tempfiles.sweep()
    for _attempt in range(3):
        with tempfiles.folder("ingest") as tmp:
            try:
                results, staged, seen_version = _validate(paths, community, source, path, allow_partial,
                                                          options, tmp, progress)
                if any(r.status == "rejected" for r in results):
                    for r in results:
                        if r.status in ("loaded", "partial"):
                            r.status, r.message = "not loaded", "another file in the batch was rejected"
                    return LoadReport(results)
                if dry_run:
                    for r in results:
                        if r.status in ("loaded", "partial"):
                            r.status = "ready" if r.status == "loaded" else "ready (partial)"
                    return LoadReport(results)
                if not staged:
                    return LoadReport(results)
                return _write(results, staged, seen_version, path, loaded_by or _who(), progress, len(paths))
            except _Stale:
                continue
            except (OSError, duckdb.IOException) as err:   # the staging folder is removed on the way out
                if store._disk_full(err):
                    raise store.StoreError(store.disk_message(err, "checking the files")) from err
                raise
    raise RuntimeError("the warehouse kept changing while validating; try again")


def _who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def _validate(paths, community, source, path, allow_partial, options, tmp, progress):
    results, staged_all, version = [], [], None
    layout = LAYOUTS[source]
    for i, file in enumerate(paths):
        progress(i, len(paths) * 2, f"checking {file.name}")
        result = FileResult(file.name, source, "loaded")
        results.append(result)
        # Card activity and circulation read only their community's cards and events.
        con = open_staging(path, community if source in APPEND_KINDS else None)
        ctx = None
        try:
            version = version or warehouse_version(con)
            community_id = _community_id(con, community, layout, file.name)
            sha = sha256_of(file)
            before = _loaded_before(con, sha, community_id)
            if before:
                result.status, result.load_id = "already loaded", before[0]
                result.message = f"the same file was loaded on {before[1]:%Y-%m-%d %H:%M} as load {before[0]}; nothing changed"
                continue
            work = tmp / f"f{i}"
            work.mkdir()
            ctx = Context(con, file.name, work, community, community_id, allow_partial, dict(options))
            staged = READERS[source](file, ctx)
            staged.sha256 = sha
            staged.file = file.name
            staged.problems = staged.problems + sanity.check(con, staged, community_id)
            result.rows, result.rejected, result.problems = staged.rows, staged.rejected, staged.problems
            result.unmapped = staged.unmapped
            if staged.rejected:
                result.status = "partial"
                result.message = f"{staged.rejected} rows quarantined"
            staged_all.append((result, staged, community_id))
        except ValidationError as err:
            result.status, result.problems = "rejected", err.problems
            result.unmapped = ctx.unmapped if ctx else None
            result.message = f"{len(errors(err.problems))} problem(s); nothing loaded"
        except (duckdb.InvalidInputException, duckdb.IOException, duckdb.SerializationException) as err:
            if store._disk_full(err):
                raise
            # A damaged or truncated file (a Parquet footer cut off, ...): said as a problem of
            # the file, without DuckDB's traceback or our temp paths.
            reason = str(err).splitlines()[0].replace(str(file), file.name).split(" in file ")[0]
            result.status, result.message = "rejected", "the file cannot be read; nothing loaded"
            result.problems = [Problem(file.name, f"the file cannot be read: it looks damaged or cut short "
                                                  f"({reason})", f"a complete {layout.title} file")]
        finally:
            con.close()
    return results, staged_all, version


def _community_id(con, community, layout, label) -> int | None:
    if community is None:
        if layout.per_community:
            raise ValidationError([Problem(label, f"no community given for a {layout.title} file",
                                           "--community SLUG")])
        return None
    row = con.execute("SELECT community_id FROM wh.community WHERE slug = ?", [community]).fetchone()
    if row is None:
        raise ValidationError([Problem(label, f"unknown community {community!r}",
                                       "the slug of a community in the warehouse (load kind communities first)")])
    return row[0]


def _loaded_before(con, sha, community_id):
    return con.execute("SELECT load_id, loaded_at FROM wh.load_log WHERE sha256 = ? AND status <> 'undone' "
                       "AND community_id IS NOT DISTINCT FROM ? ORDER BY load_id LIMIT 1",
                       [sha, community_id]).fetchone()


def _write(results, staged_all, seen_version, path, loaded_by, progress, n_files) -> LoadReport:
    named = [staged.community_ids for _, staged, _ in staged_all]
    # Files of named communities read and change those communities' lake partitions only.
    opened = store.EVERY if any(not ids or None in ids for ids in named) else set().union(*named)
    # Dated files read those communities' events from the earliest file's school year on
    # (the rollup steps open more should they need it).
    starts = [writer.day(staged.period[0]) if staged.period else None for _, staged, _ in staged_all]
    start = None if None in starts else min(starts)
    # Card activity or circulation only: maybe a pure addition (adds_only), which opens nothing.
    maybe_adds = all(staged.kind in APPEND_KINDS for _, staged, _ in staged_all)
    # One transaction: its statements commit once, at publish (nothing below catches a DuckDB error).
    with store.publishing(path, communities=() if maybe_adds else opened, since=start, one_transaction=True) as con:
        if store.version(con) != seen_version:
            raise _Stale()
        adds = maybe_adds and adds_only(con, staged_all)
        if adds:
            # The batch's rows are new files beside their partitions' files; nothing is read whole.
            lake.appending(con, ("card_event", "circulation"))
        elif maybe_adds:
            store.open_partitions(con, opened, start)
        touched: set[int] = set()
        since: list = []   # per file: the earliest event date it touched, None: refresh everything
        appended: list[int] = []   # loads that only added rows to card_event or circulation
        for i, (result, staged, community_id) in enumerate(staged_all):
            progress(n_files + i, n_files * 2, f"writing {staged.file}")
            load_id, replaced, first, deleted = writer.write(con, staged, community_id, loaded_by, adds_only=adds)
            since.append(first)
            if staged.kind in APPEND_KINDS and deleted == 0 and not replaced and first is not None:
                appended.append(load_id)
            result.load_id = load_id
            if replaced:
                result.message = (result.message + "; " if result.message else "") + \
                    "replaces the same period of load(s) " + ", ".join(map(str, replaced))
            touched |= {c for c in staged.community_ids if c is not None}
        scrub_quarantine(con)
        if all(staged.community_ids and None not in staged.community_ids for _, staged, _ in staged_all):
            # Files of named communities only: the cached figures of every other community stay.
            store.changed(con, touched)
        progress(n_files * 2 - 1, n_files * 2, "updating rollups")
        if touched and len(appended) == len(staged_all):
            # Only new card activity or circulation rows: the rollups follow the batch alone.
            rollups_append.append(con, appended, over_lake=adds)
        elif touched:  # in the same transaction as the rows: both publish or neither
            rollups.refresh(con, sorted(touched), since=None if None in since else min(since))
    progress(n_files * 2, n_files * 2, "published")
    return LoadReport(results, committed=True)


def adds_only(con: duckdb.DuckDBPyConnection, staged_all) -> bool:
    """Whether every file of the batch only adds rows: card activity or circulation of one named
    community with a period, and no earlier load of its kind and community still loaded (in the
    catalog, or a file before it in the batch) whose period overlaps its own (the rows a
    corrected file replaces lie in both periods: a load's rows lie in its period) or that holds
    no rows (writer.write marks such a load replaced). Then writer.write deletes nothing and
    replaces nothing, and the batch needs none of the rows already there but through filters."""
    seen: list[tuple] = []
    for _, staged, community_id in staged_all:
        period = staged.period or (None, None)
        if (staged.kind not in APPEND_KINDS or community_id is None or staged.community_ids != {community_id}
                or None in period or not staged.rows):
            return False
        first, last = writer.day(period[0]), writer.day(period[1])
        clash = con.execute("""
            SELECT count(*) FROM load_log l JOIN load_scope s USING (load_id)
            WHERE l.status = 'loaded' AND s.kind = $kind AND l.community_id IS NOT DISTINCT FROM $c
              AND (coalesce(l.rows_loaded, 0) = 0 OR s.period_start IS NULL OR s.period_end IS NULL
                   OR (s.period_start <= $last AND s.period_end >= $first))""",
                            {"kind": staged.kind, "c": community_id, "first": first, "last": last}).fetchone()[0]
        if clash or any(k == staged.kind and c == community_id and f <= last and l >= first for k, c, f, l in seen):
            return False
        seen.append((staged.kind, community_id, first, last))
    return True


def scrub_quarantine(con: duckdb.DuckDBPyConnection) -> int:
    """Withhold, in quarantine rows kept before values were checked, every value that could be an
    ID (a swapped column stored one raw); done once per warehouse, in the publishing transaction.
    Returns the rows changed."""
    import json

    from ingest.problems import WITHHELD, could_be_id
    if con.execute("SELECT count(*) FROM warehouse_meta WHERE key = 'quarantine_scrubbed'").fetchone()[0]:
        return 0
    changed = []
    for load_id, line, row_json in con.execute(
            "SELECT load_id, line, row_json FROM quarantine WHERE row_json IS NOT NULL").fetchall():
        try:
            row = json.loads(row_json)
        except ValueError:
            changed.append((None, load_id, line))
            continue
        clean = {k: (WITHHELD if not k.endswith("_pseudonym") and could_be_id(v) else v) for k, v in row.items()}
        if clean != row:
            changed.append((json.dumps(clean), load_id, line))
    if changed:
        con.executemany("UPDATE quarantine SET row_json = ? WHERE load_id = ? AND line = ?", changed)
    con.execute("INSERT OR REPLACE INTO warehouse_meta VALUES ('quarantine_scrubbed', 'true')")
    return len(changed)


def undo(load_id: int, *, path: str | Path | None = None) -> str:
    """Remove a load's rows, mark it 'undone' and bring the rollups up to date."""
    path = Path(path or store.warehouse_path())
    with store.publishing(path, communities=()) as con:
        row = con.execute("SELECT source, status, community_id FROM load_log WHERE load_id = ?", [load_id]).fetchone()
        if row and row[0] in annotations.SOURCES and row[1] == "loaded":  # entered on the page, not a file
            return annotations.undo_entry(con, load_id, row[0])
        start = con.execute("SELECT period_start FROM load_scope WHERE load_id = ?", [load_id]).fetchone()
        store.open_partitions(con, store.EVERY if not row or row[2] is None else [row[2]], start[0] if start else None)
        message, community_ids, since = writer.undo(con, load_id)
        rollups.refresh(con, community_ids, since=since)
        if community_ids and None not in community_ids:
            store.changed(con, community_ids)
    return message


def load_log(path: str | Path | None = None) -> pd.DataFrame:
    """The load log, newest first, with each load's kind and period."""
    con = store.open_readonly(path)
    try:
        scope = "LEFT JOIN load_scope s USING (load_id)" if _has(con, "load_scope") else ""
        cols = ", s.kind, s.period_start, s.period_end, s.detail" if scope else ""
        return con.execute(f"""
            SELECT l.load_id, l.loaded_at, l.loaded_by, l.source, l.file_name, c.slug AS community,
                   l.rows_loaded, l.rows_rejected, l.status{cols}
            FROM load_log l LEFT JOIN community c USING (community_id) {scope}
            ORDER BY l.load_id DESC""").df()
    finally:
        con.close()


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return con.execute("SELECT count(*) FROM (SELECT table_name AS name FROM duckdb_tables() UNION ALL "
                       "SELECT view_name FROM duckdb_views()) WHERE name = ?", [table]).fetchone()[0] > 0


def quarantined(load_id: int, path: str | Path | None = None) -> pd.DataFrame:
    con = store.open_readonly(path)
    try:
        if not _has(con, "quarantine"):
            return pd.DataFrame(columns=["line", "problems", "row_json"])
        return con.execute("SELECT line, problems, row_json FROM quarantine WHERE load_id = ? ORDER BY line",
                           [load_id]).df()
    finally:
        con.close()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
