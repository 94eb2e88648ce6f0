package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/connectors/carrier/sandboxcarrier"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// CarrierName is the simulated carrier's name in events and labels.
const CarrierName = "Silkgate Sandbox Post"

// Sender is the return address printed on sandbox labels: the seller's
// warehouse, simulated.
var Sender = carrier.Address{Name: "Sandbox Seller Warehouse", Line1: "88 Futian Road", City: "Yiwu",
	Region: "Zhejiang", Postcode: "322000", Country: "CN", Phone: "+8657900000000"}

// LabelRequest is the body of POST /api/v1/sandbox/carrier/labels.
type LabelRequest struct {
	OrderID string `json:"order_id"`
	// Service is express, standard (default) or economy.
	Service string `json:"service,omitempty"`
	// Scenario forces a course (delivered, address_problem, customs_hold,
	// lost, returned); by default the recipient's postcode decides.
	Scenario string `json:"scenario,omitempty"`
}

// XMLRoot names the XML root element.
func (LabelRequest) XMLRoot() string { return "label_request" }

// Validate checks the request.
func (r *LabelRequest) Validate() error {
	var fs problem.Errors
	r.OrderID = strings.TrimSpace(r.OrderID)
	r.Service = strings.ToLower(strings.TrimSpace(r.Service))
	r.Scenario = strings.ToLower(strings.TrimSpace(r.Scenario))
	if r.OrderID == "" {
		fs.Add("order_id", "required")
	}
	if r.Service == "" {
		r.Service = sandboxcarrier.DefaultService
	} else if !sandboxcarrier.ServiceValid(r.Service) {
		fs.Add("service", "one_of", "values", "express, standard, economy")
	}
	if r.Scenario != "" && !sandboxcarrier.Scenario(r.Scenario).Valid() {
		fs.Add("scenario", "one_of", "values", "delivered, address_problem, customs_hold, lost, returned")
	}
	return fs.Err()
}

// PlannedEvent is one step of a parcel's timeline, with when it falls due
// in real time.
type PlannedEvent struct {
	Status      carrier.Status `json:"status"`
	Location    string         `json:"location"`
	Description string         `json:"description"`
	Reason      string         `json:"reason,omitempty"`
	// SimulatedHours is the step's time after the label in the simulated
	// world; DueAt is when the sandbox emits it (SimulatedHours ÷ Speed).
	SimulatedHours float64   `json:"simulated_hours"`
	DueAt          time.Time `json:"due_at"`
}

// Shipment is a sandbox parcel as the API shows it.
type Shipment struct {
	TrackingNumber string `json:"tracking_number"`
	OrderID        string `json:"order_id"`
	Carrier        string `json:"carrier"`
	Service        string `json:"service"`
	Scenario       string `json:"scenario"`
	// Status is the latest event's.
	Status   carrier.Status          `json:"status"`
	LabelURL string                  `json:"label_url"`
	Events   []carrier.TrackingEvent `json:"events"`
	// Next is the event due next, absent once the timeline is complete.
	Next     *PlannedEvent  `json:"next,omitempty"`
	Timeline []PlannedEvent `json:"timeline"`
	// Speed is how much faster than real time the timeline runs.
	Speed     int       `json:"speed"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// XMLRoot names the XML root element.
func (Shipment) XMLRoot() string { return "shipment" }

// TrackingUpdate is the data of a shipment.tracking_updated event.
type TrackingUpdate struct {
	TrackingNumber string                `json:"tracking_number"`
	OrderID        string                `json:"order_id"`
	Carrier        string                `json:"carrier"`
	Service        string                `json:"service"`
	Status         carrier.Status        `json:"status"`
	Event          carrier.TrackingEvent `json:"event"`
	// Final is true on the last event of the parcel's timeline.
	Final bool `json:"final"`
}

// shipRow is a stored parcel.
type shipRow struct {
	number    string
	orderID   string
	service   string
	req       carrier.LabelRequest
	emitted   int
	events    []carrier.TrackingEvent
	createdAt time.Time
	updatedAt time.Time
	plan      []sandboxcarrier.Step
}

const shipCols = `tracking_number, order_id, service, doc, emitted, events, created_at, updated_at`

func scanShip(sc interface{ Scan(...any) error }) (shipRow, error) {
	var (
		r         shipRow
		doc, evjs string
	)
	if err := sc.Scan(&r.number, &r.orderID, &r.service, &doc, &r.emitted, &evjs, &r.createdAt, &r.updatedAt); err != nil {
		return shipRow{}, err
	}
	if err := json.Unmarshal([]byte(doc), &r.req); err != nil {
		return shipRow{}, fmt.Errorf("sandbox: decode shipment %s: %w", r.number, err)
	}
	if err := json.Unmarshal([]byte(evjs), &r.events); err != nil {
		return shipRow{}, fmt.Errorf("sandbox: decode events of %s: %w", r.number, err)
	}
	r.createdAt, r.updatedAt = r.createdAt.UTC(), r.updatedAt.UTC()
	plan, err := sandboxcarrier.Plan(r.number, r.req.From, r.req.To, r.req.Created)
	if err != nil {
		return shipRow{}, err
	}
	r.plan = plan
	return r, nil
}

func (r shipRow) due(i int) time.Time { return sandboxcarrier.Due(r.req.Created, r.plan[i]) }

func (r shipRow) view() Shipment {
	n, _ := sandboxcarrier.ParseNumber(r.number)
	sh := Shipment{TrackingNumber: r.number, OrderID: r.orderID, Carrier: CarrierName, Service: r.service,
		Scenario: string(n.Scenario), LabelURL: "/api/v1/sandbox/carrier/labels/" + r.number + ".pdf",
		Events: r.events, Speed: sandboxcarrier.Speed, CreatedAt: r.createdAt, UpdatedAt: r.updatedAt}
	if sh.Events == nil {
		sh.Events = []carrier.TrackingEvent{}
	}
	if len(r.events) > 0 {
		sh.Status = r.events[len(r.events)-1].Status
	}
	for i, st := range r.plan {
		sh.Timeline = append(sh.Timeline, PlannedEvent{Status: st.Status, Location: st.Location, Description: st.Description,
			Reason: st.Reason, SimulatedHours: math.Round(st.Offset.Hours()*100) / 100,
			DueAt: r.due(i).Truncate(time.Millisecond)})
	}
	if r.emitted < len(sh.Timeline) {
		next := sh.Timeline[r.emitted]
		sh.Next = &next
	}
	return sh
}

// emit appends r's next step, as happened at at, and returns the event
// that announces it; publish it once the row is written (the outbox's
// rule: change the row, then publish, so events of one parcel keep their
// order on PostgreSQL too).
func (s *Service) emit(r *shipRow, at time.Time) TrackingUpdate {
	ev := r.plan[r.emitted].TrackingEvent
	if n := len(r.events); n > 0 && at.Before(r.events[n-1].At) {
		at = r.events[n-1].At
	}
	ev.At = at.UTC().Truncate(time.Second)
	r.events = append(r.events, ev)
	r.emitted++
	return TrackingUpdate{TrackingNumber: r.number, OrderID: r.orderID, Carrier: CarrierName, Service: r.service,
		Status: ev.Status, Event: ev, Final: r.emitted == len(r.plan)}
}

func (s *Service) publish(ctx context.Context, us ...TrackingUpdate) error {
	for _, u := range us {
		if err := s.events.Publish(ctx, events.Event{Type: events.ShipmentTrackingUpdated,
			ResourceID: u.TrackingNumber, Data: u}); err != nil {
			return err
		}
	}
	return nil
}

// save writes r's progress, guarded by the count it was read with, so
// that an advance and the scheduled job racing on one parcel cannot both
// emit the same step.
func (s *Service) save(ctx context.Context, q db.Tenanted, r *shipRow, readAt int) error {
	evjs, err := json.Marshal(r.events)
	if err != nil {
		return fmt.Errorf("sandbox: encode events: %w", err)
	}
	r.updatedAt = s.stamp()
	res, err := q.ExecContext(ctx, `UPDATE sandbox_shipments SET emitted = $4, events = $5, updated_at = $6
		WHERE tenant_id = $1 AND sandbox = $2 AND tracking_number = $3 AND emitted = $7`,
		r.number, r.emitted, string(evjs), r.updatedAt, readAt)
	if err != nil {
		return fmt.Errorf("sandbox: save shipment: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sandbox: save shipment: %w", err)
	} else if n == 0 {
		return problem.Conflict("conflict")
	}
	return nil
}

// trackArgs is the job that emits a parcel's due events.
type trackArgs struct {
	TenantID       string `json:"tenant_id"`
	TrackingNumber string `json:"tracking_number"`
}

func (trackArgs) Kind() string { return "sandbox_tracking" }

// schedule enqueues the job for r's next step, if any, at its due time.
func (s *Service) schedule(ctx context.Context, r shipRow) error {
	if r.emitted >= len(r.plan) {
		return nil
	}
	sc, _ := db.ScopeFrom(ctx)
	_, err := s.jobs.Enqueue(ctx, trackArgs{TenantID: sc.TenantID, TrackingNumber: r.number},
		&jobs.InsertOpts{ScheduledAt: r.due(r.emitted), MaxAttempts: 10})
	return err
}

// CreateLabel buys a sandbox label for one of the caller's sandbox orders:
// the first event (label_created) is emitted at once and the rest are
// scheduled.
func (s *Service) CreateLabel(ctx context.Context, lr LabelRequest) (Shipment, error) {
	if err := sandboxOnly(ctx); err != nil {
		return Shipment{}, err
	}
	if err := lr.Validate(); err != nil {
		return Shipment{}, err
	}
	var out Shipment
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		o, err := s.orders.Get(ctx, lr.OrderID)
		if errors.Is(err, problem.ErrNotFound) {
			return &problem.Error{Status: http.StatusUnprocessableEntity, Code: "validation_failed",
				Fields: []problem.Field{{Field: "order_id", Code: "not_found"}}}
		}
		if err != nil {
			return err
		}
		req := labelFor(o, lr.Service, s.now())
		number, err := sandboxcarrier.Issue(req, sandboxcarrier.Scenario(lr.Scenario))
		if err != nil {
			return err
		}
		plan, err := sandboxcarrier.Plan(number, req.From, req.To, req.Created)
		if err != nil {
			return err
		}
		r := shipRow{number: number, orderID: o.ID, service: req.Service, req: req, plan: plan,
			createdAt: s.stamp()}
		r.updatedAt = r.createdAt
		first := s.emit(&r, req.Created)
		doc, err := json.Marshal(req)
		if err != nil {
			return fmt.Errorf("sandbox: encode label: %w", err)
		}
		evjs, err := json.Marshal(r.events)
		if err != nil {
			return fmt.Errorf("sandbox: encode events: %w", err)
		}
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `INSERT INTO sandbox_shipments (tenant_id, sandbox, tracking_number, order_id,
			service, doc, emitted, events, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (tenant_id, sandbox, tracking_number) DO NOTHING`,
			number, o.ID, req.Service, string(doc), r.emitted, string(evjs), r.createdAt, r.updatedAt)
		if err != nil {
			return fmt.Errorf("sandbox: create shipment: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("sandbox: create shipment: %w", err)
		} else if n == 0 {
			// The same order, service and second: a double click.
			return problem.Conflict("conflict")
		}
		if err := s.publish(ctx, first); err != nil {
			return err
		}
		if err := s.schedule(ctx, r); err != nil {
			return err
		}
		out = r.view()
		return s.audit.Record(ctx, audit.Event{Action: "sandbox.label.create", Resource: "shipment/" + number,
			Change: map[string]any{"order_id": o.ID, "service": req.Service, "scenario": out.Scenario}})
	})
	if err != nil {
		return Shipment{}, err
	}
	return out, nil
}

// labelFor turns an order into the label request for it: one parcel whose
// weight is estimated from the units, the order's goods as contents.
func labelFor(o orders.Order, service string, now time.Time) carrier.LabelRequest {
	to := o.ShipTo
	var (
		units    int64
		contents []string
	)
	for _, l := range o.Lines {
		units += l.Quantity
		name := l.Title
		if name == "" {
			name = l.SKU
		}
		if len(contents) < 2 {
			contents = append(contents, name)
		}
	}
	c := strings.Join(contents, "; ")
	if len(o.Lines) > 2 {
		c += fmt.Sprintf(" (+%d more)", len(o.Lines)-2)
	}
	return carrier.LabelRequest{Reference: o.ID + " / " + o.ExternalID, Service: service, From: Sender,
		To: carrier.Address{Name: to.Name, Line1: to.Line1, Line2: to.Line2, City: to.City, Region: to.Region,
			Postcode: to.Postcode, Country: to.Country, Phone: to.Phone},
		Parcels:  []carrier.Parcel{{WeightG: 150 + 300*units, DimsMM: [3]int64{300, 200, 150}}},
		Contents: c, Value: o.Totals.Lines, Created: now.UTC().Truncate(time.Second)}
}

func (s *Service) load(ctx context.Context, q db.Tenanted, number string) (shipRow, error) {
	r, err := scanShip(q.QueryRowContext(ctx, `SELECT `+shipCols+` FROM sandbox_shipments
		WHERE tenant_id = $1 AND sandbox = $2 AND tracking_number = $3`, strings.ToUpper(strings.TrimSpace(number))))
	if errors.Is(err, sql.ErrNoRows) {
		return shipRow{}, problem.ErrNotFound
	}
	if err != nil {
		return shipRow{}, fmt.Errorf("sandbox: load shipment: %w", err)
	}
	return r, nil
}

// Track returns a parcel with its events so far.
func (s *Service) Track(ctx context.Context, number string) (Shipment, error) {
	if err := sandboxOnly(ctx); err != nil {
		return Shipment{}, err
	}
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return Shipment{}, err
	}
	r, err := s.load(ctx, q, number)
	if err != nil {
		return Shipment{}, err
	}
	return r.view(), nil
}

// Label returns a parcel's label as PDF.
func (s *Service) Label(ctx context.Context, number string) ([]byte, error) {
	if err := sandboxOnly(ctx); err != nil {
		return nil, err
	}
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.load(ctx, q, number)
	if err != nil {
		return nil, err
	}
	return sandboxcarrier.RenderLabel(r.number, r.req)
}

// Advance emits a parcel's next event now, ahead of its schedule. A
// parcel whose timeline is complete is a 409 tracking_complete.
func (s *Service) Advance(ctx context.Context, number string) (Shipment, error) {
	if err := sandboxOnly(ctx); err != nil {
		return Shipment{}, err
	}
	var out Shipment
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		r, err := s.load(ctx, q, number)
		if err != nil {
			return err
		}
		if r.emitted >= len(r.plan) {
			return problem.Conflict("tracking_complete", "tracking_number", r.number)
		}
		read := r.emitted
		u := s.emit(&r, s.now())
		if err := s.save(ctx, q, &r, read); err != nil {
			return err
		}
		if err := s.publish(ctx, u); err != nil {
			return err
		}
		out = r.view()
		return s.audit.Record(ctx, audit.Event{Action: "sandbox.tracking.advance", Resource: "shipment/" + r.number,
			Change: map[string]any{"status": out.Status}})
	})
	if err != nil {
		return Shipment{}, err
	}
	return out, nil
}

// work is the tracking job: it emits every event of the parcel that has
// fallen due and schedules itself for the next one. Only one such job is
// pending per parcel at a time (each run enqueues at most one successor),
// and an advance in between only means fewer events are left to emit.
func (s *Service) work(ctx context.Context, job *jobs.Job[trackArgs]) error {
	ctx = db.WithScope(ctx, db.Scope{TenantID: job.Args.TenantID, Sandbox: true})
	return s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		r, err := s.load(ctx, q, job.Args.TrackingNumber)
		if errors.Is(err, problem.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		read, now := r.emitted, s.now()
		var us []TrackingUpdate
		for r.emitted < len(r.plan) && !r.due(r.emitted).After(now) {
			us = append(us, s.emit(&r, r.due(r.emitted)))
		}
		if len(us) > 0 {
			if err := s.save(ctx, q, &r, read); err != nil {
				return err
			}
			if err := s.publish(ctx, us...); err != nil {
				return err
			}
		}
		return s.schedule(ctx, r)
	})
}

// Shipments lists the caller's latest sandbox parcels, newest first.
func (s *Service) Shipments(ctx context.Context, limit int) ([]Shipment, error) {
	if err := sandboxOnly(ctx); err != nil {
		return nil, err
	}
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+shipCols+` FROM sandbox_shipments WHERE tenant_id = $1 AND sandbox = $2
		ORDER BY created_at DESC, tracking_number LIMIT $3`, limit)
	if err != nil {
		return nil, fmt.Errorf("sandbox: list shipments: %w", err)
	}
	list, err := db.Collect(rows, func(r db.Row) (shipRow, error) { return scanShip(r) })
	if err != nil {
		return nil, fmt.Errorf("sandbox: list shipments: %w", err)
	}
	out := make([]Shipment, len(list))
	for i, r := range list {
		out[i] = r.view()
	}
	return out, nil
}
