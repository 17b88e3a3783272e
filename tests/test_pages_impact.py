"""Campaign impact page: each campaign with its estimate or a plain "no clear lift", the
comparison group (named to program staff only) and the event-study chart."""
from tests.dashboard_support import CMS, figure_titled, open_app, values
from tests.dashboard_support import text as page_text


def text(at) -> str:
    """The page's text with its success boxes (where a clear lift is stated)."""
    return page_text(at) + "\n" + "\n".join(str(e.value) for e in at.success)


def test_the_december_challenge_with_its_estimate_and_chart(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "impact", **CMS)
    shown = text(at)
    assert "Superintendent's activation challenge, Charlotte Mecklenburg" in shown
    assert "From Dec. 1, 2015 to June 10, 2016." in shown
    assert "Monthly active users rose " in shown and "compared with 49 similar communities without one" in shown
    assert "Monthly new activations rose " in shown   # on the merged demo both lifts are clear
    assert "49 communities with no campaign and no card launch from Sept. 2015 to May 2016" in shown
    fig = figure_titled(at, "Superintendent's activation challenge: difference from the comparison communities")
    assert {t["name"] for t in fig["data"]} == {"Monthly new activations", "Monthly active users"}
    assert fig["layout"]["xaxis"]["title"]["text"].startswith("Months since the campaign started")
    assert fig["layout"]["yaxis"]["title"]["text"] == "Difference from comparison communities (%)"
    xs = [round(x) for x in values(fig["data"][0], "x")]
    assert min(xs) < -1 and max(xs) >= 3        # months before (the check) and after


def test_program_staff_see_every_campaign_and_the_comparison_names(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "impact", year="2016-17")
    shown = text(at)
    assert "Principals' read-a-thon, Meadow Valley" in shown
    assert "No clear lift in monthly new activations" in shown
    assert [e for e in at.expander if e.label == "The comparison communities"]


def test_a_community_viewer_gets_no_names(demo_path, monkeypatch, tmp_path):
    from tests.dashboard_support import write_access_file
    write_access_file(tmp_path / "access.toml", monkeypatch, {"ops": None, "clt": "charlotte-mecklenburg"})
    at = open_app(demo_path, monkeypatch, "impact", session={"user": "clt", "community": "charlotte-mecklenburg"},
                  **CMS)
    assert "Monthly active users rose " in text(at)
    assert not [e for e in at.expander if e.label == "The comparison communities"]
    assert "Kansas City" not in text(at)
