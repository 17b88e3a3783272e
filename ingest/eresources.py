"""E-resource usage: COUNTER R5 reports (through ingest.counter) and simple vendor CSVs, both to
platform x month x metric. The report type and release are kept: DR and TR overlap, and 5.1
counts books differently from 5.0."""
from __future__ import annotations

from pathlib import Path

from ingest.counter import CounterError, read_counter_report
from ingest.layouts import LAYOUTS
from ingest.problems import Problem, ValidationError
from ingest.staging import Context, Staged, export, finish, has_table, read_checked


def read_counter(path: Path, ctx: Context) -> Staged:
    staged = Staged("counter", ctx.label, "", community_ids={ctx.community_id})
    try:
        report = read_counter_report(path)
    except CounterError as err:
        raise ValidationError([Problem(ctx.label, err.problem, err.expected, line=err.line,
                                       column=err.column, value=None if err.value is None else str(err.value))])
    rows = report.rows
    if rows["platform"].isna().any():
        platform = ctx.options.get("platform") or report.platform
        if not platform:
            problem = ("the report has no usage rows and does not name its platform, so its 'no use' cannot "
                       "be recorded" if report.no_usage else "the report does not name its platform")
            raise ValidationError([Problem(ctx.label, problem,
                                           "a Platform column or header field, or give --platform",
                                           column="Platform")])
        rows = rows.assign(platform=rows["platform"].fillna(platform))
    ctx.con.register("counter_rows", rows)
    overlap = _overlap(ctx)
    export(ctx, staged, "eresource_usage", """
        SELECT $c AS community_id, platform, CAST(month AS DATE) AS month, metric_type, sum("count") AS count,
               report_id AS report_type, release AS counter_release
        FROM counter_rows GROUP BY ALL ORDER BY ALL""", {"c": ctx.community_id})
    ctx.con.unregister("counter_rows")
    staged.rows = len(rows)
    staged.period = (report.begin_date, report.end_date)
    staged.detail = report.report_id
    staged.problems = [Problem(ctx.label, n.problem, n.expected, line=n.line, column=n.column, value=n.value,
                               severity="warning") for n in report.warnings]
    if overlap:
        staged.problems.append(Problem(
            ctx.label, f"these platforms, months and metrics are also loaded from report type(s) {', '.join(overlap)}; "
            "the dashboard counts one report type per platform and metric (PR, vendor, PR_P1, DR, DR_D*, TR, TR_*), "
            "never their sum", "one report type per platform and metric", severity="warning"))
    staged.problems.append(Problem(ctx.label, f"COUNTER {report.report_id} release {report.release}: {len(rows)} "
                                   f"usage cells, {int(rows['count'].sum())} in all", "-", severity="info"))
    return staged


def _overlap(ctx: Context) -> list[str]:
    """Other report types already loaded for the same community, platform, month and metric."""
    if not has_table(ctx.con, "eresource_usage"):
        return []
    return [r[0] for r in ctx.con.execute("""
        SELECT DISTINCT e.report_type FROM wh.eresource_usage e
        JOIN (SELECT DISTINCT platform, CAST(month AS DATE) AS month, metric_type, report_id FROM counter_rows) r
          ON e.platform = r.platform AND e.month = r.month AND e.metric_type = r.metric_type
        WHERE e.community_id = $c AND e.report_type <> r.report_id ORDER BY 1""",
        {"c": ctx.community_id}).fetchall()]


def read_vendor(path: Path, ctx: Context) -> Staged:
    layout = LAYOUTS["eresource_vendor"]
    staged = Staged("eresource_vendor", ctx.label, "", community_ids={ctx.community_id})
    staged.problems = finish(ctx, staged, layout, read_checked(ctx, path, layout))
    export(ctx, staged, "eresource_usage", """
        SELECT $c AS community_id, platform, month, metric AS metric_type, "count",
               'vendor' AS report_type, CAST(NULL AS VARCHAR) AS counter_release
        FROM typed ORDER BY ALL""", {"c": ctx.community_id})
    staged.period = ctx.con.execute("SELECT min(month), last_day(max(month)) FROM typed").fetchone()
    return staged
