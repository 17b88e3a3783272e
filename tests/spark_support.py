"""Warehouses on Spark for the parity tests: a DuckDB warehouse's tables written as Parquet and
opened with warehouse.spark (the lake's manifest will supply the file lists later)."""
from __future__ import annotations

from pathlib import Path

import duckdb


def export(con: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, list[str]]:
    """Every table of the warehouse as folder/<table>.parquet; name -> [file]."""
    folder.mkdir(parents=True, exist_ok=True)
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name").fetchall()]
    out = {}
    for name in names:
        path = folder / f"{name}.parquet"
        con.execute(f"COPY (SELECT * FROM {name}) TO '{path}' (FORMAT parquet)")
        out[name] = [str(path)]
    return out


def open_on_spark(con: duckdb.DuckDBPyConnection, folder: Path):
    from warehouse.spark import open_spark

    return open_spark(export(con, folder))
