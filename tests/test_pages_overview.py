"""Overview page: the headline tiles and their sentences, for a community, the program and a cohort."""
from metrics import Scope, active_user_rate, formats
from tests.dashboard_support import CMS, COHORT_1, PROGRAM, metrics, open_app, table_with, text


def test_charlotte_mecklenburg_2015_16(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "overview", **CMS)
    tiles = metrics(at)
    assert tiles["Students enrolled"][0] == "147,000"
    assert tiles["Active-user rate"][0] == "84.5%"
    assert tiles["Activation rate"][0] == "88.6%"
    staff = int(tiles["Teacher and staff cards"][0].replace(",", ""))
    assert staff > 18_000
    words = text(at)
    assert "84.5% of enrolled students (124,200) used their card this year, up" in words
    assert "points from 2014-15" in words
    # no teacher cards the year before: no growth is stated from a zero base
    assert f"{staff:,} teachers and staff held a library card, new this year (none in 2014-15)." in words
    assert tiles["Teacher and staff cards"][1] == ""
    assert "Demo data" in words
    # the two rates stand together: one sentence says what each counts
    assert formats.RATES_EXPLAINED in words


def test_the_table_repeats_the_tiles_with_the_year_before(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "overview", **CMS)
    table = table_with(at, "Figure").set_index("Figure")
    assert table.loc["Students enrolled", "2015-16"] == "147,000"
    assert table.loc["Students enrolled", "2014-15"] == "145,824"
    assert table.loc["Students enrolled", "Change from 2014-15"] == "+0.8%"


def test_all_communities_2015_16(demo_path, monkeypatch, demo_con):
    at = open_app(demo_path, monkeypatch, "overview", **PROGRAM)
    expected = active_user_rate(demo_con, Scope("2015-16")).iloc[0]
    tiles = metrics(at)
    assert tiles["Students enrolled"][0] == formats.count(expected["enrolled"]) == "2,007,003"
    assert tiles["Active-user rate"][0] == formats.rate(expected["active_user_rate"])
    assert "All communities · school year 2015-16" in text(at)


def test_cohort_1(demo_path, monkeypatch, demo_con):
    at = open_app(demo_path, monkeypatch, "overview", **COHORT_1)
    expected = active_user_rate(demo_con, Scope("2015-16", cohort=1)).iloc[0]
    assert metrics(at)["Students enrolled"][0] == formats.count(expected["enrolled"]) == "1,447,002"


def test_first_year_has_nothing_to_compare_with(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "overview", community="charlotte-mecklenburg", year="2014-15")
    assert "no figures for 2013-14 to compare with" in text(at)
    assert all(delta == "" for _, delta in metrics(at).values())


def test_cohort_1_leads_with_the_programs_headline(demo_path, monkeypatch):
    # issue 16: new student cards issued in the year (not cards held), communities, students
    # enrolled and reached, the two rates, and the five survey indicators with n = 60
    at = open_app(demo_path, monkeypatch, "overview", **COHORT_1)
    tiles = metrics(at)
    assert tiles["New student cards issued"][0] == "1,167,584"
    assert tiles["Communities"][0] == "60"
    assert tiles["Students reached"][0] == "822,188"
    assert tiles["Activation rate"][0] == "62.1%" and tiles["Active-user rate"][0] == "56.8%"
    assert tiles["Student cards held"][0] == "1,438,274"        # held, below the headline
    words = text(at)
    assert words.index("The program's headline, 2015-16") < words.index("More figures, 2015-16")
    assert "1,447,002 K-12 students were enrolled in cohort 1's school districts" in words
    survey = table_with(at, "Question")
    assert len(survey) == 5 and set(survey["n"]) == {"60"}
    assert survey.set_index("Question").loc["New or expanded relationship with school leaders"].tolist()[1:] == [
        "60", "75.0%", "62.8%", "84.2%"]


def test_the_program_leads_with_both_cohorts_survey(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "overview", **PROGRAM)
    assert metrics(at)["Communities"][0] == "109"
    assert len(table_with(at, "Question")) == 10   # five questions, two cohorts' rounds
    assert "Cohort 2 round one (2017)" in text(at)
