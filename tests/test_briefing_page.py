"""The Briefing page: scope from the URL, the page as it prints, the downloads."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app(demo_path, monkeypatch):
    monkeypatch.setenv("LCC_WAREHOUSE", str(demo_path))

    def open_page(**params):
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
        for k, v in params.items():
            at.query_params[k] = v
        at.run()
        at.switch_page("pages/briefing.py")
        return at.run()
    return open_page


def test_briefing_for_the_community_in_the_url(app):
    at = app(community="charlotte-mecklenburg", year="2015-16")
    assert not at.exception
    assert at.title[0].value == "Briefing"
    assert at.caption[0].value.startswith("Charlotte Mecklenburg · school year 2015-16")
    labels = [b.label for b in at.get("download_button")]
    # short enough for the download column (longer labels were cut off)
    assert labels == ["PDF, one page", "PowerPoint, 3 slides", "Activation chart (PNG)", "Circulation chart (PNG)"][:len(labels)]
    assert len(labels) >= 2 and max(len(label) for label in labels) <= 24


def test_briefing_for_a_cohort(app):
    at = app(cohort="1", year="2015-16")
    assert not at.exception
    assert at.caption[0].value.startswith("Cohort 1")
    keys = [b.key for b in at.get("download_button")]
    assert "dl-briefing-cohort-1-2015-16.pdf" in keys


def test_whole_program_when_the_url_names_no_scope(app):
    at = app(year="2015-16")
    assert not at.exception
    assert "dl-briefing-program-2015-16.pdf" in [b.key for b in at.get("download_button")]
