-- Enterprise single sign-on (clause 5.3.2): a tenant's own OpenID Connect
-- identity provider for console sign-in.

-- One identity provider per tenant. slug is the company name people type
-- on the sign-in page; the client secret is sealed under the tenant's data
-- key; group_roles is a JSON object mapping a group to a tenant role.
CREATE TABLE sso_connections (
    tenant_id       TEXT PRIMARY KEY REFERENCES tenants(id),
    slug            TEXT NOT NULL,
    issuer          TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    client_secret   BLOB,
    allowed_domains TEXT NOT NULL DEFAULT '',
    groups_claim    TEXT NOT NULL DEFAULT 'groups',
    group_roles     TEXT NOT NULL DEFAULT '{}',
    default_role    TEXT NOT NULL DEFAULT '',
    auto_provision  INTEGER NOT NULL DEFAULT 0,
    require_mfa     INTEGER NOT NULL DEFAULT 0,
    enabled         INTEGER NOT NULL DEFAULT 1,
    updated_by      TEXT NOT NULL DEFAULT '',
    updated_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX sso_connections_slug ON sso_connections (lower(slug));

-- Sign-ins in flight, between the redirect to the provider and its answer:
-- kept server-side by the hash of the state, used once, and short-lived.
-- The browser holds the state in a cookie as well, so that an answer is
-- only accepted in the browser that started the sign-in.
CREATE TABLE sso_states (
    state_hash TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    nonce      TEXT NOT NULL,
    verifier   TEXT NOT NULL,
    next_path  TEXT NOT NULL DEFAULT '',
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sso_states_expires ON sso_states (expires_at);
