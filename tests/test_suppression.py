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
