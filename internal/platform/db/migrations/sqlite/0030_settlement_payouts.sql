-- Settlement flows (clause 6.3.2): marketplace proceeds credited to
-- sellers, payouts to them in batches over a settlement rail, and bank
-- file reconciliations. Money itself lives in the ledger (0023): these
-- rows name the ledger entries that moved it, with amounts in minor units
-- repeated for listing and matching.

-- One payout account per seller: where and in which currency it is paid.
CREATE TABLE settlement_payout_accounts (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    sandbox    INTEGER NOT NULL,
    seller_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    currency   TEXT NOT NULL,
    rail       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    iban       TEXT NOT NULL DEFAULT '',
    bic        TEXT NOT NULL DEFAULT '',
    wallet     TEXT NOT NULL DEFAULT '',
    country    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX settlement_payout_accounts_seller ON settlement_payout_accounts (tenant_id, sandbox, seller_id);

-- A marketplace's settlement line is taken once: (marketplace, reference)
-- is unique, and body_hash tells a retry from a different line reusing
-- the reference.
CREATE TABLE settlement_proceeds (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    sandbox      INTEGER NOT NULL,
    seller_id    TEXT NOT NULL,
    marketplace  TEXT NOT NULL,
    reference    TEXT NOT NULL,
    body_hash    TEXT NOT NULL,
    currency     TEXT NOT NULL,
    gross_minor  INTEGER NOT NULL,
    fee_minor    INTEGER NOT NULL,
    fx_quote_id  TEXT NOT NULL DEFAULT '',
    fx_rate      TEXT NOT NULL DEFAULT '',
    net_currency TEXT NOT NULL,
    net_minor    INTEGER NOT NULL,
    entry_id     TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX settlement_proceeds_ref ON settlement_proceeds (tenant_id, sandbox, marketplace, reference);
CREATE INDEX settlement_proceeds_seller ON settlement_proceeds (tenant_id, sandbox, seller_id, created_at);

-- A batch is one message to one rail in one currency; its id is the
-- message id (MsgId) the rail deduplicates on, derived from the client's
-- idempotency key so that a retry sends the same message.
CREATE TABLE settlement_batches (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    sandbox      INTEGER NOT NULL,
    idem_key     TEXT NOT NULL,
    body_hash    TEXT NOT NULL,
    rail         TEXT NOT NULL,
    currency     TEXT NOT NULL,
    status       TEXT NOT NULL,
    payouts      INTEGER NOT NULL,
    total_minor  INTEGER NOT NULL,
    rail_ref     TEXT NOT NULL DEFAULT '',
    message_type TEXT NOT NULL DEFAULT '',
    message      TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX settlement_batches_key ON settlement_batches (tenant_id, sandbox, idem_key);
CREATE INDEX settlement_batches_scope ON settlement_batches (tenant_id, sandbox, id);

-- A payout holds its amount in the ledger (hold_entry_id, pending) until
-- the rail settles it (post_entry_id) or refuses it (void_entry_id).
-- status moves once, from pending, guarded by its WHERE clause.
CREATE TABLE settlement_payouts (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    sandbox       INTEGER NOT NULL,
    batch_id      TEXT NOT NULL REFERENCES settlement_batches(id),
    seller_id     TEXT NOT NULL,
    end_to_end_id TEXT NOT NULL,
    currency      TEXT NOT NULL,
    amount_minor  INTEGER NOT NULL,
    beneficiary   TEXT NOT NULL,
    hold_entry_id TEXT NOT NULL,
    post_entry_id TEXT NOT NULL DEFAULT '',
    void_entry_id TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    rail_status   TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX settlement_payouts_e2e ON settlement_payouts (tenant_id, sandbox, end_to_end_id);
CREATE INDEX settlement_payouts_batch ON settlement_payouts (tenant_id, sandbox, batch_id);
CREATE INDEX settlement_payouts_seller ON settlement_payouts (tenant_id, sandbox, seller_id, updated_at);

-- A reconciliation keeps its report: the bank file's entries matched to
-- payouts by EndToEndId and amount.
CREATE TABLE settlement_reconciliations (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    sandbox    INTEGER NOT NULL,
    file_name  TEXT NOT NULL,
    message    TEXT NOT NULL,
    msg_id     TEXT NOT NULL,
    matched    INTEGER NOT NULL,
    unmatched  INTEGER NOT NULL,
    mismatched INTEGER NOT NULL,
    report     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX settlement_reconciliations_scope ON settlement_reconciliations (tenant_id, sandbox, id);
