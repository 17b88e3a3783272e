"""Who needs help, the page: on the hand-built warehouse of tests/needs_help_warehouse.py for
program staff and for one community's user, and on the demo."""
import pytest
from streamlit.testing.v1 import AppTest

from tests import needs_help_warehouse
from tests.dashboard_support import PROGRAM, ROOT, open_app, sign_in, text, write_access_file


@pytest.fixture(scope="module")
def nh_path(tmp_path_factory):
    return needs_help_warehouse.build(tmp_path_factory.mktemp("nh-page") / "warehouse.duckdb")


def signed_in(path, monkeypatch, tmp_path, user, community=None, **params):
    monkeypatch.setenv("LCC_WAREHOUSE", str(path))
    write_access_file(tmp_path / "access.toml", monkeypatch, {user: community})
    monkeypatch.setenv("LCC_AUDIT_LOG", str(tmp_path / "audit.log"))
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180), user, community)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/needs_help.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def table_markdown(at) -> str:
    return next(m.value for m in at.markdown if str(m.value).startswith("| Community |"))


def test_program_staff_see_every_flagged_community_with_reasons_and_links(nh_path, monkeypatch, tmp_path):
    at = signed_in(nh_path, monkeypatch, tmp_path, "ops", year="2015-16")
    assert "4 of 6 communities stand out, 2015-16" in text(at)
    rows = table_markdown(at).splitlines()[2:]
    assert [r.split("](")[0].lstrip("| [") for r in rows] == ["Eske", "Dent", "Cray", "Bly"]   # most reasons first
    assert rows[0].startswith("| [Eske](/overview?community=eske&year=2015-16) | 1 | 20.0% | 20.0% | 40.0% |")
    assert "Behind its 2015-16 target\\: activation rate 70.0% against 90.0% (20.0 points short)." in rows[3]
    keys = [b.key for b in at.get("download_button")]
    assert "needs-help-csv" in keys and "needs-help-xlsx" in keys
    # sorted by name, then only cohort 2 (where nothing stands out)
    at.selectbox(key="nh_sort").set_value("name").run()
    assert [r.split("](")[0].lstrip("| [") for r in table_markdown(at).splitlines()[2:]] == ["Bly", "Cray", "Dent", "Eske"]
    at.selectbox(key="nh_cohort").set_value(2).run()
    assert "0 of 1 communities stand out, 2015-16" in text(at)
    at.selectbox(key="nh_cohort").set_value("all").run()
    at.multiselect(key="nh_reasons").set_value(["stale"]).run()
    assert [r.split("](")[0].lstrip("| [") for r in table_markdown(at).splitlines()[2:]] == ["Cray"]


def test_a_community_user_sees_only_whether_their_own_is_flagged(nh_path, monkeypatch, tmp_path):
    at = signed_in(nh_path, monkeypatch, tmp_path, "eske", "eske", year="2015-16")
    shown = "\n".join(str(e.value) for kind in ("markdown", "warning", "success", "header", "caption", "info")
                      for e in getattr(at, kind))
    assert "Your community stands out this year." in shown
    assert "Below cohort 1's lower quartile" in shown and "Falling from 2014-15" in shown
    for other in ("Avon", "Bly", "Cray", "Dent", "Fenn"):
        assert other not in shown
    assert not [b for b in at.get("download_button") if b.key.startswith("needs-help")]


def test_the_demo_program_lists_communities_with_reasons(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "needs_help", **PROGRAM)
    rows = table_markdown(at).splitlines()[2:]
    assert len(rows) >= 10
    assert all("/overview?community=" in r and "&year=2015-16)" in r for r in rows)
    assert all("Below cohort" in r or "Falling" in r or "target" in r or "No data" in r for r in rows)


def test_the_overview_shows_targets_against_actuals_and_why_it_stands_out(nh_path, monkeypatch, tmp_path):
    monkeypatch.setenv("LCC_WAREHOUSE", str(nh_path))
    write_access_file(tmp_path / "access.toml", monkeypatch, {"ops": None})
    monkeypatch.setenv("LCC_AUDIT_LOG", str(tmp_path / "audit.log"))
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180), "ops")
    at.query_params["community"], at.query_params["year"] = "bly", "2015-16"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    from tests.dashboard_support import table_with
    targets = table_with(at, "Target 2015-16").set_index("Figure")
    assert targets.loc["Activation rate"].tolist() == ["90.0%", "70.0%", "-20.0 pts", "behind target"]
    assert "Bly stands out in 2015-16." in at.warning[0].value if at.warning else False
    assert "Bly: 1 district school with students enrolled in 2015-16." in text(at).replace("**", "")
    trend = [f for f in (__import__("json").loads(c.proto.spec) for c in at.get("plotly_chart"))
             if "every school year" in f["layout"]["title"]["text"]]
    assert len(trend) == 2
    assert trend[0]["layout"]["xaxis"]["title"]["text"] == "School year (July to June)"
