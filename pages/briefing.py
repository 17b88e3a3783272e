"""Briefing: the one-page briefing for a mayor's office, shown as it prints, with the PDF,
the PowerPoint and each chart as PNG to download. Scope and year come from the sidebar (and
so from the URL: ?community=...&year=... or ?cohort=...&year=...)."""
import streamlit as st

import briefing
import components as ui
from briefing import content, figures, render
from components import exports
from metrics.access import Viewer
from metrics.scope import Scope

MIME = {"pdf": "application/pdf", "png": "image/png",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}

view = ui.current_view()
ui.header("Briefing", view, intro=(
    "One page for a mayor's office: the headline figures with their change since last year, two "
    "charts, plain sentences and where the community stands in its cohort. Pick the community or "
    "cohort and the school year in the sidebar; download the page as PDF, as slides, or each chart."))


@st.cache_data(max_entries=50, show_spinner=False)
def make(_con, version: str, year: str, community: str | None, cohort: int | None, viewer: Viewer) -> dict:
    """The briefing's files and a picture of its page, kept per warehouse version, scope and viewer."""
    b = content.build(_con, Scope(year, community=community, cohort=cohort, viewer=viewer))
    pngs = briefing.chart_pngs(b, required=False)
    files = briefing.files(b, pngs=pngs)
    pdf_name = f"{b.file_stem()}.pdf"
    try:
        preview = render.pdf_pages_png(files[pdf_name], dpi=110)
    except RuntimeError:  # no pdftoppm: the page lays the content out itself below
        preview = []
    # Short labels: the download column is narrow, and a cut label hides what the file is.
    labels = {pdf_name: "PDF, one page",
              f"{b.file_stem()}.pptx": f"PowerPoint, {3 if community else 4} slides"}
    labels.update({f"{b.file_stem()}-{k}.png": f"{t} (PNG)" for k, t in figures.SHORT_TITLES.items()})
    return {"files": files, "labels": labels, "preview": preview, "charts": all(pngs.values())}


scope = view.scope
wh = ui.warehouse()
with st.status("Preparing the briefing…", expanded=False) as status:
    made = make(wh.con, wh.version, scope.school_year, scope.community, scope.cohort, view.viewer)
    status.update(label="Briefing ready", state="complete")

if not made["charts"]:
    st.warning("The charts could not be drawn: chart export needs Chromium (Debian's `chromium` "
               "package; `make run` installs it). The PDF and slides carry a note in their place.",
               icon=":material/warning:")

page, side = st.columns([5, 2], gap="large")
with side:
    st.header("Download")
    for name, data in made["files"].items():
        kind = name.rsplit(".", 1)[1]
        exports.download_button(made["labels"].get(name, name), lambda data=data: data, file_name=name,
                                mime=MIME[kind], key=f"dl-{name}", what=f"briefing {kind}", event="export",
                                icon=":material/download:", width="stretch")  # checked and audited when clicked
    st.caption("Every figure follows the dashboard's rules: counts under 10 show as “<10”, and "
               "no sentence states a change the numbers do not support.")

with page:
    if made["preview"]:
        with st.container(border=True):
            st.image(made["preview"][0], caption="The briefing as it prints", width="stretch",
                     alt=f"Preview of the one-page briefing for {view.label}, {view.year}, as it prints. "
                         "Its text, figures and tables can be read in the PDF download, a tagged PDF.")
    else:
        # Without pdftoppm, lay out the same content directly.
        b = content.build(wh.con, scope)
        st.header(ui.plain(b.title))   # names from loaded files: never markdown
        st.caption(f"{b.period} · {ui.plain(b.subtitle)}")
        cols = st.columns(3)
        for i, h in enumerate(b.headlines):
            cols[i % 3].metric(h.label, h.value, help=f"{h.detail}; {h.change}")
        for s in b.sentences:
            st.markdown(f"- {ui.plain(s)}")
        for name, fig in figures.charts(b).items():
            ui.chart(fig, key=f"briefing-{name}")
        st.caption(ui.plain(b.footnote))
