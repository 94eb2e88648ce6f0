-- The sandbox's simulated partners keep their state here: the parcels of
-- the sandbox carrier and the payments of the sandbox institution. Both
-- tables hold sandbox data only (the CHECK makes a live row impossible),
-- scoped per tenant like every tenant-owned table. Timelines and labels
-- are not stored: they follow deterministically from the tracking number
-- and the label request kept in doc.
CREATE TABLE sandbox_shipments (
    tenant_id       TEXT NOT NULL,
    sandbox         BOOLEAN NOT NULL CHECK (sandbox),
    tracking_number TEXT NOT NULL,
    order_id        TEXT NOT NULL,
    service         TEXT NOT NULL,
    doc             TEXT NOT NULL,
    emitted         INTEGER NOT NULL,
    events          TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, tracking_number)
);
CREATE INDEX sandbox_shipments_order ON sandbox_shipments (tenant_id, sandbox, order_id);

-- Payments keep no card data but the brand, the last four digits and the
-- expiry (in state); never the number, never the CVC.
CREATE TABLE sandbox_payments (
    tenant_id    TEXT NOT NULL,
    sandbox      BOOLEAN NOT NULL CHECK (sandbox),
    id           TEXT NOT NULL,
    challenge_id TEXT NOT NULL,
    state        TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, id)
);
