"""Campaigns, annotations, targets and the code mapping entered on the Load data page: written
through publishing with a load_log row, refused with clear errors, and undoable."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ingest import annotations
from ingest.__main__ import main
from ingest.annotations import EntryError, add_campaign, add_target
from ingest.load import load_log, undo
from tests.test_ingest_load import make_warehouse, query


@pytest.fixture(autouse=True)
def secret(tmp_path, monkeypatch):
    monkeypatch.setenv("LCC_SECRET_FILE", str(tmp_path / "secret.key"))


@pytest.fixture
def wh(tmp_path):
    return make_warehouse(tmp_path / "wh.duckdb")


def test_campaign_is_written_logged_and_undone(wh):
    first = add_campaign("testville", dt.date(2015, 12, 1), " Superintendent's activation challenge ",
                         end_date="2016-06-15", path=wh, loaded_by="director")
    second = add_campaign(None, "2016-01-04", "Program webinar", kind="annotation", path=wh)
    assert query(wh, "SELECT campaign_id, community_id, start_date, end_date, title, kind FROM campaign "
                     "ORDER BY campaign_id") == [
        (1, 1, dt.date(2015, 12, 1), dt.date(2016, 6, 15), "Superintendent's activation challenge", "campaign"),
        (2, None, dt.date(2016, 1, 4), None, "Program webinar", "annotation")]
    log = load_log(wh).set_index("load_id")
    assert log.loc[first, ["source", "loaded_by", "community", "rows_loaded", "status"]].tolist() == [
        "campaign", "director", "testville", 1, "loaded"]
    assert log.loc[second, "community"] is None or pd.isna(log.loc[second, "community"])

    assert undo(first, path=wh) == f"load {first} (campaign) undone: 1 row(s) removed"
    assert query(wh, "SELECT title FROM campaign") == [("Program webinar",)]
    assert load_log(wh).set_index("load_id").loc[first, "status"] == "undone"
    with pytest.raises(ValueError, match="already undone"):
        undo(first, path=wh)


@pytest.mark.parametrize("args, message", [
    (("testville", "2015-12-01", "  "), "The title is empty"),
    (("testville", "2015-13-01", "x"), "“2015-13-01” is not a date"),
    (("testville", None, "x"), "The start date is missing"),
    (("testville", dt.date(1985, 1, 1), "x"), "out of range"),
    (("nowhere", "2015-12-01", "x"), "There is no community “nowhere”"),
])
def test_bad_campaigns_are_refused_and_nothing_changes(wh, args, message):
    with pytest.raises(EntryError, match=message):
        add_campaign(*args, path=wh)
    assert query(wh, "SELECT count(*) FROM campaign") == [(0,)]
    assert query(wh, "SELECT count(*) FROM load_log") == [(0,)]


def test_campaign_end_before_start_and_unknown_kind(wh):
    with pytest.raises(EntryError, match="end date 2015-11-01 is before the start date 2015-12-01"):
        add_campaign("testville", "2015-12-01", "x", end_date="2015-11-01", path=wh)
    with pytest.raises(EntryError, match="kind “drive” is not known"):
        add_campaign("testville", "2015-12-01", "x", kind="drive", path=wh)


def test_target_set_replaced_listed_and_undone(wh):
    add_target("testville", "2015-16", "activation_rate", 0.85, path=wh)
    second = add_target("testville", "2015-16", "activation_rate", 0.9, path=wh)
    add_target("otherton", "2016-17", "circulation", 250000, path=wh)
    assert annotations.targets("testville", wh)[["school_year", "metric", "value"]].values.tolist() == [
        ["2015-16", "activation_rate", 0.9]]
    assert len(annotations.targets(None, wh)) == 2
    # Undo from the command line, like any load.
    assert main(["undo", str(second), "--warehouse", str(wh)]) == 0
    assert query(wh, "SELECT community_id, metric FROM target") == [(2, "circulation")]


@pytest.mark.parametrize("args, message", [
    (("testville", "2015", "activation_rate", 0.5), "not one; expected the form 2015-16"),
    (("testville", "2015-16", "happiness", 0.5), "no target metric “happiness”"),
    (("testville", "2015-16", "activation_rate", 85), "impossible; expected a share between 0 and 1"),
    (("testville", "2015-16", "circulation", -1), "cannot be negative"),
    (("testville", "2015-16", "circulation", "lots"), "“lots” is not a number"),
    (("nowhere", "2015-16", "circulation", 1), "no community “nowhere”"),
])
def test_bad_targets_are_refused(wh, args, message):
    with pytest.raises(EntryError, match=message):
        add_target(*args, path=wh)
    assert query(wh, "SELECT count(*) FROM target") == [(0,)]


def test_code_mapping_saved_through_the_loader_with_its_checks(wh):
    edited = pd.DataFrame([
        {"code": "jnf", "format": "print", "audience": "juvenile", "fiction": "non-fiction", "platform": None},
        {"code": "EBOOK-J", "format": "e-book", "audience": "juvenile", "fiction": "fiction", "platform": "OverDrive"},
        {"code": None, "format": None, "audience": None, "fiction": None, "platform": None},  # blank added row
    ])
    report = annotations.save_code_mapping("testville", edited, path=wh)
    assert report.committed
    assert annotations.code_mapping("testville", wh)[["code", "format", "platform"]].values.tolist() == [
        ["EBOOK-J", "e-book", "OverDrive"], ["JNF", "print", "ILS"]]
    assert annotations.save_code_mapping("testville", edited, path=wh).files[0].status == "already loaded"

    bad = edited.iloc[:1].assign(format="scroll")
    refused = annotations.save_code_mapping("testville", bad, path=wh)
    assert not refused.ok
    problem = refused.problems[0]
    assert (problem.line, problem.column, problem.value) == (2, "format", "scroll")
    with pytest.raises(EntryError, match="no rows"):
        annotations.save_code_mapping("testville", edited.iloc[2:], path=wh)
