"""The briefing as one US Letter page (portrait), with reportlab.

Top to bottom: name, program and period; six headline figures with their change; the plain
sentences; the two charts; where the community stands in its cohort and the lines the
sentences draw on; the footnote. Everything sits in one frame that shrinks rather than spill
onto a second page (it does not need to on the demo; tests check for one page).
"""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (BaseDocTemplate, Frame, Image, KeepInFrame, ListFlowable, ListItem,
                                PageTemplate, Paragraph, Spacer, Table, TableStyle)

from briefing.content import NOTABLE_TITLE, Briefing
from briefing.figures import HEIGHT as CHART_H, WIDTH as CHART_W

PAGE_W, PAGE_H = LETTER
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 0.5 * inch, 0.45 * inch, 0.4 * inch
BODY_W = PAGE_W - 2 * MARGIN_X
INK, MUTED, ACCENT, TILE, RULE = (colors.HexColor(c) for c in ("#1b1b1b", "#5a5a5a", "#1f4e79", "#eef2f7", "#c9d3df"))
DEMO = colors.HexColor("#a4262c")


def _style(name: str, size: float, leading: float | None = None, font: str = "Helvetica",
           color=INK, **kw) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading or size * 1.22,
                          textColor=color, **kw)


S = {
    "kicker": _style("kicker", 8.5, font="Helvetica-Bold", color=ACCENT),
    "title": _style("title", 22, 26, font="Helvetica-Bold"),
    "period": _style("period", 10, color=MUTED),
    "demo": _style("demo", 8, font="Helvetica-Bold", color=DEMO, alignment=TA_RIGHT),
    "loaded": _style("loaded", 7.5, color=MUTED, alignment=TA_RIGHT),
    "label": _style("label", 7.5, font="Helvetica-Bold", color=MUTED),
    "value": _style("value", 19, 23, font="Helvetica-Bold", color=ACCENT),
    "detail": _style("detail", 7.5, color=INK),
    "change": _style("change", 7.5, font="Helvetica-Bold", color=INK),
    "h2": _style("h2", 10, font="Helvetica-Bold", color=ACCENT, spaceAfter=2),
    "body": _style("body", 10, 13),
    "cell": _style("cell", 7.5, 9),
    "cellb": _style("cellb", 7.5, 9, font="Helvetica-Bold"),
    "cellr": _style("cellr", 7.5, 9, alignment=TA_RIGHT),
    "cellrb": _style("cellrb", 7.5, 9, font="Helvetica-Bold", alignment=TA_RIGHT),
    "foot": _style("foot", 6.5, 8, color=MUTED),
    "placeholder": _style("placeholder", 8, color=MUTED, alignment=TA_LEFT),
}


def P(text: str, style: str) -> Paragraph:
    return Paragraph(escape(text), S[style])


def header(b: Briefing) -> Table:
    left = [P(f"{b.program} · Briefing".upper(), "kicker"), Spacer(1, 2), P(b.title, "title"),
            P(f"{b.period} · {b.subtitle}", "period")]
    right = [P("DEMO DATA: synthetic figures", "demo")] if b.is_demo else []
    right.append(P(f"Data last loaded {b.loaded}", "loaded"))
    t = Table([[left, right]], colWidths=[BODY_W * 0.68, BODY_W * 0.32])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                           ("LINEBELOW", (0, 0), (-1, 0), 1.2, ACCENT)]))
    return t


def tiles(b: Briefing) -> Table:
    cells = [[P(h.label.upper(), "label"), P(h.value, "value"), P(h.detail, "detail"), P(h.change, "change")]
             for h in b.headlines]
    rows = [cells[i:i + 3] for i in range(0, len(cells), 3)]
    while len(rows[-1]) < 3:
        rows[-1].append("")
    gap = 6
    t = Table(rows, colWidths=[BODY_W / 3] * 3, rowHeights=[66] * len(rows))
    t.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), TILE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBEFORE", (1, 0), (-1, -1), gap, colors.white), ("LINEBELOW", (0, 0), (-1, -2), gap, colors.white),
        ("LEFTPADDING", (0, 0), (-1, -1), 8 + gap / 2), ("TOPPADDING", (0, 0), (-1, -1), 6),
    ]))
    return t


def sentences(b: Briefing) -> list:
    items = [ListItem(P(s, "body"), leftIndent=10, value="•") for s in b.sentences]
    return [P("In brief", "h2"), ListFlowable(items, bulletType="bullet", start="•", leftIndent=10,
                                             bulletFontSize=9, bulletColor=ACCENT)]


def chart_cell(png: bytes | None):
    if png is None:
        return P("Chart not available: chart export needs Chromium (see README).", "placeholder")
    return Image(io.BytesIO(png), width=CHART_W, height=CHART_H)


def charts(b: Briefing, pngs: dict[str, bytes | None]) -> Table:
    t = Table([[chart_cell(pngs.get("activation")), chart_cell(pngs.get("circulation-by-format"))]],
              colWidths=[BODY_W / 2] * 2, rowHeights=[CHART_H + 4])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                           ("BOX", (0, 0), (0, 0), 0.5, RULE), ("BOX", (1, 0), (1, 0), 0.5, RULE)]))
    return t


def small_table(title: str, header: list[str], lines, widths: list[float]) -> list:
    rows = [[P(h, "cellb") if i == 0 else P(h, "cellrb") for i, h in enumerate(header)]]
    rows += [[P(line.label, "cell")] + [P(c, "cellr") for c in line.cells] for line in lines]
    t = Table(rows, colWidths=widths)
    t.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, ACCENT), ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3), ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return [P(title, "h2"), t]


def tables(b: Briefing) -> Table:
    left_w, right_w = BODY_W * 0.58, BODY_W * 0.40
    standing_title = "Where it stands in its cohort" if b.scope.community else "How its communities compare"
    left = small_table(standing_title, b.standing_header, b.standing,
                       [left_w * f for f in (0.22, 0.17, 0.12, 0.26, 0.23)])
    right = small_table(NOTABLE_TITLE, b.notable_header, b.notable,
                        [right_w * f for f in (0.43, 0.185, 0.185, 0.20)])
    t = Table([[left, right]], colWidths=[BODY_W * 0.60, BODY_W * 0.40])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return t


def story(b: Briefing, pngs: dict[str, bytes | None]) -> list:
    return [header(b), Spacer(1, 8), tiles(b), Spacer(1, 8), *sentences(b), Spacer(1, 8),
            charts(b, pngs), Spacer(1, 8), tables(b), Spacer(1, 8),
            Table([[P(b.footnote, "foot")]], colWidths=[BODY_W],
                  style=[("LINEABOVE", (0, 0), (-1, 0), 0.5, RULE), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                         ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 4)])]


def natural_height(b: Briefing, pngs: dict[str, bytes | None] | None = None) -> float:
    """The content's height at its designed size, in points; KeepInFrame only shrinks when
    this exceeds the frame, and the tests check it does not on the demo."""
    canv = Canvas(io.BytesIO(), pagesize=LETTER)
    return sum(f.wrapOn(canv, BODY_W, PAGE_H)[1] + f.getSpaceBefore() + f.getSpaceAfter()
               for f in story(b, pngs or {}))


FRAME_H = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM


def build(b: Briefing, pngs: dict[str, bytes | None] | None = None) -> bytes:
    """The briefing as PDF bytes: exactly one page. pngs maps chart names to PNG bytes; a
    missing chart leaves a note in its place."""
    pngs = pngs or {}
    out = io.BytesIO()
    frame_h = FRAME_H
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, BODY_W, frame_h, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    doc = BaseDocTemplate(out, pagesize=LETTER, pageTemplates=[PageTemplate("page", [frame])],
                          title=f"{b.title}: {b.program} briefing, {b.scope.school_year}",
                          author=f"{b.program} impact dashboard", subject=b.period)
    doc.build([KeepInFrame(BODY_W, frame_h, story(b, pngs), mode="shrink")])
    return out.getvalue()
