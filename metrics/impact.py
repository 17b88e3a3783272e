"""Did the campaign work? The lift in monthly new activations and active users after each
campaign started, against communities that had no campaign in the same months.

Design (see /work/shared/IMPACT.md): an event-study difference-in-differences on a
community-month panel (rollup_student_month summed over schools), Poisson (PPML) with community
and month fixed effects and the enrolled students as exposure, reported as a percent lift with
its 95 % interval. Each campaign is estimated on its own stack: the treated community (or
communities: campaigns of the same title starting the same month) against clean comparison
communities only (no campaign and no card launch in the campaign's months), so staggered starts
never compare a treated community with an earlier-treated one (the two-way fixed-effects bias).

- 10 or more treated communities: standard errors clustered by community.
- Fewer: the interval from the placebo distribution (Conley and Taber: every comparison
  community, or a random draw of as many, estimated as if treated) and a randomization-inference
  p-value; one treated community also gets a synthetic control with placebo-in-space.
- The pre-period check: the months before the start, as event-study coefficients; when they show
  the groups apart, or the interval includes no change, the answer is "no clear lift", no number.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import scipy.stats

from metrics import access
from metrics.impact_model import event_dummies, fit_glm, fit_ipf, placebo_scale, synthetic_placebos
from metrics.scope import Scope, run

OUTCOMES = {"new_activations": "monthly new activations", "active_users": "monthly active users"}
PRE_MONTHS = 6          # months before the start compared (fewer when the community launched later)
POST_MONTHS = 6         # months from the start on (fewer when the campaign ended sooner)
MIN_PRE = 2             # months before the start needed for an estimate and its pre-period check
MIN_CONTROLS = 19       # a 95 % placebo interval needs at least 19 comparison communities
FEW_TREATED = 10        # under this many treated communities, cluster-robust intervals fail
MIN_STUDENTS = 10       # a school estimate on fewer students is not shown
PLACEBO_DRAWS = 199
Z = 1.959963984540054

# The months of each school year: its first day plus 0, 1, ... months up to its last day (offsets
# joined in, not a generated range inside a cast, so the query renders for Spark too).
# The community-month panel: every community and month of a school year with enrolled students,
# with the month's new activations and active users (0 when the rollup has no row).
IMPACT_PANEL_SQL = """
WITH years AS (
    SELECT community_id, school_year, sum(enrolled) AS enrolled
    FROM rollup_community_cells GROUP BY ALL HAVING sum(enrolled) > 0
), months AS (
    SELECT y.label AS school_year, CAST(y.start_date + to_months(CAST(k.k AS INTEGER)) AS DATE) AS month
    FROM school_year y CROSS JOIN (SELECT unnest(range(0, 24)) AS k) k
    WHERE y.start_date + to_months(CAST(k.k AS INTEGER)) <= y.end_date
), counts AS (
    SELECT community_id, month, sum(new_activations) AS new_activations, sum(active_users) AS active_users
    FROM rollup_student_month GROUP BY ALL
)
SELECT y.community_id, c.slug, c.name, c.cohort, c.launch_date, m.month, y.enrolled,
       coalesce(k.new_activations, 0) AS new_activations, coalesce(k.active_users, 0) AS active_users
FROM years y
JOIN months m USING (school_year)
JOIN community c USING (community_id)
LEFT JOIN counts k ON k.community_id = y.community_id AND k.month = m.month
WHERE m.month <= (SELECT max(month) FROM rollup_student_month)
ORDER BY y.community_id, m.month
"""

# One school's months, as the community panel (enrolled over its grades).
IMPACT_SCHOOL_SQL = """
WITH years AS (
    SELECT community_id, school_id, school_year, sum(enrolled) AS enrolled
    FROM rollup_student_cells WHERE school_id = $school_id GROUP BY ALL
), months AS (
    SELECT y.label AS school_year, CAST(y.start_date + to_months(CAST(k.k AS INTEGER)) AS DATE) AS month
    FROM school_year y CROSS JOIN (SELECT unnest(range(0, 24)) AS k) k
    WHERE y.start_date + to_months(CAST(k.k AS INTEGER)) <= y.end_date
)
SELECT y.community_id, y.school_id, m.month, y.enrolled,
       coalesce(k.new_activations, 0) AS new_activations, coalesce(k.active_users, 0) AS active_users
FROM years y
JOIN months m USING (school_year)
LEFT JOIN rollup_student_month k ON k.school_id = y.school_id AND k.month = m.month
ORDER BY m.month
"""

IMPACT_CAMPAIGNS_SQL = """
SELECT g.campaign_id, g.community_id, c.slug, c.name AS community_name, c.cohort, g.start_date, g.end_date, g.title
FROM campaign g LEFT JOIN community c USING (community_id)
WHERE g.kind = 'campaign'
ORDER BY g.start_date, g.campaign_id
"""


_MONTHS = ("Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")


def month_text(d) -> str:
    """US style: 'Dec. 2015', 'June 2016'."""
    d = pd.Timestamp(d)
    return f"{_MONTHS[d.month - 1]} {d.year}"


def date_text(d) -> str:
    """US style: 'Dec. 1, 2015'."""
    d = pd.Timestamp(d)
    return f"{_MONTHS[d.month - 1]} {d.day}, {d.year}"


def _month(d) -> pd.Timestamp:
    return pd.Timestamp(d).to_period("M").to_timestamp()


def _pct(b: float) -> float:
    return float(100 * np.expm1(b))


def estimate(y: np.ndarray, enrolled: np.ndarray, treated: np.ndarray, event_time: np.ndarray,
             clusters: np.ndarray | None = None, placebo_draws: int = PLACEBO_DRAWS, seed: int = 0) -> dict:
    """The lift of the treated units after the start, for one outcome.

    y, enrolled: (U, M) counts and exposure; treated: (U,) booleans; event_time: (M,) months
    since the start (negative before); clusters: (U,) community labels (default: one per unit).
    Returns the pooled log effect `b` with its 95 % interval (b_lo, b_hi), `p_value`, the
    pre-period check (`pre_ok`, `pre_p`), the event study `event` (k, b, lo, hi per month,
    k = -1 the reference), the method, and the counts of treated and comparison units."""
    y, enrolled, treated = np.asarray(y, float), np.asarray(enrolled, float), np.asarray(treated, bool)
    event_time = np.asarray(event_time, int)
    keep = y.sum(axis=1) > 0                   # a unit with no count has no fixed effect to fit
    y, enrolled, treated = y[keep], enrolled[keep], treated[keep]
    clusters = np.arange(len(keep))[keep] if clusters is None else np.asarray(clusters)[keep]
    n_treated, n_controls = len(np.unique(clusters[treated])), len(np.unique(clusters[~treated]))
    out = {"treated": n_treated, "controls": n_controls, "b": np.nan, "b_lo": np.nan, "b_hi": np.nan,
           "p_value": np.nan, "pre_ok": False, "pre_p": np.nan, "event": [], "method": ""}
    post = event_time >= 0
    ks = [int(k) for k in np.unique(event_time) if k != -1]
    pre_idx = [i for i, k in enumerate(ks) if k < -1]
    if n_treated == 0 or n_controls == 0 or not post.any() or (event_time < 0).sum() < MIN_PRE:
        out["method"] = "not estimated"
        return out
    pooled = (treated[:, None] & post[None, :]).astype(float)[None]
    b, cov = fit_glm(y, enrolled, pooled, clusters)
    b = float(b[0])
    dummies = event_dummies(treated, event_time, ks)
    if n_treated >= FEW_TREATED:
        es_b, es_cov = fit_glm(y, enrolled, dummies, clusters)
        se = float(np.sqrt(cov[0, 0]))
        lo, hi = b - Z * se, b + Z * se
        p_value = float(2 * scipy.stats.norm.sf(abs(b) / se))
        es_se = np.sqrt(np.diag(es_cov))
        es_lo, es_hi = es_b - Z * es_se, es_b + Z * es_se
        if pre_idx:
            pb = es_b[pre_idx]
            stat = float(pb @ np.linalg.pinv(es_cov[np.ix_(pre_idx, pre_idx)]) @ pb)
            pre_p = float(scipy.stats.chi2.sf(stat, len(pre_idx)))
        else:
            pre_p = 1.0
        method = f"Poisson event study, standard errors clustered by community ({n_treated} treated)"
    else:
        if n_controls < MIN_CONTROLS:
            out["method"] = f"not estimated: {n_controls} comparison communities, {MIN_CONTROLS} needed"
            return out
        # The same maximum-likelihood estimate as fit_glm, without its covariance (not used here).
        es_b = fit_ipf(y[None], enrolled, dummies[None])[0]
        pb, pes, sets = _placebos(y[~treated], enrolled[~treated], clusters[~treated], n_treated, event_time, ks,
                                  post, placebo_draws, seed)
        # Conley-Taber: the estimate's error is distributed as the placebo estimates are, once
        # scaled for the size of the units (placebo_scale).
        sd_p, sd_t = placebo_scale(np.vstack([y[~treated], y[treated]]),
                                   np.hstack([sets, np.zeros((len(sets), treated.sum()), bool)]), post,
                                   np.r_[np.zeros((~treated).sum(), bool), np.ones(treated.sum(), bool)], pb)
        z, z_es = pb / sd_p, pes / sd_p[:, None]
        lo, hi = b - np.quantile(z, 0.975) * sd_t, b - np.quantile(z, 0.025) * sd_t
        p_value = float((1 + np.sum(np.abs(z) >= abs(b) / sd_t)) / (1 + len(pb)))
        es_lo = es_b - np.quantile(z_es, 0.975, axis=0) * sd_t
        es_hi = es_b - np.quantile(z_es, 0.025, axis=0) * sd_t
        if pre_idx:
            stat = np.max(np.abs(es_b[pre_idx])) / sd_t
            placebo_stat = np.max(np.abs(z_es[:, pre_idx]), axis=1)
            pre_p = float((1 + np.sum(placebo_stat >= stat)) / (1 + len(placebo_stat)))
        else:
            pre_p = 1.0
        method = (f"Poisson difference-in-differences, interval and p-value from {len(pb)} placebo "
                  f"{'communities' if n_treated == 1 else 'draws'} (randomization inference)")
        if n_treated == 1:
            # Each community's rate over its own mean before the start: the synthetic control
            # matches the shape of the months (the seasonality), not the level, which the fixed
            # effects above leave out too and which a convex mix of donors often cannot reach.
            rate = y / enrolled
            rate = rate / rate[:, event_time < 0].mean(axis=1, keepdims=True)
            sc = synthetic_placebos(np.vstack([rate[treated], rate[~treated]]), 0, event_time < 0, post)
            out.update(sc_lift=100 * sc["lift"], sc_p=sc["p_value"], sc_donors=sc["donors_used"])
    event = [(-1, 0.0, 0.0, 0.0)] + [(k, float(es_b[i]), float(es_lo[i]), float(es_hi[i])) for i, k in enumerate(ks)]
    # The pre-period check: the months before the start, jointly, against "the groups moved
    # together" (clustered Wald test, or the placebo distribution of the largest gap).
    pre_gap = float(np.max(np.abs(es_b[pre_idx]))) if pre_idx else 0.0
    pre_ok = pre_p >= 0.05
    out.update(b=b, b_lo=float(lo), b_hi=float(hi), p_value=p_value, pre_p=pre_p, pre_ok=pre_ok,
               pre_gap=pre_gap, event=sorted(event), method=method)
    return out


def _placebos(y, enrolled, clusters, n_treated, event_time, ks, post, draws, seed):
    """Pooled and event-study estimates with comparison communities in the treated one's place:
    each in turn (one treated), or `draws` random sets of n_treated communities."""
    labels = np.unique(clusters)
    if n_treated == 1:
        sets = [[c] for c in labels]
    else:
        rng = np.random.default_rng(seed)
        sets = [rng.choice(labels, n_treated, replace=False) for _ in range(draws)]
    fake = np.stack([np.isin(clusters, s) for s in sets])                      # (P, U)
    pooled = (fake[:, :, None] & post[None, None, :]).astype(float)[:, None]    # (P, 1, U, M)
    es = np.stack([(fake[:, :, None] & (event_time == k)[None, None, :]) for k in ks], axis=1).astype(float)
    yp = np.broadcast_to(y, (len(sets), *y.shape))
    return fit_ipf(yp, enrolled, pooled)[:, 0], fit_ipf(yp, enrolled, es), fake


def _window(start: pd.Timestamp, end, launch, first: pd.Timestamp, last: pd.Timestamp):
    """The months compared: up to PRE_MONTHS before the start (from the month after the treated
    community's card launch, which changed everything before it) and up to POST_MONTHS from it,
    within the school year of the start."""
    lo = start - pd.DateOffset(months=PRE_MONTHS)
    if launch is not None and not pd.isna(launch) and _month(launch) < start:
        lo = max(lo, _month(launch) + pd.DateOffset(months=1))
    hi = start + pd.DateOffset(months=POST_MONTHS - 1)
    if end is not None and not pd.isna(end):
        hi = min(hi, _month(end))
    # One school year: each July brings new rosters and new cards, a change of level that
    # differs from community to community and would read as a pre-trend or an effect.
    july = pd.Timestamp(start.year - (start.month < 7), 7, 1)
    lo, hi = max(lo, july), min(hi, july + pd.DateOffset(months=11))
    return max(lo, first), min(hi, last)


def _clean_controls(panel: pd.DataFrame, campaigns: pd.DataFrame, treated_ids: set, lo, hi) -> list[int]:
    """Communities with no campaign and no card launch in the months lo..hi, enrolled in every one."""
    busy = set()
    for c in campaigns.itertuples():
        c_hi = _month(c.end_date) if not pd.isna(c.end_date) else _month(c.start_date) + pd.DateOffset(months=POST_MONTHS - 1)
        if _month(c.start_date) <= hi and c_hi >= lo:
            if pd.isna(c.community_id):
                return []                       # a program-wide campaign leaves no one untreated
            busy.add(int(c.community_id))
    months = panel[(panel["month"] >= lo) & (panel["month"] <= hi)]
    n_months = len(pd.date_range(lo, hi, freq="MS"))
    full = months.groupby("community_id")["month"].count()
    launch = panel.groupby("community_id")["launch_date"].first()
    ok = []
    for cid, n in full.items():
        launched = launch.get(cid)
        in_window = launched is not None and not pd.isna(launched) and lo <= _month(launched) <= hi
        if n == n_months and cid not in busy and cid not in treated_ids and not in_window:
            ok.append(int(cid))
    return ok


def _verdict(what: str, r: dict, community: str) -> tuple[bool, str]:
    if not r["event"]:
        return False, f"No estimate for {what}: {r['method'].removeprefix('not estimated: ') or 'too little data'}."
    crosses = r["b_lo"] <= 0 <= r["b_hi"]
    if not r["pre_ok"]:
        return False, (f"No clear lift in {what}: before the campaign, {community} and the comparison "
                       "communities did not move together, so the difference after it cannot be credited to it.")
    if crosses:
        return False, f"No clear lift in {what}: the 95% interval includes no change."
    return True, ""


def campaign_phrase(title: str, start) -> str:
    """"Superintendent's activation challenge", Dec. 2015 -> "superintendent's activation challenge of Dec. 2015"."""
    return f"{title[:1].lower()}{title[1:]} of {month_text(start)}"


def impact_sentence(what: str, lift: float, lo: float, hi: float, title: str, controls: int) -> str:
    """'Monthly new activations rose 37 percent (95% interval 30 to 45 percent) in the months
    after the superintendent's activation challenge of Dec. 2015, compared with 32 similar
    communities without one.'"""
    verb = "rose" if lift > 0 else "fell"
    return (f"{what[0].upper()}{what[1:]} {verb} {abs(lift):,.0f} percent (95% interval {abs(lo):,.0f} to "
            f"{abs(hi):,.0f} percent) in the months after the {title}, compared with {controls} similar "
            f"communit{'y' if controls == 1 else 'ies'} without one.")


def campaign_impact(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """The lift in monthly new activations and in monthly active users after each campaign
    (campaign table, kind 'campaign') of the scope's community (all, for program staff asking
    about the program; a cohort's for a cohort), one row per campaign and outcome, against
    comparison communities with no campaign and no card launch in the same months. lift, lo, hi:
    percent, only when clear (interval excluding zero and groups moving together before);
    estimate, estimate_lo, estimate_hi: the same always, for checks (a page shows lift only).
    `comparison_names` is filled for program staff only. With scope.school_id, the treated unit
    is that school (not shown under MIN_STUDENTS enrolled)."""
    access.check(con, scope, names=scope.community is None)
    panel = run(con, IMPACT_PANEL_SQL, {})
    campaigns = run(con, IMPACT_CAMPAIGNS_SQL, {})
    rows = []
    if panel.empty:
        return pd.DataFrame(rows)
    panel["month"] = pd.to_datetime(panel["month"])
    first, last = panel["month"].min(), panel["month"].max()
    mine = campaigns
    if scope.community is not None:
        mine = campaigns[campaigns["slug"] == scope.community]
    elif scope.cohort is not None:
        mine = campaigns[campaigns["cohort"] == scope.cohort]
    school = None
    if scope.school_id is not None:
        school = run(con, IMPACT_SCHOOL_SQL, {"school_id": scope.school_id})
        school["month"] = pd.to_datetime(school["month"])
    for c in mine.itertuples():
        rows += _one_campaign(c, panel, campaigns, first, last, scope, school)
    return pd.DataFrame(rows)


def _one_campaign(c, panel, campaigns, first, last, scope: Scope, school) -> list[dict]:
    start = _month(c.start_date)
    base = dict(campaign_id=int(c.campaign_id), title=c.title, slug=c.slug, community=c.community_name,
                start_date=c.start_date, end_date=c.end_date)
    if pd.isna(c.community_id):
        return [dict(base, outcome=k, outcome_label=v, clear=False,
                     verdict=f"No estimate for {v}: the campaign was program-wide, so no community was without it.")
                for k, v in OUTCOMES.items()]
    same = campaigns[(campaigns["title"] == c.title) & (campaigns["start_date"] == c.start_date)
                     & campaigns["community_id"].notna()]
    treated_ids = {int(i) for i in same["community_id"]}
    launch = panel.loc[panel["community_id"] == c.community_id, "launch_date"]
    lo, hi = _window(start, c.end_date, launch.iloc[0] if len(launch) else None, first, last)
    controls = _clean_controls(panel, campaigns, treated_ids, lo, hi)
    window = panel[(panel["month"] >= lo) & (panel["month"] <= hi)]
    months = pd.date_range(lo, hi, freq="MS")
    event_time = np.array([(m.year - start.year) * 12 + m.month - start.month for m in months])
    if school is not None:
        treated_panel = school[(school["month"] >= lo) & (school["month"] <= hi)].assign(community_id=-1)
        units = [-1] + controls
        clusters = np.array([c.community_id] + controls)
        treated_ids = {-1}
        small = len(treated_panel) < len(months) or treated_panel["enrolled"].min() < MIN_STUDENTS
        window = pd.concat([treated_panel, window[window["community_id"].isin(controls)]])
    else:
        units = sorted(treated_ids & set(window["community_id"])) + controls
        clusters = np.array(units)
        small = False
    comparison = (f"{len(controls)} communities with no campaign and no card launch from "
                  f"{month_text(lo)} to {month_text(hi)}")
    names = None
    if scope.viewer.sees_everything:
        names = ", ".join(panel.loc[panel["community_id"].isin(controls), "name"].drop_duplicates())
    grid = window[window["community_id"].isin(units)].pivot_table(index="community_id", columns="month",
                                                                   values=["enrolled", *OUTCOMES], aggfunc="sum")
    rows = []
    for outcome, what in OUTCOMES.items():
        row = dict(base, outcome=outcome, outcome_label=what, comparison=comparison, comparison_names=names,
                   first_month=lo.date(), last_month=hi.date(), lift=np.nan, lo=np.nan, hi=np.nan)
        if small:
            rows.append(dict(row, clear=False, verdict=f"Not shown: the school has fewer than {MIN_STUDENTS} "
                                                       "students enrolled in some of these months."))
            continue
        y = grid[outcome].reindex(index=units, columns=months).to_numpy(float)
        enrolled = grid["enrolled"].reindex(index=units, columns=months).to_numpy(float)
        ok = ~np.isnan(y).any(axis=1) & ~np.isnan(enrolled).any(axis=1)
        treated = np.isin(units, list(treated_ids))
        r = estimate(y[ok], enrolled[ok], treated[ok], event_time, clusters[ok], seed=int(c.campaign_id))
        clear, verdict = _verdict(what, r, c.community_name)
        row.update(clear=clear, verdict=verdict, method=r["method"], treated=r["treated"], controls=r["controls"],
                   estimate=_pct(r["b"]), estimate_lo=_pct(r["b_lo"]), estimate_hi=_pct(r["b_hi"]),
                   p_value=r["p_value"], pre_p=r["pre_p"], sc_lift=r.get("sc_lift"), sc_p=r.get("sc_p"),
                   event=[(k, _pct(b), _pct(l), _pct(h), (start + pd.DateOffset(months=k)).date())
                          for k, b, l, h in r["event"]])
        if clear:
            row.update(lift=_pct(r["b"]), lo=_pct(r["b_lo"]), hi=_pct(r["b_hi"]))
            row["verdict"] = impact_sentence(what, row["lift"], row["lo"], row["hi"], campaign_phrase(c.title, start),
                                             r["controls"])
        rows.append(row)
    return rows
