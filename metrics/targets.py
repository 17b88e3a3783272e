"""Targets a community set itself (entered on Load data) against the actual figure."""
from __future__ import annotations

import duckdb
import pandas as pd

from metrics.access import check
from metrics.activation import active_user_rate, activation_rate
from metrics.circulation import circulation_per_student
from metrics.definitions import kind, label
from metrics.eresources import eresource_growth
from metrics.formats import missing, points_change
from metrics.scope import Scope, run
from metrics.suppression import marks

# The metrics a community may set a target for: metric -> (label, kind), the declared metrics'
# own (metrics/definitions.py); e-resource use is the year's Total_Item_Requests.
TARGETS = {
    **{m: (label(m, short=True), kind(m)) for m in ("activation_rate", "active_user_rate", "circulation",
                                                      "circulation_per_student")},
    "eresource_use": ("E-resource item requests", "count"),
}

TARGETS_SQL = """
SELECT t.metric, t.value AS target
FROM target t JOIN community c USING (community_id)
WHERE c.slug = $community AND t.school_year = $year
ORDER BY t.metric
"""


def _actual(df: pd.DataFrame, col: str):
    """(value, mark): the figure, or missing with its mark ("<10", "suppressed") when hidden."""
    if not len(df):
        return pd.NA, "no data"
    mark = marks(df, col).iloc[0]
    return (pd.NA, mark) if isinstance(mark, str) else (df[col].iloc[0], None)


def target_progress(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """A community's targets for the school year against the actual figure: metric, label,
    kind, target, actual, gap (actual - target; for a rate
    the difference of the rates as displayed, as a share), met
    (actual at or above the target), and mark where the actual is hidden or missing. The
    actual figures are the metrics' own (activation and active-user rates, circulation,
    circulation per enrolled student, e-resource total item requests), hidden as they hide."""
    check(con, scope)   # who may ask comes first, then what may be asked
    if scope.community is None:
        raise ValueError("targets belong to one community")
    targets = run(con, TARGETS_SQL, scope.params())
    rows = []
    for t in targets.itertuples():
        label, kind = TARGETS.get(t.metric, (t.metric, "count"))
        if t.metric == "activation_rate":
            value, mark = _actual(activation_rate(con, scope), "activation_rate")
        elif t.metric == "active_user_rate":
            value, mark = _actual(active_user_rate(con, scope), "active_user_rate")
        elif t.metric in ("circulation", "circulation_per_student"):
            per = circulation_per_student(con, scope)
            per = per[per["school_year"] == scope.school_year]
            value, mark = _actual(per, "circulation" if t.metric == "circulation" else "per_student")
        elif t.metric == "eresource_use":
            usage = eresource_growth(con, scope, metric_type="Total_Item_Requests")
            hidden = [m for m in marks(usage, "usage") if isinstance(m, str)]
            value, mark = (pd.NA, hidden[0]) if hidden else (usage["usage"].sum() if len(usage) else 0, None)
        else:
            value, mark = pd.NA, "no data"
        if missing(value):
            gap = pd.NA
        elif kind == "rate":   # compared as displayed: 89.96% against a 90.0% target is on target
            gap = points_change(value, t.target) / 100
        else:
            gap = float(value) - float(t.target)
        rows.append(dict(metric=t.metric, label=label, kind=kind, target=float(t.target), actual=value,
                         gap=gap, met=pd.NA if missing(value) else bool(gap >= -1e-12), mark=mark))
    return pd.DataFrame(rows, columns=["metric", "label", "kind", "target", "actual", "gap", "met", "mark"])
