"""Activation and active users on the hand-built warehouse (answers worked out by hand)."""
import pandas as pd
import pytest

from metrics import Scope, activation_by_week, activation_rate, active_user_rate, staff_cards

ALPHA = Scope("2015-16", community="alpha-city")
PROGRAM = Scope("2015-16")


def row(df, key):
    return df.set_index("key").loc[key]


def test_activation_rate_for_a_community(small_con):
    r = activation_rate(small_con, ALPHA).iloc[0]
    # enrolled 40 + 30 + 8; cards 36 + 30 + 8; activated s1..s30, s37..s48, t1..t5
    assert (r.enrolled, r.cards, r.activated) == (78, 74, 47)
    assert r.activation_rate == pytest.approx(47 / 78)
    assert r.activation_rate_of_cards == pytest.approx(47 / 74)


def test_activation_by_school_suppresses_the_tiny_charter(small_con):
    df = activation_rate(small_con, ALPHA, by="school")
    north, tiny = row(df, "101"), row(df, "102")
    assert pd.isna(tiny.enrolled) and pd.isna(tiny.activated) and pd.isna(tiny.activation_rate)
    assert set(tiny.suppressed.split(",")) == {"enrolled", "cards", "activated", "activation_rate",
                                               "activation_rate_of_cards"}
    # the community total (78) is shown elsewhere: North's 70 would give the charter's 8 away
    assert pd.isna(north.enrolled) and pd.isna(north.activated)
    assert df["enrolled"].dropna().empty


def test_activation_by_grade_and_school_type(small_con):
    by_grade = activation_rate(small_con, ALPHA, by="grade")
    assert row(by_grade, "03").activated == 30 and row(by_grade, "03").enrolled == 40
    assert row(by_grade, "03").activation_rate == pytest.approx(0.75)
    # grade 7 (8 enrolled, 5 activated) is hidden, and grade 4, the next smallest, with it
    assert pd.isna(row(by_grade, "07").enrolled) and pd.isna(row(by_grade, "04").enrolled)
    assert pd.isna(row(by_grade, "04").activated)
    by_type = activation_rate(small_con, ALPHA, by="school_type")
    assert pd.isna(row(by_type, "district").activation_rate) and pd.isna(row(by_type, "charter").activation_rate)
    program_by_type = activation_rate(small_con, PROGRAM, by="school_type")
    assert program_by_type["activation_rate"].isna().all()     # 120 district = total - charter


def test_activation_by_cohort_and_community(small_con):
    by_cohort = activation_rate(small_con, PROGRAM, by="cohort")
    assert row(by_cohort, "1").activated == 47 and row(by_cohort, "2").activated == 25
    by_community = activation_rate(small_con, PROGRAM, by="community")
    assert row(by_community, "beta-county").activation_rate == pytest.approx(0.5)


def test_active_user_rate(small_con):
    r = active_user_rate(small_con, ALPHA).iloc[0]
    # active this year: s1..s5, s11..s30, s37..s48, t1..t5 (s6..s10 only used it last year)
    assert (r.enrolled, r.active) == (78, 42)
    assert r.active_user_rate == pytest.approx(42 / 78)
    program = active_user_rate(small_con, PROGRAM).iloc[0]
    assert (program.enrolled, program.active) == (128, 67)


def test_filters_narrow_to_a_school_and_grade(small_con):
    r = activation_rate(small_con, Scope("2015-16", community="alpha-city", school_id=101, grade=3)).iloc[0]
    assert (r.enrolled, r.cards, r.activated) == (40, 36, 30)


def test_activation_by_week_is_cumulative_from_the_start_of_year(small_con):
    df = activation_by_week(small_con, ALPHA)
    this = df[df.school_year == "2015-16"].set_index("week_start")["activated"]
    assert this[pd.Timestamp("2015-09-14")] == 20   # 10 before the year + 10 that week
    assert this[pd.Timestamp("2015-12-07")] == 30
    assert this[pd.Timestamp("2016-01-11")] == 42
    assert this[pd.Timestamp("2016-02-01")] == 47
    assert this.is_monotonic_increasing
    assert df[df.school_year == "2015-16"]["enrolled"].eq(78).all()


def test_staff_cards_suppress_small_counts(small_con):
    df = staff_cards(small_con, ALPHA).set_index("patron_type")
    assert df.loc["teacher", "cards"] == 12
    assert pd.isna(df.loc["teacher", "active"])            # 6 teachers used it: "<10"
    assert pd.isna(df.loc["staff", "cards"])               # 3 staff cards: "<10"


def test_unknown_breakdown_is_refused(small_con):
    with pytest.raises(ValueError, match="breakdown 'zip' is not one of"):
        activation_rate(small_con, ALPHA, by="zip")


def test_activation_against_months_since_launch(small_con):
    from metrics import activation_since_launch
    df = activation_since_launch(small_con, ALPHA).set_index("months")
    # launch 2015-08-20; 10 students activated before it; then weeks of 09-14, 12-07, 01-11, 02-01
    assert [df.loc[m, "activated"] for m in (0, 1, 4, 5, 6)] == [10, 20, 30, 42, 47]
    assert df.loc[5, "activation_rate"] == pytest.approx(42 / 78)
    assert df.index.max() == 10        # 2016-06-20; later marks fall outside the loaded years
