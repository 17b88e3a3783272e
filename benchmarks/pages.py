"""The metric calls each dashboard page makes, as the pages in pages/*.py make them.

Every page also draws the sidebar (communities, school years, warehouse meta). Calls are
those of a first visit with the widgets at their defaults: the Circulation page's month chart
by format and growth table by detail plus its four filter lists; the Cohorts page with the
scope's community highlighted (none for the whole program). The raw twin of a call is
metrics.raw.<name> where the metric reads a rollup; metrics that read no rollup (e-resource
usage, survey, catalog) are the same call in both columns.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

import metrics
from metrics import catalog, raw
from metrics.scope import Scope, is_school_year

PAGES = ("Overview", "Activation", "Circulation", "E-resources", "Cohorts", "Data")


@dataclass(frozen=True)
class Call:
    name: str
    scope: Scope | None = None         # None: a catalog call
    kwargs: dict = field(default_factory=dict)
    args: tuple = ()

    def label(self) -> str:
        extra = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{self.name}({extra})" if extra else self.name

    def function(self, use_raw: bool) -> Callable:
        if self.scope is None:
            return getattr(catalog, self.name)
        if use_raw and self.name in raw.TWINS:
            return getattr(raw, self.name)
        return getattr(metrics, self.name)

    def run(self, con: duckdb.DuckDBPyConnection, use_raw: bool = False):
        fn = self.function(use_raw)
        if self.scope is None:
            return fn(con, *self.args)
        return fn(con, self.scope, **self.kwargs)


SIDEBAR = (Call("communities"), Call("school_years"), Call("warehouse_meta"))


def calls(page: str, scope: Scope, years: list[str]) -> list[Call]:
    """The calls of one page for a scope (one community, or the whole program)."""
    year = scope.school_year
    if page == "Overview":
        out = []
        prior = scope.prior_year
        for s in (scope, Scope(prior, community=scope.community, cohort=scope.cohort)) if (
                is_school_year(prior) and prior in years) else (scope,):
            out += [Call("activation_rate", s), Call("active_user_rate", s), Call("circulation_per_student", s),
                    Call("eresource_growth", s, {"metric_type": "Total_Item_Requests"}), Call("staff_cards", s)]
    elif page == "Activation":
        out = [Call("activation_by_week", scope), Call("campaigns", None, args=(scope.community,)),
               Call("activation_rate", scope, {"by": "school" if scope.community else "community"}),
               Call("activation_rate", scope, {"by": "grade"}),
               Call("activation_rate", scope, {"by": "school_type"}),
               Call("activation_rate", scope, {"by": "title_i"})]
    elif page == "Circulation":
        out = [Call("circulation_per_student", scope), Call("circulation_growth", scope, {"by": "all"}),
               Call("circulation_by_month", scope, {"by": "format"}),
               *[Call("circulation_growth", scope, {"by": f}) for f in ("format", "audience", "fiction", "platform")],
               Call("circulation_growth", scope, {"by": "detail"}), Call("hotspot_lending", scope)]
    elif page == "E-resources":
        out = [Call("eresource_growth", scope), Call("eresource_per_active_student", scope),
               Call("eresource_usage_by_month", scope, {"metric_type": "Total_Item_Requests"})]
    elif page == "Cohorts":
        out = [Call("cohort_totals", Scope(year)), Call("community_table", scope),
               Call("community_table", Scope(year))]
        if scope.community:
            out.append(Call("cohort_comparison", Scope(year, community=scope.community)))
        out.append(Call("survey_indicators", scope))
    elif page == "Data":
        out = [Call("load_log"), Call("table_counts")]   # communities and meta: already in the sidebar
    else:
        raise ValueError(f"unknown page {page!r}")
    return [*SIDEBAR, *out]


def uses_rollups(page: str, scope: Scope, years: list[str]) -> bool:
    """Whether any call of the page has a raw twin (the 10x target means nothing otherwise)."""
    return any(c.scope is not None and c.name in raw.TWINS for c in calls(page, scope, years))
