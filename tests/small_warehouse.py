"""A tiny warehouse whose every answer is worked out by hand in the tests.

Alpha City (cohort 1): North Elementary (district, Title I) grade 3 (40 enrolled) and grade 4
(30 enrolled); Tiny Charter (charter) grade 7 (8 enrolled: every count there is suppressed).
Beta County (cohort 2): Beta High grade 10 (50 enrolled).

2015-16, Alpha:
  s1..s10   cards from Jan 2015, one print checkout on 2015-06-15 (activated before the year);
            s1..s5 check out print again on 2015-10-05 (active this year)
  s11..s20  first use 2015-09-14, s21..s30 first use 2015-12-07: a juvenile non-fiction
            OverDrive e-book each; s11..s15 renew it on 2016-03-01
  s31..s36  cards, never used
  s37..s48  grade 4, a hotspot loan each on 2016-01-11 (their first use); s49..s66 unused
  t1..t8    Tiny Charter, t1..t5 log in to OverDrive on 2016-02-01
  12 teachers (6 log in), 3 staff (none do)
Beta: b1..b50 cards, b1..b25 log in on 2015-09-10.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from warehouse import rollups, store

D = dt.date
T = dt.datetime


def _students(prefix: str, first: int, last: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(first, last + 1)]


def build(path: Path) -> Path:
    ids: dict[str, int] = {}
    patrons, roster, card_events, circ = [], [], [], []

    def patron(name, community, ptype, issued, school=None, grade=None):
        ids[name] = len(ids) + 1
        patrons.append((ids[name], f"key-{name}", community, ptype, "virtual", issued))
        if school is not None:
            roster.append((ids[name], "2015-16", school, grade))

    def checkout(name, community, when, fmt, audience, fiction, platform, action="checkout"):
        circ.append((ids[name], community, 100 * community, when, action, fmt, audience, fiction, platform, 1))

    def event(name, community, when, kind, channel):
        card_events.append((ids[name], community, when, kind, channel, 1))

    for s in _students("s", 1, 10):
        patron(s, 1, "student", D(2015, 1, 10), 101, 3)
        checkout(s, 1, T(2015, 6, 15, 10), "print", "juvenile", "fiction", "ILS")
    for s in _students("s", 1, 5):
        checkout(s, 1, T(2015, 10, 5, 10), "print", "juvenile", "fiction", "ILS")
    for i, s in enumerate(_students("s", 11, 30)):
        patron(s, 1, "student", D(2015, 8, 20), 101, 3)
        when = T(2015, 9, 14, 12) if i < 10 else T(2015, 12, 7, 12)
        checkout(s, 1, when, "e-book", "juvenile", "non-fiction", "OverDrive")
    for s in _students("s", 11, 15):
        checkout(s, 1, T(2016, 3, 1, 9), "e-book", "juvenile", "non-fiction", "OverDrive", "renewal")
    for s in _students("s", 31, 36):
        patron(s, 1, "student", D(2015, 8, 20), 101, 3)
    for s in _students("s", 37, 66):
        patron(s, 1, "student", D(2015, 8, 20), 101, 4)
    for s in _students("s", 37, 48):
        checkout(s, 1, T(2016, 1, 11, 15), "hotspot", "young adult", "n/a", "ILS")
    for s in _students("t", 1, 8):
        patron(s, 1, "student", D(2015, 8, 20), 102, 7)
    for s in _students("t", 1, 5):
        event(s, 1, T(2016, 2, 1, 16), "eresource_login", "OverDrive")
    for s in _students("teacher", 1, 12):
        patron(s, 1, "teacher", D(2015, 8, 1))
    for s in _students("teacher", 1, 6):
        event(s, 1, T(2015, 11, 2, 8), "login", "website")
    for s in _students("staff", 1, 3):
        patron(s, 1, "staff", D(2015, 8, 1))
    for s in _students("b", 1, 50):
        patron(s, 2, "student", D(2015, 8, 20), 201, 10)
    for s in _students("b", 1, 25):
        event(s, 2, T(2015, 9, 10, 9), "login", "catalog")

    usage = []
    for month in range(7, 13):  # TumbleBooks 2014-15: 100 in all; 2015-16: 1,100
        usage.append((1, "TumbleBooks", D(2014, month, 1), "Total_Item_Requests", 100 if month == 9 else 0, "PR", "5.0", 1))
        usage.append((1, "TumbleBooks", D(2015, month, 1), "Total_Item_Requests", 1100 if month == 9 else 0, "PR", "5.0", 1))
    # World Book reports the same 200 requests in its PR and its DR: must count 200, not 400.
    usage.append((1, "World Book Online", D(2015, 10, 1), "Total_Item_Requests", 200, "PR", "5.0", 1))
    usage.append((1, "World Book Online", D(2015, 10, 1), "Total_Item_Requests", 200, "DR", "5.0", 1))
    usage.append((1, "BookFlix", D(2015, 11, 1), "Searches_Regular", 50, "DR", "5.0", 1))

    survey = [
        (1, "W1", "q1", "Relationship with school leaders", "yes"),
        (2, "W1", "q1", "Relationship with school leaders", "no"),
        (1, "W1", "q2", "Created an MOU", "yes"),
        (2, "W1", "q2", "Created an MOU", None),
        (1, "W1", "q3", "Media coverage", None),
        (2, "W1", "q3", "Media coverage", None),
    ]

    frames = {
        "school_year": pd.DataFrame([("2014-15", D(2014, 7, 1), D(2015, 6, 30), None),
                                     ("2015-16", D(2015, 7, 1), D(2016, 6, 30), "2014-15")]),
        "community": pd.DataFrame([
            (1, "alpha-city", "Alpha City", "NC", 1, D(2015, 3, 1), D(2015, 8, 20), "MOU", None, None, False),
            (2, "beta-county", "Beta County", "OH", 2, D(2015, 3, 1), D(2015, 8, 20), "MOU", None, None, False)]),
        "school": pd.DataFrame([
            (101, 1, "North Elementary", "district", 0, 5, True, None, None, None),
            (102, 1, "Tiny Charter", "charter", 6, 12, False, "MOU", D(2015, 8, 1), D(2020, 7, 31)),
            (201, 2, "Beta High", "district", 9, 12, False, None, None, None)]),
        "branch": pd.DataFrame([(100, 1, "Alpha Main"), (200, 2, "Beta Main")]),
        "enrollment": pd.DataFrame([
            (1, 101, 3, "2015-16", 40), (1, 101, 4, "2015-16", 30), (1, 102, 7, "2015-16", 8),
            (2, 201, 10, "2015-16", 50), (1, 101, 3, "2014-15", 38), (2, 201, 10, "2014-15", 45)]),
        "patron": pd.DataFrame(patrons),
        "student_roster": pd.DataFrame(roster),
        "card_event": pd.DataFrame(card_events),
        "circulation": pd.DataFrame(circ),
        "eresource_usage": pd.DataFrame(usage),
        "survey_response": pd.DataFrame([(*r, 1) for r in survey]),
    }
    return publish(path, frames)


def publish(path: Path, frames: dict[str, pd.DataFrame]) -> Path:
    """Write hand-built tables (columns in the schema's order) with the real writer and rollup
    refresh; the other test warehouses use it too."""
    with store.publishing(path, fresh=True) as con:
        for table, df in frames.items():
            con.register("frame", df)
            con.execute(f"INSERT INTO {table} SELECT * FROM frame")
            con.unregister("frame")
        rollups.refresh(con)
    return path
