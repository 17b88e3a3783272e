"""Card files: one row per card. The student ID is hashed (HMAC) in the in-memory staging
database; only the pseudonym and a warehouse patron_id leave it."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ingest.checks import add_errors
from ingest.layouts import LAYOUTS
from ingest.problems import Problem, ValidationError
from ingest.staging import KEY_SQL, Context, Staged, export, finish, lookup_tables, read_checked
from warehouse.pseudonymize import HMAC_SQL

ID_REDACT = {"student_id"}


def read_cards(path: Path, ctx: Context) -> Staged:
    layout = LAYOUTS["cards"]
    con = ctx.con
    staged = Staged("cards", ctx.label, "", community_ids={ctx.community_id})
    problems = read_checked(ctx, path, layout, redact=ID_REDACT)
    lookup_tables(ctx)
    school_key = KEY_SQL.format(v="t.school")
    for column in ("school", "grade"):
        add_errors(con, f"SELECT line, '{column}', NULL, 'missing value', 'a {column} for every student card' "
                        f"FROM typed WHERE patron_type = 'student' AND {column}__raw IS NULL")
    add_errors(con, f"""
        SELECT line, 'school', school, 'unknown school',
               'a school of ' || $slug || ' in its schools directory (load kind schools first)'
        FROM typed t WHERE school IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM school_ref r WHERE r.key = {school_key})""", {"slug": ctx.community})
    staged.problems = finish(ctx, staged, layout, problems, redact=ID_REDACT)
    year = _school_year(ctx)
    staged.detail = year
    start, end = con.execute("SELECT start_date, end_date FROM wh.school_year WHERE label = ?", [year]).fetchone() \
        or _year_bounds(year)
    staged.period = (start, end)
    # The raw ID is replaced here; nothing below this point sees it.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE carded AS
        SELECT t.line, {HMAC_SQL.format(raw='t.student_id')} AS patron_key, t.patron_type, t.card_type,
               t.issued_date, r.id AS school_id, CAST(t.grade AS INTEGER) AS grade
        FROM typed t LEFT JOIN school_ref r ON r.key = {school_key}""", ctx.hmac_params())
    con.execute("""
        CREATE OR REPLACE TEMP TABLE keyed AS
        SELECT c.*, coalesce(p.patron_id, (SELECT coalesce(max(patron_id), 0) FROM wh.patron)
                    + row_number() OVER (PARTITION BY p.patron_id IS NULL ORDER BY c.line)) AS patron_id,
               p.patron_id IS NULL AS is_new
        FROM carded c LEFT JOIN wh.patron p ON p.patron_key = c.patron_key AND p.community_id = $c""",
                {"c": ctx.community_id})
    params = {"c": ctx.community_id}
    export(ctx, staged, "patron", "SELECT patron_id, patron_key, $c AS community_id, patron_type, card_type, "
                                  "issued_date FROM keyed WHERE is_new ORDER BY patron_id", params)
    export(ctx, staged, "student_roster", "SELECT patron_id, $y AS school_year, school_id, grade FROM keyed "
                                          "WHERE patron_type = 'student' ORDER BY patron_id", {"y": year})
    export(ctx, staged, "card_event", """
        SELECT patron_id, $c AS community_id, issued_date + INTERVAL 8 HOUR AS event_time, 'issued' AS event_type,
               CASE WHEN card_type = 'virtual' THEN 'district file' ELSE 'branch' END AS channel
        FROM keyed WHERE is_new ORDER BY patron_id""", params)
    return staged


def _school_year(ctx: Context) -> str:
    """The roster year: --school-year, else the file's school_year column (one value), else the
    school year of the latest issued date."""
    con = ctx.con
    if ctx.options.get("school_year"):
        return ctx.options["school_year"]
    years = [r[0] for r in con.execute("SELECT DISTINCT school_year FROM typed WHERE school_year IS NOT NULL")
             .fetchall()]
    if len(years) > 1:
        raise ValidationError([Problem(ctx.label, "the file mixes school years: " + ", ".join(sorted(years)),
                                       "one school year per card file", column="school_year")])
    if years:
        return years[0]
    latest = con.execute("SELECT max(issued_date) FROM typed").fetchone()[0]
    y = latest.year - (1 if latest.month < 7 else 0)
    return f"{y}-{str(y + 1)[-2:]}"


def _year_bounds(label: str):
    y = int(label[:4])
    return dt.date(y, 7, 1), dt.date(y + 1, 6, 30)
