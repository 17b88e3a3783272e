"""Plain-language changes and headline sentences, without Streamlit.

Rules a reader relies on: a change that rounds to zero is "unchanged", never "up"; no
growth is stated from a zero base; no comparison is made with a year the warehouse lacks.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from metrics import formats
from metrics.definitions import label
from metrics.suppression import NO_DATA


@dataclass(frozen=True)
class Change:
    delta: str | None   # for st.metric, e.g. "+3.4 pts" or "+0.8%"; None when there is none
    phrase: str         # for a sentence, e.g. "up 3.4 points from 2014-15"


def change(value, prior, kind: str, prior_year: str, prior_available: bool = True) -> Change:
    """The change from prior to value. kind 'rate' (shares 0-1) compares in percentage
    points; 'count' and 'ratio' compare in percent."""
    if not prior_available:
        return Change(None, f"no figures for {prior_year} to compare with")
    if formats.missing(value) or formats.missing(prior):
        return Change(None, f"no comparison with {prior_year} (small numbers are not shown)")
    if kind == "rate":
        points = formats.points_change(value, prior)
        if points == 0:
            return Change("±0.0 pts", f"unchanged {formats.since(prior_year)}")
        word = "up" if points > 0 else "down"
        unit = "point" if abs(points) == 1 else "points"
        return Change(formats.points(points), f"{word} {abs(points):.1f} {unit} {formats.since(prior_year)}")
    if float(prior) == 0:
        if float(value) == 0:
            return Change(None, f"none in {prior_year} either")
        return Change(None, f"new this year (none in {prior_year})")
    pct = formats.percent_change(value, prior)
    if pct == 0:
        return Change("±0.0%", f"unchanged {formats.since(prior_year)}")
    word = "up" if pct > 0 else "down"
    return Change(formats.percent(pct, sign=True), f"{word} {formats.percent(abs(pct))} {formats.since(prior_year)}")


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    delta: str | None
    sentence: str
    help: str
    prior: str | None = None   # the year before, as shown; None when that year is not loaded


def _shown(v, kind: str) -> str:
    """A figure as a tile shows it: a hidden one comes as its mark ("<10" or "suppressed"),
    and nothing at all (no rows for the year) reads "no data", never "<10"."""
    if isinstance(v, str):
        return v
    return NO_DATA if formats.missing(v) else formats.FORMAT[kind](v)


def headline_tiles(cur: dict, prior: dict, year: str, prior_year: str, prior_available: bool,
                   many: bool = False) -> list[Tile]:
    """The Overview's tiles. cur and prior hold enrolled, cards, activation_rate, active,
    active_user_rate, circulation, per_student, eresource_use and staff_cards for the year and
    the year before (missing = suppressed or not loaded). many: the scope is a cohort or the
    program, whose sentences speak of the communities' libraries."""
    def ch(key, kind):
        return change(cur.get(key), prior.get(key), kind, prior_year, prior_available)

    def sentence(text: str, c: Change) -> str:
        return f"{text}, {c.phrase}."

    tiles = []
    c = ch("enrolled", "count")
    tiles.append(Tile(label("enrolled", short=True), _shown(cur.get("enrolled"), "count"), c.delta,
                      sentence(f"{_shown(cur.get('enrolled'), 'count')} K-12 students were enrolled in {year}", c),
                      "Enrollment as supplied by the school districts (the denominator of every rate)."))
    c = ch("cards", "count")
    share = _share(cur.get("cards"), cur.get("enrolled"))
    tiles.append(Tile("Student cards issued", _shown(cur.get("cards"), "count"), c.delta,
                      sentence(f"{_shown(cur.get('cards'), 'count')} enrolled students held a library card"
                               + (f" ({share} of enrollment)" if share else ""), c),
                      "Student cards held at the end of the school year."))
    c = ch("activation_rate", "rate")
    tiles.append(Tile(label("activation_rate", short=True), _shown(cur.get("activation_rate"), "rate"), c.delta,
                      sentence(f"{_shown(cur.get('activation_rate'), 'rate')} of enrolled students had used their "
                               f"card at least once, this year or earlier, by the end of {year}", c),
                      "Students whose card has been used at least once (checkout, login or e-resource login), "
                      "in this or an earlier year, over students enrolled. " + formats.RATES_EXPLAINED))
    c = ch("active_user_rate", "rate")
    active = cur.get("active")
    tiles.append(Tile(label("active_user_rate", short=True), _shown(cur.get("active_user_rate"), "rate"), c.delta,
                      sentence(f"{_shown(cur.get('active_user_rate'), 'rate')} of enrolled students "
                               f"({_shown(active, 'count')}) used their card this year", c),
                      "Students with at least one interaction in the school year, each counted once across "
                      "every platform, over students enrolled. " + formats.RATES_EXPLAINED))
    c = ch("circulation", "count")
    per = cur.get("per_student")
    tiles.append(Tile(label("circulation", short=True), _shown(cur.get("circulation"), "count"), c.delta,
                      sentence(("The communities' libraries lent or renewed " if many else "The library lent or renewed ")
                               + f"{_shown(cur.get('circulation'), 'count')} items to "
                               + ("all their patrons" if many else "all its patrons")
                               + ("" if formats.missing(per) else f", {formats.ratio(per)} per enrolled student"), c),
                      formats.CIRCULATION_DEFINITION))
    c = ch("eresource_use", "count")
    tiles.append(Tile("E-resource use", _shown(cur.get("eresource_use"), "count"), c.delta,
                      sentence(f"{_shown(cur.get('eresource_use'), 'count')} e-resource item requests were made", c),
                      "Total item requests (COUNTER Release 5 Total_Item_Requests) summed over platforms, one "
                      "report type per platform."))
    c = ch("staff_cards", "count")
    tiles.append(Tile("Teacher and staff cards", _shown(cur.get("staff_cards"), "count"), c.delta,
                      sentence(f"{_shown(cur.get('staff_cards'), 'count')} teachers and staff held a library card", c),
                      "Teacher and staff cards held at the end of the school year."))
    keys = ["enrolled", "cards", "activation_rate", "active_user_rate", "circulation", "eresource_use", "staff_cards"]
    kinds = ["count", "count", "rate", "rate", "count", "count", "count"]
    return [dataclasses.replace(t, prior=_shown(prior.get(k), kind) if prior_available else None)
            for t, k, kind in zip(tiles, keys, kinds)]


def _share(part, whole) -> str | None:
    if formats.missing(part) or formats.missing(whole) or float(whole) == 0:
        return None
    return formats.rate(float(part) / float(whole))


def school_types_note(types_by_year: dict[str, list[str]], year: str) -> str | None:
    """Why the district/charter split may be one bar: a school type that has students only in
    later years joins then ('Only district schools had students enrolled in 2015-16; charter
    schools join in 2016-17.'). types_by_year: school year -> school types with students."""
    now = set(types_by_year.get(year, []))
    if len(now) != 1:
        return None
    later = sorted(y for y in types_by_year if y > year and set(types_by_year[y]) - now)
    only = next(iter(now))
    note = f"Only {only} schools had students enrolled in {year}"
    if later:
        joins = sorted(set(types_by_year[later[0]]) - now)
        note += f"; {' and '.join(joins)} schools join in {later[0]}"
    return note + "."


def program_tiles(cur, prior, year: str, prior_year: str, prior_available: bool, whose: str) -> list[Tile]:
    """The headline of a cohort or the whole program (metrics.headline: cur for the year, prior
    for the year before or None), each figure with its change. whose names the scope in a
    sentence: "cohort 1's", "the program's"."""
    from metrics.headline import FIGURES, figure

    def get(df, name):
        return None if df is None else figure(df, name)

    sentences = {
        "new_cards": lambda v: f"{v} new student cards were issued in {year} by {whose} communities' libraries",
        "communities": lambda v: f"{v} communities took part in {year}",
        "enrolled": lambda v: f"{v} K-12 students were enrolled in {whose} school districts",
        "students_reached": lambda v: f"{v} students used their card at least once in {year}",
        "activation_rate": lambda v: f"{v} of enrolled students had used their card at least once, this year or earlier",
        "active_user_rate": lambda v: f"{v} of enrolled students used their card this year",
    }
    helps = {
        "new_cards": "Student cards issued during the school year (July to June), over every community in the scope.",
        "communities": "Communities taking part in the program in this scope.",
        "enrolled": "Enrollment as supplied by the communities' school districts (the denominator of every rate).",
        "students_reached": "Enrolled students with at least one checkout, login or e-resource use in the school "
                            "year, each counted once across every platform.",
        "activation_rate": "Students whose card has been used at least once, in this or an earlier year, over "
                           "students enrolled. " + formats.RATES_EXPLAINED,
        "active_user_rate": "Students reached over students enrolled. " + formats.RATES_EXPLAINED,
    }
    out = []
    for name, (label, kind) in FIGURES.items():
        value, before = get(cur, name), get(prior, name)
        c = change(value, before, kind, prior_year, prior_available and prior is not None)
        shown = _shown(value, kind)
        out.append(Tile(label, shown, c.delta, f"{sentences[name](shown)}, {c.phrase}.", helps[name],
                        prior=_shown(before, kind) if prior_available and prior is not None else None))
    return out


def survey_tiles(survey) -> list[Tile]:
    """One tile per survey indicator (rows of metrics.headline.survey): the share answering yes,
    always with its n and its Wilson 95% interval."""
    out = []
    for r in survey.itertuples():
        if formats.missing(r.value):
            value, sentence = "no answers", f"No community answered ({r.wave})."
        else:
            value = formats.rate(r.value)
            # the question in full (a tile's label is cut at its width)
            sentence = (f"{r.label}: {formats.count(r.yes)} of n = {formats.count(r.n)} communities answered yes; "
                        f"95% interval {formats.rate(r.ci_low)} to {formats.rate(r.ci_high)}.")
        out.append(Tile(str(r.label), value, None, sentence,
                        f"{r.wave}: share of responding communities answering yes, with n (communities that "
                        "answered) and a Wilson 95% interval."))
    return out


def schools_phrase(counts) -> str | None:
    """metrics.school_count in words: '170 district schools and 1 charter school'."""
    from briefing.content import schools_text   # one wording for the pages and the briefing

    return schools_text(counts)


def target_rows(progress) -> list[dict]:
    """metrics.target_progress as a table a person reads: metric, target, actual, gap, status."""
    rows = []
    for r in progress.itertuples():
        show = formats.FORMAT.get(r.kind, formats.count)
        if isinstance(r.mark, str):
            actual, gap, status = r.mark, "–", "not shown (small counts)" if r.mark != "no data" else "no data"
        else:
            actual = show(r.actual)
            if r.kind == "rate":
                gap = formats.points(float(r.gap) * 100)
            elif r.kind == "ratio":
                gap = f"{float(r.gap):+,.2f}"
            else:
                gap = f"{float(r.gap):+,.0f}"
            status = "on target" if bool(r.met) else "behind target"
        rows.append(dict(label=r.label, target=show(r.target), actual=actual, gap=gap, status=status))
    return rows
