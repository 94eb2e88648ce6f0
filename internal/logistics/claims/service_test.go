package claims

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/logistics"
	"github.com/silkgate/silkgate/internal/logistics/rates"
	"github.com/silkgate/silkgate/internal/logistics/shipments"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

type recorder struct {
	mu      sync.Mutex
	actions []string
}

func (r *recorder) Record(_ context.Context, e audit.Event) error {
	r.mu.Lock()
	r.actions = append(r.actions, e.Action)
	r.mu.Unlock()
	return nil
}

type publisher struct {
	mu    sync.Mutex
	types []string
}

func (p *publisher) PublishMany(_ context.Context, es []events.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range es {
		if !events.Known(e.Type) {
			return fmt.Errorf("unknown type %s", e.Type)
		}
		if _, ok := e.Data.(Claim); !ok {
			return fmt.Errorf("event data %T", e.Data)
		}
		p.types = append(p.types, e.Type)
	}
	return nil
}

type noAudit struct{}

func (noAudit) Record(context.Context, audit.Event) error { return nil }

// testCarrier issues the tracking numbers it is given, in turn.
type testCarrier struct {
	mu      sync.Mutex
	numbers []string
}

func (c *testCarrier) Capabilities() carrier.Capabilities {
	return carrier.Capabilities{Name: "TestPost"}
}
func (c *testCarrier) CreateLabel(_ context.Context, req carrier.LabelRequest) (carrier.Label, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.numbers[0]
	c.numbers = c.numbers[1:]
	return carrier.Label{TrackingNumber: n, Service: req.Service, MediaType: "application/pdf", Data: []byte("%PDF-1.4 test")}, nil
}
func (c *testCarrier) Track(context.Context, string) ([]carrier.TrackingEvent, error) {
	return nil, nil
}
func (c *testCarrier) Cancel(context.Context, string) error { return nil }

type fixture struct {
	ctx     context.Context
	s       *Service
	ships   *shipments.Service
	rates   *rates.Service
	orders  *orders.Service
	carrier *testCarrier
	audit   *recorder
	events  *publisher
	svcID   string
	// svcs is each tenant's rate card service.
	svcs map[string]string
	// shipAt is the shipments' clock, at the claims' clock.
	shipAt, at time.Time
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	start := time.Date(2026, 9, 1, 2, 0, 0, 0, time.UTC)
	f := &fixture{shipAt: start, at: start, carrier: &testCarrier{}, audit: &recorder{}, events: &publisher{}}
	f.ctx = audit.WithActor(db.WithScope(context.Background(), db.Scope{TenantID: "ten_claims"}),
		audit.Actor{ID: "usr_clerk", Type: "user"})
	f.svcs = map[string]string{}
	f.orders = orders.New(d, noAudit{}, nil)
	f.rates = rates.New(d, noAudit{}, nil)
	reg := shipments.NewRegistry(shipments.NewSandboxCarrier(d, func() time.Time { return f.shipAt }))
	reg.Register(shipments.Connector{Code: "testpost", Names: []string{"TestPost"}, Carrier: f.carrier})
	f.ships = shipments.New(d, f.orders, f.rates, reg, events.New(d, nil, events.Config{}), noAudit{},
		shipments.Config{Now: func() time.Time { return f.shipAt }})
	f.svcID = f.service(t, f.ctx)
	f.s = New(d, FromShipments(f.ships), f.audit, nil)
	f.s.UsePublisher(f.events)
	f.s.UseClock(func() time.Time { return f.at })
	f.rates.SetQuality(f.ships.WithClaims(f.s))
	return f
}

// service opens the tenant's rate card for CN → DE.
func (f *fixture) service(t *testing.T, ctx context.Context) string {
	t.Helper()
	sc, _ := db.ScopeFrom(ctx)
	if id, ok := f.svcs[sc.TenantID]; ok {
		return id
	}
	svc, err := f.rates.Create(ctx, rates.CarrierService{Carrier: "TestPost", Name: "Parcel", Mode: logistics.ModeAir,
		OriginCountries: []string{"CN"}, Currency: "USD", VolumetricDivisor: 5000, WeightStepG: 500,
		Zones: []rates.Zone{{Name: "EU", Countries: []string{"DE"}, TransitDays: logistics.Days{Min: 4, Max: 7}}},
		Rates: []rates.Band{{Zone: "EU", UpToG: 30000, Price: "20.00"}}})
	if err != nil {
		t.Fatal(err)
	}
	f.svcs[sc.TenantID] = svc.ID
	return svc.ID
}

// ship buys a label for a new order in ctx's tenant.
func (f *fixture) ship(t *testing.T, ctx context.Context, number string) shipments.Shipment {
	t.Helper()
	f.carrier.numbers = append(f.carrier.numbers, number)
	o, err := f.orders.Create(ctx, orders.NewOrder{ExternalID: "EXT-" + number, Channel: "amazon-de", PlacedAt: f.shipAt,
		Currency: "USD", Buyer: orders.Buyer{Name: "Jonas Weber", Country: "DE"},
		ShipTo: orders.Address{Name: "Jonas Weber", Line1: "Invalidenstr. 1", City: "Berlin", Postcode: "10115", Country: "DE"},
		Lines:  []orders.Line{{SKU: "TOY-1", Quantity: 2, UnitPrice: money.Money{Amount: "19.99", Currency: "USD"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ships.SetSender(ctx, carrier.Address{Name: "Yiwu Bright Toys", Line1: "1 Futian Rd", City: "Yiwu",
		Postcode: "322000", Country: "CN"}); err != nil {
		t.Fatal(err)
	}
	sh, err := f.ships.Create(ctx, shipments.NewShipment{OrderID: o.ID, ServiceID: f.service(t, ctx),
		Parcels: []logistics.Parcel{{WeightG: 1200, DimsMM: [3]int64{300, 200, 150}}}})
	if err != nil {
		t.Fatal(err)
	}
	return sh
}

func ev(number string, st carrier.Status, at time.Time, reason ...string) shipments.EventInput {
	in := shipments.EventInput{TrackingNumber: number, Status: st, At: at.Format(time.RFC3339), Location: "Somewhere", Country: "CN"}
	if len(reason) > 0 {
		in.Reason = reason[0]
	}
	return in
}

// deliver runs a shipment through a whole timeline of days in transit,
// from the shipments' clock, and returns when it was delivered.
func (f *fixture) deliver(t *testing.T, ctx context.Context, sh shipments.Shipment, days int) time.Time {
	t.Helper()
	start := f.shipAt.Add(time.Hour)
	end := start.Add(time.Duration(days)*24*time.Hour - time.Hour)
	n := sh.TrackingNumber
	evs := []shipments.EventInput{ev(n, carrier.PickedUp, start), ev(n, carrier.ExportCustoms, start.Add(2*time.Hour)),
		ev(n, carrier.Departed, start.Add(4*time.Hour)), ev(n, carrier.ArrivedDestinationCountry, start.Add(30*time.Hour)),
		ev(n, carrier.ImportCustoms, start.Add(40*time.Hour)), ev(n, carrier.OutForDelivery, end.Add(-2*time.Hour)),
		ev(n, carrier.Delivered, end)}
	if _, err := f.ships.Ingest(ctx, shipments.Batch{Events: evs}, shipments.SourceAPI, ""); err != nil {
		t.Fatal(err)
	}
	return end
}

func usd(a string) money.Money { return money.Money{Amount: a, Currency: "USD"} }

func fieldOf(err error) (string, string) {
	pe, ok := problem.As(err)
	if !ok || len(pe.Fields) == 0 {
		return "", ""
	}
	return pe.Fields[0].Field, pe.Fields[0].Code
}

// TestCreate checks what a new claim must carry: its amount in the
// currency's minor units, a known type, a description, and a shipment of
// the caller's own.
func TestCreate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		sh := f.ship(t, f.ctx, "TP100000001CN")
		other := db.WithScope(context.Background(), db.Scope{TenantID: "ten_other"})
		foreign := f.ship(t, other, "TP100000002CN")
		sbx := db.WithScope(context.Background(), db.Scope{TenantID: "ten_claims", Sandbox: true})
		f.at = f.shipAt.Add(48 * time.Hour)
		ok := NewClaim{ShipmentID: sh.ID, Type: Loss, ClaimedAmount: usd("39.98"), Description: "Never arrived"}
		with := func(fn func(n *NewClaim)) NewClaim { n := ok; fn(&n); return n }
		tests := []struct {
			name        string
			ctx         context.Context
			n           NewClaim
			field, code string
			notFound    bool
		}{
			{"three decimals in USD", f.ctx, with(func(n *NewClaim) { n.ClaimedAmount = usd("12.345") }), "claimed_amount.amount", money.CodePrecision, false},
			{"decimals in JPY", f.ctx, with(func(n *NewClaim) { n.ClaimedAmount = money.Money{Amount: "100.5", Currency: "JPY"} }), "claimed_amount.amount", money.CodePrecision, false},
			{"exponent", f.ctx, with(func(n *NewClaim) { n.ClaimedAmount = usd("1e3") }), "claimed_amount.amount", money.CodeAmount, false},
			{"lower-case currency", f.ctx, with(func(n *NewClaim) { n.ClaimedAmount = money.Money{Amount: "10", Currency: "usd"} }), "claimed_amount.currency", money.CodeCurrency, false},
			{"negative", f.ctx, with(func(n *NewClaim) { n.ClaimedAmount = usd("-5.00") }), "claimed_amount.amount", money.CodeNegative, false},
			{"zero", f.ctx, with(func(n *NewClaim) { n.ClaimedAmount = usd("0.00") }), "claimed_amount.amount", "positive", false},
			{"no amount", f.ctx, with(func(n *NewClaim) { n.ClaimedAmount = money.Money{Currency: "USD"} }), "claimed_amount.amount", "required", false},
			{"unknown type", f.ctx, with(func(n *NewClaim) { n.Type = "theft" }), "type", "one_of", false},
			{"no description", f.ctx, with(func(n *NewClaim) { n.Description = "  " }), "description", "required", false},
			{"line without quantity", f.ctx, with(func(n *NewClaim) { n.Lines = []Line{{SKU: "TOY-1"}} }), "lines[0].quantity", "positive", false},
			{"no shipment", f.ctx, with(func(n *NewClaim) { n.ShipmentID = "" }), "shipment_id", "required", false},
			{"unknown shipment", f.ctx, with(func(n *NewClaim) { n.ShipmentID = "shp_nope" }), "", "", true},
			{"another tenant's shipment", f.ctx, with(func(n *NewClaim) { n.ShipmentID = foreign.ID }), "", "", true},
			{"the sandbox partition", sbx, ok, "", "", true},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.s.Create(tc.ctx, tc.n)
				if tc.notFound {
					if !errors.Is(err, problem.ErrNotFound) {
						t.Fatalf("got %v, want not found", err)
					}
					return
				}
				if fld, code := fieldOf(err); fld != tc.field || code != tc.code {
					t.Fatalf("got %s/%s (%v), want %s/%s", fld, code, err, tc.field, tc.code)
				}
			})
		}
		c, err := f.s.Create(f.ctx, with(func(n *NewClaim) {
			n.ClaimedAmount = usd("39.9")
			n.Lines = []Line{{SKU: "TOY-1", Quantity: 2}}
		}))
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != Filed || c.ClaimedAmount != usd("39.90") || c.OrderID != sh.OrderID || c.CarrierCode != "testpost" ||
			c.ServiceID != f.svcID || c.OriginCountry != "CN" || c.DestCountry != "DE" || len(c.History) != 1 ||
			c.History[0].By != "usr_clerk" || !c.FileBy.Equal(sh.CreatedAt.AddDate(0, 0, 60)) {
			t.Fatalf("created: %+v", c)
		}
		if strings.Join(f.events.types, ",") != "claim.created,claim.updated" || f.audit.actions[0] != "claim.create" {
			t.Errorf("events %v audit %v", f.events.types, f.audit.actions)
		}
		// The other tenant sees nothing of it.
		if _, err := f.s.Get(other, c.ID); !errors.Is(err, problem.ErrNotFound) {
			t.Errorf("other tenant reads the claim: %v", err)
		}
		if l, err := f.s.List(other, Filter{}, web.Page{Limit: 10}); err != nil || len(l.Items) != 0 {
			t.Errorf("other tenant lists: %v %d", err, len(l.Items))
		}
	})
}

// TestWindows files claims on either side of the carriers' windows.
func TestWindows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		undelivered := f.ship(t, f.ctx, "TP200000001CN")
		delivered := f.ship(t, f.ctx, "TP200000002CN")
		deliveredAt := f.deliver(t, f.ctx, delivered, 6)
		moving := f.ship(t, f.ctx, "TP200000003CN")
		lastEvent := f.shipAt.Add(72 * time.Hour)
		if _, err := f.ships.Ingest(f.ctx, shipments.Batch{Events: []shipments.EventInput{
			ev(moving.TrackingNumber, carrier.Departed, lastEvent)}}, shipments.SourceAPI, ""); err != nil {
			t.Fatal(err)
		}
		shipped := undelivered.CreatedAt
		day := 24 * time.Hour
		tests := []struct {
			name   string
			sh     shipments.Shipment
			typ    Type
			at     time.Time
			window string // the refusal's code, "" when accepted
		}{
			{"loss on day 59", undelivered, Loss, shipped.Add(59 * day), ""},
			{"loss on day 61", undelivered, Loss, shipped.Add(61 * day), "claim_window_shipped"},
			{"damage 20 days after delivery", delivered, Damage, deliveredAt.Add(20 * day), ""},
			{"damage 22 days after delivery", delivered, Damage, deliveredAt.Add(22 * day), "claim_window_delivered"},
			{"shortage 22 days after delivery", delivered, Shortage, deliveredAt.Add(22 * day), "claim_window_delivered"},
			{"delay 29 days after delivery", delivered, Delay, deliveredAt.Add(29 * day), ""},
			{"delay 31 days after delivery", delivered, Delay, deliveredAt.Add(31 * day), "claim_window_delivered"},
			{"damage counted from the last event", moving, Damage, lastEvent.Add(20 * day), ""},
			{"damage late after the last event", moving, Damage, lastEvent.Add(22 * day), "claim_window_delivered"},
			{"damage without events counts from shipping", undelivered, Damage, shipped.Add(22 * day), "claim_window_delivered"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				f.at = tc.at
				_, err := f.s.Create(f.ctx, NewClaim{ShipmentID: tc.sh.ID, Type: tc.typ, ClaimedAmount: usd("10.00"),
					Description: "x"})
				fld, code := fieldOf(err)
				if tc.window == "" {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				if fld != "type" || code != tc.window {
					t.Fatalf("got %s/%s (%v), want type/%s", fld, code, err, tc.window)
				}
				pe, _ := problem.As(err)
				if p := fmt.Sprint(pe.Fields[0].Params); !strings.Contains(p, string(tc.typ)) || !strings.Contains(p, "days") {
					t.Errorf("params %s do not explain the window", p)
				}
			})
		}
		// A carrier's own window replaces the default.
		f.s.SetWindow("testpost", Damage, Window{Days: 7, From: FromDelivered})
		f.at = deliveredAt.Add(8 * day)
		if _, err := f.s.Create(f.ctx, NewClaim{ShipmentID: delivered.ID, Type: Damage, ClaimedAmount: usd("10.00"),
			Description: "x"}); err == nil {
			t.Fatal("the carrier's 7-day damage window was not applied")
		}
		f.s.SetWindow("otherpost", Damage, Window{Days: 1, From: FromDelivered})
		f.at = deliveredAt.Add(6 * day)
		if _, err := f.s.Create(f.ctx, NewClaim{ShipmentID: delivered.ID, Type: Damage, ClaimedAmount: usd("10.00"),
			Description: "x"}); err != nil {
			t.Fatalf("another carrier's window applied: %v", err)
		}
	})
}

// TestTransitions walks the life cycle: legal moves succeed and are kept
// in the history, illegal ones are 409, and each step's data is checked.
func TestTransitions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		sh := f.ship(t, f.ctx, "TP300000001CN")
		f.at = f.shipAt.Add(24 * time.Hour)
		newClaim := func() Claim {
			t.Helper()
			c, err := f.s.Create(f.ctx, NewClaim{ShipmentID: sh.ID, Type: Damage, ClaimedAmount: usd("50.00"), Description: "Crushed"})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		settle := func(a string) *money.Money { m := usd(a); return &m }
		tests := []struct {
			name   string
			moves  []Transition
			status int    // of the last move; 0 when all succeed
			field  string // of a 422
			want   Status // after the walk
		}{
			{"happy path", []Transition{{To: Submitted, CarrierReference: "TP-CLM-1"}, {To: UnderReview},
				{To: Approved, SettledAmount: settle("45.5")}, {To: Paid}, {To: Closed}}, 0, "", Closed},
			{"rejected then closed", []Transition{{To: Submitted}, {To: UnderReview}, {To: Rejected, Reason: "Poor packing"},
				{To: Closed}}, 0, "", Closed},
			{"withdrawn while filed", []Transition{{To: Withdrawn, Note: "found it"}}, 0, "", Withdrawn},
			{"withdrawn under review", []Transition{{To: Submitted}, {To: UnderReview}, {To: Withdrawn}}, 0, "", Withdrawn},
			{"approve a filed claim", []Transition{{To: Approved, SettledAmount: settle("1.00")}}, 409, "", Filed},
			{"pay before approval", []Transition{{To: Submitted}, {To: Paid}}, 409, "", Submitted},
			{"withdraw once approved", []Transition{{To: Submitted}, {To: UnderReview}, {To: Approved, SettledAmount: settle("1.00")},
				{To: Withdrawn}}, 409, "", Approved},
			{"nothing after withdrawn", []Transition{{To: Withdrawn}, {To: Submitted}}, 409, "", Withdrawn},
			{"nothing after closed", []Transition{{To: Withdrawn}, {To: Closed}}, 409, "", Withdrawn},
			{"unknown status", []Transition{{To: "settled"}}, 422, "to", Filed},
			{"approve without amount", []Transition{{To: Submitted}, {To: UnderReview}, {To: Approved}}, 422, "settled_amount", UnderReview},
			{"settle more than claimed", []Transition{{To: Submitted}, {To: UnderReview}, {To: Approved, SettledAmount: settle("50.01")}},
				422, "settled_amount.amount", UnderReview},
			{"settle in cents of cents", []Transition{{To: Submitted}, {To: UnderReview}, {To: Approved, SettledAmount: settle("10.005")}},
				422, "settled_amount.amount", UnderReview},
			{"settle in another currency", []Transition{{To: Submitted}, {To: UnderReview},
				{To: Approved, SettledAmount: &money.Money{Amount: "10.00", Currency: "EUR"}}}, 422, "settled_amount.currency", UnderReview},
			{"reject without reason", []Transition{{To: Submitted}, {To: UnderReview}, {To: Rejected}}, 422, "reason", UnderReview},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				c := newClaim()
				var err error
				for i, m := range tc.moves {
					f.at = f.at.Add(time.Minute)
					var got Claim
					got, err = f.s.Transition(f.ctx, c.ID, m)
					if err != nil {
						if i != len(tc.moves)-1 {
							t.Fatalf("move %d (%s): %v", i, m.To, err)
						}
						break
					}
					c = got
				}
				pe, _ := problem.As(err)
				switch {
				case tc.status == 0 && err != nil:
					t.Fatalf("refused: %v", err)
				case tc.status != 0 && (pe == nil || pe.Status != tc.status):
					t.Fatalf("got %v, want %d", err, tc.status)
				case tc.status == 409 && pe.Code != "invalid_claim_transition":
					t.Fatalf("code %s", pe.Code)
				case tc.field != "":
					if fld, _ := fieldOf(err); fld != tc.field {
						t.Fatalf("field %s (%v), want %s", fld, err, tc.field)
					}
				}
				stored, err := f.s.Get(f.ctx, c.ID)
				if err != nil || stored.Status != tc.want {
					t.Fatalf("stored: %v %s, want %s", err, stored.Status, tc.want)
				}
				if len(stored.History) != 1+len(tc.moves)-min(tc.status, 1) {
					t.Errorf("history %+v", stored.History)
				}
				for i := 1; i < len(stored.History); i++ {
					if h := stored.History[i]; h.By != "usr_clerk" || !h.At.After(stored.History[i-1].At) {
						t.Errorf("history step %d: %+v", i, h)
					}
				}
			})
		}
		// The happy path kept its data.
		l, err := f.s.List(f.ctx, Filter{Status: Closed, Type: Damage, Carrier: "testpost"}, web.Page{Limit: 10})
		if err != nil || len(l.Items) != 2 {
			t.Fatalf("closed claims: %v %d", err, len(l.Items))
		}
		var paid Claim
		for _, c := range l.Items {
			if c.SettledAmount != nil {
				paid = c
			}
		}
		if paid.SettledAmount == nil || *paid.SettledAmount != usd("45.50") || paid.CarrierReference != "TP-CLM-1" {
			t.Errorf("paid claim: %+v", paid)
		}
		if l, _ := f.s.List(f.ctx, Filter{Carrier: "otherpost"}, web.Page{Limit: 10}); len(l.Items) != 0 {
			t.Errorf("carrier filter: %d", len(l.Items))
		}
		// Paging by cursor returns every claim once.
		seen := map[string]bool{}
		for pg := (web.Page{Limit: 4}); ; {
			l, err := f.s.List(f.ctx, Filter{}, pg)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range l.Items {
				if seen[c.ID] {
					t.Fatalf("%s twice", c.ID)
				}
				seen[c.ID] = true
			}
			if l.NextCursor == "" {
				break
			}
			after, err := base64.RawURLEncoding.DecodeString(l.NextCursor)
			if err != nil {
				t.Fatal(err)
			}
			pg.After = string(after)
		}
		if len(seen) != len(tests) {
			t.Errorf("paged %d claims, want %d", len(seen), len(tests))
		}
	})
}

// TestEvidence stores documents by their content, within the limits,
// until the carrier decides.
func TestEvidence(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		sh := f.ship(t, f.ctx, "TP400000001CN")
		f.at = f.shipAt.Add(24 * time.Hour)
		c, err := f.s.Create(f.ctx, NewClaim{ShipmentID: sh.ID, Type: Damage, ClaimedAmount: usd("20.00"), Description: "Dented"})
		if err != nil {
			t.Fatal(err)
		}
		pdf := []byte("%PDF-1.7\nsurvey report")
		png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
		tests := []struct {
			name   string
			data   []byte
			status int
			mt     string
		}{
			{"pdf", pdf, 0, "application/pdf"},
			{"png", png, 0, "image/png"},
			{"jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0}, 0, "image/jpeg"},
			{"text", []byte("hello"), 415, ""},
			{"empty", nil, 422, ""},
			{"too large", append([]byte("%PDF-"), make([]byte, MaxEvidenceSize)...), 413, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				doc, err := f.s.AddEvidence(f.ctx, c.ID, "../"+tc.name+".bin", bytes.NewReader(tc.data))
				if tc.status != 0 {
					if pe, ok := problem.As(err); !ok || pe.Status != tc.status {
						t.Fatalf("got %v, want %d", err, tc.status)
					}
					return
				}
				if err != nil || doc.MediaType != tc.mt || doc.Name != tc.name+".bin" || doc.Size != int64(len(tc.data)) {
					t.Fatalf("stored: %v %+v", err, doc)
				}
				data, got, err := f.s.Evidence(f.ctx, c.ID, doc.ID)
				if err != nil || !bytes.Equal(data, tc.data) || got.ID != doc.ID {
					t.Fatalf("read back: %v", err)
				}
			})
		}
		got, _ := f.s.Get(f.ctx, c.ID)
		if len(got.Evidence) != 3 {
			t.Errorf("evidence %+v", got.Evidence)
		}
		if _, _, err := f.s.Evidence(db.WithScope(context.Background(), db.Scope{TenantID: "ten_other"}), c.ID,
			got.Evidence[0].ID); !errors.Is(err, problem.ErrNotFound) {
			t.Errorf("another tenant reads evidence: %v", err)
		}
		for _, m := range []Transition{{To: Submitted}, {To: UnderReview}, {To: Rejected, Reason: "No proof"}} {
			if _, err := f.s.Transition(f.ctx, c.ID, m); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Contains(f.audit.actions, "claim.evidence") || !slices.Contains(f.audit.actions, "claim.transition") ||
			strings.Count(strings.Join(f.events.types, ","), "claim.updated") != 1+3+3 {
			t.Errorf("audit %v events %v", f.audit.actions, f.events.types)
		}
		_, err = f.s.AddEvidence(f.ctx, c.ID, "late.pdf", bytes.NewReader(pdf))
		if pe, ok := problem.As(err); !ok || pe.Code != "claim_evidence_closed" {
			t.Errorf("evidence after the decision: %v", err)
		}
	})
}

// TestQuality shows upheld claims lowering the service's quality score:
// a damage claim on a parcel tracking saw delivered whole, a delay claim
// on one tracking counted on time, while a rejected claim, a claim on a
// parcel tracking already counted lost, and a claim on an open shipment
// change nothing.
func TestQuality(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		var delivered []shipments.Shipment
		for i := range 4 {
			sh := f.ship(t, f.ctx, fmt.Sprintf("TP50000000%dCN", i))
			f.deliver(t, f.ctx, sh, 5)
			delivered = append(delivered, sh)
		}
		lost := f.ship(t, f.ctx, "TP500000009CN")
		if _, err := f.ships.Ingest(f.ctx, shipments.Batch{Events: []shipments.EventInput{
			ev(lost.TrackingNumber, carrier.Departed, f.shipAt.Add(time.Hour)),
			ev(lost.TrackingNumber, carrier.Exception, f.shipAt.Add(240*time.Hour), carrier.ReasonLost)}},
			shipments.SourceAPI, ""); err != nil {
			t.Fatal(err)
		}
		open := f.ship(t, f.ctx, "TP500000010CN")

		before, err := f.ships.WithClaims(f.s).Observed(f.ctx, "CN", "DE", []string{f.svcID})
		if err != nil {
			t.Fatal(err)
		}
		base := before[f.svcID]
		if base.N != 5 || base.LostOrDamaged != 1 || base.OnTime != 4 {
			t.Fatalf("tracking record: %+v", base)
		}
		f.at = f.shipAt.Add(10 * 24 * time.Hour)
		claim := func(ctx context.Context, sh shipments.Shipment, typ Type, final Status) {
			t.Helper()
			c, err := f.s.Create(ctx, NewClaim{ShipmentID: sh.ID, Type: typ, ClaimedAmount: usd("10.00"), Description: "x"})
			if err != nil {
				t.Fatal(err)
			}
			moves := []Transition{{To: Submitted}, {To: UnderReview}}
			if final == Rejected {
				moves = append(moves, Transition{To: Rejected, Reason: "no"})
			} else {
				moves = append(moves, Transition{To: Approved, SettledAmount: &c.ClaimedAmount})
				if final == Paid {
					moves = append(moves, Transition{To: Paid})
				}
			}
			for _, m := range moves {
				if _, err := f.s.Transition(ctx, c.ID, m); err != nil {
					t.Fatal(err)
				}
			}
		}
		claim(f.ctx, delivered[0], Damage, Paid)
		claim(f.ctx, delivered[0], Shortage, Approved) // the same parcel counts once
		claim(f.ctx, delivered[1], Delay, Approved)
		claim(f.ctx, delivered[2], Damage, Rejected)
		claim(f.ctx, lost, Loss, Approved)
		claim(f.ctx, open, Loss, Approved)

		after, err := f.ships.WithClaims(f.s).Observed(f.ctx, "CN", "DE", []string{f.svcID})
		if err != nil {
			t.Fatal(err)
		}
		want := base
		want.LostOrDamaged, want.OnTime = base.LostOrDamaged+1, base.OnTime-1
		if after[f.svcID] != want {
			t.Errorf("with claims %+v, want %+v", after[f.svcID], want)
		}
		if rates.DefaultEstimator.Score(after[f.svcID]) >= rates.DefaultEstimator.Score(base) {
			t.Errorf("score did not fall")
		}
		// Rate comparison reads the record with the claims in it.
		res, err := f.rates.Compare(f.ctx, rates.Request{Origin: logistics.Place{Country: "CN"},
			Destination: logistics.Place{Country: "DE"}, Currency: "USD",
			Parcels: []logistics.Parcel{{WeightG: 1200, DimsMM: [3]int64{300, 200, 150}}}})
		if err != nil || len(res.Offers) != 1 {
			t.Fatalf("compare: %v %+v", err, res)
		}
		if q := rates.DefaultEstimator.Score(want); res.Offers[0].QualityScore != float64(int(q*10000+0.5))/10000 {
			t.Errorf("offer quality %v, want %v", res.Offers[0].QualityScore, q)
		}
		// The sandbox partition has a record of its own.
		sbx := db.WithScope(context.Background(), db.Scope{TenantID: "ten_claims", Sandbox: true})
		if u, err := f.s.Upheld(sbx, "CN", "DE", []string{f.svcID}); err != nil || len(u) != 0 {
			t.Errorf("sandbox sees live claims: %v %v", err, u)
		}
	})
}
