"""Campaign impact estimates (metrics/impact.py): on seeded synthetic panels built here, the
estimator recovers a known lift, its 95 % interval covers the truth about 95 % of the time and
finds no lift about 95 % of the time when there is none; on the demo, every demo campaign's
interval holds its known effect and the December 2015 challenge shows a clear lift."""
from __future__ import annotations

import json

import numpy as np
import pytest

from metrics.access import AccessDenied, Viewer
from metrics.impact import campaign_impact, estimate
from metrics.impact_model import event_dummies, fit_glm, fit_ipf
from metrics.scope import Scope
from warehouse import demo_campaigns


def panel(rng, units=30, treated=10, months=8, start=4, lift=1.25, shock=0.04, pre_trend=0.0):
    """Communities x months: enrolled students, a base rate per community, multiplicative
    seasonality, community-month shocks (overdispersion), the lift in treated months from
    `start` on, and optionally a trend of the treated communities that starts before."""
    season = np.exp(rng.normal(0, 0.3, months))
    base = np.exp(rng.normal(np.log(0.01), 0.4, units))
    enrolled = np.round(np.exp(rng.normal(np.log(6000), 0.5, units)))[:, None] * np.ones(months)
    is_treated = np.zeros(units, bool)
    is_treated[:treated] = True
    event_time = np.arange(months) - start
    effect = np.where(is_treated[:, None] & (event_time >= 0)[None], lift, 1.0)
    trend = np.where(is_treated[:, None], np.exp(pre_trend * np.arange(months))[None], 1.0)
    mu = enrolled * base[:, None] * season[None] * effect * trend * np.exp(rng.normal(0, shock, (units, months)))
    return rng.poisson(mu), enrolled, is_treated, event_time


def test_ipf_gives_the_statsmodels_estimate():
    y, enrolled, treated, et = panel(np.random.default_rng(3))
    ks = [k for k in range(-4, 4) if k != -1]
    d = event_dummies(treated, et, ks)
    glm, _ = fit_glm(y.astype(float), enrolled, d, np.arange(len(y)))
    ipf = fit_ipf(y[None], enrolled, d[None])[0]
    assert np.abs(glm - ipf).max() < 1e-4     # both stop at their own tolerance


def test_recovers_a_known_lift():
    y, enrolled, treated, et = panel(np.random.default_rng(11), lift=1.40)
    r = estimate(y, enrolled, treated, et)
    assert r["b_lo"] < np.log(1.40) < r["b_hi"]
    assert r["b_lo"] > 0 and r["pre_ok"]
    assert abs(np.expm1(r["b"]) - 0.40) < 0.08
    assert "clustered" in r["method"] and r["treated"] == 10 and r["controls"] == 20
    # The event study: flat before the start (reference month -1 at 0), the lift after it.
    pre = [b for k, b, lo, hi in r["event"] if k < -1]
    post = [b for k, b, lo, hi in r["event"] if k >= 0]
    assert max(abs(b) for b in pre) < 0.1 and min(post) > 0.2


def test_coverage_and_no_lift_over_200_panels():
    """200 panels with a true lift of 25 %, 200 with none: the 95 % interval holds the truth in
    92-98 % of the first, and the second report no clear lift in about 95 %."""
    rng = np.random.default_rng(2026)
    covered = no_lift = 0
    for _ in range(200):
        y, enrolled, treated, et = panel(rng, lift=1.25)
        r = estimate(y, enrolled, treated, et)
        covered += r["b_lo"] <= np.log(1.25) <= r["b_hi"]
        y, enrolled, treated, et = panel(rng, lift=1.0)
        r = estimate(y, enrolled, treated, et)
        no_lift += not (r["pre_ok"] and (r["b_lo"] > 0 or r["b_hi"] < 0))
    print(f"coverage {covered / 200:.3f}, no lift reported {no_lift / 200:.3f}")
    assert 0.92 <= covered / 200 <= 0.98
    assert 0.91 <= no_lift / 200 <= 0.99


def test_one_treated_community_placebo_interval_and_synthetic_control():
    y, enrolled, treated, et = panel(np.random.default_rng(5), units=30, treated=1, lift=1.6)
    r = estimate(y, enrolled, treated, et)
    assert "placebo" in r["method"] and r["controls"] == 29
    assert r["b_lo"] < np.log(1.6) < r["b_hi"] and r["b_lo"] > 0
    assert r["p_value"] <= 0.05                 # randomization inference: the largest of 30
    assert r["sc_lift"] > 20 and r["sc_p"] <= 0.1


def test_groups_apart_before_means_no_clear_lift():
    """Treated communities already climbing 15 % a month before the start: the pre-period check
    catches it, and a lift that is only the climb going on is not reported."""
    y, enrolled, treated, et = panel(np.random.default_rng(8), lift=1.0, pre_trend=0.15, shock=0.02)
    r = estimate(y, enrolled, treated, et)
    assert r["pre_p"] < 0.05 and not r["pre_ok"] and r["b_lo"] > 0    # a "lift" that is the climb


def test_too_few_months_before_is_not_estimated():
    y, enrolled, treated, et = panel(np.random.default_rng(1), months=6, start=1)
    r = estimate(y, enrolled, treated, et)
    assert r["method"] == "not estimated" and np.isnan(r["b"])


# ---------------------------------------------------------------------------------- the demo
@pytest.fixture(scope="module")
def demo_impact(demo_con):
    return campaign_impact(demo_con, Scope("2015-16"))


def test_each_demo_campaign_holds_its_true_effect(demo_con, demo_impact):
    truth = json.loads(demo_con.execute(
        "SELECT value FROM warehouse_meta WHERE key = 'demo_campaign_truth'").fetchone()[0])
    assert len(truth) == len(demo_campaigns.CAMPAIGNS)
    for cid, effects in truth.items():
        rows = demo_impact[demo_impact["campaign_id"] == int(cid)].set_index("outcome")
        for outcome, true in effects.items():
            r = rows.loc[outcome]
            assert r["estimate_lo"] <= true <= r["estimate_hi"], (r["title"], outcome, true, r["estimate_lo"],
                                                                  r["estimate_hi"])
    planned = {round(100 * lift) for *_, lift in demo_campaigns.CAMPAIGNS}
    assert {round(e["new_activations"]) for e in truth.values()} == planned


def test_the_december_challenge_lifts_charlotte_mecklenburg(demo_impact):
    """A clear lift in both outcomes against the 49 cohort-2 communities, which launched a year
    later: the groups moved together before December (pre-period p >= 0.05)."""
    cms = demo_impact[demo_impact["slug"] == "charlotte-mecklenburg"].set_index("outcome")
    assert set(cms["title"]) == {"Superintendent's activation challenge"}
    for outcome, words in (("new_activations", "Monthly new activations rose "),
                           ("active_users", "Monthly active users rose ")):
        row = cms.loc[outcome]
        assert row["clear"] and row["lo"] > 40 and row["pre_p"] >= 0.05, outcome
        assert row["verdict"].startswith(words)
        assert "compared with 49 similar communities without one" in row["verdict"]
        assert row["comparison"].startswith("49 communities with no campaign and no card launch from Sept. 2015 "
                                            "to May 2016")


def test_staggered_campaigns_never_compare_with_one_another(demo_impact):
    kc = demo_impact[demo_impact["community"] == "Kansas City"].iloc[0]
    for other in ("Meadow Valley", "Clinton-Macomb"):
        assert other not in kc["comparison_names"].split(", ")


def test_the_no_effect_campaign_shows_no_lift(demo_impact):
    rows = demo_impact[demo_impact["title"] == "Principals' read-a-thon"]
    assert not rows["clear"].any() and rows["lift"].isna().all()
    assert all(v.startswith("No clear lift") for v in rows["verdict"])


def test_rollup_months_add_up_to_the_year(demo_con):
    """Monthly new activations over a school year are the year's activations of its roster
    (activated minus activated before the year), community by community."""
    rows = demo_con.execute("""
        SELECT m.community_id, m.school_year, m.n, c.n FROM
          (SELECT community_id, school_year, sum(new_activations) AS n FROM rollup_student_month GROUP BY ALL) m
          JOIN (SELECT community_id, school_year, sum(activated - activated_at_start) AS n
                FROM rollup_community_cells GROUP BY ALL) c USING (community_id, school_year)""").fetchall()
    assert rows and all(a == b for _, _, a, b in rows)
    most = demo_con.execute("""SELECT max(active_users) FROM (SELECT month, sum(active_users) AS active_users
                               FROM rollup_student_month WHERE community_id = 1 AND school_year = '2015-16'
                               GROUP BY month)""").fetchone()[0]
    assert 0 < most <= 124_200


def test_a_community_viewer_sees_its_own_campaigns_without_names(demo_con):
    viewer = Viewer("director", "community", "charlotte-mecklenburg")
    own = campaign_impact(demo_con, Scope("2015-16", community="charlotte-mecklenburg", viewer=viewer))
    assert set(own["slug"]) == {"charlotte-mecklenburg"}
    assert own["comparison_names"].isna().all()
    with pytest.raises(AccessDenied):
        campaign_impact(demo_con, Scope("2015-16", viewer=viewer))
    with pytest.raises(AccessDenied):
        campaign_impact(demo_con, Scope("2015-16", community="kansas-city", viewer=viewer))


def test_a_school_under_10_students_is_not_shown(demo_con, monkeypatch):
    """A school's own estimate is shown when it has enough students; one with fewer than
    MIN_STUDENTS enrolled in a month compared is not. (The demo's smallest school has more than
    10 students, so the limit is raised above it here to see the rule hold.)"""
    from metrics import impact
    sizes = demo_con.execute("""SELECT school_id, sum(enrolled) FROM rollup_student_cells
                                WHERE community_id = 1 AND school_year = '2015-16'
                                GROUP BY school_id ORDER BY 2""").fetchall()
    small, big = sizes[0], sizes[-1]
    scope = Scope("2015-16", community="charlotte-mecklenburg")
    est = campaign_impact(demo_con, scope.replace(school_id=big[0]))
    assert est["estimate"].notna().all() and est["verdict"].str.len().gt(0).all()
    monkeypatch.setattr(impact, "MIN_STUDENTS", max(10, small[1] + 1))
    est = campaign_impact(demo_con, scope.replace(school_id=small[0]))
    assert est["lift"].isna().all() and all(v.startswith("Not shown") for v in est["verdict"])
    assert "estimate" not in est or est["estimate"].isna().all()


def test_the_briefing_states_the_clear_lift_in_one_sentence(demo_path):
    """Charlotte Mecklenburg 2015-16: one sentence with the figure and its interval, in the
    briefing and in its PDF's text; a year without a campaign (2016-17) gets none."""
    from tests.briefing_helpers import HAS_POPPLER, built, pdf_text
    b, files = built(str(demo_path))
    said = [s for s in b.sentences if "95% interval" in s]
    assert len(said) == 1 and said[0].startswith("Monthly new activations rose ")
    assert said[0].endswith("compared with 49 similar communities without one.")
    if HAS_POPPLER:
        assert "superintendent's activation challenge of Dec. 2015" in pdf_text(files[
            "briefing-charlotte-mecklenburg-2015-16.pdf"])
    later, _ = built(str(demo_path), Scope("2016-17", community="charlotte-mecklenburg"))
    assert not [s for s in later.sentences if "95% interval" in s]
