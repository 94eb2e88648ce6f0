-- Products: the canonical catalogue. The body is one JSON document (doc);
-- sku, category, hs_code, markets ("|EU|US|") and search (the SKU and
-- titles, lower-cased by the application so both engines match alike) are
-- kept beside it for the list filters. The SKU is unique per tenant and
-- side of the sandbox.
CREATE TABLE products (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    sandbox     INTEGER NOT NULL,
    sku         TEXT NOT NULL,
    category    TEXT NOT NULL DEFAULT '',
    hs_code     TEXT NOT NULL DEFAULT '',
    markets     TEXT NOT NULL DEFAULT '',
    search      TEXT NOT NULL DEFAULT '',
    doc         TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX products_sku ON products (tenant_id, sandbox, sku);
CREATE INDEX products_scope ON products (tenant_id, sandbox, id);
CREATE INDEX products_category ON products (tenant_id, sandbox, category);
