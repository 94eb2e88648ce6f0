-- Denied-party screening. screenings records every decision with the list
-- versions it was made against; screening_cases are the review cases a
-- potential match opens; screening_clearances remember a false positive a
-- reviewer cleared, per party and list entry, with a digest of the entry
-- as it was (a changed entry is raised again); screening_parties are the
-- tenant's known counterparties, re-screened when a list changes.
CREATE TABLE screenings (
    tenant_id     TEXT NOT NULL,
    sandbox       INTEGER NOT NULL,
    id            TEXT NOT NULL,
    party_key     TEXT NOT NULL,
    name          TEXT NOT NULL,
    source        TEXT NOT NULL,
    source_ref    TEXT NOT NULL,
    top_score     REAL NOT NULL,
    matches       TEXT NOT NULL,
    list_versions TEXT NOT NULL,
    case_id       TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, id)
);

CREATE TABLE screening_cases (
    tenant_id     TEXT NOT NULL,
    sandbox       INTEGER NOT NULL,
    id            TEXT NOT NULL,
    party_key     TEXT NOT NULL,
    party_name    TEXT NOT NULL,
    party_type    TEXT NOT NULL,
    country       TEXT NOT NULL,
    source        TEXT NOT NULL,
    source_ref    TEXT NOT NULL,
    status        TEXT NOT NULL,
    top_score     REAL NOT NULL,
    matches       TEXT NOT NULL,
    list_versions TEXT NOT NULL,
    reviewer      TEXT NOT NULL,
    note          TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    decided_at    TIMESTAMP,
    PRIMARY KEY (tenant_id, sandbox, id)
);
CREATE INDEX screening_cases_status ON screening_cases (tenant_id, sandbox, status, id);
CREATE INDEX screening_cases_party ON screening_cases (tenant_id, sandbox, party_key, status);

CREATE TABLE screening_clearances (
    tenant_id   TEXT NOT NULL,
    sandbox     INTEGER NOT NULL,
    party_key   TEXT NOT NULL,
    list        TEXT NOT NULL,
    entry_id    TEXT NOT NULL,
    entry_hash  TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    cleared_by  TEXT NOT NULL,
    cleared_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, party_key, list, entry_id)
);

CREATE TABLE screening_parties (
    tenant_id   TEXT NOT NULL,
    sandbox     INTEGER NOT NULL,
    party_key   TEXT NOT NULL,
    name        TEXT NOT NULL,
    party_type  TEXT NOT NULL,
    country     TEXT NOT NULL,
    source      TEXT NOT NULL,
    source_ref  TEXT NOT NULL,
    first_seen  TIMESTAMP NOT NULL,
    screened_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, party_key)
);
