-- Partner security (access layer): signed-request nonces, OAuth clients and
-- their tokens, per-credential IP allow-lists, and intrusion alerts.

-- One row per (key, nonce) seen, kept until the request's timestamp has
-- left the ±300 s window; after that the timestamp alone refuses a replay.
-- The primary key is what makes two nodes agree on "already seen".
CREATE TABLE request_nonces (
    key_id     TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (key_id, nonce)
);
CREATE INDEX request_nonces_expires ON request_nonces (expires_at);

-- Partner applications of a tenant. The secret is kept as a keyed hash,
-- like API keys; scopes is a space-separated subset of the role's
-- permissions ('' = all of them).
CREATE TABLE oauth_clients (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    name         TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL,
    scopes       TEXT NOT NULL DEFAULT '',
    sandbox      BOOLEAN NOT NULL,
    secret_hash  TEXT NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX oauth_clients_tenant ON oauth_clients (tenant_id);

-- Opaque access tokens, stored by keyed hash so that a database reader
-- cannot use them. Expired rows are deleted as traffic goes.
CREATE TABLE oauth_tokens (
    token_hash TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES oauth_clients(id),
    scopes     TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX oauth_tokens_client ON oauth_tokens (client_id);
CREATE INDEX oauth_tokens_expires ON oauth_tokens (expires_at);

-- IP allow-lists of API keys and OAuth clients (credential_id is either):
-- space-separated CIDR blocks. No row: usable from anywhere.
CREATE TABLE credential_allowed_ips (
    credential_id TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    cidrs         TEXT NOT NULL,
    updated_by    TEXT NOT NULL DEFAULT '',
    updated_at    TIMESTAMPTZ NOT NULL
);

-- Intrusion alerts: each block the detector imposes. Blocks live in the
-- memory of the node that imposed them (node); the alerts are shared.
CREATE TABLE security_alerts (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    subject       TEXT NOT NULL,
    tenant_id     TEXT NOT NULL DEFAULT '',
    source_ip     TEXT NOT NULL DEFAULT '',
    failures      INTEGER NOT NULL,
    level         INTEGER NOT NULL,
    blocked_until TIMESTAMPTZ NOT NULL,
    node          TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    resolved_at   TIMESTAMPTZ,
    resolved_by   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX security_alerts_subject ON security_alerts (subject);
