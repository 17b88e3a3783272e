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
from metrics.scope import COMMUNITY_FILTER, Scope, run
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


def community_decision(con: duckdb.DuckDBPyConnection, year: str, community: str,
                       cells: pd.DataFrame | None = None) -> dict:
    """The hidden rows of one community's own breakdowns: count -> {(breakdown, key): status}.
    cells: the community's school cells when already read (every community's at once)."""
    if cells is None:
        cells = student_cells(con, year, community, "school")
    cells = cells.reset_index(drop=True)
    return _cached(f"own:{community}", cells, lambda: protect(cells, {b: COLUMNS[b] for b in OWN}, COUNTS))


def community_decisions(con: duckdb.DuckDBPyConnection, year: str, communities) -> dict[str, dict]:
    """community_decision of several communities, their cells read in one query."""
    if len(communities) == 1:
        return {communities[0]: community_decision(con, year, communities[0])}
    cells = student_cells(con, year, None, "school")
    groups = dict(tuple(cells.groupby("community", sort=False)))
    empty = cells.iloc[0:0]
    return {slug: community_decision(con, year, slug, groups.get(slug, empty)) for slug in communities}


def aggregate_decision(con: duckdb.DuckDBPyConnection, year: str, viewer: access.Viewer) -> dict:
    """The hidden rows of every cohort and program aggregate the viewer can reach, with the
    rows of the communities the viewer can open (every one for program staff, its own for a
    community) fixed as their own decisions hid them. Breakdowns are named 'program:<by>',
    'cohort:<by>' (keys '<cohort>|<key>') and 'community:<by>' (keys '<slug>|<key>')."""
    cells = student_cells(con, year, None, "community")
    reach = access.reachable(con, viewer)
    own = community_decisions(con, year, reach.communities)
    if viewer.sees_everything:
        cells = _merge_published(cells, own)
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
        named = cells["community"] != ""
        breakdowns["program:community"] = COLUMNS["community"]
        breakdowns["cohort:community"] = ("cohort", "community")
        within["program:community"] = within["cohort:community"] = named
        for b in PARTS:   # what the communities merged into the rest publish (see _merge_published)
            breakdowns[f"rest:{b}"] = ("cohort", *COLUMNS[b])
            within[f"rest:{b}"] = ~named
    sensitive = access.few_communities(cells, viewer, reach, breakdowns, within)

    def decide():
        fixed: dict[str, dict] = {c: {} for c in COUNTS}
        for slug, decided in own.items():
            for col, rows in decided.items():
                for (b, k), status in rows.items():
                    if b in PARTS:
                        key = slug if b == "all" else f"{slug}|{k}"
                        fixed[col][(f"community:{b}", key)] = status
                        if b == "all" and viewer.sees_everything:
                            fixed[col][("program:community", slug)] = status
        mine = tuple(b for b in breakdowns if b.startswith(("community:", "rest:")) or b == "program:community")
        return protect(cells, breakdowns, COUNTS, sensitive=sensitive, fixed=fixed, within=within, decided=mine)

    return _cached(f"agg:{viewer.role}:{viewer.community}:{reach}", cells, decide)


def _merge_published(cells: pd.DataFrame, decisions: dict[str, dict]) -> pd.DataFrame:
    """The cells with the communities that hide none of their total, grade, school type and
    Title I rows merged, per cohort, into cells of no name (community ''). Every aggregate row
    is a sum of community rows, so such a community adds a number the viewer knows to each;
    merged, with their per-cohort sums published ('rest:' breakdowns), the cells of the other
    communities are bounded exactly as before, by a much smaller program."""
    hiding = {slug for slug, d in decisions.items() if any(b in PARTS for rows in d.values() for b, _k in rows)}
    keep = cells["community"].isin(hiding)
    rest = (cells[~keep].groupby(["cohort", "grade", "school_type", "title_i"], dropna=False)[COUNTS].sum()
            .reset_index().assign(community="", school=None))
    return pd.concat([cells[keep], rest], ignore_index=True)[list(cells.columns)]


def rows_of(con: duckdb.DuckDBPyConnection, scope: Scope, by: str, keys: pd.Series) -> tuple[dict, str, pd.Series]:
    """(decision, breakdown name, decision keys) under which the rows of `by` in this scope
    (with metrics.activation's row keys) were decided."""
    keys = keys.astype(object).where(keys.notna(), "").astype(str)
    if scope.community is not None:
        if by in OWN:
            return community_decision(con, scope.school_year, scope.community), by, keys
        # a community's one cohort or community row is its total
        return community_decision(con, scope.school_year, scope.community), "all", keys.map(lambda _k: "all")
    if by == "school":   # every school of a cohort or the program: as each one's community hides it
        merged: dict[str, dict] = {c: {} for c in COUNTS}
        for own in community_decisions(con, scope.school_year, access.reachable(con, scope.viewer).communities).values():
            for col, rows in own.items():
                merged[col].update({lab: st for lab, st in rows.items() if lab[0] == "school"})
        return merged, "school", keys
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


# ---------------------------------------------------------------- months against the year
# A month hidden in a chart is the year's total (shown beside it) minus the other months, and a
# filtered growth table is a cross-tab of the dimensions: circulation is decided over the cells
# month x format x audience x fiction x platform of the scope, for every breakdown by month and
# dimension and every cross-tab of the year; e-resource usage over month x platform x metric.
DIMENSIONS = ("format", "audience", "fiction", "platform")

CIRCULATION_CELLS_SQL = f"""
SELECT school_year, CAST(month AS VARCHAR) AS month, format, audience, fiction, platform,
       sum(circulation) AS circulation
FROM v_circulation_month
WHERE school_year IN ($year, $prior_year) AND {COMMUNITY_FILTER}
GROUP BY ALL
ORDER BY ALL
"""

ERESOURCE_CELLS_SQL = f"""
SELECT school_year, CAST(month AS VARCHAR) AS month, platform, metric_type, sum(count) AS usage
FROM v_eresource_usage
WHERE school_year IN ($year, $prior_year) AND {COMMUNITY_FILTER}
GROUP BY ALL
ORDER BY ALL
"""


def _subsets(dims):
    from itertools import combinations

    return [c for n in range(len(dims) + 1) for c in combinations(dims, n)]


def circulation_decision(con: duckdb.DuckDBPyConnection, scope: Scope) -> dict:
    """Hidden circulation rows of the scope, both school years: breakdowns 'month:<dims>' keyed
    'month|values' and 'year:<dims>' keyed 'year|values' (dims joined by ',')."""
    cells = run(con, CIRCULATION_CELLS_SQL, scope.params())
    breakdowns = {f"month:{','.join(d)}": ("month", *d) for d in [(), *((x,) for x in DIMENSIONS)]}
    breakdowns.update({f"year:{','.join(d)}": ("school_year", *d) for d in _subsets(DIMENSIONS)})
    return _cached("circulation", cells, lambda: protect(cells, breakdowns, ["circulation"]))


def eresource_decision(con: duckdb.DuckDBPyConnection, scope: Scope) -> dict:
    """Hidden e-resource rows of the scope, both school years: 'month' (month x platform x
    metric), 'year' (year x platform x metric) and 'year:metric' (a metric's year total)."""
    cells = run(con, ERESOURCE_CELLS_SQL, scope.params())
    breakdowns = {"month": ("month", "platform", "metric_type"), "year": ("school_year", "platform", "metric_type"),
                  "year:metric": ("school_year", "metric_type")}
    return _cached("eresources", cells, lambda: protect(cells, breakdowns, ["usage"]))


def hide_circulation(con: duckdb.DuckDBPyConnection, scope: Scope, df: pd.DataFrame, by: str,
                     columns: dict[str, str], rates: dict[str, tuple[str, ...]] | None = None,
                     monthly: bool = False) -> pd.DataFrame:
    """Circulation rows (dimension columns format ... platform where the breakdown has them, a
    `month` column when monthly) hidden as the scope's one decision hides them. columns maps a
    count column to the school year it counts: 'year', 'prior' or a column holding the year."""
    from metrics.suppression import apply

    from_filters = {d: getattr(scope, d) for d in DIMENSIONS if getattr(scope, d) is not None}
    dims = DIMENSIONS if by == "detail" else () if by == "all" else (by,)
    if monthly and (from_filters or by == "detail"):
        return _hide_all_small(df, list(columns), rates)   # no page asks this: hide every small count
    used = tuple(d for d in DIMENSIONS if d in dims or d in from_filters)
    decision = circulation_decision(con, scope.replace(**{d: None for d in DIMENSIONS}))
    name = f"{'month' if monthly else 'year'}:{','.join(used)}"

    def key(row, year):
        parts = [_day(row["month"]) if monthly else year]
        parts += [from_filters[d] if d in from_filters else row[d] for d in used]
        return "|".join(str(p) for p in parts)

    out = df
    hidden, second = {}, {}
    for col, year in columns.items():
        years = {"year": scope.school_year, "prior": scope.prior_year}
        keys = [key(r, years.get(year) or r[year]) for _, r in df.iterrows()]
        part = apply(df.assign(_decided=keys), "_decided", name, {col: decision.get("circulation", {})}, [col])
        out = out.assign(**{col: part[col]})
        hidden[col], second[col] = part["suppressed"] != "", part["complementary"] != ""
    return _marked(out, hidden, second, rates)


def hide_eresources(con: duckdb.DuckDBPyConnection, scope: Scope, df: pd.DataFrame, name: str,
                    columns: dict[str, str], rates: dict[str, tuple[str, ...]] | None = None) -> pd.DataFrame:
    """E-resource rows hidden as the scope's one decision hides them (name: 'month', 'year' or
    'year:metric'; columns as in hide_circulation)."""
    from metrics.suppression import apply

    decision = eresource_decision(con, scope)
    out = df
    hidden, second = {}, {}
    for col, year in columns.items():
        years = {"year": scope.school_year, "prior": scope.prior_year}

        def key(row):
            first = _day(row["month"]) if name == "month" else years.get(year) or row[year]
            rest = [row["metric_type"]] if name == "year:metric" else [row["platform"], row["metric_type"]]
            return "|".join(str(p) for p in [first, *rest])

        keys = [key(r) for _, r in df.iterrows()]
        part = apply(df.assign(_decided=keys), "_decided", name, {col: decision.get("usage", {})}, [col])
        out = out.assign(**{col: part[col]})
        hidden[col], second[col] = part["suppressed"] != "", part["complementary"] != ""
    return _marked(out, hidden, second, rates)


def _marked(df: pd.DataFrame, hidden: dict, second: dict, rates) -> pd.DataFrame:
    """The `suppressed` and `complementary` columns, and the rates over hidden counts hidden."""
    n = len(df)
    hidden = {c: pd.Series(m, index=df.index).to_numpy(dtype=bool) for c, m in hidden.items()}
    second = {c: pd.Series(m, index=df.index).to_numpy(dtype=bool) for c, m in second.items()}
    import numpy as np

    df = df.copy()
    for col, deps in (rates or {}).items():
        hidden[col] = np.logical_or.reduce([hidden[d] for d in deps])
        second[col] = hidden[col] & ~np.logical_or.reduce([hidden[d] & ~second[d] for d in deps])
        if hidden[col].any():
            df[col] = df[col].astype("Float64").mask(hidden[col])
    df["suppressed"] = [",".join(c for c, m in hidden.items() if m[i]) for i in range(n)]
    df["complementary"] = [",".join(c for c, m in second.items() if m[i]) for i in range(n)]
    return df


def _hide_all_small(df, counts, rates):
    from metrics.suppression import suppress

    return suppress(df, counts, rates, complementary=True)


def _day(value) -> str:
    return f"{pd.Timestamp(value):%Y-%m-%d}"


def total_status(con: duckdb.DuckDBPyConnection, scope: Scope, count: str) -> str | None:
    """How the scope's total of a student count is hidden (None: shown), as its 'all' row is."""
    if scope.school_id is not None or scope.grade is not None:
        return None
    decision, name, keys = rows_of(con, scope, "all", pd.Series(["all"]))
    return decision.get(count, {}).get((name, keys.iloc[0]))


def hide_totals(con: duckdb.DuckDBPyConnection, scope: Scope, df: pd.DataFrame, counts: dict[str, str],
                rates: dict[str, tuple[str, ...]] | None = None, year: str | None = None) -> pd.DataFrame:
    """Hide, in rows already suppressed per table, the student totals the scope's decision hides:
    counts maps a column to the student count it is the scope's total of, rates a column to the
    columns it is computed from; year names the column holding each row's school year (the
    scope's year when None)."""
    from metrics.suppression import COMPLEMENTARY

    df = df.copy()
    if "complementary" not in df:
        df["complementary"] = ""
    for i in df.index:
        when = scope.school_year if year is None else str(df.at[i, year])
        asked = scope.replace(school_year=when)
        marks = {col: total_status(con, asked, count) for col, count in counts.items()}
        for col, deps in (rates or {}).items():
            hidden = [marks.get(d) for d in deps if marks.get(d)]
            if hidden:
                marks[col] = COMPLEMENTARY if all(h == COMPLEMENTARY for h in hidden) else "primary"
        for col, status in marks.items():
            if status is None:
                continue
            df[col] = df[col].astype("Float64" if df[col].dtype.kind == "f" else "Int64")
            df.at[i, col] = pd.NA
            names = [c for c in str(df.at[i, "suppressed"] or "").split(",") if c]
            df.at[i, "suppressed"] = ",".join(dict.fromkeys([*names, col]))
            if status == COMPLEMENTARY:
                extra = [c for c in str(df.at[i, "complementary"] or "").split(",") if c]
                df.at[i, "complementary"] = ",".join(dict.fromkeys([*extra, col]))
    return df


def combine(df: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """df with the hidden-column names of other (same rows) added to its own."""
    df = df.copy()
    for col in ("suppressed", "complementary"):
        mine = df[col] if col in df else pd.Series("", index=df.index)
        theirs = other[col] if col in other else pd.Series("", index=df.index)
        df[col] = [",".join(dict.fromkeys(c for c in f"{a or ''},{b or ''}".split(",") if c))
                   for a, b in zip(mine, theirs)]
    return df


def rate_hidden(df: pd.DataFrame, rate: str, deps: tuple[str, ...]) -> pd.DataFrame:
    """Hide a rate wherever a count it is computed from is hidden ("suppressed" when only
    complementary ones are)."""
    from metrics.suppression import is_complementary, is_suppressed

    df = df.copy()
    hidden = pd.concat([is_suppressed(df, d) for d in deps], axis=1).any(axis=1)
    small = pd.concat([is_suppressed(df, d) & ~is_complementary(df, d) for d in deps], axis=1).any(axis=1)
    df[rate] = df[rate].astype("Float64").mask(hidden)
    for i in df.index[hidden]:
        df.at[i, "suppressed"] = ",".join(c for c in [df.at[i, "suppressed"], rate] if c)
        if not small[i]:
            df.at[i, "complementary"] = ",".join(c for c in [df.at[i, "complementary"], rate] if c)
    return df


def hide_rows(con: duckdb.DuckDBPyConnection, scope: Scope, df: pd.DataFrame, per: str, students: dict[str, str],
              circulation: dict[str, str] | None = None, rates: dict[str, tuple[str, ...]] | None = None) -> pd.DataFrame:
    """A table with a row per community (per='community', keyed by `key`) or per cohort
    (per='cohort'): each row's student counts (column -> student count) hidden as that
    community's or cohort's total is, and its circulation (column -> 'year' or 'prior') as that
    community's year total is."""
    from metrics.suppression import apply

    decision = aggregate_decision(con, scope.school_year, scope.viewer)
    if per == "community":
        name, keys = "program:community", df["key"].astype(str)
        if not scope.viewer.sees_everything:   # only the own community can be a row here
            name, keys = "community:all", df["key"].astype(str)
    else:
        name, keys = "cohort:all", df["cohort"].astype(str)
    mapped = {col: decision.get(count, {}) for col, count in students.items()}
    out = apply(df.assign(_decided=keys), "_decided", name, mapped, list(students)).drop(columns="_decided")
    if circulation:
        # A community's year total of circulation is hidden when under the threshold; its own
        # decision hides totals last ('year:' rows), only when no month or cross-tab will do,
        # which a year of 10 or more loans spread over months and formats leaves room for.
        from metrics.suppression import suppress

        part = suppress(df, list(circulation))
        out = combine(out.assign(**{col: part[col] for col in circulation}), part)
    for rate, deps in (rates or {}).items():
        out = rate_hidden(out, rate, deps)
    return out
