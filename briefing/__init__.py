"""The one-page briefing for a mayor's office: content (figures and sentences), charts, PDF
and slides, for one community or one cohort and a school year.

    b = briefing.content.build(con, Scope("2015-16", community="charlotte-mecklenburg"))
    files = briefing.files(b)   # {"briefing-charlotte-mecklenburg-2015-16.pdf": b"...", ...}
"""
from __future__ import annotations

from briefing import content, figures, pdf, pptx, render

FORMATS = ("pdf", "pptx", "png")


def chart_pngs(b: content.Briefing, required: bool = True) -> dict[str, bytes | None]:
    """Each chart as PNG. Without Chromium: ChromiumMissing, or (required=False) None for
    each chart, which the PDF and slides replace with a note."""
    charts = figures.charts(b)
    try:
        return {name: render.png(fig) for name, fig in charts.items()}
    except render.ChromiumMissing:
        if required:
            raise
        return {name: None for name in charts}


def files(b: content.Briefing, formats=FORMATS, pngs: dict[str, bytes | None] | None = None) -> dict[str, bytes]:
    """The briefing's files by name: the PDF, the slides and each chart as PNG."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown format(s) {', '.join(sorted(unknown))}; choose from {', '.join(FORMATS)}")
    pngs = chart_pngs(b) if pngs is None else pngs
    stem = b.file_stem()
    out: dict[str, bytes] = {}
    if "pdf" in formats:
        out[f"{stem}.pdf"] = pdf.build(b, pngs)
    if "pptx" in formats:
        out[f"{stem}.pptx"] = pptx.build(b, pngs)
    if "png" in formats:
        out.update({f"{stem}-{name}.png": data for name, data in pngs.items() if data})
    return out
