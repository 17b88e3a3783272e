"""The program's headline (metrics.headline): on the demo, the figures the program's documents
lead with; on the small hand-built warehouse, every figure worked out by hand."""
import pytest
from statsmodels.stats.proportion import proportion_confint

from metrics import Scope, headline
from metrics.access import AccessDenied, Viewer
from metrics.headline import figure, survey


def test_cohort_1_on_the_demo(demo_con):
    head = headline(demo_con, Scope("2015-16", cohort=1))
    # more than one million new student cards in under a year (the demo's own count: cards issued
    # July 2015 to June 2016 to students on the year's rosters)
    assert figure(head, "new_cards") == 1_167_584
    assert figure(head, "communities") == 60
    assert figure(head, "enrolled") == 1_447_002
    assert figure(head, "students_reached") == 822_188
    answers = survey(head).set_index("figure")
    assert len(answers) == 5 and set(answers["n"]) == {60}
    assert [round(v * 100) for v in answers.sort_values("value", ascending=False)["value"]] == [75, 72, 58, 53, 43]


def test_survey_intervals_are_wilson_intervals(demo_con):
    answers = survey(headline(demo_con, Scope("2015-16", cohort=1)))
    low, high = proportion_confint(answers["yes"].astype(int), answers["n"].astype(int), alpha=0.05, method="wilson")
    assert answers["ci_low"].astype(float).round(6).tolist() == pytest.approx(low.round(6).tolist(), abs=1e-6)
    assert answers["ci_high"].astype(float).round(6).tolist() == pytest.approx(high.round(6).tolist(), abs=1e-6)
    school = answers[answers["figure"] == "survey:school_leaders"].iloc[0]
    assert (school["yes"], school["n"]) == (45, 60)
    assert (round(school["ci_low"], 3), round(school["ci_high"], 3)) == (0.628, 0.842)


def test_the_whole_program_by_hand(small_con):
    head = headline(small_con, Scope("2015-16"))
    # Alpha: s11..s66 and t1..t8 carded on Aug. 20, 2015 (64; s1..s10 carded in Jan. 2015); Beta: 50
    assert figure(head, "new_cards") == 114
    assert figure(head, "communities") == 2
    assert figure(head, "enrolled") == 128                      # 40 + 30 + 8 + 50
    assert figure(head, "students_reached") == 67               # Alpha 5 + 20 + 12 + 5, Beta 25
    assert figure(head, "activation_rate") == pytest.approx(72 / 128)
    q1 = survey(head).set_index("figure").loc["survey:q1"]
    assert (q1["yes"], q1["n"], q1["value"]) == (1, 2, 0.5)
    low, high = proportion_confint(1, 2, method="wilson")
    assert (q1["ci_low"], q1["ci_high"]) == (pytest.approx(low), pytest.approx(high))


def test_not_for_one_community_and_checked_for_the_viewer(small_con):
    with pytest.raises(ValueError, match="not one community"):
        headline(small_con, Scope("2015-16", community="alpha-city"))
    viewer = Viewer("alpha", "community", "alpha-city")
    with pytest.raises(AccessDenied):   # a cohort of one community would name it
        headline(small_con, Scope("2015-16", cohort=1, viewer=viewer))
