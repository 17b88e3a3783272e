"""The briefing as three 16:9 slides, with python-pptx: the figures and sentences; the charts
and the cohort standing; the sources and definitions (a cohort or the program has a fourth, its
survey indicators, before the sources). Text stays text (editable, searchable).

Accessible as PowerPoint's checker asks: every slide has a real title (the layout's title
placeholder, first in reading order), every chart picture its alternative text (the same as
the PDF's), and no text is under 12 pt."""
from __future__ import annotations

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from briefing.content import Briefing, Line
from briefing.figures import HEIGHT as CHART_H, WIDTH as CHART_W
from briefing.figures import chart_alt
from charts import palette

INK, MUTED, ACCENT, TILE, DEMO = (RGBColor.from_string(c.lstrip("#").upper()) for c in (
    palette.TEXT, palette.MUTED, palette.ACCENT, palette.TILE, palette.NEGATIVE))
MIN_PT = 12          # the smallest text on any slide
TITLE_ONLY = 5       # the default template's "Title Only" layout: a title placeholder
SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
X0 = Inches(0.5)
BODY_W = SLIDE_W - 2 * X0


def _text(slide, x, y, w, h, runs: list[tuple[str, float, bool, RGBColor]], align=None):
    """A text box; runs are (text, size pt, bold, colour), one paragraph each."""
    box = slide.shapes.add_textbox(x, y, w, h)
    tf = box.text_frame
    tf.word_wrap = True
    for i, (text, size, bold, color) in enumerate(runs):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        if align is not None:
            p.alignment = align
        r = p.add_run()
        r.text = text
        r.font.size, r.font.bold, r.font.color.rgb, r.font.name = Pt(size), bold, color, "Arial"
    return box


def _header(slide, b: Briefing, heading: str) -> None:
    """The slide's title in its title placeholder (what a screen reader announces as the slide),
    with the program above it and the period below."""
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = X0, Inches(0.55), Inches(9), Inches(0.6)
    tf = title.text_frame
    tf.word_wrap = True
    tf.text = heading
    p = tf.paragraphs[0]
    p.alignment = PP_ALIGN.LEFT
    for r in p.runs:
        r.font.size, r.font.bold, r.font.color.rgb, r.font.name = Pt(28), True, INK, "Arial"
    _text(slide, X0, Inches(0.2), Inches(9), Inches(0.35), [(f"{b.program} · Briefing".upper(), 12, True, ACCENT)])
    _text(slide, X0, Inches(1.1), Inches(9), Inches(0.35), [(f"{b.period} · {b.subtitle}", 14, False, MUTED)])
    right = [("DEMO DATA: synthetic figures", 12, True, DEMO)] if b.is_demo else []
    right.append((f"Data last loaded {b.loaded}", 12, False, MUTED))
    _text(slide, SLIDE_W - X0 - Inches(4), Inches(0.55), Inches(4), Inches(0.7), right, align=PP_ALIGN.RIGHT)


def _tile(slide, x, y, w, h, label, value, detail, change) -> None:
    shape = slide.shapes.add_shape(1, x, y, w, h)  # 1 = rectangle
    shape.fill.solid()
    shape.fill.fore_color.rgb = TILE
    shape.line.fill.background()
    shape.shadow.inherit = False
    _text(slide, x + Inches(0.1), y + Inches(0.05), w - Inches(0.2), h - Inches(0.1), [
        (label.upper(), 12, True, MUTED), (value, 26, True, ACCENT), (detail, 12, False, INK), (change, 12, True, INK),
    ])


def _table(slide, x, y, w, header: list[str], lines: list[Line], first_col: float, size: float = MIN_PT):
    rows, cols = len(lines) + 1, len(header)
    row_h = Inches(0.3)
    shape = slide.shapes.add_table(rows, cols, x, y, w, row_h * rows)
    table = shape.table
    for r in table.rows:
        r.height = row_h
    table.columns[0].width = int(w * first_col)
    for j in range(1, cols):
        table.columns[j].width = int(w * (1 - first_col) / (cols - 1))
    for i, cells in enumerate([header] + [[ln.label] + ln.cells for ln in lines]):
        for j, text in enumerate(cells):
            cell = table.cell(i, j)
            cell.text = text
            cell.margin_top = cell.margin_bottom = Inches(0.02)
            cell.margin_left = cell.margin_right = Inches(0.05)
            for p in cell.text_frame.paragraphs:
                for r in p.runs:
                    r.font.size, r.font.bold = Pt(size), i == 0
                    r.font.color.rgb = INK if i else RGBColor(0xFF, 0xFF, 0xFF)
            if i == 0:   # white on the accent: 6.7:1
                cell.fill.solid()
                cell.fill.fore_color.rgb = ACCENT
    return shape


def build(b: Briefing, pngs: dict[str, bytes | None] | None = None) -> bytes:
    """The briefing as PPTX bytes: three slides for a community, four for a cohort or the program
    (its survey indicators on a slide of their own)."""
    pngs = pngs or {}
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    layout = prs.slide_layouts[TITLE_ONLY]

    # Slide 1: the headline figures and what they say.
    s1 = prs.slides.add_slide(layout)
    _header(s1, b, b.title)
    gap = Inches(0.15)
    tile_w, tile_h = Emu(int((BODY_W - 2 * gap) / 3)), Inches(1.35)
    for i, h in enumerate(b.headlines):
        row, col = divmod(i, 3)
        _tile(s1, X0 + col * (tile_w + gap), Inches(1.6) + row * (tile_h + gap), tile_w, tile_h,
              h.label, h.value, h.detail, h.change)
    _text(s1, X0, Inches(4.55), BODY_W, Inches(2.7),
          [("In brief", 15, True, ACCENT)] + [(f"•  {s}", 15, False, INK) for s in b.sentences])

    # Slide 2: the charts and the cohort standing.
    s2 = prs.slides.add_slide(layout)
    _header(s2, b, f"{b.title}: the year in charts")
    alts = chart_alt(b)
    chart_h = Inches(3.6)
    chart_w = Emu(int(chart_h * CHART_W / CHART_H))
    left = X0 + Emu(int((BODY_W - 2 * chart_w - gap) / 2))
    for i, name in enumerate(("activation", "circulation-by-format")):
        x = left + i * (chart_w + gap)
        if pngs.get(name):
            pic = s2.shapes.add_picture(io.BytesIO(pngs[name]), x, Inches(1.5), width=chart_w, height=chart_h)
            pic.name = f"Chart: {name.replace('-', ' ')}"
            pic._element.nvPicPr.cNvPr.set("descr", alts[name])   # the picture's alternative text
        else:
            _text(s2, x, Inches(1.5), chart_w, Inches(1),
                  [("Chart not available: chart export needs Chromium.", MIN_PT, False, MUTED)])
    _table(s2, X0, Inches(5.3), Emu(int(BODY_W * 0.55)), b.standing_header, b.standing, 0.22)
    if b.scope.community is not None:
        _table(s2, X0 + Emu(int(BODY_W * 0.58)), Inches(5.3), Emu(int(BODY_W * 0.42)),
               b.notable_header, b.notable, 0.46)
    else:
        # A cohort's survey indicators (long questions, each with n and its interval) get a slide of
        # their own, the table across its width.
        s_survey = prs.slides.add_slide(layout)
        _header(s_survey, b, f"{b.title}: {b.notable_title[:1].lower()}{b.notable_title[1:]}")
        _table(s_survey, X0, Inches(1.7), BODY_W, b.notable_header, b.notable, 0.55, size=14)
        _text(s_survey, X0, Inches(1.7) + Inches(0.42) * (len(b.notable) + 1) + Inches(0.2), BODY_W, Inches(0.8),
              [("Share of responding communities answering yes; n is the number of communities that answered; "
                "the interval is a Wilson 95% interval.", 14, False, MUTED)])

    # Slide 3: sources, definitions and suppression, at a readable size.
    s3 = prs.slides.add_slide(layout)
    _header(s3, b, f"{b.title}: sources and definitions")
    _text(s3, X0, Inches(1.6), BODY_W, Inches(5.4), [(b.footnote, 16, False, INK)])

    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
