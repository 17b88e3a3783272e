"""Library Card Challenge impact dashboard: the Streamlit entry point and navigation.

    streamlit run dashboard.py

The warehouse is $LCC_WAREHOUSE or data/warehouse.duckdb; when it is missing the demo is
built first. The sidebar's scope and school year live in the URL (?community=...&year=...).
"""
from pathlib import Path

import streamlit as st

import components
from components import guard, signin

# Before anything else: no client may empty the caches, fetch a download it did not just click,
# or read the server's metrics (components/guard.py).
guard.install()

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="Library Card Challenge impact", page_icon=":material/local_library:",
                   layout="wide")

PAGES = [
    ("pages/overview.py", "Overview", "overview", ":material/dashboard:"),
    ("pages/activation.py", "Activation", "activation", ":material/how_to_reg:"),
    ("pages/impact.py", "Campaign impact", "impact", ":material/trending_up:"),
    ("pages/circulation.py", "Circulation", "circulation", ":material/menu_book:"),
    ("pages/eresources.py", "E-resources", "eresources", ":material/devices:"),
    ("pages/cohorts.py", "Cohorts", "cohorts", ":material/groups:"),
    ("pages/needs_help.py", "Who needs help", "needs-help", ":material/flag:"),
    ("pages/briefing.py", "Briefing", "briefing", ":material/description:"),
    ("pages/data.py", "Data", "data", ":material/database:"),
    ("pages/load_data.py", "Load data", "load-data", ":material/upload_file:"),
]

components.ensure_warehouse()
pages = [
    st.Page(path, title=title, url_path=url, icon=icon)
    for path, title, url, icon in PAGES
    if (HERE / path).exists()  # briefing and load-data come from other work and may be absent
]


def home() -> None:
    """The bare address opens the Overview with the same query parameters. (A default page is
    served at "/" only, so making Overview the default would leave /overview a dead link.)"""
    st.switch_page(pages[0], query_params=components.view_params(view))


# Streamlit's own page menu drops the query parameters on a page switch, so the menu is drawn
# here with links that carry the scope and year along.
page = st.navigation([st.Page(home, title="Home", url_path="home", default=True, visibility="hidden"), *pages],
                     position="hidden")
# After st.navigation: drawn before it, the first run on a fresh server briefly shows Streamlit's
# own page list instead of the page.
components.accessibility()  # lang="en-US", focus ring (WCAG 3.1.1, 2.4.7)
# After st.navigation, so that a stop at the sign-in form never falls back to Streamlit's own
# listing of pages/.
viewer = signin.gate()  # the demo banner, or the signed-in user; otherwise the sign-in form, and stop
menu = st.sidebar.container()
view = components.sidebar()
# Loading is for program staff: the page says so to anyone else who reaches it by its address.
components.page_menu(menu, [p for p in pages if viewer.sees_everything or p.url_path != "load-data"], view)
page.run()
