-- Compliance checks: one row per check of a product against markets, kept
-- for audit with the product snapshot, the facts, the findings and the
-- rule versions it used (all in doc). product_id is '' for a product given
-- inline; order_id is set for checks of order lines, unique per order and
-- SKU so that checking the same order.created event twice stores nothing
-- new (NULLs never collide, so API checks are unaffected).
CREATE TABLE compliance_checks (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    sandbox     INTEGER NOT NULL,
    product_id  TEXT NOT NULL DEFAULT '',
    order_id    TEXT,
    sku         TEXT NOT NULL DEFAULT '',
    verdict     TEXT NOT NULL,
    markets     TEXT NOT NULL,
    transport   TEXT NOT NULL DEFAULT '',
    doc         TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX compliance_checks_scope ON compliance_checks (tenant_id, sandbox, id);
CREATE UNIQUE INDEX compliance_checks_order ON compliance_checks (tenant_id, sandbox, order_id, sku);

-- One row per order checked on ingest: the worst verdict over its lines,
-- the destination, and per line the check or why there is none. Its key
-- makes the order consumer idempotent.
CREATE TABLE compliance_order_checks (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    sandbox     INTEGER NOT NULL,
    order_id    TEXT NOT NULL,
    verdict     TEXT NOT NULL,
    country     TEXT NOT NULL,
    doc         TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, order_id)
);
