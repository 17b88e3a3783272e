"""Every file layout the ingest accepts: its columns, their types, synonyms and an example row.

One declaration feeds the readers (header matching, typing, checks), the templates offered for
download and the documentation in LAYOUTS.md, so the three cannot drift apart.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field


def norm(text: str) -> str:
    """A header or value with case, spacing and punctuation drift removed: ' Student ID ' -> 'student_id'."""
    return re.sub(r"[^a-z0-9]+", "_", str(text).strip().lower()).strip("_")


@dataclass(frozen=True)
class Column:
    name: str
    type: str                 # text, id, int, count, grade, date, timestamp, month, school_year, bool, choice
    example: str
    required: bool = True
    aliases: tuple[str, ...] = ()
    choices: dict[str, str] | None = None   # accepted spelling -> stored value (choice columns)
    doc: str = ""

    def names(self) -> set[str]:
        return {norm(self.name), *(norm(a) for a in self.aliases)}


@dataclass(frozen=True)
class Layout:
    kind: str
    title: str
    doc: str
    columns: tuple[Column, ...] = ()
    key: tuple[str, ...] = ()             # duplicate rows share these (empty: every column)
    events: bool = False                  # --allow-partial may load the valid rows
    per_community: bool = True            # needs --community
    extra: list[str] = field(default_factory=list)  # further notes for LAYOUTS.md
    forbidden: tuple[str, ...] = ()       # header names that make the whole file unacceptable
    forbidden_why: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _choices(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {norm(spelling): value for value, spellings in groups.items() for spelling in (value, *spellings)}


PATRON_TYPES = _choices({"student": ("students", "stu", "pupil"), "teacher": ("teachers", "faculty", "educator"),
                         "staff": ("employee", "school staff", "district staff")})
CARD_TYPES = _choices({"virtual": ("digital", "ecard", "e-card", "online"), "physical": ("plastic", "print", "card")})
EVENTS = _choices({"activation": ("activate", "activated", "first login", "first use"),
                   "login": ("log in", "logon", "sign in", "website login", "catalog login", "web login", "opac login"),
                   "eresource_login": ("e-resource login", "eresource", "e-resource", "database login",
                                       "econtent login"),
                   "issued": ("issue", "card issued", "registered", "registration")})
ACTIONS = _choices({"checkout": ("check out", "checkouts", "charge", "charged", "loan", "issue", "borrow"),
                    "renewal": ("renew", "renewed", "renewals")})
FORMATS = _choices({"print": ("book", "books", "physical", "print book"), "e-book": ("ebook", "e book"),
                    "e-audiobook": ("eaudiobook", "e audio", "eaudio", "downloadable audiobook"),
                    "hotspot": ("hot spot", "wifi hotspot", "mifi"), "other": ("dvd", "cd", "media", "misc")})
AUDIENCES = _choices({"juvenile": ("j", "children", "childrens", "kids", "youth", "juv"),
                      "young adult": ("ya", "y", "teen", "teens"), "adult": ("a", "adults")})
FICTION = _choices({"fiction": ("f", "fic"), "non-fiction": ("nonfiction", "nf", "non fiction"),
                    "n/a": ("na", "none", "not applicable", "-")})
SCHOOL_TYPES = _choices({"district": ("public", "traditional", "district school"), "charter": ("charter school",)})

SCHOOL = Column("school", "text", "Albemarle Road Elementary", aliases=("school_name", "school name", "campus"),
                doc="School name as in the schools directory (or its school_id).")
GRADE = Column("grade", "grade", "5", aliases=("grade_level", "gr"), doc="K (or 0) to 12.")
SCHOOL_YEAR = Column("school_year", "school_year", "2015-16", aliases=("year", "sy", "academic_year"),
                     doc="July-June school year: 2015-16 or 2015-2016.")
RAW_ID = ("student_id", "studentid", "student_number", "patron_id", "patron", "barcode", "card_number",
          "account", "user_id")

LAYOUTS: dict[str, Layout] = {}


def _add(layout: Layout) -> None:
    LAYOUTS[layout.kind] = layout


_add(Layout(
    "communities", "Communities", "Participating communities (program staff load this once).",
    (Column("slug", "text", "charlotte-mecklenburg", doc="Short lower-case name used in URLs and --community."),
     Column("name", "text", "Charlotte Mecklenburg", aliases=("community", "community_name")),
     Column("state", "text", "NC"),
     Column("cohort", "int", "1"),
     Column("joined_date", "date", "2015-09-01", aliases=("joined",)),
     Column("launch_date", "date", "2015-09-08", required=False, aliases=("launch",),
            doc="Card drive launch; months-since-launch count from here."),
     Column("agreement_type", "text", "letter of commitment", required=False, aliases=("agreement",))),
    key=("slug",), per_community=False))

_add(Layout(
    "schools", "Schools directory", "The community's schools. A school already known (same name) is updated.",
    (Column("school", "text", "Albemarle Road Elementary", aliases=("school_name", "name", "campus")),
     Column("school_type", "choice", "district", required=False, choices=SCHOOL_TYPES, aliases=("type",),
            doc="district or charter (default district)."),
     Column("grade_low", "grade", "K", aliases=("low_grade", "lowest_grade")),
     Column("grade_high", "grade", "5", aliases=("high_grade", "highest_grade")),
     Column("title_i", "bool", "yes", required=False, aliases=("title_1", "title1"), doc="yes / no."),
     Column("agreement_type", "text", "", required=False, doc="A charter's own MOU, if any."),
     Column("agreement_start", "date", "", required=False),
     Column("agreement_end", "date", "", required=False)),
    key=("school",)))

_add(Layout(
    "branches", "Branches directory", "The library's branches. A branch already known (same name) is kept.",
    (Column("branch", "text", "Main Library", aliases=("branch_name", "name", "location")),),
    key=("branch",)))

_add(Layout(
    "enrollment", "Enrollment", "Students enrolled per school, grade and school year, from the district. "
    "Aggregate counts only: a file with a student-ID column is refused.",
    (SCHOOL, GRADE, SCHOOL_YEAR,
     Column("students", "count", "142", aliases=("enrolled", "enrollment", "count", "students_enrolled"))),
    key=("school", "grade", "school_year"),
    forbidden=RAW_ID + ("id", "ssn", "first_name", "last_name", "student_name", "date_of_birth", "dob",
                        "birth_date", "birthdate"),
    forbidden_why="enrollment is the denominator and must be aggregate counts per school, grade and year; "
                  "a column of student IDs or names is student-level data the warehouse never stores. "
                  "Send the card file (kind 'cards') for student cards, and counts here",
    extra=["Loading a school year again replaces that year's counts for the schools in the file."]))

_add(Layout(
    "cards", "Card file", "One row per card the library issued, from the district's student file. "
    "Student IDs are replaced by keyed hashes before anything is written.",
    (Column("student_id", "id", "20150001", aliases=RAW_ID + ("id", "employee_id"),
            doc="The student's (or teacher's) ID; never stored."),
     Column("school", "text", "Albemarle Road Elementary", required=False, aliases=("school_name", "campus"),
            doc="Required for students."),
     Column("grade", "grade", "5", required=False, aliases=("grade_level",), doc="Required for students."),
     Column("patron_type", "choice", "student", choices=PATRON_TYPES, aliases=("type", "role")),
     Column("card_type", "choice", "virtual", choices=CARD_TYPES, aliases=("card",)),
     Column("issued_date", "date", "2015-09-08", aliases=("issued", "issue_date", "created", "date_issued")),
     Column("school_year", "school_year", "2015-16", required=False, aliases=("year", "sy"),
            doc="The year the roster is for; default: the year of the latest issued date.")),
    key=("student_id",),
    extra=["Writes the student roster (school and grade) for the file's school year; loading a "
           "corrected file for the same school year replaces that roster."]))

_add(Layout(
    "card_activity", "Card activity", "Logins and activations, one row per event.",
    (Column("patron_id", "id", "20150001", aliases=RAW_ID),
     Column("timestamp", "timestamp", "2015-10-01 14:05:00", aliases=("time", "date", "event_time", "datetime")),
     Column("event", "choice", "login", choices=EVENTS, aliases=("event_type", "activity", "action")),
     Column("channel", "text", "website", aliases=("source", "via", "platform"),
            doc="website, catalog, app, branch, or the e-resource platform (OverDrive, ...).")),
    events=True))

_add(Layout(
    "circulation", "Circulation transactions", "Checkouts and renewals, one row per transaction.",
    (Column("patron_id", "id", "20150001", aliases=RAW_ID),
     Column("timestamp", "timestamp", "2015-10-01 14:05:00", aliases=("time", "date", "transaction_date", "datetime")),
     Column("item_type", "text", "JNF", aliases=("collection_code", "collection", "item_type_code", "material_type",
                                                 "itype", "ccode", "code"),
            doc="The ILS's own code; mapped to format/audience/fiction by the community's code mapping."),
     Column("branch", "text", "Main Library", required=False, aliases=("branch_name", "location", "library")),
     Column("action", "choice", "checkout", choices=ACTIONS, aliases=("transaction", "transaction_type", "type"))),
    events=True))

_add(Layout(
    "circulation_monthly", "Circulation monthly counts", "For ILS that export only monthly totals.",
    (Column("month", "month", "2015-10", aliases=("period", "date")),
     Column("item_type", "text", "JNF", aliases=("collection_code", "collection", "item_type_code",
                                                 "material_type", "itype", "ccode", "code")),
     Column("branch", "text", "Main Library", required=False, aliases=("branch_name", "location", "library")),
     Column("count", "count", "1250", aliases=("checkouts", "circulation", "circs", "total")),
     Column("action", "choice", "checkout", required=False, choices=ACTIONS,
            doc="checkout (default) or renewal.")),
    key=("month", "item_type", "branch", "action"), events=True))

_add(Layout(
    "code_map", "Item-type code mapping", "How the community's ILS codes map to the warehouse's categories.",
    (Column("code", "text", "JNF", aliases=("item_type", "collection_code", "collection")),
     Column("format", "choice", "print", choices=FORMATS),
     Column("audience", "choice", "juvenile", choices=AUDIENCES),
     Column("fiction", "choice", "non-fiction", choices=FICTION),
     Column("platform", "text", "ILS", required=False, doc="ILS (default), OverDrive, hoopla, ...")),
    key=("code",)))

_add(Layout(
    "eresource_vendor", "E-resource usage (vendor CSV)", "Monthly counts for vendors without COUNTER reports.",
    (Column("month", "month", "2015-10", aliases=("period", "date")),
     Column("platform", "text", "TumbleBooks", aliases=("vendor", "product", "database")),
     Column("metric", "text", "Total_Item_Requests", aliases=("metric_type", "measure"),
            doc="A COUNTER metric name where it fits (Total_Item_Requests, Searches_Regular, ...)."),
     Column("count", "count", "4200", aliases=("value", "uses", "total"))),
    key=("month", "platform", "metric")))

_add(Layout(
    "counter", "E-resource usage (COUNTER R5)", "COUNTER Release 5.0 or 5.1 reports (PR, DR, TR, IR and their "
    "standard views) as TSV, CSV, XLSX or SUSHI JSON, exactly as the vendor delivers them.",
    extra=["Summed to platform x month x metric; the report type (PR, DR_D1, TR_B1, ...) and the release "
           "are kept, because DR and TR overlap and 5.1 counts books differently from 5.0.",
           "Loaded, with a warning saying what was assumed: empty month cells, as 0, when the row's "
           "Reporting_Period_Total equals its months with empty as 0 (refused otherwise, or when there is no "
           "total); a vendor's summary rows (\"Total\", \"All Platforms\", \"Total searches\" with no "
           "Metric_Type, or an \"All ...\" row) when their months equal the sum of the rows above them, over all "
           "rows or one metric or metric family (refused otherwise: a data row without its Metric_Type would be "
           "lost); the draft-era `Reporting_Period` form `2017-01-01 to 2017-06-30` and `Reporting_ Period_Total`; "
           "vendor-namespaced metrics (`vendor:Metric_Name`), skipped; a headerless export or an empty "
           "Report_Header, read as the master report its columns show (Database: DR, Title: TR, Item: IR, "
           "none: PR) when the release is plain (5.0: a Section_Type column or Performance/Instance JSON; 5.1: "
           "Attribute_Performance JSON or Data_Type values only 5.1 has), refused otherwise; a JSON file holding "
           "the SUSHI response as a JSON string; a Windows-1250 or Windows-1252 file (the rule is in "
           "`ingest/reading.py`: bytes undefined in one code page decide, else the code page in which more words "
           "read as letters of one of its languages; a tie is Windows-1252).",
           "No usage: a report with a header and no usage rows (empty Report_Items, or only the SUSHI exception "
           "3030 No Usage Available) is recorded as 0 for its platform, every month of its Reporting_Period and "
           "its Metric_Types (or its standard view's metrics), so the E-resources page says \"no use\" rather "
           "than \"no data\". It needs its platform (header, rows or `--platform`) and its period; a bare 3030 "
           "with no Report_Header is refused, since neither is known.",
           "Refused, naming file, line or JSON path, what was found and what was expected: a SUSHI exception "
           "other than 3030 with no usage (at the root, in a list, or beside/in the Report_Header), with its "
           "code, severity and message and what to do (harvest again later, check the customer ID, requestor "
           "ID and API key, ...); a row its report type cannot hold (a TR_J1 with Book rows or "
           "Total_Item_Investigations: load the master report instead); a COUNTER Release 4 report (JR1, BR2, "
           "DB1, SUSHI R4 XML), with the R5 report to ask the vendor for; JSON with a trailing comma (its line "
           "and column), cut short, or nested more than 64 levels.",
           "Overlapping reports. The same platform and report type loaded again for an overlapping period "
           "replaces the earlier load's months. Different report types for the same platform and month (PR and "
           "DR, TR and TR_J1, a vendor CSV and a PR) are all kept as loaded, each with its report type, and never "
           "added together: the dashboard counts, per community, platform and metric, one report type, the "
           "first of PR, vendor CSV, PR_P1, DR, DR_D1/DR_D2, TR, TR_J*/TR_B*, IR (a load that overlaps another "
           "report type says so in a warning). Standard views of the same rank are added (TR_J1 journals and "
           "TR_B1 books count different items), so do not load two overlapping views of one family for a "
           "platform (TR_J1 and TR_J3). A vendor's \"All\" and total rows are never stored."]))

_add(Layout(
    "survey", "Survey responses (long layout)", "One row per community, wave and question.",
    (Column("community", "text", "charlotte-mecklenburg", aliases=("community_slug", "slug", "community_name")),
     Column("wave", "text", "Cohort 1 round one (2016)", aliases=("survey", "round")),
     Column("question", "text", "New or expanded relationship with school leaders", aliases=("question_text", "item")),
     Column("answer", "text", "yes", required=False, aliases=("response", "value")),
     Column("question_id", "text", "school_leaders", required=False, aliases=("qid",))),
    key=("community", "wave", "question"), per_community=False,
    extra=["Loading a wave again replaces that wave's answers for the communities in the file."]))

_add(Layout(
    "survey_export", "Survey responses (Qualtrics / SurveyMonkey export)",
    "The CSV a survey tool exports, with its several header rows. Give --wave; the community comes "
    "from a column named Community (or SurveyMonkey's Custom Data 1), else from --community.",
    per_community=False,
    extra=["Qualtrics: row 1 column ids (Q1, ...), row 2 question text, row 3 ImportId JSON; metadata columns "
           "(StartDate, ResponseId, ...) are ignored.",
           "SurveyMonkey: row 1 question text, row 2 'Response' / option labels; Respondent ID, Collector ID, "
           "dates, IP and e-mail columns are ignored and never stored."]))

EVENT_KINDS = tuple(k for k, v in LAYOUTS.items() if v.events)
