package orders

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Recorder writes audit records in the caller's transaction.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Publisher records events in the caller's transaction (the events
// outbox): they reach webhooks if and only if the change commits.
type Publisher interface {
	PublishMany(ctx context.Context, es []events.Event) error
}

// Service manages orders.
type Service struct {
	db     *db.DB
	audit  Recorder
	events Publisher
	log    *slog.Logger
	now    func() time.Time
	// batch writes concurrently posted orders together; nil when the
	// audit recorder cannot record in a shared transaction.
	batch *batcher
}

// deferrer is what a Publisher may also offer: holding back the relay of
// events while a bulk ingest writes (events.Outbox.Defer).
type deferrer interface {
	Defer() (release func())
}

// UsePublisher makes the service announce order.created and order.updated
// through p. Call it before serving.
func (s *Service) UsePublisher(p Publisher) { s.events = p }

// New returns the order service.
func New(d *db.DB, rec Recorder, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: d, audit: rec, log: log, now: time.Now}
	if br, ok := rec.(audit.Batcher); ok {
		s.batch = &batcher{s: s, rec: br}
	}
	return s
}

// document is the JSON kept in an order row's doc column.
type document struct {
	Buyer  Buyer   `json:"buyer"`
	ShipTo Address `json:"ship_to"`
	Lines  []Line  `json:"lines"`
}

// marshalDoc encodes v without HTML escaping, so that what is stored reads
// (and is searched) as it was sent.
func marshalDoc(buf *bytes.Buffer, v any) (string, error) {
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return string(bytes.TrimRight(buf.Bytes(), "\n")), nil
}

// errDuplicate is the 409 for a repeated (channel, external_id).
func errDuplicate(existingID string) error {
	return &problem.Error{Status: http.StatusConflict, Code: "duplicate_external_id", Params: []any{"id", existingID},
		Fields: []problem.Field{{Field: "external_id", Code: "duplicate_of", Params: []any{"id", existingID}}}}
}

const insertSQL = `INSERT INTO orders (tenant_id, sandbox, id, channel, external_id, status, placed_at, currency,
	total, doc, history, created_at, updated_at, ship_country)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
	ON CONFLICT (tenant_id, sandbox, channel, external_id) DO NOTHING`

// Create stores a new order in status received. A repeated (channel,
// external_id) is a 409 duplicate_external_id naming the existing order.
func (s *Service) Create(ctx context.Context, n NewOrder) (Order, error) {
	p, err := s.prepare(ctx, n)
	if err != nil {
		return Order{}, err
	}
	if err := s.db.InTx(ctx, func(ctx context.Context) error { return s.insert(ctx, p) }); err != nil {
		return Order{}, err
	}
	return p.o, nil
}

// prepared is a validated new order with everything stored about it
// already encoded: on SQLite the writer is held from the first statement
// to the commit, so the CPU work happens before.
type prepared struct {
	o                  Order
	doc, hist, payload string
	digest             string
}

func (s *Service) prepare(ctx context.Context, n NewOrder) (prepared, error) {
	if err := n.Validate(); err != nil {
		return prepared{}, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	o := Order{ID: ids.New("ord"), ExternalID: n.ExternalID, Channel: n.Channel, PlacedAt: n.PlacedAt,
		Currency: n.Currency, Buyer: n.Buyer, ShipTo: n.ShipTo, Lines: n.Lines, Status: Received,
		Totals: n.Totals(), CreatedAt: now, UpdatedAt: now,
		StatusHistory: []StatusChange{{Status: Received, At: now, By: audit.ActorFrom(ctx).ID}}}
	p := prepared{o: o}
	var (
		buf bytes.Buffer
		err error
	)
	if p.doc, err = marshalDoc(&buf, document{Buyer: o.Buyer, ShipTo: o.ShipTo, Lines: o.Lines}); err != nil {
		return prepared{}, fmt.Errorf("orders: encode: %w", err)
	}
	if p.hist, err = marshalDoc(&buf, o.StatusHistory); err != nil {
		return prepared{}, fmt.Errorf("orders: encode: %w", err)
	}
	if p.payload, err = marshalDoc(&buf, o); err != nil {
		return prepared{}, fmt.Errorf("orders: encode: %w", err)
	}
	if p.digest, err = audit.ChangeDigestJSON([]byte(p.payload)); err != nil {
		return prepared{}, fmt.Errorf("orders: encode: %w", err)
	}
	return p, nil
}

// auditEvent is the record of p's creation.
func (p *prepared) auditEvent() audit.Event {
	return audit.Event{Action: "order.create", Resource: "order/" + p.o.ID, Change: p.o, ChangeDigest: p.digest}
}

// insert stores p in the transaction in ctx, announces it and audits it,
// as the actor in ctx; a repeated (channel, external_id) is the 409.
func (s *Service) insert(ctx context.Context, p prepared) error {
	q, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	o := &p.o
	res, err := q.ExecContext(ctx, insertSQL, o.ID, o.Channel, o.ExternalID, string(o.Status), o.PlacedAt,
		o.Currency, o.Totals.Lines.Amount, p.doc, p.hist, o.CreatedAt, o.UpdatedAt, o.ShipTo.Country)
	if err != nil {
		return fmt.Errorf("orders: create: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("orders: create: %w", err)
	} else if n == 0 {
		dup, err := s.duplicate(ctx, *o)
		if err != nil {
			return err
		}
		return dup
	}
	if err := s.publish(ctx, events.OrderCreated, o.ID, events.TrustedJSON(p.payload)); err != nil {
		return err
	}
	return s.audit.Record(ctx, p.auditEvent())
}

// duplicate returns the 409 for o, whose (channel, external_id) is taken,
// or the error of looking up the order that holds it.
func (s *Service) duplicate(ctx context.Context, o Order) (dup error, err error) {
	q, err := s.db.Tenant(ctx)
	if err != nil {
		return nil, err
	}
	var existing string
	if err := q.QueryRowContext(ctx, `SELECT id FROM orders WHERE tenant_id = $1 AND sandbox = $2
		AND channel = $3 AND external_id = $4`, o.Channel, o.ExternalID).Scan(&existing); err != nil {
		return nil, fmt.Errorf("orders: find duplicate: %w", err)
	}
	return errDuplicate(existing), nil
}

const selectCols = `id, channel, external_id, status, placed_at, currency, total, doc, history, created_at, updated_at`

func scanOrder(sc interface{ Scan(...any) error }) (Order, error) {
	var (
		o         Order
		status    string
		total     string
		doc, hist string
	)
	if err := sc.Scan(&o.ID, &o.Channel, &o.ExternalID, &status, &o.PlacedAt, &o.Currency, &total, &doc, &hist,
		&o.CreatedAt, &o.UpdatedAt); err != nil {
		return Order{}, err
	}
	o.Status = Status(status)
	var d document
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return Order{}, fmt.Errorf("orders: decode %s: %w", o.ID, err)
	}
	o.Buyer, o.ShipTo, o.Lines = d.Buyer, d.ShipTo, d.Lines
	if err := json.Unmarshal([]byte(hist), &o.StatusHistory); err != nil {
		return Order{}, fmt.Errorf("orders: decode history of %s: %w", o.ID, err)
	}
	o.PlacedAt, o.CreatedAt, o.UpdatedAt = o.PlacedAt.UTC(), o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	for i := range o.StatusHistory {
		o.StatusHistory[i].At = o.StatusHistory[i].At.UTC()
	}
	o.Totals.Lines = money.Money{Amount: total, Currency: o.Currency}
	for _, l := range o.Lines {
		o.Totals.Quantity += l.Quantity
	}
	if o.Lines == nil {
		o.Lines = []Line{}
	}
	return o, nil
}

// Get returns an order of the caller's tenant and partition.
func (s *Service) Get(ctx context.Context, id string) (Order, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return Order{}, err
	}
	return s.get(ctx, q, id)
}

func (s *Service) get(ctx context.Context, q db.Tenanted, id string) (Order, error) {
	o, err := scanOrder(q.QueryRowContext(ctx, `SELECT `+selectCols+` FROM orders
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Order{}, problem.ErrNotFound
	}
	if err != nil {
		return Order{}, fmt.Errorf("orders: get: %w", err)
	}
	return o, nil
}

// Filter narrows a list of orders. Empty fields do not filter.
type Filter struct {
	ExternalID string
	Channel    string
	Status     Status
	// ShipCountry is the ship-to country (ISO 3166-1 alpha-2).
	ShipCountry string
	// From and To bound placed_at: From inclusive, To exclusive.
	From, To time.Time
	// Q is free text matched, case-insensitively, against the external id,
	// the buyer, the address and the lines (SKUs and titles).
	Q string
}

// List returns a page of orders, newest first.
func (s *Service) List(ctx context.Context, f Filter, pg web.Page) (web.List[Order], error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Order]{}, err
	}
	var (
		where strings.Builder
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args)+2)
	}
	where.WriteString(`tenant_id = $1 AND sandbox = $2`)
	if pg.After != "" {
		where.WriteString(` AND id < ` + arg(pg.After))
	}
	if f.ExternalID != "" {
		where.WriteString(` AND external_id = ` + arg(f.ExternalID))
	}
	if f.Channel != "" {
		where.WriteString(` AND channel = ` + arg(strings.ToLower(f.Channel)))
	}
	if f.ShipCountry != "" {
		where.WriteString(` AND ship_country = ` + arg(strings.ToUpper(f.ShipCountry)))
	}
	if f.Status != "" {
		where.WriteString(` AND status = ` + arg(string(f.Status)))
	}
	if !f.From.IsZero() {
		where.WriteString(` AND placed_at >= ` + arg(f.From.UTC()))
	}
	if !f.To.IsZero() {
		where.WriteString(` AND placed_at < ` + arg(f.To.UTC()))
	}
	if f.Q != "" {
		like := "%" + likeEscaper.Replace(strings.ToLower(f.Q)) + "%"
		where.WriteString(` AND (lower(external_id) LIKE ` + arg(like) + ` ESCAPE '\' OR lower(doc) LIKE ` + arg(like) + ` ESCAPE '\')`)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+selectCols+` FROM orders WHERE `+where.String()+
		` ORDER BY id DESC LIMIT `+arg(pg.FetchLimit()), args...)
	if err != nil {
		return web.List[Order]{}, fmt.Errorf("orders: list: %w", err)
	}
	out, err := db.Collect(rows, func(r db.Row) (Order, error) { return scanOrder(r) })
	if err != nil {
		return web.List[Order]{}, fmt.Errorf("orders: list: %w", err)
	}
	return web.NewList(pg, out, func(o Order) string { return o.ID }), nil
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// SetStatus moves an order to a new status, keeping the history. A move the
// life cycle does not allow is a 409 invalid_status_transition.
func (s *Service) SetStatus(ctx context.Context, id string, u StatusUpdate) (Order, error) {
	if err := u.Validate(); err != nil {
		return Order{}, err
	}
	var o Order
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		if o, err = s.get(ctx, q, id); err != nil {
			return err
		}
		from := o.Status
		if !from.CanMoveTo(u.Status) {
			allowed := strings.Join(func() []string {
				var out []string
				for _, n := range from.Next() {
					out = append(out, string(n))
				}
				if len(out) == 0 {
					out = []string{"-"}
				}
				return out
			}(), ", ")
			return &problem.Error{Status: http.StatusConflict, Code: "invalid_status_transition",
				Params: []any{"from", string(from), "to", string(u.Status), "allowed", allowed},
				Fields: []problem.Field{{Field: "status", Code: "one_of", Params: []any{"values", allowed}}}}
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		if !now.After(o.UpdatedAt) {
			now = o.UpdatedAt.Add(time.Microsecond)
		}
		o.Status, o.UpdatedAt = u.Status, now
		o.StatusHistory = append(o.StatusHistory, StatusChange{Status: u.Status, At: now, By: audit.ActorFrom(ctx).ID, Note: u.Note})
		var buf bytes.Buffer
		hist, err := marshalDoc(&buf, o.StatusHistory)
		if err != nil {
			return fmt.Errorf("orders: encode history: %w", err)
		}
		// The status guard makes a concurrent change of the same order
		// (possible on PostgreSQL) lose cleanly instead of overwriting.
		res, err := q.ExecContext(ctx, `UPDATE orders SET status = $4, history = $5, updated_at = $6
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND status = $7`,
			id, string(u.Status), hist, now, string(from))
		if err != nil {
			return fmt.Errorf("orders: set status: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("orders: set status: %w", err)
		} else if n == 0 {
			return problem.Conflict("conflict")
		}
		if err := s.publish(ctx, events.OrderUpdated, o.ID, o); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "order.status", Resource: "order/" + id,
			Change: map[string]any{"from": from, "to": u.Status, "note": u.Note}, Detail: string(from) + " → " + string(u.Status)})
	})
	if err != nil {
		return Order{}, err
	}
	return o, nil
}

// publish announces a change to subscribers in the caller's transaction.
// publish records an event about order id; data is the order as the API
// shows it, already encoded when the caller had it at hand.
func (s *Service) publish(ctx context.Context, typ, id string, data any) error {
	if s.events == nil {
		return nil
	}
	return s.events.PublishMany(ctx, []events.Event{{Type: typ, ResourceID: id, Data: data}})
}
