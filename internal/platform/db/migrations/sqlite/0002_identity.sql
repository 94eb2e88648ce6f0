-- Users: tenant_id NULL means a platform user (operator staff).
CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT REFERENCES tenants(id),
    email               TEXT NOT NULL,
    role                TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    totp_secret         BLOB,
    totp_last_step      INTEGER NOT NULL DEFAULT 0,
    mfa_required        INTEGER NOT NULL DEFAULT 0,
    locale              TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL DEFAULT 'active',
    password_changed_at TIMESTAMP NOT NULL,
    created_at          TIMESTAMP NOT NULL
);
-- An e-mail signs in to exactly one account, whatever its case.
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE INDEX users_tenant ON users (tenant_id);

CREATE TABLE login_attempts (
    user_id  TEXT NOT NULL REFERENCES users(id),
    at       TIMESTAMP NOT NULL,
    ok       INTEGER NOT NULL
);
CREATE INDEX login_attempts_user ON login_attempts (user_id, at);

-- Sessions are stored by the SHA-256 of their token, so a database reader
-- cannot replay them.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL REFERENCES users(id),
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    mfa          INTEGER NOT NULL DEFAULT 0,
    revoked_at   TIMESTAMP,
    source_ip    TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_keys (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    name           TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL,
    sandbox        INTEGER NOT NULL,
    prefix         TEXT NOT NULL,
    key_hash       TEXT NOT NULL UNIQUE,
    signing_secret BLOB NOT NULL,
    created_by     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    last_used_at   TIMESTAMP,
    revoked_at     TIMESTAMP
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);
