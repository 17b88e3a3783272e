"""Each metric declared once: the SQL, the suppression and the display follow from the declaration."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from metrics import dialect, formats
from metrics.definitions import (MEASURES, RATIOS, compute, deps, kind, label, rates, select, suppressible,
                                 suppression)

METRICS = Path(__file__).resolve().parent.parent / "metrics"


def test_a_ratio_is_rendered_from_its_measures():
    assert select("enrolled", "activated", "activation_rate") == (
        "sum(enrolled) AS enrolled, sum(activated) AS activated, "
        "sum(activated) / nullif(sum(enrolled), 0) AS activation_rate")
    # over an alias whose measures are summed already; growth is the change, so minus one
    assert select("circulation", "circulation_growth", over="x") == (
        "coalesce(x.circulation, 0) AS circulation, x.circulation / nullif(x.prior_circulation, 0) - 1 "
        "AS circulation_growth")
    assert select("usage_per_active_student", numerator="usage", denominator="active") == \
        "usage / nullif(active, 0) AS per_student"


def test_its_suppression_follows_from_the_same_declaration():
    assert suppression("enrolled", "cards", "activated", "activation_rate", "activation_rate_of_cards") == (
        ["enrolled", "cards", "activated"],
        {"activation_rate": ("activated", "enrolled"), "activation_rate_of_cards": ("activated", "cards")})
    # a ratio alone brings its measures: a rate is never shown without what it is hidden by
    assert suppressible("active_user_rate") == ["active", "enrolled"]
    assert rates("usage_growth") == {"growth": ("usage", "prior_usage")}
    # the survey counts communities: nothing in it is a small count of people
    assert suppression("yes", "n", "share_yes") == ([], {"share_yes": ()})
    assert deps("circulation_per_student") == ("circulation", "enrolled")


def test_and_so_does_how_it_reads():
    assert formats.COLUMNS["activation_rate"] == ("Activation rate (of enrolled)", "rate")
    assert label("activation_rate", short=True) == "Activation rate"
    assert kind("circulation_growth") == "growth" and kind("enrolled") == "count"
    assert formats.FORMAT[kind("activation_rate")](0.886) == "88.6%"
    assert formats.FORMAT[kind("circulation_growth")](0.089) == "+8.9%"
    for m in MEASURES.values():
        assert formats.COLUMNS[m.name] == (m.label, "count")
    for r in RATIOS.values():
        assert formats.COLUMNS[r.as_column][1] == r.kind


def test_the_sql_and_the_dataframe_compute_the_same_ratio():
    df = pd.DataFrame({"activated": [88, 5, 0, 3], "enrolled": [100, 0, 0, None],
                       "circulation": [109, 10, 0, 5], "prior_circulation": [100, 0, 4, 5]})
    con = duckdb.connect()
    con.register("t", df)
    sql = con.execute(f"SELECT {select('activation_rate', 'circulation_growth', over='t')} FROM t").df()
    assert np.allclose(sql["activation_rate"].to_numpy(dtype=float, na_value=np.nan),
                       compute(df, "activation_rate").to_numpy(dtype=float), equal_nan=True)
    assert np.allclose(sql["circulation_growth"].to_numpy(dtype=float, na_value=np.nan),
                       compute(df, "circulation_growth").to_numpy(dtype=float), equal_nan=True)
    assert sql["activation_rate"].iloc[0] == pytest.approx(0.88)
    assert sql["circulation_growth"].iloc[0] == pytest.approx(0.09)
    assert pd.isna(sql["activation_rate"].iloc[1]) and pd.isna(sql["circulation_growth"].iloc[1])   # no base


def test_every_declared_ratio_renders_for_spark():
    names = [n for n in RATIOS if n not in ("usage_per_active_student", "usage_growth")]   # per_student, growth twice
    spark = dialect.render(f"SELECT {select(*names)} FROM v_cells", "spark").text
    assert "NULLIF(SUM(enrolled), 0)" in spark and "AS activation_rate" in spark


def test_no_metric_writes_a_ratio_of_its_own():
    """The division of a ratio is written once, in metrics/definitions.py."""
    for path in METRICS.glob("*.py"):
        if path.name in ("definitions.py", "impact.py", "impact_model.py"):   # estimates, not ratio metrics
            continue
        text = path.read_text()
        assert not re.search(r"/\s*nullif\(", text), f"{path.name} divides by nullif(...) itself"
        assert not re.search(r"\]\s*/\s*df\[", text), f"{path.name} computes a ratio of columns itself"
