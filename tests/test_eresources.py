"""E-resource usage on the hand-built warehouse."""
import pandas as pd
import pytest

from metrics import Scope, eresource_growth, eresource_per_active_student, eresource_usage_by_month

ALPHA = Scope("2015-16", community="alpha-city")


def test_growth_per_platform_and_metric(small_con):
    df = eresource_growth(small_con, ALPHA).set_index(["platform", "metric_type"])
    tumble = df.loc[("TumbleBooks", "Total_Item_Requests")]
    assert (tumble.usage, tumble.prior_usage) == (1100, 100)
    assert tumble.growth == pytest.approx(10.0)
    assert pd.isna(df.loc[("BookFlix", "Searches_Regular"), "growth"])   # nothing the year before


def test_report_types_are_never_added(small_con):
    df = eresource_growth(small_con, ALPHA, metric_type="Total_Item_Requests").set_index("platform")
    assert df.loc["World Book Online", "usage"] == 200   # PR and DR both say 200: not 400


def test_usage_by_month(small_con):
    df = eresource_usage_by_month(small_con, ALPHA)
    sep = df[(df.month == pd.Timestamp("2015-09-01")) & (df.platform == "TumbleBooks")]
    assert sep.usage.iloc[0] == 1100


def test_usage_per_active_student(small_con):
    r = eresource_per_active_student(small_con, ALPHA).iloc[0]
    assert (r.usage, r.active) == (1300, 42)
    assert r.per_student == pytest.approx(1300 / 42)
