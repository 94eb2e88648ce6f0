-- Label purchases in flight. A shipment's label request is recorded here,
-- in the request's transaction and with the job that completes it, before
-- the carrier is asked; the carrier is then called outside any
-- transaction with the shipment id as its idempotency key, and the
-- shipment row is written once the label is bought. A purchase therefore
-- survives a crash between the two and is retried with the same key, and
-- a refusal is kept with its reason. state: requested, bought or failed.
CREATE TABLE shipment_label_requests (
    tenant_id    TEXT NOT NULL,
    sandbox      INTEGER NOT NULL,
    shipment_id  TEXT NOT NULL,
    state        TEXT NOT NULL,
    -- The caller's Idempotency-Key (a digest with its credential), when
    -- one was sent, and a digest of the request it came with.
    request_key  TEXT,
    fingerprint  TEXT NOT NULL DEFAULT '',
    doc          TEXT NOT NULL,
    error_code   TEXT NOT NULL DEFAULT '',
    error_detail TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, shipment_id)
);
CREATE UNIQUE INDEX shipment_label_requests_key ON shipment_label_requests (tenant_id, sandbox, request_key)
    WHERE request_key IS NOT NULL;
CREATE INDEX shipment_label_requests_state ON shipment_label_requests (tenant_id, sandbox, state, shipment_id);

-- The same for return labels: the return stays approved, with its label
-- request here, until the carrier has answered.
CREATE TABLE return_label_requests (
    tenant_id    TEXT NOT NULL,
    sandbox      INTEGER NOT NULL,
    return_id    TEXT NOT NULL,
    state        TEXT NOT NULL,
    doc          TEXT NOT NULL,
    error_code   TEXT NOT NULL DEFAULT '',
    error_detail TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, return_id)
);
