"""Card activity: logins and activations, one row per event, keyed on the card's ID."""
from __future__ import annotations

import re
from pathlib import Path

from ingest.checks import add_errors
from ingest.layouts import LAYOUTS
from ingest.staging import Context, Staged, export, finish, read_checked
from warehouse import lake
from warehouse.pseudonymize import HMAC_SQL

ID_REDACT = {"patron_id"}
CHANNELS = ("website", "catalog", "app", "branch")


def patron_ids(ctx: Context) -> None:
    """typed gets patron_key (the HMAC of the raw ID) and the warehouse patron_id; an ID with no
    loaded card is an error (value withheld)."""
    con = ctx.con
    con.execute(f"""
        CREATE OR REPLACE TABLE typed AS
        SELECT t.* EXCLUDE (patron_id), CASE WHEN t.patron_id IS NOT NULL THEN {HMAC_SQL.format(raw='t.patron_id')}
               END AS patron_key, t.patron_id AS patron_id
        FROM typed t""", ctx.hmac_params())
    source, params = cards(con, ctx.community_id)
    con.execute(f"""
        CREATE OR REPLACE TABLE typed AS
        SELECT t.* EXCLUDE (patron_id), p.patron_id AS patron_ref, t.patron_id
        FROM typed t LEFT JOIN ({source}) p ON p.patron_key = t.patron_key""", params)
    add_errors(con, "SELECT line, 'patron_id', patron_id, 'no card with this ID has been loaded for ' || $slug, "
                    "'the ID of a card in a loaded card file (load kind cards first)' "
                    "FROM typed WHERE patron_id IS NOT NULL AND patron_ref IS NULL", {"slug": ctx.community})


# Up to this many distinct cards, the key index is read through a list of the file's pseudonyms,
# which DuckDB checks against each row group's bounds (a row group of other cards is skipped).
LISTED_KEYS = 5000
_HEX = re.compile(r"[0-9a-f]{64}")


def cards(con, community_id: int) -> tuple[str, dict]:
    """(SQL, its parameters) of (patron_key, patron_id) of the community's cards that `typed` may
    name: from the community's key index (warehouse/lake.py), only the row groups holding the
    file's keys when they are few; without a current index, its patron table. The keys are
    written into the SQL as literals (checked to be hex digests): a constant list is what DuckDB
    checks against the row groups' bounds, a bound list is not."""
    index = lake.key_index(con, "wh", community_id)
    if index is None:
        return "SELECT patron_key, patron_id FROM wh.patron WHERE community_id = $c", {"c": community_id}
    keys = [k for (k,) in con.execute(f"SELECT DISTINCT patron_key FROM typed WHERE patron_key IS NOT NULL "
                                      f"LIMIT {LISTED_KEYS + 1}").fetchall()]
    source = f"SELECT patron_key, patron_id FROM read_parquet({lake._quote(index)})"
    if len(keys) > LISTED_KEYS or not all(_HEX.fullmatch(k) for k in keys):
        return source, {}
    return f"{source} WHERE patron_key IN ({', '.join(repr(k) for k in keys) or 'NULL'})", {}


def period_of(ctx: Context, column: str) -> tuple:
    return ctx.con.execute(f"SELECT CAST(date_trunc('month', min({column})) AS DATE), "
                           f"CAST(last_day(max({column})) AS DATE) FROM typed").fetchone()


def read_card_activity(path: Path, ctx: Context) -> Staged:
    layout = LAYOUTS["card_activity"]
    staged = Staged("card_activity", ctx.label, "", community_ids={ctx.community_id})
    problems = read_checked(ctx, path, layout, redact=ID_REDACT)
    patron_ids(ctx)
    staged.problems = finish(ctx, staged, layout, problems, redact=ID_REDACT, id_column="patron_id")
    staged.period = period_of(ctx, '"timestamp"')
    export(ctx, staged, "card_event", """
        SELECT patron_ref AS patron_id, $c AS community_id, "timestamp" AS event_time, event AS event_type,
               CASE WHEN lower(channel) IN $known THEN lower(channel) ELSE channel END AS channel
        FROM typed ORDER BY line""", {"c": ctx.community_id, "known": list(CHANNELS)})
    return staged
