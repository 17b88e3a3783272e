"""How the briefing puts numbers into words.

Plain functions, each with one rule, so the rules can be tested on the edge cases that
matter: a change inside rounding is no change, there is no growth from a zero base, and a
suppressed count (missing, because it was under the threshold) is never stated. A function
returns None when nothing honest can be said; the caller then leaves the sentence out.
"""
from __future__ import annotations

import math

from metrics import formats
from metrics.formats import missing, percent_change, points_change

ONES = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}
TENS = {1: "ten", 2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy",
        8: "eighty", 9: "ninety"}


def count_phrase(n) -> str | None:
    """A count as a person would say it: exact when round, else 'more than'/'nearly' a round
    figure. 147,000 -> '147,000'; 18,240 -> 'more than 18,000'; 145,824 -> 'nearly 146,000';
    1,447,002 -> 'more than 1.4 million'."""
    if missing(n):
        return None
    n = int(round(float(n)))
    if n < 1000:
        return f"{n:,}"
    unit = 100_000 if n >= 1_000_000 else 1000 if n >= 10_000 else 100
    below, above = (n // unit) * unit, -(-n // unit) * unit

    def show(v: int) -> str:
        return f"{v / 1e6:.1f}".removesuffix(".0") + " million" if v >= 1_000_000 else f"{v:,}"

    if n == below:
        return show(n)
    # Within the top quarter of the step, "nearly" the figure above reads truer.
    return f"nearly {show(above)}" if n - below >= 0.75 * unit else f"more than {show(below)}"


def percent_phrase(share) -> str | None:
    """A share (0-1) in words, rounded to a figure ending in 0 or 5 when close:
    0.845 -> 'nearly 85 percent'; 0.512 -> 'more than 50 percent'; 0.882 -> '88 percent'."""
    if missing(share):
        return None
    p = float(share) * 100
    if p < 1:
        return "less than 1 percent" if p > 0 else "no"
    nearest = 5 * round(p / 5)
    d = p - nearest
    if abs(d) < 0.05:
        return f"{nearest} percent"
    if -1.5 <= d < 0:
        return f"nearly {nearest} percent"
    if 0 < d <= 1.5:
        return f"more than {nearest} percent"
    return f"{round(p)} percent"


def rate_change(current, prior) -> str | None:
    """The change in a rate as shown: in percentage points between the two rates *as
    displayed* (one decimal), so 9.96% against 10.04% is 'unchanged', never 'up'."""
    points = points_change(current, prior)
    if points is None:
        return None
    return "unchanged" if points == 0 else formats.points(points)


def count_change(current, prior) -> str | None:
    """The relative change in a count as shown (one decimal); a zero base gives 'new', never
    a percentage; a suppressed count gives None."""
    if missing(current) or missing(prior):
        return None
    if float(prior) == 0:
        return "new" if float(current) > 0 else "none either year"
    pct = percent_change(current, prior)
    return "unchanged" if pct == 0 else formats.percent(pct, sign=True)


def fold_word(times: int) -> str:
    """10 -> 'tenfold', 4 -> 'fourfold', 23 -> '23-fold'."""
    if times in ONES:
        return ONES[times] + "fold"
    if times % 10 == 0 and times // 10 in TENS:
        return TENS[times // 10] + "fold"
    return f"{times}-fold"


def growth_phrase(current, prior) -> str | None:
    """A year-on-year change as a verb phrase, or None when it cannot be said honestly
    (a suppressed count, or a zero base). Whole percents below tenfold ('rose 110 percent',
    'fell 12 percent', 'held steady' when the change rounds to 0); from tenfold on, the
    multiple rounded down to a ten ('grew more than tenfold' for 11.3 times)."""
    if missing(current) or missing(prior) or float(prior) <= 0:
        return None
    ratio = float(current) / float(prior)
    if ratio >= 10:
        times = int(ratio // 10) * 10
        return f"grew {fold_word(times)}" if ratio == times else f"grew more than {fold_word(times)}"
    pct = round((ratio - 1) * 100)
    if pct == 0:
        return "held steady"
    return f"rose {pct:,} percent" if pct > 0 else f"fell {-pct:,} percent"


def quarter_position(value, q1, median, q3) -> str | None:
    """Where a value stands among its cohort: 'top quarter', 'above the median', 'below the
    median', 'bottom quarter' or 'at the median'."""
    if any(missing(v) for v in (value, q1, median, q3)):
        return None
    value = float(value)
    if value > q3:
        return "top quarter"
    if value < q1:
        return "bottom quarter"
    if math.isclose(value, median, rel_tol=1e-9, abs_tol=1e-12):
        return "at the median"
    return "above the median" if value > median else "below the median"


def sentence(text: str) -> str:
    """Capitalize the first letter (phrases start lower-case) and end with a full stop."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."
