"""How each figure reads: labels, units and number formats travel with the metric, so every
page, table, export and briefing formats a figure the same way."""
from __future__ import annotations

import math

import pandas as pd

from metrics.suppression import THRESHOLD, marks

SUPPRESSED = f"<{THRESHOLD}"

# column -> (label, kind); kind is 'count', 'rate' (share 0-1), 'growth' (change, 0.1 = +10 %),
# 'ratio' (a plain number with two decimals) or 'text'.
COLUMNS: dict[str, tuple[str, str]] = {
    "label": ("", "text"),
    "enrolled": ("Students enrolled", "count"),
    "cards": ("Cards issued", "count"),
    "new_cards": ("New cards", "count"),
    "activated": ("Students activated", "count"),
    "activation_rate": ("Activation rate (of enrolled)", "rate"),
    "activation_rate_of_cards": ("Activation rate (of cards)", "rate"),
    "active": ("Active students", "count"),
    "active_user_rate": ("Active-user rate", "rate"),
    "circulation": ("Circulation", "count"),
    "prior_circulation": ("Circulation, year before", "count"),
    "growth": ("Change on year before", "growth"),
    "per_student": ("Circulation per enrolled student", "ratio"),
    "loans": ("Hotspot loans", "count"),
    "borrowers": ("Unique borrowers", "count"),
    "usage": ("Usage", "count"),
    "prior_usage": ("Usage, year before", "count"),
    "yes": ("Yes", "count"),
    "n": ("Communities answering (n)", "count"),
    "share_yes": ("Share yes", "rate"),
    "ci_low": ("95 % interval, low", "rate"),
    "ci_high": ("95 % interval, high", "rate"),
    "communities": ("Communities", "count"),
    "students_reached": ("Students reached", "count"),
    "circulation_growth": ("Circulation growth", "growth"),
}


def count(v) -> str:
    return "–" if missing(v) else f"{int(round(float(v))):,}"


def rate(v) -> str:
    return "–" if missing(v) else f"{float(v) * 100:.1f} %"


def growth(v) -> str:
    return "–" if missing(v) else f"{float(v) * 100:+,.1f} %"


def ratio(v) -> str:
    return "–" if missing(v) else f"{float(v):,.2f}"


def missing(v) -> bool:
    """A value that may not be stated: absent, suppressed (<NA>) or not a number."""
    if v is None or v is pd.NA:
        return True
    try:
        return math.isnan(float(v))
    except (TypeError, ValueError):
        return True


# What may be said about a change, decided once for pages, exports and briefings: a change
# is measured between the figures as displayed, so two rates that both read "10.0 %" are
# unchanged, and there is no growth from a zero or hidden base.
def points_change(current, prior) -> float | None:
    """Change between two rates (shares 0-1) as displayed to one decimal, in percentage points."""
    if missing(current) or missing(prior):
        return None
    return round(round(float(current) * 100, 1) - round(float(prior) * 100, 1), 1)


def percent_change(current, prior) -> float | None:
    """Relative change of a count in per cent, to one decimal; None from a zero or hidden base."""
    if missing(current) or missing(prior) or float(prior) == 0:
        return None
    return round((float(current) / float(prior) - 1) * 100, 1)


FORMAT = {"count": count, "rate": rate, "growth": growth, "ratio": ratio, "text": lambda v: "" if v is None or v is pd.NA else str(v)}


def present(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """A table for people: formatted strings, "<10" where suppressed, labelled headers."""
    columns = columns or [c for c in df.columns if c in COLUMNS]
    out = pd.DataFrame(index=df.index)
    for col in columns:
        label, kind = COLUMNS.get(col, (col, "text"))
        values = df[col].map(FORMAT[kind])
        hidden = marks(df, col)   # "<10", or "suppressed" for a cell hidden to protect another
        values[hidden.notna()] = hidden[hidden.notna()]
        out[label or col] = values
    return out.reset_index(drop=True)


def export_frame(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """A table for CSV/XLSX: numbers stay numbers, suppressed cells say "<10"."""
    columns = columns or [c for c in df.columns if c in COLUMNS]
    out = df[columns].astype(object).copy()
    for col in columns:
        hidden = marks(df, col)
        out.loc[hidden.notna(), col] = hidden[hidden.notna()]
    return out.rename(columns={c: COLUMNS[c][0] or c for c in columns if c in COLUMNS}).reset_index(drop=True)
