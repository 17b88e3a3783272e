"""E-resources page: usage per platform and COUNTER metric, and growth on the year before."""
from tests.dashboard_support import CMS, PROGRAM, figure_titled, open_app, table_with, text


def growth_of(at, platform, metric="Total_Item_Requests") -> float:
    table = table_with(at, "COUNTER name")
    row = table[(table["Platform"] == platform) & (table["COUNTER name"] == metric)].iloc[0]
    return float(row["Change from year before"].rstrip("%").replace(",", ""))


def test_tumblebooks_more_than_tenfold_in_charlotte_mecklenburg(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "eresources", **CMS)
    table = table_with(at, "COUNTER name")
    row = table[(table["Platform"] == "TumbleBooks") & (table["COUNTER name"] == "Total_Item_Requests")].iloc[0]
    # the measure in plain words, the standard COUNTER name beside it
    assert row.tolist() == ["TumbleBooks", "Total item requests", "47,500", "4,200", "+1,031.0%", "Total_Item_Requests"]
    assert growth_of(at, "TumbleBooks") > 900
    assert "TumbleBooks: 4,200 → 47,500 total item requests, +1,031.0%: 11.3 times the year before." in text(at)
    fig = figure_titled(at, "Total item requests: 2015-16 against 2014-15")
    assert "<b>+1,031.0%</b>" in [a["text"] for a in fig["layout"]["annotations"]]


def test_monthly_usage_by_platform_and_metric(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "eresources", **CMS)
    fig = figure_titled(at, "Total item requests per month by platform")
    assert {t["name"] for t in fig["data"]} == {"OverDrive", "TumbleBooks", "World Book Online"}
    at.selectbox(key="eres_metric").set_value("Unique_Item_Requests").run()
    fig = figure_titled(at, "Unique item requests per month by platform")
    assert {t["name"] for t in fig["data"]} == {"OverDrive", "TumbleBooks"}


def test_all_communities(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "eresources", **PROGRAM)
    # program-wide TumbleBooks grows several times over as communities launch (cohort 2 in 2016-17)
    assert growth_of(at, "TumbleBooks") > 300
    assert growth_of(at, "OverDrive") != growth_of(at, "World Book Online")
    assert not at.exception
