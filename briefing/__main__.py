"""Briefings from the command line, for a round of communities at once.

    python -m briefing --year 2015-16 --community charlotte-mecklenburg --out briefings/
    python -m briefing --year 2015-16 --all-communities --in-cohort 1 --out briefings/ --format pdf
    python -m briefing --year 2015-16 --cohort 1 --out briefings/      # the cohort as a whole
    python -m briefing --list

Exit status: 0 when every briefing was written, 2 for an unknown community, cohort or year
(nothing is written then), 1 when chart export is impossible (no Chromium).
"""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from tqdm import tqdm

import briefing
from auth import audit
from briefing import content, render
from metrics import catalog
from metrics.scope import Scope
from warehouse import store


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m briefing",
                                 description="Write one-page briefings (PDF, PPTX, chart PNGs).")
    ap.add_argument("--year", help="school year, e.g. 2015-16")
    who = ap.add_argument_group("for whom (combine freely)")
    who.add_argument("--community", action="append", default=[], metavar="SLUG",
                     help="a community's slug, e.g. charlotte-mecklenburg; repeat for several")
    who.add_argument("--all-communities", action="store_true", help="every community (see --in-cohort)")
    who.add_argument("--in-cohort", type=int, metavar="N",
                     help="with --all-communities: only the communities of cohort N")
    who.add_argument("--cohort", type=int, action="append", default=[], metavar="N",
                     help="a briefing on cohort N as a whole; repeat for several")
    ap.add_argument("--out", type=Path, help="folder to write into (created if missing)")
    ap.add_argument("--format", nargs="+", default=list(briefing.FORMATS), choices=briefing.FORMATS)
    ap.add_argument("--warehouse", type=Path, help="warehouse file (default: $LCC_WAREHOUSE or data/warehouse.duckdb)")
    ap.add_argument("--list", action="store_true", help="list the communities and school years, then stop")
    return ap.parse_args(argv)


def scopes(con, args: argparse.Namespace, error) -> list[Scope]:
    """The scopes asked for, each checked against the warehouse before anything is written."""
    table = catalog.communities(con)
    slugs = list(args.community)
    if args.all_communities:
        chosen = table if args.in_cohort is None else table[table["cohort"] == args.in_cohort]
        if chosen.empty:
            error(f"no communities in cohort {args.in_cohort}")
        slugs += [s for s in chosen["slug"] if s not in slugs]
    elif args.in_cohort is not None:
        error("--in-cohort goes with --all-communities")
    out = [Scope(args.year, community=s) for s in slugs] + [Scope(args.year, cohort=c) for c in args.cohort]
    if not out:
        error("say for whom: --community SLUG, --all-communities or --cohort N")
    for scope in out:
        try:
            content.check_scope(con, scope)
        except content.UnknownScope as e:
            error(str(e))
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)

    def error(message: str):
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)

    try:
        con = store.open_readonly(args.warehouse)
    except FileNotFoundError as e:
        error(str(e))
    if args.list:
        for _, r in catalog.communities(con).iterrows():
            print(f"{r['slug']:32} {r['name']} (cohort {r['cohort']})")
        print("school years:", ", ".join(catalog.school_years(con)))
        return 0
    if not args.year or not args.out:
        error("--year and --out are required")
    try:
        Scope(args.year)
    except ValueError as e:
        error(str(e))
    todo = scopes(con, args, error)
    args.out.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        for scope in tqdm(todo, desc="Briefings", unit="briefing", file=sys.stderr):
            b = content.build(con, scope)
            names = []
            for name, data in briefing.files(b, args.format).items():
                (args.out / name).write_bytes(data)
                names.append(name)
                written += 1
            # Exports from the command line run with program rights: who ran them is the OS user.
            audit.record("export", user=getpass.getuser(), role="program", community=scope.community,
                         scope={"year": scope.school_year, "community": scope.community, "cohort": scope.cohort},
                         detail={"via": "python -m briefing", "files": names, "out": str(args.out)})
    except render.ChromiumMissing as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{written} files for {len(todo)} briefing(s) in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
