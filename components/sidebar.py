"""The sidebar's scope and school-year picker, kept in the URL query parameters.

Within a session the widgets are the source of truth and are written to the URL on every
run, so the parameters survive page switches; a URL that differs from what was last written
(a bookmark, a shared link, a test) is read into the widgets first.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from components import choice as ch
from components import data, signin
from metrics.access import MIN_COMMUNITIES, Viewer, program_visible
from metrics.scope import Scope

SCOPE_KEY, YEAR_KEY = "scope_choice", "scope_year"
_APPLIED, _NOTICES, _VIEW = "_scope_applied", "_scope_notices", "_view"


@dataclass(frozen=True)
class View:
    """What every page is about: the scope, its label, the year, and whether it is demo data."""
    scope: Scope
    key: str
    label: str
    years: tuple[str, ...]
    is_demo: bool
    notices: tuple[str, ...]
    viewer: Viewer

    @property
    def year(self) -> str:
        return self.scope.school_year

    @property
    def prior_year(self) -> str:
        return self.scope.prior_year

    @property
    def has_prior_year(self) -> bool:
        return self.scope.prior_year in self.years


def _url() -> dict[str, str]:
    return {k: st.query_params[k] for k in ch.PARAMS if k in st.query_params}


def _clear_notices() -> None:
    st.session_state[_NOTICES] = ()


def sidebar() -> View:
    """Draw the picker, sync it with the URL and return the view for the pages."""
    viewer = signin.current_viewer()
    communities: pd.DataFrame = data.catalog("communities")   # only those the viewer may see by name
    names = dict(zip(communities["slug"], communities["name"]))
    cohort_sizes = dict(data.catalog("cohorts").itertuples(index=False))
    # A community viewer sees other communities only in aggregates of MIN_COMMUNITIES or more.
    shown = (lambda n: True) if viewer.sees_everything else (lambda n: n >= MIN_COMMUNITIES)
    cohorts = sorted(int(c) for c, n in cohort_sizes.items() if shown(n))
    years = data.catalog("school_years")
    fallback = ch.default_year(years)
    home = ch.PROGRAM if viewer.sees_everything else f"community:{viewer.community}"

    url = _url()
    applied = st.session_state.get(_APPLIED)
    if applied is None or (url and url != applied):
        picked = ch.parse(url, names, cohorts, years, fallback, fallback=home)
        st.session_state[SCOPE_KEY] = picked.scope
        st.session_state[YEAR_KEY] = picked.year
        st.session_state[_NOTICES] = picked.notices

    by_name = communities.sort_values("name")["slug"]
    options = [*([ch.PROGRAM] if program_visible(cohort_sizes, viewer) else []),
               *(f"cohort:{c}" for c in cohorts), *(f"community:{s}" for s in by_name)]
    if not viewer.sees_everything:   # their own community first
        options = [home, *(o for o in options if o != home)]
    year_options = sorted(years, reverse=True)
    # A new load may have dropped what the session had picked.
    if st.session_state.get(SCOPE_KEY) not in options:
        st.session_state[SCOPE_KEY] = home
    if st.session_state.get(YEAR_KEY) not in year_options:
        st.session_state[YEAR_KEY] = fallback

    with st.sidebar:
        key = st.selectbox("Scope", options, key=SCOPE_KEY, on_change=_clear_notices,
                           format_func=lambda k: ch.scope_label(k, names, cohort_sizes),
                           help="One community, one cohort, or every community in the program. "
                                "Kept in the address bar, so the view can be bookmarked and shared.")
        year = st.selectbox("School year", year_options, key=YEAR_KEY, on_change=_clear_notices,
                            help="School years run July to June.")

    picked = ch.Choice(key, year)
    wanted = picked.params()
    if wanted != url:
        for k in ch.PARAMS:
            if k in st.query_params and k not in wanted:
                del st.query_params[k]
        st.query_params.update(wanted)
    st.session_state[_APPLIED] = wanted

    in_scope = communities
    if picked.community:
        in_scope = communities[communities["slug"] == picked.community]
    elif picked.cohort is not None:
        in_scope = communities[communities["cohort"] == picked.cohort]
    label = demo_label(in_scope, data.catalog("load_log"))
    is_demo = label == "demo"
    if is_demo:
        # Not in a caption: a caption's 60 % opacity took the badge under 3:1 (WCAG 1.4.3).
        st.sidebar.markdown(":orange-badge[Demo data] Synthetic figures, not real students.")
    elif label == "mixed":
        st.sidebar.markdown(":orange-badge[Demo and loaded data] Synthetic demo figures together with "
                            "files loaded here.")

    view = View(picked.to_scope().replace(viewer=viewer), key, ch.scope_label(key, names, cohort_sizes),
                tuple(years), is_demo, tuple(st.session_state.get(_NOTICES, ())), viewer)
    st.session_state[_VIEW] = view
    return view


# Loads that put no figures in: the community list, code mappings, campaigns and targets.
NO_FIGURES = ("demo", "communities", "code_map", "campaign", "target")


def demo_label(in_scope: pd.DataFrame, load_log: pd.DataFrame) -> str | None:
    """'demo' when every figure of the scope is synthetic (every community in it a demo one and no
    file of real figures loaded for them or program-wide), 'mixed' when demo communities share the
    scope with loaded data, None when it is all loaded data. The label follows the data, not how
    the warehouse was first built."""
    demo = in_scope["is_demo"].fillna(False).astype(bool)
    if not demo.any():
        return None
    real = load_log[(load_log["status"] == "loaded") & ~load_log["source"].isin(NO_FIGURES)]
    loaded_here = real["community"].isna() | real["community"].isin(in_scope["name"])
    return "demo" if demo.all() and not loaded_here.any() else "mixed"


def view_params(view: View) -> dict[str, str]:
    """The query parameters of a view, for links to other pages."""
    return ch.Choice(view.key, view.year).params()


def page_menu(container, pages: list, view: View) -> None:
    """Links to every page that keep the view's query parameters."""
    with container:
        for page in pages:
            st.page_link(page, query_params=view_params(view))
        st.divider()


def current_view() -> View:
    """The view the sidebar set up in this run. Every page calls this first."""
    if PagesManager.uses_pages_directory:
        # A fresh server treats pages/ as Streamlit's old auto-discovered page folder until some
        # session has run dashboard.py (st.navigation switches that off), and so runs the page on
        # its own. Switch it off and rerun: the rerun goes through dashboard.py.
        PagesManager.uses_pages_directory = False
        st.rerun()
    view = st.session_state.get(_VIEW)
    return view if view is not None else sidebar()
