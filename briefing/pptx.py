"""The briefing as two 16:9 slides, with python-pptx: the figures and sentences, then the
charts, the cohort standing and the footnote. Text stays text (editable, searchable)."""
from __future__ import annotations

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from briefing.content import Briefing, Line
from briefing.figures import HEIGHT as CHART_H, WIDTH as CHART_W

INK, MUTED, ACCENT, TILE, DEMO = (RGBColor.from_string(c) for c in ("1B1B1B", "5A5A5A", "1F4E79", "EEF2F7", "A4262C"))
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
    _text(slide, X0, Inches(0.3), Inches(9), Inches(1.0), [
        (f"{b.program} · Briefing".upper(), 11, True, ACCENT),
        (heading, 28, True, INK),
        (f"{b.period} · {b.subtitle}", 13, False, MUTED),
    ])
    right = [("DEMO DATA: synthetic figures", 11, True, DEMO)] if b.is_demo else []
    right.append((f"Data last loaded {b.loaded}", 10, False, MUTED))
    _text(slide, SLIDE_W - X0 - Inches(4), Inches(0.55), Inches(4), Inches(0.7), right, align=PP_ALIGN.RIGHT)


def _tile(slide, x, y, w, h, label, value, detail, change) -> None:
    shape = slide.shapes.add_shape(1, x, y, w, h)  # 1 = rectangle
    shape.fill.solid()
    shape.fill.fore_color.rgb = TILE
    shape.line.fill.background()
    shape.shadow.inherit = False
    _text(slide, x + Inches(0.1), y + Inches(0.05), w - Inches(0.2), h - Inches(0.1), [
        (label.upper(), 10, True, MUTED), (value, 26, True, ACCENT), (detail, 10, False, INK), (change, 10, True, INK),
    ])


def _table(slide, x, y, w, header: list[str], lines: list[Line], first_col: float, size: float = 11):
    rows, cols = len(lines) + 1, len(header)
    row_h = Inches(0.25)
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
    return shape


def build(b: Briefing, pngs: dict[str, bytes | None] | None = None) -> bytes:
    """The briefing as PPTX bytes."""
    pngs = pngs or {}
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    blank = prs.slide_layouts[6]

    # Slide 1: the headline figures and what they say.
    s1 = prs.slides.add_slide(blank)
    _header(s1, b, b.title)
    gap = Inches(0.15)
    tile_w, tile_h = Emu(int((BODY_W - 2 * gap) / 3)), Inches(1.35)
    for i, h in enumerate(b.headlines):
        row, col = divmod(i, 3)
        _tile(s1, X0 + col * (tile_w + gap), Inches(1.65) + row * (tile_h + gap), tile_w, tile_h,
              h.label, h.value, h.detail, h.change)
    _text(s1, X0, Inches(4.6), BODY_W, Inches(2.6),
          [("In brief", 15, True, ACCENT)] + [(f"•  {s}", 15, False, INK) for s in b.sentences])

    # Slide 2: the charts, the cohort standing and the footnote.
    s2 = prs.slides.add_slide(blank)
    _header(s2, b, f"{b.title}: the year in charts")
    chart_h = Inches(3.8)
    chart_w = Emu(int(chart_h * CHART_W / CHART_H))
    left = X0 + Emu(int((BODY_W - 2 * chart_w - gap) / 2))
    for i, name in enumerate(("activation", "circulation-by-format")):
        x = left + i * (chart_w + gap)
        if pngs.get(name):
            s2.shapes.add_picture(io.BytesIO(pngs[name]), x, Inches(1.35), width=chart_w, height=chart_h)
        else:
            _text(s2, x, Inches(1.35), chart_w, Inches(1),
                  [("Chart not available: chart export needs Chromium.", 12, False, MUTED)])
    _table(s2, X0, Inches(5.3), Emu(int(BODY_W * 0.55)), b.standing_header, b.standing, 0.22, 9)
    _table(s2, X0 + Emu(int(BODY_W * 0.58)), Inches(5.3), Emu(int(BODY_W * 0.42)),
           b.notable_header, b.notable, 0.46, 9)
    _text(s2, X0, Inches(6.8), BODY_W, Inches(0.6), [(b.footnote, 7, False, MUTED)])

    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
