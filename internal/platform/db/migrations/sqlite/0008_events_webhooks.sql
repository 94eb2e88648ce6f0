-- The transactional outbox (package events). A domain inserts its event
-- here in the transaction of the change it describes, so the event exists
-- if and only if the change committed. seq is the order events were
-- published in; the relay hands them to consumers (webhooks) in that
-- order and stamps relayed_at. Rows stay after relaying: deliveries and
-- replays read their payload from here until the retention purge.
CREATE TABLE outbox_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    tenant_id   TEXT NOT NULL,
    sandbox     INTEGER NOT NULL,
    type        TEXT NOT NULL,
    resource_id TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    relayed_at  TIMESTAMP
);
CREATE INDEX outbox_events_unrelayed ON outbox_events (seq) WHERE relayed_at IS NULL;
CREATE INDEX outbox_events_created ON outbox_events (created_at);

-- One row, updated first by every relay run: on PostgreSQL the row lock
-- makes relays of several nodes take turns, which keeps the order of seq.
CREATE TABLE outbox_relay (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    relayed_at TIMESTAMP
);
INSERT INTO outbox_relay (id) VALUES (1);

-- Webhook subscriptions (package webhooks). secret is encrypted with the
-- tenant's data key (keyring); events is a JSON array of event types.
-- Deleting a webhook stamps deleted_at, so its delivery log stays readable
-- to the purge and to audits.
CREATE TABLE webhooks (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    sandbox     INTEGER NOT NULL,
    url         TEXT NOT NULL,
    events      TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    secret      BLOB NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP
);
CREATE INDEX webhooks_scope ON webhooks (tenant_id, sandbox, id);

-- One delivery of one event to one webhook, with its retry state. lane and
-- seq order deliveries: within a webhook, a delivery waits while an earlier
-- one (lower seq) of the same lane — the same resource — is still pending.
-- job_id is the queue job that works it. A replay or test delivery has a
-- lane of its own and replay_of set, so it is not unique per event.
CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL,
    sandbox          INTEGER NOT NULL,
    webhook_id       TEXT NOT NULL REFERENCES webhooks(id),
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    resource_id      TEXT NOT NULL DEFAULT '',
    lane             TEXT NOT NULL,
    seq              INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP,
    last_attempt_at  TIMESTAMP,
    last_status_code INTEGER,
    last_error       TEXT NOT NULL DEFAULT '',
    job_id           INTEGER,
    replay_of        TEXT,
    created_at       TIMESTAMP NOT NULL,
    completed_at     TIMESTAMP
);
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (webhook_id, event_id) WHERE replay_of IS NULL;
CREATE INDEX webhook_deliveries_scope ON webhook_deliveries (tenant_id, sandbox, webhook_id, id);
CREATE INDEX webhook_deliveries_lane ON webhook_deliveries (webhook_id, lane, seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at);

-- Every attempt of a delivery: when, how long, what came back (the body
-- truncated), and when the next one was due.
CREATE TABLE webhook_attempts (
    delivery_id     TEXT NOT NULL REFERENCES webhook_deliveries(id),
    attempt         INTEGER NOT NULL,
    tenant_id       TEXT NOT NULL,
    sandbox         INTEGER NOT NULL,
    attempted_at    TIMESTAMP NOT NULL,
    duration_ms     INTEGER NOT NULL,
    status_code     INTEGER,
    error           TEXT NOT NULL DEFAULT '',
    response_body   TEXT NOT NULL DEFAULT '',
    next_attempt_at TIMESTAMP,
    PRIMARY KEY (delivery_id, attempt)
);
