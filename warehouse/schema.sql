-- The warehouse schema, in one place. Raw event tables are the source of truth;
-- rollup_* tables are derived from them (warehouse/rollups.py) in the same
-- transaction that writes events, and are what the pages read.

CREATE TABLE IF NOT EXISTS warehouse_meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- Per community, the version (warehouse_meta 'version' of the publish) that last changed its
-- own rows; caches of a community's own figures key on it (warehouse/store.py).
CREATE TABLE IF NOT EXISTS community_version (
    community_id INTEGER PRIMARY KEY,
    version      VARCHAR NOT NULL
);

-- School years run July-June; label '2015-16' starts 2015-07-01.
CREATE TABLE IF NOT EXISTS school_year (
    label       VARCHAR PRIMARY KEY,
    start_date  DATE NOT NULL,
    end_date    DATE NOT NULL,
    prior_label VARCHAR
);

CREATE TABLE IF NOT EXISTS community (
    community_id     INTEGER PRIMARY KEY,
    slug             VARCHAR NOT NULL UNIQUE,
    name             VARCHAR NOT NULL,
    state            VARCHAR NOT NULL,
    cohort           INTEGER NOT NULL,
    joined_date      DATE NOT NULL,
    launch_date      DATE,              -- card drive launch: "months since launch" counts from here
    agreement_type   VARCHAR NOT NULL,  -- e.g. 'letter of commitment', 'MOU', 'data-sharing agreement'
    agreement_start  DATE,
    agreement_end    DATE,
    is_demo          BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE IF NOT EXISTS school (
    school_id        INTEGER PRIMARY KEY,
    community_id     INTEGER NOT NULL REFERENCES community (community_id),
    name             VARCHAR NOT NULL,
    school_type      VARCHAR NOT NULL CHECK (school_type IN ('district', 'charter')),
    grade_low        INTEGER NOT NULL CHECK (grade_low BETWEEN 0 AND 12),   -- 0 = kindergarten
    grade_high       INTEGER NOT NULL CHECK (grade_high BETWEEN 0 AND 12),
    title_i          BOOLEAN,
    agreement_type   VARCHAR,           -- a charter's own MOU, NULL when covered by the district's
    agreement_start  DATE,
    agreement_end    DATE
);

CREATE TABLE IF NOT EXISTS branch (
    branch_id     INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES community (community_id),
    name          VARCHAR NOT NULL
);

-- The denominator, supplied by the district as aggregate counts. Never student-level.
CREATE TABLE IF NOT EXISTS enrollment (
    community_id  INTEGER NOT NULL REFERENCES community (community_id),
    school_id     INTEGER NOT NULL REFERENCES school (school_id),
    grade         INTEGER NOT NULL CHECK (grade BETWEEN 0 AND 12),
    school_year   VARCHAR NOT NULL REFERENCES school_year (label),
    students      INTEGER NOT NULL CHECK (students >= 0),
    PRIMARY KEY (school_id, grade, school_year)
);

-- One row per card. patron_key is HMAC-SHA256(deployment secret, raw ID): the raw ID is never stored.
-- Multi-million-row tables carry no PRIMARY KEY/UNIQUE index (DuckDB's ART indexes cost more
-- than the table); ingest keeps patron_id and patron_key unique with anti-joins.
CREATE TABLE IF NOT EXISTS patron (
    patron_id     BIGINT NOT NULL,
    patron_key    VARCHAR NOT NULL,
    community_id  INTEGER NOT NULL REFERENCES community (community_id),
    patron_type   VARCHAR NOT NULL CHECK (patron_type IN ('student', 'teacher', 'staff')),
    card_type     VARCHAR NOT NULL CHECK (card_type IN ('virtual', 'physical')),
    issued_date   DATE NOT NULL
);

-- The district's yearly card file: which school and grade each student card belongs to that year.
CREATE TABLE IF NOT EXISTS student_roster (
    patron_id    BIGINT NOT NULL,
    school_year  VARCHAR NOT NULL,
    school_id    INTEGER NOT NULL,
    grade        INTEGER NOT NULL CHECK (grade BETWEEN 0 AND 12)
);

CREATE TABLE IF NOT EXISTS card_event (
    patron_id     BIGINT NOT NULL,
    community_id  INTEGER NOT NULL,
    event_time    TIMESTAMP NOT NULL,
    event_type    VARCHAR NOT NULL CHECK (event_type IN ('issued', 'activation', 'login', 'eresource_login')),
    channel       VARCHAR NOT NULL,     -- 'website', 'catalog', 'app', 'branch', or the e-resource platform
    load_id       INTEGER
);

CREATE TABLE IF NOT EXISTS circulation (
    patron_id     BIGINT,               -- NULL never happens for transactions; monthly counts live below
    community_id  INTEGER NOT NULL,
    branch_id     INTEGER,
    event_time    TIMESTAMP NOT NULL,
    action        VARCHAR NOT NULL CHECK (action IN ('checkout', 'renewal')),
    format        VARCHAR NOT NULL CHECK (format IN ('print', 'e-book', 'e-audiobook', 'hotspot', 'other')),
    audience      VARCHAR NOT NULL CHECK (audience IN ('juvenile', 'young adult', 'adult')),
    fiction       VARCHAR NOT NULL CHECK (fiction IN ('fiction', 'non-fiction', 'n/a')),
    platform      VARCHAR NOT NULL,     -- 'ILS', 'OverDrive', 'hoopla', ...
    load_id       INTEGER
);

-- For ILS that export only monthly counts.
CREATE TABLE IF NOT EXISTS circulation_monthly (
    community_id  INTEGER NOT NULL,
    branch_id     INTEGER,
    month         DATE NOT NULL,
    format        VARCHAR NOT NULL,
    audience      VARCHAR NOT NULL,
    fiction       VARCHAR NOT NULL,
    platform      VARCHAR NOT NULL,
    checkouts     BIGINT NOT NULL CHECK (checkouts >= 0),
    renewals      BIGINT NOT NULL DEFAULT 0 CHECK (renewals >= 0),
    load_id       INTEGER
);

-- Monthly e-resource usage, COUNTER Release 5 metric names where the vendor supplies them.
-- Never add across report types (DR and TR overlap): metrics pick one report per platform.
CREATE TABLE IF NOT EXISTS eresource_usage (
    community_id     INTEGER NOT NULL,
    platform         VARCHAR NOT NULL,
    month            DATE NOT NULL,
    metric_type      VARCHAR NOT NULL,  -- Total_Item_Requests, Unique_Item_Requests, Searches_Regular, ...
    count            BIGINT NOT NULL CHECK (count >= 0),
    report_type      VARCHAR NOT NULL,  -- 'PR', 'DR', 'TR', ... or 'vendor' for non-COUNTER files
    counter_release  VARCHAR,           -- '5.0', '5.1', NULL for non-COUNTER
    load_id          INTEGER
);

CREATE TABLE IF NOT EXISTS survey_response (
    community_id  INTEGER NOT NULL,
    wave          VARCHAR NOT NULL,     -- e.g. 'Cohort 1 round one (2016)'
    question_id   VARCHAR NOT NULL,
    question      VARCHAR NOT NULL,
    answer        VARCHAR,              -- 'yes' / 'no' / NULL when left blank
    load_id       INTEGER,
    PRIMARY KEY (community_id, wave, question_id)
);

CREATE TABLE IF NOT EXISTS campaign (
    campaign_id   INTEGER PRIMARY KEY,
    community_id  INTEGER,              -- NULL: program-wide
    start_date    DATE NOT NULL,
    end_date      DATE,
    title         VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL DEFAULT 'campaign' CHECK (kind IN ('campaign', 'annotation'))
);

CREATE TABLE IF NOT EXISTS target (
    community_id  INTEGER NOT NULL,
    school_year   VARCHAR NOT NULL,
    metric        VARCHAR NOT NULL,     -- 'activation_rate', 'active_user_rate', ...
    value         DOUBLE NOT NULL,
    PRIMARY KEY (community_id, school_year, metric)
);

CREATE TABLE IF NOT EXISTS load_log (
    load_id        INTEGER PRIMARY KEY,
    loaded_at      TIMESTAMP NOT NULL,
    loaded_by      VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,    -- 'demo', 'enrollment', 'cards', 'circulation', 'counter', ...
    file_name      VARCHAR,
    sha256         VARCHAR,
    community_id   INTEGER,
    rows_loaded    BIGINT NOT NULL,
    rows_rejected  BIGINT NOT NULL DEFAULT 0,
    status         VARCHAR NOT NULL DEFAULT 'loaded' CHECK (status IN ('loaded', 'undone', 'replaced'))
);

-- ---------------------------------------------------------------- rollups
-- Earliest use of any kind per card: first checkout, login or e-resource login.
CREATE TABLE IF NOT EXISTS rollup_first_activity (
    patron_id       BIGINT NOT NULL,
    community_id    INTEGER NOT NULL,
    first_activity  DATE NOT NULL
);

-- One row per card and school year in which the card had at least one use (checkout, login or
-- e-resource login): sy is the year the school year starts in (2015 for 2015-16). Kept so that
-- an append of new events updates the people counts from the batch alone (warehouse/rollups_append.py).
CREATE TABLE IF NOT EXISTS rollup_card_year (
    patron_id     BIGINT NOT NULL,
    community_id  INTEGER NOT NULL,
    sy            INTEGER NOT NULL,
    eresource     BOOLEAN NOT NULL,   -- at least one e-resource login that year
    hotspot       BOOLEAN NOT NULL    -- at least one hotspot loan that year
);

-- Distinct people, counted once per (school, grade, year). Additive across schools and grades
-- within a year because a student is on one school's roster per year.
CREATE TABLE IF NOT EXISTS rollup_people_year (
    community_id        INTEGER NOT NULL,
    school_year         VARCHAR NOT NULL,
    patron_type         VARCHAR NOT NULL,
    school_id           INTEGER,         -- NULL for teachers and staff
    grade               INTEGER,
    cards               BIGINT NOT NULL, -- cards held (students: on the year's roster; others: issued by year end)
    new_cards           BIGINT NOT NULL, -- cards issued during the year
    activated_at_start  BIGINT NOT NULL, -- cards first used before the year began
    activated           BIGINT NOT NULL, -- cards first used by the end of the year
    active              BIGINT NOT NULL, -- at least one checkout, login or e-resource login in the year
    eresource_users     BIGINT NOT NULL,
    hotspot_borrowers   BIGINT NOT NULL
);

-- New activations of roster students per week of the school year (cumulative curves).
CREATE TABLE IF NOT EXISTS rollup_activation_week (
    community_id  INTEGER NOT NULL,
    school_year   VARCHAR NOT NULL,
    school_id     INTEGER NOT NULL,
    grade         INTEGER NOT NULL,
    week_start    DATE NOT NULL,
    activations   BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS rollup_circulation_month (
    community_id  INTEGER NOT NULL,
    school_year   VARCHAR NOT NULL,
    month         DATE NOT NULL,
    format        VARCHAR NOT NULL,
    audience      VARCHAR NOT NULL,
    fiction       VARCHAR NOT NULL,
    platform      VARCHAR NOT NULL,
    checkouts     BIGINT NOT NULL,
    renewals      BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS rollup_logins_month (
    community_id     INTEGER NOT NULL,
    school_year      VARCHAR NOT NULL,
    month            DATE NOT NULL,
    event_type       VARCHAR NOT NULL,
    channel          VARCHAR NOT NULL,
    events           BIGINT NOT NULL
);

-- Students per (school, grade, year): the enrolled denominator beside the card counts.
CREATE TABLE IF NOT EXISTS rollup_student_cells (
    community_id        INTEGER NOT NULL,
    school_id           INTEGER NOT NULL,
    grade               INTEGER NOT NULL,
    school_year         VARCHAR NOT NULL,
    enrolled            BIGINT NOT NULL,
    cards               BIGINT NOT NULL,
    new_cards           BIGINT NOT NULL,
    activated_at_start  BIGINT NOT NULL,
    activated           BIGINT NOT NULL,
    active              BIGINT NOT NULL,
    eresource_users     BIGINT NOT NULL,
    hotspot_borrowers   BIGINT NOT NULL
);

-- Per school and calendar month: roster students activated (first use) that month, and
-- distinct roster students with a use (checkout, login or e-resource login) that month. The
-- monthly panel of the impact estimates (metrics/impact.py); enrolled comes from the cells.
CREATE TABLE IF NOT EXISTS rollup_student_month (
    community_id     INTEGER NOT NULL,
    school_year      VARCHAR NOT NULL,
    school_id        INTEGER NOT NULL,
    month            DATE NOT NULL,
    new_activations  BIGINT NOT NULL,
    active_users     BIGINT NOT NULL
);

-- E-resource usage from one report per community, platform and metric: the Platform Report
-- where there is one, else vendor, standard PR views, DR, TR, IR. DR, TR and PR overlap, so
-- adding across report types would count the same use twice.
CREATE TABLE IF NOT EXISTS rollup_eresource_month (
    community_id     INTEGER NOT NULL,
    platform         VARCHAR NOT NULL,
    month            DATE NOT NULL,
    school_year      VARCHAR NOT NULL,
    metric_type      VARCHAR NOT NULL,
    report_type      VARCHAR NOT NULL,
    counter_release  VARCHAR,
    count            BIGINT NOT NULL
);

-- The serving grain: the same counts without schools, so a question about a community, a
-- cohort or the whole program reads a table whose size does not grow with enrollment.
-- Questions about one school read the school-grain tables above.
CREATE TABLE IF NOT EXISTS rollup_community_cells (
    community_id        INTEGER NOT NULL,
    school_year         VARCHAR NOT NULL,
    grade               INTEGER NOT NULL,
    school_type         VARCHAR,
    title_i             BOOLEAN,
    enrolled            BIGINT NOT NULL,
    cards               BIGINT NOT NULL,
    new_cards           BIGINT NOT NULL,
    activated_at_start  BIGINT NOT NULL,
    activated           BIGINT NOT NULL,
    active              BIGINT NOT NULL,
    eresource_users     BIGINT NOT NULL,
    hotspot_borrowers   BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS rollup_community_people (
    community_id        INTEGER NOT NULL,
    school_year         VARCHAR NOT NULL,
    patron_type         VARCHAR NOT NULL,
    cards               BIGINT NOT NULL,
    new_cards           BIGINT NOT NULL,
    activated_at_start  BIGINT NOT NULL,
    activated           BIGINT NOT NULL,
    active              BIGINT NOT NULL,
    eresource_users     BIGINT NOT NULL,
    hotspot_borrowers   BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS rollup_community_weeks (
    community_id  INTEGER NOT NULL,
    school_year   VARCHAR NOT NULL,
    week_start    DATE NOT NULL,
    activations   BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS rollup_circulation_year (
    community_id  INTEGER NOT NULL,
    school_year   VARCHAR NOT NULL,
    format        VARCHAR NOT NULL,
    audience      VARCHAR NOT NULL,
    fiction       VARCHAR NOT NULL,
    platform      VARCHAR NOT NULL,
    checkouts     BIGINT NOT NULL,
    renewals      BIGINT NOT NULL
);

-- ---------------------------------------------------------------- views the metrics read
-- Every school with its community's identity, for scoping.
CREATE OR REPLACE VIEW v_school AS
SELECT s.school_id, s.name AS school_name, s.school_type, s.title_i, s.grade_low, s.grade_high,
       c.community_id, c.slug, c.name AS community_name, c.cohort
FROM school s JOIN community c USING (community_id);

-- Student cells with the school's and community's identity.
CREATE OR REPLACE VIEW v_student_cells AS
SELECT s.*, r.grade, r.school_year, r.enrolled, r.cards, r.new_cards, r.activated_at_start,
       r.activated, r.active, r.eresource_users, r.hotspot_borrowers
FROM rollup_student_cells r JOIN v_school s USING (school_id);

-- Student cells at both grains, told apart by `grain`: 'community' (no schools: small at any
-- enrollment) or 'school'. A metric binds the grain its scope needs (Scope.params()), and
-- DuckDB drops the other branch when it plans the query with the bound value. Both branches
-- list their columns in one order (not UNION ALL BY NAME, which Spark SQL has no form of).
CREATE OR REPLACE VIEW v_cells AS
SELECT 'school' AS grain, school_id, school_name, school_type, title_i, grade_low, grade_high,
       community_id, slug, community_name, cohort, grade, school_year, enrolled, cards, new_cards,
       activated_at_start, activated, active, eresource_users, hotspot_borrowers
FROM v_student_cells
UNION ALL
SELECT 'community' AS grain, CAST(NULL AS INTEGER) AS school_id, CAST(NULL AS VARCHAR) AS school_name,
       r.school_type, r.title_i, CAST(NULL AS INTEGER) AS grade_low, CAST(NULL AS INTEGER) AS grade_high,
       r.community_id, c.slug, c.name AS community_name, c.cohort, r.grade, r.school_year, r.enrolled,
       r.cards, r.new_cards, r.activated_at_start, r.activated, r.active, r.eresource_users,
       r.hotspot_borrowers
FROM rollup_community_cells r JOIN community c USING (community_id);

DROP VIEW IF EXISTS v_student_breakdown;  -- replaced by the breakdown CASE in metrics/activation.py

-- Circulation with the community's identity.
CREATE OR REPLACE VIEW v_circulation_month AS
SELECT r.*, c.slug, c.cohort, c.name AS community_name, r.checkouts + r.renewals AS circulation
FROM rollup_circulation_month r JOIN community c USING (community_id);

-- E-resource usage (one report per platform and metric) with the community's identity.
CREATE OR REPLACE VIEW v_eresource_usage AS
SELECT r.*, c.slug, c.cohort, c.name AS community_name
FROM rollup_eresource_month r JOIN community c USING (community_id);

-- Weekly first activations at both grains (see v_cells), with the scope columns.
CREATE OR REPLACE VIEW v_activation_week AS
SELECT 'school' AS grain, w.school_year, w.week_start, w.grade, w.activations, s.school_id, s.school_name,
       s.school_type, s.title_i, s.grade_low, s.grade_high, s.community_id, s.slug, s.community_name, s.cohort
FROM rollup_activation_week w JOIN v_school s USING (school_id)
UNION ALL
SELECT 'community' AS grain, w.school_year, w.week_start, CAST(NULL AS INTEGER) AS grade, w.activations,
       CAST(NULL AS INTEGER) AS school_id, CAST(NULL AS VARCHAR) AS school_name,
       CAST(NULL AS VARCHAR) AS school_type, CAST(NULL AS BOOLEAN) AS title_i,
       CAST(NULL AS INTEGER) AS grade_low, CAST(NULL AS INTEGER) AS grade_high,
       w.community_id, c.slug, c.name AS community_name, c.cohort
FROM rollup_community_weeks w JOIN community c USING (community_id);

-- People counts of every patron type at both grains (see v_cells), with the scope columns.
CREATE OR REPLACE VIEW v_people_year AS
SELECT 'school' AS grain, r.community_id, r.school_year, r.patron_type, r.school_id, r.grade, r.cards,
       r.new_cards, r.activated_at_start, r.activated, r.active, r.eresource_users, r.hotspot_borrowers,
       c.slug, c.cohort, c.name AS community_name
FROM rollup_people_year r JOIN community c USING (community_id)
UNION ALL
SELECT 'community' AS grain, r.community_id, r.school_year, r.patron_type,
       CAST(NULL AS INTEGER) AS school_id, CAST(NULL AS INTEGER) AS grade, r.cards,
       r.new_cards, r.activated_at_start, r.activated, r.active, r.eresource_users, r.hotspot_borrowers,
       c.slug, c.cohort, c.name AS community_name
FROM rollup_community_people r JOIN community c USING (community_id);

-- Circulation per school year (the month grain summed), with the community's identity.
CREATE OR REPLACE VIEW v_circulation_year AS
SELECT r.*, c.slug, c.cohort, c.name AS community_name, r.checkouts + r.renewals AS circulation
FROM rollup_circulation_year r JOIN community c USING (community_id);

-- ---------------------------------------------------------------- ingest bookkeeping (ingest/load.py)
-- What each load covers, so a corrected file replaces the same period instead of doubling it.
CREATE TABLE IF NOT EXISTS load_scope (
    load_id       INTEGER PRIMARY KEY,
    kind          VARCHAR NOT NULL,     -- the layout: 'cards', 'circulation', 'counter', ...
    period_start  DATE,
    period_end    DATE,
    detail        VARCHAR               -- school year, report type, survey waves (JSON list), ...
);

-- Rows of tables without a load_id column (enrollment, patron, student_roster, school, branch,
-- community) that a load wrote, so undo can remove them.
CREATE TABLE IF NOT EXISTS load_row_key (
    load_id      INTEGER NOT NULL,
    tbl          VARCHAR NOT NULL,
    id           BIGINT NOT NULL,       -- school_id, patron_id, branch_id or community_id
    grade        INTEGER,               -- enrollment only
    school_year  VARCHAR                -- enrollment and student_roster
);

-- Rows of an event file loaded with --allow-partial that failed validation, with the reasons.
-- An ID cell is kept only as its pseudonym.
CREATE TABLE IF NOT EXISTS quarantine (
    load_id   INTEGER NOT NULL,
    line      BIGINT,
    problems  VARCHAR NOT NULL,
    row_json  VARCHAR
);

-- Each community's ILS item-type / collection codes mapped to the warehouse's categories.
CREATE TABLE IF NOT EXISTS code_mapping (
    community_id  INTEGER NOT NULL,
    code          VARCHAR NOT NULL,     -- upper-cased, trimmed
    format        VARCHAR NOT NULL CHECK (format IN ('print', 'e-book', 'e-audiobook', 'hotspot', 'other')),
    audience      VARCHAR NOT NULL CHECK (audience IN ('juvenile', 'young adult', 'adult')),
    fiction       VARCHAR NOT NULL CHECK (fiction IN ('fiction', 'non-fiction', 'n/a')),
    platform      VARCHAR NOT NULL DEFAULT 'ILS',
    PRIMARY KEY (community_id, code)
);

-- ---------------------------------------------------------------- the lake (warehouse/lake.py)
-- Every Parquet file of this version's partitioned tables, relative to the lake folder, with its
-- partition's row count and fingerprint (a publish rewrites only partitions whose rows changed).
CREATE TABLE IF NOT EXISTS lake_file (
    table_name    VARCHAR NOT NULL,
    school_year   VARCHAR NOT NULL,
    community_id  INTEGER NOT NULL,
    path          VARCHAR NOT NULL,
    rows          BIGINT NOT NULL,
    fingerprint   VARCHAR NOT NULL
);

-- Per community, its cards' pseudonyms and ids (patron_key, patron_id) as one lake file sorted by
-- patron_key in small row groups, so that a card activity file's checks read the row groups of
-- its own cards, not every card (warehouse/lake.py key_index). `source` is the community's patron
-- partitions (school year, rows, fingerprint) it was written from: a file whose source is not the
-- partitions of its version is not used. Its files are lake files like lake_file's (pruning).
CREATE TABLE IF NOT EXISTS lake_index (
    community_id  INTEGER NOT NULL,
    path          VARCHAR NOT NULL,
    rows          BIGINT NOT NULL,
    source        VARCHAR NOT NULL
);
