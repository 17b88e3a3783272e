"""How each figure reads: labels, units and number formats travel with the metric, so every
page, chart, table, export and briefing formats a figure the same way.

The one place for the US formats a reader relies on (DESIGN.md section 5): "88.0%" (no space),
"+164.4%", "up 3.4 points from 2014-15", thousands separators, one date style (AP: "Dec. 1,
2015", "December 2015"), and codes in plain words ("Total item requests", "Library catalog
(ILS)") with the standard name kept for help text.
"""
from __future__ import annotations

import math

import pandas as pd

from metrics import definitions
from metrics.suppression import MARK, PRIMARY, marks

SUPPRESSED = MARK[PRIMARY]   # how a small count reads: "<10"

# column -> (label, kind) of every column a table shows: the declared metrics' (metrics/definitions.py)
# and the others'; kind is 'count', 'rate' (share 0-1), 'growth' (change, 0.1 = +10%),
# 'ratio' (a plain number with two decimals) or 'text'.
COLUMNS: dict[str, tuple[str, str]] = {
    **definitions.columns(),   # every declared metric's column
    "label": ("", "text"),
    "ci_low": ("95% interval, low", "rate"),
    "ci_high": ("95% interval, high", "rate"),
    "communities": ("Communities", "count"),
    "students_reached": ("Students reached", "count"),
    "prior_activation_rate": ("Activation rate, year before", "rate"),
    "prior_active_user_rate": ("Active-user rate, year before", "rate"),
    "reasons": ("Why it stands out", "text"),
    "target": ("Target", "text"),
    "actual": ("Actual", "text"),
    "gap": ("Gap", "text"),
}


def count(v) -> str:
    return "–" if missing(v) else f"{int(round(float(v))):,}"


def rate(v) -> str:
    """A share 0-1 as a percent: 0.88 -> '88.0%'."""
    return "–" if missing(v) else f"{float(v) * 100:.1f}%"


def growth(v) -> str:
    """A change (0.1 = +10%) with its sign: '+164.4%'."""
    return "–" if missing(v) else f"{float(v) * 100:+,.1f}%"


def percent(p: float, sign: bool = False) -> str:
    """A number already in percent: 12.5 -> '12.5%' ('+12.5%' with sign)."""
    return f"{p:+,.1f}%" if sign else f"{p:,.1f}%"


def points(p: float) -> str:
    """A change in percentage points, signed: '+3.4 pts'."""
    return f"{p:+.1f} pts"


def since(prior_year: str) -> str:
    """How a change names the year it is measured from: 'from 2014-15'."""
    return f"from {prior_year}"


# What "circulation" counts, said the same way on pages and in the briefing.
CIRCULATION_DEFINITION = (
    "Circulation is the library's whole circulation, as the library reports it: checkouts plus "
    "renewals by every patron, print and digital. Loans on the program's student, teacher and "
    "staff cards are part of it; everyone else's loans come from the library system's monthly counts.")

# Activation and active-user rates side by side look alike; this says what each counts.
RATES_EXPLAINED = (
    "Activation rate counts students whose card has ever been used, this year or in an earlier one; "
    "active-user rate counts only those who used it during this school year. Both are over students enrolled.")


def activation_start(year: str, first_rate) -> str | None:
    """Why a year's activation line does not start at zero: cards used in earlier years."""
    if missing(first_rate) or float(first_rate) <= 0:
        return None
    return (f"The {year} line starts at {rate(first_rate)} in July, not at zero: cards used in an earlier "
            "year count as activated from the first day of the school year.")


# AP style: March to July spelled out, the other months abbreviated; "Sept." has four letters.
_AP_MONTH = {1: "Jan.", 2: "Feb.", 3: "March", 4: "April", 5: "May", 6: "June", 7: "July",
             8: "Aug.", 9: "Sept.", 10: "Oct.", 11: "Nov.", 12: "Dec."}
_MONTH = {m: pd.Timestamp(2001, m, 1).strftime("%B") for m in range(1, 13)}


def date(d) -> str:
    """A date as an American reader writes it, the one date style of the product: 'Dec. 1, 2015'."""
    if missing_date(d):
        return "–"
    d = pd.Timestamp(d)
    return f"{_AP_MONTH[d.month]} {d.day}, {d.year}"


def datetime(d) -> str:
    """A moment, AP style: 'Dec. 1, 2015, 3:05 p.m.'."""
    if missing_date(d):
        return "–"
    d = pd.Timestamp(d)
    hour = d.hour % 12 or 12
    return f"{date(d)}, {hour}:{d.minute:02d} {'a.m.' if d.hour < 12 else 'p.m.'}"


def month(d) -> str:
    """A month with its year (AP spells it out): 'December 2015'."""
    if missing_date(d):
        return "–"
    d = pd.Timestamp(d)
    return f"{_MONTH[d.month]} {d.year}"


def last_loaded(log: pd.DataFrame) -> str:
    """'Data last loaded': the day of the newest load in the load log (metrics.catalog.load_log)
    that is still in the warehouse, the same fact on every page, export and briefing; 'never'
    when nothing was loaded."""
    if log is None or log.empty:
        return "never"
    kept = log[log["status"] != "undone"] if "status" in log else log
    last = kept["loaded_at"].max() if len(kept) else None
    return "never" if missing_date(last) else date(last)


def missing_date(d) -> bool:
    return d is None or d is pd.NA or (not isinstance(d, str) and pd.isna(d))


# Plotly formats for the same rules (d3-format / d3-time-format), for chart axes and hovers.
PLOTLY_RATE = ".1%"          # 0.88 -> 88.0%
PLOTLY_MONTH = "%b %Y"       # axis ticks: 'Dec 2015' (space is short on an axis)

# COUNTER Release 5 metric names and platform codes in plain words; the standard name goes in
# help text (counter_help), so a librarian can match it with the vendor's report.
COUNTER_METRICS = {
    "Total_Item_Requests": "Total item requests",
    "Unique_Item_Requests": "Unique item requests",
    "Total_Item_Investigations": "Total item investigations",
    "Unique_Item_Investigations": "Unique item investigations",
    "Unique_Title_Requests": "Unique title requests",
    "Unique_Title_Investigations": "Unique title investigations",
    "Searches_Platform": "Platform searches",
    "Searches_Regular": "Regular searches",
    "Searches_Automated": "Automated searches",
    "Searches_Federated": "Federated searches",
    "No_License": "Turned away (no license)",
    "Limit_Exceeded": "Turned away (limit exceeded)",
}
PLATFORMS = {"ILS": "Library catalog (ILS)"}


def counter_metric(code) -> str:
    """'Total_Item_Requests' -> 'Total item requests'; an unknown name reads with spaces."""
    if code is None or code is pd.NA:
        return ""
    return COUNTER_METRICS.get(code, str(code).replace("_", " ").capitalize())


def counter_help(code) -> str:
    """The standard name behind a plain one, for help text."""
    return f"{counter_metric(code)}: COUNTER Release 5 metric {code}."


def platform(name) -> str:
    """A platform as a reader knows it: 'ILS' -> 'Library catalog (ILS)'."""
    if name is None or name is pd.NA:
        return ""
    return PLATFORMS.get(name, str(name))


def label(text) -> str:
    """A breakdown label in plain words: platform codes spelled out, also inside a combined
    label ('juvenile fiction print · ILS' -> '... · Library catalog (ILS)')."""
    if text is None or text is pd.NA:
        return ""
    text = str(text)
    if text in PLATFORMS:
        return PLATFORMS[text]
    head, sep, tail = text.rpartition(" · ")
    return f"{head}{sep}{platform(tail)}" if sep else text


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
# is measured between the figures as displayed, so two rates that both read "10.0%" are
# unchanged, and there is no growth from a zero or hidden base.
def points_change(current, prior) -> float | None:
    """Change between two rates (shares 0-1) as displayed to one decimal, in percentage points."""
    if missing(current) or missing(prior):
        return None
    return round(round(float(current) * 100, 1) - round(float(prior) * 100, 1), 1)


def percent_change(current, prior) -> float | None:
    """Relative change of a count in percent, to one decimal; None from a zero or hidden base."""
    if missing(current) or missing(prior) or float(prior) == 0:
        return None
    return round((float(current) / float(prior) - 1) * 100, 1)


FORMAT = {"count": count, "rate": rate, "growth": growth, "ratio": ratio, "text": label}


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
        if COLUMNS.get(col, ("", "text"))[1] == "text":
            out[col] = out[col].map(lambda v: v if not isinstance(v, str) else label(v)).astype(object)
        hidden = marks(df, col)
        out.loc[hidden.notna(), col] = hidden[hidden.notna()]
    return out.rename(columns={c: COLUMNS[c][0] or c for c in columns if c in COLUMNS}).reset_index(drop=True)
