"""The disclosure audit (tests/disclosure_audit.py) over every page's and export's numbers, for
program staff and for community viewers, on the warehouse of tests/disclosure_warehouse.py.

First the audit is shown to work: on the per-table suppression the product had before (kept
below), it finds the attacks that were reported (207 - 200 = 7 enrolled, 155 - 150 = 5
activated, a month = the year minus the other months, a cohort of one community = the program
minus the other cohorts). Then it finds nothing on the product as it is.
"""
from __future__ import annotations

import pandas as pd
import pytest

from metrics import activation, circulation, disclosure, eresources
from metrics import access as access_module
from metrics.access import PROGRAM, Reach, Viewer
from metrics.suppression import suppress
from tests import disclosure_audit as da
from tests import disclosure_warehouse
from warehouse import store

ALPHA = Viewer("alpha-director", "community", "alpha-city")
VIEWERS = {"program": PROGRAM, "alpha": ALPHA}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = disclosure_warehouse.build(tmp_path_factory.mktemp("disclosure") / "attack.duckdb")
    c = store.open_readonly(path)
    yield c
    c.close()


def legacy(monkeypatch):
    """The per-table suppression of before: each table hides its own counts under 10 and one
    complementary cell per column, and a community viewer reaches every cohort of 5 or more
    communities and the program."""
    monkeypatch.setattr(activation, "hide", lambda con, scope, by, df, counts, rates=None:
                        suppress(df, counts, rates, complementary=by != "all"))
    monkeypatch.setattr(circulation, "hide_circulation", lambda con, scope, df, by, columns, rates=None,
                        monthly=False: suppress(df, list(columns), rates, complementary=by != "all" and not monthly))
    monkeypatch.setattr(eresources, "hide_eresources", lambda con, scope, df, name, columns, rates=None:
                        suppress(df, list(columns), rates))
    for module in (circulation, eresources):
        monkeypatch.setattr(module, "hide_totals", lambda con, scope, df, counts, rates=None, year=None: df)

    def reach(con, viewer):
        rows = con.cursor().execute(access_module.REACHABLE_SQL).fetchall()
        sizes = pd.Series([c for _, c in rows]).value_counts()
        cohorts = tuple(sorted(int(c) for c, n in sizes.items() if n >= access_module.MIN_COMMUNITIES))
        return Reach(True, cohorts, (viewer.community,))
    monkeypatch.setattr(access_module, "reachable", reach)
    disclosure._CACHE.clear()


def run_all(con, viewer):
    audits = {"students": da.student_audit(con, viewer), "circulation": da.circulation_audit(con, viewer),
              "e-resources": da.eresource_audit(con, viewer)}
    findings = []
    for name, audit in audits.items():
        groups = da.other_groups(con, audit.universe, viewer) if name == "students" else {}
        findings += [(name, f) for f in audit.check(groups)]
    return audits, findings


def test_the_audit_finds_the_reported_attacks_on_per_table_suppression(con, monkeypatch):
    legacy(monkeypatch)
    _audits, found = run_all(con, PROGRAM)
    narrowed = {(f.count, f.true) for name, f in found if f.kind == "narrowed" and f.high - f.low == 0}
    assert ("enrolled", 7.0) in narrowed and ("activated", 5.0) in narrowed    # 207 - 200, 155 - 150
    assert ("circulation", 4.0) in narrowed                                   # 24 - 20: October
    assert ("usage", 3.0) in narrowed                                         # 33 - 30: October
    assert any(f.kind == "false <10" and f.true == 50 for _n, f in found)     # South, 50, read "<10"
    _audits, found = run_all(con, ALPHA)
    isolated = {f.where for _n, f in found if f.kind == "isolates"}
    assert "cohort 3" in isolated                      # program - cohort 1 - cohort 2 = c13 alone
    assert "community c7 charter" in isolated          # cohort 2's charter row is c7's one school


@pytest.mark.parametrize("who", sorted(VIEWERS))
def test_no_hidden_number_can_be_worked_out(con, who):
    disclosure._CACHE.clear()
    audits, found = run_all(con, VIEWERS[who])
    assert [f"{name}: {f}" for name, f in found] == []
    hidden = sum(1 for a in audits.values() for n in a.numbers if n.value is None)
    shown = sum(a.equation_count() for a in audits.values())
    print(f"{who}: {shown} published numbers (equations), {hidden} hidden checked")
    assert shown > 100 and (hidden > 0 or who != "program")


def test_the_tiny_charter_reads_the_same_in_every_table(con):
    """One decision: the 7 reads "<10" wherever it is a row of its own, the rows hidden to
    protect it read "suppressed" in every table, and the total stays."""
    scope = da.Scope(da.YEAR, community="alpha-city", viewer=ALPHA)
    rows = {by: activation.activation_rate(con, scope, by=by).set_index("key") for by in
            ("all", "school", "grade", "school_type", "title_i")}
    from metrics.suppression import marks

    def mark(by, key, col="enrolled"):
        df = rows[by].reset_index()
        return marks(df, col)[df["key"] == key].iloc[0]
    assert rows["all"].loc["all", "enrolled"] == 207
    assert mark("school", "103") == "<10" and mark("school_type", "charter") == "<10"
    hidden = {by: k for by in rows for k in rows[by].index if mark(by, k) == "suppressed"}
    assert hidden and all(rows[by].loc[k, "enrolled"] is pd.NA for by, k in hidden.items())
    # South (50) is either hidden everywhere it is a row of its own, or shown everywhere
    south = [mark("school", "102"), mark("title_i", "false")]
    assert south[0] == south[1]


def test_a_community_viewer_cannot_reach_a_program_that_hides_a_lone_cohort(con):
    with pytest.raises(access_module.AccessDenied, match="fewer than 5 communities"):
        activation.activation_rate(con, da.Scope(da.YEAR, viewer=ALPHA))
    assert len(activation.activation_rate(con, da.Scope(da.YEAR, cohort=1, viewer=ALPHA)))


def test_a_charter_row_of_one_community_is_not_shown_to_the_others(con):
    df = activation.activation_rate(con, da.Scope(da.YEAR, cohort=2, viewer=ALPHA), by="school_type")
    charter = df[df["key"] == "charter"]
    assert charter["enrolled"].isna().all()
    mine = activation.activation_rate(con, da.Scope(da.YEAR, cohort=2, viewer=PROGRAM), by="school_type")
    assert mine.loc[mine["key"] == "charter", "enrolled"].iloc[0] == 40


# ---------------------------------------------------------------- spreads (quartiles, median)
# Quartiles and medians are not sums, so the linear audit above cannot see through them. They
# are audited by what a hidden cell must never do: change anything shown. Two warehouses differ
# only in c6, a community of 8 students whose own figures are hidden (6 activated in one, 2 in the
# other); every spread figure either viewer can reach must read the same in both.
def _spreads(tmp_path, viewer, small):
    path = disclosure_warehouse.build(tmp_path / f"spread-{len(list(tmp_path.iterdir()))}.duckdb", small=small)
    c = store.open_readonly(path)
    try:
        disclosure._CACHE.clear()
        return da.spread_figures(c, viewer)
    finally:
        c.close()


def test_the_spread_audit_sees_a_hidden_community_inside_a_quartile(tmp_path, monkeypatch):
    """The audit of the audit: quartiles taken over the community table before it is hidden."""
    from metrics import cohorts, scope as scope_module
    monkeypatch.setattr(cohorts, "_community_rows",
                        lambda con, scope, counts=None: scope_module.run(con, cohorts.COMMUNITY_TABLE_SQL, scope.params()))
    a, b = (_spreads(tmp_path, ALPHA, {6: (8, n)}) for n in (6, 2))
    differ = da.spread_differences(a, b)
    assert "cohort_comparison alpha-city 2015-16 activation_rate q1" in differ
    assert any(k.startswith("headline_trend") for k in differ)


@pytest.mark.parametrize("who", sorted(VIEWERS))
def test_no_hidden_number_shows_through_a_quartile_or_median(tmp_path, who):
    a, b = (_spreads(tmp_path, VIEWERS[who], {6: (8, n)}) for n in (6, 2))
    assert len(a) > 50 and da.spread_differences(a, b) == []
    assert da.thin_spreads(a) == [] or who == "program"
    # c6 is left out, so cohort 1's spread is of 5 communities: alpha-city and c2 ... c5
    assert a["cohort_comparison alpha-city 2015-16 activation_rate n"] == 5 if who == "alpha" else True
    assert a["cohort_quartiles cohort 1 2015-16 activation_rate median"] == pytest.approx(55 / 70)


def test_a_spread_of_fewer_than_five_communities_is_for_program_staff_only(tmp_path):
    """With c5 and c6 both hidden, cohort 1 has 4 communities with a figure: alpha-city's
    director sees no quartiles, program staff see them, with n = 4."""
    small = {5: (8, 6), 6: (8, 6)}
    mine = _spreads(tmp_path, ALPHA, small)
    staff = _spreads(tmp_path, PROGRAM, small)
    key = "cohort_comparison alpha-city 2015-16 activation_rate"
    assert pd.isna(mine[f"{key} median"]) and pd.isna(mine[f"{key} q1"]) and mine[f"{key} n"] == 4
    assert staff[f"{key} n"] == 4 and staff[f"{key} median"] == pytest.approx(55 / 70)
    assert da.thin_spreads(mine) == []
