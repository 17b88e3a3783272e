"""The view a user asks for, as URL query parameters, without Streamlit.

`?community=charlotte-mecklenburg&year=2015-16`, `?cohort=1&year=2015-16`, or no scope
parameter for the whole program. A bad parameter falls back to a default and says so.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from metrics.scope import Scope, is_school_year

PARAMS = ("community", "cohort", "year")
PROGRAM = "all"


@dataclass(frozen=True)
class Choice:
    """What the sidebar holds: scope key ('all', 'cohort:1', 'community:<slug>') and year."""
    scope: str
    year: str
    notices: tuple[str, ...] = field(default=())

    @property
    def community(self) -> str | None:
        return self.scope.split(":", 1)[1] if self.scope.startswith("community:") else None

    @property
    def cohort(self) -> int | None:
        return int(self.scope.split(":", 1)[1]) if self.scope.startswith("cohort:") else None

    def to_scope(self) -> Scope:
        return Scope(self.year, community=self.community, cohort=self.cohort)

    def params(self) -> dict[str, str]:
        """The query parameters that reproduce this view."""
        p = {}
        if self.community:
            p["community"] = self.community
        elif self.cohort is not None:
            p["cohort"] = str(self.cohort)
        p["year"] = self.year
        return p


def default_year(years: list[str], today: dt.date | None = None) -> str:
    """The latest school year (July-June) that has ended; the latest year when none has."""
    today = today or dt.date.today()
    ended = [y for y in years if dt.date(int(y[:4]) + 1, 6, 30) < today]
    return (ended or sorted(years))[-1] if years else "2015-16"


# Characters that make markdown out of plain text inside a line: links and images ([ ] !),
# emphasis and code (* _ ~ `), HTML and autolinks (< > & and the colon of http:// or of Streamlit's
# :directives: and :emoji:), $math$, and the backslash itself; each gets a backslash. "www." is
# autolinked too, so its dot is escaped.
_MARKDOWN = set("\\`*_[]!<>&:$~")


def plain(text: str, limit: int | None = None) -> str:
    """Text from outside (a URL parameter, a name in a loaded file) made safe to put into
    markdown: shown exactly as typed, never as a link, an image or formatting."""
    text = str(text)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    text = " ".join(text.split())   # no line breaks: a new line could start a heading or a list
    text = "".join("\\" + ch if ch in _MARKDOWN else ch for ch in text)
    text = re.sub(r"(?i)(www)\.", r"\1\\.", text)
    text = re.sub(r"^(\d+)([.)])", r"\1\\\2", text)           # "1. " would start a list
    return "\\" + text if text[:1] in ("#", "-", "+", "=", "|", ">") else text


def parse(params: Mapping[str, str], communities: Mapping[str, str], cohorts: list[int],
          years: list[str], fallback_year: str, fallback: str = PROGRAM) -> Choice:
    """Read the view from query parameters; anything unusable falls back with a notice.

    communities maps slug -> name (the communities the viewer may see); fallback is the scope
    key shown when the parameters name none the viewer may see."""
    notices: list[str] = []
    year = (params.get("year") or "").strip()
    if not year:
        year = fallback_year
    elif not is_school_year(year) or year not in years:
        notices.append(f"There are no figures for school year “{plain(year, 40)}” (years held: "
                       f"{', '.join(years)}); showing {fallback_year}.")
        year = fallback_year

    community = (params.get("community") or "").strip().lower()
    cohort = (params.get("cohort") or "").strip()
    scope = PROGRAM if community or cohort else fallback
    showing = "showing all communities" if fallback == PROGRAM else \
        f"showing {plain(communities.get(fallback.split(':', 1)[-1], 'your community'))}"
    if community and cohort:
        notices.append(f"A view is one community or one cohort, not both; {showing}.")
        scope = fallback
    elif community:
        if community in communities:
            scope = f"community:{community}"
        else:
            notices.append(f"There is no community “{plain(community, 60)}” among those you may see; {showing}.")
            scope = fallback
    elif cohort:
        # isdigit() alone lets "³" through, which int() refuses: ASCII digits only.
        if cohort.isascii() and cohort.isdigit() and int(cohort) in cohorts:
            scope = f"cohort:{int(cohort)}"
        else:
            notices.append(f"There is no cohort “{plain(cohort, 20)}” (cohorts: {', '.join(map(str, cohorts))}); "
                           f"{showing}.")
            scope = fallback
    return Choice(scope, year, tuple(notices))


def scope_label(key: str, communities: Mapping[str, str], cohort_sizes: Mapping[int, int] | None = None) -> str:
    """How a scope key reads in the picker and in page captions."""
    if key == PROGRAM:
        return "All communities"
    kind, value = key.split(":", 1)
    if kind == "cohort":
        n = (cohort_sizes or {}).get(int(value))
        return f"Cohort {value}" + (f" ({n} communities)" if n else "")
    return communities.get(value, value)
