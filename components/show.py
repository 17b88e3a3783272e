"""Small Streamlit pieces every page uses: header with demo banner and notices, KPI tiles,
tables with a CSV download, and charts.

Accessibility (WCAG 2.1 AA): tables are real HTML tables (st.table, with a caption read by
screen readers), not the canvas grid of st.dataframe; every chart carries a text alternative
and, unless the page's own table beside it holds the same numbers, its numbers in a table."""
from __future__ import annotations

import re
from typing import NamedTuple

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from pandas.io.formats.style import Styler

from charts import describe, palette
from components import data, exports, workbook
from components.choice import plain
from components.sidebar import View, view_params
from components.wording import Tile
from ingest.export import escape_formulas
from metrics import formats
from metrics.suppression import marks

DEMO_NOTE = ("**Demo data.** Every figure here is synthetic: calibrated to the program's published "
             "numbers, but no real student, school or community record is shown. Community names "
             "other than those in the program's toolkit are invented.")

# Kinds beyond metrics.formats' own: dates as dates, not midnight timestamps.
FORMAT = {**formats.FORMAT,
          "date": lambda v: "" if formats.missing_date(v) else formats.date(v),
          "datetime": lambda v: "" if formats.missing_date(v) else formats.datetime(v)}

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def header(title: str, view: View, intro: str | None = None) -> None:
    """Page title, what it is about, the demo-data label and any notices about the URL."""
    st.title(title)
    st.caption(f"{plain(view.label)} · school year {view.year} (July to June)")   # a name from a loaded file
    if view.is_demo:
        st.info(DEMO_NOTE, icon=":material/science:")
    for notice in view.notices:
        st.warning(notice, icon=":material/warning:")
    if intro:
        st.markdown(intro)


def tiles(items: list[Tile], per_row: int = 4) -> None:
    """KPI tiles: value, change on the year before, and one plain-language sentence each."""
    for start in range(0, len(items), per_row):
        cols = st.columns(per_row)
        for col, t in zip(cols, items[start:start + per_row]):
            with col, st.container(border=True, height="stretch"):
                st.metric(t.label, t.value, delta=t.delta, help=t.help,
                          delta_color="off" if t.delta and t.delta.startswith("±") else "normal",
                          delta_arrow="off" if t.delta and t.delta.startswith("±") else "auto")
                st.caption(t.sentence)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def table(df: pd.DataFrame, columns: list[str], *, key: str, file_name: str,
          labels: dict[str, str] | None = None, kinds: dict[str, str] | None = None,
          height: int | str = "auto", alt: str | None = None) -> None:
    """A table (numbers shown formatted, "<10" where a count is under 10, "suppressed" where a
    cell is hidden to protect one) with a CSV download of the same rows (the same marks in the
    file). An HTML table that screen readers and keyboards read; a long one scrolls within
    `height` pixels. `alt` describes it (default: its columns and size)."""
    labels, kinds = labels or {}, kinds or {}
    headers = [labels.get(c) or formats.COLUMNS.get(c, (c, ""))[0] or c for c in columns]
    shown, translated = _formatted(df, tuple(columns), tuple(headers), tuple(sorted(kinds.items())))
    if shown.empty:
        # Say it in words, and offer no file of nothing.
        st.caption("Nothing here yet.")
        return
    rows = f"{len(shown):,} row" + ("" if len(shown) == 1 else "s")
    alt = alt or f"Table of {rows}: {', '.join(headers)}."
    # a long table shows about twenty rows at a time (not nine) and scrolls within its frame
    fixed = max(height, 760) if isinstance(height, int) and len(shown) > 12 else "content"
    st.table(_formatted_styler(shown, translated), hide_index=True, height=fixed, alt=alt)
    # Made, re-checked against the viewer and audited when clicked (components/exports.py).
    left, right = st.columns(2, width=420)
    exports.download_button("Download CSV", lambda: csv_bytes(df, columns, headers, kinds),
                            file_name=f"{_slug(file_name)}.csv", mime="text/csv", key=f"{key}-csv",
                            what=f"table {key}", icon=":material/download:", where=left,
                            help=f"The {rows} of this table as a CSV file, the figures as shown.")
    view = st.session_state.get("_view")   # components.sidebar keeps the page's view there
    if view is not None:
        info = about(view, file_name)          # read here: the click runs where the session is out of reach
        exports.download_button("Download Excel", lambda: workbook.xlsx(df, columns, headers, info, kinds),
                                file_name=f"{_slug(file_name)}.xlsx", mime=XLSX_MIME, key=f"{key}-xlsx",
                                what=f"table {key}", icon=":material/table:", where=right,
                                help=f"The {rows} of this table as an Excel workbook: real numbers, a sheet of "
                                     "definitions, the scope, year, source and load date.")


@st.cache_resource(max_entries=2000, show_spinner=False)
def _formatted(df: pd.DataFrame, columns: tuple, headers: tuple, kinds: tuple) -> tuple[pd.DataFrame, dict]:
    """A table's cells formatted once per table and question (the whole frame is hashed by
    content: the marks of hidden cells read columns beyond those shown),
    in each column's declared kind (metrics.formats), with the marks of hidden cells: the rows
    shown and pandas' rendering of them, which Streamlit sends."""
    kinds = dict(kinds)
    shown = df[list(columns)].reset_index(drop=True).copy()
    shown.columns = list(headers)
    styler = shown.style
    for col, head in zip(columns, headers):
        kind = kinds.get(col) or formats.COLUMNS.get(col, (None, "text"))[1]
        if kind in ("text", "date", "datetime") and shown[head].isna().any():
            # A missing cell is shown as its formatted text, "–" where there is nothing (an
            # open end date), never "None".
            shown[head] = [("–" if formats.missing_date(v) else FORMAT[kind](v)) for v in shown[head]]
            kind = "text"
        styler = styler.format(FORMAT[kind], subset=[head], na_rep="–")
        hidden = marks(df.reset_index(drop=True), col)   # "<10", or "suppressed" for a complementary cell
        for mark in hidden.dropna().unique():
            rows = hidden[hidden == mark].index
            styler = styler.format(lambda _v, mark=mark: mark, subset=pd.IndexSlice[rows, [head]])
    styler._compute()
    return shown, styler._translate(False, False)


def _formatted_styler(data: pd.DataFrame, translated: dict) -> Styler:
    """A Styler whose cells were formatted already (_formatted): Streamlit's st.table asks a
    Styler to compute and translate its cells, and this one hands over what it has. (A Styler
    itself, not a subclass: Streamlit recognises a Styler by its exact type.)"""
    styler = Styler(data)
    styler._compute = lambda: styler
    styler._translate = lambda *_args, **_kwargs: translated
    return styler


def displayed(df: pd.DataFrame, columns: list[str], kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """The cells of a table as the page shows them: "74.4%", "1,234", "<10", "suppressed", "–"."""
    kinds = kinds or {}
    frame = df.reset_index(drop=True)
    out = pd.DataFrame(index=frame.index)
    for col in columns:
        kind = kinds.get(col) or formats.COLUMNS.get(col, (None, "text"))[1]
        cells = [("–" if (formats.missing_date(v) if kind in ("text", "date", "datetime") else formats.missing(v))
                  else FORMAT[kind](v)) for v in frame[col]]
        hidden = marks(frame, col)
        out[col] = [m if isinstance(m, str) else c for c, m in zip(cells, hidden)]
    return out


def csv_bytes(df: pd.DataFrame, columns: list[str], headers: list[str], kinds: dict[str, str] | None = None) -> bytes:
    """The CSV of a table with its figures as shown ("74.4%", "1,234", "<10" where a count is
    suppressed): what a person reads on the page is what the file says."""
    out = escape_formulas(displayed(df, columns, kinds))   # no cell runs as a spreadsheet formula
    out.columns = headers
    return out.to_csv(index=False).encode("utf-8")


def about(view: View, what: str) -> dict[str, str]:
    """The scope, year, source and load date an export carries."""
    return {"Table": what, "Scope": view.label, "School year": f"{view.year} (July to June)",
            "Source": "Library Card Challenge impact dashboard" + (" (demo data: synthetic figures)" if view.is_demo else ""),
            "Data last loaded": formats.last_loaded(data.catalog("load_log"))}


def xlsx_maker(df: pd.DataFrame, columns: list[str], headers: list[str], view: View, what: str,
               kinds: dict[str, str] | None = None):
    """A callable making the table as an Excel workbook (real numbers with number formats, "<10"
    where hidden, a definitions sheet, the scope, year, source and load date), for a download
    button: what it needs from the session is read now."""
    info = about(view, what)
    return lambda: workbook.xlsx(df, columns, headers, info, kinds)


class Finished(NamedTuple):
    """A chart as it is sent and read: its figure's dict (links defused), its text alternative,
    its numbers as a table and its title. Made once per question (figure())."""
    spec: dict
    alt: str
    numbers: pd.DataFrame
    title: str


def finish(fig: go.Figure) -> Finished:
    fig = defuse_links(fig)
    return Finished(fig.to_dict(), describe.alt_text(fig), describe.table(fig), describe.title(fig))


@st.cache_resource(max_entries=2000, show_spinner=False)
def _figure(name: str, _build, args: tuple, kwargs: tuple) -> Finished:
    return finish(_build(*args, **dict(kwargs)))


def figure(build, *args, **kwargs) -> Finished:
    """build(*args, **kwargs), a charts.* builder, finished once per question: its arguments
    (the metrics' DataFrames, the years, the labels) are hashed by content, so a figure is built
    again only when what it draws changes, and a warm page sends it as it was."""
    return _figure(f"{build.__module__}.{build.__qualname__}", build, args, tuple(sorted(kwargs.items())))


class _Sent(go.Figure):
    """A finished figure's dict where st.plotly_chart wants a figure: it asks a figure for its
    dict, and this one was built and checked by Plotly once, when it was finished."""

    def __init__(self, spec: dict) -> None:   # no go.Figure.__init__: nothing to build or check again
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec


def chart(fig, key: str, *, alt: str | None = None, numbers: bool = True) -> None:
    """A Plotly chart (a figure, or one finished by figure()) with its text alternative (`alt`,
    by default written from the figure) and, with numbers=True, its numbers in a table under an
    expander, for readers who cannot see the chart. Pass numbers=False only where the page's own
    table beside it holds the same numbers."""
    done = fig if isinstance(fig, Finished) else finish(fig)
    # theme=None: the figure's own colours (charts.palette), not Streamlit's, which draws tick
    # labels and axis titles in a grey under 4.5:1.
    st.plotly_chart(_Sent(done.spec), key=key, config=PLOTLY_CONFIG, alt=alt or done.alt, theme=None)
    if numbers:
        data = done.numbers
        if len(data):
            title = done.title or "this chart"
            with st.expander(f"The numbers of the chart: {title}", icon=":material/table:"):
                st.table(data, hide_index=True, alt=f"The numbers behind the chart {title}.",
                         height=420 if len(data) > 12 else "content")



# Plotly turns <a href=...> in any label, hover text or annotation into a link: a name in a loaded
# file could carry one. The tag is written as text (&lt;a), which Plotly shows as typed.
_LINK_TAG = re.compile(r"<(\s*/?\s*a\b)", re.IGNORECASE)


def defuse_links(fig):
    """The figure with every link tag in its strings made plain text (other markup kept)."""
    import numpy as np
    import plotly.graph_objects as go

    changed = []

    def clean(v):
        if isinstance(v, str):
            if "<" in v and _LINK_TAG.search(v):
                changed.append(v)
                return _LINK_TAG.sub(r"&lt;\1", v)
            return v
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return type(v)(clean(x) for x in v)
        if isinstance(v, np.ndarray) and v.dtype == object:
            return np.array([clean(x) for x in v.tolist()], dtype=object).reshape(v.shape)
        return v

    cleaned = clean(fig.to_dict())
    return go.Figure(cleaned) if changed else fig


# A visible focus ring on everything the keyboard reaches (WCAG 2.4.7): Streamlit's page links
# and its scrollable main area show none of their own (a 15 % grey background on the sidebar's
# grey), so one rule draws the accent outline wherever the browser says focus is visible.
FOCUS_CSS = f"""<style>
:focus-visible {{ outline: 2px solid {palette.ACCENT} !important; outline-offset: 2px !important; }}
[data-testid="stMain"]:focus-visible, section:focus-visible {{ outline-offset: -3px !important; }}
</style>"""


def accessibility() -> None:
    """Page-wide settings Streamlit has no option for: the page's language (WCAG 3.1.1:
    Streamlit's page says lang="en"; the dashboard is in US English) and the focus ring. Once
    per run, before anything else is drawn."""
    st.html(FOCUS_CSS)   # style only: Streamlit adds it to the page without taking up room
    st.html("<script>document.documentElement.lang = 'en-US';</script>", unsafe_allow_javascript=True)


def file_name(view: View, what: str) -> str:
    """CSV names that say what and for whom: 'activation-by-school-charlotte-mecklenburg-2015-16'."""
    return f"{what} {view.key.split(':')[-1]} {view.year}"


def needs_help_link(view: View, flagged: pd.DataFrame) -> None:
    """For program staff: how many communities of the view stand out (metrics.needs_help) and a
    link to the page that says who and why, in the same scope and year."""
    st.header("Who needs help")
    st.markdown(f"**{len(flagged):,} communities** stand out in {view.year}: below their cohort's lower quartile, "
                "falling against the year before, behind a target, or without recent data.")
    st.page_link("pages/needs_help.py", label="See who needs help, and why", icon=":material/flag:",
                 query_params=view_params(view))
