"""The same metrics on Spark: a local SparkSession over the warehouse's Parquet files.

`open_spark(tables)` registers each warehouse table as a temporary view over its Parquet files
and creates the v_* views of schema.sql from the same SQL text (rendered for Spark by
metrics.dialect). The object it returns is what metrics.scope.run accepts in place of a DuckDB
connection: `frame(text, args)` runs a rendered query with its parameters bound and gives a
pandas DataFrame as DuckDB's .df() would (see `to_pandas`).
"""
from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

SCHEMA = Path(__file__).with_name("schema.sql")
_VIEW = re.compile(r"CREATE OR REPLACE VIEW (\w+) AS\s+(.*?);\s*$", re.S | re.M)
_LOCK = threading.Lock()
_SESSION = None
_ARROW = duckdb.connect()   # converts Spark's Arrow results to pandas by DuckDB's own rules


def java_found() -> bool:
    """Spark needs a Java runtime (the Makefile's `java` target installs Debian's)."""
    from shutil import which

    return bool(os.environ.get("JAVA_HOME") or which("java"))


def session():
    """One local SparkSession per process: starting one takes seconds."""
    global _SESSION
    with _LOCK:
        if _SESSION is None:
            from pyspark.sql import SparkSession

            _SESSION = (
                # a cluster's master (spark://host:7077, yarn, k8s://...) from LCC_SPARK_MASTER
                SparkSession.builder.master(os.environ.get("LCC_SPARK_MASTER", "local[2]")).appName("lcc-metrics")
                .config("spark.sql.session.timeZone", "UTC")        # school years end at UTC midnight on both engines
                # Local mode over small files (tests, one machine): each query is a few small
                # stages, so per-task and per-compile costs dominate. 200 shuffle partitions made a
                # metric query take 5.8 s here, 1 takes 0.6 s; generated code 0.66 s, none 0.53 s.
                .config("spark.sql.shuffle.partitions", os.environ.get("LCC_SPARK_SHUFFLE_PARTITIONS", "1"))
                .config("spark.sql.codegen.wholeStage", "false")
                .config("spark.sql.adaptive.enabled", "false")       # re-planning each stage costs more than it saves here
                .config("spark.default.parallelism", "2")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.log.structuredLogging.enabled", "false")
                .config("spark.driver.memory", os.environ.get("LCC_SPARK_DRIVER_MEMORY", "2g"))
                .getOrCreate())
            _SESSION.sparkContext.setLogLevel("ERROR")
        return _SESSION


def schema_views() -> list[tuple[str, str]]:
    """(name, query) of every view in schema.sql, in the file's order (later views read earlier ones)."""
    return _VIEW.findall(SCHEMA.read_text())


class SparkWarehouse:
    """A warehouse on Spark, for metrics.scope.run. Each one has its own Spark session (the
    process's SparkContext, its own temporary views), so two warehouses can be open at once."""

    engine = "spark"

    MEMO = 512   # answers kept: a query costs Spark a second of planning and scheduling

    def __init__(self, spark, tables: dict[str, list[str]]):
        self.spark, self.tables = spark, dict(tables)
        self._memo: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def frame(self, text: str, args: dict) -> pd.DataFrame:
        """A rendered query's answer, its parameters bound (never formatted into the text).
        The files under a warehouse never change (a new version is a new warehouse), so the
        same query with the same parameters is answered from memory; a copy, as metrics change
        the frames they are given."""
        bound = {k: _literal(v) for k, v in args.items()}
        key = (text, tuple(sorted((k, repr(v)) for k, v in bound.items())))
        with self._lock:
            hit = self._memo.get(key)
            if hit is not None:
                self._memo.move_to_end(key)
                return hit.copy()
        df = to_pandas(self.spark.sql(text, args=bound or None))
        with self._lock:
            self._memo[key] = df
            while len(self._memo) > self.MEMO:
                self._memo.popitem(last=False)
        return df.copy()

    def close(self) -> None:
        for name in self.spark.catalog.listTables():
            if name.isTemporary:
                self.spark.catalog.dropTempView(name.name)


def lake_tables(path: Path, folder: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The published version at a warehouse path for Spark: (name -> Parquet files, name -> the
    columns to read). The partitioned tables are the lake's own files, read in place; the
    catalog's small tables are written once to folder/<table>.parquet."""
    from warehouse import lake
    catalog = Path(os.path.realpath(path))
    con = duckdb.connect(str(catalog), read_only=True)
    try:
        columns = dict(con.execute("SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns() "
                                   "WHERE database_name = current_database() AND schema_name = 'main' "
                                   "GROUP BY table_name").fetchall())
        files: dict[str, list[str]] = {}
        for table, rel in con.execute("SELECT table_name, path FROM lake_file ORDER BY path").fetchall():
            files.setdefault(table, []).append(str(lake.lake_of(catalog) / rel))
        folder.mkdir(parents=True, exist_ok=True)
        for table in columns:
            if table not in files:
                target = folder / f"{table}.parquet"
                con.execute(f"COPY (SELECT * FROM {table}) TO '{target}' (FORMAT parquet)")
                files[table] = [str(target)]
    finally:
        con.close()
    return files, columns


def open_lake(path: Path, folder: Path, cache: bool = True) -> SparkWarehouse:
    """The warehouse published at `path` on Spark: its lake files read in place (lake_tables)."""
    files, columns = lake_tables(path, folder)
    return open_spark(files, cache=cache, columns=columns)


def open_spark(tables: dict[str, list[str]], cache: bool = True,
               columns: dict[str, list[str]] | None = None) -> SparkWarehouse:
    """Register each table (name -> its Parquet files) as a temporary view, then the v_* views
    of schema.sql. cache: keep the views in Spark's memory (small warehouses, many queries:
    the tests); a program-wide rebuild on a cluster reads the files instead."""
    from metrics import dialect

    spark = session().newSession()
    for name, files in tables.items():
        files = [str(f) for f in files]
        frame = spark.read.schema(_schema(files[0])).parquet(*files)
        if columns and name in columns:   # a lake file also holds its partition's columns
            frame = frame.select(*columns[name])
        frame.createOrReplaceTempView(name)
    for name, query in schema_views():
        spark.sql(dialect.render(query, "spark").text).createOrReplaceTempView(name)
        if cache:   # the views join small tables: join once, not in every query
            spark.catalog.cacheTable(name)
    return SparkWarehouse(spark, tables)


def _schema(file: str):
    """A table's schema from its first file's footer, read here: Spark's own inference runs a
    job per table (a quarter of a second each, most of opening a warehouse). Timestamps without
    a time zone stay so (TIMESTAMP_NTZ), as DuckDB wrote them."""
    import pyarrow.parquet as pq
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(pq.read_schema(file), prefer_timestamp_ntz=True)


def _literal(v):
    """A parameter as Spark binds it: Python scalars (numpy's are refused), dates as dates."""
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.to_pydatetime()
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def to_pandas(df) -> pd.DataFrame:
    """Spark's answer as DuckDB's .df() gives its own, in one place: through Arrow into DuckDB's
    pandas conversion, so dates come as datetime64[us], strings as str, integer columns with a
    missing value as nullable Int64/Int32 and without as int64/int32, exactly as on DuckDB.
    (DuckDB's sums are HUGEINT and arrive as float64; Spark's are BIGINT and arrive as int64: the
    same numbers, compared as numbers.)"""
    table = df.toArrow()
    return _ARROW.cursor().from_arrow(table).df()


def parquet_tables(folder: Path) -> dict[str, list[str]]:
    """name -> files for a folder of <table>.parquet files or <table>/ folders of them."""
    out: dict[str, list[str]] = {}
    for p in sorted(Path(folder).iterdir()):
        if p.suffix == ".parquet":
            out[p.stem] = [str(p)]
        elif p.is_dir():
            files = sorted(str(f) for f in p.rglob("*.parquet"))
            if files:
                out[p.name] = files
    return out


__all__ = ["open_spark", "session", "SparkWarehouse", "to_pandas", "java_found", "parquet_tables"]
