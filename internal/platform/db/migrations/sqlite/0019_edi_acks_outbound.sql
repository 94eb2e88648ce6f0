-- EDI acknowledgement tracking (clause 6.2.1): every interchange the
-- platform sends, the control numbers a partner's 997, 999 or CONTRL will
-- quote, and the acknowledgements received, matched or not.

-- One row per interchange sent: outbound documents (855, 856, DESADV),
-- which the partner is expected to acknowledge, and the platform's own
-- acknowledgements, which are recorded for tracing but expect nothing.
-- receiver_id and sender_id are the bare interchange ids (no qualifier):
-- partners answer with the qualifier they prefer, the id is what matches.
-- status is pending until an acknowledgement arrives; "overdue" is
-- computed when read (pending and older than the configured time), so a
-- change of that time applies to what is already waiting.
CREATE TABLE edi_outbound (
    tenant_id      TEXT NOT NULL,
    sandbox        INTEGER NOT NULL,
    id             TEXT NOT NULL,
    kind           TEXT NOT NULL,
    partner        TEXT NOT NULL,
    standard       TEXT NOT NULL,
    sender_id      TEXT NOT NULL,
    receiver_id    TEXT NOT NULL,
    control_number TEXT NOT NULL,
    order_id       TEXT NOT NULL,
    expects_ack    INTEGER NOT NULL,
    status         TEXT NOT NULL,
    sent_at        TIMESTAMP NOT NULL,
    acked_at       TIMESTAMP,
    PRIMARY KEY (tenant_id, sandbox, id)
);
CREATE INDEX edi_outbound_control ON edi_outbound (tenant_id, sandbox, standard, receiver_id, control_number);
CREATE INDEX edi_outbound_waiting ON edi_outbound (tenant_id, sandbox, status, sent_at);

-- The transaction sets (messages) of an outbound interchange with the
-- partner's verdict on each. Control numbers are kept without leading
-- zeros, as a partner may or may not pad them.
CREATE TABLE edi_outbound_sets (
    tenant_id      TEXT NOT NULL,
    sandbox        INTEGER NOT NULL,
    outbound_id    TEXT NOT NULL,
    functional_id  TEXT NOT NULL,
    group_control  TEXT NOT NULL,
    control_number TEXT NOT NULL,
    type           TEXT NOT NULL,
    reference      TEXT NOT NULL,
    status         TEXT NOT NULL,
    codes          TEXT NOT NULL,
    errors         TEXT NOT NULL,
    acked_at       TIMESTAMP,
    PRIMARY KEY (tenant_id, sandbox, outbound_id, group_control, control_number)
);
CREATE INDEX edi_outbound_sets_group ON edi_outbound_sets (tenant_id, sandbox, group_control);

-- Acknowledgements received from partners (their documents are in
-- edi_documents with the same id). outbound_id is '' when nothing sent
-- matches: such an acknowledgement is kept and listed, never refused.
CREATE TABLE edi_acks (
    tenant_id      TEXT NOT NULL,
    sandbox        INTEGER NOT NULL,
    id             TEXT NOT NULL,
    interchange_id TEXT NOT NULL,
    standard       TEXT NOT NULL,
    sender_id      TEXT NOT NULL,
    acked_control  TEXT NOT NULL,
    functional_id  TEXT NOT NULL,
    status         TEXT NOT NULL,
    outbound_id    TEXT NOT NULL,
    received_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, id)
);
CREATE INDEX edi_acks_outbound ON edi_acks (tenant_id, sandbox, outbound_id);
