"""rollups_append.append (a load that only adds card activity or circulation rows) leaves every
rollup table identical, row for row, to a full refresh: appends in the latest year, earliest-ever
uses in earlier years, flags turned on, random appends in a row, and a warehouse made before
rollup_card_year (which refreshes instead)."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.rollup_support import (CARD_EVENT, CIRCULATION, D, T, assert_same_rollups, edge_cards, first_use,
                                  latest_year_batch)
from warehouse import rollups, rollups_append, store
def test_append_in_the_latest_year(pair):
    """The same batch as test_appending_events_in_the_latest_year (with renewals), by rollups_append."""
    events, loans = latest_year_batch(pair.full, 70, renewals=True)
    pair.insert("card_event", CARD_EVENT, events)
    pair.insert("circulation", CIRCULATION, loans)
    pair.append([70])


def test_append_with_earliest_ever_uses_in_earlier_years(pair):
    """First uses ever, uses before a card's first use (same year and earlier years), school-year
    boundaries, a teacher, a hotspot loan: as test_a_batch_with_earliest_ever_uses, appended."""
    con = pair.full
    never, later, same_year = edge_cards(con)
    teachers = con.execute("""SELECT patron_id FROM patron WHERE community_id = 4 AND patron_type <> 'student'
                              ORDER BY 1 LIMIT 3""").fetchall()
    never_teacher = con.execute("""SELECT patron_id FROM patron WHERE patron_type <> 'student'
                                   AND patron_id NOT IN (SELECT patron_id FROM rollup_first_activity)
                                   AND community_id = 4 ORDER BY 1 LIMIT 1""").fetchall()
    assert len(never) == 2 and len(later) == 3 and len(same_year) == 1 and teachers
    events = [(never[0][0], 4, T(2015, 7, 1, 0, 0, 0), "login", "website", 80),
              (never[1][0], 4, T(2016, 6, 30, 23, 59, 59), "eresource_login", "TumbleBooks", 80),
              (later[0][0], 4, T(2016, 2, 2, 12), "activation", "app", 80),
              (later[1][0], 4, T(2015, 8, 8, 8), "login", "catalog", 80),
              (later[1][0], 4, T(2014, 8, 8, 8), "issued", "catalog", 80),     # not a use
              (same_year[0][0], 4, T(2015, 8, 31, 9), "login", "branch", 80),
              *[(t[0], 4, T(2014 + i, 10, 10, 10), "eresource_login", "website", 80) for i, t in enumerate(teachers)],
              *[(t[0], 4, T(2013, 12, 1), "login", "website", 80) for t in never_teacher]]
    loans = [(later[2][0], 4, 400, T(2016, 1, 4, 15), "checkout", "hotspot", "young adult", "n/a", "ILS", 80),
             (None, 4, 400, T(2016, 1, 5, 15), "checkout", "print", "adult", "fiction", "ILS", 80)]
    pair.insert("card_event", CARD_EVENT, events)
    pair.insert("circulation", CIRCULATION, loans)
    pair.append([80])
    assert first_use(pair.inc, never[0][0]) == (D(2015, 7, 1),)
    assert first_use(pair.inc, later[1][0]) == (D(2015, 8, 8),)
    assert first_use(pair.inc, same_year[0][0]) == (D(2015, 8, 31),)


def test_append_turning_on_eresource_and_hotspot(pair):
    """Card-years already active without e-resource use or hotspot loans get them."""
    con = pair.full
    rows = con.execute("""SELECT patron_id, community_id, sy FROM rollup_card_year
                          WHERE NOT eresource AND NOT hotspot ORDER BY ALL LIMIT 30""").fetchall()
    assert len(rows) == 30
    events = [(p, c, T(sy, 9, 1) + dt.timedelta(days=i), "eresource_login", "OverDrive", 90)
              for i, (p, c, sy) in enumerate(rows[:15])]
    loans = [(p, c, c * 100, T(sy + 1, 3, 1) + dt.timedelta(hours=i), "checkout", "hotspot", "adult", "n/a", "ILS", 90)
             for i, (p, c, sy) in enumerate(rows[10:])]
    pair.insert("card_event", CARD_EVENT, events)
    pair.insert("circulation", CIRCULATION, loans)
    pair.append([90])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_appends_in_a_row(pair, seed):
    """Random batches (any card, community, year from 2013-14 to 2018-19, any event type,
    format and action), appended one after another, one of them as two loads at once."""
    import random
    rng = random.Random(seed)
    con = pair.full
    patrons = con.execute("SELECT patron_id, community_id FROM patron ORDER BY 1").fetchall()
    load = 100 * seed
    for step in range(4):
        loads = [load + 1, load + 2] if step == 2 else [load + 1]
        events, loans = [], []
        for _ in range(rng.choice((5, 60, 300))):
            pid, cid = rng.choice(patrons)
            when = T(2013, 7, 1) + dt.timedelta(seconds=rng.randrange(6 * 365 * 86400))
            if rng.random() < 0.15:
                boundary = T(rng.choice((2014, 2015, 2016, 2017)), rng.choice((6, 7)), 1)
                when = boundary - dt.timedelta(seconds=rng.choice((0, 1)))
            lid = rng.choice(loads)
            if rng.random() < 0.6:
                events.append((pid, cid, when, rng.choice(("login", "eresource_login", "activation", "issued")),
                               rng.choice(("website", "app", "OverDrive")), lid))
            else:
                fmt = rng.choice(("print", "hotspot", "e-book"))
                loans.append((pid if rng.random() < 0.95 else None, cid, cid * 100, when,
                              rng.choice(("checkout", "renewal")), fmt, rng.choice(("adult", "juvenile")),
                              "n/a" if fmt == "hotspot" else "fiction", "ILS", lid))
        if events:
            pair.insert("card_event", CARD_EVENT, events)
        if loans:
            pair.insert("circulation", CIRCULATION, loans)
        pair.append(loads)
        load += len(loads)


def test_append_on_a_warehouse_without_card_years_refreshes(pair):
    """A warehouse made before rollup_card_year (table missing, or empty beside used cards):
    append refreshes instead, and keeps the table missing or empty until refresh(con)."""
    pair.inc.execute("DROP TABLE rollup_card_year")
    pid, cid = pair.full.execute("SELECT patron_id, community_id FROM patron ORDER BY 1 LIMIT 1").fetchone()
    pair.insert("card_event", CARD_EVENT, [(pid, cid, T(2016, 10, 1), "login", "app", 95)])
    rollups_append.append(pair.inc, [95])
    store.create_schema(pair.inc)   # the table back, empty
    assert not rollups.card_year_kept(pair.inc)
    pair.insert("card_event", CARD_EVENT, [(pid, cid, T(2016, 10, 2), "login", "app", 96)])
    rollups_append.append(pair.inc, [96])
    assert pair.inc.execute("SELECT count(*) FROM rollup_card_year").fetchone()[0] == 0
    rollups.refresh(pair.inc)
    rollups.refresh(pair.full)
    assert_same_rollups(pair.inc, pair.full)
    pair.insert("card_event", CARD_EVENT, [(pid, cid, T(2014, 10, 2), "eresource_login", "app", 97)])
    pair.append([97])


