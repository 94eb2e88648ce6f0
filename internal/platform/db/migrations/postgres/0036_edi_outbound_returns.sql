-- Outbound EDI for returns (X12 180, EDIFACT RETANN) and downloadable
-- outbound interchanges.
--
-- return_id names the return an interchange was generated for, as
-- order_id names the order. event_id is the return.updated event an
-- automatic notice answers: one notice per event and partner, so that a
-- relay that hands the same events over again writes nothing twice. body
-- is the interchange as sent, kept so that it can be downloaded again
-- ('' for interchanges recorded before it was kept).
ALTER TABLE edi_outbound ADD COLUMN return_id TEXT NOT NULL DEFAULT '';
ALTER TABLE edi_outbound ADD COLUMN event_id TEXT NOT NULL DEFAULT '';
ALTER TABLE edi_outbound ADD COLUMN body TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX edi_outbound_event ON edi_outbound (tenant_id, sandbox, event_id, partner) WHERE event_id <> '';
CREATE INDEX edi_outbound_return ON edi_outbound (tenant_id, sandbox, return_id) WHERE return_id <> '';
