"""Every metric declared once: its measures, how they aggregate, its ratio, label, unit and
format, and how small counts in it are hidden. The SQL of a query (rendered for DuckDB or Spark
by metrics.dialect), the suppression of its table and how its figures read (metrics.formats)
all follow from these declarations, in the spirit of dbt MetricFlow's measures and metrics.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    """A number summed over the rows it is read from (a count of students, cards or uses).
    small: a count of people or their uses, so a value from 1 to the threshold minus 1 is hidden."""
    name: str
    label: str
    small: bool = True
    aggregate: str = "sum"
    short: str | None = None   # its name on a tile, a chart or a target, where the label is long


@dataclass(frozen=True)
class Ratio:
    """numerator / denominator, two measures ('growth': the change, numerator over denominator
    minus 1). Hidden wherever a small measure it is computed from is hidden. kind is how it
    reads: 'rate' a share (88.0%), 'growth' a signed change (+8.9%), 'ratio' a plain number."""
    name: str
    label: str
    numerator: str
    denominator: str
    kind: str = "rate"
    column: str | None = None   # the result column, when it is not the metric's name
    short: str | None = None

    @property
    def as_column(self) -> str:
        return self.column or self.name


MEASURES = {m.name: m for m in (
    Measure("enrolled", "Students enrolled"),
    Measure("cards", "Cards issued"),
    Measure("new_cards", "New cards"),
    Measure("activated", "Students activated"),
    Measure("active", "Active students"),
    Measure("circulation", "Circulation", short="Library circulation"),
    Measure("prior_circulation", "Circulation, year before"),
    Measure("loans", "Hotspot loans"),
    Measure("borrowers", "Unique borrowers"),
    Measure("usage", "Usage"),
    Measure("prior_usage", "Usage, year before"),
    # the survey counts communities, not students: nothing in it is a small count of people
    Measure("yes", "Yes", small=False),
    Measure("n", "Communities answering (n)", small=False),
)}

RATIOS = {r.name: r for r in (
    Ratio("activation_rate", "Activation rate (of enrolled)", "activated", "enrolled", short="Activation rate"),
    Ratio("activation_rate_of_cards", "Activation rate (of cards)", "activated", "cards"),
    Ratio("active_user_rate", "Active-user rate", "active", "enrolled"),
    Ratio("circulation_growth", "Circulation growth", "circulation", "prior_circulation", "growth"),
    Ratio("usage_growth", "Change from year before", "usage", "prior_usage", "growth", column="growth"),
    Ratio("circulation_per_student", "Library circulation per enrolled student", "circulation", "enrolled",
          "ratio", column="per_student", short="Circulation per enrolled student"),
    Ratio("usage_per_active_student", "E-resource uses per active student", "usage", "active", "ratio",
          column="per_student"),
    Ratio("share_yes", "Share yes", "yes", "n"),
)}


def _ratio(name: str) -> Ratio:
    if name not in RATIOS:
        raise KeyError(f"{name!r} is not a declared ratio metric (metrics/definitions.py)")
    return RATIOS[name]


def _measure(name: str) -> Measure:
    if name not in MEASURES:
        raise KeyError(f"{name!r} is not a declared measure (metrics/definitions.py)")
    return MEASURES[name]


def ratio_sql(name: str, numerator: str, denominator: str) -> str:
    """The SQL of a ratio over two expressions: no division by zero, NULL where the denominator is 0."""
    r = _ratio(name)
    shift = " - 1" if r.kind == "growth" else ""
    return f"{numerator} / nullif({denominator}, 0){shift}"


def select(*names: str, over: str | None = None, numerator: str | None = None,
           denominator: str | None = None) -> str:
    """A SELECT list of measures and ratios, each `AS` its column.

    Without `over`, each measure is aggregated over the rows read (sum(enrolled)) and each ratio
    is taken of the aggregates. With `over` (a table alias), the measures were aggregated
    already: each is read as coalesce(over.m, 0) and a ratio from over.m. numerator and
    denominator give a ratio's two sides as expressions where they come from elsewhere."""
    parts = []
    for name in names:
        if name in MEASURES:
            m = _measure(name)
            parts.append(f"coalesce({over}.{name}, 0) AS {name}" if over else f"{m.aggregate}({name}) AS {name}")
            continue
        r = _ratio(name)
        num = numerator or (f"{over}.{r.numerator}" if over else f"{_measure(r.numerator).aggregate}({r.numerator})")
        den = denominator or (f"{over}.{r.denominator}" if over else f"{_measure(r.denominator).aggregate}({r.denominator})")
        parts.append(f"{ratio_sql(name, num, den)} AS {r.as_column}")
    return ", ".join(parts)


def suppressible(*names: str) -> list[str]:
    """The columns of these metrics whose small values are hidden: their small measures, the
    ratios' measures included, each once, in order."""
    out: list[str] = []
    for name in names:
        for m in ((name,) if name in MEASURES else (_ratio(name).numerator, _ratio(name).denominator)):
            if _measure(m).small and m not in out:
                out.append(m)
    return out


def deps(name: str) -> tuple[str, ...]:
    """The small measures a ratio is computed from: it is hidden wherever one of them is."""
    r = _ratio(name)
    return tuple(m for m in (r.numerator, r.denominator) if _measure(m).small)


def rates(*names: str) -> dict[str, tuple[str, ...]]:
    """Each ratio's column and the small measures it is computed from."""
    return {_ratio(n).as_column: deps(n) for n in names if n not in MEASURES}


def suppression(*names: str) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """(counts, rates) as metrics.suppression.suppress and metrics.disclosure.hide take them."""
    return suppressible(*names), rates(*names)


def compute(df, name: str):
    """A ratio computed from its measures' columns in a DataFrame, as its SQL computes it
    (missing where the denominator is 0 or missing)."""
    r = _ratio(name)
    value = df[r.numerator] / df[r.denominator].where(df[r.denominator] > 0)
    return value - 1 if r.kind == "growth" else value


def label(name: str, short: bool = False) -> str:
    """How a metric is named where it is shown (short: on a tile, a chart or a target)."""
    d = MEASURES.get(name) or _ratio(name)
    return (d.short or d.label) if short else d.label


def kind(name: str) -> str:
    """How a metric's figures read: 'count', 'rate', 'growth' or 'ratio' (metrics.formats)."""
    return "count" if name in MEASURES else _ratio(name).kind


def columns() -> dict[str, tuple[str, str]]:
    """column -> (label, kind) of every declared metric, for metrics.formats. Where two ratios
    share a column (per_student), the first declared names it."""
    out = {m.name: (m.label, "count") for m in MEASURES.values()}
    for r in RATIOS.values():
        out.setdefault(r.as_column, (r.label, r.kind))
    return out
