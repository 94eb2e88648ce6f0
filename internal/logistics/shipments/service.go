package shipments

import (
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
	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/logistics"
	"github.com/silkgate/silkgate/internal/logistics/rates"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// ShipmentException is published when a shipment's tracking reports an
// exception; the seller's systems also get shipment.updated.
const ShipmentException = "shipment.exception"

func init() {
	events.Register(ShipmentException, "A shipment's tracking reported an exception (address problem, customs hold, loss, damage, refusal).")
}

// Recorder writes audit records in the caller's transaction.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Publisher records events in the caller's transaction (the outbox).
type Publisher interface {
	Publish(ctx context.Context, e events.Event) error
}

// Orders reads the order a shipment is for.
type Orders interface {
	Get(ctx context.Context, id string) (orders.Order, error)
}

// Rates reads carrier services and prices offers.
type Rates interface {
	Get(ctx context.Context, id string) (rates.CarrierService, error)
	Compare(ctx context.Context, r rates.Request) (rates.Result, error)
}

// Service creates shipments and keeps their tracking.
type Service struct {
	db       *db.DB
	orders   Orders
	rates    Rates
	carriers *Registry
	events   Publisher
	audit    Recorder
	jobs     *jobs.Queue
	edi      EDIDocuments
	reverse  ReverseTracker
	log      *slog.Logger
	now      func() time.Time

	// labelJobs completes label purchases (HandleLabels); labelWait is
	// how long a request waits for the carrier before answering with the
	// purchase still requested.
	labelJobs *jobs.Queue
	labelWait time.Duration
}

// ReverseTracker is told of the tracking events whose number no shipment
// carries, in the ingesting transaction: a return's label is bought by
// the returns module, and its scans come in through the same channels.
// It reports whether the number was its own; an error fails the batch.
type ReverseTracker interface {
	TrackingUpdate(ctx context.Context, trackingNumber string, status carrier.Status) (bool, error)
}

// UseReverseTracking passes unmatched tracking events on to t. Call it
// before serving.
func (s *Service) UseReverseTracking(t ReverseTracker) { s.reverse = t }

// Config tunes the service. Zero values mean the defaults.
type Config struct {
	Log *slog.Logger
	// Now is the clock (time.Now).
	Now func() time.Time
	// LabelWait is how long creating a shipment waits for the carrier's
	// label before it answers with the purchase still requested (10 s).
	LabelWait time.Duration
}

// New returns the shipments service. The registry's sandbox connector
// should be the service's own SandboxCarrier (see NewSandboxCarrier).
func New(d *db.DB, o Orders, r Rates, reg *Registry, pub Publisher, rec Recorder, cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LabelWait <= 0 {
		cfg.LabelWait = 10 * time.Second
	}
	return &Service{db: d, orders: o, rates: r, carriers: reg, events: pub, audit: rec, log: cfg.Log, now: cfg.Now,
		labelWait: cfg.LabelWait}
}

// NewSandboxCarrier returns the sandbox carrier reading its label
// requests from s's store; give it to NewRegistry.
func NewSandboxCarrier(d *db.DB, now func() time.Time) *SandboxCarrier {
	return &SandboxCarrier{Now: now, Request: func(ctx context.Context, number string) (carrier.LabelRequest, error) {
		q, err := d.TenantRead(ctx)
		if err != nil {
			return carrier.LabelRequest{}, err
		}
		var doc string
		err = q.QueryRowContext(ctx, `SELECT doc FROM shipments WHERE tenant_id = $1 AND sandbox = $2
			AND tracking_number = $3`, number).Scan(&doc)
		if errors.Is(err, sql.ErrNoRows) {
			return carrier.LabelRequest{}, fmt.Errorf("shipments: %w: %s", carrier.ErrUnknownTracking, number)
		}
		if err != nil {
			return carrier.LabelRequest{}, err
		}
		var d shipDoc
		if err := json.Unmarshal([]byte(doc), &d); err != nil {
			return carrier.LabelRequest{}, err
		}
		return d.Label, nil
	}}
}

// Registry returns the carrier connectors.
func (s *Service) Registry() *Registry { return s.carriers }

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// shipDoc is what the doc column keeps.
type shipDoc struct {
	Carrier           string               `json:"carrier"`
	Service           string               `json:"service"`
	CarrierService    string               `json:"carrier_service"`
	Label             carrier.LabelRequest `json:"label"`
	Parcels           []logistics.Parcel   `json:"parcels"`
	Price             money.Money          `json:"price"`
	ChargeableWeightG int64                `json:"chargeable_weight_g"`
	QuotedDays        logistics.Days       `json:"quoted_days"`
	Exception         *OpenException       `json:"exception,omitempty"`
	StagesSeen        []string             `json:"stages_seen,omitempty"`
	Outcome           *Outcome             `json:"outcome,omitempty"`
}

func invalid(field, code string, params ...any) error {
	return problem.Invalid(problem.Field{Field: field, Code: code, Params: params})
}

// Create buys a label for an order from an offered service and stores
// the shipment with its label. Tracking events that arrived for the
// label's number before the shipment existed are matched to it now.
//
// The purchase is durable (see purchase.go): the shipment is first
// recorded as requested, with the job that completes it, and the carrier
// is called after that commits and outside any transaction. When the
// carrier does not answer within Config.LabelWait the shipment comes
// back with LabelStatus requested and the job buys the label, with the
// same idempotency key. Called inside a transaction (ctx carries one),
// everything, the carrier call included, runs in it.
func (s *Service) Create(ctx context.Context, n NewShipment) (Shipment, error) {
	return s.CreateKeyed(ctx, n, "", "")
}

// CreateKeyed is Create with the caller's idempotency key (a digest
// naming the credential and its Idempotency-Key) and a digest of the
// request: the same key again returns the shipment it created, a
// different request under it is refused.
func (s *Service) CreateKeyed(ctx context.Context, n NewShipment, key, fingerprint string) (Shipment, error) {
	sh, _, err := s.createKeyed(ctx, n, key, fingerprint)
	return sh, err
}

// createKeyed is CreateKeyed, also reporting whether the key had been
// used (the answer is a replay).
func (s *Service) createKeyed(ctx context.Context, n NewShipment, key, fingerprint string) (Shipment, bool, error) {
	if err := n.Validate(); err != nil {
		return Shipment{}, false, err
	}
	if _, ok := db.ScopeFrom(ctx); !ok {
		return Shipment{}, false, problem.ErrForbidden
	}
	var (
		id     string
		replay bool
	)
	// Group: on SQLite this short transaction shares a commit with
	// concurrent writers, as a request's own transaction would.
	err := s.db.Group(ctx, func(ctx context.Context) error {
		if key != "" {
			prev, fp, err := s.requestByKey(ctx, key)
			if err != nil {
				return err
			}
			if prev != "" {
				if fp != fingerprint {
					return &problem.Error{Status: http.StatusUnprocessableEntity, Code: "idempotency_key_reused",
						Fields: []problem.Field{{Field: "Idempotency-Key", Code: "reused"}}}
				}
				id, replay = prev, true
				return nil
			}
		}
		p, err := s.prepare(ctx, n)
		if err != nil {
			return err
		}
		id = p.Shipment.ID
		return s.request(ctx, p, key, fingerprint)
	})
	if err != nil {
		return Shipment{}, false, err
	}
	sh, err := s.buy(ctx, id)
	return sh, replay, err
}

// prepare checks a new shipment against the store — the order, the
// sender, the offer and the connector — and builds the shipment and its
// label request, without calling the carrier.
func (s *Service) prepare(ctx context.Context, n NewShipment) (purchase, error) {
	sc, _ := db.ScopeFrom(ctx)
	o, err := s.orders.Get(ctx, n.OrderID)
	if errors.Is(err, problem.ErrNotFound) {
		return purchase{}, invalid("order_id", "not_found")
	}
	if err != nil {
		return purchase{}, err
	}
	from := n.From
	if from == nil {
		d, err := s.Sender(ctx)
		if errors.Is(err, problem.ErrNotFound) {
			return purchase{}, invalid("from", "no_default_sender")
		}
		if err != nil {
			return purchase{}, err
		}
		from = &d
	}
	to := normAddress(carrier.Address{Name: o.ShipTo.Name, Line1: o.ShipTo.Line1, Line2: o.ShipTo.Line2,
		City: o.ShipTo.City, Region: o.ShipTo.Region, Postcode: o.ShipTo.Postcode, Country: o.ShipTo.Country,
		Phone: o.ShipTo.Phone})
	svc, err := s.rates.Get(ctx, n.ServiceID)
	if errors.Is(err, problem.ErrNotFound) {
		return purchase{}, invalid("service_id", "not_found")
	}
	if err != nil {
		return purchase{}, err
	}
	offer, err := s.offer(ctx, n, o, *from, to)
	if err != nil {
		return purchase{}, err
	}
	conn, err := s.carriers.For(svc, sc.Sandbox)
	if errors.Is(err, ErrNoConnector) {
		return purchase{}, invalid("service_id", "no_carrier_connector", "carrier", svc.Carrier)
	}
	if err != nil {
		return purchase{}, err
	}
	code := svc.Name
	if conn.ServiceCode != nil {
		code = conn.ServiceCode(svc)
	}
	now := s.stamp()
	sh := Shipment{ID: ids.New("shp"), OrderID: o.ID, ServiceID: svc.ID, Carrier: svc.Carrier, Service: svc.Name,
		CarrierCode: conn.Code, CarrierService: code, From: *from, To: to, Parcels: n.Parcels,
		Price: offer.Price, ChargeableWeightG: offer.ChargeableWeightG, QuotedDays: offer.QuotedDays,
		StagesSeen: []string{}, LabelStatus: LabelRequested, Version: 1, CreatedAt: now, UpdatedAt: now}
	req := labelRequest(o, code, *from, to, n.Parcels, now)
	// The shipment's id names the purchase at the carrier: every attempt
	// to buy this label, the handler's and the job's, sends the same key.
	req.IdempotencyKey = sh.ID
	return purchase{Shipment: sh, Request: req}, nil
}

// record stores the shipment whose label was bought, in a transaction of
// its own (or the caller's), once: a purchase already recorded — by the
// job, or by the request that started it — is left alone and reported
// by done.
func (s *Service) record(ctx context.Context, p purchase, lbl carrier.Label) (done bool, err error) {
	err = s.db.Group(ctx, func(ctx context.Context) error {
		claimed, err := s.claim(ctx, p.Shipment.ID)
		if err != nil || !claimed {
			done = !claimed
			return err
		}
		sh, req, now := p.Shipment, p.Request, s.stamp()
		sh.CarrierService, sh.TrackingNumber = lbl.Service, strings.ToUpper(lbl.TrackingNumber)
		sh.Status, sh.LabelStatus = carrier.LabelCreated, LabelBought
		// No stage yet: the label event below sets it, as any event would.
		sh.Stage = ""
		sh.UpdatedAt = now
		sh.LabelURL = "/api/v1/shipments/" + sh.ID + "/label"
		if err := s.insert(ctx, sh, req, lbl); err != nil {
			return err
		}
		// The label itself is the first event: the carrier has the
		// shipment's data (GB/T 40202's waybill message).
		if _, err := s.ingestOne(quiet(ctx), normalized{number: sh.TrackingNumber, carrier: sh.CarrierCode,
			status: carrier.LabelCreated, at: req.Created.UTC().Truncate(time.Second), zone: "Z",
			location: place(sh.From), country: sh.From.Country, desc: "Shipping label created."}, SourceCarrier, "label"); err != nil {
			return err
		}
		created, err := s.get(ctx, sh.ID, false)
		if err != nil {
			return err
		}
		if err := s.events.Publish(ctx, events.Event{Type: events.ShipmentCreated, ResourceID: sh.ID, Data: created}); err != nil {
			return err
		}
		// Events that came before the shipment apply now, each change
		// announced as shipment.updated after shipment.created.
		if _, err := s.matchWaiting(ctx, sh.TrackingNumber); err != nil {
			return err
		}
		if conn, ok := s.carriers.lookup(sh.CarrierCode); ok && conn.PollEvery > 0 && s.jobs != nil {
			if err := s.schedulePoll(ctx, sh.ID, conn.PollEvery); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, audit.Event{Action: "logistics.shipment.create", Resource: "shipment/" + sh.ID,
			Change: map[string]any{"order_id": sh.OrderID, "service_id": sh.ServiceID, "carrier_code": sh.CarrierCode,
				"tracking_number": sh.TrackingNumber, "price": sh.Price}})
	})
	return done, err
}

type quietKey struct{}

// quiet marks ctx as creating a shipment: its first event publishes no
// shipment.updated, since shipment.created follows.
func quiet(ctx context.Context) context.Context { return context.WithValue(ctx, quietKey{}, true) }

func place(a carrier.Address) string {
	if a.City == "" {
		return a.Country
	}
	return a.City + ", " + a.Country
}

type pricedOffer struct {
	Price             money.Money
	ChargeableWeightG int64
	QuotedDays        logistics.Days
}

// offer prices the shipment on the chosen service through rate
// comparison, so the shipment costs what the seller was shown. A service
// that cannot carry the shipment is refused with comparison's reason.
func (s *Service) offer(ctx context.Context, n NewShipment, o orders.Order, from, to carrier.Address) (pricedOffer, error) {
	cur := n.Currency
	if cur == "" {
		cur = o.Currency
	}
	req := rates.Request{Origin: logistics.Place{Country: from.Country, Postcode: from.Postcode},
		Destination: logistics.Place{Country: to.Country, Postcode: to.Postcode}, Parcels: n.Parcels,
		Currency: cur}
	if o.Totals.Lines.Amount != "" {
		req.Goods.Value = o.Totals.Lines
	}
	res, err := s.rates.Compare(ctx, req)
	if pe, ok := problem.As(err); ok && postcodeOnly(pe) {
		// A postcode rate comparison cannot read (a sandbox trigger, a
		// format it does not know) prices the lane without it.
		req.Origin.Postcode, req.Destination.Postcode = "", ""
		res, err = s.rates.Compare(ctx, req)
	}
	if pe, ok := problem.As(err); ok && pe.Status == http.StatusUnprocessableEntity {
		// The request is built from the order and the addresses: name
		// what the caller can fix.
		f := "from.country"
		if len(pe.Fields) > 0 {
			switch {
			case strings.HasPrefix(pe.Fields[0].Field, "destination"):
				f = "order_id"
			case strings.HasPrefix(pe.Fields[0].Field, "parcels"):
				f = pe.Fields[0].Field
			case pe.Fields[0].Field == "currency":
				f = "currency"
			}
			return pricedOffer{}, invalid(f, pe.Fields[0].Code, pe.Fields[0].Params...)
		}
		return pricedOffer{}, err
	}
	if err != nil {
		return pricedOffer{}, err
	}
	for _, of := range res.Offers {
		if of.ServiceID == n.ServiceID {
			return pricedOffer{Price: of.Price, ChargeableWeightG: of.ChargeableWeightG, QuotedDays: of.QuotedDays}, nil
		}
	}
	for _, ex := range res.Excluded {
		if ex.ServiceID == n.ServiceID {
			return pricedOffer{}, invalid("service_id", "service_cannot_carry", "reason", ex.Reason)
		}
	}
	return pricedOffer{}, invalid("service_id", "not_found")
}

func postcodeOnly(pe *problem.Error) bool {
	if pe.Status != http.StatusUnprocessableEntity || len(pe.Fields) == 0 {
		return false
	}
	for _, f := range pe.Fields {
		if !strings.HasSuffix(f.Field, ".postcode") {
			return false
		}
	}
	return true
}

// labelRequest turns the order into the carrier's label request.
func labelRequest(o orders.Order, service string, from, to carrier.Address, ps []logistics.Parcel, now time.Time) carrier.LabelRequest {
	var contents []string
	for _, l := range o.Lines {
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
	parcels := make([]carrier.Parcel, len(ps))
	for i, p := range ps {
		parcels[i] = carrier.Parcel{WeightG: p.WeightG, DimsMM: p.DimsMM}
	}
	ref := o.ID
	if o.ExternalID != "" {
		ref += " / " + o.ExternalID
	}
	return carrier.LabelRequest{Reference: ref, Service: service, From: from, To: to, Parcels: parcels,
		Contents: c, Value: o.Totals.Lines, Created: now.UTC().Truncate(time.Second)}
}

const shipCols = `id, order_id, service_id, carrier_code, tracking_number, status, stage, doc, label_media_type,
	last_event_at, delivered_at, version, created_at, updated_at`

func (s *Service) insert(ctx context.Context, sh Shipment, req carrier.LabelRequest, lbl carrier.Label) error {
	q, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	doc, err := json.Marshal(shipDoc{Carrier: sh.Carrier, Service: sh.Service, CarrierService: sh.CarrierService,
		Label: req, Parcels: sh.Parcels, Price: sh.Price, ChargeableWeightG: sh.ChargeableWeightG, QuotedDays: sh.QuotedDays})
	if err != nil {
		return err
	}
	mt := lbl.MediaType
	if mt == "" {
		mt = "application/pdf"
	}
	_, err = q.ExecContext(ctx, `INSERT INTO shipments (tenant_id, sandbox, id, order_id, service_id, carrier_code,
		tracking_number, status, stage, origin_country, dest_country, doc, label, label_media_type, version,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		sh.ID, sh.OrderID, sh.ServiceID, sh.CarrierCode, sh.TrackingNumber, string(sh.Status), string(sh.Stage),
		sh.From.Country, sh.To.Country, string(doc), lbl.Data, mt, sh.Version, sh.CreatedAt, sh.UpdatedAt)
	if db.IsUnique(err) {
		// The carrier issued a number this partition already holds: the
		// same order and service within one second (a double click).
		return problem.Conflict("duplicate_tracking_number", "tracking_number", sh.TrackingNumber)
	}
	if err != nil {
		return fmt.Errorf("shipments: insert: %w", err)
	}
	return nil
}

func scanShipment(sc interface{ Scan(...any) error }) (Shipment, error) {
	var (
		sh              Shipment
		status, stage   string
		doc, mt         string
		last, delivered sql.NullTime
	)
	if err := sc.Scan(&sh.ID, &sh.OrderID, &sh.ServiceID, &sh.CarrierCode, &sh.TrackingNumber, &status, &stage, &doc, &mt,
		&last, &delivered, &sh.Version, &sh.CreatedAt, &sh.UpdatedAt); err != nil {
		return Shipment{}, err
	}
	var d shipDoc
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return Shipment{}, fmt.Errorf("shipments: decode %s: %w", sh.ID, err)
	}
	sh.Status, sh.Stage = carrier.Status(status), carrier.Status(stage)
	sh.Carrier, sh.Service, sh.CarrierService = d.Carrier, d.Service, d.CarrierService
	sh.From, sh.To, sh.Parcels = d.Label.From, d.Label.To, d.Parcels
	sh.Price, sh.ChargeableWeightG, sh.QuotedDays = d.Price, d.ChargeableWeightG, d.QuotedDays
	sh.Exception, sh.StagesSeen, sh.Outcome = d.Exception, d.StagesSeen, d.Outcome
	if sh.StagesSeen == nil {
		sh.StagesSeen = []string{}
	}
	if last.Valid {
		t := last.Time.UTC()
		sh.LastEventAt = &t
	}
	if delivered.Valid {
		t := delivered.Time.UTC()
		sh.DeliveredAt = &t
	}
	sh.CreatedAt, sh.UpdatedAt = sh.CreatedAt.UTC(), sh.UpdatedAt.UTC()
	sh.LabelURL = "/api/v1/shipments/" + sh.ID + "/label"
	sh.LabelStatus = LabelBought
	return sh, nil
}

// Get returns a shipment with its event history, oldest event first. A
// shipment whose label is not bought yet, or whose purchase failed, is
// returned with its label_status and without tracking.
func (s *Service) Get(ctx context.Context, id string) (Shipment, error) {
	id = strings.TrimSpace(id)
	sh, err := s.get(ctx, id, true)
	if errors.Is(err, problem.ErrNotFound) {
		p, perr := s.pending(ctx, id)
		switch {
		case perr != nil:
		case p.LabelStatus != LabelBought:
			return p, nil
		default:
			// Bought between the two reads.
			return s.get(ctx, id, true)
		}
	}
	return sh, err
}

func (s *Service) get(ctx context.Context, id string, withEvents bool) (Shipment, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return Shipment{}, err
	}
	sh, err := scanShipment(q.QueryRowContext(ctx, `SELECT `+shipCols+` FROM shipments
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Shipment{}, problem.ErrNotFound
	}
	if err != nil {
		return Shipment{}, fmt.Errorf("shipments: get: %w", err)
	}
	if withEvents {
		if sh.Events, err = s.history(ctx, q, sh.ID); err != nil {
			return Shipment{}, err
		}
	}
	return sh, nil
}

// Filter selects shipments in a list.
type Filter struct {
	Status         string
	OrderID        string
	TrackingNumber string
	ServiceID      string
	// Exception lists only shipments standing in an exception.
	Exception bool
}

// List returns a page of shipments, newest first, without their history.
func (s *Service) List(ctx context.Context, f Filter, pg web.Page) (web.List[Shipment], error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Shipment]{}, err
	}
	query := `SELECT ` + shipCols + ` FROM shipments WHERE tenant_id = $1 AND sandbox = $2`
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args)+2)
	}
	if f.Exception {
		f.Status = string(carrier.Exception)
	}
	if f.Status != "" {
		query += ` AND status = ` + arg(f.Status)
	}
	if f.OrderID != "" {
		query += ` AND order_id = ` + arg(f.OrderID)
	}
	if f.TrackingNumber != "" {
		query += ` AND tracking_number = ` + arg(strings.ToUpper(f.TrackingNumber))
	}
	if f.ServiceID != "" {
		query += ` AND service_id = ` + arg(f.ServiceID)
	}
	if pg.After != "" {
		query += ` AND id < ` + arg(pg.After)
	}
	query += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, pg.FetchLimit())
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return web.List[Shipment]{}, fmt.Errorf("shipments: list: %w", err)
	}
	list, err := db.Collect(rows, func(r db.Row) (Shipment, error) { return scanShipment(r) })
	if err != nil {
		return web.List[Shipment]{}, fmt.Errorf("shipments: list: %w", err)
	}
	return web.NewList(pg, list, func(sh Shipment) string { return sh.ID }), nil
}

// Label returns a shipment's label and its media type.
func (s *Service) Label(ctx context.Context, id string) ([]byte, string, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, "", err
	}
	var (
		b  []byte
		mt string
	)
	err = q.QueryRowContext(ctx, `SELECT label, label_media_type FROM shipments WHERE tenant_id = $1 AND sandbox = $2
		AND id = $3`, strings.TrimSpace(id)).Scan(&b, &mt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", problem.ErrNotFound
	}
	if err != nil {
		return nil, "", fmt.Errorf("shipments: label: %w", err)
	}
	return b, mt, nil
}

// Sender returns the tenant's default ship-from address.
func (s *Service) Sender(ctx context.Context) (carrier.Address, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return carrier.Address{}, err
	}
	var doc string
	err = q.QueryRowContext(ctx, `SELECT doc FROM shipment_senders WHERE tenant_id = $1 AND sandbox = $2`).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return carrier.Address{}, problem.ErrNotFound
	}
	if err != nil {
		return carrier.Address{}, fmt.Errorf("shipments: sender: %w", err)
	}
	var a carrier.Address
	if err := json.Unmarshal([]byte(doc), &a); err != nil {
		return carrier.Address{}, err
	}
	return a, nil
}

// SetSender replaces the tenant's default ship-from address.
func (s *Service) SetSender(ctx context.Context, a carrier.Address) (carrier.Address, error) {
	a = normAddress(a)
	var fs problem.Errors
	checkAddress(&fs, "", a)
	for i := range fs {
		fs[i].Field = strings.TrimPrefix(fs[i].Field, ".")
	}
	if err := fs.Err(); err != nil {
		return carrier.Address{}, err
	}
	doc, err := json.Marshal(a)
	if err != nil {
		return carrier.Address{}, err
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO shipment_senders (tenant_id, sandbox, doc, updated_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, sandbox) DO UPDATE SET doc = excluded.doc,
			updated_at = excluded.updated_at`, string(doc), s.stamp()); err != nil {
			return fmt.Errorf("shipments: save sender: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "logistics.sender.update", Resource: "shipment_sender", Change: a})
	})
	return a, err
}
