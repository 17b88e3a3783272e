"""Overview: the headline figures of the chosen scope and year, each against the year before."""
import pandas as pd
import streamlit as st

import components as ui
from components.wording import headline_tiles
from metrics import formats
from metrics.scope import Scope
from metrics.suppression import marks

view = ui.current_view()
ui.header("Overview", view)


def figures(scope: Scope) -> dict:
    """The headline numbers of one scope and year (missing where suppressed)."""
    activation = ui.metric("activation_rate", scope)
    active = ui.metric("active_user_rate", scope)
    per_student = ui.metric("circulation_per_student", scope)
    per_student = per_student[per_student["school_year"] == scope.school_year]
    eresources = ui.metric("eresource_growth", scope, metric_type="Total_Item_Requests")
    staff = ui.metric("staff_cards", scope)
    def first(df, col):
        """The figure, its mark ("<10", "suppressed") when hidden, None when there is no data."""
        if not len(df):
            return None
        mark = marks(df, col).iloc[0]
        return mark if isinstance(mark, str) else df[col].iloc[0]

    return {
        "enrolled": first(activation, "enrolled"), "cards": first(activation, "cards"),
        "activation_rate": first(activation, "activation_rate"), "active": first(active, "active"),
        "active_user_rate": first(active, "active_user_rate"),
        "circulation": first(per_student, "circulation"), "per_student": first(per_student, "per_student"),
        "eresource_use": eresources["usage"].sum(min_count=1) if len(eresources) else 0,
        "staff_cards": staff["cards"].sum(min_count=1) if len(staff) else 0,
    }


scope = view.scope
prior_scope = Scope(view.prior_year, community=scope.community, cohort=scope.cohort)
cur = figures(scope)
prior = figures(prior_scope) if view.has_prior_year else {}
items = headline_tiles(cur, prior, view.year, view.prior_year, view.has_prior_year)

st.header(f"Headline figures, {view.year}")
ui.tiles(items)
st.caption(formats.RATES_EXPLAINED)

st.header("The same figures as a table")
rows = pd.DataFrame({
    "label": [t.label for t in items], "value": [t.value for t in items],
    "prior": [t.prior or "–" for t in items], "change": [t.delta or "–" for t in items],
})
ui.table(rows, ["label", "value", "prior", "change"], key="overview",
         file_name=ui.file_name(view, "headline figures"),
         labels={"label": "Figure", "value": view.year, "prior": view.prior_year,
                 "change": f"Change {formats.since(view.prior_year)}"})
st.caption(f"Rates are shares of students enrolled. Counts from 1 to 9 are shown as "
           f"“{formats.SUPPRESSED}” to protect small groups.")
