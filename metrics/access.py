"""Who is asking: the signed-in viewer a metric answers for, and what that viewer may see.

A `program` viewer (Urban Libraries Council staff) sees every community. A `community`
viewer (a library director, a mayor's office) sees its own community by name and the rest
of the program only as cohort aggregates built from at least MIN_COMMUNITIES communities,
never by name. Metrics check this themselves, so no page, URL parameter or export can get
past it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # scope.py imports this module
    import duckdb

    from metrics.scope import Scope

ROLES = ("program", "community")
MIN_COMMUNITIES = 5   # an aggregate of fewer communities would come close to naming them


class AccessDenied(PermissionError):
    """The viewer asked for figures outside what the role allows."""


@dataclass(frozen=True)
class Viewer:
    user: str
    role: str                      # 'program' or 'community'
    community: str | None = None   # the community's slug, for role 'community'

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role {self.role!r} is not one of {', '.join(ROLES)}")
        if (self.role == "community") != (self.community is not None):
            raise ValueError("a community viewer names exactly one community; a program viewer none")

    @property
    def sees_everything(self) -> bool:
        return self.role == "program"


PROGRAM = Viewer("program", "program")   # the viewer of code that runs without a sign-in (CLI, tests)


COMMUNITIES_IN_SCOPE_SQL = "SELECT count(*) FROM community WHERE $cohort IS NULL OR cohort = $cohort"


def check(con: duckdb.DuckDBPyConnection, scope: Scope, names: bool = False) -> None:
    """Refuse a question the scope's viewer may not ask.

    names: the answer has a row per community or per school. A community viewer may ask
    anything about its own community, and about a cohort or the whole program only for
    aggregates (names=False) of at least MIN_COMMUNITIES communities.
    """
    viewer = scope.viewer
    if viewer.sees_everything:
        return
    if scope.community is not None:
        if scope.community != viewer.community:
            raise AccessDenied(f"{viewer.user!r} may see the figures of {viewer.community!r} only, "
                               f"not of {scope.community!r}")
        return
    whole = f"cohort {scope.cohort}" if scope.cohort is not None else "the whole program"
    if names:
        raise AccessDenied(f"figures for each community or school of {whole} are for program staff; "
                           f"{viewer.user!r} sees other communities only in cohort aggregates")
    from metrics.scope import run   # scope.py imports this module

    n = int(run(con, COMMUNITIES_IN_SCOPE_SQL, {"cohort": scope.cohort}).iloc[0, 0])
    if n < MIN_COMMUNITIES:
        raise AccessDenied(f"{whole} has {n} communities; an aggregate of fewer than {MIN_COMMUNITIES} "
                           f"is shown to program staff only")
    if scope.cohort is None and not reachable(con, viewer).program:
        raise AccessDenied("the whole program minus the cohorts you can see would give the figures of "
                           f"fewer than {MIN_COMMUNITIES} communities; its total is shown to program staff only")


def check_program(scope: Scope, what: str) -> None:
    """Refuse a community viewer an answer that names other communities whatever the scope."""
    if not scope.viewer.sees_everything:
        raise AccessDenied(f"{what} names every community of a cohort and is for program staff only")


# ---------------------------------------------------------------- what a viewer can reach at once
REACHABLE_SQL = "SELECT slug, cohort FROM community ORDER BY slug"


@dataclass(frozen=True)
class Reach:
    """The aggregates and communities one viewer can open: any of them can be combined with the
    others (a program total minus its cohorts), so disclosure is decided over all of them."""
    program: bool                   # the whole program's aggregate
    cohorts: tuple[int, ...]        # cohorts whose aggregate the viewer may see
    communities: tuple[str, ...]    # communities the viewer sees by name


def reachable(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> Reach:
    """A community viewer reaches its own community, the cohorts of at least MIN_COMMUNITIES
    communities, and the whole program only when it gives no smaller group away: the program
    minus the cohorts shown is the communities of the small cohorts, none or at least
    MIN_COMMUNITIES of them."""
    from metrics.scope import run

    rows = [(slug, int(cohort)) for slug, cohort in run(con, REACHABLE_SQL, {}).itertuples(index=False, name=None)]
    sizes: dict[int, int] = {}
    for _slug, cohort in rows:
        sizes[cohort] = sizes.get(cohort, 0) + 1
    if viewer.sees_everything:
        return Reach(True, tuple(sorted(sizes)), tuple(slug for slug, _ in rows))
    cohorts = tuple(sorted(c for c, n in sizes.items() if n >= MIN_COMMUNITIES))
    return Reach(program_visible(sizes, viewer), cohorts, (viewer.community,))


def program_visible(cohort_sizes: dict, viewer: Viewer) -> bool:
    """Whether the viewer may see the whole program's aggregate, from the cohorts' sizes: a
    community viewer only when the communities of the cohorts it may not see (under
    MIN_COMMUNITIES each) are none or at least MIN_COMMUNITIES together."""
    if viewer.sees_everything:
        return True
    rest = sum(n for n in cohort_sizes.values() if n < MIN_COMMUNITIES)
    return sum(cohort_sizes.values()) >= MIN_COMMUNITIES and (rest == 0 or rest >= MIN_COMMUNITIES)


def few_communities(cells, viewer: Viewer, reach: Reach, breakdowns: dict, within: dict) -> dict[str, set[str]]:
    """The aggregate rows a community viewer may not see whatever their counts: rows in which a
    cohort, or the rest of the program outside the cohorts shown, has 1 to MIN_COMMUNITIES-1
    communities other than the viewer's own. (Every aggregate the viewer reaches is a union of
    these parts and its own community, so no sum or difference of them isolates fewer.)"""
    from metrics.suppression import row_keys   # suppression imports nothing of this module

    if viewer.sees_everything:
        return {}
    shown = {str(c) for c in reach.cohorts}
    part = cells["cohort"].where(cells["cohort"].isin(shown), "rest")
    used = cells[["enrolled", "cards", "activated", "active"]].sum(axis=1) > 0
    others = used & (cells["community"] != viewer.community)
    out: dict[str, set[str]] = {}
    for name, cols in breakdowns.items():
        if name.startswith("community:"):
            continue
        keys = row_keys(cells, cols)
        mask = others & within[name] if name in within else others
        counts = (pd.DataFrame({"key": keys[mask], "part": part[mask], "community": cells["community"][mask]})
                  .groupby(["key", "part"])["community"].nunique())
        out[name] = {k for (k, _p), n in counts.items() if 0 < n < MIN_COMMUNITIES}
    return out
