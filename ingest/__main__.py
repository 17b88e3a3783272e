"""Command line: python -m ingest load|undo|log|template ...

    python -m ingest load cards-2015.csv --community charlotte-mecklenburg --kind cards
    python -m ingest undo 12
    python -m ingest log
    python -m ingest template enrollment > enrollment.csv

Exits 1 when a file is rejected, after printing the validation report (and writing it as CSV
with --report FILE).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from ingest import load, templates
from ingest.export import escape_formulas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description="Load a community's files.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("load", help="validate files and load them in one transaction")
    p.add_argument("files", nargs="+")
    p.add_argument("--kind", required=True, choices=list(load.READERS))
    p.add_argument("--community", help="community slug (required for most kinds)")
    p.add_argument("--allow-partial", action="store_true",
                   help="event files: load the valid rows, quarantine the rest")
    p.add_argument("--warehouse", help="warehouse file (default $LCC_WAREHOUSE or data/warehouse.duckdb)")
    p.add_argument("--report", help="write the validation report to this CSV file")
    p.add_argument("--school-year", help="cards: the roster's school year (e.g. 2015-16)")
    p.add_argument("--wave", help="survey_export: the survey wave")
    p.add_argument("--platform", help="counter: platform, when the report does not name one")
    p.add_argument("--by", help="who is loading (default: the login name)")
    u = sub.add_parser("undo", help="remove a load's rows")
    u.add_argument("load_id", type=int)
    u.add_argument("--warehouse")
    g = sub.add_parser("log", help="show the load log")
    g.add_argument("--warehouse")
    t = sub.add_parser("template", help="print a template CSV for a layout")
    t.add_argument("kind", choices=templates.kinds())
    args = parser.parse_args(argv)
    return COMMANDS[args.command](args)


def _load(args) -> int:
    options = {k: v for k, v in (("school_year", args.school_year), ("wave", args.wave),
                                 ("platform", args.platform)) if v}
    if args.report and not Path(args.report).resolve().parent.is_dir():   # before anything is loaded
        print(f"error: the folder for --report {args.report} does not exist; nothing was loaded.", file=sys.stderr)
        return 2
    bar = tqdm(total=2 * len(args.files), unit="step", file=sys.stderr)

    def progress(done: int, total: int, label: str) -> None:
        bar.total = total
        bar.set_description(label)
        bar.update(done - bar.n)

    try:
        report = load.load_files(args.files, community=args.community, source=args.kind, path=args.warehouse,
                                 allow_partial=args.allow_partial, progress=progress, loaded_by=args.by,
                                 **options)
    except (ValueError, RuntimeError, OSError) as err:   # a refused key, a missing warehouse, a full disk
        bar.close()
        print(f"error: {err}", file=sys.stderr)
        return 1
    bar.close()
    if report.committed:
        _audit("load", args.by, kind=args.kind, community=args.community,
               loads=[f.load_id for f in report.files if f.load_id], files=[f.file for f in report.files])
    print(report.summary())
    for p in report.problems:
        print("  " + str(p))
    for f in report.files:
        if f.unmapped is not None and len(f.unmapped):
            print(f"  unmapped item type codes in {f.file}:\n" + f.unmapped.to_string(index=False))
    if args.report:
        escape_formulas(report.problems_frame()).to_csv(args.report, index=False)
        print(f"validation report written to {args.report}")
    return 0 if report.ok else 1


def _undo(args) -> int:
    try:
        print(load.undo(args.load_id, path=args.warehouse))
    except (ValueError, RuntimeError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    _audit("undo", None, load=args.load_id)
    return 0


def _audit(event: str, by: str | None, **detail) -> None:
    """The command line's changes go to the same audit log as the dashboard's, as the login name."""
    from auth import audit
    audit.record(event, user=by or load._who(), role="command line", detail=detail)


def _log(args) -> int:
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(load.load_log(args.warehouse).to_string(index=False))
    return 0


def _template(args) -> int:
    sys.stdout.write(templates.template_csv(args.kind))
    return 0


COMMANDS = {"load": _load, "undo": _undo, "log": _log, "template": _template}

if __name__ == "__main__":
    sys.exit(main())
