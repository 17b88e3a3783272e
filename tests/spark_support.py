"""Warehouses on Spark for the parity tests, opened with warehouse.spark: the lake's own files,
and the catalog's small tables exported to Parquet."""
from __future__ import annotations

from pathlib import Path


def open_on_spark(path: Path, folder: Path):
    """The warehouse published at `path` on Spark, reading its lake files in place."""
    from warehouse.spark import open_lake

    return open_lake(path, folder)
