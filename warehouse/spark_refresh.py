"""The full rollup refresh on Spark, over a lake, for a program-wide rebuild on a cluster.

    python -m warehouse.spark_refresh WAREHOUSE OUT [--master spark://host:7077] [--publish]

The statements are warehouse/rollups.py's own, written once in DuckDB's dialect: each is parsed
with sqlglot, DuckDB's macro school_year_of written out, rendered for Spark by metrics/dialect.py
and run in the order of a full refresh (rollups.refresh with no communities and no date). Each
result is a temporary view named after its table, with the table's columns and types, so the next
statement reads it as DuckDB reads the table. Then every rollup is written under OUT as Parquet:
the lake's rollups partitioned as the lake partitions them (school_year=…/community_id=…), the
catalog's rollups one folder each. tests/test_spark_parity.py checks them row for row against
DuckDB's refresh.

With --publish (or `publish()`), the rollups Spark wrote become the warehouse's next published
version, in one store.publishing transaction: the catalog's rollups replaced whole, the lake's
rollup partitions opened and replaced, and a new file written only for a partition whose rows
differ from the published one (lake.publish_partitions compares fingerprints), so a rebuild that
changes nothing writes nothing but a catalog. Refused, with nothing published, when the warehouse
was published again after Spark read it, or a rollup is missing from OUT.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from functools import lru_cache
from pathlib import Path

from warehouse import lake, rollups

# A full refresh: what rollups.refresh(con) runs, in its order (no since, every community).
STEPS = (rollups.USE_YEAR, rollups.CARD_YEAR, rollups.FIRST_ACTIVITY, *rollups.LATER_STEPS)
_TARGET = re.compile(r"^\s*(?:INSERT INTO|CREATE OR REPLACE TEMP TABLE)\s+(\w+)(?:\s+AS)?\s+(.*)$", re.S)
# DuckDB column types as Spark's, for the casts an INSERT into the table would make.
SPARK_TYPES = {"INTEGER": "int", "BIGINT": "bigint", "SMALLINT": "smallint", "VARCHAR": "string", "DATE": "date",
               "BOOLEAN": "boolean", "DOUBLE": "double", "TIMESTAMP": "timestamp_ntz", "HUGEINT": "decimal(38,0)"}


def statements() -> list[tuple[str, str]]:
    """(table or temporary table, its query in DuckDB's dialect) of a full refresh, in order."""
    out = [("refresh_scope", "SELECT community_id FROM community"),
           ("refresh_years", f"SELECT {rollups.YEARS} FROM school_year")]
    for sql in STEPS:
        name, query = _TARGET.match(sql.format(**rollups.EVERYTHING)).groups()
        out.append((name, query))
    return out


@lru_cache(maxsize=64)
def spark_sql(query: str) -> str:
    """A refresh statement for Spark: school_year_of(x) written out, then metrics.dialect's
    rendering (GROUP BY ALL and ORDER BY ALL expanded, and the rest)."""
    from sqlglot import exp

    from metrics import dialect
    body = rollups.SCHOOL_YEAR_OF.split(" AS", 1)[1]   # the macro's expression of d

    def expand(node):
        if isinstance(node, exp.Anonymous) and node.name.lower() == "school_year_of":
            arg = node.expressions[0]
            return dialect.tree(f"SELECT {body}").expressions[0].copy().transform(
                lambda n: arg.copy() if isinstance(n, exp.Column) and n.name == "d" else n)
        return node
    return dialect.spark(dialect.tree(query).copy().transform(expand)).text


def refresh(spark, columns: dict[str, list[tuple[str, str]]]) -> dict[str, object]:
    """Run a full refresh in a Spark session whose temporary views hold the warehouse's tables
    (warehouse.spark.open_lake). columns: {rollup table: [(column, DuckDB type)]}. Returns
    {rollup table: its Spark DataFrame}, each also a temporary view of that name."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    out = {}
    for name, query in statements():
        df = spark.sql(spark_sql(query))
        if name in columns:   # an INSERT: the table's columns, in order, cast to its types
            df = df.toDF(*[c for c, _ in columns[name]]).select(
                *[F.col(c).cast(SPARK_TYPES.get(t, t)) for c, t in columns[name]])
            out[name] = df
        # Kept once computed, as DuckDB keeps a table: otherwise every later step (and every
        # write) computes the whole chain again from the events.
        df = df.persist(StorageLevel.MEMORY_AND_DISK)
        if name in out:
            out[name] = df
        df.createOrReplaceTempView(name)
    return out


def write(frames: dict[str, object], folder: Path) -> dict[str, int]:
    """Each rollup as Parquet under folder/<table>/: the lake's rollups Hive-partitioned by school
    year and community (the school year computed as the lake computes it), the others whole.
    Returns the rows of each."""
    rows = {}
    for name, df in frames.items():
        rows[name] = df.count()
        target = str(folder / name)
        if name in lake.PARTITIONED:
            sy = lake.PARTITIONED[name]
            if sy != "school_year":   # the lake's own expression, rendered as every statement is
                df = df.sparkSession.sql(spark_sql(f"SELECT *, {sy} AS school_year FROM {name}"))
            df.write.mode("overwrite").partitionBy("school_year", "community_id").parquet(target)
        else:
            df.write.mode("overwrite").parquet(target)
    return rows


class Stale(RuntimeError):
    """The warehouse changed after the Spark refresh read it: its rollups would be of old rows."""


def publish(path: Path, folder: Path, read_version: str) -> dict[str, int]:
    """Publish the rollups Spark wrote under folder (write()) as the warehouse's next version,
    if the published version is still read_version (the one the refresh read). Returns the rows
    of each rollup as published."""
    from warehouse import spark as spark_module
    from warehouse import store

    files = spark_module.parquet_tables(folder)
    missing = [t for t in rollups.ROLLUP_TABLES if t not in files]
    if missing:
        raise FileNotFoundError(f"{folder}: no Parquet files for {', '.join(missing)}; nothing was published")
    rows = {}
    with store.publishing(path, communities=()) as con:
        if store.version(con) != read_version:
            raise Stale(f"{path} was published again (version {store.version(con)}) after the Spark refresh read "
                        f"version {read_version}; run the refresh again. Nothing was published.")
        folder_of = Path(con.execute("SELECT lake FROM temp.lake_path").fetchone()[0])
        columns = lake.table_columns(con)
        for table in rollups.ROLLUP_TABLES:
            if table in lake.PARTITIONED:   # every partition the writer may replace
                keys = con.execute("SELECT DISTINCT school_year, community_id FROM lake_file WHERE table_name = ?",
                                   [table]).fetchall()
                lake.open_only(con, folder_of, table, keys)
            cols = ", ".join(columns[table])
            con.execute(f"DELETE FROM {table}")
            # hive partitioning: the lake's rollups carry school year and community in their paths
            rows[table] = con.execute(f"INSERT INTO {table} SELECT {cols} FROM read_parquet(?, hive_partitioning = "
                                      f"{'true' if table in lake.PARTITIONED else 'false'})",
                                      [files[table]]).fetchone()[0]
    return rows


def rollup_columns(con) -> dict[str, list[tuple[str, str]]]:
    """{rollup table: [(column, DuckDB type)]} of a warehouse open on DuckDB (store.open_readonly)."""
    return {t: [(c, typ) for c, typ, *_ in con.execute(f"DESCRIBE SELECT * FROM {t}").fetchall()]
            for t in rollups.ROLLUP_TABLES}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Rebuild every rollup of a published warehouse on Spark.")
    ap.add_argument("warehouse", type=Path, help="the published warehouse path (its catalog link)")
    ap.add_argument("out", type=Path, help="folder for the rollups' Parquet files")
    ap.add_argument("--master", default=None, help="a Spark master URL (default: $LCC_SPARK_MASTER or local[2])")
    ap.add_argument("--publish", action="store_true",
                    help="publish the rebuilt rollups as the warehouse's next version (on this machine's store)")
    args = ap.parse_args(argv)
    if args.master:
        os.environ["LCC_SPARK_MASTER"] = args.master
    from warehouse import spark as spark_module
    start = time.monotonic()
    from warehouse import store
    con = store.open_readonly(args.warehouse)
    columns = rollup_columns(con)
    read_version = store.version(con)
    con.close()
    wh = spark_module.open_lake(args.warehouse, args.out / "_catalog", cache=False)
    frames = refresh(wh.spark, columns)
    for name, n in write(frames, args.out).items():
        print(f"{name}: {n:,} rows", flush=True)
    print(f"Rollups rebuilt on Spark in {time.monotonic() - start:.1f} s, under {args.out}.")
    if args.publish:
        try:
            publish(args.warehouse, args.out, read_version)
        except (Stale, FileNotFoundError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(f"Published them as the next version of {args.warehouse} in {time.monotonic() - start:.1f} s in all.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
