-- Carrier services and their rate cards. The card is one JSON document
-- (doc); carrier and name sit beside it for ordering and uniqueness. A
-- service with an empty tenant_id is shared: the platform publishes it
-- and every tenant (live and sandbox) sees it, so tenant_id cannot
-- reference tenants. A tenant's negotiated services carry its id and its
-- side of the sandbox like every other tenant-owned row.
CREATE TABLE logistics_services (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    sandbox     INTEGER NOT NULL,
    carrier     TEXT NOT NULL,
    name        TEXT NOT NULL,
    doc         TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX logistics_services_name ON logistics_services (tenant_id, sandbox, carrier, name);
