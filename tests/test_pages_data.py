"""Data page: what is loaded, and which figures are demo data."""
from metrics import catalog
from tests.dashboard_support import CMS, PROGRAM, metrics, open_app, table_with, text


def test_what_is_loaded(demo_path, monkeypatch, demo_con):
    at = open_app(demo_path, monkeypatch, "data", **PROGRAM)
    assert metrics(at)["Communities"][0] == "109"
    assert metrics(at)["School years"][0] == "4"
    # the date of the last load, as the briefing says it
    assert metrics(at)["Data last loaded"][0] == "July 1, 2018"
    counts = table_with(at, "Rows").set_index("Table")
    expected = catalog.table_counts(demo_con).set_index("table")["rows"]
    assert counts.loc["patron", "Rows"] == f"{expected['patron']:,}"
    assert len(counts) == len(expected)
    assert list(table_with(at, "School year (?year=)")["School year (?year=)"]) == ["2014-15", "2015-16", "2016-17", "2017-18"]
    log = table_with(at, "Rows loaded")
    assert log["By"].iloc[0] == "demo generator"


def test_says_which_figures_are_demo_data(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "data", **CMS)
    assert "Every figure in this warehouse is demo data" in text(at)
    communities = table_with(at, "Community")
    assert set(communities["Data"]) == {"demo"}
    assert communities.set_index("Community").loc["Charlotte Mecklenburg", "URL name (?community=)"] == "charlotte-mecklenburg"
