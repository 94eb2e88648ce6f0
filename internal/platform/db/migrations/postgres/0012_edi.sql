-- EDI gateway (access layer, clause 6.2.1): trading-partner profiles,
-- received interchanges, the documents taken from them and the control
-- number counters of outbound interchanges and acknowledgements.

-- A tenant's trading partners. The profile is the edi.Profile JSON as the
-- API accepts it; the identities are copied out only to list partners by
-- them. Few rows per tenant: inbound lookup reads them all and matches.
CREATE TABLE edi_partners (
    tenant_id  TEXT NOT NULL,
    sandbox    BOOLEAN NOT NULL,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    standard   TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    local_id   TEXT NOT NULL,
    profile    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, id)
);

-- One row per interchange received. dup_key is edi.InterchangeID.Key()
-- (sender, receiver, control number), or the body's digest for EDIFACT
-- messages sent without UNB; its uniqueness is what refuses to store a
-- re-sent interchange twice, even when two copies arrive at once. The raw
-- bytes are not kept, only their SHA-256 and size: the documents hold what
-- they meant, and keeping every partner file would double the storage of
-- personal data for no reader. response is the JSON answered the first
-- time, returned again for a re-send.
CREATE TABLE edi_interchanges (
    tenant_id      TEXT NOT NULL,
    sandbox        BOOLEAN NOT NULL,
    id             TEXT NOT NULL,
    dup_key        TEXT NOT NULL,
    standard       TEXT NOT NULL,
    sender         TEXT NOT NULL,
    receiver       TEXT NOT NULL,
    control_number TEXT NOT NULL,
    partner        TEXT NOT NULL,
    accepted       INTEGER NOT NULL,
    rejected       INTEGER NOT NULL,
    digest         TEXT NOT NULL,
    size           BIGINT NOT NULL,
    ack            TEXT NOT NULL,
    response       TEXT NOT NULL,
    received_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, id),
    UNIQUE (tenant_id, sandbox, dup_key)
);

-- Accepted documents: ship notices, invoices and the rest as canonical
-- JSON; purchase orders too, with the order they became.
CREATE TABLE edi_documents (
    tenant_id      TEXT NOT NULL,
    sandbox        BOOLEAN NOT NULL,
    id             TEXT NOT NULL,
    interchange_id TEXT NOT NULL,
    type           TEXT NOT NULL,
    reference      TEXT NOT NULL,
    order_id       TEXT NOT NULL,
    body           TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, id)
);
CREATE INDEX edi_documents_interchange ON edi_documents (tenant_id, sandbox, interchange_id);

-- Control numbers the tenant sends (ISA13/UNB 0020, GS06), one sequence
-- per name, incremented in the transaction that uses the number.
CREATE TABLE edi_counters (
    tenant_id TEXT NOT NULL,
    sandbox   BOOLEAN NOT NULL,
    name      TEXT NOT NULL,
    value     BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, name)
);
