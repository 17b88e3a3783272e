"""The disclosure audit: every number a viewer can see, as linear equations over the cells
they are sums of, and what those equations say of every hidden number.

It knows nothing of how metrics.disclosure decides: it reads the cells straight from the
warehouse views, calls the metrics the pages and exports call (every scope the viewer can pick,
every breakdown and filter the pages offer), matches each published row to its cells by its
key or label, and asks numpy (rank: is a hidden number a combination of shown ones?) and
scipy.optimize.linprog (bounds over non-negative cells) what a careful attacker could work out.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linprog

import metrics
from metrics.access import MIN_COMMUNITIES, AccessDenied, Viewer
from metrics.scope import Scope
from metrics.suppression import THRESHOLD, is_complementary, is_suppressed

YEAR = "2015-16"
STUDENT_BREAKDOWNS = ("all", "school", "grade", "school_type", "title_i", "cohort", "community")
CIRC_DIMS = ("format", "audience", "fiction", "platform")


@dataclass
class Number:
    where: str                 # page metric, scope and row
    count: str                 # the cell column it sums
    cells: frozenset           # indexes into the universe
    value: float | None        # None where hidden
    mark: str | None = None    # '<10' or 'suppressed' where hidden


@dataclass
class Finding:
    kind: str                  # 'narrowed', 'false <10', 'isolates'
    where: str
    count: str
    true: float
    low: float
    high: float


@dataclass
class Audit:
    universe: pd.DataFrame
    numbers: list[Number] = field(default_factory=list)

    def add(self, where: str, df: pd.DataFrame, match, counts: dict[str, str], rates: dict | None = None) -> None:
        """The rows of a metric's answer: match(row) -> boolean mask of universe cells; counts
        maps a column of df to the universe column it sums. A rate shown beside one shown count
        gives the other count too."""
        for i, row in df.reset_index(drop=True).iterrows():
            mask = match(row)
            cells = frozenset(np.flatnonzero(mask.to_numpy()))
            one = df.reset_index(drop=True).iloc[[i]]
            known = {}
            for col, ucol in counts.items():
                hidden = bool(is_suppressed(one, col).iloc[0]) or pd.isna(row[col])
                mark = None
                if hidden:
                    mark = "suppressed" if bool(is_complementary(one, col).iloc[0]) else f"<{THRESHOLD}"
                value = None if hidden else float(row[col])
                known[col] = value
                self.numbers.append(Number(f"{where} [{row.get('label', row.get('key', i))}]", ucol, cells,
                                           value, mark))
            for rate, (num, den) in (rates or {}).items():
                r = row.get(rate)
                if r is None or pd.isna(r):
                    continue
                if known.get(num) is None and known.get(den) is not None:
                    self.numbers.append(Number(f"{where} {rate}", counts[num], cells, float(r) * known[den]))
                if known.get(den) is None and known.get(num):
                    self.numbers.append(Number(f"{where} {rate}", counts[den], cells, known[num] / float(r)))

    # -------------------------------------------------------------- the linear algebra
    def equations(self, count: str) -> tuple[np.ndarray, np.ndarray]:
        shown = [n for n in self.numbers if n.count == count and n.value is not None]
        a = np.zeros((len(shown), len(self.universe)))
        for k, n in enumerate(shown):
            a[k, list(n.cells)] = 1
        return a, np.array([n.value for n in shown])

    def bounds(self, count: str, cells) -> tuple[float, float, bool]:
        """(low, high, determined) of the sum over cells given the shown numbers of count."""
        a, b = self.equations(count)
        target = np.zeros(len(self.universe))
        target[list(cells)] = 1
        if not len(b):
            return 0.0, np.inf, False
        determined = np.linalg.matrix_rank(np.vstack([a, target])) == np.linalg.matrix_rank(a)
        lo = linprog(target, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        hi = linprog(-target, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        return (lo.fun if lo.status == 0 else 0.0), (-hi.fun if hi.status == 0 else np.inf), bool(determined)

    def check(self, groups: dict[str, frozenset] | None = None) -> list[Finding]:
        """Every hidden "<10" number narrowed to an interval shorter than the threshold (or
        determined), every "<10" that is not under 10, and every group of groups (name ->
        cells: another community, a cohort the viewer may not see) that the shown numbers
        determine."""
        found = []
        done = set()
        for n in self.numbers:
            if n.mark is None or (n.count, n.cells) in done:
                continue
            done.add((n.count, n.cells))
            true = float(self.universe[n.count].to_numpy()[list(n.cells)].sum())
            if n.mark == f"<{THRESHOLD}" and not 0 < true < THRESHOLD:
                found.append(Finding("false <10", n.where, n.count, true, true, true))
            if 0 < true < THRESHOLD:
                low, high, determined = self.bounds(n.count, n.cells)
                if determined or high - low < THRESHOLD:
                    found.append(Finding("narrowed", n.where, n.count, true, low, high))
        for name, cells in (groups or {}).items():
            for count in sorted({n.count for n in self.numbers}):
                true = float(self.universe[count].to_numpy()[list(cells)].sum())
                if true == 0:
                    continue
                low, high, determined = self.bounds(count, cells)
                if determined or high - low < THRESHOLD:
                    found.append(Finding("isolates", name, count, true, low, high))
        return found

    def equation_count(self) -> int:
        return sum(1 for n in self.numbers if n.value is not None)


# ------------------------------------------------------------------ the universes
STUDENT_CELLS_SQL = """
SELECT slug, CAST(cohort AS VARCHAR) AS cohort, school_id, grade, school_type, title_i,
       enrolled, cards, activated, active
FROM v_cells WHERE grain = 'school' AND school_year = $year ORDER BY slug, school_id, grade
"""
CIRC_CELLS_SQL = """
SELECT slug, CAST(cohort AS VARCHAR) AS cohort, school_year, month, format, audience, fiction, platform,
       sum(circulation) AS circulation
FROM v_circulation_month WHERE school_year = $year GROUP BY ALL ORDER BY ALL
"""
ERES_CELLS_SQL = """
SELECT slug, CAST(cohort AS VARCHAR) AS cohort, school_year, month, platform, metric_type, sum(count) AS usage
FROM v_eresource_usage WHERE school_year = $year GROUP BY ALL ORDER BY ALL
"""


def _in_scope(u: pd.DataFrame, scope: Scope) -> pd.Series:
    if scope.community is not None:
        return u["slug"] == scope.community
    if scope.cohort is not None:
        return u["cohort"] == str(scope.cohort)
    return pd.Series(True, index=u.index)


def scopes(con, viewer: Viewer) -> list[Scope]:
    """Every scope the sidebar offers, and a few it does not (a URL can ask): the program, every
    cohort, every community."""
    rows = con.execute("SELECT slug, cohort FROM community ORDER BY slug").fetchall()
    out = [Scope(YEAR, viewer=viewer)]
    out += [Scope(YEAR, cohort=c, viewer=viewer) for c in sorted({c for _, c in rows})]
    out += [Scope(YEAR, community=s, viewer=viewer) for s, _ in rows]
    return out


def _ask(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except AccessDenied:
        return None


def student_audit(con, viewer: Viewer) -> Audit:
    """Every student count of the Overview, Activation and Cohorts pages and the briefing."""
    u = con.execute(STUDENT_CELLS_SQL, {"year": YEAR}).df()
    audit = Audit(u)
    key_of = {"school": u["school_id"].astype(str), "grade": u["grade"].map(lambda g: f"{g:02d}"),
              "school_type": u["school_type"].astype(str), "cohort": u["cohort"],
              "title_i": u["title_i"].fillna(False).map(lambda t: str(bool(t)).lower()), "community": u["slug"]}
    for scope in scopes(con, viewer):
        where = scope.community or (f"cohort {scope.cohort}" if scope.cohort else "program")
        inside = _in_scope(u, scope)
        for by in STUDENT_BREAKDOWNS:
            def match(row, by=by):
                return inside & (True if by == "all" else key_of[by] == str(row["key"]))
            df = _ask(metrics.activation_rate, con, scope, by=by)
            if df is not None:
                audit.add(f"activation_rate {where} by {by}", df, match,
                          {"enrolled": "enrolled", "cards": "cards", "activated": "activated"},
                          {"activation_rate": ("activated", "enrolled"),
                           "activation_rate_of_cards": ("activated", "cards")})
            df = _ask(metrics.active_user_rate, con, scope, by=by)
            if df is not None:
                audit.add(f"active_user_rate {where} by {by}", df, match, {"enrolled": "enrolled", "active": "active"},
                          {"active_user_rate": ("active", "enrolled")})
        df = _ask(metrics.circulation_per_student, con, scope)
        if df is not None:
            df = df[df["school_year"] == YEAR]
            audit.add(f"circulation_per_student {where}", df, lambda _r: inside, {"enrolled": "enrolled"})
        df = _ask(metrics.eresource_per_active_student, con, scope)
        if df is not None:
            audit.add(f"eresource_per_active_student {where}", df, lambda _r: inside, {"active": "active"})
        df = _ask(metrics.community_table, con, scope)
        if df is not None:
            audit.add(f"community_table {where}", df, lambda r: u["slug"] == r["key"],
                      {c: c for c in ("enrolled", "cards", "activated", "active")},
                      {"activation_rate": ("activated", "enrolled"), "active_user_rate": ("active", "enrolled")})
        df = _ask(metrics.cohort_totals, con, scope)
        if df is not None:
            audit.add(f"cohort_totals {where}", df, lambda r: u["cohort"] == str(r["cohort"]),
                      {"enrolled": "enrolled", "cards": "cards", "students_reached": "active"})
    return audit


def _circ_label(u: pd.DataFrame, by: str) -> pd.Series:
    if by == "all":
        return pd.Series("All circulation", index=u.index)
    if by == "detail":
        return u["audience"] + " " + u["fiction"] + " " + u["format"] + " · " + u["platform"]
    return u[by]


def circulation_audit(con, viewer: Viewer) -> Audit:
    """Every circulation count of the Circulation and Overview pages: the monthly chart by each
    breakdown, the growth table by each breakdown with no filter or one, the per-student figure."""
    u = con.execute(CIRC_CELLS_SQL, {"year": YEAR}).df()
    audit = Audit(u)
    months = u["month"].map(lambda m: f"{pd.Timestamp(m):%Y-%m-%d}")
    for scope in scopes(con, viewer):
        where = scope.community or (f"cohort {scope.cohort}" if scope.cohort else "program")
        inside = _in_scope(u, scope)
        for by in ("all", *CIRC_DIMS):
            df = _ask(metrics.circulation_by_month, con, scope, by=by)
            if df is None:
                continue
            df = df[df["school_year"] == YEAR]
            label = _circ_label(u, by)
            audit.add(f"circulation_by_month {where} by {by}", df,
                      lambda r, label=label: inside & (months == f"{pd.Timestamp(r['month']):%Y-%m-%d}")
                      & (label == r["label"]), {"circulation": "circulation"})
        # every filter for the program, the cohorts and the community with tiny months; the
        # others look like c2 (kept short: each filter is a dozen metric calls)
        if (scope.community is None and scope.cohort in (None, 1)) or scope.community == "alpha-city":
            filters = [{}] + [{d: v} for d in CIRC_DIMS for v in sorted(u[d].unique())]
        else:
            filters = [{}]
        for f in filters:
            narrowed = scope.replace(**f)
            chosen = inside
            for d, v in f.items():
                chosen = chosen & (u[d] == v)
            for by in ("detail", "all", *CIRC_DIMS):
                df = _ask(metrics.circulation_growth, con, narrowed, by=by)
                if df is None:
                    continue
                label = _circ_label(u, by)
                audit.add(f"circulation_growth {where} {f} by {by}", df,
                          lambda r, label=label, chosen=chosen: chosen & (label == r["label"]),
                          {"circulation": "circulation"})
        df = _ask(metrics.circulation_per_student, con, scope)
        if df is not None:
            audit.add(f"circulation_per_student {where}", df[df["school_year"] == YEAR], lambda _r: inside,
                      {"circulation": "circulation"})
    return audit


def eresource_audit(con, viewer: Viewer) -> Audit:
    """Every e-resource count of the E-resources and Overview pages."""
    u = con.execute(ERES_CELLS_SQL, {"year": YEAR}).df()
    audit = Audit(u)
    months = u["month"].map(lambda m: f"{pd.Timestamp(m):%Y-%m-%d}")
    for scope in scopes(con, viewer):
        where = scope.community or (f"cohort {scope.cohort}" if scope.cohort else "program")
        inside = _in_scope(u, scope)
        for metric_type in sorted(u["metric_type"].unique()):
            df = _ask(metrics.eresource_usage_by_month, con, scope, metric_type=metric_type)
            if df is not None:
                audit.add(f"eresource_usage_by_month {where}", df[df["school_year"] == YEAR],
                          lambda r: inside & (months == f"{pd.Timestamp(r['month']):%Y-%m-%d}")
                          & (u["platform"] == r["platform"]) & (u["metric_type"] == r["metric_type"]),
                          {"usage": "usage"})
        for metric_type in (None, "Total_Item_Requests"):
            df = _ask(metrics.eresource_growth, con, scope, metric_type=metric_type)
            if df is not None:
                audit.add(f"eresource_growth {where}", df, lambda r: inside & (u["platform"] == r["platform"])
                          & (u["metric_type"] == r["metric_type"]), {"usage": "usage"})
        df = _ask(metrics.eresource_per_active_student, con, scope)
        if df is not None:
            audit.add(f"eresource_per_active_student {where}", df,
                      lambda _r: inside & (u["metric_type"] == "Total_Item_Requests"), {"usage": "usage"})
    return audit


def other_groups(con, u: pd.DataFrame, viewer: Viewer) -> dict[str, frozenset]:
    """What a community viewer may not single out: each other community, and each cohort of
    fewer than MIN_COMMUNITIES communities; and each other community's school types."""
    if viewer.sees_everything:
        return {}
    groups = {}
    for slug in sorted(set(u["slug"]) - {viewer.community}):
        groups[f"community {slug}"] = frozenset(np.flatnonzero((u["slug"] == slug).to_numpy()))
        if "school_type" in u:
            for kind in sorted(u.loc[u["slug"] == slug, "school_type"].dropna().unique()):
                mask = (u["slug"] == slug) & (u["school_type"] == kind)
                groups[f"community {slug} {kind}"] = frozenset(np.flatnonzero(mask.to_numpy()))
    sizes = dict(con.execute("SELECT CAST(cohort AS VARCHAR), count(*) FROM community GROUP BY ALL").fetchall())
    for cohort, n in sizes.items():
        if n < MIN_COMMUNITIES:
            groups[f"cohort {cohort}"] = frozenset(np.flatnonzero((u["cohort"] == cohort).to_numpy()))
    return groups


SPREADS = ("q1", "median", "q3", "n")


def spread_figures(con, viewer: Viewer) -> dict[str, object]:
    """Every figure of a cohort's spread the viewer can reach (its quartiles, median and n): the
    Cohorts page's comparison and quartiles, the Overview's trend band, the briefing's standing
    (the same metrics) and the needs-help reasons, which quote a lower quartile."""
    out: dict[str, object] = {}
    for scope in scopes(con, viewer):
        where = scope.community or (f"cohort {scope.cohort}" if scope.cohort else "program")
        tables = {"cohort_quartiles": _ask(metrics.cohort_quartiles, con, scope),
                  "headline_trend": _ask(metrics.headline_trend, con, scope)}
        if scope.community is not None:
            tables["cohort_comparison"] = _ask(metrics.cohort_comparison, con, scope)
        for name, df in tables.items():
            for row in ([] if df is None else df.to_dict("records")):
                for col in SPREADS:
                    out[f"{name} {where} {row.get('school_year', YEAR)} {row['metric']} {col}"] = row[col]
        help_ = _ask(metrics.needs_help, con, scope)
        for row in ([] if help_ is None else help_.to_dict("records")):
            out[f"needs_help {where} {row['key']}"] = row["reasons"]
    return out


def spread_differences(a: dict, b: dict) -> list[str]:
    """The figures that differ between two warehouses that differ only in hidden cells: each is
    a hidden number showing through a spread."""
    def same(x, y):
        if isinstance(x, str) or isinstance(y, str):
            return x == y
        if pd.isna(x) or pd.isna(y):
            return pd.isna(x) and pd.isna(y)
        return abs(float(x) - float(y)) <= 1e-12
    return sorted(k for k in set(a) | set(b) if k not in a or k not in b or not same(a[k], b[k]))


def thin_spreads(figures: dict) -> list[str]:
    """Spreads a community viewer sees over fewer than MIN_COMMUNITIES values."""
    return sorted(k for k, n in figures.items() if k.endswith(" n") and
                  not pd.isna(figures[k[:-2] + " median"]) and n < MIN_COMMUNITIES)
