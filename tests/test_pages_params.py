"""Hostile URL parameters and names: a notice, never a traceback, never rendered as markdown;
a community in a cohort too small to compare gets a plain notice on Cohorts and Briefing."""
from __future__ import annotations

import re

import pytest

from components.choice import plain
from tests.dashboard_support import open_app, sign_in, write_access_file

LINK = "[click here](http://evil.example/x)"
IMAGE = "![x](http://evil.example/p.png)"


def rendered(value: str) -> str:
    """The text a markdown renderer shows for value: backslash escapes removed."""
    import re
    return re.sub(r"\\(.)", r"\1", value)


def test_plain_text_keeps_what_was_typed_but_no_markdown():
    for hostile in (LINK, IMAGE, "www.evil.example", ":red[big]", "$x^2$", "<b>x</b>", "**bold**"):
        safe = plain(hostile)
        assert rendered(safe) == hostile
        # every character markdown could act on comes escaped
        assert re.fullmatch(r"(\\.|[^\\`*_\[\]!~:$<>&])*", safe) and "www." not in safe, safe
    assert plain("a" * 100, 10) == "a" * 10 + "…" and "\n" not in plain("a\n# b")


@pytest.mark.parametrize("params", [{"community": LINK}, {"year": IMAGE}, {"cohort": LINK}])
def test_url_values_are_never_rendered_as_markdown(demo_path, monkeypatch, params):
    at = open_app(demo_path, monkeypatch, **params)
    warnings = [w.value for w in at.warning]
    # an escaped bracket cannot open or close a link: no "](" without a backslash before it
    assert warnings and not any(re.search(r"(?<!\\)\]\(", w) for w in warnings), warnings
    assert any(rendered(w).startswith("There ") and ("[click here]" in rendered(w) or "![x]" in rendered(w))
               for w in warnings)   # shown as typed


@pytest.mark.parametrize("params", [{"cohort": "³"}, {"cohort": "٣"}, {"cohort": "1" * 400}, {"year": "²⁰¹⁵-¹⁶"},
                                    {"community": "\x00"}])
def test_odd_parameters_are_a_notice_not_a_traceback(demo_path, monkeypatch, params):
    at = open_app(demo_path, monkeypatch, **params)     # open_app asserts no exception
    assert at.warning
    at.switch_page("pages/activation.py").run()
    assert not at.exception


@pytest.fixture
def small(tmp_path, monkeypatch):
    from tests import small_warehouse
    path = small_warehouse.build(tmp_path / "small.duckdb")
    write_access_file(tmp_path / "access.toml", monkeypatch, {"ops": None, "alpha": "alpha-city"})
    return path


@pytest.mark.parametrize("page", ["cohorts", "briefing"])
def test_a_community_in_a_small_cohort_gets_a_notice_not_a_traceback(small, monkeypatch, page):
    from streamlit.testing.v1 import AppTest

    from tests.dashboard_support import ROOT
    monkeypatch.setenv("LCC_WAREHOUSE", str(small))
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120), "alpha", "alpha-city")
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    if page == "cohorts":
        shown = " ".join(str(e.value) for e in at.info)
        assert "fewer than 5 communities" in shown
    else:   # the briefing's standing table says why it is empty
        from briefing import content
        from metrics.access import Viewer
        from metrics.scope import Scope
        from warehouse import store
        b = content.build(store.open_readonly(small), Scope("2015-16", community="alpha-city",
                                                            viewer=Viewer("alpha", "community", "alpha-city")))
        assert "fewer than 5 communities" in b.standing[0].label
