-- Cargo insurance (clause 6.3.2.3). Amounts are decimal strings in the
-- currency's minor units, as the API shows them; nothing goes through a
-- binary type. A quote is bound at most once: the policy's quote_id is
-- unique per tenant and mode.
CREATE TABLE insurance_quotes (
    tenant_id       TEXT NOT NULL,
    sandbox         INTEGER NOT NULL,
    id              TEXT NOT NULL,
    currency        TEXT NOT NULL,
    cargo_value     TEXT NOT NULL,
    incoterm        TEXT NOT NULL,
    freight         TEXT,
    commodity       TEXT NOT NULL,
    transport       TEXT NOT NULL,
    route_from      TEXT NOT NULL,
    route_to        TEXT NOT NULL,
    uplift_percent  TEXT NOT NULL,
    cif             TEXT NOT NULL,
    insured_value   TEXT NOT NULL,
    premium         TEXT NOT NULL,
    rate            TEXT NOT NULL,
    base_rate       TEXT NOT NULL,
    band            TEXT NOT NULL,
    band_factor     TEXT NOT NULL,
    deductible      TEXT NOT NULL,
    minimum_applied INTEGER NOT NULL,
    tariff_version  TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, id)
);

CREATE TABLE insurance_policies (
    tenant_id       TEXT NOT NULL,
    sandbox         INTEGER NOT NULL,
    id              TEXT NOT NULL,
    quote_id        TEXT NOT NULL,
    shipment_id     TEXT NOT NULL,
    order_id        TEXT NOT NULL,
    insured_name    TEXT NOT NULL,
    insured_address TEXT NOT NULL,
    insured_country TEXT NOT NULL,
    beneficiary     TEXT NOT NULL,
    cargo_description TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, id),
    UNIQUE (tenant_id, sandbox, quote_id),
    FOREIGN KEY (tenant_id, sandbox, quote_id) REFERENCES insurance_quotes (tenant_id, sandbox, id)
);

-- Claims move submitted → under_review → approved | rejected, approved →
-- paid; payable = assessed amount − deductible, never below zero.
CREATE TABLE insurance_claims (
    tenant_id       TEXT NOT NULL,
    sandbox         INTEGER NOT NULL,
    id              TEXT NOT NULL,
    policy_id       TEXT NOT NULL,
    loss_type       TEXT NOT NULL,
    currency        TEXT NOT NULL,
    amount          TEXT NOT NULL,
    description     TEXT NOT NULL,
    documents       TEXT NOT NULL,
    occurred_on     TEXT NOT NULL,
    status          TEXT NOT NULL,
    assessed_amount TEXT,
    deductible      TEXT,
    payable         TEXT,
    reason          TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, id),
    FOREIGN KEY (tenant_id, sandbox, policy_id) REFERENCES insurance_policies (tenant_id, sandbox, id)
);
CREATE INDEX insurance_claims_policy ON insurance_claims (tenant_id, sandbox, policy_id);

-- Credit guarantee. A buyer's limit and its current exposure are kept in
-- integer minor units so that one guarded UPDATE (exposure + amount ≤
-- limit) decides atomically on both engines whether a guarantee or an
-- open-account receivable fits; the decimal strings are kept for display.
CREATE TABLE credit_limits (
    tenant_id      TEXT NOT NULL,
    sandbox        INTEGER NOT NULL,
    buyer          TEXT NOT NULL,
    currency       TEXT NOT NULL,
    limit_minor    INTEGER NOT NULL,
    exposure_minor INTEGER NOT NULL,
    grade          TEXT NOT NULL,
    note           TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, buyer)
);

CREATE TABLE credit_guarantees (
    tenant_id    TEXT NOT NULL,
    sandbox      INTEGER NOT NULL,
    id           TEXT NOT NULL,
    buyer        TEXT NOT NULL,
    currency     TEXT NOT NULL,
    amount       TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    days         INTEGER NOT NULL,
    annual_rate  TEXT NOT NULL,
    rate_source  TEXT NOT NULL,
    fee          TEXT NOT NULL,
    reference    TEXT NOT NULL,
    status       TEXT NOT NULL,
    issued_at    TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    closed_at    TIMESTAMP,
    PRIMARY KEY (tenant_id, sandbox, id),
    FOREIGN KEY (tenant_id, sandbox, buyer) REFERENCES credit_limits (tenant_id, sandbox, buyer)
);
CREATE INDEX credit_guarantees_due ON credit_guarantees (tenant_id, sandbox, buyer, status, expires_at);

CREATE TABLE credit_receivables (
    tenant_id    TEXT NOT NULL,
    sandbox      INTEGER NOT NULL,
    id           TEXT NOT NULL,
    buyer        TEXT NOT NULL,
    currency     TEXT NOT NULL,
    amount       TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    reference    TEXT NOT NULL,
    due_date     TEXT NOT NULL,
    status       TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    settled_at   TIMESTAMP,
    PRIMARY KEY (tenant_id, sandbox, id),
    FOREIGN KEY (tenant_id, sandbox, buyer) REFERENCES credit_limits (tenant_id, sandbox, buyer)
);
CREATE INDEX credit_receivables_buyer ON credit_receivables (tenant_id, sandbox, buyer, status);
