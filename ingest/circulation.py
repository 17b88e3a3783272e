"""Circulation: transactions and monthly counts, with the community's item-type code mapping.

Every ILS names its item types differently; a code the community has not mapped is reported
(all of them, with their row counts), never silently dropped.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ingest.activity import ID_REDACT, patron_ids, period_of
from ingest.checks import add_errors
from ingest.layouts import LAYOUTS
from ingest.problems import Problem, could_be_id
from ingest.staging import KEY_SQL, Context, has_table, Staged, export, finish, lookup_tables, read_checked

CODE_KEY = "upper(trim({v}))"


def read_code_map(path: Path, ctx: Context) -> Staged:
    layout = LAYOUTS["code_map"]
    staged = Staged("code_map", ctx.label, "", community_ids={ctx.community_id})
    staged.problems = finish(ctx, staged, layout, read_checked(ctx, path, layout))
    export(ctx, staged, "code_mapping", f"""
        SELECT $c AS community_id, {CODE_KEY.format(v='code')} AS code, format, audience, fiction,
               coalesce(platform, 'ILS') AS platform
        FROM typed ORDER BY line""", {"c": ctx.community_id})
    return staged


def _mapping(ctx: Context) -> None:
    """code_map: the warehouse's mapping for the community (loaded with kind code_map)."""
    con = ctx.con
    con.execute("CREATE OR REPLACE TEMP TABLE code_map (code VARCHAR, format VARCHAR, audience VARCHAR, "
                "fiction VARCHAR, platform VARCHAR)")
    if has_table(con, "code_mapping"):  # a warehouse built before ingest existed has no mapping yet
        con.execute("INSERT INTO code_map SELECT code, format, audience, fiction, platform "
                    "FROM wh.code_mapping WHERE community_id = $c", {"c": ctx.community_id})


def _map_codes(ctx: Context, staged: Staged) -> list[Problem]:
    con = ctx.con
    _mapping(ctx)
    lookup_tables(ctx)
    con.execute(f"""
        CREATE OR REPLACE TABLE typed AS
        SELECT t.*, m.format AS map_format, m.audience AS map_audience, m.fiction AS map_fiction,
               m.platform AS map_platform, b.id AS branch_ref
        FROM typed t
        LEFT JOIN code_map m ON m.code = {CODE_KEY.format(v='t.item_type')}
        LEFT JOIN branch_ref b ON b.key = {KEY_SQL.format(v='t.branch')}""")
    add_errors(con, "SELECT line, 'item_type', item_type, 'item type code not in the community''s code mapping', "
                    "'a mapped code (add it with kind code_map or on the Data page)' "
                    "FROM typed WHERE item_type IS NOT NULL AND map_format IS NULL")
    add_errors(con, "SELECT line, 'branch', branch, 'unknown branch', "
                    "'a branch of ' || $slug || ' in its branches directory (load kind branches first)' "
                    "FROM typed WHERE branch IS NOT NULL AND branch_ref IS NULL", {"slug": ctx.community})
    cols = {r[0] for r in con.execute("DESCRIBE typed").fetchall()}
    an_id = "item_type IN (SELECT patron_id__raw FROM typed)" if "patron_id__raw" in cols else "FALSE"
    found = con.execute(f"SELECT item_type, count(*), {an_id} FROM typed "
                        "WHERE item_type IS NOT NULL AND map_format IS NULL GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
    # A "code" that is one of the file's IDs, or could be one, is a swapped column: never listed.
    unmapped = [(code, n) for code, n, an_id in found if not (an_id or could_be_id(code))]
    withheld = len(found) - len(unmapped)
    staged.unmapped = ctx.unmapped = pd.DataFrame(unmapped, columns=["code", "rows"])
    if not found:
        return []
    listing = ", ".join(f"{code} ({n} rows)" for code, n in unmapped)
    if withheld:
        listing += (", " if listing else "") + f"{withheld} more withheld because they could be IDs (is the " \
                                               "item type column the right one?)"
    return [Problem(ctx.label, f"{len(found)} unmapped item type code(s): {listing}",
                    "every code in the code mapping", column="item_type", severity="warning")]


def read_circulation(path: Path, ctx: Context) -> Staged:
    layout = LAYOUTS["circulation"]
    staged = Staged("circulation", ctx.label, "", community_ids={ctx.community_id})
    problems = read_checked(ctx, path, layout, redact=ID_REDACT)
    patron_ids(ctx)
    problems += _map_codes(ctx, staged)
    staged.problems = finish(ctx, staged, layout, problems, redact=ID_REDACT, id_column="patron_id")
    staged.period = period_of(ctx, '"timestamp"')
    export(ctx, staged, "circulation", """
        SELECT patron_ref AS patron_id, $c AS community_id, branch_ref AS branch_id, "timestamp" AS event_time,
               action, map_format AS format, map_audience AS audience, map_fiction AS fiction,
               map_platform AS platform
        FROM typed ORDER BY line""", {"c": ctx.community_id})
    return staged


def read_circulation_monthly(path: Path, ctx: Context) -> Staged:
    layout = LAYOUTS["circulation_monthly"]
    staged = Staged("circulation_monthly", ctx.label, "", community_ids={ctx.community_id})
    problems = read_checked(ctx, path, layout)
    problems += _map_codes(ctx, staged)
    staged.problems = finish(ctx, staged, layout, problems)
    staged.period = period_of(ctx, "month")
    export(ctx, staged, "circulation_monthly", """
        SELECT $c AS community_id, branch_ref AS branch_id, month, map_format AS format, map_audience AS audience,
               map_fiction AS fiction, map_platform AS platform,
               coalesce(sum("count") FILTER (WHERE coalesce(action, 'checkout') = 'checkout'), 0) AS checkouts,
               coalesce(sum("count") FILTER (WHERE action = 'renewal'), 0) AS renewals
        FROM typed GROUP BY ALL ORDER BY ALL""", {"c": ctx.community_id})
    return staged
