"""Survey responses: the plain long layout, and Qualtrics / SurveyMonkey exports (several header
rows, one row per respondent) turned into the long layout before the same checks."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd

from ingest import checks
from ingest.checks import add_errors
from ingest.layouts import LAYOUTS, norm
from ingest.problems import Problem, ValidationError
from ingest.reading import DELIMITERS, detect_encoding
from ingest.staging import KEY_SQL, Context, Staged, export, finish, read_checked

QUALTRICS_META = {norm(c) for c in (
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
    "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
    "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage")}
MONKEY_META = {norm(c) for c in (
    "Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
    "Last Name", "Custom Data 1", "Custom Data 2")}
COMMUNITY_COLUMNS = {"community", "community_slug", "community_name", "custom_data_1"}
ANSWERS = {"yes": "yes", "y": "yes", "true": "yes", "1": "yes", "no": "no", "n": "no", "false": "no", "0": "no"}


def read_survey(path: Path, ctx: Context) -> Staged:
    layout = LAYOUTS["survey"]
    problems = read_checked(ctx, path, layout)
    return _resolve(ctx, Staged("survey", ctx.label, ""), problems)


def read_survey_export(path: Path, ctx: Context) -> Staged:
    wave = ctx.options.get("wave")
    if not wave:
        raise ValidationError([Problem(ctx.label, "a survey export does not say which wave it is",
                                       "the wave given with --wave (e.g. 'Cohort 1 round one (2016)')")])
    rows = _rows(path, ctx.label)
    frame = _long(rows, ctx, wave)
    con = ctx.con
    con.register("survey_frame", frame)
    con.execute("CREATE OR REPLACE TABLE src AS SELECT * FROM survey_frame")
    con.unregister("survey_frame")
    con.execute("CREATE OR REPLACE TABLE rejected (line BIGINT, column_name VARCHAR, error_type VARCHAR, "
                "csv_line VARCHAR, error_message VARCHAR)")
    checks.type_rows(con, LAYOUTS["survey"])
    return _resolve(ctx, Staged("survey_export", ctx.label, ""), [])


def _rows(path: Path, label: str) -> list[list[str]]:
    data = path.read_bytes()
    if not data.strip():
        raise ValidationError([Problem(label, "the file is empty", "a Qualtrics or SurveyMonkey CSV export")])
    text = data.decode("utf-8-sig") if detect_encoding(path) == "utf-8" else data.decode("cp1252", "replace")
    first = text.splitlines()[0]
    delimiter = max(DELIMITERS, key=lambda d: len(next(csv.reader([first], delimiter=d))))
    return [[c.strip() for c in r] for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _long(rows: list[list[str]], ctx: Context, wave: str) -> pd.DataFrame:
    label = ctx.label
    if len(rows) >= 3 and any(c.startswith('{"ImportId"') for c in rows[2]):
        ids, texts, data, start, meta = rows[0], rows[1], rows[3:], 4, QUALTRICS_META
        questions = [(i, ids[i], texts[i] or ids[i]) for i in range(len(ids))]
    elif len(rows) >= 2 and norm(rows[0][0]) == "respondent_id":
        data, start, meta = rows[2:], 3, MONKEY_META
        questions, current = [], ""
        for i, text in enumerate(rows[0]):
            current = text or current
            option = rows[1][i] if i < len(rows[1]) else ""
            full = current if option in ("", "Response", "Open-Ended Response") else f"{current} - {option}"
            questions.append((i, norm(full)[:60], full))
    else:
        raise ValidationError([Problem(label, "not a recognised survey export", "a Qualtrics CSV (3 header rows, "
                                       "the third with ImportId) or a SurveyMonkey CSV (Respondent ID, 2 header "
                                       "rows); or use kind survey for the long layout", line=1,
                                       value=" | ".join(rows[0][:6]))])
    community_col = next((i for i, qid, text in questions
                          if norm(qid) in COMMUNITY_COLUMNS or norm(text) in COMMUNITY_COLUMNS), None)
    asked = [(i, qid, text) for i, qid, text in questions
             if i != community_col and norm(qid) not in meta and norm(text) not in meta]
    out = []
    for n, row in enumerate(data):
        if not any(row):
            continue
        community = (row[community_col] if community_col is not None and community_col < len(row) else "") \
            or ctx.community
        for i, qid, text in asked:
            answer = row[i] if i < len(row) else ""
            out.append((start + n, community or None, wave, text, answer or None, qid))
    if not out:
        raise ValidationError([Problem(label, "the export has no responses", "at least one response row")])
    return pd.DataFrame(out, columns=["line", "community", "wave", "question", "answer", "question_id"])


def _resolve(ctx: Context, staged: Staged, problems: list[Problem]) -> Staged:
    con = ctx.con
    layout = LAYOUTS["survey"]
    con.execute(f"""
        CREATE OR REPLACE TABLE typed AS
        SELECT t.*, c.community_id AS community_ref FROM typed t LEFT JOIN wh.community c
          ON c.slug = lower(trim(t.community)) OR {KEY_SQL.format(v='c.name')} = {KEY_SQL.format(v='t.community')}""")
    add_errors(con, "SELECT line, 'community', community, 'unknown community', "
                    "'the slug or name of a community in the warehouse' "
                    "FROM typed WHERE community IS NOT NULL AND community_ref IS NULL")
    staged.problems = finish(ctx, staged, layout, problems)
    known = con.execute("SELECT DISTINCT question, question_id FROM wh.survey_response").fetchall()
    con.execute("CREATE OR REPLACE TEMP TABLE known_q (question VARCHAR, question_id VARCHAR)")
    if known:
        con.executemany("INSERT INTO known_q VALUES (?, ?)", [list(k) for k in known])
    con.execute("CREATE OR REPLACE TEMP TABLE answer_map (k VARCHAR, v VARCHAR)")
    con.executemany("INSERT INTO answer_map VALUES (?, ?)", [[k, v] for k, v in ANSWERS.items()])
    export(ctx, staged, "survey_response", f"""
        SELECT t.community_ref AS community_id, t.wave,
               coalesce(t.question_id, (SELECT any_value(k.question_id) FROM known_q k
                                        WHERE lower(k.question) = lower(t.question)),
                        left({checks.NORM_SQL.format(v='t.question')}, 60)) AS question_id,
               t.question, coalesce((SELECT a.v FROM answer_map a WHERE a.k = lower(trim(t.answer))), t.answer) AS answer
        FROM typed t ORDER BY t.line""")
    staged.community_ids = {r[0] for r in con.execute("SELECT DISTINCT community_ref FROM typed").fetchall()}
    staged.detail = json.dumps(sorted(r[0] for r in con.execute("SELECT DISTINCT wave FROM typed").fetchall()))
    return staged
