"""The briefing PDF: the figures of DESIGN.md section 3 read back from the page, one page;
and a tagged PDF (PDF/UA-1) as a screen reader needs it, read with pikepdf and pypdf."""
import io

import pikepdf
import pypdf
import pytest

from briefing import pdf, render
from metrics import Scope
from tests.briefing_helpers import HAS_CHROMIUM, HAS_POPPLER, NO_CHROMIUM, NO_POPPLER, built, pdf_text

pytestmark = pytest.mark.skipif(not HAS_POPPLER, reason=NO_POPPLER)
PDF = "briefing-charlotte-mecklenburg-2015-16.pdf"


@pytest.fixture(scope="module")
def text(demo_path):
    return pdf_text(built(str(demo_path))[1][PDF])


def test_names_community_program_and_period(text):
    assert "Charlotte Mecklenburg" in text
    assert "LEADERS LIBRARY CARD CHALLENGE" in text
    assert "School year 2015-16 (July 2015 – June 2016)" in text


def test_the_program_figures(text):
    assert "147,000" in text
    assert "84.5%" in text and "Nearly 85 percent" in text
    assert "124,200" in text
    assert "18,240" in text and "More than 18,000 teachers and staff" in text
    assert "+110.0%" in text and "rose 110 percent" in text      # juvenile non-fiction e-books, OverDrive
    assert "TumbleBooks use grew more than tenfold" in text
    assert "4,200" in text and "47,500" in text


def test_cohort_standing_and_footnote(text):
    # Header cells wrap ("Cohort 1" above "median"), so look for the parts.
    assert "Where it stands in its cohort" in text and "Cohort 1" in text and "median" in text
    assert "top quarter" in text and "49.2% to 73.8%" in text
    assert "Counts under 10 are shown as <10" in text
    assert "Data last loaded" in text
    assert "Demo data: synthetic figures" in text


def test_a_cohort_briefing_leads_with_the_programs_headline(demo_path):
    data = built(str(demo_path), Scope("2015-16", cohort=1))[1]["briefing-cohort-1-2015-16.pdf"]
    text = pdf_text(data)
    assert "NEW STUDENT CARDS ISSUED" in text and "1,167,584" in text
    assert "Survey indicators, Cohort 1 round one (2016)" in text
    assert "62.8% to 84.2%" in text and text.count(" 60 ") >= 5   # five indicators, each with n = 60
    assert "the communities' school districts" in text
    assert len(render.pdf_pages_png(data, dpi=30)) == 1


def test_exactly_one_page(demo_path):
    pages = render.pdf_pages_png(built(str(demo_path))[1][PDF], dpi=100)
    assert len(pages) == 1
    # US Letter at 100 dpi: 850 x 1100 pixels (PNG header: width and height, big-endian).
    assert int.from_bytes(pages[0][16:20], "big") == 850 and int.from_bytes(pages[0][20:24], "big") == 1100


def test_one_page_without_charts_too(demo_path):
    b = built(str(demo_path))[0]
    data = pdf.build(b, {"activation": None, "circulation-by-format": None})
    assert len(render.pdf_pages_png(data, dpi=30)) == 1
    assert "chart export needs Chromium" in pdf_text(data)


@pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM)
def test_charts_are_on_the_page(demo_path):
    b, files = built(str(demo_path))
    with_charts = files[PDF]
    without = pdf.build(b, {})
    assert len(with_charts) > len(without) + 50_000      # two embedded chart images
    assert "Chart not available" not in pdf_text(with_charts)


# ------------------------------------------------------------------ tagged PDF (PDF/UA-1)

def structure(pdf_file: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every element of the structure tree, in reading (document) order."""
    out = []

    def walk(node):
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            out.append(node)
            if "/K" in node:
                walk(node.K)
    walk(pdf_file.Root.StructTreeRoot.K)
    return out


def fonts(pdf_file: pikepdf.Pdf) -> list[tuple[str, bool]]:
    """(font name, embedded?) for every font on every page, forms included."""
    found, seen = [], set()

    def walk(resources):
        for font in (resources.get("/Font") or {}).values():
            desc = font.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in font:
                desc = font.DescendantFonts[0].get("/FontDescriptor")
            embedded = desc is not None and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.append((str(font.get("/BaseFont")), embedded))
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                walk(xobject.get("/Resources") or pikepdf.Dictionary())
    for page in pdf_file.pages:
        walk(page.Resources)
    return found


def text_sizes(data: bytes) -> list[tuple[float, str]]:
    """(size in points as printed, text) for every piece of text: the font size scaled by the
    text and graphics matrices."""
    sizes = []

    def visit(text, cm, tm, _font, size):
        if text.strip():
            c, d = tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
            sizes.append((round(size * (c * c + d * d) ** 0.5, 2), text.strip()))
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        page.extract_text(visitor_text=visit)
    return sizes


@pytest.fixture(scope="module")
def tagged(demo_path):
    data = built(str(demo_path))[1][PDF]
    return data, pikepdf.open(io.BytesIO(data))


def test_marked_as_tagged_with_title_and_language(tagged):
    _, doc = tagged
    assert doc.Root.MarkInfo.Marked is True
    assert "/StructTreeRoot" in doc.Root
    assert str(doc.Root.Lang) == "en-US"
    assert str(doc.docinfo["/Title"]) == "Charlotte Mecklenburg: Leaders Library Card Challenge briefing, 2015-16"
    assert doc.Root.ViewerPreferences.DisplayDocTitle is True      # the title, not the file name, shows
    with doc.open_metadata() as xmp:
        assert xmp.get("pdfuaid:part") == "1"                      # claims PDF/UA-1 (typst checked it)


def test_structure_has_headings_paragraphs_lists_and_tables_in_reading_order(tagged):
    _, doc = tagged
    kinds = [str(e.S) for e in structure(doc)]
    assert kinds.count("/H1") == 1 and kinds.count("/H2") == 3
    assert kinds.count("/LI") == 7                                  # the seven sentences
    assert kinds.count("/Table") == 2 and kinds.count("/TH") >= 9 and "/P" in kinds
    # Reading order: the name, then "In brief" and its list, the charts, then the two tables.
    order = [k for k in kinds if k in ("/H1", "/H2", "/L", "/Figure", "/Table")]
    assert order == ["/H1", "/H2", "/L", "/Figure", "/Figure", "/H2", "/Table", "/H2", "/Table"]


@pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM)
def test_every_figure_has_alternative_text(tagged):
    _, doc = tagged
    figures = [e for e in structure(doc) if e.S == "/Figure"]
    assert len(figures) == 2
    alts = [str(f.get("/Alt", "")) for f in figures]
    assert all(len(a) > 40 for a in alts), alts
    assert "2015-16: 88.6%" in alts[0] and "2014-15: 30.3%" in alts[0]
    assert "E-books (765,140): +31.1%" in alts[1] and "Hotspots (1,556): new this year" in alts[1]


def test_every_font_embedded(tagged):
    _, doc = tagged
    found = fonts(doc)
    assert found and all(embedded for _, embedded in found), found


def test_no_text_under_8_points(tagged):
    data, _ = tagged
    sizes = text_sizes(data)
    assert len(sizes) > 60          # every line of the page was read
    small = [(s, t) for s, t in sizes if s < 8]
    assert not small, small[:5]
    assert max(s for s, _ in sizes) == 22          # the name; the scale computed is the printed one


def test_without_charts_still_tagged_and_valid(demo_path):
    b = built(str(demo_path))[0]
    doc = pikepdf.open(io.BytesIO(pdf.build(b, {})))
    assert doc.Root.MarkInfo.Marked is True and not [e for e in structure(doc) if e.S == "/Figure"]
