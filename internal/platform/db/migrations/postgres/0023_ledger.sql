-- Double-entry ledger (issue 6, clause 6.1.2). Amounts are integers in the
-- asset's ISO 4217 minor units: exact, and cheap to add in a guarded
-- UPDATE. Postings are append-only; an entry's status is the only state that
-- changes (pending → posted | voided, and reversed_by/closed_by links).
CREATE TABLE ledger_accounts (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    sandbox     BOOLEAN NOT NULL,
    code        TEXT NOT NULL,
    asset       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    flags       INTEGER NOT NULL,
    shards      INTEGER NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX ledger_accounts_code ON ledger_accounts (tenant_id, sandbox, code, asset);
CREATE INDEX ledger_accounts_scope ON ledger_accounts (tenant_id, sandbox, id);

-- One row per shard of an account: a hot account's writers spread over
-- several rows instead of queueing on one row lock. The account's balance
-- is their sum; the guard holds on every shard, hence on the sum.
CREATE TABLE ledger_balances (
    account_id      TEXT NOT NULL REFERENCES ledger_accounts(id),
    shard           INTEGER NOT NULL,
    tenant_id       TEXT NOT NULL,
    sandbox         BOOLEAN NOT NULL,
    debits_posted   BIGINT NOT NULL DEFAULT 0,
    credits_posted  BIGINT NOT NULL DEFAULT 0,
    debits_pending  BIGINT NOT NULL DEFAULT 0,
    credits_pending BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, shard)
);

-- idem_key is unique per partition when given; body_hash tells a retry of
-- the same request from a different request reusing the key.
CREATE TABLE ledger_entries (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    sandbox     BOOLEAN NOT NULL,
    idem_key    TEXT,
    body_hash   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    ref_id      TEXT,
    closed_by   TEXT,
    reversed_by TEXT,
    description TEXT NOT NULL DEFAULT '',
    metadata    TEXT NOT NULL DEFAULT '{}',
    expires_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX ledger_entries_idem ON ledger_entries (tenant_id, sandbox, idem_key);
CREATE INDEX ledger_entries_scope ON ledger_entries (tenant_id, sandbox, id);
CREATE INDEX ledger_entries_expiry ON ledger_entries (expires_at) WHERE status = 'pending';

CREATE TABLE ledger_postings (
    entry_id   TEXT NOT NULL REFERENCES ledger_entries(id),
    seq        INTEGER NOT NULL,
    tenant_id  TEXT NOT NULL,
    sandbox    BOOLEAN NOT NULL,
    account_id TEXT NOT NULL REFERENCES ledger_accounts(id),
    shard      INTEGER NOT NULL,
    asset      TEXT NOT NULL,
    debit      BIGINT NOT NULL,
    credit     BIGINT NOT NULL,
    phase      TEXT NOT NULL,
    PRIMARY KEY (entry_id, seq)
);
CREATE INDEX ledger_postings_account ON ledger_postings (account_id);
