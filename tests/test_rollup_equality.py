"""Speed never changes a number: every rollup-based metric equals its raw-event twin.

A small warehouse is made from a seeded random.Random (a few communities and schools, some
hundreds of cards, a few thousand events over three school years, with uses at midnight on
July 1 and a second before midnight on June 30, renewals, hotspots, teachers and staff,
cards never used and events of unknown patrons), published with the real writer and rollup
refresh, and each metric of metrics/ is compared with metrics/raw.py, exactly, after the same
suppression and also with suppression off.
"""
from __future__ import annotations

import datetime as dt
import inspect
import random

import pandas as pd
import pytest

import metrics
from metrics import disclosure, raw, suppression
from metrics.scope import Scope
from warehouse import rollups, store

YEARS = (2014, 2015, 2016)          # school years 2014-15 .. 2016-17
COMMUNITIES = (                     # id, slug, name, cohort
    (1, "alpha-county", "Alpha County", 1), (2, "beta-city", "Beta City", 1),
    (3, "gamma-falls", "Gamma Falls", 2), (4, "delta-bend", "Delta Bend", 2),
)
FORMATS = ("print", "print", "print", "e-book", "e-audiobook", "hotspot", "other")
PLATFORMS = {"print": ("ILS",), "other": ("ILS",), "hotspot": ("ILS",),
             "e-book": ("OverDrive", "hoopla"), "e-audiobook": ("OverDrive", "hoopla")}


def _moment(rng: random.Random) -> dt.datetime:
    """A time in 2013-14 .. 2017-18, one in five exactly on a school-year boundary."""
    if rng.random() < 0.2:
        y = rng.choice((2014, 2015, 2016, 2017))
        return rng.choice((dt.datetime(y, 7, 1, 0, 0, 0), dt.datetime(y, 6, 30, 23, 59, 59)))
    return dt.datetime(2013, 7, 1) + dt.timedelta(seconds=rng.randrange(5 * 365 * 86400))


def make_rows(seed: int) -> dict[str, list[tuple]]:
    rng = random.Random(seed)
    rows: dict[str, list[tuple]] = {k: [] for k in (
        "school_year", "community", "school", "enrollment", "patron", "student_roster", "card_event",
        "circulation", "circulation_monthly", "eresource_usage")}
    for y in YEARS:
        rows["school_year"].append((f"{y}-{(y + 1) % 100:02d}", dt.date(y, 7, 1), dt.date(y + 1, 6, 30),
                                    f"{y - 1}-{y % 100:02d}" if y > YEARS[0] else None))
    schools: dict[int, list[int]] = {}
    for cid, slug, name, cohort in COMMUNITIES:
        rows["community"].append((cid, slug, name, "NC", cohort, dt.date(2014, 1, 1), dt.date(2015, 8, 1),
                                  "MOU", None, None, True))
        schools[cid] = []
        for k in range(rng.randint(2, 4)):
            sid = cid * 100 + k
            schools[cid].append(sid)
            rows["school"].append((sid, cid, f"{name} School {k}", rng.choice(("district", "district", "charter")),
                                   0, 12, rng.choice((True, False, None)), None, None, None))
    pid = 0
    for cid, *_ in COMMUNITIES:
        n_students = rng.randint(60, 160)
        for _ in range(n_students):
            pid += 1
            issued = dt.date(2013, 8, 1) + dt.timedelta(days=rng.randrange(4 * 365))
            if rng.random() < 0.15:
                issued = rng.choice((dt.date(2015, 7, 1), dt.date(2015, 6, 30), dt.date(2016, 7, 1)))
            rows["patron"].append((pid, f"k{pid}", cid, "student", rng.choice(("virtual", "physical")), issued))
            grade = rng.randint(0, 10)
            for i, y in enumerate(YEARS):
                if rng.random() < 0.85:  # some students miss a year's roster
                    rows["student_roster"].append((pid, f"{y}-{(y + 1) % 100:02d}", rng.choice(schools[cid]),
                                                   min(grade + i, 12)))
        for kind in ("teacher", "staff"):
            for _ in range(rng.randint(5, 25)):
                pid += 1
                issued = rng.choice((dt.date(2015, 7, 1), dt.date(2015, 6, 30), dt.date(2014, 9, 2),
                                     dt.date(2016, 10, 3), dt.date(2017, 7, 1)))
                rows["patron"].append((pid, f"k{pid}", cid, kind, "virtual", issued))
        for sid in schools[cid]:
            for y in YEARS:
                for grade in range(13):
                    if rng.random() < 0.8:
                        rows["enrollment"].append((cid, sid, grade, f"{y}-{(y + 1) % 100:02d}",
                                                   rng.choice((0, rng.randint(1, 9), rng.randint(10, 60)))))
    # Uses per card: none for some, many for a few, from the card's issue onward (so first
    # activations fall in every year), a fifth of them exactly on a school-year boundary.
    last = dt.datetime(2018, 6, 30, 23, 59, 59)
    unknown = [(999_000 + i, "", 1 + i % 4, "", "", dt.date(2015, 1, 1)) for i in range(20)]  # not in patron
    for patron_id, _, cid, _, _, issued in rows["patron"] + unknown:
        start = dt.datetime.combine(issued, dt.time()) - dt.timedelta(days=30)
        for _ in range(rng.choice((0, 1, 1, 2, 3, 4, 6, 10, 15, 30))):
            when = _moment(rng)
            if when < start and rng.random() < 0.8:
                when = start + dt.timedelta(seconds=rng.randrange(int((last - start).total_seconds())))
            if rng.random() < 0.45:
                kind = rng.choice(("issued", "activation", "login", "login", "eresource_login"))
                channel = rng.choice(("OverDrive", "TumbleBooks")) if kind == "eresource_login" else rng.choice(
                    ("website", "catalog", "app", "branch"))
                rows["card_event"].append((patron_id, cid, when, kind, channel, 1))
            else:
                fmt = rng.choice(FORMATS)
                rows["circulation"].append((
                    None if rng.random() < 0.02 else patron_id, cid, cid * 100, when,
                    rng.choice(("checkout", "checkout", "checkout", "renewal")), fmt,
                    "young adult" if fmt == "hotspot" else rng.choice(("juvenile", "young adult", "adult")),
                    "n/a" if fmt == "hotspot" else rng.choice(("fiction", "non-fiction")),
                    rng.choice(PLATFORMS[fmt]), 1))
    for cid, *_ in COMMUNITIES[:2]:  # an ILS that exports only monthly counts
        for m in range(6):
            rows["circulation_monthly"].append((cid, None, dt.date(2015, 4 + m, 1), "print", "juvenile", "fiction",
                                                "ILS", rng.randint(0, 40), rng.randint(0, 5), 1))
    for cid, *_ in COMMUNITIES:
        for month in (dt.date(2015, 3, 1), dt.date(2015, 9, 1), dt.date(2016, 2, 1), dt.date(2016, 9, 1)):
            for report in ("PR", "DR"):
                rows["eresource_usage"].append((cid, "OverDrive", month, "Total_Item_Requests",
                                                rng.randint(0, 300), report, "5.0", 1))
    return rows


def build(path, seed: int) -> None:
    """Write the random warehouse with the real writer and rollup refresh."""
    with store.publishing(path, fresh=True) as con:
        for table, data in make_rows(seed).items():
            if data:  # through a DataFrame: executemany is slow for thousands of rows
                columns = [c[0] for c in con.execute(f"SELECT * FROM {table} LIMIT 0").description]
                frame = pd.DataFrame(data, columns=columns)
                con.register("frame", frame)
                con.execute(f"INSERT INTO {table} SELECT * FROM frame")
                con.unregister("frame")
        rollups.refresh(con)


SEEDS = (1, 2)


@pytest.fixture(scope="module", params=SEEDS)
def random_con(request, tmp_path_factory):
    path = tmp_path_factory.mktemp(f"random{request.param}") / "warehouse.duckdb"
    build(path, request.param)
    con = store.open_readonly(path)
    yield con
    con.close()


SCOPES = (
    Scope("2015-16"), Scope("2016-17"), Scope("2014-15"), Scope("2015-16", cohort=1),
    Scope("2016-17", cohort=2), Scope("2015-16", community="alpha-county"),
    Scope("2016-17", community="gamma-falls"), Scope("2015-16", community="beta-city", school_id=201),
    Scope("2015-16", grade=3), Scope("2016-17", community="delta-bend", grade=0),
    Scope("2015-16", format="hotspot"), Scope("2015-16", community="alpha-county", format="print"),
    Scope("2016-17", platform="OverDrive", audience="juvenile", fiction="non-fiction"),
)
STUDENT_BY = ("all", "community", "cohort", "school", "grade", "school_type", "title_i")
CIRCULATION_BY = ("all", "format", "audience", "fiction", "platform", "detail")


def calls(scope: Scope, every_breakdown: bool = True):
    """(name, keyword arguments) of every rollup-based metric call for a scope; with
    every_breakdown=False, two breakdowns per metric instead of all (to keep the test quick)."""
    student_by = STUDENT_BY if every_breakdown else ("all", "school")
    circulation_by = CIRCULATION_BY if every_breakdown else ("all", "detail")
    yield from (("activation_rate", {"by": by}) for by in student_by)
    yield from (("active_user_rate", {"by": by}) for by in student_by)
    yield from (("circulation_by_month", {"by": by}) for by in circulation_by)
    yield from (("circulation_growth", {"by": by}) for by in circulation_by)
    for name in ("activation_by_week", "staff_cards", "circulation_per_student", "hotspot_lending",
                 "eresource_per_active_student", "community_table", "cohort_totals"):
        yield name, {}
    if scope.community is not None:
        yield "cohort_comparison", {}


def assert_same(con, scope: Scope, name: str, kwargs: dict) -> pd.DataFrame:
    fast = getattr(metrics, name)(con, scope, **kwargs)
    slow = getattr(raw, name)(con, scope, **kwargs)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True, obj=f"{name}({scope}, {kwargs})")
    return fast


def test_every_rollup_metric_has_a_raw_twin():
    for name in raw.TWINS:
        assert callable(getattr(metrics, name)) and callable(getattr(raw, name))
    assert {n for s in SCOPES for n, _ in calls(s)} == set(raw.TWINS)


def set_threshold(monkeypatch, threshold: int) -> None:
    """Suppress counts under threshold, per table and in the joint decision (1: nothing hidden)."""
    for fn in (suppression.suppress, suppression.protect):
        params = list(inspect.signature(fn).parameters.values())
        defaults = [threshold if p.name == "threshold" else p.default for p in params if p.default is not p.empty]
        monkeypatch.setattr(fn, "__defaults__", tuple(defaults))
    monkeypatch.setattr(disclosure, "_CACHE", {})   # decisions made under another threshold


@pytest.mark.parametrize("threshold", [10, 1], ids=["suppressed", "unsuppressed"])
def test_rollups_equal_raw_events(random_con, threshold, monkeypatch):
    # threshold 1 turns suppression off, so every count is compared as a number.
    set_threshold(monkeypatch, threshold)
    shown = 0
    for i, scope in enumerate(SCOPES if threshold == 1 else SCOPES[:7]):
        for name, kwargs in calls(scope, every_breakdown=i < 4 or (i % 3 == 0 and threshold == 1)):
            df = assert_same(random_con, scope, name, kwargs)
            shown += sum(int(df[c].notna().sum()) for c in df.columns if str(df[c].dtype) == "Int64")
    assert shown > 500, "the comparison should see real numbers, not only empty or hidden cells"


def test_random_warehouse_is_not_trivial(random_con, monkeypatch):
    """The edge cases the equality test relies on are really there."""
    set_threshold(monkeypatch, 1)
    program = metrics.activation_rate(random_con, Scope("2015-16"))
    assert 0 < program["activated"].iloc[0] < program["cards"].iloc[0]
    for year in ("2015-16", "2016-17"):  # first activations inside the year, not only before it
        weekly = raw.activation_by_week(random_con, Scope(year))
        assert (weekly["school_year"] == year).sum() >= 10
    staff = metrics.staff_cards(random_con, Scope("2015-16"))
    assert set(staff["patron_type"]) == {"teacher", "staff"}
    hotspots = metrics.hotspot_lending(random_con, Scope("2016-17"))
    assert (hotspots["loans"].fillna(0) > 0).all()
    boundary = random_con.execute(
        "SELECT count(*) FROM card_event "
        "WHERE strftime(event_time, '%m-%d %H:%M:%S') IN ('07-01 00:00:00', '06-30 23:59:59')"
    ).fetchone()[0]
    assert boundary > 50
    renewals = random_con.execute("SELECT count(*) FROM circulation WHERE action = 'renewal'").fetchone()[0]
    assert renewals > 100


# On the demo warehouse (about 10M events), a handful of metrics for CMS 2015-16 and the program.
DEMO_CALLS = (("activation_rate", {"by": "school"}), ("active_user_rate", {}), ("activation_by_week", {}),
              ("staff_cards", {}), ("circulation_growth", {"by": "detail"}), ("hotspot_lending", {}),
              ("cohort_totals", {}))


@pytest.mark.parametrize("scope", [Scope("2015-16", community="charlotte-mecklenburg"), Scope("2015-16")],
                         ids=["charlotte-mecklenburg", "program"])
def test_demo_rollups_equal_raw_events(demo_con, scope):
    for name, kwargs in DEMO_CALLS:
        assert_same(demo_con, scope, name, kwargs)
    if scope.community:  # and the headline figure is the calibrated one
        active = raw.active_user_rate(demo_con, scope)
        assert (int(active["enrolled"].iloc[0]), int(active["active"].iloc[0])) == (147_000, 124_200)
