"""The rules that turn numbers into words: rounding, zero bases, suppression."""
import pandas as pd
import pytest

from briefing import wording as w


@pytest.mark.parametrize("share, words", [
    (0.845, "nearly 85 percent"), (124_200 / 147_000, "nearly 85 percent"), (0.85, "85 percent"),
    (0.512, "more than 50 percent"), (0.882, "88 percent"), (0.003, "less than 1 percent"), (0, "no"),
])
def test_percent_phrase_rounds_to_a_figure_a_person_says(share, words):
    assert w.percent_phrase(share) == words


def test_percent_phrase_says_nothing_about_a_suppressed_share():
    assert w.percent_phrase(pd.NA) is None
    assert w.percent_phrase(None) is None


@pytest.mark.parametrize("n, words", [
    (147_000, "147,000"), (18_240, "more than 18,000"), (145_824, "nearly 146,000"),
    (1_447_002, "more than 1.4 million"), (2_000_000, "2 million"), (2_049_000, "more than 2 million"),
    (1_500, "1,500"), (1_530, "more than 1,500"),
    (950, "950"),
])
def test_count_phrase(n, words):
    assert w.count_phrase(n) == words


def test_count_phrase_never_states_a_suppressed_count():
    assert w.count_phrase(pd.NA) is None


def test_a_rate_change_inside_rounding_is_unchanged():
    # 9.96% and 10.04% both show as 10.0%: saying "up" would contradict the page.
    assert w.rate_change(0.1004, 0.0996) == "unchanged"
    assert w.rate_change(0.0996, 0.1004) == "unchanged"
    assert w.rate_change(0.845, 0.264) == "+58.1 pts"
    assert w.rate_change(0.26, 0.30) == "-4.0 pts"


def test_a_count_change_inside_rounding_is_unchanged():
    assert w.count_change(100_004, 100_000) == "unchanged"
    assert w.count_change(124_200, 38_500) == "+222.6%"


def test_no_growth_from_a_zero_base():
    assert w.count_change(1_529, 0) == "new"
    assert w.count_change(0, 0) == "none either year"
    assert w.growth_phrase(1_529, 0) is None


def test_no_change_is_stated_from_a_suppressed_count():
    for current, prior in ((pd.NA, 100), (100, pd.NA), (None, 5)):
        assert w.count_change(current, prior) is None
        assert w.growth_phrase(current, prior) is None
        assert w.rate_change(current, prior) is None


@pytest.mark.parametrize("current, prior, words", [
    (10_500, 5_000, "rose 110 percent"), (47_500, 4_200, "grew more than tenfold"),
    (42_000, 4_200, "grew tenfold"), (462_408, 21_794, "grew more than twentyfold"),
    (8_800, 10_000, "fell 12 percent"), (10_040, 10_000, "held steady"), (9_960, 10_000, "held steady"),
    (349_099, 102_195, "rose 242 percent"),
])
def test_growth_phrase(current, prior, words):
    assert w.growth_phrase(current, prior) == words


def test_quarter_position():
    assert w.quarter_position(0.845, 0.40, 0.53, 0.68) == "top quarter"
    assert w.quarter_position(0.30, 0.40, 0.53, 0.68) == "bottom quarter"
    assert w.quarter_position(0.60, 0.40, 0.53, 0.68) == "above the median"
    assert w.quarter_position(0.45, 0.40, 0.53, 0.68) == "below the median"
    assert w.quarter_position(pd.NA, 0.40, 0.53, 0.68) is None


def test_sentence_capitalises_and_ends_with_a_full_stop():
    assert w.sentence("nearly 85 percent of students") == "Nearly 85 percent of students."
