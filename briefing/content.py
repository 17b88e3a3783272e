"""What the briefing says: the figures for one scope, gathered from `metrics`, and the plain
sentences written from them. Knows nothing about PDF, slides or charts."""
from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

import metrics
from briefing import wording as w
from metrics import catalog
from metrics.access import MIN_COMMUNITIES, AccessDenied
from metrics import formats as fmt
from metrics.scope import Scope
from metrics.suppression import THRESHOLD

PROGRAM = "Leaders Library Card Challenge"

# The program's own documents single out juvenile non-fiction e-books on OverDrive as the
# sign that students read digitally; the briefing always reports that line.
HIGHLIGHT_LINE = dict(format="e-book", audience="juvenile", fiction="non-fiction", platform="OverDrive")
HIGHLIGHT_LABEL = "Juvenile non-fiction e-book loans on OverDrive"
HIGHLIGHT_TILE = "Juvenile non-fiction e-books"
NOTABLE_TITLE = "The figures behind the summary"
ERESOURCE_METRIC = "Total_Item_Requests"
MIN_BASE_FOR_HIGHLIGHT = 100
STANDING_LABELS = {"activation_rate": "Activation rate", "active_user_rate": "Active-user rate",
                   "circulation_growth": "Circulation growth"}  # a platform going from 12 to 150 uses is no headline


@dataclass
class Headline:
    label: str
    value: str      # formatted, "<10" when suppressed
    change: str     # against the year before, e.g. "+58.1 pts from 2014-15"; "" when unknown
    detail: str = ""


@dataclass
class Line:
    """One row of a small table: a label and already formatted cells."""
    label: str
    cells: list[str]


@dataclass
class Briefing:
    scope: Scope
    title: str
    period: str
    subtitle: str
    headlines: list[Headline]
    sentences: list[str]
    standing_header: list[str]
    standing: list[Line]
    notable_header: list[str]
    notable: list[Line]
    footnote: str
    is_demo: bool
    loaded: str
    weekly: pd.DataFrame = field(repr=False)
    campaigns: pd.DataFrame = field(repr=False)
    by_format: pd.DataFrame = field(repr=False)
    program: str = PROGRAM
    notable_title: str = NOTABLE_TITLE

    @property
    def slug(self) -> str:
        return self.scope.community or (f"cohort-{self.scope.cohort}" if self.scope.cohort else "program")

    def file_stem(self) -> str:
        return f"briefing-{self.slug}-{self.scope.school_year}"


class UnknownScope(ValueError):
    """A community, cohort or school year the warehouse does not hold."""


def first(df: pd.DataFrame, column: str):
    """The first row's value, <NA> when the frame is empty (a year the warehouse lacks)."""
    return df[column].iloc[0] if len(df) else pd.NA


def check_scope(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.Series | None:
    """The community's catalog row (None for a cohort or the program); UnknownScope if the
    warehouse has no such community, cohort or school year."""
    years = catalog.school_years(con)
    if scope.school_year not in years:
        raise UnknownScope(f"unknown school year {scope.school_year!r}; the warehouse holds {', '.join(years)}")
    if scope.community is not None:
        table = catalog.communities(con, scope.viewer)
        row = table[table["slug"] == scope.community]
        if row.empty:
            raise UnknownScope(f"unknown community {scope.community!r}; see `python -m briefing --list`")
        return row.iloc[0]
    cohorts = set(catalog.cohorts(con)["cohort"])
    if scope.cohort is not None and scope.cohort not in cohorts:
        raise UnknownScope(f"unknown cohort {scope.cohort!r}; the warehouse holds cohorts "
                           f"{', '.join(str(c) for c in sorted(cohorts))}")
    return None


def period_text(year: str) -> str:
    start = int(year[:4])
    return f"School year {year} (July {start} – June {start + 1})"


def loaded_text(con: duckdb.DuckDBPyConnection, scope: Scope | None = None) -> str:
    """When the data was last loaded: the newest load in the load log the viewer sees, as the
    Data page says it (metrics.formats.last_loaded)."""
    return fmt.last_loaded(catalog.load_log(con, scope.viewer) if scope else catalog.load_log(con))


def build(con: duckdb.DuckDBPyConnection, scope: Scope) -> Briefing:
    """Gather every figure of the briefing for a community or a cohort and a school year."""
    row = check_scope(con, scope)
    scope = Scope(scope.school_year, community=scope.community, cohort=scope.cohort, viewer=scope.viewer)
    prior = scope.prior()
    py = scope.prior_year
    on_prior = fmt.since(py)

    active, active_prior = metrics.active_user_rate(con, scope), metrics.active_user_rate(con, prior)
    activ = metrics.activation_rate(con, scope)
    circ = metrics.circulation_growth(con, scope)
    eres = metrics.eresource_growth(con, scope, metric_type=ERESOURCE_METRIC)
    staff, staff_prior = metrics.staff_cards(con, scope), metrics.staff_cards(con, prior)
    highlight = metrics.circulation_growth(con, scope.replace(**HIGHLIGHT_LINE))
    hotspots = metrics.hotspot_lending(con, scope).set_index("school_year")

    enrolled, reached, reached_prior = first(active, "enrolled"), first(active, "active"), first(active_prior, "active")
    rate, rate_prior = first(active, "active_user_rate"), first(active_prior, "active_user_rate")
    act_rate = first(activ, "activation_rate")
    # No rows at all means no loans or uses in either year, which is 0, not unknown.
    loans, loans_prior = (first(circ, "circulation"), first(circ, "prior_circulation")) if len(circ) else (0, 0)
    e_now, e_prior = total(eres, "usage", empty_is_zero=True), total(eres, "prior_usage", empty_is_zero=True)
    staff_now, staff_before = total(staff, "cards", empty_is_zero=True), total(staff_prior, "cards", empty_is_zero=True)

    has_prior = py in catalog.school_years(con)

    def change(text: str | None) -> str:
        if not has_prior:
            return f"no figures for {py}"
        if text is None:
            return f"change {on_prior} not shown (small counts)"
        if text == "new":
            return f"new: none in {py}"
        if text == "none either year":
            return f"none in {py} either"
        return f"{text} {on_prior}"

    def against(v) -> str:
        return f"against {show_value(v)} in {py}" if has_prior else f"no figures for {py}"

    h_now, h_prior = (first(highlight, "circulation"), first(highlight, "prior_circulation")) if len(highlight) else (0, 0)
    hot_now = hotspots["loans"].get(scope.school_year, 0)
    hot_prior = hotspots["loans"].get(py, 0)
    # Six tiles, six different things: students reached are the active-user rate's numerator
    # and the activation rate tells almost the same story, so both go into the rate's tile
    # and the sentences; the tiles go to the library, its published highlight and its services.
    headlines = [
        Headline("Active-user rate", show_rate(active, "active_user_rate"),
                 change(w.rate_change(rate, rate_prior)),
                 f"{show_count(active, 'active')} of {show_count(active, 'enrolled')} students used their card"),
        Headline("Library circulation", growth_cell(loans, loans_prior) if has_prior else "–",
                 against(loans_prior), f"{show_value(loans)} loans to all patrons"),
        Headline(HIGHLIGHT_TILE, growth_cell(h_now, h_prior) if has_prior else "–",
                 against(h_prior), f"{show_value(h_now)} loans on OverDrive"),
        Headline("E-resource use", growth_cell(e_now, e_prior) if has_prior else "–",
                 against(e_prior), f"{show_value(e_now)} item requests"),
        Headline("Hotspot loans", show_value(hot_now),
                 change(w.count_change(hot_now, hot_prior)), "mobile hotspots lent to students"),
        Headline("Teacher and staff cards", show_value(staff_now),
                 change(w.count_change(staff_now, staff_before)), staff_detail(staff)),
    ]

    name = row["name"] if row is not None else (f"Cohort {scope.cohort}" if scope.cohort else "All communities")
    notable_title, notable_header, notable = NOTABLE_TITLE, ["", py, scope.school_year, "Change"], notable_lines(highlight, eres)
    program_sentences: list[str] = []
    if scope.community is None:
        # A cohort or the program leads with the program's own figures (metrics.headline, as the Overview).
        head = metrics.headline(con, scope)
        head_prior = metrics.headline(con, prior) if has_prior else None
        headlines = program_headlines(head, head_prior, change, py)
        program_sentences = program_sentences_of(scope, head)
        notable_title, notable_header, notable = survey_table(head)
    sentences = write_sentences(
        scope, enrolled=enrolled, rate=rate, act_rate=act_rate, reached=reached, reached_prior=reached_prior,
        loans=loans, loans_prior=loans_prior, highlight=highlight, eres=eres, staff_now=staff_now,
    )
    if scope.community is None:   # the program's figures first; the library lines that follow fit one page
        sentences = program_sentences + sentences[:3]
    sentences += impact_sentences(con, scope)
    if scope.community is not None:
        sentences += target_sentences(metrics.target_progress(con, scope), scope.school_year)
    standing_header, standing = (community_standing(con, scope, name) if scope.community
                                 else cohort_spread(con, scope))
    meta = catalog.warehouse_meta(con)
    is_demo = meta.get("demo") == "true" or bool(row is not None and row.get("is_demo"))
    loaded = loaded_text(con, scope)
    if scope.community:
        subtitle = f"{row['state']} · cohort {int(row['cohort'])}"
        schools = schools_text(metrics.school_count(con, scope))
        if schools:
            subtitle += f" · {schools}"
    else:
        sizes = catalog.cohorts(con).set_index("cohort")["communities"]
        n = int(sizes.get(scope.cohort, 0)) if scope.cohort else int(sizes.sum())
        subtitle = f"{n} communities"

    return Briefing(
        scope=scope, title=name, period=period_text(scope.school_year), subtitle=subtitle,
        headlines=headlines, sentences=sentences,
        standing_header=standing_header, standing=standing,
        notable_header=notable_header, notable=notable, notable_title=notable_title,
        footnote=footnote(loaded, is_demo, scope), is_demo=is_demo, loaded=loaded,
        weekly=metrics.activation_by_week(con, scope),
        campaigns=catalog.campaigns(con, scope.community, scope.viewer),
        by_format=metrics.circulation_growth(con, scope, by="format"),
    )


def total(df: pd.DataFrame, column: str, empty_is_zero: bool = False):
    """A sum over rows, <NA> if any row is suppressed (the total would reveal nothing
    trustworthy and could un-hide a cell); an empty frame is 0 only where absence means none."""
    if df.empty:
        return 0 if empty_is_zero else pd.NA
    values = df[column]
    if values.isna().any():
        return pd.NA
    return int(values.sum())


def growth_cell(current, prior) -> str:
    """Growth as shown: '–' when a count is hidden or missing, 'new' from a zero base."""
    if w.missing(current) or w.missing(prior):
        return "–"
    if float(prior) == 0:
        return "new" if float(current) > 0 else "–"
    return fmt.growth(float(current) / float(prior) - 1)


def show_value(v) -> str:
    """A total: '–' when it cannot be given (a part of it is suppressed)."""
    return "–" if w.missing(v) else fmt.count(v)


def show_count(df: pd.DataFrame, column: str) -> str:
    return fmt.present(df, [column]).iloc[0, 0] if len(df) else "–"


def show_rate(df: pd.DataFrame, column: str) -> str:
    return fmt.present(df, [column]).iloc[0, 0] if len(df) else "–"


def staff_detail(staff: pd.DataFrame) -> str:
    parts = [f"{fmt.present(staff[staff['patron_type'] == kind], ['cards']).iloc[0, 0]} {label}"
             for kind, label in (("teacher", "teachers"), ("staff", "staff"))
             if (staff["patron_type"] == kind).any()]
    return ", ".join(parts)


def write_sentences(scope: Scope, *, enrolled, rate, act_rate, reached, reached_prior, loans, loans_prior,
                    highlight: pd.DataFrame, eres: pd.DataFrame, staff_now) -> list[str]:
    """Three to six plain sentences, each written only when its numbers can be stated."""
    out: list[str] = []
    share, students = w.percent_phrase(rate), w.count_phrase(enrolled)
    if share and students and share.split()[0] in ("nearly", "more") and students.split()[0] in ("nearly", "more"):
        students = fmt.count(enrolled)  # one approximation per sentence reads better than two
    if share and students and not w.missing(reached):
        whose = "the district's" if scope.community else f"cohort {scope.cohort}'s" if scope.cohort else "the program's"
        text = f"{share} of {whose} {students} students used their library card this year"
        if not w.missing(reached_prior) and float(reached_prior) > 0:
            text += f": {fmt.count(reached)} students, against {fmt.count(reached_prior)} the year before"
        out.append(w.sentence(text))
        if not w.missing(act_rate):
            # Activation and active-user rates side by side: say what each counts.
            out.append(w.sentence(f"Counting cards used in any year, {fmt.rate(act_rate)} of students have used "
                                  f"theirs (the activation rate)"))

    phrase = w.growth_phrase(loans, loans_prior)
    if phrase:
        whose = ("The library's loans of books, e-books and other items to all its patrons" if scope.community else
                 "The communities' libraries' loans of books, e-books and other items to all their patrons")
        out.append(w.sentence(f"{whose} {phrase} from the year before, to {fmt.count(loans)}"))

    if len(highlight):
        h_now, h_prior = highlight["circulation"].iloc[0], highlight["prior_circulation"].iloc[0]
        phrase = w.growth_phrase(h_now, h_prior)
        if phrase:
            out.append(w.sentence(f"{HIGHLIGHT_LABEL} {phrase}, from {fmt.count(h_prior)} to {fmt.count(h_now)}"))

    top = top_eresource(eres)
    if top is not None:
        phrase = w.growth_phrase(top["usage"], top["prior_usage"])
        out.append(w.sentence(f"{top['platform']} use {phrase} ({fmt.count(top['prior_usage'])} to "
                              f"{fmt.count(top['usage'])} item requests)"))

    staff = w.count_phrase(staff_now)
    if staff and not w.missing(staff_now) and float(staff_now) >= THRESHOLD:
        out.append(w.sentence(f"{staff} teachers and staff hold a library card of their own"))
    return out[:6]


def top_eresource(eres: pd.DataFrame) -> pd.Series | None:
    """The e-resource platform that grew most, among those with a base large enough to be
    news and no suppressed count."""
    ok = eres.dropna(subset=["usage", "prior_usage", "growth"])
    ok = ok[ok["prior_usage"] >= MIN_BASE_FOR_HIGHLIGHT]
    if ok.empty:
        return None
    return ok.sort_values("growth", ascending=False).iloc[0]


def notable_lines(highlight: pd.DataFrame, eres: pd.DataFrame) -> list[Line]:
    """The lines the sentences draw on, with their numbers, so a reader can check them."""
    out = []
    if len(highlight):
        cells = fmt.present(highlight, ["prior_circulation", "circulation", "growth"]).iloc[0].tolist()
        out.append(Line("Juvenile non-fiction e-books, OverDrive (loans)",
                        no_growth_from_zero(cells, highlight.iloc[0])))
    shown = eres.dropna(subset=["growth"]).sort_values("growth", ascending=False).head(3)
    for _, r in shown.iterrows():
        frame = pd.DataFrame([r])
        cells = fmt.present(frame, ["prior_usage", "usage", "growth"]).iloc[0].tolist()
        out.append(Line(f"{r['platform']} (item requests)", cells))
    return out


def no_growth_from_zero(cells: list[str], r: pd.Series) -> list[str]:
    if w.missing(r["growth"]) and not w.missing(r["prior_circulation"]) and r["prior_circulation"] == 0:
        cells[-1] = "new"
    return cells


def community_standing(con: duckdb.DuckDBPyConnection, scope: Scope, name: str) -> tuple[list[str], list[Line]]:
    """The community against its cohort: its value, the cohort median, the middle half. A
    community viewer whose cohort is too small to compare gets a row saying so."""
    try:
        comp = metrics.cohort_comparison(con, scope)
    except AccessDenied:
        return (["", name, "Cohort median", "Middle half of cohort", "Position"],
                [Line(f"Not shown: the cohort has fewer than {MIN_COMMUNITIES} communities", ["–"] * 4)])
    n = int(comp["n"].max())
    header = ["", name, f"Cohort {int(comp['cohort'].iloc[0])} median", "Middle half of cohort", f"Position among {n}"]
    lines = []
    for _, r in comp.iterrows():
        show = fmt.growth if r["metric"] == "circulation_growth" else fmt.rate
        position = w.quarter_position(r["value"], r["q1"], r["median"], r["q3"])
        middle = "–" if w.missing(r["q1"]) else f"{show(r['q1'])} to {show(r['q3'])}"
        lines.append(Line(STANDING_LABELS[r["metric"]], [show(r["value"]), show(r["median"]), middle, position or "–"]))
    return header, lines


def cohort_spread(con: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[list[str], list[Line]]:
    """For a cohort (or the program): the spread of its communities on the same measures."""
    spread = metrics.cohort_quartiles(con, scope)
    header = ["", "Lower quartile", "Median", "Upper quartile", "Communities (n)"]
    lines = []
    for _, r in spread.iterrows():
        show = fmt.growth if r["metric"] == "circulation_growth" else fmt.rate
        lines.append(Line(STANDING_LABELS[r["metric"]], [show(r["q1"]), show(r["median"]), show(r["q3"]),
                                                        f"{int(r['n']):,}"]))
    return header, lines


def footnote(loaded: str, is_demo: bool, scope: Scope) -> str:
    one = scope.community is not None
    parts = [
        ("Sources: the library's circulation system and card records; e-resource vendors' usage "
         "reports (total item requests, COUNTER Release 5 Total_Item_Requests); enrollment counts supplied "
         "by the school district." if one else
         "Sources: the communities' libraries' circulation systems and card records; e-resource vendors' usage "
         "reports (total item requests, COUNTER Release 5 Total_Item_Requests); enrollment counts supplied "
         "by the communities' school districts; the program's survey of its communities."),
        f"Definitions: the school year runs July to June. Students reached: enrolled students with at least one "
        f"checkout, login or e-resource use in the year, each counted once. Active-user rate: students reached "
        f"over students enrolled. Activation rate: students whose card has been used at least once, this year or "
        f"earlier, over students enrolled. New student cards: student cards issued during the school year. "
        f"Circulation: checkouts and renewals by all the {'library' if one else 'libraries'}' patrons. "
        f"Growth: this "
        f"year over the year before ({scope.prior_year}), minus one; no growth is given from a zero base.",
        "Cohort position: against the median and quartiles of the communities of the same cohort." if one else
        "Survey indicators: the share of responding communities answering yes, with n (communities that "
        "answered) and a Wilson 95% interval. Spread: the quartiles of the communities' own figures.",
        f"Counts under {THRESHOLD} are shown as <{THRESHOLD}, and no rate or sentence is built on them.",
        f"Data last loaded: {loaded}.",
    ]
    if is_demo:
        parts.append("Demo data: synthetic figures, not real students or communities.")
    return " ".join(parts)


def impact_sentences(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[str]:
    """One sentence per campaign of the community that started in the school year and whose lift
    is clear (metrics.impact): in monthly new activations, else in monthly active users; none when
    neither is, nor for a cohort."""
    if scope.community is None:
        return []
    est = metrics.campaign_impact(con, scope)
    if est.empty:
        return []
    start = pd.to_datetime(est["start_date"])
    year = int(scope.school_year[:4])
    mine = est[est["clear"].astype(bool) & (start >= pd.Timestamp(year, 7, 1)) & (start <= pd.Timestamp(year + 1, 6, 30))]
    mine = mine.sort_values("outcome", key=lambda o: o != "new_activations", kind="stable")
    return mine.drop_duplicates("campaign_id")["verdict"].tolist()


def program_headlines(head: pd.DataFrame, prior: pd.DataFrame | None, change, prior_year: str) -> list[Headline]:
    """The six tiles of a cohort or the program: metrics.headline's figures with their change."""
    from metrics.headline import FIGURES, figure

    def shown(v, kind):
        return v if isinstance(v, str) else ("–" if w.missing(v) else fmt.FORMAT[kind](v))

    details = {"new_cards": "student cards issued during the year", "communities": "taking part",
               "enrolled": "K-12 students in the communities' schools",
               "students_reached": "used their card at least once this year",
               "activation_rate": "of students have used their card, any year",
               "active_user_rate": "of students used their card this year"}
    out = []
    for name, (label, kind) in FIGURES.items():
        v = figure(head, name)
        before = figure(prior, name) if prior is not None else None
        if isinstance(v, str) or isinstance(before, str):
            out.append(Headline(label, shown(v, kind), f"{prior_year}: not shown (small counts)", details[name]))
            continue
        elif kind == "rate":
            text = w.rate_change(v, before)
        else:
            text = w.count_change(v, before)
        out.append(Headline(label, shown(v, kind), change(text), details[name]))
    return out


def program_sentences_of(scope: Scope, head: pd.DataFrame) -> list[str]:
    """What the program's documents lead with: the new cards of the year, then the survey's
    strongest answer, each only when its numbers can be stated."""
    from metrics.headline import figure, survey

    out = []
    cards, n = figure(head, "new_cards"), figure(head, "communities")
    who = f"cohort {scope.cohort}'s" if scope.cohort else "the program's"
    if not isinstance(cards, str) and not w.missing(cards) and not w.missing(n):
        out.append(w.sentence(f"{who} {fmt.count(n)} communities issued {fmt.count(cards)} new student cards in "
                              f"{scope.school_year} ({w.count_phrase(cards)})"))
    answers = survey(head).dropna(subset=["value"])
    if len(answers):
        top = answers.sort_values("value", ascending=False).iloc[0]
        out.append(w.sentence(f"In the {top['wave']} survey, {fmt.rate(top['value'])} of responding communities "
                              f"(n = {fmt.count(top['n'])}) answered yes to “{top['label']}”"))
    return out


def survey_table(head: pd.DataFrame) -> tuple[str, list[str], list[Line]]:
    """The survey indicators as a small table: one row per question, a cell per wave with the
    share, its Wilson 95% interval and n (never a share without its n)."""
    from metrics.headline import survey

    answers = survey(head).sort_values("value", ascending=False)
    if answers.empty:
        return "Survey indicators", ["", "Share yes"], [Line("No survey answers are loaded", ["–"])]
    waves = sorted(answers["wave"].dropna().unique())
    one = len(waves) == 1
    header = ["", "Share yes", "95% interval", "n"] if one else ["", *waves]
    lines = []
    for question, rows in answers.groupby("label", sort=False):
        by_wave = rows.set_index("wave")
        if one:
            r = by_wave.iloc[0]
            cells = (["–", "–", fmt.count(r["n"])] if w.missing(r["value"]) else
                     [fmt.rate(r["value"]), f"{fmt.rate(r['ci_low'])} to {fmt.rate(r['ci_high'])}", fmt.count(r["n"])])
        else:
            cells = [("–" if wave not in by_wave.index or w.missing(by_wave.loc[wave, "value"]) else
                      f"{fmt.rate(by_wave.loc[wave, 'value'])} (n = {fmt.count(by_wave.loc[wave, 'n'])})")
                     for wave in waves]
        lines.append(Line(str(question), cells))
    title = f"Survey indicators, {waves[0]}" if one else "Survey indicators (share yes, n)"
    return title, header, lines


def target_sentences(progress: pd.DataFrame, year: str) -> list[str]:
    """The targets entered for the year against the actual figures, with the gap, in one sentence;
    a hidden actual is said to be not shown, never compared."""
    parts = []
    for r in progress.itertuples():
        show = fmt.FORMAT.get(r.kind, fmt.count)
        if isinstance(r.mark, str):
            parts.append(f"{r.label.lower()} target {show(r.target)}, actual not shown (small counts)")
            continue
        if r.kind == "rate":
            gap = f"{abs(float(r.gap)) * 100:.1f} points"
        elif r.kind == "ratio":
            gap = f"{abs(float(r.gap)):,.2f}"
        else:
            gap = fmt.count(abs(float(r.gap)))
        verdict = "on target" if float(r.gap) == 0 else (f"{gap} above it" if bool(r.met) else f"{gap} short")
        parts.append(f"{r.label.lower()} {show(r.actual)} against a target of {show(r.target)} ({verdict})")
    return [w.sentence(f"Against its {year} targets: " + "; ".join(parts))] if parts else []


def schools_text(counts: pd.DataFrame) -> str | None:
    """metrics.school_count in words: '170 district schools and 1 charter school'."""
    parts = [f"{int(r.schools):,} {r.school_type} school{'' if int(r.schools) == 1 else 's'}"
             for r in counts.sort_values("school_type", ascending=False).itertuples()]
    return " and ".join(parts) if parts else None
