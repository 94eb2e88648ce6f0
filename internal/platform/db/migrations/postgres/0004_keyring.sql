-- Per-tenant data keys, each wrapped by the key-encryption key named in
-- kek_id. Old keysets stay so old ciphertexts remain readable.
CREATE TABLE data_keys (
    tenant_id   TEXT PRIMARY KEY,
    kek_id      TEXT NOT NULL,
    keyset      BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    rotated_at  TIMESTAMPTZ NOT NULL
);
