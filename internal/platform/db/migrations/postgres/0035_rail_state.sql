-- What settlement rail connectors know of the batches sent to them (the
-- message, each transfer and its status), kept in the store rather than in
-- a connector's memory: a restart must not forget transfers that payouts
-- wait on, and every serving node must give the same answer. Rows are
-- scoped by tenant and sandbox like the payouts they carry, and by rail.

-- A batch as the rail received it. phase is the rail's own progress (the
-- bank file rail: ready, then sent once the finance user has uploaded the
-- file to the bank, by sent_by at sent_at); reports counts the status
-- reports issued on it.
CREATE TABLE rail_batches (
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    sandbox      BOOLEAN NOT NULL,
    rail         TEXT NOT NULL,
    id           TEXT NOT NULL,
    reference    TEXT NOT NULL,
    message_type TEXT NOT NULL,
    message      TEXT NOT NULL,
    phase        TEXT NOT NULL DEFAULT '',
    reports      INTEGER NOT NULL DEFAULT 0,
    sent_by      TEXT NOT NULL DEFAULT '',
    sent_at      TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, rail, id)
);

-- One transfer of a batch, in message order (seq), with its last ISO
-- 20022 status ('' while the rail has reported nothing) and the number of
-- status requests that found it not yet final.
CREATE TABLE rail_transfers (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    sandbox       BOOLEAN NOT NULL,
    rail          TEXT NOT NULL,
    batch_id      TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    end_to_end_id TEXT NOT NULL,
    instr_id      TEXT NOT NULL,
    currency      TEXT NOT NULL,
    amount_minor  BIGINT NOT NULL,
    instruction   TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    info          TEXT NOT NULL DEFAULT '',
    polls         INTEGER NOT NULL DEFAULT 0,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, rail, batch_id, seq),
    FOREIGN KEY (tenant_id, sandbox, rail, batch_id) REFERENCES rail_batches (tenant_id, sandbox, rail, id)
);
CREATE UNIQUE INDEX rail_transfers_e2e ON rail_transfers (tenant_id, sandbox, rail, batch_id, end_to_end_id);
