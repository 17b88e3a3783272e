"""What the warehouse holds: communities, years, schools, table sizes and the load log."""
from __future__ import annotations

import duckdb
import pandas as pd

from metrics.access import PROGRAM, AccessDenied, Viewer
from metrics.scope import run

COMMUNITIES_SQL = """
SELECT slug, name, state, cohort, joined_date, launch_date, agreement_type, is_demo FROM community
WHERE $only IS NULL OR slug = $only
ORDER BY name
"""
COHORTS_SQL = "SELECT cohort, count(*) AS communities FROM community GROUP BY cohort ORDER BY cohort"
SCHOOL_YEARS_SQL = "SELECT label FROM school_year ORDER BY label"
SCHOOLS_SQL = """
SELECT school_id, school_name, school_type, title_i, grade_low, grade_high
FROM v_school WHERE slug = $community ORDER BY school_name
"""
CAMPAIGNS_SQL = """
SELECT k.start_date, k.end_date, k.title, k.kind
FROM campaign k LEFT JOIN community c USING (community_id)
WHERE k.community_id IS NULL OR c.slug = $community
ORDER BY k.start_date
"""
LOAD_LOG_SQL = """
SELECT l.load_id, l.loaded_at, l.loaded_by, l.source, l.file_name, c.name AS community,
       l.rows_loaded, l.rows_rejected, l.status
FROM load_log l LEFT JOIN community c USING (community_id)
WHERE $only IS NULL OR c.slug = $only
ORDER BY l.load_id DESC
"""
# DuckDB's catalog, not a table: on DuckDB only (a Spark warehouse has no duckdb_tables()).
WAREHOUSE_META_SQL = "SELECT key, value FROM warehouse_meta"
TABLES = ("community", "school", "branch", "enrollment", "patron", "student_roster", "card_event",
          "circulation", "circulation_monthly", "eresource_usage", "survey_response", "campaign",
          "load_log")


def _only(viewer: Viewer) -> str | None:
    return None if viewer.sees_everything else viewer.community


def _own(viewer: Viewer, community: str | None) -> None:
    if community is not None and not viewer.sees_everything and community != viewer.community:
        raise AccessDenied(f"{viewer.user!r} may see {viewer.community!r} only, not {community!r}")


def communities(con: duckdb.DuckDBPyConnection, viewer: Viewer = PROGRAM) -> pd.DataFrame:
    """The communities the viewer may see by name: all for program staff, its own for a community."""
    return run(con, COMMUNITIES_SQL, {"only": _only(viewer)})


def cohorts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each cohort and how many communities it has."""
    return run(con, COHORTS_SQL, {})


def school_years(con: duckdb.DuckDBPyConnection) -> list[str]:
    return run(con, SCHOOL_YEARS_SQL, {})["label"].tolist()


def schools(con: duckdb.DuckDBPyConnection, community: str, viewer: Viewer = PROGRAM) -> pd.DataFrame:
    _own(viewer, community)
    return run(con, SCHOOLS_SQL, {"community": community})


def campaigns(con: duckdb.DuckDBPyConnection, community: str | None, viewer: Viewer = PROGRAM) -> pd.DataFrame:
    """Campaigns and annotations of a community, and program-wide ones."""
    _own(viewer, community)
    return run(con, CAMPAIGNS_SQL, {"community": community})


def load_log(con: duckdb.DuckDBPyConnection, viewer: Viewer = PROGRAM) -> pd.DataFrame:
    """Every load, newest first; a community viewer sees its own community's loads only."""
    return run(con, LOAD_LOG_SQL, {"only": _only(viewer)})


TABLE_COUNTS_SQL = """
SELECT table_name AS table, estimated_size AS rows FROM duckdb_tables()
WHERE database_name = 'lake_catalog' AND schema_name = 'main' AND table_name NOT IN (SELECT table_name FROM lake_file)
UNION ALL
SELECT table_name, CAST(sum(rows) AS BIGINT) FROM (
    SELECT table_name, school_year, community_id, any_value(rows) AS rows FROM lake_file GROUP BY ALL)
GROUP BY table_name
"""


def table_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Rows per warehouse table: the catalog's own tables (DuckDB keeps exact counts), and the
    lake's partitioned tables (each file's partition row count, in lake_file)."""
    df = run(con, TABLE_COUNTS_SQL, {})
    return df[df["table"].isin(TABLES)].sort_values("table").reset_index(drop=True)


def warehouse_meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(run(con, WAREHOUSE_META_SQL, {}).itertuples(index=False, name=None))
