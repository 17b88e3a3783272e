"""ingest.load on small warehouses built here: every layout loads with the numbers a person
would check, loads are idempotent, corrected periods replace, undo removes, IDs never land raw."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb
import pytest

from ingest.load import load_files, load_log, quarantined, undo
from tests.rollup_support import lake_files
from warehouse import pseudonymize, store

SCHOOLS = "school,school_type,grade_low,grade_high,title_i\nAlpha Elementary,district,K,5,yes\nBeta High,charter,9,12,no\n"
CARDS = ("student_id,school,grade,patron_type,card_type,issued_date\n"
         "ZQ900001,Alpha Elementary,K,student,virtual,2015-09-08\n"
         "ZQ900002,Alpha Elementary,1,student,virtual,2015-09-08\n"
         "ZQ900003,Beta High,9,student,physical,09/10/2015\n"
         "ZQ900004,,,teacher,virtual,2015-09-08\n")
ACTIVITY = ("patron_id;timestamp;event;channel\nZQ900001;2015-10-01 10:00:00;login;Website\n"
            "ZQ900002;2015-10-02 11:00;activation;app\nZQ900003;2016-01-05T09:00:00;e-resource login;OverDrive\n")
CODE_MAP = "code,format,audience,fiction,platform\nJNF,print,juvenile,non-fiction,ILS\nEBOOK-J,e-book,juvenile,fiction,OverDrive\nHOTSPOT,hotspot,young adult,n/a,\n"
CIRCULATION = ("patron_id\ttimestamp\titem type\tbranch\taction\n"
               "ZQ900001\t2015-10-01 10:00:00\tJNF\tMain Library\tcheckout\n"
               "ZQ900002\t2015-10-03 10:00:00\tebook-j\t\tcheckout\n"
               "ZQ900003\t2015-11-01 10:00:00\tHOTSPOT\tEast Branch\trenew\n")
RAW_IDS = [b"ZQ900001", b"ZQ900002", b"ZQ900003", b"ZQ900004"]


@pytest.fixture(autouse=True)
def secret(tmp_path, monkeypatch):
    monkeypatch.setenv("LCC_SECRET_FILE", str(tmp_path / "secret.key"))


def make_warehouse(path: Path) -> Path:
    """Two communities and nothing else: the rest comes in through the loaders."""
    with store.publishing(path, fresh=True) as con:
        con.execute("""INSERT INTO community VALUES
            (1, 'testville', 'Testville', 'NC', 1, DATE '2015-09-01', DATE '2015-09-08', 'MOU', NULL, NULL, FALSE),
            (2, 'otherton', 'Otherton', 'OH', 2, DATE '2016-09-01', NULL, 'MOU', NULL, NULL, FALSE)""")
    return path


def write(directory: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = directory / name
    path.write_bytes(text.encode(encoding))
    return path


def checksum(path: Path) -> str:
    """A digest of every table's rows in a fixed order: equal means the content did not change."""
    con = store.open_readonly(path)
    try:
        digest = hashlib.sha256()
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                                            "ORDER BY table_name").fetchall()]
        for table in tables:
            digest.update(table.encode())
            for row in con.execute(f'SELECT * FROM "{table}" ORDER BY ALL').fetchall():
                digest.update(repr(row).encode())
        return digest.hexdigest()
    finally:
        con.close()


def query(path: Path, sql: str, params=None):
    con = store.open_readonly(path)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def load(wh, tmp_path, kind, name, text, community="testville", **kw):
    report = load_files([write(tmp_path, name, text)], community=community, source=kind, path=wh, **kw)
    return report


@pytest.fixture
def wh(tmp_path):
    """Testville with schools, branches, a code mapping and a card file loaded."""
    path = make_warehouse(tmp_path / "wh.duckdb")
    for kind, name, text in (("schools", "schools.csv", SCHOOLS), ("branches", "branches.csv",
                                                                    "branch\nMain Library\nEast Branch\n"),
                             ("code_map", "map.csv", CODE_MAP), ("cards", "cards.csv", CARDS)):
        report = load(path, tmp_path, kind, name, text)
        assert report.ok and report.committed, report.problems
    return path


def test_directories_and_cards_are_loaded(wh):
    assert query(wh, "SELECT name, school_type, grade_low, grade_high, title_i FROM school ORDER BY name") == [
        ("Alpha Elementary", "district", 0, 5, True), ("Beta High", "charter", 9, 12, False)]
    assert query(wh, "SELECT patron_type, count(*) FROM patron GROUP BY 1 ORDER BY 1") == [("student", 3), ("teacher", 1)]
    assert query(wh, "SELECT school_year, grade, count(*) FROM student_roster GROUP BY ALL ORDER BY ALL") == [
        ("2015-16", 0, 1), ("2015-16", 1, 1), ("2015-16", 9, 1)]


def test_student_ids_are_pseudonymized_with_the_deployment_key(wh):
    key = pseudonymize.load_key()
    keys = {r[0] for r in query(wh, "SELECT patron_key FROM patron")}
    assert pseudonymize.pseudonym("ZQ900001", key) in keys
    assert len(keys) == 4


def test_raw_student_ids_appear_nowhere_in_the_warehouse_file(wh, tmp_path):
    load(wh, tmp_path, "card_activity", "activity.csv", ACTIVITY)
    load(wh, tmp_path, "circulation", "circ.tsv", CIRCULATION)
    bad = ACTIVITY + "ZQ900004;2015-02-30 10:00;login;app\n"  # quarantined row: its ID must not land raw
    assert load(wh, tmp_path, "card_activity", "bad.csv", bad, allow_partial=True).committed
    files = [wh, *store.snapshot_dir(wh).iterdir()]  # the published snapshot and every older one kept
    assert len(files) > 2
    for f in files:
        data = f.read_bytes()
        assert all(raw not in data for raw in RAW_IDS), f


def test_raw_student_ids_appear_in_no_export_log_or_report(wh, tmp_path, monkeypatch):
    """Every way data leaves the warehouse: the export of a community's data, every metric as
    the CSV a page downloads, the load reports, the load log and the audit log."""
    import metrics
    from auth import audit
    from ingest import export
    from metrics.formats import export_frame
    from metrics.scope import Scope
    monkeypatch.setenv("LCC_AUDIT_LOG", str(tmp_path / "audit.log"))
    reports = [load(wh, tmp_path, "card_activity", "activity.csv", ACTIVITY),
               load(wh, tmp_path, "circulation", "circ.tsv", CIRCULATION),
               load(wh, tmp_path, "card_activity", "bad.csv", ACTIVITY + "ZQ900004;2015-02-30 10:00;login;app\n",
                    allow_partial=True)]
    audit.record("export", user="ops", role="program", community="testville", detail="test export")
    out = tmp_path / "export"
    export.export(wh, out)
    blobs = {f"export/{f.name}": f.read_bytes() for f in out.rglob("*") if f.is_file()}
    assert len(blobs) >= 5
    con = store.open_readonly(wh)
    try:
        for year in ("2014-15", "2015-16"):
            for scope in (Scope(year, community="testville"), Scope(year)):
                for name in ("activation_rate", "active_user_rate", "circulation_growth", "activation_by_week",
                             "circulation_by_month", "staff_cards", "hotspot_lending", "community_table"):
                    frame = getattr(metrics, name)(con, scope)
                    blobs[f"{name} {scope.community} {year}.csv"] = export_frame(frame).to_csv().encode()
        from metrics import catalog
        blobs["load log"] = catalog.load_log(con).to_csv().encode()
    finally:
        con.close()
    blobs["reports"] = repr(reports).encode()
    blobs["audit log"] = (tmp_path / "audit.log").read_bytes()
    for name, data in blobs.items():
        assert all(raw not in data for raw in RAW_IDS), name


def test_enrollment_counts_skip_the_totals_row(wh, tmp_path):
    text = ("School , Grade,School Year,Students\nAlpha Elementary,K,2015-16,100\nalpha  elementary,1,2015-16,90\n"
            "Beta High,9,2015-2016,\"1,200\"\nTotal,,,1390\n")
    report = load(wh, tmp_path, "enrollment", "enroll.csv", text)
    assert report.committed
    assert [p.problem for p in report.problems] == ["a totals row was skipped"]
    assert query(wh, "SELECT sum(students), count(*) FROM enrollment") == [(1390, 3)]


def test_card_activity_updates_rollups_in_the_same_load(wh, tmp_path):
    assert load(wh, tmp_path, "card_activity", "activity.csv", ACTIVITY).committed
    assert query(wh, "SELECT event_type, channel FROM card_event WHERE event_type <> 'issued' ORDER BY 1") == [
        ("activation", "app"), ("eresource_login", "OverDrive"), ("login", "website")]
    # three students active in 2015-16, one of them on an e-resource
    assert query(wh, "SELECT sum(active), sum(eresource_users) FROM rollup_people_year WHERE patron_type = 'student'") \
        == [(3, 1)]


def test_circulation_codes_map_to_format_audience_fiction(wh, tmp_path):
    assert load(wh, tmp_path, "circulation", "circ.tsv", CIRCULATION).committed
    assert query(wh, "SELECT action, format, audience, fiction, platform, branch_id IS NULL FROM circulation "
                     "ORDER BY event_time") == [
        ("checkout", "print", "juvenile", "non-fiction", "ILS", False),
        ("checkout", "e-book", "juvenile", "fiction", "OverDrive", True),
        ("renewal", "hotspot", "young adult", "n/a", "ILS", False)]
    assert query(wh, "SELECT sum(checkouts), sum(renewals) FROM rollup_circulation_month") == [(2, 1)]


def test_unmapped_codes_are_listed_not_dropped(wh, tmp_path):
    before = checksum(wh)
    text = CIRCULATION + "ZQ900001\t2015-10-09 10:00:00\tDVD-X\tMain Library\tcheckout\n" \
                         "ZQ900002\t2015-10-09 11:00:00\tDVD-X\tMain Library\tcheckout\n" \
                         "ZQ900002\t2015-10-09 12:00:00\tMAG\tMain Library\tcheckout\n"
    report = load(wh, tmp_path, "circulation", "circ.tsv", text)
    assert not report.ok
    assert report.files[0].unmapped.values.tolist() == [["DVD-X", 2], ["MAG", 1]]
    assert any("2 unmapped item type code(s): DVD-X (2 rows), MAG (1 rows)" in p.problem for p in report.problems)
    assert checksum(wh) == before


def test_circulation_monthly_counts(wh, tmp_path):
    text = "Month,Item Type,Branch,Count\nOct-2015,JNF,Main Library,120\n2015-10,EBOOK-J,,30\nNov 2015,JNF,East Branch,80\n"
    assert load(wh, tmp_path, "circulation_monthly", "monthly.csv", text).committed
    assert query(wh, "SELECT month, sum(checkouts) FROM rollup_circulation_month GROUP BY 1 ORDER BY 1") == [
        (__import__("datetime").date(2015, 10, 1), 150), (__import__("datetime").date(2015, 11, 1), 80)]


def test_loading_the_same_file_twice_changes_nothing(wh, tmp_path):
    assert load(wh, tmp_path, "card_activity", "activity.csv", ACTIVITY).committed
    before = checksum(wh)
    report = load(wh, tmp_path, "card_activity", "activity.csv", ACTIVITY)
    assert report.files[0].status == "already loaded"
    assert "as load 5; nothing changed" in report.files[0].message
    assert checksum(wh) == before


VENDOR = "month,platform,metric,count\n2015-10,TumbleBooks,Total_Item_Requests,{a}\n2015-11,TumbleBooks,Total_Item_Requests,{b}\n"


def test_a_corrected_file_replaces_its_period_and_never_doubles(wh, tmp_path):
    first = load(wh, tmp_path, "eresource_vendor", "tb.csv", VENDOR.format(a=100, b=200))
    other = load(wh, tmp_path, "eresource_vendor", "od.csv", VENDOR.replace("TumbleBooks", "OverDrive").format(a=5, b=6))
    fixed = load(wh, tmp_path, "eresource_vendor", "tb-fixed.csv", VENDOR.format(a=110, b=210))
    assert f"replaces the same period of load(s) {first.files[0].load_id}" in fixed.files[0].message
    assert query(wh, "SELECT platform, sum(count) FROM eresource_usage GROUP BY 1 ORDER BY 1") == [
        ("OverDrive", 11), ("TumbleBooks", 320)]
    statuses = dict(query(wh, "SELECT load_id, status FROM load_log"))
    assert statuses[first.files[0].load_id] == "replaced"
    assert statuses[other.files[0].load_id] == "loaded"


def test_a_shorter_correction_replaces_only_its_months(wh, tmp_path):
    text = "month,item_type,branch,count\n2015-10,JNF,Main Library,10\n2015-11,JNF,Main Library,20\n2015-12,JNF,Main Library,30\n"
    first = load(wh, tmp_path, "circulation_monthly", "q.csv", text)
    load(wh, tmp_path, "circulation_monthly", "nov.csv", "month,item_type,branch,count\n2015-11,JNF,Main Library,25\n")
    assert query(wh, "SELECT sum(checkouts) FROM circulation_monthly") == [(65,)]
    assert dict(query(wh, "SELECT load_id, status FROM load_log"))[first.files[0].load_id] == "loaded"


def test_a_corrected_card_file_replaces_the_years_roster(wh, tmp_path):
    fixed = CARDS.replace("ZQ900002,Alpha Elementary,1", "ZQ900002,Alpha Elementary,2").replace(
        "ZQ900003,Beta High,9,student,physical,09/10/2015\n", "")
    report = load(wh, tmp_path, "cards", "cards-fixed.csv", fixed)
    assert report.committed and "replaces" in report.files[0].message
    assert query(wh, "SELECT grade FROM student_roster ORDER BY grade") == [(0,), (2,)]
    assert query(wh, "SELECT count(*) FROM patron") == [(4,)]  # same people, same patron ids


def test_undo_removes_the_rows_and_refreshes_rollups(wh, tmp_path):
    before = query(wh, "SELECT count(*) FROM card_event")
    report = load(wh, tmp_path, "card_activity", "activity.csv", ACTIVITY)
    load_id = report.files[0].load_id
    assert "3 rows removed" in undo(load_id, path=wh)
    assert query(wh, "SELECT count(*) FROM card_event") == before
    assert query(wh, "SELECT sum(active) FROM rollup_people_year") == [(0,)]
    assert load_log(wh).set_index("load_id").loc[load_id, "status"] == "undone"
    with pytest.raises(ValueError, match="already undone"):
        undo(load_id, path=wh)
    assert load(wh, tmp_path, "card_activity", "activity.csv", ACTIVITY).committed  # an undone file may come back


def test_undo_a_card_load_removes_its_cards(wh, tmp_path):
    card_load = int(load_log(wh).query("source == 'cards'")["load_id"].iloc[0])
    undo(card_load, path=wh)
    assert query(wh, "SELECT count(*) FROM patron") == [(0,)]
    assert query(wh, "SELECT count(*) FROM student_roster") == [(0,)]


def test_allow_partial_loads_valid_rows_and_quarantines_the_rest(wh, tmp_path):
    text = ACTIVITY + "ZQ999999;2015-10-01 10:00:00;login;website\nZQ900001;2015-13-01 10:00;login;app\n"
    report = load(wh, tmp_path, "card_activity", "act.csv", text, allow_partial=True)
    result = report.files[0]
    assert (result.status, result.rows, result.rejected) == ("partial", 3, 2)
    q = quarantined(result.load_id, wh)
    assert q["line"].tolist() == [5, 6]
    assert "no card with this ID" in q["problems"][0] and "ZQ" not in q["row_json"][0]
    assert "patron_id_pseudonym" in q["row_json"][0]


def test_an_event_file_with_errors_loads_nothing_without_allow_partial(wh, tmp_path):
    before = checksum(wh)
    report = load(wh, tmp_path, "card_activity", "act.csv", ACTIVITY + "ZQ999999;2015-10-01 10:00:00;login;web\n")
    assert not report.ok and not report.committed
    assert checksum(wh) == before


def test_one_bad_file_in_a_batch_loads_none(wh, tmp_path):
    before = checksum(wh)
    good = write(tmp_path, "good.csv", ACTIVITY)
    bad = write(tmp_path, "bad.csv", ACTIVITY.replace("login;Website", "teleport;Website"))
    report = load_files([good, bad], community="testville", source="card_activity", path=wh)
    assert [f.status for f in report.files] == ["not loaded", "rejected"]
    assert checksum(wh) == before


def test_communities_load_into_an_empty_warehouse(tmp_path):
    wh = tmp_path / "empty.duckdb"
    text = "slug,name,state,cohort,joined_date\nnew-town,New Town,ma,2,2016-09-01\n"
    assert load(wh, tmp_path, "communities", "c.csv", text, community=None).committed
    assert query(wh, "SELECT community_id, slug, state, cohort FROM community") == [(1, "new-town", "MA", 2)]


def test_survey_long_layout(wh, tmp_path):
    text = ("community,wave,question,answer\ntestville,Round one,Relationship with school leaders,Yes\n"
            "Otherton,Round one,Relationship with school leaders,no\ntestville,Round one,Media coverage,\n")
    assert load(wh, tmp_path, "survey", "s.csv", text, community=None).committed
    assert query(wh, "SELECT community_id, question_id, answer FROM survey_response ORDER BY ALL") == [
        (1, "media_coverage", None), (1, "relationship_with_school_leaders", "yes"),
        (2, "relationship_with_school_leaders", "no")]


QUALTRICS = (
    'StartDate,EndDate,ResponseId,Community,Q1,Q2\n'
    '"Start Date","End Date","Response ID","Community","Relationship with school leaders","Media coverage"\n'
    '"{""ImportId"":""startDate""}","{""ImportId"":""endDate""}","{""ImportId"":""_recordId""}",'
    '"{""ImportId"":""QID9""}","{""ImportId"":""QID1""}","{""ImportId"":""QID2""}"\n'
    '2016-05-01,2016-05-01,R_abc,testville,Yes,No\n'
    '2016-05-02,2016-05-02,R_def,otherton,No,No\n')
MONKEY = ('Respondent ID,Collector ID,Start Date,End Date,IP Address,Email Address,Custom Data 1,'
          'Relationship with school leaders,Media coverage\n'
          ',,,,,,,Response,Response\n'
          '1111,22,05/01/2016,05/01/2016,10.0.0.1,a@b.org,testville,Yes,Yes\n')


def test_survey_exports_with_several_header_rows(wh, tmp_path):
    assert load(wh, tmp_path, "survey_export", "q.csv", QUALTRICS, community=None, wave="Round one").committed
    assert query(wh, "SELECT community_id, question_id, question, answer FROM survey_response ORDER BY ALL") == [
        (1, "Q1", "Relationship with school leaders", "yes"), (1, "Q2", "Media coverage", "no"),
        (2, "Q1", "Relationship with school leaders", "no"), (2, "Q2", "Media coverage", "no")]
    report = load(wh, tmp_path, "survey_export", "m.csv", MONKEY, community=None, wave="Round two")
    assert report.committed, report.problems
    assert query(wh, "SELECT count(*), count(*) FILTER (WHERE answer = 'yes') FROM survey_response "
                     "WHERE wave = 'Round two'") == [(2, 2)]
    # nothing from the metadata columns (e-mail, IP) is stored
    assert b"a@b.org" not in wh.read_bytes()


def full_refresh_equals_published(path: Path, tmp_path: Path) -> None:
    """Every rollup of the published version, row for row, against a full refresh of a copy of it."""
    from warehouse import lake, rollups
    copy = tmp_path / "refresh-copy.duckdb"
    copy.write_bytes(Path(os.path.realpath(path)).read_bytes())
    con = duckdb.connect(str(copy))
    catalog = Path(os.path.realpath(path))
    lake.open_partitions(con, lake.lake_of(catalog), None)
    published = {t: query(path, f"SELECT * FROM {t} ORDER BY ALL") for t in rollups.ROLLUP_TABLES}
    rollups.refresh(con)
    for t in rollups.ROLLUP_TABLES:
        assert con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() == published[t], t
    con.close()


ADDED = ("patron_id;timestamp;event;channel\nZQ900001;2016-02-01 10:00:00;login;website\n"
         "ZQ900004;2016-02-03 08:00:00;eresource_login;OverDrive\nZQ900003;2016-03-05 09:00:00;login;app\n"
         "ZQ900002;2016-03-07 12:00:00;activation;app\n")


def test_a_pure_addition_adds_one_file_per_partition_and_rewrites_no_event_file(wh, tmp_path, monkeypatch):
    """Card activity of a period no earlier load covers: no partition is opened, the batch is one
    new file in each partition it touches (the files already there stay, named as before), and
    every rollup equals a full refresh."""
    from warehouse import lake
    assert load(wh, tmp_path, "card_activity", "activity.csv", ACTIVITY).committed
    assert load(wh, tmp_path, "circulation", "circ.tsv", CIRCULATION).committed
    before = lake_files(wh)
    opened = []
    real_open = lake.open_partitions
    monkeypatch.setattr(lake, "open_partitions", lambda con, folder, ids, since=None: (
        opened.append(ids), real_open(con, folder, ids, since))[1])
    report = load(wh, tmp_path, "card_activity", "added.csv", ADDED)
    assert report.committed and "replaces" not in report.files[0].message
    assert [ids for ids in opened if ids is None or list(ids)] == []   # nothing read whole
    after = lake_files(wh)
    for key in [k for k in before if k[0] in ("card_event", "circulation", "patron", "student_roster")]:
        assert before[key] <= after[key], key                          # no event file rewritten
    new = {k: after[k] - before.get(k, set()) for k in after if after[k] - before.get(k, set())}
    assert set(new[("card_event", "2015-16", 1)]) and len(new[("card_event", "2015-16", 1)]) == 1
    assert not any(k[0] in ("circulation", "patron", "student_roster") for k in new)
    # the partition's row count covers its files
    assert query(wh, "SELECT DISTINCT rows FROM lake_file WHERE table_name = 'card_event' "
                     "AND school_year = '2015-16' AND community_id = 1") == [
        query(wh, "SELECT count(*) FROM card_event WHERE community_id = 1")[0]]
    assert query(wh, "SELECT count(*) FROM card_event WHERE load_id = ?", [report.files[0].load_id]) == [(4,)]
    full_refresh_equals_published(wh, tmp_path)


def test_a_pure_addition_in_a_new_school_year_and_circulation(wh, tmp_path):
    """Circulation and a school year with no partition yet also add; the rollups equal a full refresh."""
    assert load(wh, tmp_path, "card_activity", "activity.csv", ACTIVITY).committed
    later = ("patron_id;timestamp;event;channel\nZQ900001;2016-08-01 10:00:00;login;website\n"
             "ZQ900003;2016-09-05 09:00:00;eresource_login;OverDrive\n")
    assert load(wh, tmp_path, "card_activity", "later.csv", later).committed
    circ = CIRCULATION.replace("2015-10-0", "2016-02-0").replace("2015-11-01", "2016-02-11")
    assert load(wh, tmp_path, "circulation", "circ.tsv", circ).committed
    assert ("card_event", "2016-17", 1) in lake_files(wh)
    full_refresh_equals_published(wh, tmp_path)


def test_an_overlapping_file_still_replaces_the_rows_already_there(wh, tmp_path):
    """A file whose period an earlier load covers is not a pure addition: the rows of the earlier
    load in that period and channel are dropped (never counted twice), and the rollups equal a
    full refresh."""
    first = load(wh, tmp_path, "card_activity", "activity.csv", ACTIVITY)
    again = ACTIVITY.replace("2015-10-01 10:00:00", "2015-10-01 10:00:05")   # the same events, a file later
    report = load(wh, tmp_path, "card_activity", "again.csv", again)
    assert report.committed and f"replaces the same period of load(s) {first.files[0].load_id}" in \
        report.files[0].message
    assert query(wh, "SELECT count(*) FROM card_event WHERE event_type <> 'issued'") == [(3,)]
    assert dict(query(wh, "SELECT load_id, status FROM load_log"))[first.files[0].load_id] == "replaced"
    full_refresh_equals_published(wh, tmp_path)
