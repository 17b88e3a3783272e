"""The view in the URL, and the wording of changes and headline sentences."""
import datetime as dt

import pandas as pd
import pytest

from components import choice as ch
from components.wording import change, headline_tiles

NAMES = {"charlotte-mecklenburg": "Charlotte Mecklenburg", "denver": "Denver"}
YEARS = ["2014-15", "2015-16", "2016-17"]


def parse(**params):
    return ch.parse(params, NAMES, [1, 2], YEARS, "2016-17")


def test_parse_good_parameters():
    assert parse(community="charlotte-mecklenburg", year="2015-16") == ch.Choice("community:charlotte-mecklenburg", "2015-16")
    assert parse(cohort="1", year="2015-16") == ch.Choice("cohort:1", "2015-16")
    assert parse() == ch.Choice("all", "2016-17")


@pytest.mark.parametrize("params, scope, year, notice", [
    ({"community": "atlantis"}, "all", "2016-17", "no community “atlantis”"),
    ({"cohort": "3"}, "all", "2016-17", "no cohort “3”"),
    ({"cohort": "-1"}, "all", "2016-17", "no cohort “-1”"),
    ({"community": "denver", "cohort": "1"}, "all", "2016-17", "not both"),
    ({"community": "denver", "year": "2015-17"}, "community:denver", "2016-17", "school year “2015-17”"),
    ({"year": "2019-20"}, "all", "2016-17", "school year “2019-20”"),
])
def test_parse_bad_parameters_fall_back_with_a_notice(params, scope, year, notice):
    picked = parse(**params)
    assert (picked.scope, picked.year) == (scope, year)
    # notices are markdown with the URL's value escaped (\- reads "-")
    assert len(picked.notices) == 1 and notice in picked.notices[0].replace("\\", "")


def test_params_round_trip():
    for choice in [ch.Choice("all", "2015-16"), ch.Choice("cohort:2", "2016-17"), ch.Choice("community:denver", "2014-15")]:
        assert parse(**choice.params()) == choice
    assert ch.Choice("community:denver", "2014-15").params() == {"community": "denver", "year": "2014-15"}
    assert ch.Choice("cohort:2", "2014-15").to_scope().cohort == 2


def test_default_year_is_the_latest_that_has_ended():
    assert ch.default_year(YEARS, dt.date(2017, 3, 1)) == "2015-16"
    assert ch.default_year(YEARS, dt.date(2017, 7, 1)) == "2016-17"
    assert ch.default_year(["2016-17"], dt.date(2016, 9, 1)) == "2016-17"


def test_scope_labels():
    assert ch.scope_label("all", NAMES) == "All communities"   # short: the sidebar cuts longer labels
    assert ch.scope_label("cohort:1", NAMES, {1: 60}) == "Cohort 1 (60 communities)"
    assert ch.scope_label("community:denver", NAMES) == "Denver"


def test_change_in_points_never_says_up_for_zero():
    assert change(0.845, 0.7249, "rate", "2014-15").phrase == "up 12.0 points from 2014-15"
    assert change(0.845, 0.7249, "rate", "2014-15").delta == "+12.0 pts"
    assert change(0.8450, 0.84496, "rate", "2014-15").phrase == "unchanged from 2014-15"
    assert change(0.80, 0.81, "rate", "2014-15").phrase == "down 1.0 point from 2014-15"


def test_change_in_per_cent_and_from_a_zero_base():
    assert change(147000, 145824, "count", "2014-15").phrase == "up 0.8% from 2014-15"
    assert change(100000, 100020, "count", "2014-15") .phrase == "unchanged from 2014-15"
    assert change(18240, 0, "count", "2014-15").phrase == "new this year (none in 2014-15)"
    assert change(18240, 0, "count", "2014-15").delta is None
    assert change(0, 0, "count", "2014-15").phrase == "none in 2014-15 either"
    assert change(5, pd.NA, "count", "2014-15").delta is None
    assert change(5, 4, "count", "2013-14", prior_available=False).phrase == "no figures for 2013-14 to compare with"


def test_headline_tiles():
    cur = dict(enrolled=147000, cards=146123, activation_rate=0.8817, active=124200, active_user_rate=0.8449,
               circulation=349099, per_student=2.3748, eresource_use=250203, staff_cards=18240)
    prior = dict(enrolled=145824, cards=55262, activation_rate=0.2637, active=38200, active_user_rate=0.2637,
                 circulation=102195, per_student=0.70, eresource_use=60217, staff_cards=0)
    tiles = {t.label: t for t in headline_tiles(cur, prior, "2015-16", "2014-15", True)}
    assert tiles["Active-user rate"].sentence == ("84.5% of enrolled students (124,200) used their card this year, "
                                                  "up 58.1 points from 2014-15.")
    assert tiles["Students enrolled"].value == "147,000" and tiles["Students enrolled"].prior == "145,824"
    assert tiles["Teacher and staff cards"].sentence.endswith("new this year (none in 2014-15).")
    assert "2.37 per enrolled student" in tiles["Library circulation"].sentence
    assert "all its patrons" in tiles["Library circulation"].sentence


def test_headline_tiles_show_suppressed_values_as_under_ten():
    tiles = headline_tiles({"enrolled": "<10", "staff_cards": "<10"}, {}, "2015-16", "2014-15", True)
    enrolled = tiles[0]
    assert enrolled.value == "<10" and enrolled.delta is None
    assert "small numbers are not shown" in enrolled.sentence
    # nothing loaded for the year is "no data", never "<10"
    empty = headline_tiles({"enrolled": pd.NA}, {}, "2015-16", "2014-15", True)[0]
    assert empty.value == "no data"


def test_csv_keeps_numbers_and_says_under_ten_for_suppressed_counts(small_con):
    from components.show import csv_bytes
    from metrics import Scope, circulation_growth
    df = circulation_growth(small_con, Scope("2015-16", community="alpha-city"), by="detail")
    text = csv_bytes(df, ["label", "circulation", "prior_circulation"], ["Detail", "2015-16", "2014-15"]).decode()
    assert text.splitlines()[0] == "Detail,2015-16,2014-15"
    lines = text.splitlines()
    # 7 loans read "<10"; one more row is hidden so that the 7 cannot be worked out from the
    # total, and reads "suppressed" (never a false "<10"); the other is shown. Plain words.
    assert "juvenile fiction print · Library catalog (ILS),<10,10" in lines
    overdrive, hotspot = "juvenile non-fiction e-book · OverDrive", "young adult n/a hotspot · Library catalog (ILS)"
    assert ({f"{overdrive},suppressed,0", f"{hotspot},12,0"} <= set(lines)
            or {f"{overdrive},25,0", f"{hotspot},suppressed,0"} <= set(lines))


def test_overview_says_unchanged_when_both_rates_read_the_same():
    from components.wording import change
    # 9.96% and 10.04% both show as 10.0%: no "up" for a change inside rounding
    assert change(0.1004, 0.0996, "rate", "2014-15").phrase == "unchanged from 2014-15"
    assert change(0.1006, 0.0996, "rate", "2014-15").phrase == "up 0.1 points from 2014-15"


def test_the_demo_label_follows_what_is_demo_and_what_is_loaded():
    import pandas as pd

    from components.sidebar import demo_label
    communities = pd.DataFrame({"name": ["Demo A", "Demo B", "Realtown"], "is_demo": [True, True, False]})
    log = pd.DataFrame({"source": ["demo", "communities", "cards", "campaign"],
                        "community": [None, None, "Realtown", "Demo A"],
                        "status": ["loaded"] * 4})
    assert demo_label(communities.iloc[[0]], log) == "demo"        # a campaign puts no figures in
    assert demo_label(communities.iloc[[2]], log) is None          # real data in the demo warehouse: not "demo"
    assert demo_label(communities, log) == "mixed"                 # the program: both
    cards_into_demo = pd.concat([log, pd.DataFrame({"source": ["cards"], "community": ["Demo B"],
                                                    "status": ["loaded"]})])
    assert demo_label(communities.iloc[[1]], cards_into_demo) == "mixed"
    undone = cards_into_demo.assign(status=["loaded", "loaded", "loaded", "loaded", "undone"])
    assert demo_label(communities.iloc[[1]], undone) == "demo"


def test_links_in_names_are_plain_text_in_charts():
    import numpy as np
    import plotly.graph_objects as go

    from components.show import defuse_links
    evil = '<a href="http://evil.example">Alpha</a>'
    fig = go.Figure(go.Bar(x=np.array([evil, "Beta"], dtype=object), y=[1, 2], name=evil,
                           hovertemplate="%{x}<br>%{y}<extra></extra>"))
    fig.add_annotation(text=f"<b>{evil}</b>", x=0, y=1)
    spec = defuse_links(fig).to_json()
    assert "<a" not in spec.replace("\\u003c", "<").lower()
    out = defuse_links(fig)
    assert out.data[0].hovertemplate == "%{x}<br>%{y}<extra></extra>"      # our own markup stays
    assert out.layout.annotations[0].text.startswith("<b>&lt;a href")
    plain_fig = go.Figure(go.Bar(x=["A"], y=[1]))
    assert defuse_links(plain_fig) is plain_fig


def test_school_types_note_says_when_a_type_joins():
    from components.wording import school_types_note
    years = {"2014-15": ["district"], "2015-16": ["district"], "2016-17": ["district", "charter"]}
    assert school_types_note(years, "2015-16") == (
        "Only district schools had students enrolled in 2015-16; charter schools join in 2016-17.")
    assert school_types_note(years, "2016-17") is None
    assert school_types_note({"2015-16": ["district"]}, "2015-16") == "Only district schools had students enrolled in 2015-16."
