"""The demo program's community-level parameters: names, sizes, dates and calibration targets.

Small tables, built in Python with a seeded random.Random so the same seed gives the same
program. Student-level rows are generated from these in SQL (warehouse/demo.py).

The figures of DESIGN.md section 3 are set here, once, as targets the generator meets
exactly; the metrics then compute them from the generated events like any other number.
"""
from __future__ import annotations

import datetime as dt
import random
import re

import pandas as pd

YEARS = (2014, 2015, 2016, 2017)  # school years 2014-15 .. 2017-18, by starting year
CMS_ID = 1

# Calibration targets (DESIGN.md section 3), for Charlotte Mecklenburg at scale 1.
CMS_ENROLLED_2015 = 147_000
CMS_ACTIVE = {2014: 38_500, 2015: 124_200}          # students with any use in the year
CMS_TEACHERS, CMS_STAFF = 12_150, 6_090              # 18,240 teacher and staff cards
# Juvenile non-fiction e-books on OverDrive, the library's whole circulation of them (+110 % in
# 2015-16), and the part of it on the program's student and staff cards (the rest: every other
# patron, in the ILS's monthly counts).
CMS_JNF_OVERDRIVE = {2014: 40_000, 2015: 84_000, 2016: 95_500, 2017: 103_000}
CMS_JNF_PROGRAM = {2014: 2_000, 2015: 9_000, 2016: 11_000, 2017: 12_500}
CMS_TUMBLEBOOKS = {2014: 4_200, 2015: 47_500, 2016: 52_000, 2017: 55_300}    # > tenfold
CMS_CHARTER_STUDENTS = 1_500                          # grades 6-12, own 5-year MOU from 2016-17
CMS_SCHOOLS = {"E": 94, "M": 40, "H": 36}            # 170 district schools, two of them tiny
CMS_BRANCHES = 20
COHORT1_OTHER_ENROLLMENT = 1_300_000                  # with CMS, > 1,000,000 new cards in 2015-16
COHORT2_ENROLLMENT = 560_000

# Round-one survey of cohort 1 (60 respondents): yes answers per question.
SURVEY_ROUND_ONE = (
    ("school_leaders", "New or expanded relationship with school leaders", 45),   # 75 %
    ("elected_officials", "New or expanded relationship with elected officials", 32),  # 53 %
    ("mou", "Created a library-school MOU", 26),                                   # 43 %
    ("new_ways", "Working with school or local government leaders in new ways beyond cards", 43),  # 72 %
    ("media", "Gained local media coverage", 35),                                  # 58 %
)
SURVEY_COHORT2 = (  # invented: round one of cohort 2, 44 of 49 answered
    ("school_leaders", "New or expanded relationship with school leaders", 30),
    ("elected_officials", "New or expanded relationship with elected officials", 21),
    ("mou", "Created a library-school MOU", 15),
    ("new_ways", "Working with school or local government leaders in new ways beyond cards", 27),
    ("media", "Gained local media coverage", 19),
)

TOOLKIT = [  # (name, state, cohort): names from the program's toolkit; all figures invented
    ("Charlotte Mecklenburg", "NC", 1), ("Cincinnati-Hamilton County", "OH", 1),
    ("Cuyahoga County", "OH", 1), ("Denver", "CO", 1), ("Indianapolis", "IN", 1),
    ("Nashville", "TN", 1), ("New Haven", "CT", 1), ("Pima County", "AZ", 1),
    ("Richland", "SC", 1), ("San Antonio", "TX", 1), ("St. Louis County", "MO", 1),
    ("Toledo-Lucas County", "OH", 1), ("Kansas City", "MO", 1), ("Rochester Hills", "MI", 1),
    ("Hennepin County", "MN", 1), ("Hartford", "CT", 2), ("Chattanooga", "TN", 2),
    ("San Francisco", "CA", 2), ("Clinton-Macomb", "MI", 2), ("King County", "WA", 2),
    ("Ramsey County", "MN", 2), ("Skokie", "IL", 2), ("Jacksonville", "FL", 2),
]
_PLACE_A = ["Maple", "Cedar", "Willow", "Harbor", "Granite", "Prairie", "Summit", "Silver",
            "Elm", "Aspen", "Juniper", "Heron", "Falcon", "Copper", "Meadow", "Laurel",
            "Bramble", "Clover", "Lantern", "Orchard", "Quarry", "Sparrow", "Thistle", "Marble"]
_PLACE_B = ["Valley", "Falls", "Ridge", "County", "Point", "Heights", "Springs", "Bend",
            "Crossing", "Harbor"]
_STATES = ["AL", "AR", "CA", "CO", "FL", "GA", "IA", "IL", "KS", "KY", "LA", "MA", "MD", "MI",
           "MN", "MO", "NC", "NE", "NJ", "NM", "NY", "OH", "OK", "OR", "PA", "SC", "TN", "TX",
           "UT", "VA", "WA", "WI"]
_SCHOOL_WORDS = ["Oakwood", "Riverside", "Lincoln", "Washington", "Jefferson", "Franklin",
                 "Hillcrest", "Lakeview", "Parkside", "Westfield", "Eastover", "Northside",
                 "Southview", "Greenway", "Brookside", "Fairview", "Highland", "Pinecrest",
                 "Sunnyside", "Woodland", "Kennedy", "Roosevelt", "Douglass", "Tubman",
                 "Carver", "Chavez", "Marshall", "Hamilton", "Madison", "Monroe", "Irving",
                 "Whitman", "Dickinson", "Hughes", "Morrison", "Angelou", "Bethune", "Banneker",
                 "Parks", "Mendez", "Sequoyah", "Keller", "Curie", "Einstein", "Audubon",
                 "Muir", "Thoreau", "Emerson", "Alcott", "Frost"]
_BAND_GRADES = {"E": (0, 5), "M": (6, 8), "H": (9, 12)}
_BAND_NAME = {"E": "Elementary", "M": "Middle", "H": "High"}


def slugify(name: str) -> str:
    """'Cincinnati-Hamilton County' -> 'cincinnati-hamilton-county' (the URL form)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def school_year_label(y: int) -> str:
    return f"{y}-{(y + 1) % 100:02d}"


def _invented_names(rng: random.Random, n: int, taken: set[str]) -> list[str]:
    names = [f"{a} {b}" for a in _PLACE_A for b in _PLACE_B]
    rng.shuffle(names)
    return [x for x in names if x not in taken][:n]


def communities(seed: int, scale: float) -> pd.DataFrame:
    """One row per community: identity, cohort, dates, size and behaviour."""
    rng = random.Random(seed)
    c1 = [t for t in TOOLKIT if t[2] == 1]
    c2 = [t for t in TOOLKIT if t[2] == 2]
    invented = iter(_invented_names(rng, 60 + 49 - len(TOOLKIT), {t[0] for t in TOOLKIT}))
    c1 += [(next(invented), rng.choice(_STATES), 1) for _ in range(60 - len(c1))]
    c2 += [(next(invented), rng.choice(_STATES), 2) for _ in range(49 - len(c2))]

    weights = {1: [rng.random() ** 1.8 + 0.08 for _ in c1[1:]], 2: [rng.random() ** 1.8 + 0.08 for _ in c2]}
    rows = []
    for cid, (name, state, cohort) in enumerate(c1 + c2, start=1):
        if cid == CMS_ID:
            size, joined, launch = CMS_ENROLLED_2015, dt.date(2015, 5, 1), dt.date(2015, 8, 24)
            prior, rates = 0.40, {2014: None, 2015: None, 2016: 0.87, 2017: 0.885}
            intensity, hotspot_start = 4.0, dt.date(2016, 1, 11)
            title_i_share, per_capita, trend = 0.45, 36.0, 1.035
            teachers, staff = CMS_TEACHERS, CMS_STAFF
            agreement = ("letter of commitment", dt.date(2015, 5, 1), dt.date(2018, 6, 30))
        else:
            ws = weights[cohort]
            i = (cid - 2) if cohort == 1 else (cid - 61)
            total = COHORT1_OTHER_ENROLLMENT if cohort == 1 else COHORT2_ENROLLMENT
            size = max(600, round(total * ws[i] / sum(ws)))
            base = dt.date(2015 if cohort == 1 else 2016, 9, 1)
            joined = base - dt.timedelta(days=rng.randint(60, 200))
            launch = base + dt.timedelta(days=rng.randint(0, 150))
            prior = rng.uniform(0.12, 0.28)
            launch_year = launch.year if launch.month >= 7 else launch.year - 1
            # Why communities differ, in the data: the share of Title I schools (fewer students
            # reached, and they borrow less), how early in the school year the cards launched.
            title_i_share = rng.uniform(0.15, 0.8)
            earliness = 1 - (launch - base).days / 150
            pre = rng.uniform(0.45, 0.65)
            rate = min(0.93, max(0.15, 0.38 + 0.36 * earliness - 0.5 * (title_i_share - 0.45)
                                 + rng.uniform(-0.1, 0.1)))
            rates = {}
            for y in YEARS:  # share of card holders active: before launch, then growing
                if y == launch_year + 1 or y == launch_year + 2:
                    rate = min(0.92, rate + rng.uniform(0.0, 0.06))
                rates[y] = pre if y < launch_year else rate
            intensity = rng.uniform(0.8, 1.5) * (1 - 0.6 * (title_i_share - 0.45))
            # The library's circulation to everyone else: loans per enrolled student, yearly trend.
            per_capita, trend = rng.uniform(10, 30), rng.uniform(0.965, 1.085)
            hotspot_start = launch + dt.timedelta(days=180) if rng.random() < 0.3 else None
            teachers, staff = round(size * rng.uniform(0.05, 0.08)), round(size * rng.uniform(0.02, 0.04))
            kind = "MOU" if rng.random() < 0.35 else "letter of commitment"
            agreement = (kind, joined, joined + dt.timedelta(days=365 * (5 if kind == "MOU" else 3)))
        rows.append(dict(
            community_id=cid, slug=slugify(name), name=name, state=state, cohort=cohort,
            joined_date=joined, launch_date=launch, agreement_type=agreement[0],
            agreement_start=agreement[1], agreement_end=agreement[2], is_demo=True,
            size=round(size * scale), prior_share=prior,
            rate_2014=rates[2014], rate_2015=rates[2015], rate_2016=rates[2016], rate_2017=rates[2017],
            intensity=intensity, hotspot_start=hotspot_start, title_i_share=title_i_share,
            per_capita=per_capita, trend=trend,
            teachers=round(teachers * scale), staff=round(staff * scale),
            n_branches=CMS_BRANCHES if cid == CMS_ID else max(2, min(40, round(size / 6000))),
        ))
    return pd.DataFrame(rows)


def classes(comm: pd.DataFrame) -> pd.DataFrame:
    """Students per entering class (the year k a class starts kindergarten), per community.

    Grade in school year y is y - k. Class sizes grow slowly; the kindergarten class of 2015
    absorbs rounding so that 2015-16 enrollment is exactly the community's size.
    """
    rows = []
    for c in comm.itertuples():
        n = {k: round(c.size / 13 * (1 + 0.008 * (k - 2009))) for k in range(2002, 2018)}
        n[2015] += c.size - sum(n[k] for k in range(2003, 2016))
        rows += [dict(community_id=c.community_id, k=k, n=v, charter=False) for k, v in n.items()]
        if c.community_id == CMS_ID:
            per = {k: CMS_CHARTER_STUDENTS // 7 for k in range(2004, 2012)}
            for k in range(2010, 2010 - CMS_CHARTER_STUDENTS % 7, -1):
                per[k] += 1
            scale = c.size / CMS_ENROLLED_2015
            rows += [dict(community_id=c.community_id, k=k, n=round(v * scale), charter=True) for k, v in per.items()]
    return pd.DataFrame(rows)


def schools(comm: pd.DataFrame, seed: int) -> pd.DataFrame:
    """School directory with a weight used to spread students; a charter school for CMS."""
    rng = random.Random(seed + 1)
    rows = []
    for c in comm.itertuples():
        if c.community_id == CMS_ID:
            counts = dict(CMS_SCHOOLS)
        else:
            total = max(3, round(c.size / 650))
            counts = {"E": max(1, round(total * 0.55)), "M": max(1, round(total * 0.22))}
            counts["H"] = max(1, total - counts["E"] - counts["M"])
        words = _SCHOOL_WORDS[:]
        rng.shuffle(words)
        i = 0
        for band, n in counts.items():
            for j in range(n):
                word = words[(i + j) % len(words)]
                suffix = "" if (i + j) < len(words) else f" {['II', 'III', 'IV', 'V'][((i + j) // len(words) - 1) % 4]}"
                tiny = c.community_id == CMS_ID and band == "H" and j >= n - 2
                name = f"{word}{suffix} {'Alternative Academy' if tiny else _BAND_NAME[band]}"
                lo, hi = _BAND_GRADES[band]
                rows.append(dict(
                    school_id=None,
                    community_id=c.community_id, name=name, school_type="district",
                    grade_low=lo, grade_high=hi, title_i=rng.random() < c.title_i_share,
                    agreement_type=None, agreement_start=None, agreement_end=None,
                    band=band, weight=0.02 if tiny else 0.5 + rng.random()))
            i += n
        if c.community_id == CMS_ID:
            rows.append(dict(
                school_id=None, community_id=c.community_id, name="Crown Point Charter Academy",
                school_type="charter", grade_low=6, grade_high=12, title_i=True,
                agreement_type="MOU", agreement_start=dt.date(2016, 8, 1),
                agreement_end=dt.date(2021, 7, 31), band="C", weight=1.0))
    df = pd.DataFrame(rows)
    df["school_id"] = df["community_id"] * 10_000 + df.groupby("community_id").cumcount() + 1
    return df


def branches(comm: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for c in comm.itertuples():
        for i in range(c.n_branches):
            name = "Main Library" if i == 0 else f"{_SCHOOL_WORDS[(c.community_id * 7 + i) % len(_SCHOOL_WORDS)]} Branch"
            if i >= len(_SCHOOL_WORDS):
                name = f"Branch {i + 1}"
            rows.append(dict(branch_id=c.community_id * 100 + i, community_id=c.community_id, name=name))
    return pd.DataFrame(rows)


def active_targets(comm: pd.DataFrame) -> pd.DataFrame:
    """Share (or, for CMS's calibrated years, number) of card holders active per year."""
    rows = []
    for c in comm.itertuples():
        for y in YEARS:
            exact = CMS_ACTIVE.get(y) if c.community_id == CMS_ID else None
            rate = getattr(c, f"rate_{y}")
            if exact is not None:
                exact = round(exact * c.size / CMS_ENROLLED_2015)
            rows.append(dict(community_id=c.community_id, y=y, kind="student",
                             rate=rate if rate is not None else 0.0, exact=exact))
            rows.append(dict(community_id=c.community_id, y=y, kind="staff", rate=0.55, exact=None))
    return pd.DataFrame(rows)


def _day_weight(d: dt.date) -> float:
    month = {7: 0.45, 8: 0.7, 9: 1.1, 10: 1.2, 11: 1.0, 12: 0.75, 1: 1.1, 2: 1.15,
             3: 1.2, 4: 1.05, 5: 0.95, 6: 0.6}[d.month]
    if (d.month == 12 and d.day >= 21) or (d.month == 1 and d.day <= 3):
        month *= 0.35  # December holidays
    return month * (0.55 if d.weekday() >= 5 else 1.0)


def days() -> pd.DataFrame:
    """Cumulative day weights per school year: 'school' seasonality, and the 'challenge'
    profile used for CMS students first activating in 2015-16 (the superintendent's
    December 2015 challenge)."""
    rows = []
    for profile in ("school", "challenge"):
        for y in YEARS:
            d, end = dt.date(y, 7, 1), dt.date(y + 1, 6, 30)
            ws = []
            while d <= end:
                w = _day_weight(d)
                if profile == "challenge":
                    if d < dt.date(2015, 12, 1):
                        w *= 0.55
                    elif d <= dt.date(2016, 2, 29):
                        w *= 2.6 if not (d.month == 12 and d.day >= 21) else 1.2
                ws.append((d, w))
                d += dt.timedelta(days=1)
            total, acc = sum(w for _, w in ws), 0.0
            for d, w in ws:
                rows.append(dict(profile=profile, dy=y, day=d, cum_lo=acc / total))
                acc += w
    return pd.DataFrame(rows)


def _spread(total: int, weights: list[float]) -> list[int]:
    """Split an integer total over months by weight, exactly (largest remainder)."""
    raw = [total * w / sum(weights) for w in weights]
    out = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


# The library's circulation to patrons outside the program (adults, preschoolers, private- and
# home-school children...): the share of a year's loans in each format, audience, fiction and
# platform cell in 2014-15, and each format's yearly trend (print slowly down, digital up), as
# US public libraries saw them in those years.
_PUBLIC_FORMAT = {("print", "ILS"): (0.70, 0.975), ("other", "ILS"): (0.12, 0.95),
                  ("e-book", "OverDrive"): (0.095, 1.11), ("e-audiobook", "OverDrive"): (0.055, 1.17),
                  ("e-book", "hoopla"): (0.018, 1.32), ("e-audiobook", "hoopla"): (0.012, 1.38)}
_PUBLIC_AUDIENCE = {"adult": 0.52, "juvenile": 0.36, "young adult": 0.12}
_PUBLIC_FICTION = {"adult": 0.55, "juvenile": 0.62, "young adult": 0.7}
# Summer reading: July and June are the busiest months of a public library, and children's
# loans swing with it more than adults'.
_PUBLIC_MONTH = {7: 1.2, 8: 1.05, 9: 0.9, 10: 0.95, 11: 0.88, 12: 0.84, 1: 0.97, 2: 0.92,
                 3: 1.0, 4: 0.95, 5: 0.94, 6: 1.12}


def public_circulation(comm: pd.DataFrame, seed: int, scale: float = 1.0) -> pd.DataFrame:
    """Monthly checkouts and renewals by everyone outside the program, as an ILS exports them
    (circulation_monthly), so that circulation is the library's whole circulation, as its
    director reports it. Charlotte Mecklenburg's juvenile non-fiction OverDrive e-books are the
    library-wide target less the part on the program's cards (CMS_JNF_OVERDRIVE, CMS_JNF_PROGRAM)."""
    rng = random.Random(seed + 4)
    order = (7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6)
    rows = []
    for c in comm.itertuples():
        for (fmt, platform), (share, fmt_trend) in _PUBLIC_FORMAT.items():
            for audience, a_share in _PUBLIC_AUDIENCE.items():
                for fiction in ("fiction", "non-fiction"):
                    f_share = _PUBLIC_FICTION[audience] if fiction == "fiction" else 1 - _PUBLIC_FICTION[audience]
                    cell = c.size * c.per_capita * share * a_share * f_share
                    swing = 1.6 if audience == "juvenile" else 1.0
                    month_w = [1 + swing * (_PUBLIC_MONTH[m] - 1) for m in order]
                    drift = 1.0
                    for y in YEARS:
                        total = cell * (c.trend * fmt_trend) ** (y - 2014) * drift
                        drift *= rng.uniform(0.97, 1.03)  # each cell its own course
                        if (c.community_id == CMS_ID and (fmt, platform, audience, fiction)
                                == ("e-book", "OverDrive", "juvenile", "non-fiction")):
                            total = round(CMS_JNF_OVERDRIVE[y] * scale) - round(CMS_JNF_PROGRAM[y] * scale)
                        months = [dt.date(y + (m < 7), m, 1) for m in order]
                        for month, n in zip(months, _spread(round(total), month_w)):
                            renewals = round(n * 0.12) if fmt == "print" else 0
                            rows.append((c.community_id, month, fmt, audience, fiction, platform,
                                         n - renewals, renewals))
    return pd.DataFrame(rows, columns=["community_id", "month", "format", "audience", "fiction", "platform",
                                       "checkouts", "renewals"])


def eresource_usage(comm: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Monthly vendor-reported usage (COUNTER R5 metric names), per community and platform.

    World Book Online reports both a Platform Report and a Database Report of the same use:
    the metrics must pick one, never add them.
    """
    rng = random.Random(seed + 2)
    month_w = [_day_weight(dt.date(2001, m, 15)) for m in (7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6)]
    public_w = [_PUBLIC_MONTH[m] for m in (7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6)]
    rows = []
    for c in comm.itertuples():
        launch_y = c.launch_date.year if c.launch_date.month >= 7 else c.launch_date.year - 1
        # Vendors report the library's whole use. Each platform has its own trend, and the
        # program adds students' use from its launch: much to TumbleBooks (bought for the
        # students), some to World Book (school assignments), little to OverDrive's large base.
        course = {p: rng.uniform(lo, hi) for p, (lo, hi) in
                  {"OverDrive": (1.08, 1.2), "World Book Online": (0.96, 1.04), "TumbleBooks": (0.98, 1.05)}.items()}
        boost = {"OverDrive": rng.uniform(0.15, 0.35), "World Book Online": rng.uniform(0.5, 0.9),
                 "TumbleBooks": rng.uniform(5.0, 8.0)}
        for y in YEARS:
            months = [dt.date(y + (m < 7), m, 1) for m in (7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6)]
            level = {p: c.size * course[p] ** (y - 2014) * (1 + (boost[p] if y >= launch_y else 0))
                     * rng.uniform(0.96, 1.04) for p in course}
            series = {
                ("OverDrive", "PR"): {"Total_Item_Requests": level["OverDrive"] * 2.4,
                                      "Unique_Item_Requests": level["OverDrive"] * 1.65},
                ("TumbleBooks", "PR"): {"Total_Item_Requests": level["TumbleBooks"] * 0.04,
                                        "Unique_Item_Requests": level["TumbleBooks"] * 0.029},
                ("World Book Online", "PR"): {"Total_Item_Requests": level["World Book Online"] * 0.25,
                                              "Searches_Platform": level["World Book Online"] * 0.4},
                ("World Book Online", "DR"): {"Total_Item_Requests": level["World Book Online"] * 0.25,
                                              "Searches_Regular": level["World Book Online"] * 0.4},
            }
            if c.community_id == CMS_ID:
                cms = CMS_TUMBLEBOOKS[y] * c.size / CMS_ENROLLED_2015
                series[("TumbleBooks", "PR")] = {"Total_Item_Requests": cms, "Unique_Item_Requests": cms * 0.71}
            for (platform, report), metrics in series.items():
                # OverDrive is read for pleasure (summer reading); the other two follow school.
                weights = public_w if platform == "OverDrive" else month_w
                if y == launch_y:
                    # The students' use starts in the launch month, not in July: the year's
                    # total stays, its months before the launch carry only the library's own use.
                    weights = [w * (1 + boost[platform] * (m >= c.launch_date.replace(day=1)))
                               for w, m in zip(weights, months)]
                for metric, total in metrics.items():
                    for month, count in zip(months, _spread(round(total), weights)):
                        rows.append(dict(community_id=c.community_id, platform=platform, month=month,
                                         metric_type=metric, count=count, report_type=report,
                                         counter_release="5.0"))
    # World Book's DR repeats its PR: same numbers, so adding them would double the use.
    df = pd.DataFrame(rows)
    pr = df[(df.platform == "World Book Online") & (df.report_type == "PR") & (df.metric_type == "Total_Item_Requests")]
    dr = df.index[(df.platform == "World Book Online") & (df.report_type == "DR") & (df.metric_type == "Total_Item_Requests")]
    df.loc[dr, "count"] = pr["count"].to_numpy()
    return df


def survey(comm: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = random.Random(seed + 3)
    rows = []
    for cohort, wave, questions, answered in (
        (1, "Cohort 1 round one (2016)", SURVEY_ROUND_ONE, 60),
        (2, "Cohort 2 round one (2017)", SURVEY_COHORT2, 44),
    ):
        ids = comm.loc[comm.cohort == cohort, "community_id"].tolist()
        respondents = set(rng.sample(ids, answered))
        for qid, text, yes in questions:
            order = sorted(respondents)
            rng.shuffle(order)
            yes_ids = set(order[:yes])
            for cid in ids:
                answer = None if cid not in respondents else ("yes" if cid in yes_ids else "no")
                rows.append(dict(community_id=cid, wave=wave, question_id=qid, question=text, answer=answer))
    return pd.DataFrame(rows)


def campaigns(comm: pd.DataFrame) -> pd.DataFrame:
    rows = [
        dict(community_id=CMS_ID, start_date=dt.date(2015, 8, 24), end_date=None,
             title="ONE Access launch: every student ID is a library card", kind="annotation"),
        dict(community_id=CMS_ID, start_date=dt.date(2015, 12, 1), end_date=dt.date(2016, 6, 10),
             title="Superintendent's activation challenge", kind="campaign"),
        dict(community_id=CMS_ID, start_date=dt.date(2016, 1, 11), end_date=None,
             title="Mobile hotspot lending pilot starts", kind="annotation"),
        dict(community_id=CMS_ID, start_date=dt.date(2016, 8, 29), end_date=None,
             title="Crown Point Charter Academy joins under its own MOU", kind="annotation"),
    ]
    for c in comm.itertuples():
        if c.community_id != CMS_ID:
            rows.append(dict(community_id=c.community_id, start_date=c.launch_date, end_date=None,
                             title="Student card launch", kind="annotation"))
    df = pd.DataFrame(rows)
    df.insert(0, "campaign_id", range(1, len(df) + 1))
    return df
