-- Shipments bought through the logistics module and their tracking
-- history. A shipment keeps its label (the carrier's PDF) and the figures
-- rate comparison learns from once it is closed; doc holds the addresses,
-- parcels and the offer it was bought at.
CREATE TABLE shipments (
    tenant_id        TEXT NOT NULL,
    sandbox          BOOLEAN NOT NULL,
    id               TEXT NOT NULL,
    order_id         TEXT NOT NULL,
    service_id       TEXT NOT NULL,
    carrier_code     TEXT NOT NULL,
    tracking_number  TEXT NOT NULL,
    status           TEXT NOT NULL,
    stage            TEXT NOT NULL,
    origin_country   TEXT NOT NULL,
    dest_country     TEXT NOT NULL,
    doc              TEXT NOT NULL,
    label            BYTEA NOT NULL,
    label_media_type TEXT NOT NULL,
    last_event_at    TIMESTAMPTZ,
    delivered_at     TIMESTAMPTZ,
    closed           BOOLEAN NOT NULL DEFAULT FALSE,
    version          BIGINT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, id)
);
-- A carrier never issues one number twice; events find their shipment by it.
CREATE UNIQUE INDEX shipments_tracking ON shipments (tenant_id, sandbox, tracking_number);
CREATE INDEX shipments_order ON shipments (tenant_id, sandbox, order_id);
CREATE INDEX shipments_status ON shipments (tenant_id, sandbox, status, id);

-- Every tracking event received, by any channel (API, webhook, file, EDI,
-- carrier), normalised. shipment_id is '' while no shipment carries the
-- tracking number: such events wait for one instead of being dropped.
-- fingerprint makes a repeated delivery of one event a no-op.
CREATE TABLE shipment_events (
    tenant_id        TEXT NOT NULL,
    sandbox          BOOLEAN NOT NULL,
    id               TEXT NOT NULL,
    shipment_id      TEXT NOT NULL,
    tracking_number  TEXT NOT NULL,
    carrier_code     TEXT NOT NULL,
    status           TEXT NOT NULL,
    status_code      TEXT NOT NULL,
    reason           TEXT NOT NULL,
    description      TEXT NOT NULL,
    event_at         TIMESTAMPTZ NOT NULL,
    event_zone       TEXT NOT NULL,
    location         TEXT NOT NULL,
    country          TEXT NOT NULL,
    source           TEXT NOT NULL,
    source_ref       TEXT NOT NULL,
    applied          BOOLEAN NOT NULL,
    fingerprint      TEXT NOT NULL,
    received_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, id)
);
CREATE UNIQUE INDEX shipment_events_once ON shipment_events (tenant_id, sandbox, tracking_number, fingerprint);
CREATE INDEX shipment_events_shipment ON shipment_events (tenant_id, sandbox, shipment_id, event_at);

-- Exceptions raise alerts a seller works through in the console.
CREATE TABLE shipment_alerts (
    tenant_id       TEXT NOT NULL,
    sandbox         BOOLEAN NOT NULL,
    id              TEXT NOT NULL,
    shipment_id     TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    tracking_number TEXT NOT NULL,
    reason          TEXT NOT NULL,
    description     TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, sandbox, id)
);
CREATE INDEX shipment_alerts_shipment ON shipment_alerts (tenant_id, sandbox, shipment_id);

-- How far the EDI import has read each partition's tracking documents.
CREATE TABLE shipment_edi_cursor (
    tenant_id   TEXT NOT NULL,
    sandbox     BOOLEAN NOT NULL,
    document_id TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, sandbox)
);

-- Closed shipments counted per service and lane (origin → destination
-- country) for rate comparison's quality score, and a histogram of their
-- door-to-door days for its observed transit p80. Counted across tenants
-- (a shared service's record is the platform's), never across the
-- sandbox boundary.
CREATE TABLE shipment_quality (
    sandbox           BOOLEAN NOT NULL,
    service_id        TEXT NOT NULL,
    origin_country    TEXT NOT NULL,
    dest_country      TEXT NOT NULL,
    n                 BIGINT NOT NULL,
    on_time           BIGINT NOT NULL,
    lost_or_damaged   BIGINT NOT NULL,
    first_attempt     BIGINT NOT NULL,
    tracking_complete BIGINT NOT NULL,
    PRIMARY KEY (sandbox, service_id, origin_country, dest_country)
);
CREATE TABLE shipment_transit_days (
    sandbox        BOOLEAN NOT NULL,
    service_id     TEXT NOT NULL,
    origin_country TEXT NOT NULL,
    dest_country   TEXT NOT NULL,
    days           INTEGER NOT NULL,
    n              BIGINT NOT NULL,
    PRIMARY KEY (sandbox, service_id, origin_country, dest_country, days)
);

-- A tenant's default ship-from address, used when a shipment names none.
CREATE TABLE shipment_senders (
    tenant_id  TEXT NOT NULL,
    sandbox    BOOLEAN NOT NULL,
    doc        TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, sandbox)
);
