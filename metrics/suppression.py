"""Small-cell suppression: a count from 1 to threshold-1 is never returned as a number.

Education data practice (most US states suppress cells under 10). A suppressed cell comes
back as missing, and the row's `suppressed` column lists the columns hidden in it, so pages
and exports can show "<10" instead of a gap.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

THRESHOLD = int(os.environ.get("LCC_SUPPRESSION_THRESHOLD", "10"))


def suppress(df: pd.DataFrame, counts: list[str], rates: dict[str, tuple[str, ...]] | None = None,
             threshold: int = THRESHOLD, complementary: bool = False) -> pd.DataFrame:
    """Hide counts under the threshold and every rate computed from a hidden count.

    rates maps a rate column to the count columns it is computed from. With complementary=True
    (a breakdown whose total is shown elsewhere), a column with a single hidden cell also hides
    its next smallest cell, so the hidden one cannot be found by subtraction from the total.
    """
    df = df.copy()
    hidden: dict[str, pd.Series] = {}
    for col in counts:
        df[col] = pd.to_numeric(df[col], errors="coerce").round().astype("Int64")
        hidden[col] = ((df[col] > 0) & (df[col] < threshold)).fillna(False).astype(bool)
        if complementary and hidden[col].sum() == 1 and len(df) > 1:
            shown = df[col].where(~hidden[col] & (df[col] > 0))
            if shown.notna().any():
                hidden[col] = hidden[col] | (df.index == shown.astype("Float64").idxmin())
    for col, deps in (rates or {}).items():
        hidden[col] = np.logical_or.reduce([hidden[d].to_numpy() for d in deps]) if deps else False
    names = pd.Series([""] * len(df), index=df.index, dtype=object)
    for col, mask in hidden.items():
        mask = pd.Series(mask, index=df.index).fillna(False).astype(bool)
        if mask.any():
            df[col] = df[col].astype("Float64" if df[col].dtype.kind == "f" else "Int64")
            df.loc[mask, col] = pd.NA
            names[mask] = names[mask].map(lambda s, c=col: f"{s},{c}" if s else c)
    df["suppressed"] = names
    return df


def is_suppressed(df: pd.DataFrame, column: str) -> pd.Series:
    if "suppressed" not in df:
        return pd.Series(False, index=df.index)
    return df["suppressed"].fillna("").map(lambda s: column in s.split(","))
