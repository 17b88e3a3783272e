"""A community user, signed in, on every page and every download: no other community's name,
schools or figures, whatever the URL says."""
from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from metrics import Scope, catalog
from metrics.access import Viewer
from tests.dashboard_support import ROOT, sign_in, tables, write_access_file
from warehouse import store

PAGES = ["overview", "activation", "circulation", "eresources", "cohorts", "needs_help", "briefing", "data",
         "load_data"]
OWN = "charlotte-mecklenburg"
CMS = Viewer("cms", "community", OWN)


@pytest.fixture(scope="module")
def others(demo_path):
    """The names and slugs of every other community. (Their figures could only show up in a row
    under their name or on a page scoped to them; the test checks both cannot happen.)"""
    con = store.open_readonly(demo_path)
    try:
        table = catalog.communities(con)
    finally:
        con.close()
    rest = table[table["slug"] != OWN]
    return {"names": set(rest["name"]), "slugs": set(rest["slug"])}


def everything_shown(at: AppTest) -> str:
    """Every string the page puts in front of the user: text, alerts, tiles, tables (which are
    also what the CSV downloads hold), widget options and chart specs."""
    parts = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value} {m.delta} {m.help}" for m in at.metric]
    for t in tables(at):
        parts += [" ".join(map(str, t.columns)), t.to_csv(index=False)]
    for box in at.selectbox:
        parts += [str(o) for o in box.options]
    parts += [c.proto.spec for c in at.get("plotly_chart")]
    parts += [json.dumps(str(b.proto)) for b in at.get("download_button")]
    return "\n".join(parts)


def leaks(shown: str, others: dict) -> list[str]:
    found = [n for n in others["names"] if re.search(rf"\b{re.escape(n)}\b", shown)]
    found += [s for s in others["slugs"] if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", shown)]
    return found


@pytest.mark.parametrize("params", [
    {"year": "2015-16"},                                   # no scope: the user's own community
    {"community": "denver", "year": "2015-16"},            # tampered: another community
    {"cohort": "1", "year": "2015-16"},                    # a cohort aggregate (60 communities)
    {},
], ids=["own", "another-community", "cohort", "bare"])
@pytest.mark.parametrize("page", PAGES)
def test_a_community_user_sees_no_other_community(demo_path, monkeypatch, tmp_path, others, page, params):
    monkeypatch.setenv("LCC_WAREHOUSE", str(demo_path))
    write_access_file(tmp_path / "access.toml", monkeypatch, {"cms": OWN})
    monkeypatch.setenv("LCC_AUDIT_LOG", str(tmp_path / "audit.log"))
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180), "cms", OWN)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    shown = everything_shown(at)
    # The notice repeats what the user typed, and reads the same whether or not it exists.
    checked = shown.replace("There is no community “denver” among those you may see", "")
    assert not leaks(checked, others), f"{page} {params} shows {leaks(checked, others)[:5]}"
    caption = [c.value for c in at.caption][0]
    if page == "load_data":
        assert "for program staff" in shown
    elif "cohort" in params:
        assert caption.startswith("Cohort 1 (60 communities) · school year")
    else:
        assert caption.startswith("Charlotte Mecklenburg · school year")
    if params.get("community") == "denver":
        assert "no community “denver” among those you may see" in shown


def test_the_same_pages_for_program_staff_do_name_communities(demo_path, monkeypatch, tmp_path, others):
    """The check above can fail: a program user on the Cohorts page sees every community."""
    monkeypatch.setenv("LCC_WAREHOUSE", str(demo_path))
    write_access_file(tmp_path / "access.toml", monkeypatch, {"ops": None})
    monkeypatch.setenv("LCC_AUDIT_LOG", str(tmp_path / "audit.log"))
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180), "ops")
    at.query_params["year"] = "2015-16"
    at.run()
    at.switch_page("pages/cohorts.py").run()
    assert len(leaks(everything_shown(at), others)) > 100


@pytest.mark.parametrize("scope", [Scope("2015-16", community=OWN, viewer=CMS),
                                   Scope("2015-16", cohort=1, viewer=CMS)], ids=["own", "cohort"])
def test_briefing_files_for_a_community_user_name_no_other_community(demo_path, others, scope):
    import briefing
    from briefing import content
    from tests.briefing_helpers import HAS_POPPLER, pdf_text
    from pptx import Presentation
    import io
    con = store.open_readonly(demo_path)
    try:
        b = content.build(con, scope)
    finally:
        con.close()
    files = briefing.files(b, pngs={})
    texts = []
    for name, data in files.items():
        if name.endswith(".pdf") and HAS_POPPLER:
            texts.append(pdf_text(data))
        if name.endswith(".pptx"):
            deck = Presentation(io.BytesIO(data))
            texts += [shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame]
            texts += [" ".join(c.text for c in row.cells) for slide in deck.slides for shape in slide.shapes
                      if shape.has_table for row in shape.table.rows]
    shown = "\n".join(texts)
    assert b.title in shown
    assert not leaks(shown, others), leaks(shown, others)[:5]
