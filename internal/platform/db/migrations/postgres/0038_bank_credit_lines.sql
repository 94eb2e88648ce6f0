-- The proceeds lines a bank credit paid: one, or several when one
-- transfer pays several settlement lines (its remittance lists their
-- references). A proceeds line is cleared by one credit at most. The
-- credit's own proceeds_id stays set for a credit of one line.
CREATE TABLE settlement_bank_credit_lines (
    tenant_id   TEXT NOT NULL,
    sandbox     BOOLEAN NOT NULL,
    credit_id   TEXT NOT NULL REFERENCES settlement_bank_credits(id),
    proceeds_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, proceeds_id)
);
CREATE INDEX settlement_bank_credit_lines_credit ON settlement_bank_credit_lines (credit_id);

INSERT INTO settlement_bank_credit_lines (tenant_id, sandbox, credit_id, proceeds_id)
    SELECT tenant_id, sandbox, id, proceeds_id FROM settlement_bank_credits WHERE proceeds_id <> '';
