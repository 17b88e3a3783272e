"""The briefing's figures and sentences, on the demo (the program's own figures) and on the
small hand-built warehouse (suppression)."""
import pytest

from briefing import content
from metrics import Scope

CMS = Scope("2015-16", community="charlotte-mecklenburg")


@pytest.fixture(scope="module")
def cms(demo_con):
    return content.build(demo_con, CMS)


def headline(b, label):
    return next(h for h in b.headlines if h.label == label)


def test_names_the_community_the_program_and_the_period(cms):
    assert cms.title == "Charlotte Mecklenburg"
    assert cms.program == "Leaders Library Card Challenge"
    assert cms.period == "School year 2015-16 (July 2015 – June 2016)"
    assert cms.subtitle == "NC · cohort 1 · 170 district schools"   # issue 16: its schools, where it is described


def test_headline_figures_with_their_change_on_the_year_before(cms):
    # Six tiles that differ in meaning: students reached and the activation rate live in the
    # active-user tile's detail and in the sentences, not in tiles of their own.
    assert [h.label for h in cms.headlines] == [
        "Active-user rate", "Library circulation", "Juvenile non-fiction e-books", "E-resource use",
        "Hotspot loans", "Teacher and staff cards"]
    active = headline(cms, "Active-user rate")
    assert (active.value, active.detail) == ("84.5%", "124,200 of 147,000 students used their card")
    assert active.change == "+58.1 pts from 2014-15"
    circulation = headline(cms, "Library circulation")
    assert circulation.value == "+8.9%" and circulation.detail.endswith("loans to all patrons")
    highlight = headline(cms, "Juvenile non-fiction e-books")
    assert (highlight.value, highlight.change) == ("+110.0%", "against 40,000 in 2014-15")
    hotspots = headline(cms, "Hotspot loans")
    assert hotspots.change == "new: none in 2014-15"
    staff = headline(cms, "Teacher and staff cards")
    assert (staff.value, staff.detail) == ("18,240", "12,150 teachers, 6,090 staff")
    assert staff.change == "new: none in 2014-15"            # no growth from a zero base


def test_sentences_from_the_numbers(cms):
    assert 3 <= len(cms.sentences) <= 7   # 7: with the rates sentence and the campaign impact sentence
    text = " ".join(cms.sentences)
    assert cms.sentences[0].startswith("Nearly 85 percent of the district's 147,000 students used their library card")
    assert "Juvenile non-fiction e-book loans on OverDrive rose 110 percent, from 40,000 to 84,000." in text
    # Where activation and active-user rates stand together, one sentence says what each counts.
    # (the first says "used their library card this year": the active-user rate)
    assert cms.sentences[1] == "Counting cards used in any year, 88.6% of students have used theirs (the activation rate)."
    assert "The library's loans of books, e-books and other items to all its patrons rose 9 percent" in text
    assert "TumbleBooks use grew more than tenfold (4,200 to 47,500 item requests)." in text
    assert "More than 18,000 teachers and staff hold a library card of their own." in text


def test_cohort_standing_median_and_quarter(cms):
    assert cms.standing_header[2] == "Cohort 1 median"
    rows = {line.label: line.cells for line in cms.standing}
    assert rows["Active-user rate"][0] == "84.5%"
    assert rows["Active-user rate"][3] == "top quarter"
    assert cms.standing_header[4] == "Position among 60"


def test_notable_lines_carry_the_sentences_numbers(cms):
    lines = {line.label: line.cells for line in cms.notable}
    assert lines["Juvenile non-fiction e-books, OverDrive (loans)"] == ["40,000", "84,000", "+110.0%"]
    assert lines["TumbleBooks (item requests)"][:2] == ["4,200", "47,500"]


def test_footnote_sources_definitions_load_date_suppression_demo(cms):
    assert "Sources:" in cms.footnote and "Definitions:" in cms.footnote
    assert "Counts under 10 are shown as <10" in cms.footnote
    assert f"Data last loaded: {cms.loaded}." in cms.footnote
    assert "Demo data: synthetic figures" in cms.footnote
    assert cms.is_demo


def test_a_cohort_briefing(demo_con):
    b = content.build(demo_con, Scope("2015-16", cohort=1))
    assert b.title == "Cohort 1" and b.subtitle == "60 communities"
    # issue 16: a cohort leads with the program's own headline and its survey
    assert [h.label for h in b.headlines] == ["New student cards issued", "Communities", "Students enrolled",
                                              "Students reached", "Activation rate", "Active-user rate"]
    assert headline(b, "New student cards issued").value == "1,167,584"
    assert b.sentences[0] == "Cohort 1's 60 communities issued 1,167,584 new student cards in 2015-16 (more than 1.1 million)."
    assert "(n = 60) answered yes to “New or expanded relationship with school leaders”" in b.sentences[1]
    assert b.sentences[2].startswith("57 percent of cohort 1's more than 1.4 million students")
    assert [line.cells[-1] for line in b.standing] == ["60", "60", "60"]
    assert b.notable_header == ["", "Share yes", "95% interval", "n"]
    assert [line.cells for line in b.notable][0] == ["75.0%", "62.8% to 84.2%", "60"]
    assert len(b.notable) == 5 and {line.cells[-1] for line in b.notable} == {"60"}
    # a cohort's footnote speaks of its communities' libraries and school districts
    assert "the communities' school districts" in b.footnote and "the school district" not in b.footnote


def test_first_year_has_no_change_to_state(demo_con):
    b = content.build(demo_con, Scope("2014-15", community="charlotte-mecklenburg"))
    assert all(h.change == "no figures for 2013-14" for h in b.headlines)
    assert not any(word in " ".join(b.sentences) for word in ("rose", "grew", "fell", "against"))


def test_suppressed_counts_are_never_stated(small_con):
    # Alpha City has 3 staff cards: the staff total and any sentence about it are withheld.
    b = content.build(small_con, Scope("2015-16", community="alpha-city"))
    staff = headline(b, "Teacher and staff cards")
    assert staff.value == "–" and staff.detail == "12 teachers, <10 staff"
    assert staff.change == "change from 2014-15 not shown (small counts)"
    assert not any("teachers and staff" in s for s in b.sentences)
    # 0 juvenile non-fiction e-book loans the year before: listed as new, never as growth.
    assert not any("Juvenile" in s for s in b.sentences)
    lines = {line.label: line.cells for line in b.notable}
    assert lines["Juvenile non-fiction e-books, OverDrive (loans)"][-1] == "new"


def test_unknown_community_and_year(demo_con):
    with pytest.raises(content.UnknownScope, match="unknown community 'atlantis'"):
        content.build(demo_con, Scope("2015-16", community="atlantis"))
    with pytest.raises(content.UnknownScope, match="unknown school year '2030-31'"):
        content.build(demo_con, Scope("2030-31", community="charlotte-mecklenburg"))
