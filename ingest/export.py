"""Export a warehouse to the documented file layouts (ingest/LAYOUTS.md), in the order they
load: communities, then per community its schools, branches, enrollment, code mapping, one card
file per school year, card activity, circulation, e-resource usage; then the survey.

    files = export(warehouse_path, out_dir, communities=["charlotte-mecklenburg"])
    for f in files: load_files([f.path], community=f.community, source=f.kind, **f.options)

Used by the round-trip test (export, load into an empty warehouse, compare the metrics) and to
hand a community its own data in the layouts it loads. What the layouts cannot say is not
exported: the student ID column holds the warehouse's pseudonym (the raw ID was never stored),
so loading re-hashes it and the keys differ while every count stays the same; circulation codes
are made up from format/audience/fiction/platform, with a code mapping to match; e-resource usage
is exported as the one report per platform and metric the dashboard counts (vendor layout, so the
COUNTER report type and release are not carried); students on no roster (no school or grade) and
their events are left out, since a card file needs both for a student.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from warehouse import store


@dataclass
class Exported:
    kind: str
    path: Path
    community: str | None
    options: dict = field(default_factory=dict)
    rows: int = 0


GRADE = "CASE WHEN {g} = 0 THEN 'K' ELSE CAST({g} AS VARCHAR) END"
CODE = "upper(format || '/' || audience || '/' || fiction || '/' || platform)"
# Cards that can be written to a card file: every teacher and staff card, and students on a roster.
EXPORTABLE = """(SELECT patron_id FROM patron WHERE community_id = $c AND (patron_type <> 'student'
                 OR patron_id IN (SELECT patron_id FROM student_roster)))"""

PER_COMMUNITY = [
    ("schools", "schools.csv", f"""
        SELECT name AS school, school_type, {GRADE.format(g='grade_low')} AS grade_low,
               {GRADE.format(g='grade_high')} AS grade_high,
               CASE WHEN title_i THEN 'yes' WHEN NOT title_i THEN 'no' END AS title_i,
               agreement_type, agreement_start, agreement_end
        FROM school WHERE community_id = $c ORDER BY school_id"""),
    ("branches", "branches.csv", "SELECT name AS branch FROM branch WHERE community_id = $c ORDER BY branch_id"),
    ("enrollment", "enrollment.csv", f"""
        SELECT s.name AS school, {GRADE.format(g='e.grade')} AS grade, e.school_year, e.students
        FROM enrollment e JOIN school s USING (school_id) WHERE e.community_id = $c ORDER BY ALL"""),
    ("code_map", "code-map.csv", f"""
        SELECT DISTINCT {CODE} AS code, format, audience, fiction, platform FROM (
            SELECT format, audience, fiction, platform FROM circulation WHERE community_id = $c
            UNION ALL SELECT format, audience, fiction, platform FROM circulation_monthly WHERE community_id = $c)
        ORDER BY code"""),
]
AFTER_CARDS = [
    ("card_activity", "card-activity.csv", f"""
        SELECT p.patron_key AS patron_id, strftime(e.event_time, '%Y-%m-%d %H:%M:%S') AS "timestamp",
               e.event_type AS event, e.channel
        FROM card_event e JOIN patron p USING (patron_id)
        WHERE e.community_id = $c AND e.event_type <> 'issued' AND e.patron_id IN {EXPORTABLE}
        ORDER BY e.event_time, p.patron_key"""),
    ("circulation", "circulation.csv", f"""
        SELECT p.patron_key AS patron_id, strftime(t.event_time, '%Y-%m-%d %H:%M:%S') AS "timestamp",
               {CODE} AS item_type, b.name AS branch, t.action
        FROM circulation t JOIN patron p USING (patron_id) LEFT JOIN branch b USING (branch_id)
        WHERE t.community_id = $c AND t.patron_id IN {EXPORTABLE}
        ORDER BY t.event_time, p.patron_key"""),
    ("circulation_monthly", "circulation-monthly.csv", f"""
        SELECT strftime(month, '%Y-%m') AS month, {CODE} AS item_type, b.name AS branch, sum(checkouts) AS count,
               'checkout' AS action
        FROM circulation_monthly m LEFT JOIN branch b USING (branch_id) WHERE m.community_id = $c GROUP BY ALL
        UNION ALL
        SELECT strftime(month, '%Y-%m'), {CODE}, b.name, sum(renewals), 'renewal'
        FROM circulation_monthly m LEFT JOIN branch b USING (branch_id) WHERE m.community_id = $c GROUP BY ALL
        HAVING sum(renewals) > 0 ORDER BY ALL"""),
    # The report the rollup counts for each platform and metric: what the dashboard shows.
    ("eresource_vendor", "eresource-usage.csv", """
        SELECT strftime(month, '%Y-%m') AS month, platform, metric_type AS metric, sum(count) AS count
        FROM rollup_eresource_month WHERE community_id = $c GROUP BY ALL ORDER BY ALL"""),
]
CARDS = f"""
    SELECT p.patron_key AS student_id, s.name AS school, {GRADE.format(g='r.grade')} AS grade,
           p.patron_type, p.card_type, p.issued_date, $y AS school_year
    FROM patron p LEFT JOIN student_roster r ON r.patron_id = p.patron_id AND r.school_year = $y
    LEFT JOIN school s ON s.school_id = r.school_id
    WHERE p.community_id = $c AND (r.patron_id IS NOT NULL OR (p.patron_type <> 'student' AND $first))
    ORDER BY p.patron_id"""


# A spreadsheet opening a CSV runs a cell that starts with one of these as a formula
# (=HYPERLINK(...), +cmd|...): such a text cell gets a leading apostrophe, which shows as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain number written as text (-4, +1.5) runs nothing and stays as it is.
_NUMBER = re.compile(r"[-+]?[0-9][0-9,]*(\.[0-9]+)?")
_FORMULA_SQL = ("CASE WHEN left({v}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) AND NOT "
                "regexp_full_match({v}, '[-+]?[0-9][0-9,]*([.][0-9]+)?') THEN chr(39) || {v} ELSE {v} END")


def escape_formula(value):
    """A text cell made safe to open in a spreadsheet; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def escape_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Every text cell of a table escaped with escape_formula (numbers stay numbers)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(escape_formula)
    return out


def _copy(con: duckdb.DuckDBPyConnection, sql: str, params: dict, out: Path) -> int:
    rows = con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]
    if rows:
        cur = con.execute(f"SELECT * FROM ({sql}) LIMIT 0", params)
        cols = [(d[0], str(d[1])) for d in cur.description]
        select = ", ".join(_FORMULA_SQL.format(v=f'"{n}"') + f' AS "{n}"' if t in ("VARCHAR", "STRING") else f'"{n}"'
                           for n, t in cols)
        # out is a path this function builds under the caller's folder (COPY takes no bound target).
        con.execute(f"COPY (SELECT {select} FROM ({sql})) TO '{out}' (HEADER, DELIMITER ',')", params)
    return rows


def export(path: str | Path | None, out_dir: str | Path, communities: list[str] | None = None) -> list[Exported]:
    """Write CSV files in the documented layouts; returns them in the order to load them."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = store.open_readonly(path)
    try:
        slugs = [r[0] for r in con.execute("SELECT slug FROM community ORDER BY community_id").fetchall()]
        slugs = [s for s in slugs if communities is None or s in communities]
        files: list[Exported] = []

        def add(kind, name, sql, params, community, options=None):
            target = out_dir / name
            rows = _copy(con, sql, params, target)
            if rows:
                files.append(Exported(kind, target, community, options or {}, rows))

        add("communities", "communities.csv", """
            SELECT slug, name, state, cohort, joined_date, launch_date, agreement_type
            FROM community WHERE slug IN (SELECT unnest($s)) ORDER BY community_id""", {"s": slugs}, None)
        for slug in slugs:
            cid = con.execute("SELECT community_id FROM community WHERE slug = ?", [slug]).fetchone()[0]
            folder = out_dir / slug
            folder.mkdir(exist_ok=True)
            for kind, name, sql in PER_COMMUNITY:
                add(kind, f"{slug}/{name}", sql, {"c": cid}, slug)
            years = [r[0] for r in con.execute(
                "SELECT DISTINCT school_year FROM student_roster r JOIN patron p USING (patron_id) "
                "WHERE p.community_id = ? ORDER BY 1", [cid]).fetchall()]
            for i, year in enumerate(years):
                add("cards", f"{slug}/cards-{year}.csv", CARDS, {"c": cid, "y": year, "first": i == 0}, slug,
                    {"school_year": year})
            for kind, name, sql in AFTER_CARDS:
                add(kind, f"{slug}/{name}", sql, {"c": cid}, slug)
        add("survey", "survey.csv", """
            SELECT c.slug AS community, r.wave, r.question, r.answer, r.question_id
            FROM survey_response r JOIN community c USING (community_id)
            WHERE c.slug IN (SELECT unnest($s)) ORDER BY ALL""", {"s": slugs}, None)
        return files
    finally:
        con.close()
