"""Survey indicators: share yes, n and the Wilson interval."""
import math

import pandas as pd
import pytest

from metrics import Scope, survey_indicators


def test_share_yes_with_n_and_wilson_interval(small_con):
    df = survey_indicators(small_con, Scope("2015-16")).set_index("question_id")
    q1 = df.loc["q1"]
    assert (q1.yes, q1.n) == (1, 2) and q1.share_yes == 0.5
    # Wilson 95 % for 1 of 2: 0.5 -/+ 1.96 * sqrt(0.125 + 0.96^2/4) / (1 + 1.92): (0.0945, 0.9055)
    assert q1.ci_low == pytest.approx(0.0945, abs=1e-4) and q1.ci_high == pytest.approx(0.9055, abs=1e-4)
    q2 = df.loc["q2"]
    assert (q2.yes, q2.n, q2.share_yes) == (1, 1, 1.0)     # a blank answer is not a respondent


def test_question_nobody_answered_has_no_share(small_con):
    q3 = survey_indicators(small_con, Scope("2015-16")).set_index("question_id").loc["q3"]
    assert q3.n == 0 and pd.isna(q3.share_yes) and pd.isna(q3.ci_low)


def test_a_community_sees_its_cohort(small_con):
    df = survey_indicators(small_con, Scope("2015-16", community="beta-county")).set_index("question_id")
    assert (df.loc["q1", "yes"], df.loc["q1", "n"]) == (0, 1)
    assert math.isclose(df.loc["q1", "ci_high"], 1.959964**2 / (1 + 1.959964**2), rel_tol=1e-6)
