"""Cohorts page: cohort totals, every community, distributions, one community against its
cohort, and the survey indicators with n and intervals."""
from tests.dashboard_support import CMS, COHORT_1, PROGRAM, figure_titled, metrics, open_app, table_with, text


def test_cohort_totals(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "cohorts", **PROGRAM)
    # issue 16: each cohort's tile leads with its new student cards, not only "60 communities"
    assert metrics(at)["Cohort 1: new student cards"][0] == "1,167,584"
    assert metrics(at)["Cohort 2: new student cards"][0] == "27,636"
    assert "60 communities; 1,447,002 students enrolled, 822,188 of them reached in 2015-16." in text(at)
    assert "49 communities;" in text(at)
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


def test_cohort_1_leads_with_its_headline_and_survey(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "cohorts", **COHORT_1)
    tiles = metrics(at)
    assert tiles["New student cards issued"][0] == "1,167,584"
    assert tiles["Communities"][0] == "60"
    assert tiles["Students reached"][0] == "822,188"
    assert tiles["New or expanded relationship with school leaders"][0] == "75.0%"
    words = text(at)
    assert "Cohort 1's headline, 2015-16" in words
    assert words.count("of n = 60 communities answered yes; 95% interval") == 5
    assert "45 of n = 60 communities answered yes; 95% interval 62.8% to 84.2%." in words


def test_a_community_sees_no_spread_of_fewer_than_five_communities(tmp_path, monkeypatch):
    """Cohort 1 of the disclosure warehouse with c5 and c6 too small to show: 4 communities have
    a figure, so Alpha City's director gets the comparison without the cohort's quartiles."""
    from tests import disclosure_warehouse
    from tests.dashboard_support import write_access_file

    path = disclosure_warehouse.build(tmp_path / "thin.duckdb", small={5: (8, 6), 6: (8, 6)})
    write_access_file(tmp_path / "access.toml", monkeypatch, {"alpha": "alpha-city"})
    at = open_app(path, monkeypatch, "cohorts", session={"user": "alpha", "community": "alpha-city"},
                  community="alpha-city", year="2015-16")
    cmp = table_with(at, "Cohort median").set_index("Measure")
    assert cmp.loc["Activation rate"].tolist() == ["74.9%", "–", "–", "–", "4"]
    assert ("The cohort's spread of the activation rate and active-user rate is shown to program staff only: "
            "fewer than 5 of its communities have a figure.") in text(at)
