"""The same answers on Spark as on DuckDB: every public metric, every breakdown it accepts, for
one community, one cohort and the whole program, asked by program staff and by a community
viewer, once on the DuckDB warehouse and once on Spark over the same tables written as Parquet
(tests/spark_support.py). Integer counts must agree exactly, rates to 1e-9, hidden cells and
their marks exactly, and a refusal (AccessDenied, ValueError) must be the same refusal.

Three warehouses: a randomized one (tests/test_rollup_equality.py: four communities, three
school years, boundary times), the disclosure one (tests/disclosure_warehouse.py: thirteen
communities, so community viewers see cohort aggregates, tiny schools, complementary cells) and
the demo at a small scale (109 communities, four school years, campaigns and targets). Plus
snapshots of the Spark SQL that metrics.dialect renders.
"""
from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import metrics
from metrics import activation, circulation, dialect
from metrics.access import PROGRAM, Viewer
from metrics.scope import Scope
from tests import spark_support
from warehouse import rollups, store

pytestmark = pytest.mark.spark

DEMO_SCALE = 0.02   # 109 communities, about 600 schools, 120k events: built in seconds
# Spark answers one of these small queries in about half a second (on this 2-core machine, more
# when it is busy), so the file asks every metric and breakdown of the randomized warehouse and a
# chosen part of the other two; LCC_SPARK_PARITY_FULL=1 asks everything of all three.
FULL = os.environ.get("LCC_SPARK_PARITY_FULL") == "1"


# ---------------------------------------------------------------- the cases
def calls(con, slug: str, over_years: tuple[str, ...] = activation.BREAKDOWNS) -> list[tuple[str, str, dict]]:
    """(label, metric, keyword arguments beyond the scope) for every public metric and every
    breakdown it accepts (breakdown_over_years: those of over_years, each a year-by-year
    repeat of the activation breakdown of the same name, asked in full for the year)."""
    schools = tuple(int(r[0]) for r in con.execute(
        "SELECT school_id FROM v_school WHERE slug = ? ORDER BY school_id LIMIT 2", [slug]).fetchall())
    out = []
    for name in metrics.__all__:
        if name == "Scope":
            continue
        if name in ("activation_rate", "active_user_rate"):
            out += [(f"{name}[{by}]", name, {"by": by}) for by in activation.BREAKDOWNS]
        elif name in ("circulation_by_month", "circulation_growth"):
            out += [(f"{name}[{by}]", name, {"by": by}) for by in circulation.BREAKDOWNS]
        elif name == "breakdown_over_years":
            out += [(f"{name}[{by}]", name, {"by": by}) for by in over_years]
        elif name == "schools_over_years":
            out.append((name, name, {"schools": schools}))
        else:
            out.append((name, name, {}))
    return out


def scopes(con, year: str, slug: str) -> list[tuple[str, Scope]]:
    """One community, its cohort and the whole program, each asked by program staff and by the
    community's own viewer."""
    cohort = int(con.execute("SELECT cohort FROM community WHERE slug = ?", [slug]).fetchone()[0])
    mine = Viewer("director", "community", slug)
    out = []
    for viewer_name, viewer in (("program", PROGRAM), ("community", mine)):
        out += [(f"{viewer_name}:community", Scope(year, community=slug, viewer=viewer)),
                (f"{viewer_name}:cohort", Scope(year, cohort=cohort, viewer=viewer)),
                (f"{viewer_name}:program", Scope(year, viewer=viewer))]
    return out


# ---------------------------------------------------------------- comparing answers
def outcome(fn, con, scope, kwargs):
    try:
        return "ok", fn(con, scope, **kwargs)
    except (PermissionError, ValueError) as e:   # AccessDenied is a PermissionError
        return type(e).__name__, str(e)


def same_value(a, b) -> bool:
    """Two cells agree: both missing, integers exactly, other numbers to 1e-9, anything else equal."""
    a_missing = a is None or a is pd.NA or a is pd.NaT or (isinstance(a, float) and math.isnan(a))
    b_missing = b is None or b is pd.NA or b is pd.NaT or (isinstance(b, float) and math.isnan(b))
    if a_missing or b_missing:
        return a_missing and b_missing
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return bool(a) == bool(b)
    if isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number)):
        a, b = float(a), float(b)
        if a.is_integer() and b.is_integer():
            return a == b
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, (dt.date, pd.Timestamp)) and isinstance(b, (dt.date, pd.Timestamp)):
        return pd.Timestamp(a) == pd.Timestamp(b)
    return a == b


def kind(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    return "other"


def assert_same_frame(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    assert list(a.columns) == list(b.columns), f"{what}: columns {list(a.columns)} != {list(b.columns)}"
    assert len(a) == len(b), f"{what}: {len(a)} rows on DuckDB, {len(b)} on Spark"
    assert list(a.index) == list(b.index), f"{what}: the index differs"
    for col in a.columns:
        ka, kb = kind(a[col]), kind(b[col])
        # an all-missing column may come as object on one side; a count as float64 on DuckDB
        # (its sums are HUGEINT) and int64 on Spark: both are numbers
        assert ka == kb or a[col].isna().all() or b[col].isna().all() or {ka, kb} <= {"number", "bool"}, \
            f"{what}: column {col!r} is {a[col].dtype} on DuckDB, {b[col].dtype} on Spark"
        for i, (x, y) in enumerate(zip(a[col].tolist(), b[col].tolist())):
            assert same_value(x, y), f"{what}: row {i} column {col!r}: {x!r} on DuckDB, {y!r} on Spark"


def check_parity(duck, spark, year: str, slug: str, only: set[str] | None = None,
                 skip: dict[str, set[str]] | None = None, over_years=activation.BREAKDOWNS) -> int:
    """Every case on both engines (only: these metrics or cases, by name or label such as
    'activation_rate[school]'; skip: metric -> scope labels left out); returns how many answers
    (frames or refusals) were compared."""
    if FULL:
        only, skip, over_years = None, None, activation.BREAKDOWNS
    cases = [(f"{label} for {scope_label}", getattr(metrics, name), scope, kwargs)
             for label, name, kwargs in calls(duck, slug, over_years) if only is None or {name, label} & only
             for scope_label, scope in scopes(duck, year, slug) if scope_label not in (skip or {}).get(name, ())]
    n = 0
    for what, fn, scope, kwargs in cases:
        a, b = outcome(fn, duck, scope, kwargs), outcome(fn, spark, scope, kwargs)
        assert a[0] == b[0], f"{what}: {a[0]} on DuckDB ({a[1] if a[0] != 'ok' else 'an answer'}), " \
                             f"{b[0]} on Spark ({b[1] if b[0] != 'ok' else 'an answer'})"
        if a[0] == "ok":
            assert_same_frame(a[1], b[1], what)
        else:
            assert a[1] == b[1], f"{what}: refused differently: {a[1]!r} / {b[1]!r}"
        n += 1
    return n


# ---------------------------------------------------------------- the warehouses
def _open(path, folder):
    con = store.open_readonly(path)
    return con, spark_support.open_on_spark(path, folder)


@pytest.fixture(scope="module")
def spark_ready():
    from warehouse.spark import java_found, session

    if not java_found():
        pytest.skip("no Java runtime: `make java` installs Debian's default-jre-headless, which Spark needs")
    return session()


def _pair(tmp_path_factory, name: str, build):
    """A warehouse built by build(path), open on DuckDB and on Spark; closed after the module."""
    folder = tmp_path_factory.mktemp(name)
    build(folder / "warehouse.duckdb")
    con, sp = _open(folder / "warehouse.duckdb", folder / "parquet")
    yield con, sp
    sp.close()
    con.close()


@pytest.fixture(scope="module")
def random_pair(spark_ready, tmp_path_factory):
    from tests import test_rollup_equality
    yield from _pair(tmp_path_factory, "random_spark", lambda path: test_rollup_equality.build(path, 5))


@pytest.fixture(scope="module")
def disclosure_pair(spark_ready, tmp_path_factory):
    from tests import disclosure_warehouse
    yield from _pair(tmp_path_factory, "disclosure_spark", disclosure_warehouse.build)


@pytest.fixture(scope="module")
def demo_pair(spark_ready, tmp_path_factory):
    from warehouse import demo
    yield from _pair(tmp_path_factory, "demo_spark", lambda path: demo.build(path, scale=DEMO_SCALE))


# ---------------------------------------------------------------- parity
def test_random_warehouse_same_on_spark(random_pair):
    """Every metric, three scopes, two viewers. Four communities of two cohorts: community
    viewers are refused every aggregate (fewer than five communities); 2015-16 has a year before
    and after. The breakdowns the other warehouses do not ask (all, school, community of the
    activation rates; all and community of circulation); LCC_SPARK_PARITY_FULL=1 asks every
    breakdown, and breakdown_over_years by each."""
    duck, spark = random_pair
    split = {"activation_rate", "active_user_rate", "circulation_by_month", "circulation_growth"}
    only = {name for name in metrics.__all__ if name not in split}
    only |= {f"{m}[{by}]" for m in ("activation_rate", "active_user_rate") for by in ("all", "school", "community")}
    only |= {f"{m}[{by}]" for m in ("circulation_by_month", "circulation_growth") for by in ("all", "community")}
    assert check_parity(duck, spark, "2015-16", "beta-city", only=only, over_years=("school",)) >= 170


def test_disclosure_warehouse_same_on_spark(disclosure_pair):
    """Thirteen communities: a community viewer sees its cohort's and the program's aggregates,
    with the small school, the lone charter and the cohort of one hidden, complementary cells
    and all: the metrics whose hiding differs by viewer, for all six scopes."""
    duck, spark = disclosure_pair
    only = {f"{m}[{by}]" for m in ("activation_rate", "active_user_rate") for by in ("all", "school", "grade", "cohort")}
    only |= {"cohort_totals", "community_table", "headline", "circulation_growth[all]", "eresource_per_active_student"}
    assert check_parity(duck, spark, "2015-16", "alpha-city", only=only) >= 78


DEMO_YEAR, DEMO_COMMUNITY = "2016-17", "charlotte-mecklenburg"


def test_demo_same_on_spark(demo_pair):
    """The demo (109 communities, four years, campaigns, targets, survey waves) for
    Charlotte-Mecklenburg, asked by its director and by program staff: the metrics the other two
    warehouses cannot exercise (campaign impact, targets, survey waves, launch curves). Its
    cohort and program aggregates decide disclosure over a hundred communities' cells, minutes
    on both engines: LCC_SPARK_PARITY_FULL=1 asks them too."""
    duck, spark = demo_pair
    only = {"campaign_impact", "target_progress", "survey_indicators", "activation_since_launch"}
    aggregates = {"program:program", "program:cohort", "community:program", "community:cohort"}
    assert check_parity(duck, spark, DEMO_YEAR, DEMO_COMMUNITY, only=only,
                        skip={name: aggregates for name in metrics.__all__}) == 8


def test_the_frames_have_duckdbs_dtypes(random_pair):
    """Spark's answer comes through one conversion (warehouse.spark.to_pandas): strings as str,
    dates as datetime64, counts as integers, rates as float64."""
    duck, spark = random_pair
    from metrics.scope import run

    scope = Scope("2015-16")
    for sql, params in ((activation.ACTIVATION_RATE_SQL, {**scope.params(), "by": "grade"}),
                        (metrics.circulation.CIRCULATION_BY_MONTH_SQL, {**scope.params(), "by": "format"})):
        a, b = run(duck, sql, params), run(spark, sql, params)
        for col in a.columns:
            if pd.api.types.is_float_dtype(a[col]) and pd.api.types.is_integer_dtype(b[col]):
                continue   # DuckDB's sums are HUGEINT, given as float64; Spark's are BIGINT
            assert a[col].dtype == b[col].dtype, (col, a[col].dtype, b[col].dtype)
    df = run(spark, activation.ACTIVATION_RATE_SQL, {**scope.params(), "by": "grade"})
    assert str(df["key"].dtype) == "str" and df["enrolled"].dtype == "int64"
    assert df["activation_rate"].dtype == "float64"
    months = run(spark, metrics.circulation.CIRCULATION_BY_MONTH_SQL, {**scope.params(), "by": "all"})
    assert str(months["month"].dtype).startswith("datetime64")


# ---------------------------------------------------------------- the rendered Spark SQL
def test_activation_rate_renders_with_named_parameters():
    text = dialect.render(activation.ACTIVATION_RATE_SQL, "spark").text
    assert "$" not in text
    assert "CASE :by WHEN 'all' THEN 'all'" in text
    assert "grain = :grain AND school_year = :year" in text
    assert "(:community IS NULL OR slug = :community)" in text
    assert "CAST(cohort AS STRING)" in text           # VARCHAR is Spark's STRING
    assert "ORDER BY key NULLS LAST" in text          # DuckDB sorts missing keys last; Spark first
    assert dialect.render(activation.ACTIVATION_RATE_SQL, "spark").params == frozenset(
        {"by", "grain", "year", "community", "cohort", "school_id", "grade"})


def test_circulation_by_month_groups_by_its_expressions_not_all():
    text = dialect.render(circulation.CIRCULATION_BY_MONTH_SQL, "spark").text
    assert "GROUP BY ALL" not in text
    # the dimension's expression, not its alias: `format` is also a column of the view
    assert "GROUP BY month, school_year, CASE :by WHEN 'format' THEN format" in text
    assert "CASE WHEN :by IN ('format', 'detail') THEN format END, CASE WHEN :by IN ('audience'" in text
    assert "school_year IN (:year, :prior_year)" in text


def test_activation_since_launch_months_and_cells_order():
    text = dialect.render(activation.ACTIVATION_SINCE_LAUNCH_SQL, "spark").text
    assert "MAKE_YM_INTERVAL(0, CAST(m.months AS INT))" in text    # DuckDB's to_months
    assert "EXPLODE(SEQUENCE(0, 36)) AS months" in text             # unnest(range(0, 37))
    cells = dialect.render(metrics.disclosure.CIRCULATION_CELLS_SQL, "spark").text
    assert "ORDER BY 1 NULLS LAST, 2 NULLS LAST" in cells and "ORDER BY ALL" not in cells


def test_duckdb_gets_the_text_as_written_and_nothing_is_parsed_twice():
    sql = activation.ACTIVE_USER_RATE_SQL
    assert dialect.render(sql, "duckdb").text is sql
    dialect.render(sql, "spark")
    before = dialect.tree.cache_info().misses
    for _ in range(3):
        dialect.render(sql, "spark")
    assert dialect.tree.cache_info().misses == before


def test_union_by_name_is_refused_for_spark():
    with pytest.raises(ValueError, match="BY NAME"):
        dialect.render("SELECT 1 AS a UNION ALL BY NAME SELECT 2 AS a", "spark")


# ---------------------------------------------------------------- the rollup refresh on Spark
# Last in the file: the refresh replaces the session's rollup views with the ones Spark computed.
def _same_rollups(duck, sp, tmp_path):
    from warehouse import spark_refresh
    from warehouse.spark import parquet_tables, to_pandas

    frames = spark_refresh.refresh(sp.spark, spark_refresh.rollup_columns(duck))
    rows = spark_refresh.write(frames, tmp_path)
    written = parquet_tables(tmp_path)
    for table, frame in frames.items():
        mine = duck.execute(f"SELECT * FROM {table}").df()
        theirs = to_pandas(frame)
        keys = list(mine.columns)
        a = mine.sort_values(keys, na_position="last").reset_index(drop=True)
        b = theirs[keys].sort_values(keys, na_position="last").reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=table)
        assert rows[table] == len(mine) and table in written
    return rows


@pytest.fixture(scope="module")
def spark_rollups(random_pair, tmp_path_factory):
    """The random warehouse's rollups rebuilt on Spark and written as Parquet: (rows, folder)."""
    folder = tmp_path_factory.mktemp("spark_rollups")
    duck, sp = random_pair
    return _same_rollups(duck, sp, folder), folder


def test_the_full_refresh_on_spark_writes_duckdbs_rollups_row_for_row(spark_rollups):
    rows, folder = spark_rollups
    assert rows["rollup_student_cells"] > 50 and rows["rollup_circulation_month"] > 50
    # the lake's rollups in the lake's partitions
    weeks = sorted(p.relative_to(folder / "rollup_activation_week").parts[:2]
                   for p in (folder / "rollup_activation_week").rglob("*.parquet"))
    assert weeks and all(a.startswith("school_year=") and b.startswith("community_id=") for a, b in weeks)


def _rollups(con) -> dict[str, pd.DataFrame]:
    out = {}
    for t in rollups.ROLLUP_TABLES:
        df = con.execute(f"SELECT * FROM {t}").df()
        out[t] = df.sort_values(list(df.columns), na_position="last").reset_index(drop=True)
    return out


def test_the_rollups_spark_wrote_publish_as_the_next_version(random_pair, spark_rollups, tmp_path):
    from warehouse import lake, spark_refresh
    duck, _ = random_pair
    _, folder = spark_rollups
    catalog = duck.execute("SELECT path FROM duckdb_databases() WHERE database_name = 'lake_catalog'").fetchone()[0]
    path = store.copy_published(Path(catalog), tmp_path / "warehouse.duckdb")
    # rollups gone wrong in the copy, in the catalog and in a lake partition, for the publish to mend
    with store.publishing(path) as con:
        con.execute("DELETE FROM rollup_people_year WHERE community_id = (SELECT min(community_id) FROM community)")
        con.execute("UPDATE rollup_activation_week SET activations = activations + 1")
    read = store.open_readonly(path)
    before = store.version(read)
    read.close()
    files_before = lake.referenced(Path(os.path.realpath(path)))
    rows = spark_refresh.publish(path, folder, before)
    after = store.open_readonly(path)
    try:
        assert store.version(after) != before
        mine, expected = _rollups(after), _rollups(duck)
        for t in rollups.ROLLUP_TABLES:
            pd.testing.assert_frame_equal(mine[t], expected[t], check_dtype=False, obj=t)
            assert rows[t] == len(expected[t])
    finally:
        after.close()
    files_after = lake.referenced(Path(os.path.realpath(path)))
    # only the mended partitions are new files: the activation weeks; every event file is kept
    new = {f.split("/")[0] for f in files_after - files_before}
    assert new == {"rollup_activation_week"}
    assert {f for f in files_before if f.startswith("card_event/")} <= files_after
    # a warehouse published again after Spark read it is not overwritten with older rollups
    with pytest.raises(spark_refresh.Stale, match="run the refresh again"):
        spark_refresh.publish(path, folder, before)


@pytest.mark.skipif(not FULL, reason="3-4 min on 2 cores: LCC_SPARK_PARITY_FULL=1 runs it")
def test_the_demos_rollups_rebuilt_on_spark_are_duckdbs(demo_pair, tmp_path):
    duck, sp = demo_pair
    rows = _same_rollups(duck, sp, tmp_path)
    assert rows["rollup_community_cells"] > 1000
