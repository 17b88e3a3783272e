"""A hand-built warehouse made to be attacked: tiny schools, a lone charter, a cohort of one
community and near-empty months (tests/test_disclosure_audit.py).

Alpha City (cohort 1) in 2015-16:
  North (district, Title I) grade 3: 150 enrolled, 100 activated
  South (district)          grade 4:  50 enrolled,  50 activated
  Tiny Charter (Title I)    grade 4:   7 enrolled,   5 activated
  so 207 enrolled (155 activated): by grade 150 and 57, district 200 and charter 7, Title I 157
  and other 50. Circulation: 20 print checkouts in September, 4 in October (year: 24).
  E-resources: TumbleBooks 30 requests in September, 3 in October (year: 33).
Cohort 1 also holds c2 ... c6; cohort 2 holds c7 ... c12, and c7 has the program's only other
charter school (40 students); cohort 3 is c13 alone. Each of c2 ... c13 has one district school
with grade 3 (30 enrolled, 20 activated) and grade 4 (40 enrolled, 25 activated), 30 print
checkouts in September and 40 TumbleBooks requests in September. build(path, small={6: (8, 6)})
gives c6 instead one grade of 8 enrolled (6 activated): a community whose own figures are hidden.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from tests.small_warehouse import publish

D = dt.date
T = dt.datetime
YEAR = "2015-16"

# community id -> (slug, cohort)
COMMUNITIES = {1: ("alpha-city", 1), **{i: (f"c{i}", 1 if i <= 6 else 2 if i <= 12 else 3) for i in range(2, 14)}}
# school id -> (community, name, type, title I, {grade: (enrolled, activated)})
SCHOOLS = {
    101: (1, "North", "district", True, {3: (150, 100)}),
    102: (1, "South", "district", False, {4: (50, 50)}),
    103: (1, "Tiny Charter", "charter", True, {4: (7, 5)}),
    **{100 * i + 1: (i, f"C{i} School", "district", False, {3: (30, 20), 4: (40, 25)}) for i in range(2, 14)},
    702: (7, "C7 Charter", "charter", False, {5: (40, 30)}),
}


def build(path: Path, small: dict[int, tuple[int, int]] | None = None) -> Path:
    patrons, roster, events, circ, usage, enrollment = [], [], [], [], [], []
    pid = 0
    for school, (community, _name, _type, _t1, grades) in SCHOOLS.items():
        if community in (small or {}):
            grades = {3: small[community]}
        for grade, (enrolled, activated) in grades.items():
            enrollment.append((community, school, grade, YEAR, enrolled))
            for n in range(enrolled):
                pid += 1
                patrons.append((pid, f"key-{pid}", community, "student", "virtual", D(2015, 8, 20)))
                roster.append((pid, YEAR, school, grade))
                if n < activated:
                    events.append((pid, community, T(2015, 9, 10, 9), "login", "catalog", 1))
    first = {c: next(p[0] for p in patrons if p[2] == c) for c in COMMUNITIES}

    def checkouts(community, when, n):
        for k in range(n):
            circ.append((first[community] + k, community, 100 * community, when, "checkout", "print",
                         "juvenile", "fiction", "ILS", 1))

    checkouts(1, T(2015, 9, 15, 10), 20)
    checkouts(1, T(2015, 10, 15, 10), 4)
    for c in range(2, 14):   # a small community's checkouts are its activated students' own
        checkouts(c, T(2015, 9, 15, 10), (small or {}).get(c, (None, 30))[1])
    for c in COMMUNITIES:
        for month in range(7, 13):
            n = (30 if month == 9 else 3 if month == 10 else 0) if c == 1 else (40 if month == 9 else 0)
            usage.append((c, "TumbleBooks", D(2015, month, 1), "Total_Item_Requests", n, "PR", "5.0", 1))

    frames = {
        "school_year": pd.DataFrame([("2014-15", D(2014, 7, 1), D(2015, 6, 30), None),
                                     (YEAR, D(2015, 7, 1), D(2016, 6, 30), "2014-15")]),
        "community": pd.DataFrame([(i, slug, slug.replace("-", " ").title(), "NC", cohort, D(2015, 3, 1),
                                    D(2015, 8, 20), "MOU", None, None, False)
                                   for i, (slug, cohort) in COMMUNITIES.items()]),
        "school": pd.DataFrame([(s, c, name, kind, 0, 12, t1, None, None, None)
                                for s, (c, name, kind, t1, _g) in SCHOOLS.items()]),
        "branch": pd.DataFrame([(100 * c, c, f"Branch {c}") for c in COMMUNITIES]),
        "enrollment": pd.DataFrame(enrollment),
        "patron": pd.DataFrame(patrons),
        "student_roster": pd.DataFrame(roster),
        "card_event": pd.DataFrame(events),
        "circulation": pd.DataFrame(circ),
        "eresource_usage": pd.DataFrame(usage),
    }
    return publish(path, frames)
