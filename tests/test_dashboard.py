"""The dashboard as a whole: navigation, the scope and year in the URL, bad parameters."""
import pytest

from tests.dashboard_support import CMS, PROGRAM, ROOT, metrics, open_app, text

PAGES = ["overview", "activation", "impact", "circulation", "eresources", "cohorts", "needs_help", "data"]


def test_bare_address_opens_the_overview_of_the_whole_program_for_the_latest_year(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch)
    assert at.title[0].value == "Overview"
    assert "All communities · school year 2017-18" in text(at)
    assert at.query_params == {"year": "2017-18"}
    assert not at.warning


def test_the_menu_lists_every_page_and_carries_the_query_parameters(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, **CMS)
    links = at.sidebar.get("page_link")
    # issue 16: "Who needs help" follows Cohorts
    expected = ["Overview", "Activation", "Campaign impact", "Circulation", "E-resources", "Cohorts", "Who needs help",
                "Data"]
    if (ROOT / "pages/briefing.py").exists():
        expected.insert(7, "Briefing")
    if (ROOT / "pages/load_data.py").exists():
        expected.append("Load data")
    assert [link.proto.label for link in links] == expected
    assert {link.proto.query_string for link in links} == {"community=charlotte-mecklenburg&year=2015-16"}


@pytest.mark.parametrize("page", PAGES)
def test_switching_pages_keeps_the_scope_and_year(demo_path, monkeypatch, page):
    at = open_app(demo_path, monkeypatch, page, **CMS)
    assert at.query_params == CMS
    assert "Charlotte Mecklenburg · school year 2015-16" in text(at)
    assert "Demo data" in text(at)  # labelled on every page


def test_changing_the_sidebar_writes_the_url(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, **CMS)
    at.sidebar.selectbox(key="scope_choice").set_value("cohort:2").run()
    at.sidebar.selectbox(key="scope_year").set_value("2016-17").run()
    assert at.query_params == {"cohort": "2", "year": "2016-17"}
    assert "Cohort 2 (49 communities) · school year 2016-17" in text(at)


@pytest.mark.parametrize("params, notice, shown", [
    ({"community": "atlantis", "year": "2015-16"}, "no community “atlantis”", "All communities"),
    ({"cohort": "3", "year": "2015-16"}, "no cohort “3”", "All communities"),
    ({"cohort": "one"}, "no cohort “one”", "All communities"),
    ({"community": "charlotte-mecklenburg", "cohort": "1", "year": "2015-16"}, "not both", "All communities"),
    ({"community": "charlotte-mecklenburg", "year": "2015"}, "school year “2015”", "Charlotte Mecklenburg · school year 2017-18"),
    ({"community": "charlotte-mecklenburg", "year": "1999-00"}, "school year “1999-00”", "Charlotte Mecklenburg"),
])
def test_a_bad_parameter_falls_back_with_a_visible_notice(demo_path, monkeypatch, params, notice, shown):
    at = open_app(demo_path, monkeypatch, **params)
    assert any(notice in w.value for w in at.warning), [w.value for w in at.warning]
    assert shown in text(at)
    assert metrics(at)["Students enrolled"][0]  # the page still shows its figures
    at.switch_page("pages/activation.py").run()
    assert not at.exception


def test_a_community_slug_is_read_case_insensitively(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, community="Charlotte-Mecklenburg", year="2015-16")
    assert not at.warning
    assert at.query_params == CMS


def test_program_scope_has_no_scope_parameter(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "cohorts", **PROGRAM)
    assert at.query_params == PROGRAM


def test_a_missing_warehouse_is_built_as_the_demo_with_progress(demo_path, monkeypatch, tmp_path):
    from warehouse import demo
    target = tmp_path / "warehouse.duckdb"
    steps = []

    def fake_ensure(path, progress=None):  # the real build takes ~30 s; its own tests cover it
        for i in range(3):
            progress(i, 3, f"step {i}")
            steps.append(i)
        target.symlink_to(demo_path)
        return path

    monkeypatch.setattr(demo, "ensure", fake_ensure)
    at = open_app(target, monkeypatch, **CMS)
    assert steps == [0, 1, 2]
    assert metrics(at)["Students enrolled"][0] == "147,000"


def test_a_missing_warehouse_that_held_real_data_is_refused_before_sign_in(monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    from warehouse import demo, store
    path = tmp_path / "warehouse.duckdb"
    with store.publishing(path, fresh=True) as con:
        con.execute("INSERT INTO load_log VALUES (7, TIMESTAMP '2026-01-01', 'ops', 'schools', 's.csv', "
                    "NULL, NULL, 3, 0, 'loaded')")
    snapshots = sorted(store.snapshot_dir(path).glob("*.duckdb"))
    path.unlink()
    path.symlink_to("warehouse.duckdb.snapshots/gone.duckdb")   # the published link points at nothing
    built = []
    monkeypatch.setattr(demo, "build", lambda *a, **k: built.append(a))
    monkeypatch.setenv("LCC_WAREHOUSE", str(path))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert any("real data has been loaded here" in e.value and "--restore" in e.value for e in at.error)
    assert not built and not at.text_input   # no demo build, no sign-in form, nothing else
    assert sorted(store.snapshot_dir(path).glob("*.duckdb")) == snapshots


def test_a_damaged_warehouse_is_a_plain_message_not_a_traceback(monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest
    path = tmp_path / "warehouse.duckdb"
    path.write_bytes(b"DUCK" * 1000)   # truncated / not a database
    monkeypatch.setenv("LCC_WAREHOUSE", str(path))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert any("looks damaged" in e.value for e in at.error)
