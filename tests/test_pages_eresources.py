"""E-resources page: usage per platform and COUNTER metric, and growth on the year before."""
from tests.dashboard_support import CMS, PROGRAM, figure_titled, open_app, table_with, text


def growth_of(at, platform, metric="Total_Item_Requests") -> float:
    table = table_with(at, "COUNTER metric")
    row = table[(table["Platform"] == platform) & (table["COUNTER metric"] == metric)].iloc[0]
    return float(row["Change on year before"].rstrip(" %").replace(",", ""))


def test_tumblebooks_more_than_tenfold_in_charlotte_mecklenburg(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "eresources", **CMS)
    table = table_with(at, "COUNTER metric")
    row = table[(table["Platform"] == "TumbleBooks") & (table["COUNTER metric"] == "Total_Item_Requests")].iloc[0]
    assert row.tolist() == ["TumbleBooks", "Total_Item_Requests", "47,500", "4,200", "+1,031.0 %"]
    assert growth_of(at, "TumbleBooks") > 900
    assert "TumbleBooks: 4,200 → 47,500 Total_Item_Requests, +1,031.0 %: 11.3 times the year before." in text(at)
    fig = figure_titled(at, "Total Item Requests: 2015-16 against 2014-15")
    assert "<b>+1,031.0 %</b>" in [a["text"] for a in fig["layout"]["annotations"]]


def test_monthly_usage_by_platform_and_metric(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "eresources", **CMS)
    fig = figure_titled(at, "Total Item Requests per month by platform")
    assert {t["name"] for t in fig["data"]} == {"OverDrive", "TumbleBooks", "World Book Online"}
    at.selectbox(key="eres_metric").set_value("Unique_Item_Requests").run()
    fig = figure_titled(at, "Unique Item Requests per month by platform")
    assert {t["name"] for t in fig["data"]} == {"OverDrive", "TumbleBooks"}


def test_all_communities(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "eresources", **PROGRAM)
    assert growth_of(at, "TumbleBooks") > 900
    assert not at.exception
