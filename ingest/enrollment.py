"""Enrollment: students per school, grade and school year (aggregate counts only)."""
from __future__ import annotations

from pathlib import Path

from ingest.checks import add_errors
from ingest.layouts import LAYOUTS
from ingest.staging import KEY_SQL, Context, Staged, export, finish, lookup_tables, read_checked


def read_enrollment(path: Path, ctx: Context) -> Staged:
    layout = LAYOUTS["enrollment"]
    staged = Staged("enrollment", ctx.label, "", community_ids={ctx.community_id})
    problems = read_checked(ctx, path, layout)
    lookup_tables(ctx)
    add_errors(ctx.con, f"""
        SELECT line, 'school', school, 'unknown school',
               'a school of ' || $slug || ' in its schools directory (load kind schools first)'
        FROM typed t WHERE school IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM school_ref r WHERE r.key = {KEY_SQL.format(v='t.school')})""",
               {"slug": ctx.community})
    staged.problems = finish(ctx, staged, layout, problems)
    export(ctx, staged, "enrollment", f"""
        SELECT $c AS community_id, r.id AS school_id, CAST(t.grade AS INTEGER) AS grade, t.school_year,
               CAST(t.students AS INTEGER) AS students
        FROM typed t JOIN school_ref r ON r.key = {KEY_SQL.format(v='t.school')} ORDER BY ALL""",
           {"c": ctx.community_id})
    years = [r[0] for r in ctx.con.execute("SELECT DISTINCT school_year FROM typed ORDER BY 1").fetchall()]
    staged.detail = ",".join(years)
    return staged
