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
    n = con.cursor().execute(COMMUNITIES_IN_SCOPE_SQL, {"cohort": scope.cohort}).fetchone()[0]
    if n < MIN_COMMUNITIES:
        raise AccessDenied(f"{whole} has {n} communities; an aggregate of fewer than {MIN_COMMUNITIES} "
                           f"is shown to program staff only")


def check_program(scope: Scope, what: str) -> None:
    """Refuse a community viewer an answer that names other communities whatever the scope."""
    if not scope.viewer.sees_everything:
        raise AccessDenied(f"{what} names every community of a cohort and is for program staff only")
