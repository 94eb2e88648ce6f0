-- Data keysets for encryption at rest (package keyring). Each tenant has up
-- to two Tink keysets, one per purpose: 'aead' encrypts fields, 'prf' makes
-- keyed fingerprints for look-ups. Each keyset is stored wrapped
-- (encrypted) by the key-encryption key (KEK), which never enters the
-- store; kek_id names the KEK key that wrapped it, so operators can see when
-- old KEK keys are no longer needed. A keyset keeps its old keys when rotated
-- so old ciphertexts remain readable. tenant_id '_platform' holds the
-- platform's own keys, which is why there is no foreign key to tenants.
-- version is bumped on every rewrite, so concurrent rotations and re-wraps
-- detect each other instead of losing a key.
CREATE TABLE data_keys (
    tenant_id   TEXT NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('aead', 'prf')),
    kek_id      TEXT NOT NULL,
    keyset      BLOB NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    rotated_at  TIMESTAMP NOT NULL,
    wrapped_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, purpose)
);
CREATE INDEX data_keys_kek ON data_keys (kek_id);
