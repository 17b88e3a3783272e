"""The briefing as slides: python-pptx opens them and finds the same figures."""
import io

import pytest
from pptx import Presentation

from briefing import pptx as slides
from tests.briefing_helpers import HAS_CHROMIUM, NO_CHROMIUM, built

PPTX = "briefing-charlotte-mecklenburg-2015-16.pptx"


def deck_text(prs) -> str:
    parts = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
    return " ".join(" ".join(parts).split())


@pytest.fixture(scope="module")
def prs(demo_path):
    return Presentation(io.BytesIO(built(str(demo_path))[1][PPTX]))


def test_three_slides_16_9(prs):
    assert len(prs.slides) == 3
    assert round(prs.slide_width / prs.slide_height, 2) == 1.78


def test_the_program_figures(prs):
    text = deck_text(prs)
    for expected in ("Charlotte Mecklenburg", "Leaders Library Card Challenge".upper(), "147,000", "124,200",
                     "84.5%", "Nearly 85 percent", "18,240", "More than 18,000", "+110.0%", "rose 110 percent",
                     "grew more than tenfold", "Cohort 1 median", "Counts under 10 are shown as <10",
                     "Demo data: synthetic figures"):
        assert expected in text, expected


def test_every_shape_inside_the_slide(prs):
    for slide in prs.slides:
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0
            assert shape.left + shape.width <= prs.slide_width
            assert shape.top + shape.height <= prs.slide_height


def test_charts_and_tables_do_not_overlap(prs):
    shapes = sorted(prs.slides[1].shapes, key=lambda s: s.top)
    pictures = [s for s in shapes if s.shape_type == 13]          # 13 = picture
    tables = [s for s in shapes if s.has_table]
    if HAS_CHROMIUM:
        assert len(pictures) == 2
        assert max(p.top + p.height for p in pictures) <= min(t.top for t in tables)
    assert max(t.top + t.height for t in tables) <= prs.slide_height
    footnote = [s for s in prs.slides[2].shapes if s.has_text_frame and s.text_frame.text.startswith("Sources:")]
    assert footnote, "the sources and definitions have a slide of their own"


# ------------------------------------------------------------------ accessibility

def test_every_slide_has_a_title_first_in_reading_order(prs):
    titles = []
    for slide in prs.slides:
        title = slide.shapes.title
        assert title is not None and title.text_frame.text.strip()
        assert next(iter(slide.shapes)).shape_id == title.shape_id      # read first
        titles.append(title.text_frame.text)
    assert titles == ["Charlotte Mecklenburg", "Charlotte Mecklenburg: the year in charts",
                      "Charlotte Mecklenburg: sources and definitions"]
    assert len(set(titles)) == len(titles)


@pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM)
def test_every_picture_or_chart_has_alternative_text(prs):
    graphics = [s for slide in prs.slides for s in slide.shapes if s.shape_type == 13 or s.has_chart]
    assert len(graphics) == 2
    alts = [s._element.xpath("./*[1]/p:cNvPr")[0].get("descr", "") for s in graphics]
    assert all(len(a) > 40 for a in alts), alts
    assert "2015-16: 88.6%" in alts[0] and "E-books (765,140): +31.1%" in alts[1]


def test_no_text_under_12_points(prs):
    sizes = []
    for slide in prs.slides:
        for shape in slide.shapes:
            frames = [shape.text_frame] if shape.has_text_frame else []
            if shape.has_table:
                frames += [cell.text_frame for row in shape.table.rows for cell in row.cells]
            for frame in frames:
                for p in frame.paragraphs:
                    for r in p.runs:
                        if r.text.strip():
                            assert r.font.size is not None, f"no size set on {r.text!r}"
                            sizes.append((r.font.size.pt, r.text))
    assert len(sizes) > 50
    assert min(s for s, _ in sizes) >= 12, sorted(sizes)[:3]


@pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM)
def test_without_charts_a_note_takes_their_place(demo_path):
    b = built(str(demo_path))[0]
    text = deck_text(Presentation(io.BytesIO(slides.build(b, {}))))
    assert text.count("Chart not available") == 2


def test_a_cohort_deck_leads_with_the_programs_headline_and_gives_its_survey_a_slide(demo_path):
    from metrics import Scope
    deck = Presentation(io.BytesIO(built(str(demo_path), Scope("2015-16", cohort=1))[1]["briefing-cohort-1-2015-16.pptx"]))
    assert len(deck.slides) == 4
    text = deck_text(deck)
    assert "NEW STUDENT CARDS ISSUED" in text and "1,167,584" in text
    survey = deck.slides[2]
    assert survey.shapes.title.text.startswith("Cohort 1: survey indicators")
    cells = [c.text for s in survey.shapes if s.has_table for row in s.table.rows for c in row.cells]
    assert "62.8% to 84.2%" in cells and cells.count("60") == 5
    for slide in deck.slides:
        for shape in slide.shapes:
            assert shape.top + shape.height <= deck.slide_height and shape.left + shape.width <= deck.slide_width
