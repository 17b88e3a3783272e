"""Which student counts a viewer sees hidden, decided once for every breakdown that viewer can
reach, so every table, chart and export agrees (metrics.suppression.protect does the deciding).

Two levels. A community's own figures (by school, grade, school type, Title I, and its total)
are decided over its school x grade cells. Cohort and program aggregates are decided together,
over every community's grade x school type x Title I cells, with the rows of the communities the
viewer can open kept as their own decision hid them: a program total minus the communities shown
beside it cannot give back a row a community hides. For a community viewer an aggregate row that
covers 1 to MIN_COMMUNITIES-1 other communities is hidden too (metrics.access.few_communities).
"""
from __future__ import annotations

import hashlib

import duckdb
import pandas as pd

from metrics import access
from metrics.scope import Scope, run
from metrics.suppression import protect

COUNTS = ["enrolled", "cards", "new_cards", "activated", "active"]

# The cell columns each breakdown of metrics.activation groups by, with the same keys as its _KEY.
COLUMNS = {"all": (), "school": ("school",), "grade": ("grade",), "school_type": ("school_type",),
           "title_i": ("title_i",), "cohort": ("cohort",), "community": ("community",)}
OWN = ("all", "school", "grade", "school_type", "title_i")   # a community's own breakdowns
PARTS = ("all", "grade", "school_type", "title_i")            # an aggregate's breakdowns by students

STUDENT_CELLS_SQL = """
SELECT slug AS community, CAST(cohort AS VARCHAR) AS cohort, CAST(school_id AS VARCHAR) AS school,
       lpad(CAST(grade AS VARCHAR), 2, '0') AS grade, school_type,
       CAST(coalesce(title_i, FALSE) AS VARCHAR) AS title_i,
       enrolled, cards, new_cards, activated, active
FROM v_cells
WHERE grain = $grain AND school_year = $year AND ($community IS NULL OR slug = $community)
ORDER BY community, school, grade, school_type, title_i
"""

_CACHE: dict[str, dict] = {}


def student_cells(con: duckdb.DuckDBPyConnection, year: str, community: str | None, grain: str) -> pd.DataFrame:
    """Student cells of one school year: a community's school x grade cells (grain 'school'),
    or every community's grade x school type x Title I cells (grain 'community')."""
    return run(con, STUDENT_CELLS_SQL, {"year": year, "community": community, "grain": grain})


def _cached(tag: str, cells: pd.DataFrame, decide):
    """protect() is a few linear programs per hidden row: decide once per set of cells."""
    digest = hashlib.sha1(tag.encode() + pd.util.hash_pandas_object(cells, index=False).values.tobytes()).hexdigest()
    if digest not in _CACHE:
        if len(_CACHE) > 512:
            _CACHE.clear()
        _CACHE[digest] = decide()
    return _CACHE[digest]


def community_decision(con: duckdb.DuckDBPyConnection, year: str, community: str) -> dict:
    """The hidden rows of one community's own breakdowns: count -> {(breakdown, key): status}."""
    cells = student_cells(con, year, community, "school")
    return _cached(f"own:{community}", cells, lambda: protect(cells, {b: COLUMNS[b] for b in OWN}, COUNTS))


def aggregate_decision(con: duckdb.DuckDBPyConnection, year: str, viewer: access.Viewer) -> dict:
    """The hidden rows of every cohort and program aggregate the viewer can reach, with the
    rows of the communities the viewer can open (every one for program staff, its own for a
    community) fixed as their own decisions hid them. Breakdowns are named 'program:<by>',
    'cohort:<by>' (keys '<cohort>|<key>') and 'community:<by>' (keys '<slug>|<key>')."""
    cells = student_cells(con, year, None, "community")
    reach = access.reachable(con, viewer)
    breakdowns, within = {}, {}
    in_cohorts = cells["cohort"].isin([str(c) for c in reach.cohorts])
    for b in PARTS:
        if reach.program:
            breakdowns[f"program:{b}"] = COLUMNS[b]
        breakdowns[f"cohort:{b}"] = ("cohort", *COLUMNS[b])
        within[f"cohort:{b}"] = in_cohorts
        breakdowns[f"community:{b}"] = ("community", *COLUMNS[b])
        within[f"community:{b}"] = cells["community"].isin(reach.communities)
    if reach.program:
        breakdowns["program:cohort"] = COLUMNS["cohort"]
    if viewer.sees_everything:
        breakdowns["program:community"] = COLUMNS["community"]
        breakdowns["cohort:community"] = ("cohort", "community")
    sensitive = access.few_communities(cells, viewer, reach, breakdowns, within)

    def decide():
        fixed: dict[str, dict] = {c: {} for c in COUNTS}
        for slug in reach.communities:
            own = community_decision(con, year, slug)
            for col, rows in own.items():
                for (b, k), status in rows.items():
                    if b in PARTS:
                        key = slug if b == "all" else f"{slug}|{k}"
                        fixed[col][(f"community:{b}", key)] = status
                        if b == "all" and viewer.sees_everything:
                            fixed[col][("program:community", slug)] = status
        return protect(cells, breakdowns, COUNTS, sensitive=sensitive, fixed=fixed, within=within)

    return _cached(f"agg:{viewer.role}:{viewer.community}:{reach}", cells, decide)


def rows_of(con: duckdb.DuckDBPyConnection, scope: Scope, by: str, keys: pd.Series) -> tuple[dict, str, pd.Series]:
    """(decision, breakdown name, decision keys) under which the rows of `by` in this scope
    (with metrics.activation's row keys) were decided."""
    keys = keys.astype(object).where(keys.notna(), "").astype(str)
    if scope.community is not None:
        if by in OWN:
            return community_decision(con, scope.school_year, scope.community), by, keys
        # a community's one cohort or community row is its total
        return community_decision(con, scope.school_year, scope.community), "all", keys.map(lambda _k: "all")
    decision = aggregate_decision(con, scope.school_year, scope.viewer)
    if scope.cohort is None:
        return decision, f"program:{by}", keys
    if by in ("all", "cohort"):
        return decision, "cohort:all", keys.map(lambda _k: str(scope.cohort))
    return decision, f"cohort:{by}", f"{scope.cohort}|" + keys


def hide(con: duckdb.DuckDBPyConnection, scope: Scope, by: str, df: pd.DataFrame, counts: list[str],
         rates: dict[str, tuple[str, ...]] | None = None) -> pd.DataFrame:
    """A student breakdown's rows (a `key` column as metrics.activation makes it) with the
    counts hidden that the scope's one decision hides."""
    from metrics.suppression import apply, suppress

    if scope.school_id is not None or scope.grade is not None:
        # a narrower question than any page asks: per table, the most cautious way
        return suppress(df, counts, rates, complementary=True)
    decision, name, keys = rows_of(con, scope, by, df["key"])
    return apply(df.assign(_decided=keys), "_decided", name, decision, counts, rates).drop(columns="_decided")
