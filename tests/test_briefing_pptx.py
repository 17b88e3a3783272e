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


def test_two_slides_16_9(prs):
    assert len(prs.slides) == 2
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


def test_charts_tables_and_footnote_do_not_overlap(prs):
    shapes = sorted(prs.slides[1].shapes, key=lambda s: s.top)
    pictures = [s for s in shapes if s.shape_type == 13]          # 13 = picture
    tables = [s for s in shapes if s.has_table]
    footnote = [s for s in shapes if s.has_text_frame and s.text_frame.text.startswith("Sources:")]
    if HAS_CHROMIUM:
        assert len(pictures) == 2
        assert max(p.top + p.height for p in pictures) <= min(t.top for t in tables)
    assert max(t.top + t.height for t in tables) <= footnote[0].top


@pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM)
def test_without_charts_a_note_takes_their_place(demo_path):
    b = built(str(demo_path))[0]
    text = deck_text(Presentation(io.BytesIO(slides.build(b, {}))))
    assert text.count("Chart not available") == 2
