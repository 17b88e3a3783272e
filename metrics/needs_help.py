"""Who needs help: the communities that stand out for program staff, each with its reasons in
words. A community viewer asks about its own community only."""
from __future__ import annotations

import duckdb
import pandas as pd

from metrics import formats
from metrics.access import AccessDenied, check, check_program
from metrics.cohorts import _community_rows, cohort_quartiles
from metrics.scope import Scope, run
from metrics.targets import target_progress

RATES = {"activation_rate": "activation rate", "active_user_rate": "active-user rate"}
MIN_FOR_QUARTILES = 4   # a lower quartile of fewer communities says little
FALL_POINTS = 5.0       # a rate this many points below the year before (as displayed) is falling
STALE_MONTHS = 3        # no data for this many months before the newest month held is stale

REASONS = ("below_q1", "falling", "behind_target", "stale")

LAST_MONTH_SQL = """
WITH months AS (
    SELECT community_id, month FROM rollup_logins_month WHERE month <= $end
    UNION ALL SELECT community_id, month FROM rollup_circulation_month WHERE month <= $end
    UNION ALL SELECT community_id, month FROM rollup_eresource_month WHERE month <= $end
), latest AS (
    SELECT community_id, max(month) AS last_month FROM months GROUP BY community_id
)
SELECT c.slug AS key, l.last_month, (SELECT max(last_month) FROM latest) AS newest_month
FROM community c LEFT JOIN latest l USING (community_id)
WHERE ($community IS NULL OR c.slug = $community) AND ($cohort IS NULL OR c.cohort = $cohort)
ORDER BY c.slug
"""
YEAR_END_SQL = "SELECT end_date FROM school_year WHERE label = $year"
HAS_YEAR_SQL = "SELECT count(*) FROM school_year WHERE label = $year"


def needs_help(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """Communities that need help in the school year, one row each with its reasons:
    activation or active-user rate below the lower quartile of its cohort's communities (cohorts
    of MIN_FOR_QUARTILES or more with a value); a rate FALL_POINTS points or more below the year
    before; behind a target entered for it for the year; no card activity, circulation or
    e-resource data loaded for the STALE_MONTHS months before the newest month the warehouse holds
    (to the end of the year), or none at all. A cohort or the program lists its communities (for
    program staff only); a community scope answers for that community alone (empty: not flagged).
    Columns: key, label, cohort, activation_rate, active_user_rate, their prior-year values,
    last_month, flags (reason codes joined by ','), reasons (sentences joined by ' '), n_reasons."""
    if scope.community is None:
        check_program(scope, "the list of communities needing help")
    else:
        check(con, scope)
    rows = _community_rows(con, scope)
    if scope.community is not None:
        rows = rows[rows["key"] == scope.community]
    prior = None
    if run(con, HAS_YEAR_SQL, {"year": scope.prior_year}).iloc[0, 0]:
        prior = _community_rows(con, scope.prior()).set_index("key")
    quartiles = _quartiles(con, scope, rows)
    end = run(con, YEAR_END_SQL, {"year": scope.school_year}).iloc[0, 0]
    last = run(con, LAST_MONTH_SQL, {**scope.params(), "end": end}).set_index("key")

    out = []
    for r in rows.itertuples():
        codes, words = [], []
        q = quartiles.get(int(r.cohort), {})
        below = [f"{name} {formats.rate(getattr(r, rate))} (quartile {formats.rate(q[rate])})"
                 for rate, name in RATES.items()
                 if rate in q and not formats.missing(getattr(r, rate)) and formats.points_change(getattr(r, rate), q[rate]) < 0]
        if below:
            codes.append("below_q1")
            words.append(f"Below cohort {int(r.cohort)}'s lower quartile: {', '.join(below)}.")
        falls = []
        for rate, name in RATES.items():
            before = prior.loc[r.key, rate] if prior is not None and r.key in prior.index else pd.NA
            fall = formats.points_change(getattr(r, rate), before)
            if fall is not None and fall <= -FALL_POINTS:
                falls.append(f"{name} {formats.rate(before)} to {formats.rate(getattr(r, rate))} "
                             f"(down {abs(fall):.1f} points)")
        if falls:
            codes.append("falling")
            words.append(f"Falling {formats.since(scope.prior_year)}: {', '.join(falls)}.")
        for t in _targets(con, scope, r.key).itertuples():
            if formats.missing(t.actual) or bool(t.met):
                continue   # on target, or a hidden or missing figure, which is never said to be behind
            codes.append("behind_target")
            words.append(f"Behind its {scope.school_year} target: {t.label.lower()} {_show(t.actual, t.kind)} against "
                         f"{_show(t.target, t.kind)} ({_gap(t.gap, t.kind)}).")
        stale = _stale(last.loc[r.key, "last_month"] if r.key in last.index else None,
                       last["newest_month"].max() if len(last) else None, scope.school_year)
        if stale:
            codes.append("stale")
            words.append(stale)
        if codes:
            out.append(dict(
                key=r.key, label=r.label, cohort=int(r.cohort),
                activation_rate=r.activation_rate, active_user_rate=r.active_user_rate,
                prior_activation_rate=prior.loc[r.key, "activation_rate"] if prior is not None and r.key in prior.index else pd.NA,
                prior_active_user_rate=prior.loc[r.key, "active_user_rate"] if prior is not None and r.key in prior.index else pd.NA,
                last_month=last.loc[r.key, "last_month"] if r.key in last.index else pd.NaT,
                flags=",".join(codes), reasons=" ".join(words), n_reasons=len(codes)))
    columns = ["key", "label", "cohort", "activation_rate", "active_user_rate", "prior_activation_rate",
               "prior_active_user_rate", "last_month", "flags", "reasons", "n_reasons"]
    df = pd.DataFrame(out, columns=columns)
    for col in ("activation_rate", "active_user_rate", "prior_activation_rate", "prior_active_user_rate"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    return df.sort_values(["n_reasons", "activation_rate"], ascending=[False, True], na_position="last",
                          kind="stable").reset_index(drop=True)


def _quartiles(con, scope: Scope, rows: pd.DataFrame) -> dict[int, dict[str, float]]:
    """Each cohort's lower quartile of the two rates (linear interpolation, as cohort_quartiles)."""
    out: dict[int, dict[str, float]] = {}
    if scope.community is not None:   # asked as the viewer: the cohort aggregate it may see
        try:
            q = cohort_quartiles(con, scope).set_index("metric")
        except AccessDenied:
            return {}
        cohort = int(rows["cohort"].iloc[0]) if len(rows) else None
        # no quartile where the viewer may not see it (cohorts.spread: too few values)
        out[cohort] = {m: q.loc[m, "q1"] for m in RATES
                       if q.loc[m, "n"] >= MIN_FOR_QUARTILES and not pd.isna(q.loc[m, "q1"])}
        return out
    for cohort, group in rows.groupby("cohort"):
        out[int(cohort)] = {}
        for m in RATES:
            values = pd.to_numeric(group[m], errors="coerce").dropna()
            if len(values) >= MIN_FOR_QUARTILES:
                out[int(cohort)][m] = values.quantile(0.25)
    return out


def _targets(con, scope: Scope, slug: str) -> pd.DataFrame:
    return target_progress(con, Scope(scope.school_year, community=slug, viewer=scope.viewer))


def _stale(last_month, newest_month, year: str) -> str | None:
    if formats.missing_date(newest_month):
        return None   # nothing loaded anywhere: nothing stands out
    if formats.missing_date(last_month):
        return f"No data loaded: no card activity, circulation or e-resource use for {year}."
    last, newest = pd.Timestamp(last_month), pd.Timestamp(newest_month)
    months = (newest.year - last.year) * 12 + newest.month - last.month
    if months < STALE_MONTHS:
        return None
    return (f"No data loaded after {formats.month(last)} (card activity, circulation, e-resource use); "
            f"the program's data runs through {formats.month(newest)}.")


def _show(v, kind: str) -> str:
    return formats.FORMAT.get(kind, formats.count)(v)


def _gap(gap, kind: str) -> str:
    if kind == "rate":
        return f"{abs(float(gap)) * 100:.1f} points short"
    if kind == "ratio":
        return f"{abs(float(gap)):,.2f} short"
    return f"{formats.count(abs(float(gap)))} short"
