"""Small Streamlit pieces every page uses: header with demo banner and notices, KPI tiles,
tables with a CSV download, and charts.

Accessibility (WCAG 2.1 AA): tables are real HTML tables (st.table, with a caption read by
screen readers), not the canvas grid of st.dataframe; every chart carries a text alternative
and, unless the page's own table beside it holds the same numbers, its numbers in a table."""
from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from charts import describe, palette
from components import signin
from components.sidebar import View
from components.wording import Tile
from metrics import formats
from metrics.suppression import is_suppressed

DEMO_NOTE = ("**Demo data.** Every figure here is synthetic: calibrated to the program's published "
             "numbers, but no real student, school or community record is shown. Community names "
             "other than those in the program's toolkit are invented.")

# Kinds beyond metrics.formats' own: dates as dates, not midnight timestamps.
FORMAT = {**formats.FORMAT,
          "date": lambda v: "" if pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d}",
          "datetime": lambda v: "" if pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d %H:%M}"}

PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def header(title: str, view: View, intro: str | None = None) -> None:
    """Page title, what it is about, the demo-data label and any notices about the URL."""
    st.title(title)
    st.caption(f"{view.label} · school year {view.year} (July to June)")
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
    """A table (numbers shown formatted, "<10" where suppressed) with a CSV download of the same
    rows ("<10" in the file too). An HTML table that screen readers and keyboards read; a long
    one scrolls within `height` pixels. `alt` describes it (default: its columns and size)."""
    labels, kinds = labels or {}, kinds or {}
    headers = [labels.get(c) or formats.COLUMNS.get(c, (c, ""))[0] or c for c in columns]
    shown = df[columns].reset_index(drop=True).copy()
    shown.columns = headers
    styler = shown.style
    for col, head in zip(columns, headers):
        kind = kinds.get(col) or formats.COLUMNS.get(col, (None, "text"))[1]
        styler = styler.format(FORMAT[kind], subset=[head])
        hidden = is_suppressed(df.reset_index(drop=True), col)
        if hidden.any():
            styler = styler.format(lambda _v: formats.SUPPRESSED, subset=pd.IndexSlice[hidden[hidden].index, [head]])
    rows = f"{len(shown):,} row" + ("" if len(shown) == 1 else "s")
    alt = alt or f"Table of {rows}: {', '.join(headers)}."
    fixed = height if isinstance(height, int) and len(shown) > 12 else "content"
    st.table(styler, hide_index=True, height=fixed, alt=alt)
    st.download_button("Download CSV", csv_bytes(df, columns, headers),
                       file_name=f"{_slug(file_name)}.csv", mime="text/csv", key=f"{key}-csv",
                       icon=":material/download:", on_click=signin.record_download,
                       args=(f"table {key}", f"{_slug(file_name)}.csv"),  # audited: who, scope, file
                       help=f"The {rows} of this table as a CSV file.")


def csv_bytes(df: pd.DataFrame, columns: list[str], headers: list[str]) -> bytes:
    """The CSV of a table: numbers as numbers, "<10" where a count is suppressed."""
    out = formats.export_frame(df, columns)
    out.columns = headers
    return out.to_csv(index=False).encode("utf-8")


def chart(fig, key: str, *, alt: str | None = None, numbers: bool = True) -> None:
    """A Plotly chart with its text alternative (`alt`, by default written from the figure) and,
    with numbers=True, its numbers in a table under an expander, for readers who cannot see the
    chart. Pass numbers=False only where the page's own table beside it holds the same numbers."""
    text = alt or describe.alt_text(fig)
    # theme=None: the figure's own colours (charts.palette), not Streamlit's, which draws tick
    # labels and axis titles in a grey under 4.5:1.
    st.plotly_chart(fig, key=key, config=PLOTLY_CONFIG, alt=text, theme=None)
    if numbers:
        data = describe.table(fig)
        if len(data):
            title = describe.title(fig) or "this chart"
            with st.expander(f"The numbers of the chart: {title}", icon=":material/table:"):
                st.table(data, hide_index=True, alt=f"The numbers behind the chart {title}.",
                         height=420 if len(data) > 12 else "content")


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
