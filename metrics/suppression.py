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


# ---------------------------------------------------------------- one decision for a whole page
# Per-table suppression is undone by the page's other tables: a school of 7 hidden in the
# by-school table is the by-grade total minus the district row. protect() decides, once, which
# rows of every breakdown a viewer can see are hidden, over the cells they are sums of, so that
# no hidden row is determined by the rows shown, nor narrowed to an interval shorter than the
# threshold (bounds by linear programming over non-negative cells).

PRIMARY = "primary"              # a count of 1 to threshold-1: reads "<10"
COMPLEMENTARY = "complementary"  # hidden so a primary cannot be worked out: reads "suppressed"
MARK = {PRIMARY: f"<{THRESHOLD}", COMPLEMENTARY: "suppressed"}
NO_DATA = "no data"              # a year or scope with nothing loaded: not a suppressed count


def row_keys(cells: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """The key of each cell's row in a breakdown by columns: one string, the values joined by
    '|' (missing values as ''); the breakdown by () has the single key 'all'."""
    if not columns:
        return pd.Series("all", index=cells.index, dtype=object)
    parts = [cells[c].astype(object).where(cells[c].notna(), "").astype(str) for c in columns]
    key = parts[0]
    for p in parts[1:]:
        key = key + "|" + p
    return key


def protect(cells: pd.DataFrame, breakdowns: dict[str, tuple[str, ...]], counts: list[str],
            threshold: int = THRESHOLD, sensitive: dict[str, set[str]] | None = None,
            fixed: dict[str, dict[tuple[str, str], str]] | None = None,
            within: dict[str, pd.Series] | None = None,
            decided: tuple[str, ...] = ()) -> dict[str, dict[tuple[str, str], str]]:
    """Which rows of which breakdowns hide which counts, decided once for all of them.

    cells: one row per underlying cell (e.g. school x grade), with the columns the breakdowns
    group by and the count columns. breakdowns: name -> the cell columns its rows group by
    (() for the single total row). sensitive: breakdown -> row keys hidden whatever their
    count (an aggregate of too few communities). fixed: count -> {(breakdown, key): status}
    decided elsewhere and kept (rows another scope already hides). within: breakdown -> a
    boolean mask of the cells its rows cover (a viewer sees one community's rows, not every
    community's). decided: breakdowns whose rows are shown or hidden as `fixed` says and never
    hidden here (another decision publishes them). Returns count ->
    {(breakdown, key): PRIMARY | COMPLEMENTARY}; rows not listed are shown.
    """
    within = within or {}
    keys = {name: row_keys(cells, cols)[within[name]] if name in within else row_keys(cells, cols)
            for name, cols in breakdowns.items()}
    return {col: _decide(cells, keys, col, threshold, sensitive or {}, (fixed or {}).get(col, {}), decided)
            for col in counts}


def _decide(cells, keys, col, threshold, sensitive, fixed, decided=()):
    values = np.round(pd.to_numeric(cells[col], errors="coerce").fillna(0).to_numpy(dtype=float))
    # Rows of different breakdowns over the same cells are one published number: a school
    # that is the only charter school is its school row and the charter row.
    sets: dict[frozenset, list[tuple[str, str]]] = {}
    for name, key in keys.items():
        for k, idx in key.groupby(key, sort=True).groups.items():
            members = frozenset(cells.index.get_indexer(idx))
            sets.setdefault(members, []).append((name, k))
    members = list(sets)
    rows = [sets[m] for m in members]
    totals = np.array([values[list(m)].sum() for m in members])
    status: list[str | None] = [None] * len(members)
    targets = []   # the rows that must not be worked out: small counts, and small groups
    for i, labels in enumerate(rows):
        if 0 < totals[i] < threshold:
            status[i] = PRIMARY
            targets.append(i)
        elif any(k in sensitive.get(name, ()) for name, k in labels):
            status[i] = COMPLEMENTARY
            targets.append(i)
        elif any(lab in fixed for lab in labels):
            status[i] = COMPLEMENTARY   # hidden by another decision, which protects what it must
    lp = Published(_membership(members, len(cells)), totals)
    # totals (a community's, a cohort's, the program's) are hidden last: they head the pages
    last = np.array([any(name in ("all", "year:") or name.endswith(":all") for name, _k in labels)
                     for labels in rows])
    frozen = np.array([any(name in decided for name, _k in labels) for labels in rows])
    if len(targets) > EXACT_TARGETS:
        _decide_broadly(lp, status, targets, rows, last, frozen, threshold)
    for i in targets:
        while True:
            width, pinning = _width(lp, status, i, duals=True)
            if width >= threshold:
                break
            j = _complement(lp, totals, status, i, last, frozen, pinning, threshold)
            if j is None:
                break
            status[j] = COMPLEMENTARY
    out = {}
    for i, s in enumerate(status):
        if s is not None:
            for lab in rows[i]:
                out[lab] = fixed.get(lab, s) if s == COMPLEMENTARY else s
    return out


# Beyond this many small rows the row-by-row search (linear programs per candidate) takes
# minutes: hide broadly first, then let the exact search finish what is still narrow.
EXACT_TARGETS = 12


def _decide_broadly(lp, status, targets, rows, last, frozen, threshold) -> None:
    """Hide, in steps, every row of a breakdown that holds a small row, then the totals, then
    every row not frozen, until no small row can be narrowed below the threshold (checked by
    the same linear programs as the exact search). Coarser than the exact search, never weaker."""
    broken = {name for i in targets for name, _k in rows[i]}
    steps = [lambda j: not last[j] and any(name in broken for name, _k in rows[j]),
             lambda j: any(name in broken for name, _k in rows[j]),
             lambda j: True]
    for hide in steps:
        for j, s in enumerate(status):
            if s is None and not frozen[j] and hide(j):
                status[j] = COMPLEMENTARY
        if all(_width(lp, status, i) >= threshold for i in targets):
            return


def _membership(members, n_cells):
    from scipy import sparse

    r, c = [], []
    for i, m in enumerate(members):
        r.extend([i] * len(m))
        c.extend(m)
    return sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(members), n_cells))


class Published:
    """What the published rows say of the cells: non-negative cells whose shown rows (of the
    membership matrix) equal their totals, as one HiGHS linear program kept between questions,
    so that each bound after a row is hidden or shown is a warm-started re-solve (milliseconds)
    rather than a new program (tens of milliseconds at a few hundred cells)."""

    def __init__(self, matrix, totals):
        import highspy

        self.matrix, self.totals = matrix.tocsr(), np.asarray(totals, dtype=float)
        n_rows, n_cols = matrix.shape
        csc = matrix.tocsc()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n_cols, n_rows
        lp.col_cost_ = np.zeros(n_cols)
        lp.col_lower_, lp.col_upper_ = np.zeros(n_cols), np.full(n_cols, highspy.kHighsInf)
        lp.row_lower_, lp.row_upper_ = np.full(n_rows, -highspy.kHighsInf), np.full(n_rows, highspy.kHighsInf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_ = csc.indptr, csc.indices
        lp.a_matrix_.value_ = csc.data.astype(float)
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("presolve", "off")   # a presolved model cannot be warm-started
        self.h.passModel(lp)
        self.shown = np.zeros(n_rows, dtype=bool)
        self._status = highspy.HighsModelStatus

    def show(self, shown: np.ndarray) -> None:
        """Publish the rows where shown is true (equal to their totals); leave the others free."""
        import highspy

        changed = np.flatnonzero(shown != self.shown)
        if len(changed):
            fixed = shown[changed]
            lower = np.where(fixed, self.totals[changed], -highspy.kHighsInf)
            upper = np.where(fixed, self.totals[changed], highspy.kHighsInf)
            self.h.changeRowsBounds(len(changed), changed.astype(np.int32), lower, upper)
            self.shown = shown.copy()

    def _solve(self, target, sense):
        import highspy

        self.h.changeColsCost(len(target), np.arange(len(target), dtype=np.int32), target.astype(float))
        self.h.changeObjectiveSense(sense)
        self.h.run()
        status = self.h.getModelStatus()
        if status not in (self._status.kOptimal, self._status.kUnbounded, self._status.kUnboundedOrInfeasible):
            # A warm start can stall on large totals (a program's circulation in the millions):
            # solve the same program again from scratch before giving up.
            self.h.clearSolver()
            self.h.run()
            status = self.h.getModelStatus()
        if status == self._status.kOptimal:
            return self.h.getInfo().objective_function_value, np.asarray(self.h.getSolution().row_dual)
        if status in (self._status.kUnbounded, self._status.kUnboundedOrInfeasible):
            return None, None
        raise RuntimeError(f"disclosure check failed: HiGHS says {self.h.modelStatusToString(status)}")

    def range(self, target: np.ndarray, duals: bool = False):
        """The least and greatest value of target @ cells; with duals=True also the shown rows
        that pin either bound (non-zero dual values)."""
        import highspy

        low, low_duals = self._solve(target, highspy.ObjSense.kMinimize)
        high, high_duals = self._solve(target, highspy.ObjSense.kMaximize)
        low = 0.0 if low is None else low
        high = np.inf if high is None else high
        if not duals:
            return low, high
        pinning = np.zeros(len(self.totals), dtype=bool)
        for d in (low_duals, high_duals):
            if d is not None:
                pinning |= self.shown & (np.abs(d) > 1e-9)
        return low, high, pinning


def bounds(matrix, totals, shown: np.ndarray, target: np.ndarray, duals: bool = False):
    """The least and greatest value of target @ cells over non-negative cells whose published
    sums (matrix rows where shown) equal totals: what the published numbers say of target.
    With duals=True also the published rows that pin either bound (non-zero dual values)."""
    lp = Published(matrix, totals)
    lp.show(np.asarray(shown, dtype=bool))
    return lp.range(np.asarray(target, dtype=float), duals)


def _width(lp: Published, status, i, duals=False):
    lp.show(np.array([s is None for s in status]))
    out = lp.range(lp.matrix[i].toarray().ravel(), duals)
    return (out[1] - out[0], out[2]) if duals else out[1] - out[0]


def _complement(lp, totals, status, i, last, frozen, pinning, threshold):
    """The published row to hide next to protect row i: of the rows that pin its bounds (non-zero
    dual values), the smallest of the first few that is enough, else the smallest; totals only
    when no other row pins them."""
    candidates = sorted((j for j, s in enumerate(status) if s is None and not frozen[j]),
                        key=lambda j: (not pinning[j], last[j], totals[j]))
    for j in candidates[:3]:
        if not pinning[j] or (last[j] and not last[candidates[0]]):
            break
        status[j] = COMPLEMENTARY
        enough = _width(lp, status, i) >= threshold
        status[j] = None
        if enough:
            return j
    return candidates[0] if candidates else None


def apply(df: pd.DataFrame, key: str, breakdown: str, decision: dict[str, dict[tuple[str, str], str]],
          counts: list[str], rates: dict[str, tuple[str, ...]] | None = None) -> pd.DataFrame:
    """A breakdown's rows with the counts protect() hid taken out, as suppress() would:
    missing, named in `suppressed`, and the complementary ones also in `complementary`."""
    df = df.copy()
    n = len(df)
    keys = df[key].astype(object).where(df[key].notna(), "").astype(str).tolist()
    hidden: dict[str, np.ndarray] = {}
    second: dict[str, np.ndarray] = {}
    for col in counts:
        marks = [decision.get(col, {}).get((breakdown, k)) for k in keys]
        hidden[col] = np.array([m is not None for m in marks], dtype=bool)
        second[col] = np.array([m == COMPLEMENTARY for m in marks], dtype=bool)
        values = np.round(pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan))
        df[col] = pd.array(np.where(hidden[col], np.nan, values), dtype="Int64")
    for col, deps in (rates or {}).items():
        hidden[col] = np.logical_or.reduce([hidden[d] for d in deps]) if deps else np.zeros(n, dtype=bool)
        # a rate reads "<10" when a count under it does, "suppressed" when only complements do
        second[col] = hidden[col] & ~np.logical_or.reduce([hidden[d] & ~second[d] for d in deps])
        if hidden[col].any():
            kind = "Float64" if df[col].dtype.kind == "f" else "Int64"
            df[col] = df[col].astype(kind).mask(hidden[col])
    df["suppressed"] = pd.Series([",".join(c for c, m in hidden.items() if m[i]) for i in range(n)],
                                 index=df.index, dtype=object)
    df["complementary"] = pd.Series([",".join(c for c, m in second.items() if m[i]) for i in range(n)],
                                    index=df.index, dtype=object)
    return df


def is_complementary(df: pd.DataFrame, column: str) -> pd.Series:
    if "complementary" not in df:
        return pd.Series(False, index=df.index)
    return df["complementary"].fillna("").map(lambda s: column in s.split(","))


def marks(df: pd.DataFrame, column: str) -> pd.Series:
    """How each cell of a column reads when it is hidden ("<10" or "suppressed"); None where shown."""
    out = pd.Series(None, index=df.index, dtype=object)
    out[is_suppressed(df, column)] = MARK[PRIMARY]
    out[is_complementary(df, column)] = MARK[COMPLEMENTARY]
    return out
