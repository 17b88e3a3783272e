"""Community table, cohort comparison and cohort totals on the hand-built warehouse."""
import pytest

from metrics import Scope, cohort_comparison, cohort_totals, community_table


def test_community_table(small_con):
    df = community_table(small_con, Scope("2015-16")).set_index("key")
    assert df.loc["alpha-city", "activation_rate"] == pytest.approx(47 / 78)
    assert df.loc["beta-county", "active_user_rate"] == pytest.approx(25 / 50)
    assert df.loc["alpha-city", "circulation_growth"] == pytest.approx(3.2)
    assert df.loc["beta-county", "cohort"] == 2


def test_cohort_totals(small_con):
    df = cohort_totals(small_con, Scope("2015-16")).set_index("cohort")
    # new student cards in 2015-16: s11..s66 and t1..t8 (s1..s10 date from January 2015)
    assert (df.loc[1, "communities"], df.loc[1, "new_cards"], df.loc[1, "students_reached"]) == (1, 64, 42)
    assert (df.loc[2, "new_cards"], df.loc[2, "students_reached"]) == (50, 25)


def test_cohort_comparison_of_a_single_community_cohort(small_con):
    df = cohort_comparison(small_con, Scope("2015-16", community="alpha-city")).set_index("metric")
    r = df.loc["activation_rate"]
    assert r["value"] == pytest.approx(47 / 78) and r["median"] == pytest.approx(47 / 78) and r["n"] == 1


def test_cohort_comparison_needs_a_community(small_con):
    with pytest.raises(ValueError, match="needs one community"):
        cohort_comparison(small_con, Scope("2015-16", cohort=1))
