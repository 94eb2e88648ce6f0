package insurance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/iso"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Event types the module publishes.
const (
	EventPolicyBound    = "insurance.policy_bound"
	EventClaimSubmitted = "insurance.claim_submitted"
	EventClaimUpdated   = "insurance.claim_updated"
)

func init() {
	events.Register(EventPolicyBound, "A cargo insurance quote was bound: a policy now covers the shipment.")
	events.Register(EventClaimSubmitted, "A claim was filed against a cargo insurance policy.")
	events.Register(EventClaimUpdated, "A cargo insurance claim changed status (under review, approved, rejected, paid).")
}

// Recorder writes audit records in the caller's transaction.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Publisher records events in the caller's transaction (the outbox).
type Publisher interface {
	PublishMany(ctx context.Context, es []events.Event) error
}

// Service quotes, binds and certifies cargo insurance and handles claims.
type Service struct {
	db     *db.DB
	audit  Recorder
	events Publisher
	links  Links
	tariff *Tariff
	log    *slog.Logger
	now    func() time.Time
}

// Links looks up what a policy is bound to, in the caller's tenant and
// partition: the logistics module's shipments and the shared orders.
type Links interface {
	// ShipmentOrder returns the order a shipment carries, or
	// problem.ErrNotFound.
	ShipmentOrder(ctx context.Context, shipmentID string) (string, error)
	// OrderExists returns problem.ErrNotFound for an unknown order.
	OrderExists(ctx context.Context, orderID string) error
}

// UseLinks makes Bind check the shipment and order a policy names (and
// take the order from the shipment when only that is given). Without it
// they are recorded as given.
func (s *Service) UseLinks(l Links) { s.links = l }

// New returns the insurance service on tariff (SampleTariff when nil).
func New(d *db.DB, rec Recorder, tariff *Tariff, log *slog.Logger) (*Service, error) {
	if tariff == nil {
		var err error
		if tariff, err = SampleTariff(); err != nil {
			return nil, err
		}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: d, audit: rec, tariff: tariff, log: log, now: time.Now}, nil
}

// UsePublisher makes the service announce bound policies and claims.
func (s *Service) UsePublisher(p Publisher) { s.events = p }

// Tariff is the tariff the service quotes on.
func (s *Service) Tariff() *Tariff { return s.tariff }

func (s *Service) publish(ctx context.Context, typ, id string, data any) error {
	if s.events == nil {
		return nil
	}
	return s.events.PublishMany(ctx, []events.Event{{Type: typ, ResourceID: id, Data: data}})
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Quote is a priced, expiring offer of cover (the CONTRACT's response,
// with how it was priced).
type Quote struct {
	ID             string       `json:"id"`
	CargoValue     money.Money  `json:"cargo_value"`
	Incoterm       string       `json:"incoterm"`
	Freight        *money.Money `json:"freight,omitempty"`
	Commodity      string       `json:"commodity"`
	Transport      string       `json:"transport"`
	Route          Route        `json:"route"`
	UpliftPercent  string       `json:"uplift_percent"`
	CIF            money.Money  `json:"cif_value"`
	InsuredValue   money.Money  `json:"insured_value"`
	Premium        money.Money  `json:"premium"`
	Rate           string       `json:"rate"`
	BaseRate       string       `json:"base_rate"`
	Band           string       `json:"band"`
	BandFactor     string       `json:"band_factor"`
	MinimumApplied bool         `json:"minimum_premium_applied"`
	Deductible     *money.Money `json:"deductible,omitempty"`
	Tariff         string       `json:"tariff"`
	CreatedAt      time.Time    `json:"created_at"`
	ExpiresAt      time.Time    `json:"expires_at"`
}

// CreateQuote prices req on the tariff and stores the quote until it
// expires.
func (s *Service) CreateQuote(ctx context.Context, req QuoteRequest) (Quote, error) {
	req, p, err := s.tariff.Price(req)
	if err != nil {
		return Quote{}, err
	}
	now := s.clock()
	ded := p.Deductible
	q := Quote{ID: ids.New("inq"), CargoValue: req.CargoValue, Incoterm: req.Incoterm, Freight: req.Freight,
		Commodity: req.Commodity, Transport: req.Transport, Route: req.Route, UpliftPercent: p.UpliftPercent,
		CIF: p.CIF, InsuredValue: p.InsuredValue, Premium: p.Premium, Rate: p.Rate, BaseRate: p.BaseRate,
		Band: p.Band, BandFactor: p.BandFactor, MinimumApplied: p.MinimumApplied, Deductible: &ded,
		Tariff: s.tariff.Version, CreatedAt: now, ExpiresAt: now.Add(s.tariff.TTL())}
	var freight *string
	if q.Freight != nil {
		freight = &q.Freight.Amount
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO insurance_quotes (tenant_id, sandbox, id, currency, cargo_value,
			incoterm, freight, commodity, transport, route_from, route_to, uplift_percent, cif, insured_value, premium,
			rate, base_rate, band, band_factor, deductible, minimum_applied, tariff_version, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)`,
			q.ID, q.CargoValue.Currency, q.CargoValue.Amount, q.Incoterm, freight, q.Commodity, q.Transport,
			q.Route.From, q.Route.To, q.UpliftPercent, q.CIF.Amount, q.InsuredValue.Amount, q.Premium.Amount, q.Rate,
			q.BaseRate, q.Band, q.BandFactor, q.Deductible.Amount, q.MinimumApplied, q.Tariff, q.CreatedAt, q.ExpiresAt); err != nil {
			return fmt.Errorf("insurance: store quote: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "insurance.quote.create", Resource: "insurance_quote:" + q.ID, Change: q})
	})
	if err != nil {
		return Quote{}, err
	}
	return q, nil
}

const quoteCols = `id, currency, cargo_value, incoterm, freight, commodity, transport, route_from, route_to,
	uplift_percent, cif, insured_value, premium, rate, base_rate, band, band_factor, deductible, minimum_applied,
	tariff_version, created_at, expires_at`

// quoteRow holds a quote row's columns while it is scanned.
type quoteRow struct {
	q                             Quote
	cur, cargo, cif, ins, prem, d string
	freight                       sql.NullString
}

func (r *quoteRow) dest() []any {
	q := &r.q
	return []any{&q.ID, &r.cur, &r.cargo, &q.Incoterm, &r.freight, &q.Commodity, &q.Transport, &q.Route.From,
		&q.Route.To, &q.UpliftPercent, &r.cif, &r.ins, &r.prem, &q.Rate, &q.BaseRate, &q.Band, &q.BandFactor, &r.d,
		&q.MinimumApplied, &q.Tariff, &q.CreatedAt, &q.ExpiresAt}
}

func (r *quoteRow) quote() Quote {
	q := r.q
	m := func(a string) money.Money { return money.Money{Amount: a, Currency: r.cur} }
	q.CargoValue, q.CIF, q.InsuredValue, q.Premium = m(r.cargo), m(r.cif), m(r.ins), m(r.prem)
	d := m(r.d)
	q.Deductible = &d
	if r.freight.Valid {
		f := m(r.freight.String)
		q.Freight = &f
	}
	q.CreatedAt, q.ExpiresAt = q.CreatedAt.UTC(), q.ExpiresAt.UTC()
	return q
}

func scanQuote(r db.Row) (Quote, error) {
	var qr quoteRow
	if err := r.Scan(qr.dest()...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Quote{}, problem.ErrNotFound
		}
		return Quote{}, fmt.Errorf("insurance: read quote: %w", err)
	}
	return qr.quote(), nil
}

// GetQuote returns a quote of the caller's tenant.
func (s *Service) GetQuote(ctx context.Context, id string) (Quote, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return Quote{}, err
	}
	return scanQuote(t.QueryRowContext(ctx, `SELECT `+quoteCols+` FROM insurance_quotes
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
}

// Party is the insured party a certificate names.
type Party struct {
	Name    string `json:"name"`
	Address string `json:"address,omitempty"`
	Country string `json:"country,omitempty"`
}

// BindRequest binds a quote into a policy.
type BindRequest struct {
	QuoteID    string `json:"quote_id"`
	ShipmentID string `json:"shipment_id,omitempty"`
	OrderID    string `json:"order_id,omitempty"`
	Insured    Party  `json:"insured"`
	// Beneficiary is to whom claims are payable ("to order of …"); the
	// insured when empty.
	Beneficiary string `json:"beneficiary,omitempty"`
	// CargoDescription is printed on the certificate.
	CargoDescription string `json:"cargo_description,omitempty"`
}

// Policy is a bound quote: cover for one shipment.
type Policy struct {
	ID               string    `json:"id"`
	Number           string    `json:"number"`
	QuoteID          string    `json:"quote_id"`
	ShipmentID       string    `json:"shipment_id,omitempty"`
	OrderID          string    `json:"order_id,omitempty"`
	Insured          Party     `json:"insured"`
	Beneficiary      string    `json:"beneficiary,omitempty"`
	CargoDescription string    `json:"cargo_description,omitempty"`
	Status           string    `json:"status"`
	Quote            Quote     `json:"quote"`
	CreatedAt        time.Time `json:"created_at"`
}

// Problem codes of binding and claims.
const (
	CodeQuoteExpired   = "insurance_quote_expired"
	CodeQuoteBound     = "insurance_quote_bound"
	CodeQuoteUnknown   = "insurance_quote_unknown"
	CodeClaimTooLarge  = "insurance_claim_exceeds_insured"
	CodeClaimState     = "insurance_claim_state"
	CodeTooLong        = "max_length"
	CodeAssessedTooBig = "insurance_assessed_exceeds_claim"
)

func checkText(fs *problem.Errors, field, v string, max int, required bool) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "" && required:
		fs.Add(field, "required")
	case utf8.RuneCountInString(v) > max:
		fs.Add(field, CodeTooLong, "max", max)
	}
	return v
}

// policyNumber derives a printable number from the id: the id is already
// unique and time-ordered, the number is what people read out.
func policyNumber(id string, at time.Time) string {
	tail := strings.ToUpper(id[len(id)-8:])
	return fmt.Sprintf("SGC-%s-%s", at.Format("20060102"), tail)
}

// checkLinks refuses a shipment or order the caller does not have, and a
// shipment of another order than the one named.
func (s *Service) checkLinks(ctx context.Context, req *BindRequest) error {
	if s.links == nil {
		return nil
	}
	if req.ShipmentID != "" {
		order, err := s.links.ShipmentOrder(ctx, req.ShipmentID)
		if errors.Is(err, problem.ErrNotFound) {
			return problem.Invalid(problem.Field{Field: "shipment_id", Code: "not_found"})
		}
		if err != nil {
			return err
		}
		switch {
		case req.OrderID == "":
			req.OrderID = order
		case req.OrderID != order:
			return problem.Invalid(problem.Field{Field: "shipment_id", Code: "not_of_order", Params: []any{"order", req.OrderID}})
		}
		return nil
	}
	if req.OrderID != "" {
		if err := s.links.OrderExists(ctx, req.OrderID); errors.Is(err, problem.ErrNotFound) {
			return problem.Invalid(problem.Field{Field: "order_id", Code: "not_found"})
		} else if err != nil {
			return err
		}
	}
	return nil
}

// Bind turns a live quote of the caller's tenant into a policy, once.
func (s *Service) Bind(ctx context.Context, req BindRequest) (Policy, error) {
	var fs problem.Errors
	req.QuoteID = checkText(&fs, "quote_id", req.QuoteID, 64, true)
	req.ShipmentID = checkText(&fs, "shipment_id", req.ShipmentID, 64, false)
	req.OrderID = checkText(&fs, "order_id", req.OrderID, 64, false)
	req.Insured.Name = checkText(&fs, "insured.name", req.Insured.Name, 200, true)
	req.Insured.Address = checkText(&fs, "insured.address", req.Insured.Address, 500, false)
	req.Beneficiary = checkText(&fs, "beneficiary", req.Beneficiary, 200, false)
	req.CargoDescription = checkText(&fs, "cargo_description", req.CargoDescription, 500, false)
	if req.Insured.Country != "" && !iso.Country(req.Insured.Country) {
		fs.Add("insured.country", "invalid_country", "country", req.Insured.Country)
	}
	if err := fs.Err(); err != nil {
		return Policy{}, err
	}
	if err := s.checkLinks(ctx, &req); err != nil {
		return Policy{}, err
	}
	now := s.clock()
	p := Policy{ID: ids.New("pol"), QuoteID: req.QuoteID, ShipmentID: req.ShipmentID, OrderID: req.OrderID,
		Insured: req.Insured, Beneficiary: req.Beneficiary, CargoDescription: req.CargoDescription, Status: "active",
		CreatedAt: now}
	p.Number = policyNumber(p.ID, now)
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		q, err := scanQuote(t.QueryRowContext(ctx, `SELECT `+quoteCols+` FROM insurance_quotes
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, req.QuoteID))
		if errors.Is(err, problem.ErrNotFound) {
			// Another tenant's quote and a made-up id look the same.
			return problem.Invalid(problem.Field{Field: "quote_id", Code: CodeQuoteUnknown})
		}
		if err != nil {
			return err
		}
		if !now.Before(q.ExpiresAt) {
			return &problem.Error{Status: http.StatusConflict, Code: CodeQuoteExpired,
				Params: []any{"id", q.ID, "expired", q.ExpiresAt.Format(time.RFC3339)},
				Fields: []problem.Field{{Field: "quote_id", Code: CodeQuoteExpired}}}
		}
		res, err := t.ExecContext(ctx, `INSERT INTO insurance_policies (tenant_id, sandbox, id, quote_id, shipment_id,
			order_id, insured_name, insured_address, insured_country, beneficiary, cargo_description, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (tenant_id, sandbox, quote_id) DO NOTHING`,
			p.ID, p.QuoteID, p.ShipmentID, p.OrderID, p.Insured.Name, p.Insured.Address, p.Insured.Country,
			p.Beneficiary, p.CargoDescription, p.Status, p.CreatedAt)
		if err != nil {
			return fmt.Errorf("insurance: bind: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return &problem.Error{Status: http.StatusConflict, Code: CodeQuoteBound, Params: []any{"id", q.ID},
				Fields: []problem.Field{{Field: "quote_id", Code: CodeQuoteBound}}, Err: err}
		}
		p.Quote = q
		if err := s.audit.Record(ctx, audit.Event{Action: "insurance.policy.bind", Resource: "insurance_policy:" + p.ID, Change: p}); err != nil {
			return err
		}
		return s.publish(ctx, EventPolicyBound, p.ID, p)
	})
	if err != nil {
		return Policy{}, err
	}
	return p, nil
}

const policyCols = `p.id, p.quote_id, p.shipment_id, p.order_id, p.insured_name, p.insured_address, p.insured_country,
	p.beneficiary, p.cargo_description, p.status, p.created_at, q.` + `id, q.currency, q.cargo_value, q.incoterm, q.freight,
	q.commodity, q.transport, q.route_from, q.route_to, q.uplift_percent, q.cif, q.insured_value, q.premium, q.rate,
	q.base_rate, q.band, q.band_factor, q.deductible, q.minimum_applied, q.tariff_version, q.created_at, q.expires_at`

const policyFrom = ` FROM insurance_policies p JOIN insurance_quotes q
	ON q.tenant_id = p.tenant_id AND q.sandbox = p.sandbox AND q.id = p.quote_id`

func scanPolicy(r db.Row) (Policy, error) {
	var (
		p  Policy
		qr quoteRow
	)
	err := r.Scan(append([]any{&p.ID, &p.QuoteID, &p.ShipmentID, &p.OrderID, &p.Insured.Name, &p.Insured.Address,
		&p.Insured.Country, &p.Beneficiary, &p.CargoDescription, &p.Status, &p.CreatedAt}, qr.dest()...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return Policy{}, problem.ErrNotFound
	}
	if err != nil {
		return Policy{}, fmt.Errorf("insurance: read policy: %w", err)
	}
	p.CreatedAt = p.CreatedAt.UTC()
	p.Quote, p.Number = qr.quote(), policyNumber(p.ID, p.CreatedAt)
	return p, nil
}

// GetPolicy returns a policy of the caller's tenant with its quote.
func (s *Service) GetPolicy(ctx context.Context, id string) (Policy, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return Policy{}, err
	}
	return scanPolicy(t.QueryRowContext(ctx, `SELECT `+policyCols+policyFrom+`
		WHERE p.tenant_id = $1 AND p.sandbox = $2 AND p.id = $3`, id))
}

// PolicyFilter narrows ListPolicies.
type PolicyFilter struct {
	ShipmentID, OrderID string
}

// ListPolicies lists the tenant's policies, newest first.
func (s *Service) ListPolicies(ctx context.Context, f PolicyFilter, pg web.Page) (web.List[Policy], error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Policy]{}, err
	}
	q := `SELECT ` + policyCols + policyFrom + ` WHERE p.tenant_id = $1 AND p.sandbox = $2`
	args := []any{}
	if f.ShipmentID != "" {
		args = append(args, f.ShipmentID)
		q += fmt.Sprintf(" AND p.shipment_id = $%d", len(args)+2)
	}
	if f.OrderID != "" {
		args = append(args, f.OrderID)
		q += fmt.Sprintf(" AND p.order_id = $%d", len(args)+2)
	}
	if pg.After != "" {
		args = append(args, pg.After)
		q += fmt.Sprintf(" AND p.id < $%d", len(args)+2)
	}
	args = append(args, pg.FetchLimit())
	q += fmt.Sprintf(" ORDER BY p.id DESC LIMIT $%d", len(args)+2)
	rows, err := t.QueryContext(ctx, q, args...)
	if err != nil {
		return web.List[Policy]{}, fmt.Errorf("insurance: list policies: %w", err)
	}
	items, err := db.Collect(rows, scanPolicy)
	if err != nil {
		return web.List[Policy]{}, err
	}
	return web.NewList(pg, items, func(p Policy) string { return p.ID }), nil
}
