"""Activation page: the curve with campaign marks, schools lagging first, grades, school types."""
import pandas as pd

from tests.dashboard_support import CMS, COHORT_1, PROGRAM, figure_titled, open_app, table_with, tables, text, values


def test_curve_against_the_year_before_with_the_december_challenge(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "activation", **CMS)
    fig = figure_titled(at, "Cumulative activation through 2015-16, against 2014-15")
    assert {t["name"] for t in fig["data"]} == {"2015-16", "2014-15 (same weeks a year earlier)"}
    this_year = next(t for t in fig["data"] if t["name"] == "2015-16")
    assert round(values(this_year, "y")[-1], 3) == 0.886
    labels = [a for a in fig["layout"]["annotations"] if "activation challenge" in a["text"]]
    assert labels and labels[0]["text"].startswith("Dec. 1, 2015: Superintendent")
    assert pd.Timestamp(labels[0]["x"]) == pd.Timestamp("2015-12-01")
    assert "Dec. 1, 2015, Superintendent's activation challenge" in text(at)


def test_schools_lagging_first(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "activation", **CMS)
    schools = table_with(at, "School")
    rates = schools["Activation rate (of enrolled)"].str.rstrip("%").astype(float)
    assert rates.is_monotonic_increasing
    assert len(schools) == 170


def test_by_grade_and_school_type(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "activation", **CMS)
    grades = table_with(at, "Grade")
    assert grades["Grade"].iloc[0] == "Kindergarten" and len(grades) == 13
    assert grades.set_index("Grade").loc["Kindergarten", "Activation rate (of enrolled)"] == "83.6%"
    assert table_with(at, "School type").set_index("School type").loc["District", "Activation rate"] == "88.6%"
    assert set(table_with(at, "Title I status")["Title I status"]) == {"Title I schools", "Other schools"}
    # one bar in 2015-16, and the page says why
    assert "Only district schools had students enrolled in 2015-16; charter schools join in 2016-17." in text(at)


def test_says_why_the_line_does_not_start_at_zero(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "activation", **CMS)
    words = text(at)
    assert "The 2015-16 line starts at " in words and "cards used in an earlier year count as activated" in words
    assert "active-user rate counts only those who used it during this school year" in words


def test_charter_school_shows_once_it_has_joined(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "activation", community="charlotte-mecklenburg", year="2016-17")
    types = table_with(at, "School type").set_index("School type")
    assert types.loc["Charter", "Students enrolled"] == "1,500"


def test_program_and_cohort_list_communities_lagging_first(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "activation", **PROGRAM)
    assert len(table_with(at, "Community")) == 109
    at = open_app(demo_path, monkeypatch, "activation", **COHORT_1)
    communities = table_with(at, "Community")
    assert len(communities) == 60
    assert communities["Activation rate (of enrolled)"].str.rstrip("%").astype(float).is_monotonic_increasing



def test_schools_side_by_side_over_every_year(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "activation", **CMS)
    lagging = table_with(at, "School")["School"].head(2).tolist()
    picked = at.multiselect(key="compare_schools")
    assert len(picked.value) == 2                       # the two lagging schools to begin with
    table = next(t for t in tables(at) if {"School", "School year"} <= set(t.columns))
    assert sorted(set(table["School year"])) == ["2014-15", "2015-16", "2016-17", "2017-18"]
    assert sorted(set(table["School"])) == sorted(lagging)
    fig = figure_titled(at, "Activation rate by school, every school year: Charlotte Mecklenburg")
    assert sorted(t["name"] for t in fig["data"]) == sorted(lagging)
    assert fig["layout"]["yaxis"]["title"]["text"] == "Students activated (% of enrolled)"
    assert fig["layout"]["xaxis"]["title"]["text"] == "School year (July to June)"
    picked.set_value([*picked.value, next(o for o in picked.options if o not in picked.value)]).run()
    fig = figure_titled(at, "Active-user rate by school, every school year: Charlotte Mecklenburg")
    assert len(fig["data"]) == 3


def test_by_grade_every_school_year(demo_path, monkeypatch, demo_con):
    from metrics import Scope, activation_rate, formats
    at = open_app(demo_path, monkeypatch, "activation", **COHORT_1)
    grid = table_with(at, "2017-18").set_index("Grade")
    assert list(grid.columns) == ["2014-15", "2015-16", "2016-17", "2017-18"]
    for year in ("2015-16", "2017-18"):
        grade3 = activation_rate(demo_con, Scope(year, cohort=1), by="grade").set_index("label").loc["Grade 3"]
        assert grid.loc["Grade 3", year] == formats.rate(grade3["activation_rate"])
