"""Circulation page: monthly lines, growth with the detail breakdown, hotspots, per student."""
from tests.dashboard_support import CMS, PROGRAM, figure_titled, metrics, open_app, table_with, write_access_file

ROW = "juvenile non-fiction e-book · OverDrive"


def test_juvenile_non_fiction_e_books_on_overdrive_grew_110_percent(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "circulation", **CMS)
    growth = table_with(at, "Audience, fiction, format and platform").set_index("Audience, fiction, format and platform")
    assert growth.loc[ROW].tolist() == ["84,000", "40,000", "+110.0%"]
    # the published row leads its breakdown
    bars_order = figure_titled(at, "Circulation growth by audience, fiction, format and platform")["data"][0]["y"]
    assert bars_order[0].replace("<br>", " ") == ROW
    bars = figure_titled(at, "Circulation growth by audience, fiction, format and platform")["data"][0]
    assert "+110.0%" in bars["text"]


def test_the_same_row_through_the_filters(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "circulation", **CMS)
    at.selectbox(key="circ_growth_by").set_value("format")
    at.selectbox(key="circ_filter_audience").set_value("juvenile")
    at.selectbox(key="circ_filter_fiction").set_value("non-fiction")
    at.selectbox(key="circ_filter_platform").set_value("OverDrive").run()
    growth = table_with(at, "Format").set_index("Format")
    assert growth.loc["e-book", "Change from year before"] == "+110.0%"


def test_monthly_lines_follow_the_breakdown(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "circulation", **CMS)
    fig = figure_titled(at, "Monthly circulation by format")
    assert {t["name"] for t in fig["data"]} >= {"print", "e-book", "e-audiobook"}
    at.segmented_control(key="circ_month_by").set_value("platform").run()
    fig = figure_titled(at, "Monthly circulation by platform")
    assert {t["name"] for t in fig["data"]} == {"Library catalog (ILS)", "OverDrive", "hoopla"}
    assert fig["layout"]["yaxis"]["title"]["text"] == "Checkouts and renewals per month"


def test_hotspots_and_per_student(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "circulation", **CMS)
    hotspots = table_with(at, "Hotspot loans").set_index("School year")
    assert hotspots.loc["2015-16"].tolist() == ["1,556", "762"]
    assert metrics(at)["Circulation per student, 2015-16"][0] == "39.74"
    assert metrics(at)["Circulation, 2015-16"] == ("5,842,232", "+8.9%")


def test_all_communities(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "circulation", **PROGRAM)
    assert metrics(at)["Circulation, 2015-16"][0] == "42,939,629"
    growth = table_with(at, "Audience, fiction, format and platform")
    assert ROW in set(growth["Audience, fiction, format and platform"])


def test_small_counts_show_as_under_ten(tmp_path, monkeypatch):
    # The demo's library-wide circulation has no small cells; the hand-built warehouse has.
    from tests import small_warehouse
    path = small_warehouse.build(tmp_path / "small.duckdb")
    write_access_file(tmp_path / "access.toml", monkeypatch)   # real data: signed in
    at = open_app(path, monkeypatch, "circulation", session={}, community="alpha-city", year="2015-16")
    growth = table_with(at, "Audience, fiction, format and platform").set_index("Audience, fiction, format and platform")
    assert growth.loc["juvenile fiction print · Library catalog (ILS)", "Circulation 2015-16"] == "<10"
    # 25 is no small count: "suppressed" because hiding it protects the small cell of the same
    # cross-tab (metrics.disclosure decides over every table at once), never "<10"; 12 is shown
    pair = (growth.loc["juvenile non-fiction e-book · OverDrive", "Circulation 2015-16"],
            growth.loc["young adult n/a hotspot · Library catalog (ILS)", "Circulation 2015-16"])
    assert pair in (("suppressed", "12"), ("25", "suppressed"))
