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
    n = len(df)
    hidden: dict[str, np.ndarray] = {}
    for col in counts:
        values = np.round(pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan))
        mask = (values > 0) & (values < threshold)
        if complementary and mask.sum() == 1 and n > 1:
            shown = np.where(~mask & (values > 0), values, np.inf)
            if np.isfinite(shown).any():
                mask[np.argmin(shown)] = True
        hidden[col] = mask
        df[col] = pd.array(np.where(mask, np.nan, values), dtype="Int64")
    for col, deps in (rates or {}).items():
        mask = np.logical_or.reduce([hidden[d] for d in deps]) if deps else np.zeros(n, dtype=bool)
        hidden[col] = mask
        if mask.any():
            kind = "Float64" if df[col].dtype.kind == "f" else "Int64"
            df[col] = df[col].astype(kind).mask(mask)
    names = [",".join(col for col, mask in hidden.items() if mask[i]) for i in range(n)]
    df["suppressed"] = pd.Series(names, index=df.index, dtype=object)
    return df


def is_suppressed(df: pd.DataFrame, column: str) -> pd.Series:
    if "suppressed" not in df:
        return pd.Series(False, index=df.index)
    return df["suppressed"].fillna("").map(lambda s: column in s.split(","))
