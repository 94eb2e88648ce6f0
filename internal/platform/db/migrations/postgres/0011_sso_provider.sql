-- Silkgate as an OpenID Connect provider for partner applications
-- (clause 5.3.2): registered clients, sign-ins in flight and the tokens
-- issued.

-- Partner applications of a tenant. The secret is kept as its SHA-256
-- (it is 256 random bits, so a fast hash is enough); redirect_uris is
-- space-separated and matched exactly.
CREATE TABLE oidc_clients (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    name          TEXT NOT NULL DEFAULT '',
    redirect_uris TEXT NOT NULL,
    secret_hash   TEXT NOT NULL,
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX oidc_clients_tenant ON oidc_clients (tenant_id);

-- Authorisation requests from the authorize endpoint until their code is
-- redeemed: request is the parsed request as JSON; the code is kept by its
-- hash.
CREATE TABLE oidc_auth_requests (
    id         TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES oidc_clients(id),
    request    TEXT NOT NULL,
    code_hash  TEXT UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX oidc_auth_requests_expires ON oidc_auth_requests (expires_at);

-- Issued tokens: one row per access token, with the refresh token issued
-- beside it (by hash). A refresh revokes its row and adds a new one.
CREATE TABLE oidc_tokens (
    id                 TEXT PRIMARY KEY,
    client_id          TEXT NOT NULL REFERENCES oidc_clients(id),
    user_id            TEXT NOT NULL REFERENCES users(id),
    scopes             TEXT NOT NULL DEFAULT '',
    amr                TEXT NOT NULL DEFAULT '',
    auth_time          TIMESTAMPTZ NOT NULL,
    refresh_hash       TEXT UNIQUE,
    expires_at         TIMESTAMPTZ NOT NULL,
    refresh_expires_at TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    revoked_at         TIMESTAMPTZ
);
CREATE INDEX oidc_tokens_user ON oidc_tokens (user_id);
CREATE INDEX oidc_tokens_expires ON oidc_tokens (expires_at);
