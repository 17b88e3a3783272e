"""A load for one community leaves every other community's cached figures warm
(components/data.py keys a community's own figures on that community's version, warehouse/store.py
keeps one per community), and never leaves a stale figure behind."""
from __future__ import annotations

import pytest
import streamlit as st

import metrics
from components import data, signin
from components import show
from metrics.access import Viewer
from metrics.scope import Scope
from tests import small_warehouse
from warehouse import rollups, store

YEAR = "2015-16"
ALPHA, BETA = "alpha-city", "beta-county"
STAFF = Viewer("ops", "program", None)


@pytest.fixture
def wh(tmp_path, monkeypatch):
    """The small warehouse, published once (so it has per-community versions), served to
    components.data as program staff, with Streamlit's caches empty."""
    path = tmp_path / "warehouse.duckdb"
    small_warehouse.build(path)
    with store.publishing(path):   # stamps every community's version
        pass
    monkeypatch.setenv("LCC_WAREHOUSE", str(path))
    monkeypatch.setattr(signin, "current_viewer", lambda: STAFF)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield path
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def calls(monkeypatch):
    """Which communities' activation rates were computed (not served from the cache)."""
    seen: list[str | None] = []
    real = metrics.activation_rate

    def counting(con, scope, **kwargs):
        seen.append(scope.community)
        return real(con, scope, **kwargs)

    monkeypatch.setattr(metrics, "activation_rate", counting)
    return seen


def load_into_alpha(path, declare: bool = True) -> None:
    """A load for Alpha City: half of its first activities taken out, the rollups refreshed."""
    with store.publishing(path) as con:
        alpha = con.execute("SELECT community_id FROM community WHERE slug = ?", [ALPHA]).fetchone()[0]
        con.execute("DELETE FROM circulation WHERE community_id = ? AND event_time >= '2015-12-01'", [alpha])
        rollups.refresh(con, [alpha])
        if declare:
            store.changed(con, [alpha])


def rate(community: str):
    return data.metric("activation_rate", Scope(YEAR, community=community), by="grade")


def test_a_load_for_one_community_leaves_the_others_warm(wh, calls):
    before = {c: rate(c) for c in (ALPHA, BETA)}
    assert sorted(calls) == [ALPHA, BETA]
    load_into_alpha(wh)
    calls.clear()

    after = {c: rate(c) for c in (ALPHA, BETA)}

    assert calls == [ALPHA]   # Beta County's figures came from the cache
    assert after[BETA].equals(before[BETA])
    # Alpha City's did change: 10 students activated by their December e-book no longer are.
    assert int(after[ALPHA]["activated"].sum()) < int(before[ALPHA]["activated"].sum())


def test_the_whole_program_and_an_undeclared_publish_recompute(wh, calls):
    program = data.metric("activation_rate", Scope(YEAR), by="community")
    rate(BETA)
    load_into_alpha(wh)
    calls.clear()
    again = data.metric("activation_rate", Scope(YEAR), by="community")
    assert calls == [None]   # the program holds Alpha City's rows: recomputed
    assert not again.equals(program)

    load_into_alpha(wh, declare=False)   # a writer that says nothing: everything may have changed
    calls.clear()
    rate(BETA)
    assert calls == [BETA]


def test_a_cached_figure_of_another_community_is_not_rebuilt(wh, monkeypatch):
    built: list[str] = []

    def bars(df, title):
        built.append(title)
        import plotly.graph_objects as go
        return go.Figure(go.Bar(x=df["label"], y=df["activation_rate"]), layout={"title": {"text": title}})

    def draw(community):
        show.figure(bars, rate(community), f"Activation by grade, {community}")

    monkeypatch.setattr(st, "plotly_chart", lambda *a, **k: None)
    draw(BETA)
    load_into_alpha(wh)
    draw(BETA)
    draw(ALPHA)
    assert built == [f"Activation by grade, {BETA}", f"Activation by grade, {ALPHA}"]


def test_a_change_to_the_shared_tables_renews_every_community(wh):
    con = store.open_readonly(wh)
    shared, own = store.versions(con)
    con.close()
    with store.publishing(wh) as con:
        alpha = con.execute("SELECT community_id FROM community WHERE slug = ?", [ALPHA]).fetchone()[0]
        con.execute("UPDATE community SET name = 'Alpha Town' WHERE community_id = ?", [alpha])
        store.changed(con, [alpha])   # said Alpha only, but the community list changed for everyone
    con = store.open_readonly(wh)
    shared2, own2 = store.versions(con)
    con.close()
    assert shared2 != shared and own2[BETA] != own[BETA]


def test_own_row_metrics_of_another_community_do_not_change_with_a_load(wh):
    """The metrics keyed on a community's own version read nothing of another community: Beta
    County's answers are the same before and after a load for Alpha City."""
    before_con = store.open_readonly(wh)
    before = {name: getattr(metrics, name)(before_con, Scope(YEAR, community=BETA, viewer=STAFF))
              for name in data.OWN_ROWS}
    before_con.close()
    load_into_alpha(wh)
    con = store.open_readonly(wh)
    for name in data.OWN_ROWS:
        assert getattr(metrics, name)(con, Scope(YEAR, community=BETA, viewer=STAFF)).equals(before[name]), name
    con.close()


def test_a_campaign_or_target_for_one_community_renews_its_version_only(wh):
    from ingest import annotations

    def own():
        con = store.open_readonly(wh)
        try:
            return store.versions(con)
        finally:
            con.close()

    shared, before = own()
    annotations.add_campaign(ALPHA, "2015-11-02", "Library card week", path=wh, loaded_by="test")
    shared2, after = own()
    assert shared2 == shared and after[BETA] == before[BETA] and after[ALPHA] != before[ALPHA]
    annotations.add_target(BETA, YEAR, "activation_rate", 0.9, path=wh, loaded_by="test")
    _, later = own()
    assert later[ALPHA] == after[ALPHA] and later[BETA] != after[BETA]
    annotations.add_campaign(None, "2015-11-09", "Program-wide week", path=wh, loaded_by="test")
    shared3, everything = own()   # a program-wide campaign: every figure may show it
    assert shared3 != shared2 and everything[ALPHA] != later[ALPHA] and everything[BETA] != later[BETA]
