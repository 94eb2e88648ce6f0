-- The spread each tenant's FX quotes carry, set by the platform
-- administrator: one row per currency pair ("EUR/USD", sell/buy) and one
-- for the tenant's default ("*"). A quote takes the pair's row, else the
-- default row, else the platform's configured spread. Spreads are a
-- commercial term of the tenant, so live and sandbox quotes share them.
CREATE TABLE fx_spreads (
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    pair       TEXT NOT NULL,
    bps        INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, pair)
);

-- Executed conversions: one per quote (the unique index is what makes a
-- quote single-use even if two executions race past every other check),
-- recording exactly what was booked, the rates it was booked at and the
-- reference rate the executable rate was checked against. entry_id is
-- the ledger entry that moved the money.
CREATE TABLE fx_conversions (
    tenant_id      TEXT NOT NULL,
    sandbox        INTEGER NOT NULL,
    id             TEXT NOT NULL,
    quote_id       TEXT NOT NULL,
    entry_id       TEXT NOT NULL,
    sell_currency  TEXT NOT NULL,
    sell_amount    TEXT NOT NULL,
    buy_currency   TEXT NOT NULL,
    buy_amount     TEXT NOT NULL,
    rate           TEXT NOT NULL,
    provider       TEXT NOT NULL,
    provider_rate  TEXT NOT NULL,
    spread_bps     INTEGER NOT NULL,
    spread_amount  TEXT NOT NULL,
    reference_rate TEXT NOT NULL,
    reference_date TEXT NOT NULL,
    reference_src  TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, id)
);
CREATE UNIQUE INDEX fx_conversions_quote ON fx_conversions (tenant_id, sandbox, quote_id);
