-- Compliance change alerts (clause 6.3.1.3). Subscriptions and alerts
-- belong to a tenant and one side of the sandbox; notices are the
-- platform's own, written by compliance officers and read by every tenant.
-- Lists ("|EU|US|") are kept as delimited text so both engines match them
-- with LIKE; the alert itself is one JSON document, since it is written
-- once and only its delivery columns change afterwards.
CREATE TABLE compliance_alert_subscriptions (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    sandbox     BOOLEAN NOT NULL,
    markets     TEXT NOT NULL,
    categories  TEXT NOT NULL DEFAULT '',
    channels    TEXT NOT NULL,
    emails      TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX compliance_alert_subscriptions_scope ON compliance_alert_subscriptions (tenant_id, sandbox, id);

-- source names what raised the alert ("rule:EU-TOY-001@3", "notice:ntc_…"):
-- unique per tenant, so a job run twice after a crash raises it once.
CREATE TABLE compliance_alerts (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    sandbox        BOOLEAN NOT NULL,
    source         TEXT NOT NULL,
    in_app         BOOLEAN NOT NULL,
    doc            TEXT NOT NULL,
    read_at        TIMESTAMPTZ,
    email_status   TEXT NOT NULL DEFAULT '',
    email_error    TEXT NOT NULL DEFAULT '',
    webhook_event  TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX compliance_alerts_source ON compliance_alerts (tenant_id, sandbox, source);
CREATE INDEX compliance_alerts_scope ON compliance_alerts (tenant_id, sandbox, id);

CREATE TABLE compliance_notices (
    id           TEXT PRIMARY KEY,
    markets      TEXT NOT NULL,
    categories   TEXT NOT NULL DEFAULT '',
    doc          TEXT NOT NULL,
    published_by TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL
);
