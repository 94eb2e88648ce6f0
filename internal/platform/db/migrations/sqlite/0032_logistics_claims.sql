-- Carrier claims (loss, damage, delay, shortage) filed against a tenant's
-- shipments. One row per claim: the whole claim (lines, amounts, evidence
-- list, history) is one JSON document read and written whole; columns
-- exist for what lists filter on and for what rate comparison's quality
-- counts. quality_term is set once when a claim is upheld: the measure
-- the claim counts against ('lost_or_damaged' or 'late'), or '' when
-- tracking had already counted that outcome or the shipment was not yet
-- closed. version guards concurrent steps.
CREATE TABLE claims (
    tenant_id      TEXT NOT NULL,
    sandbox        INTEGER NOT NULL,
    id             TEXT NOT NULL,
    shipment_id    TEXT NOT NULL,
    carrier_code   TEXT NOT NULL,
    service_id     TEXT NOT NULL,
    origin_country TEXT NOT NULL,
    dest_country   TEXT NOT NULL,
    type           TEXT NOT NULL,
    status         TEXT NOT NULL,
    quality_term   TEXT NOT NULL DEFAULT '',
    doc            TEXT NOT NULL,
    version        INTEGER NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, id)
);
CREATE INDEX claims_shipment ON claims (tenant_id, sandbox, shipment_id);
CREATE INDEX claims_status ON claims (tenant_id, sandbox, status, id);
-- Quality reads upheld claims per lane across tenants.
CREATE INDEX claims_quality ON claims (sandbox, origin_country, dest_country, service_id, quality_term);

-- Evidence documents (PDF, JPEG, PNG), kept apart from the row so that
-- lists and steps never read them.
CREATE TABLE claim_evidence (
    tenant_id  TEXT NOT NULL,
    sandbox    INTEGER NOT NULL,
    claim_id   TEXT NOT NULL,
    id         TEXT NOT NULL,
    media_type TEXT NOT NULL,
    data       BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, claim_id, id)
);
