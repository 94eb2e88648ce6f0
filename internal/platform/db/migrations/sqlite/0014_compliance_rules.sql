-- Compliance rules: the platform-wide regulation database (not tenanted:
-- every tenant is checked against the same law). Each row is one version
-- of one rule; rows are only ever added, and a row's body never changes.
-- What does change is its place in the workflow: published_at/publisher
-- are set once when a second officer publishes the draft, and
-- superseded_at once when a later version is published in its place. The
-- version in force for an id is therefore the row with published_at set
-- and superseded_at empty (at most one, by the partial unique index).
-- status is draft, published or retired (a retirement version: the body
-- carries effective_to). market, severity and search (id, titles and
-- references, lower-cased by the application so both engines match alike)
-- sit beside the JSON body for the list filters.
CREATE TABLE compliance_rules (
    id             TEXT NOT NULL,
    version        INTEGER NOT NULL,
    status         TEXT NOT NULL,
    market         TEXT NOT NULL,
    severity       TEXT NOT NULL,
    search         TEXT NOT NULL DEFAULT '',
    body           TEXT NOT NULL,
    author         TEXT NOT NULL,
    publisher      TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    published_at   TIMESTAMP,
    superseded_at  TIMESTAMP,
    PRIMARY KEY (id, version)
);
CREATE UNIQUE INDEX compliance_rules_in_force ON compliance_rules (id)
    WHERE published_at IS NOT NULL AND superseded_at IS NULL;
CREATE INDEX compliance_rules_market ON compliance_rules (market, id)
    WHERE published_at IS NOT NULL AND superseded_at IS NULL;
