-- Orders. One row per order: buyer, ship-to address and lines are one JSON
-- document (read and written whole), the status history another; columns
-- exist only for what lists filter on. Two indexes, both needed by the
-- bulk path itself: the primary key (reads by id, cursor pages newest
-- first) and the (channel, external_id) uniqueness that makes ingest
-- idempotent. No foreign key to tenants: tenants are never deleted, and
-- the check would cost every bulk row a lookup.
CREATE TABLE orders (
    tenant_id   TEXT NOT NULL,
    sandbox     INTEGER NOT NULL,
    id          TEXT NOT NULL,
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    placed_at   TIMESTAMP NOT NULL,
    currency    TEXT NOT NULL,
    total       TEXT NOT NULL,
    doc         TEXT NOT NULL,
    history     TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, id),
    UNIQUE (tenant_id, sandbox, channel, external_id)
);
