-- Returns and reverse logistics (clause 6.3.3.3). One row per return: the
-- whole RMA (lines, label, inspected units, refund, history) is one JSON
-- document read and written whole; columns exist for what lists filter on
-- and for the carrier's tracking number, by which tracking events find
-- their return. version guards concurrent steps.
CREATE TABLE returns (
    tenant_id       TEXT NOT NULL,
    sandbox         BOOLEAN NOT NULL,
    id              TEXT NOT NULL,
    order_id        TEXT NOT NULL,
    status          TEXT NOT NULL,
    reason          TEXT NOT NULL,
    tracking_number TEXT,
    doc             TEXT NOT NULL,
    version         BIGINT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, id)
);
CREATE INDEX returns_order ON returns (tenant_id, sandbox, order_id);
CREATE INDEX returns_status ON returns (tenant_id, sandbox, status, id);
-- A tracking number names one return per partition (NULL until labelled).
CREATE UNIQUE INDEX returns_tracking ON returns (tenant_id, sandbox, tracking_number);

-- The label document a carrier sold for a return (PDF), kept apart from
-- the row so that lists never read it.
CREATE TABLE return_labels (
    tenant_id  TEXT NOT NULL,
    sandbox    BOOLEAN NOT NULL,
    return_id  TEXT NOT NULL,
    media_type TEXT NOT NULL,
    data       BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, return_id)
);

-- One row per order with returns: opening a return updates it first, so
-- that concurrent requests for the same order queue on its row lock and
-- cannot both take the last returnable unit.
CREATE TABLE return_order_locks (
    tenant_id TEXT NOT NULL,
    sandbox   BOOLEAN NOT NULL,
    order_id  TEXT NOT NULL,
    returns   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, order_id)
);
