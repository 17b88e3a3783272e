"""Chart builders: titles, axis titles with units, readable numbers, labels that do not overlap."""
import pandas as pd
import pytest

import charts
from charts import style
from metrics import Scope, activation_by_week, circulation_growth, community_table, eresource_growth, survey_indicators
from metrics.catalog import campaigns

CMS = Scope("2015-16", community="charlotte-mecklenburg")


def titled(fig) -> None:
    """Every chart has a title and both axes titled."""
    assert fig.layout.title.text
    assert fig.layout.xaxis.title.text or fig.layout.xaxis.visible is False
    assert fig.layout.yaxis.title.text is not None


def test_activation_curve_marks_campaigns_on_separate_rows(demo_con):
    weekly = activation_by_week(demo_con, CMS)
    fig = charts.activation_curve(weekly, campaigns(demo_con, "charlotte-mecklenburg"), "2015-16", "2014-15")
    titled(fig)
    assert fig.layout.yaxis.title.text == "Students activated (% of enrolled)"
    assert fig.layout.yaxis.tickformat == ".0%"
    assert "%{y:.1%}" in fig.data[-1].hovertemplate
    labels = sorted(fig.layout.annotations, key=lambda a: pd.Timestamp(a.x))
    assert [a.text.split(":")[0] for a in labels] == ["Aug. 24, 2015", "Dec. 1, 2015", "Jan. 11, 2016"]
    # 1 Dec and 11 Jan are six weeks apart: their labels must sit on different rows
    assert len({a.y for a in labels}) == 3
    # the prior year is moved onto this year's calendar
    prior = fig.data[0]
    assert pd.Timestamp(prior.x[0]) == pd.Timestamp(weekly["week_start"].iloc[0]) + pd.Timedelta(weeks=52)


def test_activation_curve_without_data_says_so():
    empty = pd.DataFrame(columns=["school_year", "week_start", "week", "activated", "enrolled", "activation_rate"])
    fig = charts.activation_curve(empty, None, "2015-16", "2014-15")
    assert "No activation figures for 2015-16." in fig.layout.annotations[0].text


def test_rate_bars_write_percentages_with_one_decimal():
    df = pd.DataFrame({"label": ["District", "Charter"], "enrolled": [1000, 50], "activation_rate": [0.88172, 0.5]})
    fig = charts.rate_bars(df, "activation_rate", "Activation by school type", "School type", "Activated (%)")
    titled(fig)
    assert list(fig.data[0].text) == ["88.2%", "50.0%"]


def test_growth_bars_leave_out_growth_from_a_zero_base(demo_con):
    df = circulation_growth(demo_con, CMS, by="detail")
    fig = charts.growth_bars(df, "2015-16", "2014-15", "Detail")
    titled(fig)
    y = [label.replace("<br>", " ") for label in fig.data[0].y]
    assert "+110.0%" == fig.data[0].text[y.index("juvenile non-fiction e-book · OverDrive")]
    assert not any("hotspot" in label for label in y)  # no hotspot loans in 2014-15
    assert fig.layout.xaxis.tickformat == "+,.0%"


def test_monthly_lines_have_thousands_separators():
    df = pd.DataFrame({"month": pd.to_datetime(["2015-07-01", "2015-08-01"]), "school_year": "2015-16",
                       "label": "print", "circulation": [12000, 15000]})
    fig = charts.monthly_lines(df, "2015-16", "2014-15", "Format")
    titled(fig)
    assert fig.layout.yaxis.tickformat == ",.0f"
    assert fig.layout.yaxis.title.text == "Checkouts and renewals per month"


def test_hotspot_bars_show_suppressed_counts_as_under_ten():
    df = pd.DataFrame({"school_year": ["2014-15", "2015-16"], "loans": pd.array([pd.NA, 1529], dtype="Int64"),
                       "borrowers": pd.array([pd.NA, 747], dtype="Int64")})
    fig = charts.hotspot_bars(df)
    assert list(fig.data[0].text) == ["<10", "1,529"]


def test_eresource_year_on_year_shows_the_tenfold_jump(demo_con):
    df = eresource_growth(demo_con, CMS)
    fig = charts.year_on_year(df, "Total_Item_Requests", "2015-16", "2014-15")
    titled(fig)
    assert "<b>+1,031.0%</b>" in [a.text for a in fig.layout.annotations]
    assert list(fig.data[1].text) == ["514,030", "47,500", "62,707"]


@pytest.mark.parametrize("metric", ["activation_rate", "active_user_rate", "circulation_growth"])
def test_distribution_highlights_a_community(demo_con, metric):
    table = community_table(demo_con, Scope("2015-16"))
    fig = charts.distribution(table, metric, "charlotte-mecklenburg")
    titled(fig)
    assert [t.type for t in fig.data] == ["box", "box", "scatter"]
    assert fig.layout.annotations[0].text.startswith("<b>Charlotte Mecklenburg: ")


def test_comparison_has_a_panel_per_measure(demo_con):
    from metrics import cohort_comparison
    fig = charts.comparison(cohort_comparison(demo_con, CMS), "Charlotte Mecklenburg")
    assert [a.text for a in fig.layout.annotations][:3] == [
        "Activation rate (n = 60 communities)", "Active-user rate (n = 60 communities)",
        "Circulation growth (n = 60 communities)"]


def test_survey_labels_sit_past_the_interval(demo_con):
    df = survey_indicators(demo_con, CMS)
    fig = charts.survey(df, df["wave"].iloc[0])
    titled(fig)
    for a in fig.layout.annotations:
        row = df[[label.replace("<br>", " ") == a.y.replace("<br>", " ") for label in df["question"]]].iloc[0]
        assert a.x == pytest.approx(row["ci_high"])  # placed at the upper whisker, shifted right
        assert f"(n = {row['n']})" in a.text
    assert sorted(round(float(a.text[3:7])) for a in fig.layout.annotations) == [43, 53, 58, 72, 75]


def test_long_labels_wrap():
    assert style.wrap("New or expanded relationship with elected officials", 30).count("<br>") == 1
    assert style.shorten("x" * 50, 10) == "xxxxxxxxx…"


def test_comparison_leaves_out_a_measure_without_figures(demo_con):
    from metrics import cohort_comparison
    cmp = cohort_comparison(demo_con, Scope("2014-15", community="charlotte-mecklenburg"))
    assert pd.isna(cmp.set_index("metric").loc["circulation_growth", "median"])   # 2013-14 is not loaded
    fig = charts.comparison(cmp, "Charlotte Mecklenburg")
    assert [a.text for a in fig.layout.annotations] == ["Activation rate (n = 60 communities)",
                                                         "Active-user rate (n = 60 communities)"]
