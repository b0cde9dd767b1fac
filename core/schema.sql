-- schema.sql -- the crmgov store, as a list of migrations.
--
-- Each "-- migration N" block takes a database from version N-1 to N
-- (PRAGMA user_version). Blocks are only ever appended: a released block never
-- changes, so every database can be brought forward from any older version.
-- Times are milliseconds since the Unix epoch (UTC), event time unless named
-- otherwise. Key columns that can be "none" hold '' rather than NULL, because
-- SQLite treats NULLs as distinct in UNIQUE constraints.

-- migration 1
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Every automation id ever mentioned (by a definition or an execution) gets a
-- small integer key, so that high-volume tables stay narrow.
CREATE TABLE automation_keys (
    aid    INTEGER PRIMARY KEY,
    system TEXT NOT NULL,
    id     TEXT NOT NULL,
    UNIQUE (system, id)
);

-- The inventory: the latest observed definition of every automation, active,
-- inactive or deleted. Rows are never removed.
CREATE TABLE automations (
    aid             INTEGER PRIMARY KEY REFERENCES automation_keys (aid),
    system          TEXT NOT NULL,
    id              TEXT NOT NULL,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    object          TEXT NOT NULL,
    trigger_on      TEXT NOT NULL,
    status          TEXT NOT NULL,
    definition_hash TEXT NOT NULL,
    definition      TEXT NOT NULL,
    attributes      TEXT,
    modified_by     TEXT,
    first_seen      INTEGER NOT NULL,
    last_seen       INTEGER NOT NULL,
    status_since    INTEGER NOT NULL,
    versions        INTEGER NOT NULL,
    UNIQUE (system, id)
);
CREATE INDEX automations_by_object ON automations (system, object);

-- History: a new version whenever the definition hash or the status changes.
CREATE TABLE versions (
    aid             INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    definition_hash TEXT NOT NULL,
    status          TEXT NOT NULL,
    name            TEXT NOT NULL,
    definition      TEXT NOT NULL,
    at              INTEGER NOT NULL,
    modified_by     TEXT,
    PRIMARY KEY (aid, seq)
) WITHOUT ROWID;

CREATE TABLE principals (
    system       TEXT NOT NULL,
    id           TEXT NOT NULL,
    name         TEXT,
    email        TEXT,
    active       INTEGER NOT NULL,
    roles        TEXT NOT NULL,         -- JSON array
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    active_since INTEGER NOT NULL,
    PRIMARY KEY (system, id)
) WITHOUT ROWID;

CREATE TABLE owners (
    system      TEXT NOT NULL,
    automation  TEXT NOT NULL,
    role        TEXT NOT NULL,
    principal   TEXT NOT NULL,
    since       INTEGER NOT NULL,
    assigned_by TEXT NOT NULL,
    PRIMARY KEY (system, automation, role, principal)
) WITHOUT ROWID;
CREATE INDEX owners_by_principal ON owners (system, principal);

-- Change records from external change processes.
CREATE TABLE changes (
    system          TEXT NOT NULL,
    id              TEXT NOT NULL,
    automation      TEXT NOT NULL,
    state           TEXT NOT NULL,
    author          TEXT,
    approvers       TEXT NOT NULL,      -- JSON array
    definition_hash TEXT,
    status          TEXT,
    at              INTEGER NOT NULL,
    PRIMARY KEY (system, id)
) WITHOUT ROWID;
CREATE INDEX changes_by_automation ON changes (system, automation, at);

-- Raw executions, kept for [core] retention.
CREATE TABLE executions (
    aid         INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    record      TEXT NOT NULL,
    object      TEXT,
    status      INTEGER NOT NULL,       -- 0 ok, 1 failed, 2 skipped
    error       TEXT,
    duration_ms INTEGER,
    notified    TEXT                    -- JSON array, NULL when empty
);
CREATE INDEX executions_by_automation ON executions (aid, at);

-- Per automation per day, kept forever.
CREATE TABLE daily (
    aid           INTEGER NOT NULL,
    day           INTEGER NOT NULL,
    executions    INTEGER NOT NULL,
    ok            INTEGER NOT NULL,
    failed        INTEGER NOT NULL,
    skipped       INTEGER NOT NULL,
    notifications INTEGER NOT NULL,
    timed         INTEGER NOT NULL,
    duration_sum  INTEGER NOT NULL,
    duration_max  INTEGER NOT NULL,
    hist          BLOB,                 -- sparse (bucket u8, count u32le) pairs
    PRIMARY KEY (aid, day)
) WITHOUT ROWID;

-- Per object per day record changes.
CREATE TABLE object_daily (
    system  TEXT NOT NULL,
    object  TEXT NOT NULL,
    day     INTEGER NOT NULL,
    creates INTEGER NOT NULL,
    updates INTEGER NOT NULL,
    deletes INTEGER NOT NULL,
    PRIMARY KEY (system, object, day)
) WITHOUT ROWID;

CREATE TABLE findings (
    fid         INTEGER PRIMARY KEY,
    rule        TEXT NOT NULL,
    name        TEXT NOT NULL,
    layer       TEXT NOT NULL,
    severity    INTEGER NOT NULL,
    system      TEXT NOT NULL,
    automation  TEXT NOT NULL,          -- '' = none
    subject     TEXT NOT NULL,          -- '' = none
    message     TEXT NOT NULL,
    evidence    TEXT NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    state       INTEGER NOT NULL,       -- 0 open, 1 resolved, 2 acknowledged
    state_since INTEGER NOT NULL,
    UNIQUE (rule, system, automation, subject)
);
CREATE INDEX findings_by_state ON findings (state, layer);

CREATE TABLE deadletters (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    line        INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    raw         TEXT NOT NULL,
    received_at INTEGER NOT NULL        -- wall clock
);

-- Per plugin instance key/value state (connector checkpoints among it).
CREATE TABLE plugin_state (
    instance TEXT NOT NULL,
    key      TEXT NOT NULL,
    value    BLOB NOT NULL,
    PRIMARY KEY (instance, key)
) WITHOUT ROWID;

-- migration 2
-- The audit log: every governance action, each entry hashed as a Merkle leaf
-- (leaf = SHA-256(0x00 || canonical entry)).
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    details   TEXT NOT NULL,            -- canonical JSON object
    leaf_hash BLOB NOT NULL
);
CREATE INDEX audit_log_by_action ON audit_log (action, seq);

-- migration 3
-- The audit log's Merkle tree, kept incrementally: the frontier (the roots of
-- the perfect subtrees along the right edge, largest first, 32 bytes each) of
-- the tree over every entry crmgov appended. One row, updated with each entry
-- in the same transaction.
CREATE TABLE audit_tree (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    size  INTEGER NOT NULL,
    peaks BLOB NOT NULL
);
-- Signed tree heads: the checkpoint text (origin, size, base64 root, time)
-- and its minisign signature, every [core] checkpoint_every entries and when
-- a process that appended entries shuts down.
CREATE TABLE audit_heads (
    size       INTEGER PRIMARY KEY,
    root       BLOB NOT NULL,
    signed_at  INTEGER NOT NULL,        -- wall clock
    key_id     TEXT NOT NULL,
    checkpoint TEXT NOT NULL,
    signature  TEXT NOT NULL
);
-- Names this log in every checkpoint, so a head of one log is never taken
-- for a head of another.
INSERT INTO meta (key, value) VALUES ('audit_log_id', lower(hex(randomblob(16))));

-- migration 4
-- Raw executions indexed by time, not by automation: they arrive nearly in
-- time order, so this index grows at its end (a per-automation index took a
-- random page per insert and was the cost of ingestion with many
-- automations). Retention deletes by time; per-automation reads filter a
-- time range.
DROP INDEX executions_by_automation;
CREATE INDEX executions_by_time ON executions (at);

-- migration 5
-- Daily aggregates keyed by day first: ingestion writes the rows of the
-- last few days, which then sit together at the end of the tree. Keyed by
-- automation first, every batch rewrote a page per automation (with ten
-- thousand automations, most of the table, through the WAL, each batch).
CREATE TABLE daily_by_day (
    day           INTEGER NOT NULL,
    aid           INTEGER NOT NULL,
    executions    INTEGER NOT NULL,
    ok            INTEGER NOT NULL,
    failed        INTEGER NOT NULL,
    skipped       INTEGER NOT NULL,
    notifications INTEGER NOT NULL,
    timed         INTEGER NOT NULL,
    duration_sum  INTEGER NOT NULL,
    duration_max  INTEGER NOT NULL,
    hist          BLOB,
    PRIMARY KEY (day, aid)
) WITHOUT ROWID;
INSERT INTO daily_by_day (day, aid, executions, ok, failed, skipped, notifications, timed,
                          duration_sum, duration_max, hist)
    SELECT day, aid, executions, ok, failed, skipped, notifications, timed, duration_sum,
           duration_max, hist FROM daily;
DROP TABLE daily;
ALTER TABLE daily_by_day RENAME TO daily;

-- migration 6
-- Raw executions keyed by (at, seq) in one b-tree instead of a rowid table
-- plus an index on at: each insert and each retention delete touches one
-- tree, not two, and the file is a fifth smaller. seq is the arrival order
-- (the old rowid), counted on in meta 'execution_seq', and keeps executions
-- of the same millisecond in the order they came.
CREATE TABLE executions_by_at (
    at          INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    aid         INTEGER NOT NULL,
    record      TEXT NOT NULL,
    object      TEXT,
    status      INTEGER NOT NULL,       -- 0 ok, 1 failed, 2 skipped
    error       TEXT,
    duration_ms INTEGER,
    notified    TEXT,                   -- JSON array, NULL when empty
    PRIMARY KEY (at, seq)
) WITHOUT ROWID;
INSERT INTO executions_by_at (at, seq, aid, record, object, status, error, duration_ms, notified)
    SELECT at, rowid, aid, record, object, status, error, duration_ms, notified FROM executions;
INSERT OR REPLACE INTO meta (key, value)
    SELECT 'execution_seq', coalesce(max(rowid), 0) FROM executions;
DROP TABLE executions;
ALTER TABLE executions_by_at RENAME TO executions;
