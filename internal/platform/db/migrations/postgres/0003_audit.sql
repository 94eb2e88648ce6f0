-- The audit trail: one hash chain per tenant (chain '_platform' for platform
-- actions), gap-free sequence numbers, written in the transaction of the
-- change it records. Rows are never updated, and deleted only by the
-- retention purge once older than 180 days (the legal minimum); the
-- triggers make anything else fail loudly. They are a guard against
-- mistakes, not against an attacker with database access: the hash chain
-- and the signed checkpoints are what catch that.
CREATE TABLE audit_events (
    chain         TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    tenant_id     TEXT NOT NULL DEFAULT '',
    actor         TEXT NOT NULL,
    actor_type    TEXT NOT NULL,
    actor_email   TEXT NOT NULL DEFAULT '',
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
-- Listing runs newest first, across chains or within one tenant.
CREATE INDEX audit_events_at ON audit_events (at, chain, seq);
CREATE INDEX audit_events_tenant ON audit_events (tenant_id, at, chain, seq);

-- The head of each chain, locked (SELECT … FOR UPDATE) by every append so
-- that sequence numbers stay gap-free under concurrent writers.
CREATE TABLE audit_heads (
    chain TEXT PRIMARY KEY,
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);

-- Signed checkpoints: a signed note over a chain's head at some moment, so
-- a chain recomputed by someone with database access is still caught.
-- kind 'purge' marks the anchor a retention purge leaves behind: the signed
-- hash of the last record it removed, which the first surviving record must
-- link to. The note is the authority; the other columns are for lookup.
CREATE TABLE audit_checkpoints (
    id     BIGSERIAL PRIMARY KEY,
    chain  TEXT NOT NULL,
    seq    BIGINT NOT NULL,
    hash   TEXT NOT NULL,
    kind   TEXT NOT NULL DEFAULT 'checkpoint',
    at     TIMESTAMPTZ NOT NULL,
    note   TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_chain ON audit_checkpoints (chain, seq);

CREATE FUNCTION audit_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
    END IF;
    IF OLD.at > now() - interval '180 days' THEN
        RAISE EXCEPTION '% younger than 180 days cannot be deleted', TG_TABLE_NAME;
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_guard BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_guard();
CREATE TRIGGER audit_checkpoints_guard BEFORE UPDATE OR DELETE ON audit_checkpoints
FOR EACH ROW EXECUTE FUNCTION audit_guard();
