"""The lake: the tables that grow with events live as immutable Parquet files, Hive-partitioned
by school year and community, under `<warehouse>.lake/`; the small tables (communities,
schools, enrollment, the serving-grain rollups, the load log, ...) live in the published catalog,
a small DuckDB file that also lists, in `lake_file`, every Parquet file of its version.

Publishing a version publishes a catalog (warehouse/store.py swaps the link), so a reader that
opened one catalog keeps reading the files it names. A writer opens only the partitions of the
communities it changes (`open_partitions`), and at publish writes new files for the partitions
whose rows changed and nothing else: a load costs its batch, not the warehouse.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from pathlib import Path

import duckdb


def _school_year(day: str) -> str:
    """The label ('2015-16') of the July-June school year holding a date column."""
    y = f"year({day} - INTERVAL 6 MONTH)"
    return f"CAST({y} AS VARCHAR) || '-' || lpad(CAST(({y} + 1) % 100 AS VARCHAR), 2, '0')"


# Each partitioned table, with the SQL of its school year over its own columns. These are the
# tables whose size grows with events or cards; every other table stays in the catalog.
PARTITIONED = {
    "patron": _school_year("issued_date"),
    "student_roster": "school_year",
    "card_event": _school_year("event_time"),
    "circulation": _school_year("event_time"),
    "circulation_monthly": _school_year("month"),
    "eresource_usage": _school_year("month"),
    "rollup_first_activity": _school_year("first_activity"),
    "rollup_card_year": "CAST(sy AS VARCHAR) || '-' || lpad(CAST((sy + 1) % 100 AS VARCHAR), 2, '0')",
    "rollup_activation_week": "school_year",
}
# The roster names its school, not its community.
_COMMUNITY = {"student_roster": "(SELECT s.community_id FROM school s WHERE s.school_id = t.school_id)"}


def lake_dir(path: Path) -> Path:
    """The lake folder of a published warehouse path: `<name>.lake` beside it."""
    return path.with_name(path.name + ".lake")


def lake_of(catalog: Path) -> Path:
    """The lake folder whose files a catalog snapshot names: beside the snapshots folder that
    holds it (`<name>.snapshots/` -> `<name>.lake/`), wherever a link to it was made."""
    folder = catalog.parent
    if folder.name.endswith(".snapshots"):
        return folder.with_name(folder.name.removesuffix(".snapshots") + ".lake")
    return lake_dir(catalog)


def _partitions_sql(table: str) -> str:
    """The table's rows with their partition: every column, then school_year and community_id
    as the partition columns (lake_sy / lake_c, renamed when written)."""
    return (f"SELECT t.*, {PARTITIONED[table]} AS lake_sy, {_COMMUNITY.get(table, 't.community_id')} AS lake_c "
            f"FROM {table} t")


def _fingerprints(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]
                  ) -> dict[tuple[str, int], tuple[int, str]]:
    """{(school year, community id): (rows, fingerprint)} of the writer's rows of a table."""
    cols = ", ".join(f"p.{c}" for c in columns)
    rows = con.execute(f"""SELECT lake_sy, lake_c, count(*), CAST(sum(hash({cols})) AS VARCHAR)
                           FROM ({_partitions_sql(table)}) p GROUP BY lake_sy, lake_c""").fetchall()
    return {(sy, c): (n, fp) for sy, c, n, fp in rows}


def _all_columns(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> dict[str, list[str]]:
    """{table: its columns in order} of a catalog's main schema (the connection's own by default;
    in a writer, as remember_columns kept them: duckdb_columns() costs 15-40 ms a call)."""
    if catalog is None:
        try:
            return dict(con.execute("SELECT * FROM temp.lake_columns").fetchall())
        except duckdb.CatalogException:
            pass
    where = "database_name = ?" if catalog else "database_name = current_database()"
    rows = con.execute(f"SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns() "
                       f"WHERE {where} AND schema_name = 'main' GROUP BY table_name", [catalog] if catalog else []
                       ).fetchall()
    return dict(rows)


def working_tables(con: duckdb.DuckDBPyConnection) -> None:
    """In the writer's connection: the partitioned tables as TEMP tables of the same definition,
    which shadow the catalog's (always empty) ones, so the rows a writer opens never enter the
    catalog file it publishes; and the catalog's columns, kept (remember_columns)."""
    ddls = []
    for table, sql in con.execute("SELECT table_name, sql FROM duckdb_tables() WHERE database_name = current_database() "
                                  "AND schema_name = 'main' AND list_contains(?, table_name)", [list(PARTITIONED)]
                                  ).fetchall():
        # A temp table cannot reference the catalog's tables (patron's community): the key is
        # checked by the catalog's own table at the writer's inserts into it, as before.
        ddl = re.sub(r",\s*FOREIGN KEY\s*\([^)]*\)\s*REFERENCES\s+\w+\s*\([^)]*\)", "", sql)
        ddl = re.sub(r"\s*REFERENCES\s+\w+\s*\(\w+\)", "", ddl)
        ddls.append(ddl.replace("CREATE TABLE ", "CREATE TEMP TABLE IF NOT EXISTS ", 1).rstrip().rstrip(";"))
    if ddls:
        con.execute(";\n".join(ddls))   # one call: they are planned alike, without a round trip each
    remember_columns(con)


def remember_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Keep the writer's catalog columns (_all_columns) in a TEMP table: a writer changes no
    table's columns after create_schema, and reads them a dozen times."""
    con.execute("DROP TABLE IF EXISTS temp.lake_columns")
    columns = _all_columns(con)
    con.execute("CREATE TEMP TABLE lake_columns (table_name VARCHAR, columns VARCHAR[])")
    con.execute("INSERT INTO lake_columns SELECT unnest(?), unnest(?)", [list(columns), list(columns.values())])


# Tables whose rows a write since a date reads only from that date's school year on (the events
# and the per-year rollups, see warehouse/rollups.refresh); the others (cards, rosters, first
# uses, and e-resource reports, whose report type is chosen over all months) are read whole.
SINCE_SCOPED = ("card_event", "circulation", "circulation_monthly", "rollup_card_year", "rollup_activation_week")


def school_year_of(day: dt.date) -> str:
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _opened_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TEMP TABLE IF NOT EXISTS lake_opened (table_name VARCHAR, school_year VARCHAR, "
                "community_id INTEGER)")


# The partitions (with files) of these communities (NULL: all) a write since a school year
# (NULL: every year) reads, and not yet read.
_TO_OPEN_SQL = """
SELECT f.table_name, f.school_year, f.community_id, list(f.path ORDER BY f.path) AS paths
FROM lake_file f
WHERE ($ids IS NULL OR list_contains($ids, f.community_id))
  AND ($since IS NULL OR NOT list_contains($scoped, f.table_name) OR f.school_year >= $since)
  AND NOT EXISTS (SELECT 1 FROM temp.lake_opened o WHERE o.table_name IS NULL OR (o.table_name = f.table_name
                  AND o.school_year = f.school_year AND o.community_id = f.community_id))
GROUP BY ALL
"""


def open_partitions(con: duckdb.DuckDBPyConnection, lake: Path, community_ids, since: dt.date | None = None) -> None:
    """In the writer's connection: read the files of these communities (None: of all) into the
    partitioned tables, so the writer's SQL sees their rows; with `since`, of the events and
    per-year rollups only the school years from the one holding that date. Other partitions stay
    unread and, at publish, untouched."""
    _opened_table(con)
    ids = None if community_ids is None else sorted({int(c) for c in community_ids})
    if ids == []:
        return
    label = school_year_of(since) if since is not None else None
    parts = con.execute(_TO_OPEN_SQL, {"ids": ids, "since": label, "scoped": list(SINCE_SCOPED)}).fetchall()
    by_table: dict[str, list[str]] = {}
    columns = _all_columns(con) if parts else {}
    for table, _, _, paths in parts:
        by_table.setdefault(table, []).extend(str(lake / p) for p in paths)
    for table, files in by_table.items():
        con.execute(f"INSERT INTO {table} SELECT {', '.join(columns[table])} FROM read_parquet(?)", [files])
    if ids is None and label is None:
        con.execute("INSERT INTO lake_opened VALUES (NULL, NULL, NULL)")   # everything
    elif parts:
        con.execute("INSERT INTO lake_opened SELECT unnest(?), unnest(?), unnest(?)",
                    [[t for t, _, _, _ in parts], [sy for _, sy, _, _ in parts], [c for _, _, c, _ in parts]])


def ensure_open(con: duckdb.DuckDBPyConnection, community_ids, since: dt.date | None = None) -> None:
    """Before a rollup step reads these communities' rows (since a date, or all): in a writer over
    the lake, open the partitions it needs and has not opened yet, so it never counts without them."""
    try:
        folder = con.execute("SELECT lake FROM temp.lake_path").fetchone()[0]
    except duckdb.CatalogException:
        return   # a warehouse connection of its own (tests, a copy), not a writer over the lake
    open_partitions(con, Path(folder), community_ids, since)


def _append_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TEMP TABLE IF NOT EXISTS lake_append (table_name VARCHAR)")


def appending(con: duckdb.DuckDBPyConnection, tables) -> None:
    """In the writer's connection: rows the writer inserts into these tables in partitions it did
    not open are ADDED to those partitions (at publish, a new file beside the partition's files,
    the partition's row count and fingerprint moved by the new rows'), not refused. The writer
    cannot see, so cannot change or delete, the rows of a partition it did not open: a load that
    only adds rows (rollups_append over the lake) need not read and rewrite what it adds to.
    Partitions it opened are written whole as before."""
    _append_table(con)
    con.execute("INSERT INTO lake_append SELECT unnest(?)", [list(tables)])


def writer_lake(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The lake folder of a writer over the lake (store.publishing), None for another connection."""
    try:
        return Path(con.execute("SELECT lake FROM temp.lake_path").fetchone()[0])
    except duckdb.CatalogException:
        return None


def files_of(con: duckdb.DuckDBPyConnection, lake: Path, table: str, community_ids=None,
             years: tuple[str | None, str | None] = (None, None)) -> list[str]:
    """The published files of a table (of these communities; of the school years in `years`,
    bounds included, None: open) as paths."""
    ids = None if community_ids is None else sorted({int(c) for c in community_ids})
    rows = con.execute("""SELECT path FROM lake_file WHERE table_name = $t
                          AND ($ids IS NULL OR list_contains($ids, community_id))
                          AND ($lo IS NULL OR school_year >= $lo) AND ($hi IS NULL OR school_year <= $hi)
                          ORDER BY path""", {"t": table, "ids": ids, "lo": years[0], "hi": years[1]}).fetchall()
    return [str(lake / p) for (p,) in rows]


def table_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """{table: its columns in order} of the writer's catalog."""
    return _all_columns(con)


def published_view(con: duckdb.DuckDBPyConnection, lake: Path, name: str, table: str, community_ids=None,
                   years: tuple[str | None, str | None] = (None, None), columns: dict | None = None) -> None:
    """A TEMP VIEW `name` of the published rows of a table's partitions (as files_of selects
    them), as they were before this writer changed anything: what a load that only adds rows
    reads of the rows already there, with filters, instead of opening the partitions."""
    files = files_of(con, lake, table, community_ids, years)
    cols = ", ".join((columns or _all_columns(con))[table])
    if files:
        listed = "[" + ", ".join(_quote(f) for f in files) + "]"
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {cols} FROM read_parquet({listed})")
    else:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {cols} FROM {table} WHERE FALSE")


def open_only(con: duckdb.DuckDBPyConnection, lake: Path, table: str, keys) -> None:
    """In the writer's connection: read these partitions [(school year, community id)] of one
    table into its working table (those not opened yet), so the writer may change their rows."""
    keys = sorted({(str(sy), int(c)) for sy, c in keys})
    if not keys:
        return
    _opened_table(con)
    parts = con.execute("""
        SELECT f.school_year, f.community_id, list(f.path ORDER BY f.path) FROM lake_file f
        WHERE f.table_name = $t AND (f.school_year, f.community_id) IN (SELECT unnest($sy), unnest($c))
          AND NOT EXISTS (SELECT 1 FROM temp.lake_opened o WHERE o.table_name IS NULL OR (o.table_name = f.table_name
                          AND o.school_year = f.school_year AND o.community_id = f.community_id))
        GROUP BY ALL""", {"t": table, "sy": [k[0] for k in keys], "c": [k[1] for k in keys]}).fetchall()
    if not parts:
        return
    files = [str(lake / p) for _, _, paths in parts for p in paths]
    con.execute(f"INSERT INTO {table} SELECT {', '.join(_all_columns(con)[table])} FROM read_parquet(?)", [files])
    con.execute("INSERT INTO lake_opened SELECT ?, unnest(?), unnest(?)",
                [table, [sy for sy, _, _ in parts], [c for _, c, _ in parts]])


def publish_partitions(con: duckdb.DuckDBPyConnection, lake: Path, version: str) -> int:
    """In the writer's connection, before its catalog is published: write a new file for every
    partition whose rows changed, drop the files of partitions now empty, record the files in
    lake_file (the writer's TEMP tables are dropped with its connection); rows of a table the
    writer is `appending` to, in a partition it did not open, are written as a new file beside
    that partition's files. Refuses (RuntimeError) other rows of a community whose partitions
    were not opened: publishing them would drop that community's other rows. Returns the files
    written."""
    _opened_table(con)
    _append_table(con)
    everything = con.execute("SELECT count(*) FROM temp.lake_opened WHERE table_name IS NULL").fetchone()[0] > 0
    opened = {(t, sy, c) for t, sy, c in con.execute("SELECT * FROM temp.lake_opened").fetchall()}
    appendable = {t for (t,) in con.execute("SELECT DISTINCT table_name FROM temp.lake_append").fetchall()}
    before = {(t, sy, c): (n, fp) for t, sy, c, n, fp in con.execute(
        "SELECT table_name, school_year, community_id, any_value(rows), any_value(fingerprint) FROM lake_file "
        "GROUP BY ALL").fetchall()}
    written = 0
    lake.mkdir(mode=0o700, exist_ok=True)
    columns = _all_columns(con)   # once per publish, not per table
    touched: set[int] = set()
    for table in PARTITIONED:
        after = _fingerprints(con, table, columns[table])
        mine = {(sy, c): v for (t, sy, c), v in before.items() if t == table and (everything or (t, sy, c) in opened)}
        added = sorted(k for k in after if (table, *k) in before and k not in mine)
        if added and table not in appendable:
            raise RuntimeError(f"{table}: rows of {added[0][1]} in {added[0][0]} were written without opening "
                               "that partition (store.open_partitions); nothing was published")
        changed = sorted({k for k in after if k not in added and after[k] != mine.get(k)}
                         | {k for k in mine if k not in after})
        if changed:
            con.execute("DELETE FROM lake_file WHERE table_name = ? AND (school_year, community_id) IN "
                        "(SELECT unnest(?), unnest(?))", [table, [k[0] for k in changed], [k[1] for k in changed]])
            keep = [k for k in changed if k in after]
            written += _write_partitions(con, lake, version, table, columns[table], keep, after)
        if added:
            # The partition is its files and the new one: its count and fingerprint (a sum of
            # row hashes) move by the new rows', on every file of the partition.
            total = {k: (before[(table, *k)][0] + after[k][0], str(int(before[(table, *k)][1]) + int(after[k][1])))
                     for k in added}
            con.execute("""UPDATE lake_file f SET rows = u.n, fingerprint = u.fp
                           FROM (SELECT unnest(?) AS sy, unnest(?) AS c, unnest(?) AS n, unnest(?) AS fp) u
                           WHERE f.table_name = ? AND f.school_year = u.sy AND f.community_id = u.c""",
                        [[k[0] for k in added], [k[1] for k in added], [total[k][0] for k in added],
                         [total[k][1] for k in added], table])
            written += _write_partitions(con, lake, version, table, columns[table], added, total)
        touched |= {c for _, c in changed} | {c for _, c in added}
    written += _write_key_indexes(con, lake, version, touched)
    return written


# The key index's row groups: a 100-card batch reads about 100 of them (of 950 for 2M cards).
KEY_INDEX_ROW_GROUP = 2048
# The partitions a community's key index was written from, as lake_index.source.
_KEY_SOURCE_SQL = """
SELECT community_id, string_agg(school_year || ':' || rows || ':' || fingerprint, ';' ORDER BY school_year)
FROM (SELECT DISTINCT community_id, school_year, rows, fingerprint FROM {catalog}lake_file WHERE table_name = 'patron'
      AND list_contains($ids, community_id))
GROUP BY community_id
"""


def _write_key_indexes(con, lake: Path, version: str, communities: set[int]) -> int:
    """At publish, after lake_file is final: for each community the writer changed (any table),
    a new key index when its patron partitions are not the ones its index was written from (a
    card load; a warehouse made before key indexes); none for a community without cards. The
    cards are read from the files lake_file now lists: those just written and those unchanged."""
    ids = sorted(communities)
    if not ids or con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'lake_index' "
                              "AND NOT temporary").fetchone()[0] == 0:
        return 0
    wanted = dict(con.execute(_KEY_SOURCE_SQL.format(catalog=""), {"ids": ids}).fetchall())
    have = dict(con.execute("SELECT community_id, source FROM lake_index WHERE list_contains(?, community_id)",
                            [ids]).fetchall())
    stale = [c for c in ids if wanted.get(c) != have.get(c)]
    if not stale:
        return 0
    con.execute("DELETE FROM lake_index WHERE list_contains(?, community_id)", [stale])
    written = 0
    for c in stale:
        if c not in wanted:
            continue   # no cards: no index
        source = "read_parquet([" + ", ".join(_quote(f) for f in files_of(con, lake, "patron", [c])) + "])"
        rel = Path("patron_key") / f"community_id={int(c)}" / f"{version}_{uuid.uuid4()}.parquet"
        (lake / rel).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        (n,), = con.execute(f"""COPY (SELECT patron_key, patron_id FROM {source} ORDER BY patron_key)
                                TO {_quote(str(lake / rel))} (FORMAT parquet, COMPRESSION zstd,
                                ROW_GROUP_SIZE {KEY_INDEX_ROW_GROUP})""").fetchall()
        con.execute("INSERT INTO lake_index VALUES (?, ?, ?, ?)", [c, str(rel), n, wanted[c]])
        written += 1
    return written


def key_index(con: duckdb.DuckDBPyConnection, alias: str, community_id: int) -> str | None:
    """The key index file of a community in a warehouse attached as `alias` (attach), when it is
    the one of that version's cards; else None (read the patron table)."""
    cat = f"{alias}_catalog" if alias != "memory" else "lake_catalog"
    try:
        row = con.execute(f"SELECT i.path, i.source, (SELECT lake FROM temp.lake_attached WHERE alias = $alias) "
                          f"FROM {cat}.lake_index i WHERE i.community_id = $c", {"c": community_id, "alias": alias}
                          ).fetchall()
    except duckdb.CatalogException:
        return None
    if len(row) != 1 or row[0][2] is None:
        return None
    path, source, folder = row[0]
    wanted = dict(con.execute(_KEY_SOURCE_SQL.format(catalog=f"{cat}."), {"ids": [community_id]}).fetchall())
    return str(Path(folder) / path) if wanted.get(community_id) == source else None


def _write_partitions(con: duckdb.DuckDBPyConnection, lake: Path, version: str, table: str, columns: list[str],
                      keys: list[tuple[str, int]], totals: dict) -> int:
    """Write the writer's rows of these partitions of a table as new files and record them in
    lake_file, each with its partition's (rows, fingerprint) from `totals`. Returns the files."""
    if not keys:
        return 0
    con.execute("CREATE OR REPLACE TEMP TABLE lake_write AS SELECT unnest(?) AS sy, unnest(?) AS c",
                [[k[0] for k in keys], [k[1] for k in keys]])
    target = lake / table
    target.mkdir(mode=0o700, exist_ok=True)
    cols = [c for c in columns if c not in ("school_year", "community_id")]
    (_, files), = con.execute(f"""
        COPY (SELECT {', '.join(f'p.{c}' for c in cols)}, p.lake_sy AS school_year, p.lake_c AS community_id
              FROM ({_partitions_sql(table)}) p SEMI JOIN temp.lake_write w ON w.sy = p.lake_sy AND w.c = p.lake_c)
        TO {_quote(str(target))} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (school_year, community_id),
            WRITE_PARTITION_COLUMNS true, FILENAME_PATTERN '{version}_{{uuid}}', OVERWRITE_OR_IGNORE true,
            RETURN_FILES true)""").fetchall()
    rows = []
    for f in files:
        rel = Path(f).relative_to(lake)
        sy = rel.parts[1].split("=", 1)[1]
        c = int(rel.parts[2].split("=", 1)[1])
        n, fp = totals[(sy, c)]
        rows.append([table, sy, c, str(rel), n, fp])
    # one statement for all the files: executemany costs a few ms a row (26 s of a demo build)
    con.execute("INSERT INTO lake_file SELECT unnest(?), unnest(?), unnest(?), unnest(?), unnest(?), unnest(?)",
                [list(col) for col in zip(*rows)])
    return len(rows)


# Every lake file a catalog names: its tables' and its key indexes'.
_NAMED_SQL = "SELECT path FROM lake_file UNION ALL SELECT path FROM lake_index"


def file_list(catalog: Path) -> Path:
    """Beside a catalog snapshot, the list of the lake files it names (one relative path a line),
    written at publish so that pruning need not open every kept catalog."""
    return catalog.with_name(catalog.name + ".files")


def write_file_list(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    """Write the files of the writer's lake_file to `target` (owner only, synced) for file_list."""
    paths = [p for (p,) in con.execute(f"{_NAMED_SQL} ORDER BY path").fetchall()]
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("".join(p + "\n" for p in paths) + _LIST_END)
        f.flush()
        os.fsync(f.fileno())
    return target


_LIST_END = "# end\n"   # a list without it is not trusted (read from the catalog instead)


def referenced(catalog: Path) -> set[str]:
    """The lake files (relative paths) one published catalog names: from its file_list when it
    has a complete one, else from the catalog itself."""
    try:
        text = file_list(catalog).read_text()
    except OSError:
        text = ""
    if text.endswith(_LIST_END):
        return {p for p in text.removesuffix(_LIST_END).split("\n") if p}
    con = duckdb.connect(str(catalog), read_only=True)
    try:
        return {p for (p,) in con.execute(_NAMED_SQL).fetchall()}
    except duckdb.CatalogException:   # a catalog made before key indexes
        try:
            return {p for (p,) in con.execute("SELECT path FROM lake_file").fetchall()}
        except duckdb.CatalogException:
            return set()
    finally:
        con.close()


def attach(con: duckdb.DuckDBPyConnection, catalog: Path, lake: Path, alias: str, *, views: bool,
           community: str | None = None) -> None:
    """Make the warehouse of one published catalog readable in `con` under the database `alias`
    ('memory' for the connection's own): a view per table (the catalog's own table, or its
    Parquet files) and, with views=True, the metric views of the schema. With `community` (a
    slug), the partitioned tables hold that community's rows only (a reader that reads no other
    community's events or cards: the staging of a card activity file), so they cost its files,
    not the warehouse's."""
    cat = f"{alias}_catalog" if alias != "memory" else "lake_catalog"
    con.execute(f"ATTACH ? AS {cat} (READ_ONLY)", [str(catalog)])
    con.execute("CREATE TEMP TABLE IF NOT EXISTS lake_attached (alias VARCHAR, lake VARCHAR)")
    con.execute("INSERT INTO lake_attached VALUES (?, ?)", [alias, str(lake)])
    if alias != "memory":
        con.execute(f"ATTACH ':memory:' AS {alias}")
    columns = _all_columns(con, cat)
    tables = sorted(columns)
    files = {}
    if "lake_file" in tables:
        only = "WHERE community_id IN (SELECT community_id FROM {cat}.community WHERE slug = $slug)" if community else ""
        prefix = str(lake) + "/"
        for t, p in con.execute(f"SELECT table_name, $prefix || path FROM {cat}.lake_file {only.format(cat=cat)} "
                                "ORDER BY path", {"prefix": prefix, **({"slug": community} if community else {})}
                                ).fetchall():
            files.setdefault(t, []).append(p)
    for t in tables:
        if files.get(t):
            cols = ", ".join(columns[t])
            listed = "[" + ", ".join(_quote(f) for f in files[t]) + "]"   # a view holds no bound parameters
            con.execute(f"CREATE VIEW {alias}.main.{t} AS SELECT {cols} FROM read_parquet({listed})")
        else:
            con.execute(f"CREATE VIEW {alias}.main.{t} AS SELECT * FROM {cat}.main.{t}")
    if views:
        from warehouse.store import VIEWS_SQL
        con.execute(VIEWS_SQL)


def _quote(text: str) -> str:
    """A file path of ours as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
