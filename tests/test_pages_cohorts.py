"""Cohorts page: cohort totals, every community, distributions, one community against its
cohort, and the survey indicators with n and intervals."""
from tests.dashboard_support import CMS, PROGRAM, figure_titled, metrics, open_app, table_with


def test_cohort_totals(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "cohorts", **PROGRAM)
    assert metrics(at)["Cohort 1"][0] == "60 communities"
    assert metrics(at)["Cohort 2"][0] == "49 communities"
    totals = table_with(at, "Students reached").set_index("Cohort")
    assert int(totals.loc["1", "New cards"].replace(",", "")) > 1_000_000


def test_every_community_on_one_table(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "cohorts", **PROGRAM)
    table = table_with(at, "Community").set_index("Community")
    assert len(table) == 109
    assert table.loc["Charlotte Mecklenburg", "Activation rate (of enrolled)"] == "88.6%"
    assert table.loc["Charlotte Mecklenburg", "Active-user rate"] == "84.5%"
    assert table.loc["Charlotte Mecklenburg", "Students enrolled"] == "147,000"


def test_survey_indicators_with_n(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "cohorts", **CMS)
    survey = table_with(at, "Question").set_index("Question")
    shares = [round(float(v.rstrip("%"))) for v in survey["Share yes"]]
    assert shares == [75, 72, 58, 53, 43]
    assert set(survey["n"]) == {"60"}
    fig = figure_titled(at, "Survey, Cohort 1 round one (2016)")
    assert fig["data"][0]["error_x"]["type"] == "data"
    assert "<b>75.0%</b> (n = 60)" in [a["text"] for a in fig["layout"]["annotations"]]


def test_community_highlighted_against_its_cohort(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "cohorts", **CMS)
    assert len(table_with(at, "Community")) == 60  # its own cohort's communities
    cmp = table_with(at, "Cohort median").set_index("Measure")
    assert cmp.loc["Activation rate"].tolist() == ["88.6%", "49.2%", "60.0%", "73.8%", "60"]
    dist = figure_titled(at, "Activation rate: cohort 1 and cohort 2 communities")
    assert len([t for t in dist["data"] if t["type"] == "box"]) == 2
    assert any("Charlotte Mecklenburg: 88.6%" in a["text"] for a in dist["layout"]["annotations"])


def test_cohort_2_scope(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "cohorts", cohort="2", year="2016-17")
    assert len(table_with(at, "Community")) == 49
