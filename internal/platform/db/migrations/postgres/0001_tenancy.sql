-- Tenants: every tenant-owned row elsewhere carries tenant_id and sandbox.
CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    region      TEXT NOT NULL CHECK (region IN ('cn','eu','us','sg')),
    plan        TEXT NOT NULL CHECK (plan IN ('saas','enterprise')),
    rate_rps    DOUBLE PRECISION,
    rate_burst  INTEGER,
    status      TEXT NOT NULL DEFAULT 'active',
    created_at  TIMESTAMPTZ NOT NULL
);
