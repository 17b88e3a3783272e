"""Directories: communities, schools and branches. Known names are updated, new ones get ids."""
from __future__ import annotations

from pathlib import Path

from ingest.checks import add_errors
from ingest.layouts import LAYOUTS
from ingest.staging import KEY_SQL, Context, Staged, export, finish, read_checked


def read_communities(path: Path, ctx: Context) -> Staged:
    layout = LAYOUTS["communities"]
    staged = Staged("communities", ctx.label, "")
    problems = read_checked(ctx, path, layout)
    add_errors(ctx.con, "SELECT line, 'slug', slug, 'not a valid slug', "
                        "'lower-case letters, digits and hyphens, e.g. charlotte-mecklenburg' "
                        "FROM typed WHERE slug IS NOT NULL AND NOT regexp_full_match(slug, '[a-z0-9]+(-[a-z0-9]+)*')")
    staged.problems = finish(ctx, staged, layout, problems)
    export(ctx, staged, "community", """
        SELECT coalesce(c.community_id, (SELECT coalesce(max(community_id), 0) FROM wh.community)
                        + row_number() OVER (PARTITION BY c.community_id IS NULL ORDER BY t.line)) AS community_id,
               t.slug, t.name, upper(t.state) AS state, CAST(t.cohort AS INTEGER) AS cohort, t.joined_date,
               t.launch_date, coalesce(t.agreement_type, 'letter of commitment') AS agreement_type,
               CAST(NULL AS DATE) AS agreement_start, CAST(NULL AS DATE) AS agreement_end, FALSE AS is_demo,
               c.community_id IS NULL AS is_new
        FROM typed t LEFT JOIN wh.community c ON c.slug = t.slug""")
    return staged


def read_schools(path: Path, ctx: Context) -> Staged:
    layout = LAYOUTS["schools"]
    staged = Staged("schools", ctx.label, "", community_ids={ctx.community_id})
    problems = read_checked(ctx, path, layout)
    add_errors(ctx.con, "SELECT line, 'grade_high', grade_high__raw, 'grade_high is below grade_low', "
                        "'grade_low <= grade_high' FROM typed WHERE grade_high < grade_low")
    staged.problems = finish(ctx, staged, layout, problems)
    key = KEY_SQL.format(v="t.school")
    export(ctx, staged, "school", f"""
        SELECT coalesce(s.school_id, (SELECT coalesce(max(school_id), 0) FROM wh.school)
                        + row_number() OVER (PARTITION BY s.school_id IS NULL ORDER BY t.line)) AS school_id,
               $c AS community_id, t.school AS name, coalesce(t.school_type, 'district') AS school_type,
               CAST(t.grade_low AS INTEGER) AS grade_low, CAST(t.grade_high AS INTEGER) AS grade_high,
               t.title_i, t.agreement_type, t.agreement_start, t.agreement_end, s.school_id IS NULL AS is_new
        FROM typed t LEFT JOIN wh.school s
          ON s.community_id = $c AND {KEY_SQL.format(v='s.name')} = {key}""", {"c": ctx.community_id})
    return staged


def read_branches(path: Path, ctx: Context) -> Staged:
    layout = LAYOUTS["branches"]
    staged = Staged("branches", ctx.label, "", community_ids={ctx.community_id})
    staged.problems = finish(ctx, staged, layout, read_checked(ctx, path, layout))
    export(ctx, staged, "branch", f"""
        SELECT coalesce(b.branch_id, (SELECT coalesce(max(branch_id), 0) FROM wh.branch)
                        + row_number() OVER (PARTITION BY b.branch_id IS NULL ORDER BY t.line)) AS branch_id,
               $c AS community_id, t.branch AS name, b.branch_id IS NULL AS is_new
        FROM typed t LEFT JOIN wh.branch b
          ON b.community_id = $c AND {KEY_SQL.format(v='b.name')} = {KEY_SQL.format(v='t.branch')}""",
           {"c": ctx.community_id})
    return staged
