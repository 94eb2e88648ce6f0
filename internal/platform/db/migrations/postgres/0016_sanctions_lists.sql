-- Denied-party lists (platform-wide, not tenanted: every tenant screens
-- against the same published lists). One row per import attempt of a
-- list: at most one version per list is in force; a failed import keeps
-- its error and leaves the version in force untouched. seq orders every
-- import and is the generation screening indexes reload on. confirmed_at
-- is the last time a refresh found the same file (same sha256) still
-- published: the version is current as of then.
CREATE TABLE sanctions_versions (
    id            TEXT PRIMARY KEY,
    seq           BIGINT NOT NULL UNIQUE,
    list          TEXT NOT NULL,
    version       TEXT NOT NULL DEFAULT '',
    format        TEXT NOT NULL DEFAULT '',
    published_at  TIMESTAMPTZ,
    imported_at   TIMESTAMPTZ NOT NULL,
    confirmed_at  TIMESTAMPTZ,
    entries       INTEGER NOT NULL DEFAULT 0,
    sha256        TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL CHECK (status IN ('in_force', 'superseded', 'failed')),
    error         TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX sanctions_versions_in_force ON sanctions_versions (list) WHERE status = 'in_force';
CREATE INDEX sanctions_versions_list ON sanctions_versions (list, seq);

-- The entries of the version in force of each list (a superseded
-- version's entries are removed with the import that replaces it; its
-- row above stays, for the record of past screening decisions).
CREATE TABLE sanctions_entries (
    version_id  TEXT NOT NULL REFERENCES sanctions_versions(id),
    list        TEXT NOT NULL,
    entry_id    TEXT NOT NULL,
    type        TEXT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (version_id, entry_id)
);

-- Freshness alarms: a list older than its allowed age, or whose last
-- import failed. At most one open alarm per list and kind; it is resolved
-- by the next good import.
CREATE TABLE sanctions_alerts (
    id           TEXT PRIMARY KEY,
    list         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('stale', 'import_failed')),
    detail       TEXT NOT NULL DEFAULT '',
    raised_at    TIMESTAMPTZ NOT NULL,
    resolved_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX sanctions_alerts_open ON sanctions_alerts (list, kind) WHERE resolved_at IS NULL;
