-- The audit trail: one hash chain per tenant (chain '_platform' for platform
-- actions), gap-free sequence numbers, written in the transaction of the
-- change it records. Rows are never updated or deleted by the application;
-- the triggers make an accidental UPDATE/DELETE fail loudly.
CREATE TABLE audit_events (
    chain         TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
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
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);

-- Signed checkpoints: a signed note over each chain's head, so a chain
-- recomputed by someone with database access is still caught.
CREATE TABLE audit_checkpoints (
    id     BIGSERIAL PRIMARY KEY,
    chain  TEXT NOT NULL,
    seq    BIGINT NOT NULL,
    hash   TEXT NOT NULL,
    at     TIMESTAMPTZ NOT NULL,
    note   TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_chain ON audit_checkpoints (chain, seq);

CREATE FUNCTION audit_events_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit_events is append-only';
    END IF;
    IF OLD.at > now() - interval '180 days' THEN
        RAISE EXCEPTION 'audit_events younger than 180 days cannot be deleted';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_guard BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_guard();
