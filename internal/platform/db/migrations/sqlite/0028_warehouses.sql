-- Overseas warehouses (clause 6.3.3.2). Stock is kept per (warehouse,
-- SKU, grade) and changed only together with an append-only movement in
-- the same transaction, so the movements always add up to the stock.
-- Receipt lots (warehouse_lots) keep the date each unit arrived, for
-- stock age and storage fees; shipments consume the oldest lots first.
CREATE TABLE warehouses (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    sandbox      INTEGER NOT NULL,
    code         TEXT NOT NULL,
    doc          TEXT NOT NULL,
    delta_cursor TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX warehouses_code ON warehouses (tenant_id, sandbox, code);

CREATE TABLE warehouse_stock (
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    sku          TEXT NOT NULL,
    grade        TEXT NOT NULL,
    tenant_id    TEXT NOT NULL,
    sandbox      INTEGER NOT NULL,
    on_hand      INTEGER NOT NULL DEFAULT 0,
    reserved     INTEGER NOT NULL DEFAULT 0,
    in_transit   INTEGER NOT NULL DEFAULT 0,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (warehouse_id, sku, grade)
);
CREATE INDEX warehouse_stock_scope ON warehouse_stock (tenant_id, sandbox, sku);

CREATE TABLE warehouse_lots (
    id           TEXT PRIMARY KEY,
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    tenant_id    TEXT NOT NULL,
    sandbox      INTEGER NOT NULL,
    sku          TEXT NOT NULL,
    grade        TEXT NOT NULL,
    received_at  TIMESTAMP NOT NULL,
    remaining    INTEGER NOT NULL
);
CREATE INDEX warehouse_lots_fifo ON warehouse_lots (warehouse_id, sku, grade, received_at);

-- external_id is the operator's movement id (or a caller's idempotency
-- reference): a movement already applied is recognised by it.
CREATE TABLE warehouse_movements (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL,
    sandbox        INTEGER NOT NULL,
    warehouse_id   TEXT NOT NULL REFERENCES warehouses(id),
    type           TEXT NOT NULL,
    sku            TEXT NOT NULL,
    grade          TEXT NOT NULL,
    on_hand_delta  INTEGER NOT NULL,
    reserved_delta INTEGER NOT NULL,
    reference      TEXT NOT NULL DEFAULT '',
    external_id    TEXT,
    note           TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX warehouse_movements_external ON warehouse_movements (tenant_id, sandbox, warehouse_id, external_id);
CREATE INDEX warehouse_movements_scope ON warehouse_movements (tenant_id, sandbox, warehouse_id, id);

CREATE TABLE warehouse_inbounds (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    sandbox      INTEGER NOT NULL,
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    status       TEXT NOT NULL,
    doc          TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX warehouse_inbounds_scope ON warehouse_inbounds (tenant_id, sandbox, id);

CREATE TABLE warehouse_outbounds (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    sandbox      INTEGER NOT NULL,
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    order_id     TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    doc          TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX warehouse_outbounds_scope ON warehouse_outbounds (tenant_id, sandbox, id);

CREATE TABLE warehouse_reconciliations (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    sandbox      INTEGER NOT NULL,
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    mismatches   INTEGER NOT NULL,
    doc          TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX warehouse_reconciliations_scope ON warehouse_reconciliations (tenant_id, sandbox, id);

-- Fees are unique per (warehouse, kind, reference): accruing a day's
-- storage or an order's handling twice is a no-op.
CREATE TABLE warehouse_fees (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    sandbox      INTEGER NOT NULL,
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    kind         TEXT NOT NULL,
    reference    TEXT NOT NULL,
    amount       TEXT NOT NULL,
    currency     TEXT NOT NULL,
    doc          TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX warehouse_fees_ref ON warehouse_fees (tenant_id, sandbox, warehouse_id, kind, reference);

-- One open alert per (warehouse, kind, SKU, grade); resolved alerts stay
-- as history.
CREATE TABLE warehouse_alerts (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    sandbox      INTEGER NOT NULL,
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    kind         TEXT NOT NULL,
    sku          TEXT NOT NULL,
    grade        TEXT NOT NULL,
    open_key     TEXT,
    doc          TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    resolved_at  TIMESTAMP
);
CREATE UNIQUE INDEX warehouse_alerts_open ON warehouse_alerts (tenant_id, sandbox, open_key);
CREATE INDEX warehouse_alerts_scope ON warehouse_alerts (tenant_id, sandbox, id);
