-- Card vault (clause 6.3.2.2, PCI DSS). The vault owns these two tables
-- and nothing else reads them: no foreign key reaches another module's
-- table, so the vault can move into its own segmented service and store
-- unchanged. The card number is kept only as ciphertext under the
-- tenant's data key (pan_ct) and a keyed fingerprint for duplicate
-- detection; the security code is never written anywhere. Deleting a card
-- crypto-shreds it: its ciphertexts and fingerprint are cleared and a
-- masked tombstone keeps the token from being reissued.
CREATE TABLE vault_cards (
    token       TEXT PRIMARY KEY,
    -- seq orders the cards (tokens are random, on purpose).
    seq         TEXT NOT NULL,
    tenant_id   TEXT NOT NULL,
    sandbox     INTEGER NOT NULL,
    fingerprint TEXT,
    brand       TEXT NOT NULL,
    first6      TEXT NOT NULL,
    last4       TEXT NOT NULL,
    pan_length  INTEGER NOT NULL,
    exp_month   INTEGER NOT NULL,
    exp_year    INTEGER NOT NULL,
    pan_ct      BLOB,
    holder_ct   BLOB,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP
);
-- One live token per card per partition: the same card vaulted twice
-- answers the first token.
CREATE UNIQUE INDEX vault_cards_fingerprint ON vault_cards (tenant_id, sandbox, fingerprint)
    WHERE deleted_at IS NULL;
CREATE INDEX vault_cards_scope ON vault_cards (tenant_id, sandbox, seq);

-- Authorisations made with vaulted cards: the outcome and the
-- institution's reference, with the card masked; never the number or CVC.
CREATE TABLE vault_charges (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL,
    sandbox       INTEGER NOT NULL,
    token         TEXT NOT NULL,
    amount        TEXT NOT NULL,
    currency      TEXT NOT NULL,
    status        TEXT NOT NULL,
    decline_code  TEXT NOT NULL DEFAULT '',
    challenge_id  TEXT NOT NULL DEFAULT '',
    connector     TEXT NOT NULL,
    connector_ref TEXT NOT NULL,
    brand         TEXT NOT NULL,
    masked        TEXT NOT NULL,
    reference     TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX vault_charges_scope ON vault_charges (tenant_id, sandbox, token, id);
