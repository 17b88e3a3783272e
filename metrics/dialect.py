"""One metric query, rendered per engine.

Every metric's SQL is written once, in DuckDB's dialect (the dashboard's engine). For Spark it
is parsed once into a sqlglot syntax tree, fixed where sqlglot's Spark output would not mean
the same (the transforms below), and rendered; both the tree and the text are cached per SQL
text, so a metric called a thousand times is parsed once. DuckDB's `$name` parameters become
Spark's named parameters `:name`, always bound (spark.sql(text, args=...)), never formatted in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

ENGINES = ("duckdb", "spark")
_PARAM = re.compile(r"\$(\w+)")


@dataclass(frozen=True)
class Rendered:
    text: str                 # the query in the engine's dialect
    params: frozenset[str]    # the parameters it names, each bound at run time


@lru_cache(maxsize=4096)
def names(sql: str) -> frozenset[str]:
    """The parameters a DuckDB query names (the dashboard's path: no parse)."""
    return frozenset(_PARAM.findall(sql))


@lru_cache(maxsize=4096)
def tree(sql: str):
    """The query's syntax tree, parsed once per SQL text (callers copy before changing it)."""
    import sqlglot   # only engines other than DuckDB need the parser

    return sqlglot.parse_one(sql, read="duckdb")


@lru_cache(maxsize=4096)
def render(sql: str, engine: str) -> Rendered:
    """The query for `engine`. DuckDB gets the text as written (it is written in DuckDB's
    dialect: the very query the pages were timed with); Spark gets the fixed tree rendered."""
    if engine == "duckdb":
        return Rendered(sql, names(sql))
    if engine != "spark":
        raise ValueError(f"engine {engine!r} is not one of {', '.join(ENGINES)}")
    return spark(tree(sql).copy())


def spark(t) -> Rendered:
    """A DuckDB syntax tree (a copy the caller may give away) rendered for Spark, fixed."""
    from sqlglot import exp

    for fix in SPARK_FIXES:
        t = t.transform(fix)
    params = frozenset(p.name for p in t.find_all(exp.Placeholder))
    return Rendered(t.sql("spark"), params)


# ---------------------------------------------------------------- where sqlglot's Spark is wrong
def _no_by_name(node):
    """UNION ALL BY NAME has no Spark SQL form; sqlglot passes it through, and Spark fails to
    parse it. The views are written with explicit column lists instead (warehouse/schema.sql)."""
    from sqlglot import exp

    if isinstance(node, exp.Union) and node.args.get("by_name"):
        raise ValueError("UNION ... BY NAME does not run on Spark: list the columns of each branch")
    return node


def _explicit_group_by(node):
    """GROUP BY ALL -> the select list's non-aggregate expressions, written out. sqlglot keeps
    GROUP BY ALL, which Spark happens to accept, but not every engine means the same by it
    (SCALE-OUT.md); the expressions, not their aliases, because an alias such as `format` is
    also a column of the view, and a GROUP BY name means the column on some engines."""
    from sqlglot import exp

    if not isinstance(node, exp.Select) or not (node.args.get("group") and node.args["group"].args.get("all")):
        return node
    keys = [p.unalias().copy() for p in node.expressions
            if not p.find(exp.AggFunc, exp.Window)]
    node.set("group", exp.Group(expressions=keys))
    return node


def _explicit_order_by(node):
    """ORDER BY ALL (DuckDB: every column left to right, ascending, nulls last) -> the column
    positions, each with NULLS LAST: sqlglot renders it as a column named ALL."""
    from sqlglot import exp

    if not isinstance(node, exp.Select) or not node.args.get("order"):
        return node
    order = node.args["order"].expressions
    if len(order) == 1 and isinstance(order[0].this, exp.Var) and order[0].this.name.upper() == "ALL":
        node.set("order", exp.Order(expressions=[
            exp.Ordered(this=exp.Literal.number(i + 1), nulls_first=False) for i in range(len(node.expressions))]))
    return node


def _to_months(node):
    """DuckDB's to_months(n) (an interval of n months) passes through unchanged, and Spark has
    no such function: make_ym_interval(0, n) is the same interval (a date plus it is a date,
    clamped to the month's last day as DuckDB does)."""
    from sqlglot import exp

    if isinstance(node, exp.Anonymous) and node.name.lower() == "to_months":
        return exp.func("make_ym_interval", exp.Literal.number(0), *node.expressions)
    return node


SPARK_FIXES = (_no_by_name, _explicit_group_by, _explicit_order_by, _to_months)
