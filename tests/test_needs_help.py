"""Who needs help (metrics.needs_help) on tests/needs_help_warehouse.py, answers worked out by
hand there: cohort 1's lower quartile in 2015-16 is 50.0% (20, 50, 60, 70, 80%)."""
import pytest

from metrics import Scope
from metrics.access import AccessDenied, Viewer
from metrics.needs_help import needs_help
from metrics.targets import target_progress
from tests import needs_help_warehouse
from warehouse import store

YEAR = "2015-16"


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = needs_help_warehouse.build(tmp_path_factory.mktemp("needs-help") / "warehouse.duckdb")
    con = store.open_readonly(path)
    yield con
    con.close()


@pytest.fixture(scope="module")
def flagged(con):
    return needs_help(con, Scope(YEAR)).set_index("key")


def test_who_is_flagged_and_who_is_not(flagged):
    # Avon (80%, on its 75% target) and Fenn (cohort 2, 90% both years) stand out for nothing;
    # Dent sits exactly on the lower quartile (50.0%), which is not below it.
    assert sorted(flagged.index) == ["bly", "cray", "dent", "eske"]
    assert flagged.index[0] == "eske"            # most reasons first


def test_below_the_lower_quartile_and_falling_two_reasons(flagged):
    eske = flagged.loc["eske"]
    assert eske["flags"].split(",") == ["below_q1", "falling"] and eske["n_reasons"] == 2
    assert eske["reasons"] == (
        "Below cohort 1's lower quartile: activation rate 20.0% (quartile 50.0%), active-user rate 20.0% "
        "(quartile 50.0%). Falling from 2014-15: activation rate 40.0% to 20.0% (down 20.0 points), "
        "active-user rate 40.0% to 20.0% (down 20.0 points).")


def test_falling_against_the_year_before(flagged):
    dent = flagged.loc["dent"]
    assert dent["flags"] == "falling"
    assert "activation rate 75.0% to 50.0% (down 25.0 points)" in dent["reasons"]
    assert "quartile" not in dent["reasons"]


def test_behind_the_target_entered_for_it(con, flagged):
    bly = flagged.loc["bly"]
    assert bly["flags"] == "behind_target"
    assert bly["reasons"] == "Behind its 2015-16 target: activation rate 70.0% against 90.0% (20.0 points short)."
    avon = target_progress(con, Scope(YEAR, community="avon")).iloc[0]
    assert (avon["target"], avon["actual"], round(avon["gap"], 3), bool(avon["met"])) == (0.75, 0.80, 0.05, True)


def test_no_data_for_the_latest_months(flagged):
    cray = flagged.loc["cray"]
    assert cray["flags"] == "stale"
    assert cray["reasons"] == ("No data loaded after September 2015 (card activity, circulation, e-resource use); "
                               "the program's data runs through May 2016.")


def test_filtered_by_cohort(con):
    assert needs_help(con, Scope(YEAR, cohort=2)).empty
    assert sorted(needs_help(con, Scope(YEAR, cohort=1))["key"]) == ["bly", "cray", "dent", "eske"]


def test_a_community_viewer_sees_only_its_own_community(con):
    eske = Viewer("eske-director", "community", "eske")
    own = needs_help(con, Scope(YEAR, community="eske", viewer=eske))
    assert own["key"].tolist() == ["eske"] and own["flags"].iloc[0] == "below_q1,falling"
    for other in ("Avon", "Bly", "Cray", "Dent", "Fenn"):
        assert other not in own.to_string()
    avon = Viewer("avon-director", "community", "avon")
    assert needs_help(con, Scope(YEAR, community="avon", viewer=avon)).empty   # not flagged
    with pytest.raises(AccessDenied):
        needs_help(con, Scope(YEAR, cohort=1, viewer=eske))
    with pytest.raises(AccessDenied):
        needs_help(con, Scope(YEAR, community="bly", viewer=eske))


def test_the_briefing_states_targets_against_actuals(con):
    from briefing import content
    b = content.build(con, Scope(YEAR, community="bly"))
    assert "Against its 2015-16 targets: activation rate 70.0% against a target of 90.0% (20.0 points short)." in b.sentences
    avon = content.build(con, Scope(YEAR, community="avon"))
    assert ("Against its 2015-16 targets: activation rate 80.0% against a target of 75.0% (5.0 points above it)."
            in avon.sentences)
    assert not any("target" in s for s in content.build(con, Scope(YEAR, community="fenn")).sentences)
