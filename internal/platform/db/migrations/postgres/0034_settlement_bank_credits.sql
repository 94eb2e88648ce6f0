-- Incoming bank credits (credit entries of camt.054 / camt.053 files). A
-- credit that matches booked marketplace proceeds moves their gross from
-- the marketplace's clearing account to the bank account; one that
-- matches nothing waits in the suspense account until it is matched by
-- hand. dedup_key makes a bank file read twice book nothing new, and a
-- proceeds line is cleared by one credit at most.
CREATE TABLE settlement_bank_credits (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    sandbox        BOOLEAN NOT NULL,
    dedup_key      TEXT NOT NULL,
    recon_id       TEXT NOT NULL,
    msg_id         TEXT NOT NULL,
    account        TEXT NOT NULL DEFAULT '',
    end_to_end_id  TEXT NOT NULL DEFAULT '',
    remittance     TEXT NOT NULL DEFAULT '',
    bank_ref       TEXT NOT NULL DEFAULT '',
    booking_date   TEXT NOT NULL DEFAULT '',
    currency       TEXT NOT NULL,
    amount_minor   BIGINT NOT NULL,
    status         TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    proceeds_id    TEXT NOT NULL DEFAULT '',
    entry_id       TEXT NOT NULL,
    match_entry_id TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX settlement_bank_credits_key ON settlement_bank_credits (tenant_id, sandbox, dedup_key);
CREATE UNIQUE INDEX settlement_bank_credits_proceeds ON settlement_bank_credits (tenant_id, sandbox, proceeds_id)
    WHERE proceeds_id <> '';
CREATE INDEX settlement_bank_credits_status ON settlement_bank_credits (tenant_id, sandbox, status, id);

-- The FX spread the platform earned on proceeds converted at a quote, in
-- the seller's currency (net_currency), kept beside what was credited.
ALTER TABLE settlement_proceeds ADD COLUMN fx_spread_minor BIGINT NOT NULL DEFAULT 0;
