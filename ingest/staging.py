"""Where a file is read and checked before anything is written.

Each file gets its own in-memory DuckDB connection with the published warehouse attached
read-only as `wh` (for schools, branches and cards already loaded). Raw student IDs exist only
in that in-memory database and are hashed there; what leaves it for the writer is a Parquet file
of warehouse-shaped rows, with pseudonyms, never raw IDs.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from ingest import checks
from ingest.layouts import Layout
from ingest.problems import ID_LIKE_SQL, WITHHELD, Problem, ValidationError, errors, redact_text
from ingest.reading import read_source
from warehouse import lake, pseudonymize, store


@dataclass
class Context:
    con: duckdb.DuckDBPyConnection
    label: str
    tmp_dir: Path
    community: str | None = None
    community_id: int | None = None
    allow_partial: bool = False
    options: dict = field(default_factory=dict)   # school_year, wave, ...
    unmapped: pd.DataFrame | None = None     # item type codes with no mapping (kept on rejection too)
    _key: bytes | None = None

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = pseudonymize.load_key()
        return self._key

    def hmac_params(self) -> dict:
        ipad, opad = pseudonymize.hmac_pads(self.key)
        return {"ipad": ipad, "opad": opad}


@dataclass
class Staged:
    """A validated file, ready to write: one Parquet file per warehouse table it feeds."""
    kind: str
    file: str
    sha256: str
    tables: dict[str, Path] = field(default_factory=dict)
    rows: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    period: tuple | None = None         # (first day, last day) the file covers, for replacing
    detail: str | None = None           # e.g. platform|report type, school year, wave
    community_ids: set[int] = field(default_factory=set)
    quarantine: Path | None = None
    unmapped: pd.DataFrame | None = None   # item type codes with no mapping, and their row counts

    def frame(self, table: str) -> pd.DataFrame:
        return pd.read_parquet(self.tables[table])


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def open_staging(warehouse: Path | None, community: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the published warehouse attached as `wh`; with `community`
    (a slug: for files whose checks read no other community's cards or events), its lake tables
    hold that community's rows only."""
    con = duckdb.connect()
    con.execute("SET threads = 2")
    if warehouse is not None and Path(warehouse).exists():
        # The published path is a symlink to a catalog snapshot; attach that snapshot itself (DuckDB
        # caches databases per path within a process), its lake files as views.
        catalog = Path(os.path.realpath(warehouse))
        lake.attach(con, catalog, lake.lake_of(catalog), "wh", views=False, community=community)
    else:
        con.execute("ATTACH ':memory:' AS wh")
        con.execute("USE wh")
        store.create_schema(con)
        con.execute("USE memory")
    return con


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    # wh holds views of the published catalog's tables and lake files (warehouse/lake.attach)
    return con.execute("SELECT count(*) FROM (SELECT table_name AS name, database_name FROM duckdb_tables() UNION ALL "
                       "SELECT view_name, database_name FROM duckdb_views()) WHERE database_name = 'wh' AND name = ?",
                       [name]).fetchone()[0] > 0


def warehouse_version(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT value FROM wh.warehouse_meta WHERE key = 'version'").fetchone()
    return row[0] if row else "empty"


def read_checked(ctx: Context, path: Path, layout: Layout, redact: set[str] = frozenset()) -> list[Problem]:
    """Read and type a file into `typed`, collecting cell problems into `errs`."""
    problems = read_source(ctx.con, path, layout, ctx.label, ctx.tmp_dir, redact)
    checks.type_rows(ctx.con, layout)
    return problems


def finish(ctx: Context, staged: Staged, layout: Layout, problems: list[Problem], redact: set[str] = frozenset(),
           id_column: str | None = None) -> list[Problem]:
    """Collect problems; raise unless the file is clean (or --allow-partial on an event file, where
    the bad lines are dropped from `typed` and kept for quarantine)."""
    con = ctx.con
    problems = problems + checks.problems(con, ctx.label, redact)
    rejects = con.execute("SELECT count(*) FROM rejected").fetchone()[0]
    bad_lines = checks.error_lines(con) + rejects
    if not errors(problems):
        staged.rows = con.execute("SELECT count(*) FROM typed").fetchone()[0]
        return problems
    if not (ctx.allow_partial and layout.events):
        raise ValidationError(problems)
    _quarantine(ctx, staged, layout, id_column)
    con.execute("DELETE FROM typed WHERE line IN (SELECT line FROM errs)")
    staged.rows = con.execute("SELECT count(*) FROM typed").fetchone()[0]
    staged.rejected = bad_lines
    for p in problems:
        if p.severity == "error":
            p.severity = "quarantined"
    return problems


def _quarantine(ctx: Context, staged: Staged, layout: Layout, id_column: str | None) -> None:
    """Rejected rows with their reasons; an ID cell is stored as its pseudonym, never raw."""
    con = ctx.con
    # Every other cell is kept only when it could not be an ID (ID_LIKE_SQL) and is none of the
    # file's IDs: a swapped column must not store a raw ID here, in every later snapshot.
    known = f'(SELECT "{id_column}__raw" FROM typed WHERE "{id_column}__raw" IS NOT NULL)' if id_column else None
    cols = [f"""CASE WHEN {ID_LIKE_SQL.format(v=f'"{c.name}__raw"')}"""
            + (f""" OR "{c.name}__raw" IN {known}""" if known else "")
            + f""" THEN '{WITHHELD}' ELSE "{c.name}__raw" END"""
            for c in layout.columns if c.name != id_column]
    names = [c.name for c in layout.columns if c.name != id_column]
    pairs = ", ".join(f"'{n}': {c}" for n, c in zip(names, cols))
    if id_column:
        hashed = pseudonymize.HMAC_SQL.format(raw=f'"{id_column}__raw"')
        pairs += f", '{id_column}_pseudonym': CASE WHEN \"{id_column}__raw\" IS NOT NULL THEN {hashed} END"
    params = ctx.hmac_params() if id_column else {}
    out = ctx.tmp_dir / "quarantine.parquet"
    # Paths below are our own mkdtemp() files (COPY TO takes no bound parameter for its target).
    con.execute(f"""
        COPY (
            SELECT t.line, e.problems, CAST(to_json({{{pairs}}}) AS VARCHAR) AS row_json
            FROM (SELECT line, string_agg(coalesce("column" || ': ', '') || problem, '; ' ORDER BY "column")
                         AS problems
                  FROM errs GROUP BY line) e
            JOIN typed t USING (line) ORDER BY t.line
        ) TO '{out}' (FORMAT parquet)""", params)
    rejected = [(line, redact_text(why)) for line, why in
                con.execute("SELECT line, error_type || ': ' || error_message FROM rejected").fetchall()]
    if rejected:  # lines the CSV reader could not split: reasons only (the raw line may hold an ID)
        extra = pd.DataFrame(rejected, columns=["line", "problems"]).assign(row_json=None)
        con.register("rej_frame", extra)
        out2 = ctx.tmp_dir / "quarantine_all.parquet"
        con.execute(f"COPY (SELECT * FROM read_parquet($first) UNION ALL SELECT line, problems, "
                    f"CAST(row_json AS VARCHAR) FROM rej_frame ORDER BY line) TO '{out2}' (FORMAT parquet)",
                    {"first": str(out)})
        con.unregister("rej_frame")
        out = out2
    staged.quarantine = out


def export(ctx: Context, staged: Staged, table: str, select_sql: str, params=None) -> None:
    """Write the warehouse-shaped rows of `table` to Parquet for the writer."""
    out = ctx.tmp_dir / f"{table}.parquet"
    ctx.con.execute(f"COPY ({select_sql}) TO '{out}' (FORMAT parquet)", params or {})
    staged.tables[table] = out


def lookup_tables(ctx: Context) -> None:
    """school_ref / branch_ref: every spelling a file may use for a known school or branch of the
    community (its name, case- and space-insensitive, or its id)."""
    for table, source, id_col in (("school_ref", "wh.school", "school_id"), ("branch_ref", "wh.branch", "branch_id")):
        ctx.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {table} AS
            SELECT DISTINCT k AS key, {id_col} AS id FROM (
                SELECT {id_col}, lower(regexp_replace(trim(name), '\\s+', ' ', 'g')) AS k
                FROM {source} WHERE community_id = $c
                UNION ALL SELECT {id_col}, CAST({id_col} AS VARCHAR) FROM {source} WHERE community_id = $c)""",
                        {"c": ctx.community_id})


KEY_SQL = "lower(regexp_replace(trim({v}), '\\s+', ' ', 'g'))"
