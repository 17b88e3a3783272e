"""A sanity check at load time: warn when a month of an event or usage file is far from the same
month a year earlier, or (with no year-earlier figure) from the series' monthly average, before
the number reaches a mayor. A warning never stops the load: a real jump (a launch, a campaign)
looks the same as an export that lost half its rows, and only a person can tell which.

Months are compared within one series (a channel, a platform, a platform's COUNTER metric), on the
file's own months plus what the warehouse already holds for the community; the file's months
replace the warehouse's, as the load itself will.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from ingest.problems import Problem
from ingest.staging import Staged

FACTOR = 3          # flag a month under a third of, or over three times, its comparison
MIN_COUNT = 20      # below this on both sides, months swing by chance: no warning
MIN_MONTHS = 6      # the average needs this many other months to mean something
MAX_WARNINGS = 12   # per file; the rest are counted

# kind -> (staged table, series expression, month expression, total expression, warehouse filter)
SERIES = {
    "card_activity": ("card_event", "channel", "date_trunc('month', event_time)", "count(*)",
                      "event_type <> 'issued'"),
    "circulation": ("circulation", "platform", "date_trunc('month', event_time)", "count(*)", "TRUE"),
    "circulation_monthly": ("circulation_monthly", "platform", "month", "sum(checkouts + renewals)", "TRUE"),
    "counter": ("eresource_usage", "platform || ' ' || metric_type || ' (' || report_type || ')'", "month",
                "sum(count)", "TRUE"),
    "eresource_vendor": ("eresource_usage", "platform || ' ' || metric_type || ' (' || report_type || ')'",
                         "month", "sum(count)", "TRUE"),
}
WHAT = {
    "card_activity": "card logins and activations via {}",
    "circulation": "checkouts and renewals on {}",
    "circulation_monthly": "checkouts and renewals on {}",
    "counter": "{}",
    "eresource_vendor": "{}",
}


def _monthly(con: duckdb.DuckDBPyConnection, staged: Staged, community_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    table, series, month, total, where = SERIES[staged.kind]
    select = f"SELECT {series} AS series, CAST({month} AS DATE) AS month, {total} AS total"
    # Names above are constants of this module; the file path and community are bound.
    new = con.execute(f"{select} FROM read_parquet($p) GROUP BY ALL", {"p": str(staged.tables[table])}).df()
    if staged.kind == "card_activity":
        # The warehouse's card events per month, type and channel are rollup_logins_month (kept
        # equal to the events by every load): a small catalog table, not every event file.
        source = (f"(SELECT channel, month AS event_time, events FROM wh.rollup_logins_month "
                  f"WHERE community_id = $c AND {where})")
        select = select.replace("count(*)", "sum(events)")
    else:
        source = f"(SELECT * FROM wh.{table} WHERE community_id = $c AND {where})"
    old = con.execute(f"""{select} FROM {source}
                          WHERE {series} IN (SELECT DISTINCT {series} FROM read_parquet($p)) GROUP BY ALL""",
                      {"c": community_id, "p": str(staged.tables[table])}).df()
    return new, old


def _partial_months(con: duckdb.DuckDBPyConnection, staged: Staged) -> dict[dt.date, str]:
    """Event files cover first to last event: a first or last month not covered whole may be short."""
    if staged.kind not in ("card_activity", "circulation"):
        return {}
    table = SERIES[staged.kind][0]
    first, last = con.execute("SELECT CAST(min(event_time) AS DATE), CAST(max(event_time) AS DATE) "
                              "FROM read_parquet($p)", {"p": str(staged.tables[table])}).fetchone()
    notes = {}
    if first is not None and first.day > 3:
        notes[first.replace(day=1)] = f"the file starts on {first:%-d %b %Y}, so this month may be incomplete"
    if last is not None and (last + dt.timedelta(days=4)).month == last.month:
        notes[last.replace(day=1)] = f"the file ends on {last:%-d %b %Y}, so this month may be incomplete"
    return notes


def _fmt(n: float) -> str:
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.1f}"


def check(con: duckdb.DuckDBPyConnection, staged: Staged, community_id: int | None) -> list[Problem]:
    """Warnings for months far from a year earlier or from the average (con: a staging connection
    with the published warehouse attached as wh)."""
    if staged.kind not in SERIES or community_id is None or SERIES[staged.kind][0] not in staged.tables:
        return []
    new, old = _monthly(con, staged, community_id)
    if new.empty:
        return []
    new["month"] = pd.to_datetime(new["month"]).dt.date
    old["month"] = pd.to_datetime(old["month"]).dt.date
    partial = _partial_months(con, staged)
    warnings: list[str] = []
    for series, rows in new.groupby("series", sort=True):
        history = old[(old["series"] == series) & ~old["month"].isin(set(rows["month"]))]
        combined = dict(zip(history["month"], history["total"])) | dict(zip(rows["month"], rows["total"]))
        what = WHAT[staged.kind].format(series)
        for month, value in sorted(zip(rows["month"], rows["total"])):
            value = float(value)
            note = f" ({partial[month]})" if month in partial else ""
            year_ago = month.replace(year=month.year - 1)
            if year_ago in combined:
                prior = float(combined[year_ago])
                if max(value, prior) >= MIN_COUNT and (value * FACTOR < prior or value > FACTOR * prior):
                    how = "under a third of" if value * FACTOR < prior else "more than three times"
                    warnings.append(f"{month:%B %Y}: {_fmt(value)} {what}, {how} {year_ago:%B %Y} "
                                    f"({_fmt(prior)}){note}")
                continue
            others = [float(v) for m, v in combined.items() if m != month]
            if len(others) < MIN_MONTHS:
                continue
            average = sum(others) / len(others)
            if max(value, average) >= MIN_COUNT and (value * FACTOR < average or value > FACTOR * average):
                how = "under a third of" if value * FACTOR < average else "more than three times"
                warnings.append(f"{month:%B %Y}: {_fmt(value)} {what}, {how} the monthly average of "
                                f"{_fmt(average)} over {len(others)} other months{note}")
    problems = [Problem(staged.file, w, "a month within a factor of 3 of the year before (check the file if "
                        "nothing explains it; the load goes ahead)", column="month", severity="warning")
                for w in warnings[:MAX_WARNINGS]]
    if len(warnings) > MAX_WARNINGS:
        problems.append(Problem(staged.file, f"{len(warnings) - MAX_WARNINGS} more months are far from their "
                                "comparison", "-", column="month", severity="warning"))
    return problems
