"""The accessibility statement, shown on the Data page (the README carries the same text)."""
from __future__ import annotations

import streamlit as st

STANDARD = "WCAG 2.1 level AA"

STATEMENT = f"""\
The dashboard, the briefing PDF and the slides are built to meet **{STANDARD}**, the standard
the US Department of Justice's ADA Title II rule names for state and local governments' web
content and documents.

**How it is tested**, on every change, by the test suite:

- every page is checked with axe-core against the WCAG 2.1 A and AA rules, for one community,
  one cohort and the whole program, signed in as program staff and as a community user
  (`tests/test_browser.py`); the page language, the heading order and a keyboard-only walk
  through the menu, the scope and year pickers and a page's controls, with a visible focus ring,
  are checked too;
- every color of the palette is measured against its background: text at 4.5:1 or more,
  chart marks at 3:1 or more (`tests/test_palette.py`); every chart also tells its series apart
  by marker, line pattern or direct labels, has a text alternative, and gives its numbers in a
  table;
- the briefing PDF is a tagged PDF (PDF/UA-1) with its title and language set, headings,
  lists and tables in reading order, alternative text on each chart, embedded fonts and no
  text under 8 pt (`tests/test_briefing_pdf.py`); the slides have a title on every slide,
  alternative text on each chart and no text under 12 pt (`tests/test_briefing_pptx.py`).

**Known limitations.** Automated checks find many barriers, not all. The charts' hover details
are for mouse users; the same numbers are in the tables beside or under each chart. Streamlit
serves its page with `lang="en"`; the dashboard sets `en-US` as soon as the page runs.

**Report a barrier.** Tell your program contact at the Urban Libraries Council, or the team
that runs this dashboard for you: the page or file, what you tried to do, and the browser and
any assistive technology you use. A barrier is treated as a defect and fixed like one.
"""


def statement() -> None:
    st.header("Accessibility")
    st.markdown(STATEMENT)
