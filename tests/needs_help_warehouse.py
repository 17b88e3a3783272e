"""A hand-built warehouse for the needs-help rules (metrics.needs_help), every answer worked out
by hand in tests/test_needs_help.py.

Six communities, one district school each (grade 5, 100 students enrolled each year), a fresh
roster of 100 students each year, carded on Aug. 20; the first k students of a year check out a
print book in October and again in May (their first use: activation = active users = k / 100):

    community   cohort   2014-15  2015-16   other
    Avon          1        78       80      target: activation 75% in 2015-16 (met)
    Bly           1        70       70      target: activation 90% in 2015-16 (20.0 points short)
    Cray          1        60       60      2015-16 loans in September 2015 only (stale: data ends 8 months
                                            before May 2016, the newest month held)
    Dent          1        75       50      falling 25 points; exactly at cohort 1's lower quartile
    Eske          1        40       20      below the lower quartile and falling 20 points: two reasons
    Fenn          2        90       90      nothing stands out

Cohort 1's lower quartile in 2015-16 (linear interpolation over 20, 50, 60, 70, 80%) is 50.0%.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from tests.small_warehouse import publish

D = dt.date
T = dt.datetime

COMMUNITIES = [  # id, slug, name, cohort, active 2014-15, active 2015-16
    (1, "avon", "Avon", 1, 78, 80),
    (2, "bly", "Bly", 1, 70, 70),
    (3, "cray", "Cray", 1, 60, 60),
    (4, "dent", "Dent", 1, 75, 50),
    (5, "eske", "Eske", 1, 40, 20),
    (6, "fenn", "Fenn", 2, 90, 90),
]
TARGETS = [(1, "2015-16", "activation_rate", 0.75), (2, "2015-16", "activation_rate", 0.90)]


def build(path: Path) -> Path:
    patrons, roster, circ, enrollment = [], [], [], []
    pid = 0
    for cid, slug, _name, _cohort, k14, k15 in COMMUNITIES:
        for start, k in ((2014, k14), (2015, k15)):
            year = f"{start}-{(start + 1) % 100:02d}"
            enrollment.append((cid, 100 * cid, 5, year, 100))
            for i in range(100):
                pid += 1
                patrons.append((pid, f"key-{slug}-{start}-{i}", cid, "student", "virtual", D(start, 8, 20)))
                roster.append((pid, year, 100 * cid, 5))
                if i >= k:
                    continue
                months = [T(start, 9, 14, 10)] if slug == "cray" and start == 2015 else \
                         [T(start, 10, 5, 10), T(start + 1, 5, 9, 10)]
                for when in months:
                    circ.append((pid, cid, 10 * cid, when, "checkout", "print", "juvenile", "fiction", "ILS", 1))

    frames = {
        "school_year": pd.DataFrame([("2014-15", D(2014, 7, 1), D(2015, 6, 30), None),
                                     ("2015-16", D(2015, 7, 1), D(2016, 6, 30), "2014-15")]),
        "community": pd.DataFrame([(cid, slug, name, "OH", cohort, D(2014, 3, 1), D(2014, 8, 20), "MOU", None, None, False)
                                   for cid, slug, name, cohort, _a, _b in COMMUNITIES]),
        "school": pd.DataFrame([(100 * cid, cid, f"{name} Elementary", "district", 0, 5, False, None, None, None)
                                for cid, _slug, name, *_ in COMMUNITIES]),
        "branch": pd.DataFrame([(10 * cid, cid, f"{name} Main") for cid, _slug, name, *_ in COMMUNITIES]),
        "enrollment": pd.DataFrame(enrollment),
        "patron": pd.DataFrame(patrons),
        "student_roster": pd.DataFrame(roster),
        "circulation": pd.DataFrame(circ),
        "target": pd.DataFrame(TARGETS),
    }
    return publish(path, frames)
