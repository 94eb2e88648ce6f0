-- The audit trail: one hash chain per tenant (chain '_platform' for platform
-- actions), gap-free sequence numbers, written in the transaction of the
-- change it records. Rows are never updated or deleted by the application;
-- the triggers make an accidental UPDATE/DELETE fail loudly.
CREATE TABLE audit_events (
    chain         TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    at            TIMESTAMP NOT NULL,
    tenant_id     TEXT NOT NULL DEFAULT '',
    actor         TEXT NOT NULL,
    actor_type    TEXT NOT NULL,
    action        TEXT NOT NULL,
    resource      TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    request_id    TEXT NOT NULL DEFAULT '',
    source_ip     TEXT NOT NULL DEFAULT '',
    change_digest TEXT NOT NULL DEFAULT '',
    detail        TEXT NOT NULL DEFAULT '',
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL,
    PRIMARY KEY (chain, seq)
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_tenant ON audit_events (tenant_id, at);

CREATE TABLE audit_heads (
    chain TEXT PRIMARY KEY,
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
);

-- Signed checkpoints: a signed note over each chain's head, so a chain
-- recomputed by someone with database access is still caught.
CREATE TABLE audit_checkpoints (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    chain  TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    hash   TEXT NOT NULL,
    at     TIMESTAMP NOT NULL,
    note   TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_chain ON audit_checkpoints (chain, seq);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN OLD.at > datetime('now', '-180 days')
BEGIN SELECT RAISE(ABORT, 'audit_events younger than 180 days cannot be deleted'); END;
