"""What a signed-in viewer may see, enforced inside the metrics (metrics/access.py)."""
from __future__ import annotations

import inspect

import pytest

import metrics
from metrics import catalog
from metrics.access import MIN_COMMUNITIES, PROGRAM, AccessDenied, Viewer
from metrics.scope import Scope

ALPHA = Viewer("director", "community", "alpha-city")
CMS = Viewer("cms-director", "community", "charlotte-mecklenburg")
YEAR = "2015-16"

# Every metric with the arguments it needs beyond the scope.
METRICS = {name: {} for name in metrics.__all__ if name != "Scope"}
METRICS.update(breakdown_over_years={"by": "school"}, schools_over_years={"schools": (101,)})   # their questions


def test_every_metric_is_covered():
    """A new metric must be added to the checks below (it is, automatically) and must refuse."""
    assert set(METRICS) == {n for n in metrics.__all__ if n != "Scope"}
    for name in METRICS:
        assert list(inspect.signature(getattr(metrics, name)).parameters)[:2] == ["con", "scope"]


def test_a_viewer_is_program_or_one_community():
    with pytest.raises(ValueError, match="role 'mayor' is not one of program, community"):
        Viewer("x", "mayor")
    with pytest.raises(ValueError, match="exactly one community"):
        Viewer("x", "community")
    with pytest.raises(ValueError, match="exactly one community"):
        Viewer("x", "program", "alpha-city")
    with pytest.raises(TypeError, match="viewer must be"):
        Scope(YEAR, viewer="alpha-city")


@pytest.mark.parametrize("name", sorted(METRICS))
def test_every_metric_refuses_another_community(small_con, name):
    with pytest.raises(AccessDenied, match="may see the figures of 'alpha-city' only, not of 'beta-county'|names every community"):
        getattr(metrics, name)(small_con, Scope(YEAR, community="beta-county", viewer=ALPHA), **METRICS[name])


@pytest.mark.parametrize("name", sorted(set(METRICS) - {"cohort_comparison", "cohort_totals"}))
def test_aggregates_of_fewer_than_five_communities_are_refused(small_con, name):
    """The hand-built warehouse has two communities: the program total would nearly name the other."""
    with pytest.raises(AccessDenied, match="2 communities|for program staff"):
        getattr(metrics, name)(small_con, Scope(YEAR, viewer=ALPHA), **METRICS[name])


def test_cohort_totals_list_only_the_cohorts_a_community_viewer_may_see(small_con):
    """Two cohorts of one community each: none is shown to a community viewer (and the Cohorts
    page still opens), both to program staff."""
    assert metrics.cohort_totals(small_con, Scope(YEAR, viewer=ALPHA)).empty
    assert metrics.cohort_totals(small_con, Scope(YEAR))["cohort"].tolist() == [1, 2]


def test_own_community_is_answered_in_full(small_con):
    mine = metrics.activation_rate(small_con, Scope(YEAR, community="alpha-city", viewer=ALPHA), by="school")
    everyone = metrics.activation_rate(small_con, Scope(YEAR, community="alpha-city"), by="school")
    assert mine.equals(everyone)
    assert set(mine["label"]) == {"North Elementary", "Tiny Charter"}


def test_program_staff_see_everything(small_con):
    df = metrics.activation_rate(small_con, Scope(YEAR, viewer=PROGRAM), by="community")
    assert set(df["key"]) == {"alpha-city", "beta-county"}


def test_a_cohort_of_fewer_than_five_cannot_be_compared_against(small_con):
    with pytest.raises(AccessDenied, match=f"fewer than {MIN_COMMUNITIES}"):
        metrics.cohort_comparison(small_con, Scope(YEAR, community="alpha-city", viewer=ALPHA))


def test_community_viewer_gets_program_aggregates_but_no_names(demo_con):
    program = Scope(YEAR, viewer=CMS)
    total = metrics.activation_rate(demo_con, program)
    assert total["key"].tolist() == ["all"] and total["enrolled"].iloc[0] > 1_000_000
    for by in ("grade", "school_type", "title_i", "cohort"):
        assert len(metrics.activation_rate(demo_con, program, by=by))
    for by in ("community", "school"):
        with pytest.raises(AccessDenied, match="for program staff"):
            metrics.activation_rate(demo_con, program, by=by)
        with pytest.raises(AccessDenied, match="for program staff"):
            metrics.active_user_rate(demo_con, Scope(YEAR, cohort=1, viewer=CMS), by=by)
    with pytest.raises(AccessDenied, match="for program staff"):
        metrics.activation_since_launch(demo_con, Scope(YEAR, cohort=1, viewer=CMS))
    own = metrics.activation_since_launch(demo_con, Scope(YEAR, community="charlotte-mecklenburg", viewer=CMS))
    assert set(own["key"]) == {"charlotte-mecklenburg"}


def test_the_community_table_is_for_program_staff_only(demo_con):
    for scope in (Scope(YEAR, viewer=CMS), Scope(YEAR, community="charlotte-mecklenburg", viewer=CMS)):
        with pytest.raises(AccessDenied, match="names every community"):
            metrics.community_table(demo_con, scope)
    assert len(metrics.community_table(demo_con, Scope(YEAR))) == 109


def test_cohort_comparison_and_quartiles_are_aggregates(demo_con):
    own = Scope(YEAR, community="charlotte-mecklenburg", viewer=CMS)
    mine = metrics.cohort_comparison(demo_con, own)
    assert mine.equals(metrics.cohort_comparison(demo_con, Scope(YEAR, community="charlotte-mecklenburg")))
    assert (mine["n"] >= MIN_COMMUNITIES).all()
    assert set(mine.columns) == {"metric", "value", "cohort", "q1", "median", "q3", "n"}
    spread = metrics.cohort_quartiles(demo_con, Scope(YEAR, cohort=2, viewer=CMS))
    assert spread["n"].max() == 49
    with pytest.raises(AccessDenied):
        metrics.cohort_comparison(demo_con, Scope(YEAR, community="denver", viewer=CMS))


def test_catalog_answers_for_the_viewer(demo_con):
    assert catalog.communities(demo_con, CMS)["slug"].tolist() == ["charlotte-mecklenburg"]
    assert len(catalog.communities(demo_con)) == 109
    assert catalog.cohorts(demo_con)["communities"].tolist() == [60, 49]
    assert len(catalog.schools(demo_con, "charlotte-mecklenburg", CMS)) == 171
    with pytest.raises(AccessDenied):
        catalog.schools(demo_con, "denver", CMS)
    with pytest.raises(AccessDenied):
        catalog.campaigns(demo_con, "denver", CMS)
    log = catalog.load_log(demo_con, CMS)
    assert log.empty or set(log["community"].dropna()) <= {"Charlotte Mecklenburg"}
