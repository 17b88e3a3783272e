"""Load data: a community's own files (template, upload, preview, validation report, load with
progress), the load log with undo, the item-type code mapping, campaigns and targets.

Uploaded files may hold raw student IDs: they are written to a private temp folder only while
ingest reads them and deleted right after; the preview hides ID columns. No SQL here: every read
and write goes through ingest.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path

import pandas as pd
import streamlit as st

import components as ui
from components import exports
from ingest import annotations, load, templates, tempfiles, xlsx_limits
from ingest.problems import ValidationError
from ingest.layouts import LAYOUTS, RAW_ID, norm
from ingest.reading import DELIMITERS
from metrics import formats
from warehouse import store

KIND_ORDER = ["enrollment", "cards", "card_activity", "circulation", "circulation_monthly", "counter",
              "eresource_vendor", "survey", "survey_export", "schools", "branches", "code_map", "communities"]
UNDOABLE_NEVER = {"demo", "code_map"}
FILE_TYPES = ["csv", "tsv", "txt", "xlsx", "parquet", "json"]
PREVIEW_ROWS = 8
HIDDEN = "•••• hidden"
STATUS_WORDS = {
    "ready": "ready to load", "ready (partial)": "ready: valid rows load, rejected rows go to quarantine",
    "loaded": "loaded", "partial": "loaded in part (rejected rows quarantined)",
    "already loaded": "already loaded: nothing to do", "rejected": "refused: nothing will be loaded",
    "not loaded": "not loaded (another file in the batch was refused)",
}


# ----------------------------------------------------------------- helpers (tested directly)
def id_columns(kind: str) -> set[str]:
    """Normalised header names that may hold a student or patron ID: hidden in the preview."""
    layout = LAYOUTS[kind]
    names = {norm(n) for n in RAW_ID} | {norm(n) for n in layout.forbidden}
    for c in layout.columns:
        if c.type == "id":
            names |= c.names()
    return names


def preview(name: str, data: bytes, kind: str, rows: int = PREVIEW_ROWS) -> pd.DataFrame | str:
    """The first rows of an uploaded file as a table (ID columns hidden), or a note when the file
    cannot be previewed as a table. Reads only the head of the file, in memory."""
    if not data:
        return "The file is empty (0 bytes)."
    if data[:4] == b"PK\x03\x04":
        try:
            xlsx_limits.check(io.BytesIO(data), name)
        except ValidationError as err:
            return str(err.problems[0].problem).capitalize() + "."
        try:
            df = pd.read_excel(io.BytesIO(data), nrows=rows, dtype=str)
        except Exception as err:  # a damaged workbook: validation will say more
            return f"Could not open the spreadsheet ({err})."
        return _hide(df, kind)
    if data[:4] == b"PAR1":
        import pyarrow.parquet as pq
        table = next(pq.ParquetFile(io.BytesIO(data)).iter_batches(batch_size=rows), None)
        return _hide(table.to_pandas().astype(str), kind) if table is not None else "The Parquet file has no rows."
    head = data[:1 << 16]
    text = head.decode("utf-16") if head[:2] in (b"\xff\xfe", b"\xfe\xff") else _decode(head)
    if text.lstrip().startswith(("{", "[")):
        return "A JSON file (a SUSHI report): no table preview; Validate reads it."
    lines = [line for line in text.splitlines() if line.strip()][: rows + 1 if kind != "counter" else 14]
    if kind == "counter":  # the COUNTER header block is not a table
        return "\n".join(lines)
    if kind == "survey_export":
        return "Survey-tool exports hold respondent details (IP addresses, e-mails): only the questions are read. " \
               "Validate to check the file."
    if not lines:
        return "The file has no rows."
    delimiter = max(DELIMITERS, key=lambda d: lines[0].count(d))
    cells = list(csv.reader(lines, delimiter=delimiter))
    width = len(cells[0])
    body = [(r + [""] * width)[:width] for r in cells[1:]]
    header = [h if h.strip() else f"(column {i + 1})" for i, h in enumerate(cells[0])]
    header = [h if header.count(h) == 1 else f"{h} ({i + 1})" for i, h in enumerate(header)]
    return _hide(pd.DataFrame(body, columns=header), kind)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if err.start > len(raw) - 4:  # a character cut by the 64 KB head
            return raw[:err.start].decode("utf-8-sig")
        return raw.decode("cp1252", errors="replace")


def _hide(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    hidden = id_columns(kind)
    out = df.copy()
    for col in out.columns:
        if norm(col) in hidden:
            out[col] = HIDDEN
    return out


def files_signature(files, *parts) -> str:
    """Identity of an upload batch and its settings: a validation holds only for the same ones."""
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(hashlib.sha256(f.getvalue()).digest())
    for p in parts:
        h.update(repr(p).encode())
    return h.hexdigest()


def run_load(files, *, community, kind, dry_run, allow_partial=False, progress=None, **options) -> load.LoadReport:
    """Write the uploads into a private temp folder, run ingest on them, delete them."""
    with tempfiles.folder("upload") as tmp:   # deleted in finally; swept at start-up after a kill
        paths = []
        for i, f in enumerate(files):
            folder = tmp / str(i)  # two uploads may share a name
            folder.mkdir()
            path = folder / Path(f.name).name
            path.write_bytes(f.getvalue())
            paths.append(path)
        return load.load_files(paths, community=community, source=kind, allow_partial=allow_partial,
                               dry_run=dry_run, progress=progress, loaded_by=_who(), **options)


def _who() -> str:
    """The load log's "By": the user signed in to the dashboard (never the server's OS account)."""
    return ui.signed_in_user()


def results_frame(report: load.LoadReport) -> pd.DataFrame:
    return pd.DataFrame([{"file": f.file, "status": STATUS_WORDS.get(f.status, f.status), "rows": f.rows,
                          "rejected": f.rejected, "load_id": f.load_id, "message": f.message}
                         for f in report.files])


def unmapped_frame(report: load.LoadReport) -> pd.DataFrame:
    parts = [f.unmapped.assign(file=f.file) for f in report.files if f.unmapped is not None and len(f.unmapped)]
    if not parts:
        return pd.DataFrame(columns=["code", "rows", "file"])
    return pd.concat(parts, ignore_index=True).groupby("code", as_index=False).agg(
        rows=("rows", "sum"), file=("file", lambda s: ", ".join(sorted(set(s)))))


def loaded_sentence(report: load.LoadReport) -> str:
    """What a load did, in one or two sentences per file."""
    out = []
    for f in report.files:
        if f.status in ("loaded", "partial"):
            text = f"**{f.file}**: {formats.count(f.rows)} rows loaded as load {f.load_id}"
            if f.rejected:
                text += f"; {formats.count(f.rejected)} rejected rows kept in quarantine"
            if "replaces" in f.message:
                text += f" ({f.message.split('; ')[-1]})"
            out.append(text + ".")
        elif f.status == "already loaded":
            out.append(f"**{f.file}**: {f.message[0].upper()}{f.message[1:]}.")
        else:
            out.append(f"**{f.file}**: {STATUS_WORDS.get(f.status, f.status)}. {f.message}")
    return "\n\n".join(out)


# ----------------------------------------------------------------- the page
view = ui.current_view()
ui.header("Load data", view,
          "Load a community's own files: enrollment from the district, the card file, card activity, "
          "circulation, e-resource usage and surveys. **Nothing is written until you press Load**, and a "
          "file loads whole or not at all. Student IDs are replaced by a keyed hash before anything is "
          "stored. Layouts are documented in `ingest/LAYOUTS.md`; the same loads run from the command "
          "line with `python -m ingest load`.")
if not view.viewer.sees_everything:
    # Loads change every community's rollups and the load log names every community.
    st.error("Loading data is for program staff. Send your files to the program team, or ask them "
             "for a program account.", icon=":material/lock:")
    st.stop()

communities = ui.catalog("communities")
names = dict(zip(communities["slug"], communities["name"]))
slugs = list(communities.sort_values("name")["slug"])
WAREHOUSE = store.warehouse_path()

st.header("1. Which community, which kind of file")
left, right = st.columns(2)
kind = left.selectbox("Kind of file", KIND_ORDER, format_func=lambda k: LAYOUTS[k].title, key="ld_kind",
                      help="Each kind has its own columns; see the template and the column list below.")
layout = LAYOUTS[kind]
default = slugs.index(view.scope.community) if view.scope.community in slugs else 0
community = right.selectbox("Community", slugs, index=default, format_func=lambda s: names.get(s, s),
                            key="ld_community",
                            help="The community the file belongs to, and whose log, code mapping and "
                                 "targets the sections below show.")
if not layout.per_community:
    right.caption("This kind of file names its communities itself" + (
        "; the one picked here is used when an export has no Community column." if kind == "survey_export"
        else "; the choice here is for the sections below."))
st.caption(layout.doc)

options: dict[str, str] = {}
if kind == "cards":
    year = st.text_input("School year of the roster (optional)", key="ld_year", placeholder="e.g. 2015-16",
                         help="Default: the file's school_year column, else the year of the latest issued date.")
    if year.strip():
        options["school_year"] = year.strip()
elif kind == "survey_export":
    wave = st.text_input("Survey wave (required)", key="ld_wave", placeholder="e.g. Cohort 1 round one (2016)")
    if wave.strip():
        options["wave"] = wave.strip()
elif kind == "counter":
    platform = st.text_input("Platform (only if the report does not name it)", key="ld_platform")
    if platform.strip():
        options["platform"] = platform.strip()

if kind in templates.NO_TEMPLATE:
    st.info("This kind comes straight from the vendor's or survey tool's own export: upload it as delivered, "
            "no template needed.", icon=":material/info:")
else:
    tcol, lcol = st.columns([1, 3])
    exports.download_button("Download template", lambda: templates.template_csv(kind), file_name=f"template-{kind}.csv",
                            mime="text/csv", icon=":material/download:", key="ld_template", what=f"template {kind}",
                            where=tcol, help="A CSV with the column headings and one example row.")
    with lcol.expander("The columns, and other headings each may have"):
        st.dataframe(pd.DataFrame([{"Column": c.name, "Type": templates.TYPE_DOC[c.type],
                                    "Required": "yes" if c.required else "no",
                                    "Also accepted as": ", ".join(c.aliases), "Example": c.example,
                                    "Notes": c.doc} for c in layout.columns]), hide_index=True)

st.header("2. Upload and check")
files = st.file_uploader("Files (several at once is fine; they load together or not at all)", type=FILE_TYPES,
                         accept_multiple_files=True, key=f"ld_files_{kind}")
allow_partial = False
if layout.events:
    allow_partial = st.checkbox("Allow a partial load (load the valid rows, keep rejected rows in quarantine)",
                                key="ld_partial",
                                help="Only for event files. Without it, one bad row refuses the whole file.")
target = community if layout.per_community or kind == "survey_export" else None

if files:
    for f in files:
        with st.expander(f"Preview: {f.name} ({formats.count(f.size)} bytes)", expanded=len(files) == 1):
            shown = preview(f.name, f.getvalue(), kind)
            if isinstance(shown, str):
                st.code(shown, language=None) if kind == "counter" and "\n" in shown else st.caption(shown)
            else:
                st.dataframe(shown, hide_index=True)
                if HIDDEN in shown.to_numpy():
                    st.caption("ID columns are hidden here; they are hashed at load and never stored.")
    signature = files_signature(files, kind, target, allow_partial, sorted(options.items()))
    if st.button("Validate", type="primary", icon=":material/fact_check:", key="ld_validate"):
        with st.spinner("Checking every row…"):
            try:
                st.session_state["ld_report"] = (signature, run_load(files, community=target, kind=kind,
                                                                     dry_run=True, allow_partial=allow_partial,
                                                                     **options))
            except (ValueError, RuntimeError, OSError) as err:   # a refused key, a missing warehouse, a full disk
                st.error(str(err), icon=":material/error:")
                st.stop()
        st.session_state.pop("ld_done", None)

    checked = st.session_state.get("ld_report")
    if checked and checked[0] == signature:
        report: load.LoadReport = checked[1]
        st.markdown("**Validation report**")
        st.dataframe(results_frame(report).drop(columns="load_id"), hide_index=True, column_config={
            "file": "File", "status": "Status", "rows": st.column_config.NumberColumn("Rows", format="localized"),
            "rejected": st.column_config.NumberColumn("Rejected rows", format="localized"), "message": "Details"})
        problems = report.problems_frame()
        if len(problems):
            st.markdown("Problems and warnings (line = the line of the file, counting the heading as line 1):")
            ui.table(problems.assign(line=problems["line"].astype("Int64")),
                     ["severity", "file", "line", "column", "value", "problem", "expected"], key="ld-problems",
                     file_name=f"validation report {kind}",
                     labels={"severity": "Severity", "file": "File", "line": "Line / row", "column": "Column",
                             "value": "Value found", "problem": "Problem", "expected": "Expected"},
                     kinds={"line": "text"})
        warnings = report.warnings
        if warnings:
            st.warning("**Check before loading:** " + " ".join(f"{w.problem}." for w in warnings[:5])
                       + (f" ({len(warnings) - 5} more in the report.)" if len(warnings) > 5 else "")
                       + " Warnings do not stop the load.", icon=":material/warning:")
        unmapped = unmapped_frame(report)
        if len(unmapped):
            st.warning(f"{len(unmapped)} item-type code(s) are not in {ui.plain(names.get(community, community))}'s code "
                       "mapping. Map them in section 4 below, then validate again.", icon=":material/rule:")
            ui.table(unmapped, ["code", "rows", "file"], key="ld-unmapped", file_name="unmapped codes",
                     labels={"code": "Unmapped code", "rows": "Rows", "file": "File"}, kinds={"rows": "count"})
            st.session_state["ld_unmapped"] = (community, list(unmapped["code"]))
        ready = [f for f in report.files if f.status.startswith("ready")]
        if not report.ok:
            st.error("Nothing can be loaded until the errors are fixed: correct the file(s) and upload them "
                     "again" + (", or tick “Allow a partial load”." if layout.events and not allow_partial else "."),
                     icon=":material/block:")
        elif not ready:
            st.info(loaded_sentence(report), icon=":material/info:")
        elif st.button(f"Load {ready[0].file}" if len(ready) == 1 else f"Load these {len(ready)} files", type="primary", icon=":material/upload:",
                       key="ld_load"):
            with st.status("Loading…", expanded=True) as status:
                bar = st.progress(0.0, text="Starting")

                def progress(i: int, n: int, label: str) -> None:
                    bar.progress(min(i / max(n, 1), 1.0), text=label[:1].upper() + label[1:])

                try:
                    done = run_load(files, community=target, kind=kind, dry_run=False, allow_partial=allow_partial,
                                    progress=progress, **options)
                except Exception as err:  # the warehouse is unchanged: publishing discards the copy
                    status.update(label="The load failed; nothing was changed", state="error")
                    st.error(f"{err}")
                    done = None
                if done is not None:
                    if done.committed:
                        ui.record_change("load", kind=kind, community=target,
                                         loads=[f.load_id for f in done.files if f.load_id],
                                         files=[f.file for f in done.files])
                    state = "complete" if done.committed or done.ok else "error"
                    status.update(label="Loaded" if done.committed else "Nothing was loaded", state=state)
                    st.session_state["ld_done"] = (signature, done)
            st.session_state.pop("ld_report", None)
            st.rerun()

    finished = st.session_state.get("ld_done")
    if finished and finished[0] == signature:
        done = finished[1]
        if done.committed:
            st.success(loaded_sentence(done) + "\n\nThe other pages show the new figures from your next click.",
                       icon=":material/check_circle:")
        else:
            st.info(loaded_sentence(done), icon=":material/info:")
else:
    st.caption("Upload one or more files of the kind picked above to preview and check them.")

# ----------------------------------------------------------------- load log and undo
st.header("3. Load log")
log = ui.catalog("load_log")
mine = log[log["community"].isna() | (log["community"] == names.get(community))]
scope_note = st.toggle(f"Only loads for {names.get(community, community)} and program-wide loads",
                       value=True, key="ld_log_mine")
shown_log = mine if scope_note else log
ui.table(shown_log.assign(community=shown_log["community"].fillna("all")),
         ["load_id", "loaded_at", "loaded_by", "source", "file_name", "community", "rows_loaded", "rows_rejected",
          "status"], key="ld-log", file_name="load log",
         labels={"load_id": "Load", "loaded_at": "Loaded at (UTC)", "loaded_by": "By", "source": "Kind",
                 "file_name": "File or entry", "community": "Community", "rows_loaded": "Rows loaded",
                 "rows_rejected": "Rows rejected", "status": "Status"},
         kinds={"load_id": "text", "loaded_at": "datetime", "rows_loaded": "count", "rows_rejected": "count"})
undoable = shown_log[(shown_log["status"] == "loaded") & ~shown_log["source"].isin(UNDOABLE_NEVER)]
if undoable.empty:
    st.caption("No load here can be undone (the demo data is rebuilt, not undone; a code mapping is edited, "
               "not undone).")
else:
    st.markdown("**Undo a load**: removes exactly the rows that load added; figures are recomputed.")
    flash = st.session_state.pop("ld_undo_msg", None)
    if flash:
        (st.success if flash[0] else st.error)(flash[1])
    with st.container(height=min(24 + 52 * len(undoable), 300)):
        for r in undoable.itertuples():
            c1, c2 = st.columns([5, 1], vertical_alignment="center")
            c1.write(f"Load {r.load_id} · {r.source} · {r.file_name or ''} · {r.community or 'all'} · "
                     f"{formats.datetime(r.loaded_at)} · {formats.count(r.rows_loaded)} rows")
            if c2.button("Undo", key=f"ld_undo_{r.load_id}", icon=":material/undo:"):
                st.session_state["ld_confirm"] = int(r.load_id)
    pending = st.session_state.get("ld_confirm")
    if pending is not None and pending in set(undoable["load_id"].astype(int)):
        row = undoable[undoable["load_id"] == pending].iloc[0]
        st.warning(f"Undo load {pending} ({row['file_name'] or row['source']}, "
                   f"{formats.count(row['rows_loaded'])} rows)? Its rows are removed from the warehouse.",
                   icon=":material/warning:")
        yes, no = st.columns([1, 5])
        if yes.button("Yes, undo it", type="primary", key="ld_undo_yes"):
            try:
                st.session_state["ld_undo_msg"] = (True, load.undo(pending, path=WAREHOUSE).capitalize() + ".")
                ui.record_change("undo", load=pending, source=row["source"], community=row["community"])
            except (ValueError, RuntimeError, OSError) as err:
                st.session_state["ld_undo_msg"] = (False, f"{err}".capitalize())
            st.session_state.pop("ld_confirm", None)
            st.rerun()
        if no.button("Cancel", key="ld_undo_no"):
            st.session_state.pop("ld_confirm", None)
            st.rerun()

# ----------------------------------------------------------------- code mapping
st.header("4. Item-type code mapping")
if not slugs:
    st.stop()
map_for = community
st.markdown(f"How **{ui.plain(names.get(map_for, map_for))}**'s library catalog (ILS) codes (item types, collection codes) count: format, "
            "audience, fiction or non-fiction, platform. Circulation files are checked against it; a code "
            "not listed here is reported, never dropped.")
mapping = annotations.code_mapping(map_for, WAREHOUSE) if map_for else pd.DataFrame(columns=annotations.MAP_COLUMNS)
if mapping.empty:
    st.caption("No codes are mapped yet for this community: add them below, or load a mapping file.")
remembered = st.session_state.get("ld_unmapped")
if remembered and remembered[0] == map_for:
    new_codes = [c for c in remembered[1] if c.strip().upper() not in set(mapping["code"])]
    if new_codes:
        mapping = pd.concat([mapping, pd.DataFrame({"code": new_codes, "platform": "ILS"})], ignore_index=True)
        st.caption(f"Added from the last check, to fill in: {ui.plain(', '.join(new_codes))}.")


def _values(column: str) -> list[str]:
    return sorted(set(layout_map.column(column).choices.values()))


layout_map = LAYOUTS["code_map"]
edited = st.data_editor(
    mapping, num_rows="add", hide_index=True, key=f"ld_map_{map_for}", width="stretch",
    column_config={
        "code": st.column_config.TextColumn("Code", required=True, help="As the library catalog (ILS) writes it (case is ignored)."),
        "format": st.column_config.SelectboxColumn("Format", options=_values("format"), required=True),
        "audience": st.column_config.SelectboxColumn("Audience", options=_values("audience"), required=True),
        "fiction": st.column_config.SelectboxColumn("Fiction", options=_values("fiction"), required=True),
        "platform": st.column_config.TextColumn("Platform", help="The library catalog (ILS), OverDrive, hoopla, ...: the code, as in the files (default: ILS, the library catalog)"),
    })
st.caption("Change a row or add rows at the bottom, then save. To retire a code, map it to what it now "
           "means; codes are never deleted, so older loads keep their meaning. The same mapping loads from a "
           "file with kind “Item-type code mapping”.")
if st.button("Save the code mapping", key="ld_map_save", icon=":material/save:"):
    try:
        saved = annotations.save_code_mapping(map_for, edited, path=WAREHOUSE, loaded_by=_who())
    except annotations.EntryError as err:
        st.error(str(err))
    else:
        if saved.committed:
            ui.record_change("code_mapping", community=map_for, load=saved.files[0].load_id, codes=len(edited))
            st.session_state.pop("ld_unmapped", None)
            st.success(f"Code mapping saved ({len(edited)} codes, load {saved.files[0].load_id}). Validate the "
                       "circulation file again to use it.")
        elif saved.files and saved.files[0].status == "already loaded":
            st.info("No change: this mapping is already saved.")
        else:
            st.error("The mapping was not saved:")
            pf = saved.problems_frame()
            ui.table(pf, ["line", "column", "value", "problem", "expected"], key="ld-map-problems",
                     file_name="code mapping problems",
                     labels={"line": "Line", "column": "Column", "value": "Value found", "problem": "Problem",
                             "expected": "Expected"}, kinds={"line": "text"})

# ----------------------------------------------------------------- campaigns and targets
st.header("5. Campaigns, annotations and targets")
st.markdown("Campaigns and annotations are marked on the activation timeline; targets are the figures a "
            "community aims for in a school year.")
cleft, cright = st.columns(2)
PROGRAM_WIDE = "__all__"
with cleft, st.form("ld_campaign", clear_on_submit=True, border=True):
    st.markdown("**Add a campaign or annotation**")
    who = st.selectbox("Community", [PROGRAM_WIDE, *slugs], index=(slugs.index(map_for) + 1) if map_for else 0,
                       format_func=lambda s: "All communities (program-wide)" if s == PROGRAM_WIDE else names[s])
    title = st.text_input("Title", placeholder="e.g. Superintendent's activation challenge")
    d1, d2 = st.columns(2)
    start = d1.date_input("Start date", value=None, min_value=dt.date(1990, 1, 1), format="YYYY-MM-DD")
    end = d2.date_input("End date (optional)", value=None, min_value=dt.date(1990, 1, 1), format="YYYY-MM-DD")
    what = st.radio("Kind", annotations.KINDS, horizontal=True,
                    captions=["a drive or push with a start (and end)", "a note on the timeline"])
    if st.form_submit_button("Add", icon=":material/add:"):
        try:
            lid = annotations.add_campaign(None if who == PROGRAM_WIDE else who, start, title, end_date=end,
                                           kind=what, path=WAREHOUSE, loaded_by=_who())
            ui.record_change("campaign", community=None if who == PROGRAM_WIDE else who, load=lid, kind=what)
            st.success(f"Added “{ui.plain(title.strip())}” (load {lid}).")
        except annotations.EntryError as err:
            st.error(str(err))

with cright, st.form("ld_target", clear_on_submit=False, border=True):
    st.markdown("**Set a target**")
    t_who = st.selectbox("Community", slugs, index=slugs.index(map_for) if map_for else 0,
                         format_func=lambda s: names[s], key="ld_t_who")
    years = sorted(set(view.years) | {f"{int(y[:4]) + 1}-{str(int(y[:4]) + 2)[-2:]}" for y in view.years[-1:]})
    t_year = st.selectbox("School year", years[::-1], key="ld_t_year",
                          index=years[::-1].index(view.year) if view.year in years else 0)
    t_metric = st.selectbox("Metric", list(annotations.TARGET_METRICS), key="ld_t_metric",
                            format_func=lambda m: annotations.TARGET_METRICS[m][0])
    t_value = st.number_input("Target (for a rate, in percent)", min_value=0.0, value=None, step=1.0,
                              key="ld_t_value", placeholder="e.g. 85")
    if st.form_submit_button("Save target", icon=":material/flag:"):
        try:
            if t_value is None:
                raise annotations.EntryError("The target value is empty; enter a number.")
            rate = annotations.TARGET_METRICS[t_metric][1] == "rate"
            if rate and t_value > 100:
                raise annotations.EntryError(f"A rate target of {t_value:g}% is impossible; enter 0 to 100.")
            lid = annotations.add_target(t_who, t_year, t_metric, t_value / 100 if rate else t_value,
                                         path=WAREHOUSE, loaded_by=_who())
            ui.record_change("target", community=t_who, load=lid, school_year=t_year, metric=t_metric)
            st.success(f"Target saved (load {lid}).")
        except annotations.EntryError as err:
            st.error(str(err))

# One under the other, full width: side by side, a long campaign title was cut.
with st.container():
    campaigns = ui.catalog("campaigns", map_for)
    st.caption(f"Campaigns and annotations for {ui.plain(names.get(map_for, map_for))} and program-wide ones")
    ui.table(campaigns, ["start_date", "end_date", "title", "kind"], key="ld-campaigns",
             file_name=f"campaigns {map_for}", labels={"start_date": "Start", "end_date": "End", "title": "Title",
                                                       "kind": "Kind"},
             kinds={"start_date": "date", "end_date": "date"})
with st.container():
    tg = annotations.targets(map_for, WAREHOUSE)
    tg = tg.assign(shown=[formats.rate(v) if annotations.TARGET_METRICS.get(m, ("", ""))[1] == "rate"
                          else formats.count(v) if annotations.TARGET_METRICS.get(m, ("", ""))[1] == "count"
                          else formats.ratio(v) for m, v in zip(tg["metric"], tg["value"])],
                   label=[annotations.TARGET_METRICS.get(m, (m,))[0] for m in tg["metric"]])
    st.caption(f"Targets for {ui.plain(names.get(map_for, map_for))}")
    ui.table(tg, ["school_year", "label", "shown"], key="ld-targets", file_name=f"targets {map_for}",
             labels={"school_year": "School year", "label": "Metric", "shown": "Target"})
