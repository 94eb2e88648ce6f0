package shipments

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/edi"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/gateway/ediapi"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/iso"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// EDIDocuments reads the tracking status documents (X12 214, EDIFACT
// IFTSTA) the EDI gateway received.
type EDIDocuments interface {
	Documents(ctx context.Context, f ediapi.DocumentFilter, pg web.Page) (web.List[ediapi.Document], error)
	Document(ctx context.Context, id string) (ediapi.Document, error)
}

// Use wires the service's background work: pulling tracking from carrier
// connectors that are polled (the sandbox carrier among them), and
// taking the tracking events carriers publish on the outbox
// (shipment.tracking_updated, which the sandbox API's parcels emit) and
// the tracking status documents the EDI gateway announces there
// (edi.document_received). Call it before the queue starts. docs may be
// nil (no EDI import).
func (s *Service) Use(q *jobs.Queue, o *events.Outbox, docs EDIDocuments) {
	s.jobs, s.edi = q, docs
	jobs.Handle(q, 2*time.Minute, s.poll)
	jobs.Handle(q, 5*time.Minute, func(ctx context.Context, j *jobs.Job[pushedArgs]) error {
		return s.ingestPushed(ctx, j.Args.Events)
	})
	jobs.Handle(q, 5*time.Minute, func(ctx context.Context, j *jobs.Job[ediArgs]) error {
		return s.ingestAnnounced(ctx, j.Args.Documents)
	})
	o.Subscribe(s)
}

// pollArgs is the job pulling one shipment's tracking from its carrier.
type pollArgs struct {
	TenantID   string `json:"tenant_id"`
	Sandbox    bool   `json:"sandbox"`
	ShipmentID string `json:"shipment_id"`
}

func (pollArgs) Kind() string { return "shipments_poll" }

// maxPollAge ends polling of a shipment the carrier never finishes.
const maxPollAge = 120 * 24 * time.Hour

func (s *Service) schedulePoll(ctx context.Context, id string, every time.Duration) error {
	sc, _ := db.ScopeFrom(ctx)
	_, err := s.jobs.Enqueue(ctx, pollArgs{TenantID: sc.TenantID, Sandbox: sc.Sandbox, ShipmentID: id},
		&jobs.InsertOpts{ScheduledAt: s.now().Add(every), MaxAttempts: 10})
	return err
}

// poll asks the carrier for the shipment's events, outside any
// transaction (it may reach the network), ingests those not seen yet and
// schedules the next poll until the shipment is final. Only one poll is
// pending per shipment: each run enqueues at most one successor.
func (s *Service) poll(ctx context.Context, j *jobs.Job[pollArgs]) error {
	ctx = db.WithScope(ctx, db.Scope{TenantID: j.Args.TenantID, Sandbox: j.Args.Sandbox})
	sh, err := s.get(ctx, j.Args.ShipmentID, false)
	if errors.Is(err, problem.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	conn, ok := s.carriers.lookup(sh.CarrierCode)
	if !ok || conn.PollEvery <= 0 || sh.Status.Final() || sh.Outcome != nil || s.now().Sub(sh.CreatedAt) > maxPollAge {
		return nil
	}
	evs, err := conn.Carrier.Track(ctx, sh.TrackingNumber)
	if err != nil {
		return fmt.Errorf("shipments: track %s at %s: %w", sh.TrackingNumber, conn.Code, err)
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		final := false
		for _, ev := range evs {
			n, ok := s.fromCarrier(conn.Code, sh.TrackingNumber, ev)
			if !ok {
				continue
			}
			r, err := s.ingestOne(ctx, n, SourceCarrier, "poll")
			if err != nil {
				return err
			}
			final = final || (r.Applied && r.Status.Final())
		}
		cur, err := s.get(ctx, sh.ID, false)
		if err != nil {
			return err
		}
		if final || cur.Status.Final() || cur.Outcome != nil {
			return nil
		}
		return s.schedulePoll(ctx, sh.ID, conn.PollEvery)
	})
}

// fromCarrier reads a connector's event into the status model.
func (s *Service) fromCarrier(code, number string, ev carrier.TrackingEvent) (normalized, bool) {
	if !ValidStatus(ev.Status) || ev.At.IsZero() {
		return normalized{}, false
	}
	n := normalized{number: strings.ToUpper(number), carrier: code, status: ev.Status, at: ev.At.UTC(), zone: zoneOf(ev.At),
		location: ev.Location, desc: ev.Description}
	if ev.Status == carrier.Exception {
		n.reason = ev.Reason
		if !validReason(n.reason) {
			n.reason = ReasonOther
		}
	}
	// Connectors write "City, CC": the country is the part after the
	// last comma when it is one.
	if i := strings.LastIndex(ev.Location, ", "); i >= 0 && len(ev.Location)-i-2 == 2 {
		n.country = strings.ToUpper(ev.Location[i+2:])
	}
	return n, true
}

// pushed is one carrier event relayed from the outbox.
type pushed struct {
	TenantID string                `json:"tenant_id"`
	Sandbox  bool                  `json:"sandbox"`
	EventID  string                `json:"event_id"`
	Number   string                `json:"tracking_number"`
	Carrier  string                `json:"carrier"`
	Event    carrier.TrackingEvent `json:"event"`
}

type pushedArgs struct {
	Events []pushed `json:"events"`
}

func (pushedArgs) Kind() string { return "shipments_ingest_pushed" }

// Consume implements events.Consumer: the carrier events of a relayed
// batch become one ingest job, and the EDI tracking documents announced in
// it another, so the relay never waits on tracking. The jobs are enqueued
// in the relay's transaction: a batch relayed again after a crash
// enqueues them again, which ingestion absorbs as duplicates.
func (s *Service) Consume(ctx context.Context, batch []events.Event) error {
	if s.jobs == nil {
		return nil
	}
	var args []jobs.Args
	if ps := s.pushedIn(batch); len(ps) > 0 {
		args = append(args, pushedArgs{Events: ps})
	}
	if s.edi != nil {
		if ds := s.announcedIn(batch); len(ds) > 0 {
			args = append(args, ediArgs{Documents: ds})
		}
	}
	if len(args) == 0 {
		return nil
	}
	_, err := s.jobs.EnqueueMany(ctx, args, nil)
	return err
}

// pushedIn picks the carrier tracking events out of a relayed batch.
func (s *Service) pushedIn(batch []events.Event) []pushed {
	var ps []pushed
	for _, e := range batch {
		if e.Type != events.ShipmentTrackingUpdated {
			continue
		}
		raw, ok := e.Data.(json.RawMessage)
		if !ok {
			b, err := json.Marshal(e.Data)
			if err != nil {
				continue
			}
			raw = b
		}
		var u struct {
			TrackingNumber string                `json:"tracking_number"`
			Carrier        string                `json:"carrier"`
			Event          carrier.TrackingEvent `json:"event"`
		}
		if err := json.Unmarshal(raw, &u); err != nil || u.TrackingNumber == "" {
			s.log.Warn("shipments: tracking event without a number", "event", e.ID)
			continue
		}
		ps = append(ps, pushed{TenantID: e.TenantID, Sandbox: e.Sandbox, EventID: e.ID, Number: u.TrackingNumber,
			Carrier: u.Carrier, Event: u.Event})
	}
	return ps
}

// carrierCode turns the carrier name an event names into a connector
// code: the sandbox carrier's name is its code.
func carrierCode(name string) string {
	if strings.EqualFold(name, "Silkgate Sandbox Post") || name == "" {
		return SandboxCarrierCode
	}
	return strings.ToLower(name)
}

// ingestPushed stores relayed carrier events, each in its partition. A
// repeat (the relay after a crash) is a duplicate and changes nothing.
func (s *Service) ingestPushed(ctx context.Context, ps []pushed) error {
	for _, p := range ps {
		pctx := db.WithScope(ctx, db.Scope{TenantID: p.TenantID, Sandbox: p.Sandbox})
		n, ok := s.fromCarrier(carrierCode(p.Carrier), p.Number, p.Event)
		if !ok {
			continue
		}
		if err := s.db.InTx(pctx, func(ctx context.Context) error {
			_, err := s.ingestOne(ctx, n, SourceCarrier, p.EventID)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// EDIResult is what an EDI import did.
type EDIResult struct {
	Documents int         `json:"documents"`
	Events    BatchResult `json:"events"`
	// Skipped are events that could not be read: no tracking number, a
	// status code that names no stage, or no time.
	Skipped []EDISkip `json:"skipped"`
}

// XMLRoot names the XML root element.
func (EDIResult) XMLRoot() string { return "edi_import" }

// EDISkip names an EDI event that was not imported, and why.
type EDISkip struct {
	DocumentID string `json:"document_id"`
	Index      int    `json:"index"`
	Code       string `json:"code"`
	Reason     string `json:"reason"`
}

// XMLRoot names the XML root element.
func (EDISkip) XMLRoot() string { return "skip" }

// ediPage bounds the documents read per call of Documents.
const ediPage = 100

// announcedDoc is one tracking status document the EDI gateway announced.
type announcedDoc struct {
	TenantID   string `json:"tenant_id"`
	Sandbox    bool   `json:"sandbox"`
	DocumentID string `json:"document_id"`
}

// ediArgs is the job importing announced EDI tracking documents.
type ediArgs struct {
	Documents []announcedDoc `json:"documents"`
}

func (ediArgs) Kind() string { return "shipments_ingest_edi" }

// announcedIn picks the tracking status documents out of a relayed batch.
func (s *Service) announcedIn(batch []events.Event) []announcedDoc {
	var ds []announcedDoc
	for _, e := range batch {
		if e.Type != ediapi.EventDocumentReceived {
			continue
		}
		raw, ok := e.Data.(json.RawMessage)
		if !ok {
			b, err := json.Marshal(e.Data)
			if err != nil {
				continue
			}
			raw = b
		}
		var ref ediapi.DocumentRef
		if err := json.Unmarshal(raw, &ref); err != nil || ref.ID == "" {
			s.log.Warn("shipments: EDI document event without a document", "event", e.ID)
			continue
		}
		if ref.Type != edi.TypeTrackingStatus {
			continue
		}
		ds = append(ds, announcedDoc{TenantID: e.TenantID, Sandbox: e.Sandbox, DocumentID: ref.ID})
	}
	return ds
}

// ingestAnnounced imports announced documents, each in its own partition
// and transaction. Their events are stored by fingerprint, so a document
// imported twice (by a repeated job, or by SyncEDI as well) is counted as
// duplicates and moves no shipment again. The SyncEDI cursor is left
// alone: it marks what the manual import has read, and reading a document
// again there is harmless.
func (s *Service) ingestAnnounced(ctx context.Context, ds []announcedDoc) error {
	for _, a := range ds {
		pctx := db.WithScope(ctx, db.Scope{TenantID: a.TenantID, Sandbox: a.Sandbox})
		err := s.db.InTx(pctx, func(ctx context.Context) error {
			d, err := s.edi.Document(ctx, a.DocumentID)
			if errors.Is(err, problem.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			res := EDIResult{Documents: 1, Events: BatchResult{Results: []EventResult{}}, Skipped: []EDISkip{}}
			if err := s.ingestDocument(ctx, d, &res); err != nil {
				return err
			}
			if res.Events.Accepted == 0 {
				// Nothing new: a repeat leaves no trace either.
				return nil
			}
			return s.audit.Record(ctx, audit.Event{Action: "logistics.tracking.edi_import", Resource: "edi_document/" + d.ID,
				Change: map[string]any{"documents": 1, "accepted": res.Events.Accepted, "duplicates": res.Events.Duplicates,
					"skipped": len(res.Skipped), "trigger": "received"}})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ingestDocument imports the events of one tracking status document in
// the transaction in ctx, adding what it did to res.
func (s *Service) ingestDocument(ctx context.Context, d ediapi.Document, res *EDIResult) error {
	var ts edi.TrackingStatus
	if err := json.Unmarshal(d.Body, &ts); err != nil {
		res.Skipped = append(res.Skipped, EDISkip{DocumentID: d.ID, Index: -1, Reason: "unreadable_document"})
		return nil
	}
	for j, ev := range ts.Events {
		n, why := fromEDI(ts, ev)
		if why != "" {
			res.Skipped = append(res.Skipped, EDISkip{DocumentID: d.ID, Index: j, Code: ev.Code, Reason: why})
			continue
		}
		r, err := s.ingestOne(ctx, n, SourceEDI, d.ID)
		if err != nil {
			return err
		}
		r.Index = len(res.Events.Results)
		res.Events.add(r)
	}
	return nil
}

// SyncEDI imports the tracking status documents received by EDI since the
// last import, oldest first, and moves the partition's cursor past them.
// Running it again imports nothing twice.
func (s *Service) SyncEDI(ctx context.Context) (EDIResult, error) {
	res := EDIResult{Events: BatchResult{Results: []EventResult{}}, Skipped: []EDISkip{}}
	if s.edi == nil {
		return res, nil
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		var cursor string
		err = q.QueryRowContext(ctx, `SELECT document_id FROM shipment_edi_cursor WHERE tenant_id = $1 AND sandbox = $2`).Scan(&cursor)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("shipments: edi cursor: %w", err)
		}
		var docs []ediapi.Document
		pg := web.Page{Limit: ediPage}
	pages:
		for {
			l, err := s.edi.Documents(ctx, ediapi.DocumentFilter{Type: edi.TypeTrackingStatus}, pg)
			if err != nil {
				return err
			}
			for _, d := range l.Items {
				if d.ID <= cursor {
					break pages
				}
				docs = append(docs, d)
			}
			if l.NextCursor == "" {
				break
			}
			pg.After = l.NextCursor
		}
		if len(docs) == 0 {
			return nil
		}
		for k := len(docs) - 1; k >= 0; k-- {
			if err := s.ingestDocument(ctx, docs[k], &res); err != nil {
				return err
			}
		}
		res.Documents = len(docs)
		if _, err := q.ExecContext(ctx, `INSERT INTO shipment_edi_cursor (tenant_id, sandbox, document_id, updated_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, sandbox) DO UPDATE SET document_id = excluded.document_id,
			updated_at = excluded.updated_at`, docs[0].ID, s.stamp()); err != nil {
			return fmt.Errorf("shipments: edi cursor: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "logistics.tracking.edi_import", Resource: "tracking_events",
			Change: map[string]any{"documents": res.Documents, "accepted": res.Events.Accepted,
				"duplicates": res.Events.Duplicates, "skipped": len(res.Skipped), "through": docs[0].ID}})
	})
	return res, err
}

// fromEDI reads one event of a 214/IFTSTA into the status model, or says
// why it cannot.
func fromEDI(ts edi.TrackingStatus, ev edi.TrackingEvent) (normalized, string) {
	number := ts.TrackingNumber
	if number == "" {
		number = ev.Consignment
	}
	if number == "" {
		number = ts.ShipmentID
	}
	number = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(number), " ", ""))
	if number == "" || len(number) > 40 || !trackingChars(number) {
		return normalized{}, "no_tracking_number"
	}
	if ev.Stage == "" {
		return normalized{}, "unknown_status_code"
	}
	ats := ev.At
	if ats == "" {
		ats = ts.IssuedAt
	}
	at, zone, ok := parseAt(ats)
	if !ok {
		return normalized{}, "no_event_time"
	}
	loc := ev.Place
	if loc == "" {
		loc = strings.Trim(strings.Join([]string{ev.City, ev.Region}, ", "), ", ")
	}
	if loc == "" {
		loc = ev.LocationCode
	}
	n := normalized{number: number, carrier: strings.ToLower(ts.Carrier), status: carrier.Status(ev.Stage), code: ev.Code,
		at: at, zone: zone, location: loc, country: strings.ToUpper(ev.Country)}
	if !iso.Country(n.country) {
		n.country = ""
	}
	if len(n.code) > 20 {
		n.code = n.code[:20]
	}
	if len(n.carrier) > 40 {
		n.carrier = n.carrier[:40]
	}
	if n.status == carrier.Exception {
		list := CodesX12
		if ev.Code != "" && ev.Code[0] >= '0' && ev.Code[0] <= '9' {
			list = CodesRec24
		}
		if n.reason = impliedReason(list, ev.Code); n.reason == "" {
			n.reason = ReasonOther
		}
	}
	return n, ""
}
