"""What a metric is asked about: one community, one cohort or the whole program, a school
year, and optional narrower filters. Every metric takes a Scope and binds it as parameters."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

import duckdb
import pandas as pd

from metrics import dialect
from metrics.access import PROGRAM, Viewer

# The scope as a filter on any view that carries slug and cohort ...
COMMUNITY_FILTER = "($community IS NULL OR slug = $community) AND ($cohort IS NULL OR cohort = $cohort)"
# ... and on views of students, which also carry school_id and grade.
SCOPE_FILTER = COMMUNITY_FILTER + """
    AND ($school_id IS NULL OR school_id = $school_id) AND ($grade IS NULL OR grade = $grade)"""
# The circulation filters of a scope, for views that carry format, audience, fiction, platform.
ITEM_FILTER = """
    ($format IS NULL OR format = $format) AND ($audience IS NULL OR audience = $audience)
    AND ($fiction IS NULL OR fiction = $fiction) AND ($platform IS NULL OR platform = $platform)
"""

_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


def prior_year(label: str) -> str:
    """'2015-16' -> '2014-15'."""
    start = int(label[:4])
    return f"{start - 1}-{start % 100:02d}"


def is_school_year(label: str) -> bool:
    m = _YEAR.match(label or "")
    return bool(m) and (int(m.group(1)) + 1) % 100 == int(m.group(2))


@dataclass(frozen=True)
class Scope:
    school_year: str
    community: str | None = None   # community slug, e.g. 'charlotte-mecklenburg'
    cohort: int | None = None
    school_id: int | None = None
    grade: int | None = None       # 0 = kindergarten
    format: str | None = None
    audience: str | None = None
    fiction: str | None = None
    platform: str | None = None
    viewer: Viewer = PROGRAM       # who asks: metrics refuse what this viewer may not see

    def __post_init__(self) -> None:
        if not is_school_year(self.school_year):
            raise ValueError(f"school year {self.school_year!r} is not of the form '2015-16'")
        if self.community is not None and self.cohort is not None:
            raise ValueError("a scope is one community or one cohort, not both")
        if not isinstance(self.viewer, Viewer):
            raise TypeError(f"viewer must be a metrics.access.Viewer, not {type(self.viewer).__name__}")

    @property
    def prior_year(self) -> str:
        return prior_year(self.school_year)

    def replace(self, **changes) -> Scope:
        """The same question (and the same viewer) with some fields changed."""
        return replace(self, **changes)

    def prior(self) -> Scope:
        """The same community or cohort, the year before, asked by the same viewer."""
        return Scope(self.prior_year, community=self.community, cohort=self.cohort, viewer=self.viewer)

    def grain(self, by: str | None = None) -> str:
        """The rollup grain that answers for this scope: 'community' (tables the same size at
        any enrollment) unless the question names a school or a grade, or breaks down by school."""
        narrow = self.school_id is not None or self.grade is not None or by == "school"
        return "school" if narrow else "community"

    def params(self) -> dict:
        p = asdict(self)
        del p["viewer"]
        p["year"] = p.pop("school_year")
        p["prior_year"] = self.prior_year
        p["grain"] = self.grain()
        return p


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> pd.DataFrame:
    """Run one metric query, binding only the parameters the query names. On DuckDB (the
    dashboard) the text as written, on its own cursor (connections are shared between threads);
    on another engine (warehouse.spark), the query rendered for it (metrics.dialect), whose
    `frame` gives the same columns and dtypes as DuckDB's .df()."""
    if isinstance(con, duckdb.DuckDBPyConnection):
        names = dialect.names(sql)
        return con.cursor().execute(sql, {k: v for k, v in params.items() if k in names}).df()
    query = dialect.render(sql, con.engine)
    return con.frame(query.text, {k: v for k, v in params.items() if k in query.params})
