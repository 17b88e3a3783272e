"""Demo campaigns with KNOWN effects, so the impact estimates (metrics/impact.py) can be checked
against the truth.

Run by the demo build after the events are generated and before the rollups. Each campaign
below gets its community's monthly new activations multiplied by (1 + lift) in its months,
exactly on the generated counts: in each month, round(lift x the month's new activations)
roster students who never used their card log in for the first time that month. They are new
active users too, so the lift in active users follows; both realized lifts are recorded in
warehouse_meta ('demo_campaign_truth', JSON by campaign id). Campaigns stay inside one school
year and last at most six months, the months the estimator compares.

The superintendent's December 2015 challenge of Charlotte Mecklenburg is not here: it is built
into the generator's 'challenge' day profile (demo_params.days), which keeps the seed figures
exact; challenge_truth() gives its true lift in new activations.
"""
from __future__ import annotations

import datetime as dt
import json

import duckdb

from warehouse import demo_params as P
from warehouse.rollups import SCHOOL_YEAR_OF

# (community_id, start, end, title, true lift in monthly new activations, as a fraction)
CAMPAIGNS = (
    (6, dt.date(2016, 10, 3), dt.date(2016, 12, 16), "Back-to-school card drive", 0.40),
    (13, dt.date(2017, 1, 9), dt.date(2017, 3, 31), "Teachers' classroom card challenge", 0.25),
    (20, dt.date(2017, 2, 1), dt.date(2017, 4, 28), "Principals' read-a-thon", 0.0),
    (64, dt.date(2018, 3, 5), dt.date(2018, 5, 25), "Spring card drive", 0.35),
    (4, dt.date(2017, 11, 1), dt.date(2018, 1, 31), "Library card sign-up season", 0.30),
    (2, dt.date(2017, 10, 2), dt.date(2017, 12, 15), "Mayor's reading challenge", 0.20),
)

# A community's roster students' uses (the rollups' definition), with the school year of each.
USES = """
CREATE OR REPLACE TEMP TABLE campaign_use AS
SELECT u.patron_id, u.day, school_year_of(u.day) AS school_year
FROM (
    SELECT patron_id, CAST(event_time AS DATE) AS day FROM card_event
    WHERE community_id = $c AND event_type IN ('activation', 'login', 'eresource_login')
    UNION ALL
    SELECT patron_id, CAST(event_time AS DATE) FROM circulation WHERE community_id = $c AND patron_id IS NOT NULL
) u
JOIN patron p ON p.patron_id = u.patron_id AND p.patron_type = 'student'
SEMI JOIN student_roster r ON r.patron_id = u.patron_id AND r.school_year = school_year_of(u.day)
"""

# Per month of the campaign: roster students first using their card, and students using it.
BASELINE = """
SELECT m.month,
       (SELECT count(*) FROM (SELECT patron_id, min(day) AS first FROM campaign_use GROUP BY 1)
        WHERE date_trunc('month', first) = m.month) AS activations,
       (SELECT count(DISTINCT patron_id) FROM campaign_use WHERE date_trunc('month', day) = m.month) AS users
FROM (SELECT CAST(unnest(range(CAST($lo AS TIMESTAMP), CAST($hi AS TIMESTAMP) + INTERVAL 1 DAY,
                                INTERVAL 1 MONTH)) AS DATE) AS month) m
ORDER BY m.month
"""

# Roster students of the month's school year, holding a card from before the month, who never
# used it: the first `n` in hash order log in that month on a school day.
EXTRA = """
INSERT INTO card_event
WITH pool AS (
    SELECT p.patron_id, row_number() OVER (ORDER BY hash(p.patron_id, $salt), p.patron_id) AS rn
    FROM patron p
    JOIN student_roster r ON r.patron_id = p.patron_id AND r.school_year = school_year_of($month::DATE)
    WHERE p.community_id = $c AND p.patron_type = 'student' AND p.issued_date < $month::DATE
      AND p.patron_id NOT IN (SELECT patron_id FROM campaign_use)
      AND p.patron_id NOT IN (SELECT patron_id FROM campaign_taken)
)
SELECT patron_id, $c, $month::TIMESTAMP + INTERVAL (CAST(hash(patron_id, $salt + 1) % 20 AS INTEGER)) DAY
       + INTERVAL (CAST(8 + hash(patron_id, $salt + 2) % 9 AS INTEGER)) HOUR, 'login', 'website', 1
FROM pool WHERE rn <= $n ORDER BY patron_id
"""


def apply(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    """Add the CAMPAIGNS to the campaign table and their extra first uses to card_event."""
    con.execute(SCHOOL_YEAR_OF)
    con.execute("CREATE OR REPLACE TEMP TABLE campaign_taken (patron_id BIGINT)")
    next_id = con.execute("SELECT coalesce(max(campaign_id), 0) + 1 FROM campaign").fetchone()[0]
    truth = {}
    for i, (cid, start, end, title, lift) in enumerate(CAMPAIGNS):
        if not con.execute("SELECT count(*) FROM community WHERE community_id = ?", [cid]).fetchone()[0]:
            continue
        con.execute(USES, {"c": cid})
        lo, hi = start.replace(day=1), end.replace(day=1)
        months = con.execute(BASELINE, {"lo": lo, "hi": hi}).fetchall()
        added = []
        for month, activations, _ in months:
            n = round(lift * activations)
            before = con.execute("SELECT count(*) FROM card_event").fetchone()[0]
            con.execute(EXTRA, {"c": cid, "month": month, "n": n, "salt": seed * 100 + i * 10})
            got = con.execute("SELECT count(*) FROM card_event").fetchone()[0] - before
            con.execute("INSERT INTO campaign_taken SELECT patron_id FROM card_event "
                        "WHERE community_id = ? AND event_time >= ? AND event_time < ? + INTERVAL 1 MONTH "
                        "AND channel = 'website' AND patron_id NOT IN (SELECT patron_id FROM campaign_use)",
                        [cid, month, month])
            added.append(got)
        base_a = sum(m[1] for m in months)
        base_u = sum(m[2] for m in months)
        campaign_id = next_id + i
        con.execute("INSERT INTO campaign VALUES (?, ?, ?, ?, ?, 'campaign')", [campaign_id, cid, start, end, title])
        truth[str(campaign_id)] = {
            "new_activations": 100 * sum(added) / base_a if base_a else None,
            "active_users": 100 * sum(added) / base_u if base_u else None,
        }
    con.execute("INSERT OR REPLACE INTO warehouse_meta VALUES ('demo_campaign_truth', ?)", [json.dumps(truth)])
    for table in ("campaign_use", "campaign_taken"):
        con.execute(f"DROP TABLE {table}")


def challenge_truth(first: dt.date = dt.date(2015, 12, 1), last: dt.date = dt.date(2016, 5, 31)) -> float:
    """The true lift (percent) in Charlotte Mecklenburg's monthly new activations from December
    2015 to May 2016 that the challenge profile builds in: students first using their card that
    year follow the 'challenge' day weights instead of the 'school' ones, so against the months
    before (Sep.-Nov. 2015, at 0.55 times the school weights) the lift is the challenge weights
    over 0.55 times the school weights, summed over the months after."""
    days = P.days()
    days = days[days["dy"] == 2015].sort_values("day")
    w = {}
    for profile, g in days.groupby("profile"):
        cum = g["cum_lo"].to_numpy()
        weight = list(cum[1:] - cum[:-1]) + [1 - cum[-1]]
        w[profile] = dict(zip(g["day"], weight))
    after = [d for d in w["school"] if first <= d <= last]
    before = [d for d in w["school"] if dt.date(2015, 9, 1) <= d <= dt.date(2015, 11, 30)]
    # The level before: challenge over school weights in Sep.-Nov. (0.55 after normalizing).
    level = sum(w["challenge"][d] for d in before) / sum(w["school"][d] for d in before)
    return 100 * (sum(w["challenge"][d] for d in after) / (level * sum(w["school"][d] for d in after)) - 1)
