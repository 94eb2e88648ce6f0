package shipments

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// EventResult says what became of one ingested event.
type EventResult struct {
	Index   int    `json:"index"`
	EventID string `json:"event_id,omitempty"`
	// ShipmentID is empty for an event whose number no shipment carries
	// yet: it is kept and matched when one does.
	ShipmentID string         `json:"shipment_id,omitempty"`
	Status     carrier.Status `json:"status"`
	Matched    bool           `json:"matched"`
	Applied    bool           `json:"applied"`
	// Duplicate is true for an event received before (same number,
	// status, time, place and reason): nothing was stored twice.
	Duplicate bool `json:"duplicate"`
}

// XMLRoot names the XML root element.
func (EventResult) XMLRoot() string { return "result" }

// Batch is the body of POST /api/v1/tracking/events.
type Batch struct {
	Events []EventInput `json:"events"`
}

// XMLRoot names the XML root element.
func (Batch) XMLRoot() string { return "tracking_events" }

// BatchResult answers an ingested batch.
type BatchResult struct {
	Accepted   int           `json:"accepted"`
	Matched    int           `json:"matched"`
	Unmatched  int           `json:"unmatched"`
	Duplicates int           `json:"duplicates"`
	Results    []EventResult `json:"results"`
}

// XMLRoot names the XML root element.
func (BatchResult) XMLRoot() string { return "tracking_result" }

// MaxBatch bounds the events of one API call.
const MaxBatch = 1000

// Ingest stores a batch of events sent by API or webhook. The batch is
// checked whole first: one bad event refuses all of it with the field at
// fault (events[3].at), and nothing is stored.
func (s *Service) Ingest(ctx context.Context, b Batch, source, carrierCode string) (BatchResult, error) {
	var fs problem.Errors
	if len(b.Events) == 0 {
		fs.Add("events", "min_items", "min", 1)
	} else if len(b.Events) > MaxBatch {
		fs.Add("events", "max_items", "max", MaxBatch)
	}
	ns := make([]normalized, len(b.Events))
	for i, in := range b.Events {
		if carrierCode != "" {
			in.Carrier = carrierCode
		}
		ns[i] = s.carriers.normalize(&fs, fmt.Sprintf("events[%d].", i), in)
	}
	if err := fs.Err(); err != nil {
		return BatchResult{}, err
	}
	res := BatchResult{Results: make([]EventResult, 0, len(ns))}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		for i, n := range ns {
			r, err := s.ingestOne(ctx, n, source, "")
			if err != nil {
				return err
			}
			r.Index = i
			res.add(r)
		}
		return s.audit.Record(ctx, audit.Event{Action: "logistics.tracking.ingest", Resource: "tracking_events",
			Change: map[string]any{"source": source, "carrier": carrierCode, "accepted": res.Accepted,
				"matched": res.Matched, "unmatched": res.Unmatched, "duplicates": res.Duplicates}})
	})
	if err != nil {
		return BatchResult{}, err
	}
	return res, nil
}

func (b *BatchResult) add(r EventResult) {
	b.Results = append(b.Results, r)
	switch {
	case r.Duplicate:
		b.Duplicates++
	case r.Matched:
		b.Accepted++
		b.Matched++
	default:
		b.Accepted++
		b.Unmatched++
	}
}

// fingerprint identifies an event across channels and repeats.
func (n normalized) fingerprint() string {
	h := sha256.Sum256([]byte(strings.Join([]string{string(n.status), n.code, n.reason,
		n.at.UTC().Format(time.RFC3339), strings.ToLower(n.location), n.country}, "\x1f")))
	return hex.EncodeToString(h[:16])
}

// ingestOne stores one event in the transaction in ctx and, when a
// shipment carries its number, applies it.
func (s *Service) ingestOne(ctx context.Context, n normalized, source, ref string) (EventResult, error) {
	q, err := s.db.Tenant(ctx)
	if err != nil {
		return EventResult{}, err
	}
	sh, found, err := s.lockByNumber(ctx, q, n.number)
	if err != nil {
		return EventResult{}, err
	}
	ev := Event{ID: ids.New("tev"), TrackingNumber: n.number, CarrierCode: n.carrier, Status: n.status,
		StatusCode: n.code, Reason: n.reason, Description: n.desc, At: n.at, Location: n.location, Country: n.country,
		Source: source, SourceRef: ref, ReceivedAt: s.stamp()}
	if found {
		ev.ShipmentID = sh.ID
		if ev.CarrierCode == "" {
			ev.CarrierCode = sh.CarrierCode
		}
	}
	res, err := q.ExecContext(ctx, `INSERT INTO shipment_events (tenant_id, sandbox, id, shipment_id, tracking_number,
		carrier_code, status, status_code, reason, description, event_at, event_zone, location, country, source,
		source_ref, applied, fingerprint, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
		$14, $15, $16, $17, $18, $19) ON CONFLICT (tenant_id, sandbox, tracking_number, fingerprint) DO NOTHING`,
		ev.ID, ev.ShipmentID, ev.TrackingNumber, ev.CarrierCode, string(ev.Status), ev.StatusCode, ev.Reason,
		ev.Description, ev.At, n.zone, ev.Location, ev.Country, ev.Source, ev.SourceRef, false, n.fingerprint(), ev.ReceivedAt)
	if err != nil {
		return EventResult{}, fmt.Errorf("shipments: store event: %w", err)
	}
	out := EventResult{EventID: ev.ID, ShipmentID: ev.ShipmentID, Status: ev.Status, Matched: found}
	if k, err := res.RowsAffected(); err != nil {
		return EventResult{}, err
	} else if k == 0 {
		out.EventID, out.Duplicate = "", true
		return out, nil
	}
	if !found {
		if s.reverse != nil {
			// Kept as unmatched all the same: the event stays on record
			// with the channel it came by.
			if _, err := s.reverse.TrackingUpdate(ctx, n.number, n.status); err != nil {
				return EventResult{}, fmt.Errorf("shipments: pass on %s: %w", n.number, err)
			}
		}
		return out, nil
	}
	applied, err := s.apply(ctx, q, sh, []Event{ev})
	if err != nil {
		return EventResult{}, err
	}
	out.Applied = applied[ev.ID]
	return out, nil
}

// lockByNumber finds the shipment carrying a tracking number; on
// PostgreSQL it locks the row so that two events for one parcel apply one
// after the other (SQLite's single writer already does).
func (s *Service) lockByNumber(ctx context.Context, q db.Tenanted, number string) (Shipment, bool, error) {
	query := `SELECT ` + shipCols + ` FROM shipments WHERE tenant_id = $1 AND sandbox = $2 AND tracking_number = $3`
	if s.db.Engine() == db.Postgres {
		query += ` FOR UPDATE`
	}
	sh, err := scanShipment(q.QueryRowContext(ctx, query, number))
	if errors.Is(err, sql.ErrNoRows) {
		return Shipment{}, false, nil
	}
	if err != nil {
		return Shipment{}, false, fmt.Errorf("shipments: find %s: %w", number, err)
	}
	return sh, true, nil
}

// matchWaiting attaches the events kept for number to its shipment, now
// that there is one, and applies them in the order they happened.
func (s *Service) matchWaiting(ctx context.Context, number string) (int, error) {
	q, err := s.db.Tenant(ctx)
	if err != nil {
		return 0, err
	}
	sh, found, err := s.lockByNumber(ctx, q, number)
	if err != nil || !found {
		return 0, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+eventCols+` FROM shipment_events WHERE tenant_id = $1 AND sandbox = $2
		AND tracking_number = $3 AND shipment_id = '' ORDER BY event_at, id`, number)
	if err != nil {
		return 0, fmt.Errorf("shipments: waiting events: %w", err)
	}
	evs, err := db.Collect(rows, func(r db.Row) (Event, error) { return scanEvent(r) })
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	if _, err := q.ExecContext(ctx, `UPDATE shipment_events SET shipment_id = $4, carrier_code = CASE WHEN carrier_code = ''
		THEN $5 ELSE carrier_code END WHERE tenant_id = $1 AND sandbox = $2 AND tracking_number = $3 AND shipment_id = ''`,
		number, sh.ID, sh.CarrierCode); err != nil {
		return 0, fmt.Errorf("shipments: match events: %w", err)
	}
	for i := range evs {
		evs[i].ShipmentID = sh.ID
	}
	if _, err := s.apply(ctx, q, sh, evs); err != nil {
		return 0, err
	}
	return len(evs), nil
}

// apply moves sh through evs (already stored), in the order they
// happened, and records what follows: the new status, an alert per
// applied exception, the outcome once the shipment is closed, and the
// events for the seller's systems.
func (s *Service) apply(ctx context.Context, q db.Tenanted, sh Shipment, evs []Event) (map[string]bool, error) {
	slices.SortStableFunc(evs, func(a, b Event) int { return a.At.Compare(b.At) })
	p := Progress{Status: sh.Status, Stage: sh.Stage}
	if sh.LastEventAt != nil {
		p.At = *sh.LastEventAt
	}
	var d shipDoc
	if err := s.loadDoc(ctx, q, sh.ID, &d); err != nil {
		return nil, err
	}
	applied := map[string]bool{}
	var (
		raised  []Alert
		changed bool
	)
	for _, ev := range evs {
		if ev.Status != carrier.Exception && ev.Status != carrier.Returned && !slices.Contains(d.StagesSeen, string(ev.Status)) {
			d.StagesSeen = append(d.StagesSeen, string(ev.Status))
			changed = true
		}
		next, ok := p.Step(ev.Status, ev.At)
		if !ok {
			continue
		}
		p, applied[ev.ID], changed = next, true, true
		switch ev.Status {
		case carrier.Exception:
			d.Exception = &OpenException{Reason: ev.Reason, Description: ev.Description, At: ev.At}
			raised = append(raised, Alert{ID: ids.New("sha"), ShipmentID: sh.ID, EventID: ev.ID,
				TrackingNumber: sh.TrackingNumber, Reason: ev.Reason, Description: ev.Description, CreatedAt: s.stamp()})
		default:
			d.Exception = nil
		}
		if ev.Status == carrier.Delivered {
			at := ev.At
			sh.DeliveredAt = &at
		}
	}
	if !changed {
		return applied, nil
	}
	slices.SortFunc(d.StagesSeen, func(a, b string) int { return rank[carrier.Status(a)] - rank[carrier.Status(b)] })
	for id := range applied {
		if _, err := q.ExecContext(ctx, `UPDATE shipment_events SET applied = $4 WHERE tenant_id = $1 AND sandbox = $2
			AND id = $3`, id, true); err != nil {
			return nil, fmt.Errorf("shipments: mark event: %w", err)
		}
	}
	for _, a := range raised {
		if _, err := q.ExecContext(ctx, `INSERT INTO shipment_alerts (tenant_id, sandbox, id, shipment_id, event_id,
			tracking_number, reason, description, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			a.ID, a.ShipmentID, a.EventID, a.TrackingNumber, a.Reason, a.Description, a.CreatedAt); err != nil {
			return nil, fmt.Errorf("shipments: raise alert: %w", err)
		}
	}
	lost := p.Status == carrier.Exception && d.Exception != nil && d.Exception.Reason == carrier.ReasonLost
	closing := d.Outcome == nil && (p.Status.Final() || lost)
	if closing {
		o, err := s.outcome(ctx, q, sh, d, p)
		if err != nil {
			return nil, err
		}
		d.Outcome = &o
	}
	doc, err := s.mergeDoc(ctx, q, sh.ID, d)
	if err != nil {
		return nil, err
	}
	var last any
	if !p.At.IsZero() {
		last = p.At
	}
	var delivered any
	if sh.DeliveredAt != nil {
		delivered = *sh.DeliveredAt
	}
	now := s.stamp()
	if _, err := q.ExecContext(ctx, `UPDATE shipments SET status = $4, stage = $5, doc = $6, last_event_at = $7,
		delivered_at = $8, closed = $9, version = version + 1, updated_at = $10
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`,
		sh.ID, string(p.Status), string(p.Stage), doc, last, delivered, d.Outcome != nil, now); err != nil {
		return nil, fmt.Errorf("shipments: update: %w", err)
	}
	if closing {
		if err := s.count(ctx, sh, *d.Outcome); err != nil {
			return nil, err
		}
	}
	cur, err := s.get(ctx, sh.ID, false)
	if err != nil {
		return nil, err
	}
	if q, _ := ctx.Value(quietKey{}).(bool); q {
		return applied, nil
	}
	if err := s.events.Publish(ctx, events.Event{Type: events.ShipmentUpdated, ResourceID: sh.ID, Data: cur}); err != nil {
		return nil, err
	}
	for _, a := range raised {
		if err := s.events.Publish(ctx, events.Event{Type: ShipmentException, ResourceID: sh.ID,
			Data: map[string]any{"alert": a, "shipment": cur}}); err != nil {
			return nil, err
		}
	}
	return applied, nil
}

func (s *Service) loadDoc(ctx context.Context, q db.Tenanted, id string, d *shipDoc) error {
	var doc string
	if err := q.QueryRowContext(ctx, `SELECT doc FROM shipments WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id).
		Scan(&doc); err != nil {
		return fmt.Errorf("shipments: load %s: %w", id, err)
	}
	return json.Unmarshal([]byte(doc), d)
}

func (s *Service) mergeDoc(ctx context.Context, q db.Tenanted, id string, d shipDoc) (string, error) {
	b, err := json.Marshal(d)
	return string(b), err
}

// expected are the stages a complete history shows, in order: every
// cross-border stage abroad, the domestic ones at home.
func expected(origin, dest string) []carrier.Status {
	if origin != "" && origin == dest {
		return []carrier.Status{carrier.LabelCreated, carrier.PickedUp, carrier.OutForDelivery, carrier.Delivered}
	}
	return []carrier.Status{carrier.LabelCreated, carrier.PickedUp, carrier.ExportCustoms, carrier.Departed,
		carrier.ArrivedDestinationCountry, carrier.ImportCustoms, carrier.OutForDelivery, carrier.Delivered}
}

// outcome works out how a closing shipment went, from its whole history.
func (s *Service) outcome(ctx context.Context, q db.Tenanted, sh Shipment, d shipDoc, p Progress) (Outcome, error) {
	evs, err := s.history(ctx, q, sh.ID)
	if err != nil {
		return Outcome{}, err
	}
	o := Outcome{Result: "lost"}
	switch p.Status {
	case carrier.Delivered:
		o.Result = "delivered"
	case carrier.Returned:
		o.Result = "returned"
	}
	var (
		start, firstOut time.Time
		outs            int
		failedAfterOut  bool
	)
	for _, ev := range evs {
		switch ev.Status {
		case carrier.PickedUp:
			if start.IsZero() || ev.At.Before(start) {
				start = ev.At
			}
		case carrier.OutForDelivery:
			outs++
			if firstOut.IsZero() || ev.At.Before(firstOut) {
				firstOut = ev.At
			}
		case carrier.Exception:
			if ev.Reason == carrier.ReasonLost || ev.Reason == ReasonDamaged {
				o.LostOrDamaged = true
			}
		}
	}
	for _, ev := range evs {
		if ev.Status == carrier.Exception && !firstOut.IsZero() && !ev.At.Before(firstOut) {
			failedAfterOut = true
		}
	}
	if start.IsZero() {
		start = sh.CreatedAt
	}
	if o.Result == "delivered" && sh.DeliveredAt != nil {
		hours := sh.DeliveredAt.Sub(start).Hours()
		o.TransitDays = max(1, int((hours+23.999)/24))
		o.OnTime = sh.QuotedDays.Max == 0 || o.TransitDays <= sh.QuotedDays.Max
		o.FirstAttempt = outs <= 1 && !failedAfterOut
	}
	// Complete: every expected stage up to the furthest one reached was
	// scanned.
	o.TrackingComplete = true
	for _, st := range expected(sh.From.Country, sh.To.Country) {
		if rank[st] > rank[p.Stage] {
			break
		}
		if !slices.Contains(d.StagesSeen, string(st)) {
			o.TrackingComplete = false
		}
	}
	return o, nil
}

const eventCols = `id, shipment_id, tracking_number, carrier_code, status, status_code, reason, description, event_at,
	event_zone, location, country, source, source_ref, applied, received_at`

func scanEvent(sc interface{ Scan(...any) error }) (Event, error) {
	var (
		ev     Event
		status string
		zone   string
	)
	if err := sc.Scan(&ev.ID, &ev.ShipmentID, &ev.TrackingNumber, &ev.CarrierCode, &status, &ev.StatusCode, &ev.Reason,
		&ev.Description, &ev.At, &zone, &ev.Location, &ev.Country, &ev.Source, &ev.SourceRef, &ev.Applied,
		&ev.ReceivedAt); err != nil {
		return Event{}, err
	}
	ev.Status, ev.At, ev.ReceivedAt = carrier.Status(status), inZone(ev.At, zone), ev.ReceivedAt.UTC()
	return ev, nil
}

func (s *Service) history(ctx context.Context, q db.Tenanted, shipmentID string) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+eventCols+` FROM shipment_events WHERE tenant_id = $1 AND sandbox = $2
		AND shipment_id = $3 ORDER BY event_at, received_at, id`, shipmentID)
	if err != nil {
		return nil, fmt.Errorf("shipments: history: %w", err)
	}
	evs, err := db.Collect(rows, func(r db.Row) (Event, error) { return scanEvent(r) })
	if err != nil {
		return nil, fmt.Errorf("shipments: history: %w", err)
	}
	if evs == nil {
		evs = []Event{}
	}
	return evs, nil
}

// Unmatched lists the events no shipment carries the number of yet,
// newest first.
func (s *Service) Unmatched(ctx context.Context, pg web.Page) (web.List[Event], error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Event]{}, err
	}
	query := `SELECT ` + eventCols + ` FROM shipment_events WHERE tenant_id = $1 AND sandbox = $2 AND shipment_id = ''`
	var args []any
	if pg.After != "" {
		query += ` AND id < $3`
		args = append(args, pg.After)
	}
	query += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, pg.FetchLimit())
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return web.List[Event]{}, fmt.Errorf("shipments: unmatched: %w", err)
	}
	evs, err := db.Collect(rows, func(r db.Row) (Event, error) { return scanEvent(r) })
	if err != nil {
		return web.List[Event]{}, fmt.Errorf("shipments: unmatched: %w", err)
	}
	return web.NewList(pg, evs, func(e Event) string { return e.ID }), nil
}

// Alerts lists the exceptions raised, newest first; shipmentID narrows
// them to one shipment.
func (s *Service) Alerts(ctx context.Context, shipmentID string, pg web.Page) (web.List[Alert], error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Alert]{}, err
	}
	query := `SELECT id, shipment_id, event_id, tracking_number, reason, description, created_at FROM shipment_alerts
		WHERE tenant_id = $1 AND sandbox = $2`
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args)+2)
	}
	if shipmentID != "" {
		query += ` AND shipment_id = ` + arg(shipmentID)
	}
	if pg.After != "" {
		query += ` AND id < ` + arg(pg.After)
	}
	query += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, pg.FetchLimit())
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return web.List[Alert]{}, fmt.Errorf("shipments: alerts: %w", err)
	}
	as, err := db.Collect(rows, func(r db.Row) (Alert, error) {
		var a Alert
		err := r.Scan(&a.ID, &a.ShipmentID, &a.EventID, &a.TrackingNumber, &a.Reason, &a.Description, &a.CreatedAt)
		a.CreatedAt = a.CreatedAt.UTC()
		return a, err
	})
	if err != nil {
		return web.List[Alert]{}, fmt.Errorf("shipments: alerts: %w", err)
	}
	return web.NewList(pg, as, func(a Alert) string { return a.ID }), nil
}
