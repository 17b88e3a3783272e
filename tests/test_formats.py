"""metrics/formats.py: the one set of US formats, and a scan of everything a reader sees (every
page for Charlotte Mecklenburg 2015-16 and cohort 1, the briefing's text, slides and PDF) for
the forms it replaced."""
from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest

from metrics import formats
from streamlit import dataframe_util

from tests.dashboard_support import CMS, COHORT_1, open_app

PAGES = ("overview", "activation", "circulation", "eresources", "cohorts", "briefing", "data", "load_data")


def test_percents_and_changes_read_the_american_way():
    assert formats.rate(0.88) == "88.0%"
    assert formats.growth(1.644) == "+164.4%"
    assert formats.growth(-0.05) == "-5.0%"
    assert formats.count(1447002) == "1,447,002"
    assert formats.since("2014-15") == "from 2014-15"
    assert formats.percent(12.345, sign=True) == "+12.3%"
    assert formats.points(3.44) == "+3.4 pts"


@pytest.mark.parametrize("day, text", [
    ("2015-12-01", "Dec. 1, 2015"), ("2016-03-04", "March 4, 2016"), ("2015-09-08", "Sept. 8, 2015"),
    ("2018-07-01", "July 1, 2018"), ("2016-01-11", "Jan. 11, 2016")])
def test_one_date_style_ap(day, text):
    assert formats.date(pd.Timestamp(day)) == text
    assert formats.date(None) == "–"


def test_months_and_moments():
    assert formats.month(pd.Timestamp("2015-12-01")) == "December 2015"
    assert formats.datetime(pd.Timestamp("2018-07-01 15:05")) == "July 1, 2018, 3:05 p.m."
    assert formats.datetime(pd.Timestamp("2018-07-01 00:30")) == "July 1, 2018, 12:30 a.m."


def test_codes_in_plain_words_with_the_standard_name_for_help():
    assert formats.counter_metric("Total_Item_Requests") == "Total item requests"
    assert formats.counter_metric("Searches_Platform") == "Platform searches"
    assert formats.counter_metric("Some_New_Metric") == "Some new metric"
    assert "Total_Item_Requests" in formats.counter_help("Total_Item_Requests")
    assert formats.platform("ILS") == "Library catalog (ILS)"
    assert formats.platform("OverDrive") == "OverDrive"
    assert formats.label("juvenile fiction print · ILS") == "juvenile fiction print · Library catalog (ILS)"


def test_exports_carry_plain_labels():
    df = pd.DataFrame({"label": ["ILS", "OverDrive"], "circulation": [120, 30]})
    out = formats.export_frame(df, ["label", "circulation"])
    assert out["Circulation"].tolist() == [120, 30]
    assert out.iloc[:, 0].tolist() == ["Library catalog (ILS)", "OverDrive"]


def test_data_last_loaded_is_the_newest_load_kept():
    log = pd.DataFrame({"loaded_at": pd.to_datetime(["2018-07-01 10:00", "2018-09-03 09:00"]),
                        "status": ["loaded", "undone"]})
    assert formats.last_loaded(log) == "July 1, 2018"
    assert formats.last_loaded(log.iloc[:0]) == "never"


# ------------------------------------------------------------------------- the scan
_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
OLD_FORMS = {
    "a space before %": re.compile(r"\d %"),
    "British spelling": re.compile(r"enrolment|catalogue|labelled|colour|per cent", re.I),
    "day-month-year date": re.compile(rf"\b\d{{1,2}} ({_MONTHS})[a-z]* \d{{4}}\b"),
    "AP month without its period": re.compile(r"\b(Jan|Feb|Aug|Sept?|Oct|Nov|Dec) \d{1,2}, \d{4}\b"),
    "month AP abbreviates, spelled out": re.compile(
        r"\b(January|February|August|September|October|November|December) \d{1,2}, \d{4}\b"),
    "ISO date in prose": re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b"),
    "change 'on' a year": re.compile(r"\b(up|down|unchanged|[Cc]hange|[Gg]rowth) [^;·\n]{0,24}\bon \d{4}-\d\d\b"),
    "raw COUNTER name": re.compile(r"\b(Total|Unique|Searches|No|Limit)_[A-Z][A-Za-z_]+\b"),
    "ILS alone": re.compile(r"(?<!\()\bILS\b(?!\))"),
    "internal heading": re.compile(r"Lines behind the sentences"),
}
# The standard COUNTER name may follow its plain one, in help text and source notes.
ALLOWED = re.compile(r"COUNTER (Release 5 )?(metric )?[A-Z][A-Za-z_]+|\((Total|Unique|Searches)_[A-Za-z_]+\)")


def old_forms(text: str) -> list[str]:
    text = ALLOWED.sub("", text)
    return [f"{name}: …{text[max(0, m.start() - 40):m.end() + 40]}…"
            for name, rx in OLD_FORMS.items() for m in rx.finditer(text)]


def test_the_scan_finds_the_old_forms():
    found = old_forms("88.0 % · up 3.4 points on 2014-15 · 1 Dec 2015 · enrolment · Total_Item_Requests · ILS · "
                      "December 1, 2026 · Dec 1, 2015")
    assert len(found) == 8
    assert old_forms("88.0% · up 3.4 points from 2014-15 · Dec. 1, 2015 · May 15, 2015 · Library catalog (ILS) · "
                     "Total item requests (COUNTER Release 5 metric Total_Item_Requests)") == []


def _figure_text(spec: dict) -> list[str]:
    layout = spec.get("layout", {})
    out = [str(layout.get("title", {}).get("text", ""))]
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            out.append(str(axis.get("title", {}).get("text", "")))
    out += [str(a.get("text", "")) for a in layout.get("annotations", [])]
    for trace in spec.get("data", []):
        out.append(str(trace.get("name", "")))
        for key in ("y", "x", "text"):
            v = trace.get(key)
            if isinstance(v, list):
                out += [str(x) for x in v if isinstance(x, str)]
    return out


def page_text(at) -> str:
    """What a reader sees on the page: prose, tiles, tables, widget labels and options, charts."""
    parts = [str(e.value) for kind in ("title", "header", "subheader", "caption", "markdown", "info",
                                       "warning", "success", "error") for e in getattr(at, kind)]
    for m in at.metric:
        parts += [m.label, str(m.value), str(m.delta or "")]
    for kind in ("selectbox", "radio", "multiselect"):
        for w in getattr(at, kind):
            parts.append(w.label)
            parts += [str(o) for o in w.options]
    for kind in ("button", "toggle", "checkbox"):
        parts += [w.label for w in getattr(at, kind)]
    for d in at.dataframe:
        arrow = d.proto.arrow_data
        raw = arrow.styler.display_values or arrow.data   # an editor's grid has no styler
        if not raw:
            continue
        t = dataframe_util.convert_arrow_bytes_to_pandas_df(raw)
        # A column headed as the COUNTER name holds the standard names on purpose.
        t = t[[c for c in t.columns if "COUNTER" not in str(c)]]
        parts += [str(c) for c in t.columns]
        parts += [str(v) for v in t.astype(str).to_numpy().ravel()]
    for chart in at.get("plotly_chart"):
        parts += _figure_text(json.loads(chart.proto.spec))
    return "\n".join(parts)


@pytest.mark.parametrize("params", [CMS, COHORT_1], ids=["charlotte-mecklenburg", "cohort-1"])
@pytest.mark.parametrize("page", PAGES)
def test_no_old_forms_on_any_page(demo_path, monkeypatch, page, params):
    at = open_app(demo_path, monkeypatch, page, **params)
    text = page_text(at)
    assert len(text) > 200
    assert old_forms(text) == []


@pytest.mark.parametrize("scope_kwargs", [dict(community="charlotte-mecklenburg"), dict(cohort=1)],
                         ids=["charlotte-mecklenburg", "cohort-1"])
def test_no_old_forms_in_the_briefing(demo_path, scope_kwargs):
    from pptx import Presentation

    from briefing import content, pdf, pptx
    from metrics import Scope
    from warehouse import store
    con = store.open_readonly(demo_path)
    try:
        b = content.build(con, Scope("2015-16", **scope_kwargs))
    finally:
        con.close()
    parts = [b.title, b.period, b.subtitle, b.footnote, content.NOTABLE_TITLE, *b.sentences,
             *b.standing_header, *b.notable_header]
    for h in b.headlines:
        parts += [h.label, h.value, h.change, h.detail]
    for line in b.standing + b.notable:
        parts += [line.label, *line.cells]
    slides = Presentation(io.BytesIO(pptx.build(b, {})))
    parts += [shape.text_frame.text for slide in slides.slides for shape in slide.shapes if shape.has_text_frame]
    parts += [cell.text for slide in slides.slides for shape in slide.shapes if shape.has_table
              for row in shape.table.rows for cell in row.cells]
    from briefing import figures
    for fig in figures.charts(b).values():
        parts += _figure_text(json.loads(fig.to_json()))
    from pypdf import PdfReader
    parts += [page.extract_text() for page in PdfReader(io.BytesIO(pdf.build(b, {}))).pages]
    text = "\n".join(parts)
    assert "Charlotte" in text or "Cohort 1" in text
    assert old_forms(" ".join(text.split())) == []
