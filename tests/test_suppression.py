"""Suppression at the threshold edges, and how suppressed cells read."""
import pandas as pd

from metrics.formats import export_frame, present
from metrics.suppression import suppress


def frame():
    return pd.DataFrame({"label": ["a", "b", "c", "d"], "enrolled": [100, 9, 10, 11],
                         "activated": [0, 5, 10, 11], "activation_rate": [0.0, 5 / 9, 1.0, 1.0]})


def test_counts_1_to_9_hidden_10_and_0_shown():
    df = suppress(frame(), ["enrolled", "activated"], {"activation_rate": ("activated", "enrolled")})
    assert df["enrolled"].tolist()[0] == 100 and pd.isna(df["enrolled"][1])
    assert df["enrolled"][2] == 10 and df["enrolled"][3] == 11
    assert df["activated"][0] == 0                                  # a zero reveals nobody
    assert pd.isna(df["activation_rate"][1]) and df["activation_rate"][2] == 1.0
    assert df["suppressed"].tolist() == ["", "enrolled,activated,activation_rate", "", ""]


def test_suppressed_cells_read_under_10_in_tables_and_exports():
    df = suppress(frame(), ["enrolled", "activated"], {"activation_rate": ("activated", "enrolled")})
    shown = present(df)
    assert shown.loc[1, "Students enrolled"] == "<10" and shown.loc[1, "Activation rate (of enrolled)"] == "<10"
    assert shown.loc[0, "Students enrolled"] == "100" and shown.loc[2, "Activation rate (of enrolled)"] == "100.0%"
    exported = export_frame(df)
    assert exported.loc[1, "Students enrolled"] == "<10" and exported.loc[3, "Students enrolled"] == 11


def test_complementary_suppression_hides_the_next_smallest_cell():
    df = pd.DataFrame({"label": ["a", "b", "c"], "enrolled": [300, 8, 40]})
    out = suppress(df, ["enrolled"], complementary=True)
    # 8 alone would be total - 300 - 40: the 40 goes too, the 300 stays
    assert pd.isna(out["enrolled"][1]) and pd.isna(out["enrolled"][2]) and out["enrolled"][0] == 300
    assert out["suppressed"].tolist() == ["", "enrolled", "enrolled"]


def test_complementary_suppression_leaves_two_hidden_cells_alone():
    df = pd.DataFrame({"label": ["a", "b", "c"], "enrolled": [300, 8, 4]})
    out = suppress(df, ["enrolled"], complementary=True)
    assert out["enrolled"][0] == 300 and out["enrolled"].isna().sum() == 2


# ---------------------------------------------------------------- one decision across breakdowns
def school_cells():
    """One community: North (district, Title I, grade 3) 150; South (district, grade 4) 50;
    Tiny Charter (Title I, grade 4) 7. Total 207; grades 150 and 57; district 200, charter 7."""
    return pd.DataFrame({"school": ["101", "102", "103"], "grade": ["03", "04", "04"],
                         "school_type": ["district", "district", "charter"], "title_i": ["true", "false", "true"],
                         "enrolled": [150, 50, 7]})


BREAKDOWNS = {"all": (), "school": ("school",), "grade": ("grade",), "school_type": ("school_type",),
              "title_i": ("title_i",)}


def test_protect_hides_one_set_for_every_breakdown_and_keeps_the_total():
    from metrics.suppression import COMPLEMENTARY, PRIMARY, protect

    hidden = protect(school_cells(), BREAKDOWNS, ["enrolled"])["enrolled"]
    assert hidden[("school", "103")] == PRIMARY and hidden[("school_type", "charter")] == PRIMARY
    assert ("all", "all") not in hidden                    # 207 stays
    # 207 - 200 would give the 7: the district row goes, and so does whatever else pins it
    assert hidden[("school_type", "district")] == COMPLEMENTARY
    assert set(hidden.values()) == {PRIMARY, COMPLEMENTARY}


def test_no_hidden_cell_is_bounded_narrower_than_the_threshold():
    import numpy as np

    from metrics.suppression import _membership, bounds, protect, row_keys

    cells = school_cells()
    hidden = protect(cells, BREAKDOWNS, ["enrolled"])["enrolled"]
    rows, shown = [], []
    for name, cols in BREAKDOWNS.items():
        keys = row_keys(cells, cols)
        for k in sorted(keys.unique()):
            rows.append(frozenset(np.flatnonzero((keys == k).to_numpy())))
            shown.append((name, k) not in hidden)
    matrix = _membership(rows, len(cells))
    totals = np.asarray(matrix @ cells["enrolled"].to_numpy(dtype=float)).ravel()
    tiny = np.array([0, 0, 1.0])
    low, high = bounds(matrix, totals, np.array(shown), tiny)
    assert high - low >= 10 and low <= 7 <= high


def test_apply_marks_small_counts_and_complements_apart():
    from metrics.suppression import apply, marks, protect

    cells = school_cells()
    decision = protect(cells, BREAKDOWNS, ["enrolled"])
    by_type = pd.DataFrame({"key": ["charter", "district"], "enrolled": [7, 200], "rate": [0.5, 0.5],
                            "activated": [3, 100]})
    out = apply(by_type, "key", "school_type", decision, ["enrolled"], {"rate": ("enrolled",)})
    assert marks(out, "enrolled").tolist() == ["<10", "suppressed"]
    assert marks(out, "rate").tolist() == ["<10", "suppressed"]
    assert out["enrolled"].isna().all()
    assert present(out, ["enrolled"])["Students enrolled"].tolist() == ["<10", "suppressed"]
    assert export_frame(out, ["enrolled"])["Students enrolled"].tolist() == ["<10", "suppressed"]
