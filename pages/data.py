"""Data: what the warehouse holds, where it came from, and which figures are demo data."""
import pandas as pd
import streamlit as st

import components as ui
from components.statement import statement
from metrics import formats

view = ui.current_view()
ui.header("Data", view, "What is loaded: communities, school years, rows per table and every load.")

meta = ui.catalog("warehouse_meta")
communities = ui.catalog("communities")
log = ui.catalog("load_log")
counts = ui.catalog("table_counts")

st.header("Demo or real")
demo_count = int(communities["is_demo"].fillna(False).sum())
if meta.get("demo") == "true":
    st.info(f"**Every figure in this warehouse is demo data**: a synthetic data set (seed {meta.get('seed', '?')}, "
               f"scale {meta.get('scale', '?')}) calibrated to the program's published figures. "
               f"{demo_count} of {len(communities)} communities are demo communities.", icon=":material/science:")
elif demo_count:
    st.info(f"{demo_count} of {len(communities)} communities hold demo data; their figures, and any "
               "cohort or program total that includes them, are not real.", icon=":material/science:")
else:
    st.success("No demo data: every community's figures come from loaded files.")

cols = st.columns([1, 1, 1.5, 1.5])   # a date ("Sept. 30, 2026") needs half as much room again as a count
cols[0].metric("Communities", formats.count(len(communities)), border=True)
cols[1].metric("School years", formats.count(len(view.years)), border=True,
               help=", ".join(view.years))
cols[2].metric("Data last loaded", formats.last_loaded(log), border=True,
               help=None if log.empty else f"Load {log['load_id'].iloc[0]}, the newest in the load log below.")
published = meta.get("published_at")
cols[3].metric("Warehouse published", formats.date(published) if published else "–", border=True,
               help=f"When this copy of the warehouse was written (version {meta.get('version', '?')}), "
                    "after its last load or rebuild.")

st.header("Communities")
shown = communities.assign(demo=communities["is_demo"].map({True: "demo", False: "loaded"}).fillna("loaded"))
ui.table(shown, ["name", "slug", "state", "cohort", "joined_date", "launch_date", "agreement_type", "demo"],
         key="communities", file_name="communities",
         labels={"name": "Community", "slug": "URL name (?community=)", "state": "State", "cohort": "Cohort",
                 "joined_date": "Joined", "launch_date": "Cards launched", "agreement_type": "Agreement",
                 "demo": "Data"}, kinds={"cohort": "text", "joined_date": "date", "launch_date": "date"}, height=360)

left, right = st.columns([1, 2])
with left:
    st.header("School years")
    ui.table(pd.DataFrame({"year": list(view.years)}), ["year"], key="years", file_name="school years",
             labels={"year": "School year (?year=)"})
with right:
    st.header("Rows per table")
    ui.table(counts, ["table", "rows"], key="counts", file_name="table row counts",
             labels={"table": "Table", "rows": "Rows"}, kinds={"rows": "count"})

st.header("Load log")
ui.table(log.assign(community=log["community"].fillna("all")), ["load_id", "loaded_at", "loaded_by", "source", "file_name", "community", "rows_loaded",
               "rows_rejected", "status"], key="load-log", file_name="load log",
         labels={"load_id": "Load", "loaded_at": "Loaded at", "loaded_by": "By", "source": "Source",
                 "file_name": "File", "community": "Community", "rows_loaded": "Rows loaded",
                 "rows_rejected": "Rows rejected", "status": "Status"},
         kinds={"load_id": "text", "loaded_at": "datetime", "rows_loaded": "count", "rows_rejected": "count"})

statement()
