"""The briefing as one US Letter page (portrait): a tagged PDF (PDF/UA-1), typeset by typst.

Top to bottom: name, program and period; six headline figures with their change; the plain
sentences; the two charts, each with its alternative text; where the community stands in its
cohort and the lines the sentences draw on; the footnote. The layout is briefing/briefing.typ;
this module only hands it the briefing's content (as JSON) and the chart images.

Why typst: it writes a structure tree (headings, paragraphs, lists, tables, figures with
alternative text) in reading order, embeds its fonts and checks PDF/UA-1 while it compiles
(`pdf_standards=["ua-1"]` refuses, for example, a document without a title or an image
without alternative text); reportlab documents no tagged output. It compiles the page in
well under a second and needs no system library.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import typst

from briefing import figures
from briefing.figures import chart_alt
from briefing.content import Briefing
from charts import palette

TEMPLATE = Path(__file__).with_name("briefing.typ")
CHARTS = ("activation", "circulation-by-format")
RULE = "#c9d3df"
# Column widths of the right-hand table by its number of columns (the survey of the program has
# one column per wave).
NOTABLE_WIDTHS = {4: ["34%", "21%", "21%", "24%"], 3: ["46%", "27%", "27%"], 2: ["60%", "40%"]}
SURVEY_WIDTHS = {4: ["52%", "14%", "24%", "10%"], 3: ["46%", "27%", "27%"], 2: ["70%", "30%"]}   # hairlines between parts: decoration, not content


def content(b: Briefing, files: dict[str, str | None]) -> dict:
    """What the template lays out, all of it already worded and formatted by briefing.content."""
    alts = chart_alt(b)
    return {
        "document_title": f"{b.title}: {b.program} briefing, {b.scope.school_year}",
        "author": f"{b.program} impact dashboard", "subject": b.period,
        "keywords": [b.program, "library card", "briefing", b.scope.school_year],
        "program": b.program, "title": b.title, "period": b.period, "subtitle": b.subtitle,
        "is_demo": b.is_demo, "loaded": b.loaded,
        "headlines": [{"label": h.label, "value": h.value, "detail": h.detail, "change": h.change}
                      for h in b.headlines],
        "sentences": b.sentences,
        "charts": [{"file": files.get(name), "alt": alts[name], "title": figures.TITLES[name]} for name in CHARTS],
        "standing_title": "Where it stands in its cohort" if b.scope.community else "How its communities compare",
        "standing_header": b.standing_header, "standing": [[ln.label, *ln.cells] for ln in b.standing],
        "notable_title": b.notable_title, "notable_header": b.notable_header,
        "notable_widths": (SURVEY_WIDTHS if b.scope.community is None else NOTABLE_WIDTHS).get(
            len(b.notable_header), ["1fr"] * len(b.notable_header)),
        # a cohort's survey table needs the wider half of the row
        "split": ["44%", "1fr"] if b.scope.community is None else ["59%", "1fr"],
        "standing_widths": ["25%", "17%", "15%", "18%", "25%"] if b.scope.community is None
        else ["19%", "17%", "14%", "31%", "19%"], "notable": [[ln.label, *ln.cells] for ln in b.notable],
        "footnote": b.footnote,
        "colors": {"text": palette.TEXT, "muted": palette.MUTED, "accent": palette.ACCENT, "tile": palette.TILE,
                   "rule": RULE, "demo": palette.NEGATIVE},
    }


def build(b: Briefing, pngs: dict[str, bytes | None] | None = None) -> bytes:
    """The briefing as PDF bytes: one page, tagged (PDF/UA-1). pngs maps chart names to PNG
    bytes; a missing chart leaves a note in its place."""
    pngs = pngs or {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copy(TEMPLATE, root / "briefing.typ")
        files: dict[str, str | None] = {}
        for name in CHARTS:
            if pngs.get(name):
                (root / f"{name}.png").write_bytes(pngs[name])
                files[name] = f"{name}.png"
        (root / "content.json").write_text(json.dumps(content(b, files), ensure_ascii=False), encoding="utf-8")
        return typst.compile(str(root / "briefing.typ"), root=str(root), pdf_standards=["ua-1"],
                             ignore_system_fonts=False)
