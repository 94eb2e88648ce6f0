-- FX reference rates (platform-wide: every tenant values money at the
-- same published rates). One row per published rate: on date, 1 base =
-- rate quote, kept as the decimal string the source published so that
-- nothing is lost to a binary type; dates are ISO strings, which order
-- correctly as text on both engines. Re-importing a file rewrites the
-- same rows, so imports are idempotent.
CREATE TABLE fx_rates (
    source      TEXT NOT NULL,
    date        TEXT NOT NULL,
    base        TEXT NOT NULL,
    quote       TEXT NOT NULL,
    rate        TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source, base, quote, date)
);
CREATE INDEX fx_rates_date ON fx_rates (source, base, date);

-- Executable FX quotes, tenant-owned. A quote is honoured exactly as
-- stored until expires_at, and once: used_at marks its use.
CREATE TABLE fx_quotes (
    tenant_id      TEXT NOT NULL,
    sandbox        INTEGER NOT NULL,
    id             TEXT NOT NULL,
    sell_currency  TEXT NOT NULL,
    buy_currency   TEXT NOT NULL,
    sell_amount    TEXT NOT NULL,
    buy_amount     TEXT NOT NULL,
    rate           TEXT NOT NULL,
    provider_rate  TEXT NOT NULL,
    provider       TEXT NOT NULL,
    spread_bps     INTEGER NOT NULL,
    reference_rate TEXT NOT NULL,
    reference_date TEXT NOT NULL,
    reference_src  TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    used_at        TIMESTAMP,
    PRIMARY KEY (tenant_id, sandbox, id)
);
