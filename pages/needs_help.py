"""Who needs help: for program staff, the communities that stand out, each with its reasons; for
a community user, whether their own community is flagged and why (no other community's name)."""
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

import components as ui
from components import exports
from components.show import XLSX_MIME, csv_bytes, xlsx_maker
from metrics import formats
from metrics.needs_help import FALL_POINTS, STALE_MONTHS
from metrics.scope import Scope

view = ui.current_view()
scope = view.scope
ui.header("Who needs help", view, (
    "Communities that stand out, each with its reasons: an activation or active-user rate below the "
    f"lower quartile of its cohort's communities, a rate {FALL_POINTS:.0f} points or more below the year "
    f"before, a target entered on Load data that it is behind, or no data loaded for the {STALE_MONTHS} "
    "months or more before the newest month the dashboard holds."))

REASONS = {"below_q1": "Below cohort's lower quartile", "falling": "Falling from the year before",
           "behind_target": "Behind its target", "stale": "No recent data"}
COLUMNS = ["label", "cohort", "activation_rate", "active_user_rate", "prior_active_user_rate", "reasons"]
LABELS = {"label": "Community", "cohort": "Cohort", "prior_active_user_rate": f"Active-user rate, {view.prior_year}",
          "reasons": "Why it stands out"}


def link(key: str, label: str) -> str:
    """A link to the community's Overview for the same year (scope and year in the URL)."""
    return f"[{ui.plain(label)}](/overview?{urlencode({'community': key, 'year': view.year})})"


def markdown_table(df: pd.DataFrame) -> str:
    """The rows as a markdown table (an HTML table, with the names as links), figures as shown."""
    shown = formats.present(df, ["cohort", "activation_rate", "active_user_rate", "prior_active_user_rate"])
    head = ["Community", "Cohort", "Activation rate", "Active-user rate", LABELS["prior_active_user_rate"],
            "Why it stands out"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for (_, r), (_, s) in zip(df.iterrows(), shown.iterrows()):
        cells = [link(r["key"], r["label"]), str(int(r["cohort"])), *s.iloc[1:].tolist(),
                 ui.plain(r["reasons"]).replace("|", "\\|")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def downloads(df: pd.DataFrame, name: str) -> None:
    headers = [LABELS.get(c) or formats.COLUMNS.get(c, (c, ""))[0] or c for c in COLUMNS]
    left, right = st.columns(2)
    exports.download_button("Download CSV", lambda: csv_bytes(df, COLUMNS, headers), file_name=f"{name}.csv",
                            mime="text/csv", key="needs-help-csv", what="table needs-help",
                            icon=":material/download:", where=left,
                            help="These rows as a CSV file, the figures as shown here.")
    exports.download_button("Download Excel", xlsx_maker(df, COLUMNS, headers, view, "Who needs help"),
                            file_name=f"{name}.xlsx", mime=XLSX_MIME,
                            key="needs-help-xlsx", what="table needs-help", icon=":material/table:", where=right,
                            help="These rows as an Excel workbook: real numbers, a sheet of definitions, "
                                 "the scope, year, source and load date.")


if view.viewer.sees_everything:
    whole = Scope(view.year, cohort=scope.cohort) if scope.community is None else Scope(view.year)
    flagged = ui.metric("needs_help", whole)
    left, mid, right = st.columns(3)
    cohorts = sorted(int(c) for c in ui.catalog("cohorts")["cohort"])
    cohort = left.selectbox("Cohort", ["all", *cohorts], key="nh_cohort",
                            index=(cohorts.index(scope.cohort) + 1) if scope.cohort in cohorts else 0,
                            format_func=lambda c: "All cohorts" if c == "all" else f"Cohort {c}")
    reasons = mid.multiselect("Reasons", list(REASONS), format_func=REASONS.get, key="nh_reasons",
                              placeholder="Any reason")
    order = right.selectbox("Sort by", ["reasons", "name", "activation_rate", "active_user_rate", "cohort"],
                            key="nh_sort", format_func={
                                "reasons": "Most reasons first", "name": "Community name",
                                "activation_rate": "Activation rate, lowest first",
                                "active_user_rate": "Active-user rate, lowest first", "cohort": "Cohort"}.get)
    rows = flagged
    if cohort != "all":
        rows = rows[rows["cohort"] == cohort]
    if reasons:
        rows = rows[rows["flags"].map(lambda f: bool(set(f.split(",")) & set(reasons)))]
    if order == "name":
        rows = rows.sort_values("label", kind="stable")
    elif order in ("activation_rate", "active_user_rate"):
        rows = rows.sort_values(order, na_position="last", kind="stable")
    elif order == "cohort":
        rows = rows.sort_values(["cohort", "label"], kind="stable")
    total = len(ui.catalog("communities")) if cohort == "all" else int(
        ui.catalog("cohorts").set_index("cohort")["communities"].get(cohort, 0))
    st.header(f"{len(rows):,} of {total:,} communities stand out, {view.year}")
    counts = {k: int(flagged["flags"].str.contains(k).sum()) for k in REASONS} if len(flagged) else {}
    if counts:
        st.caption("; ".join(f"{REASONS[k]}: {n:,}" for k, n in counts.items()) + ". Each name opens that "
                   "community's Overview for the same year.")
    if rows.empty:
        st.info("No community stands out for the reasons picked.", icon=":material/check_circle:")
    else:
        st.markdown(markdown_table(rows.reset_index(drop=True)))
        downloads(rows.reset_index(drop=True), f"needs-help-{view.key.split(':')[-1]}-{view.year}")
else:
    own = view.viewer.community
    names = dict(ui.catalog("communities")[["slug", "name"]].itertuples(index=False))
    st.header(f"{ui.plain(names.get(own, own))}, {view.year}")
    st.caption("Other communities appear here only as their cohort's lower quartile, never by name.")
    with ui.unless_denied("Whether your community stands out"):
        mine = ui.metric("needs_help", Scope(view.year, community=own))
        if mine.empty:
            st.success("Your community does not stand out this year for any of the reasons above.",
                       icon=":material/check_circle:")
        else:
            st.warning("Your community stands out this year. " + ui.plain(mine["reasons"].iloc[0]),
                       icon=":material/flag:")
