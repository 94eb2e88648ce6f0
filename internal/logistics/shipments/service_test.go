package shipments

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/logistics"
	"github.com/silkgate/silkgate/internal/logistics/rates"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/web"
)

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
func (c *testCarrier) CreateLabel(ctx context.Context, req carrier.LabelRequest) (carrier.Label, error) {
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
	d       *db.DB
	ctx     context.Context
	s       *Service
	rates   *rates.Service
	orders  *orders.Service
	carrier *testCarrier
	svcID   string
	now     time.Time
}

func (f *fixture) clock() time.Time { return f.now }

func setup(t *testing.T, d *db.DB) *fixture { return setupWith(t, d, nil, Config{}) }

// setupWith is setup with conn as TestPost's connector (nil: a
// testCarrier) and cfg's label wait.
func setupWith(t *testing.T, d *db.DB, conn carrier.Carrier, cfg Config) *fixture {
	t.Helper()
	f := &fixture{d: d, now: time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC), carrier: &testCarrier{}}
	var code func(rates.CarrierService) string
	if conn == nil {
		conn = f.carrier
	} else {
		// A sandbox carrier sells its own products, not the card's.
		code = SandboxServiceCode
	}
	f.ctx = db.WithScope(context.Background(), db.Scope{TenantID: "ten_ship", Sandbox: false})
	f.orders = orders.New(d, noAudit{}, nil)
	f.rates = rates.New(d, noAudit{}, nil)
	reg := NewRegistry(NewSandboxCarrier(d, f.clock))
	reg.Register(Connector{Code: "testpost", Names: []string{"TestPost"}, Carrier: conn, ServiceCode: code})
	cfg.Now = f.clock
	f.s = New(d, f.orders, f.rates, reg, events.New(d, nil, events.Config{}), noAudit{}, cfg)
	f.rates.SetQuality(f.s)
	svc, err := f.rates.Create(f.ctx, rates.CarrierService{Carrier: "TestPost", Name: "Parcel", Mode: logistics.ModeAir,
		OriginCountries: []string{"CN"}, Currency: "USD", VolumetricDivisor: 5000, WeightStepG: 500,
		Zones: []rates.Zone{{Name: "EU", Countries: []string{"DE"}, TransitDays: logistics.Days{Min: 4, Max: 7}}},
		Rates: []rates.Band{{Zone: "EU", UpToG: 30000, Price: "20.00"}}})
	if err != nil {
		t.Fatal(err)
	}
	f.svcID = svc.ID
	if _, err := f.s.SetSender(f.ctx, carrier.Address{Name: "Yiwu Bright Toys", Line1: "1 Futian Rd", City: "Yiwu",
		Postcode: "322000", Country: "CN"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) newOrder(ext string) orders.NewOrder {
	return orders.NewOrder{ExternalID: ext, Channel: "amazon-de", PlacedAt: f.now, Currency: "USD",
		Buyer:  orders.Buyer{Name: "Jonas Weber", Country: "DE"},
		ShipTo: orders.Address{Name: "Jonas Weber", Line1: "Invalidenstr. 1", City: "Berlin", Postcode: "10115", Country: "DE"},
		Lines:  []orders.Line{{SKU: "TOY-1", Quantity: 2, UnitPrice: money.Money{Amount: "19.99", Currency: "USD"}}}}
}

func (f *fixture) order(t *testing.T, ext string) orders.Order {
	t.Helper()
	o, err := f.orders.Create(f.ctx, f.newOrder(ext))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (f *fixture) ship(t *testing.T, number string) Shipment {
	t.Helper()
	f.carrier.numbers = append(f.carrier.numbers, number)
	o := f.order(t, "EXT-"+number)
	sh, err := f.s.Create(f.ctx, NewShipment{OrderID: o.ID, ServiceID: f.svcID,
		Parcels: []logistics.Parcel{{WeightG: 1200, DimsMM: [3]int64{300, 200, 150}}}})
	if err != nil {
		t.Fatal(err)
	}
	return sh
}

func ev(number string, st carrier.Status, at time.Time, extra ...string) EventInput {
	in := EventInput{TrackingNumber: number, Status: st, At: at.Format(time.RFC3339), Location: "Somewhere", Country: "CN"}
	if len(extra) > 0 {
		in.Reason = extra[0]
	}
	return in
}

// TestUnmatchedMatchedLater sends events for a number no shipment has,
// then creates the shipment the carrier gives that number: the waiting
// events are attached and applied in the order they happened.
func TestUnmatchedMatchedLater(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		const num = "TP100000001CN"
		h := func(n int) time.Time { return f.now.Add(time.Duration(n) * time.Hour) }
		res, err := f.s.Ingest(f.ctx, Batch{Events: []EventInput{ev(num, carrier.Departed, h(30)),
			ev(num, carrier.PickedUp, h(3)), ev(num, carrier.ExportCustoms, h(20))}}, SourceAPI, "")
		if err != nil {
			t.Fatal(err)
		}
		if res.Unmatched != 3 || res.Matched != 0 {
			t.Fatalf("before the shipment: %+v", res)
		}
		l, err := f.s.Unmatched(f.ctx, web.Page{Limit: 10})
		if err != nil || len(l.Items) != 3 {
			t.Fatalf("unmatched: %v %d", err, len(l.Items))
		}
		// A repeat is stored once.
		if res, err := f.s.Ingest(f.ctx, Batch{Events: []EventInput{ev(num, carrier.PickedUp, h(3))}}, SourceAPI, ""); err != nil || res.Duplicates != 1 {
			t.Fatalf("repeat: %+v %v", res, err)
		}

		sh := f.ship(t, num)
		if sh.Status != carrier.Departed || sh.Stage != carrier.Departed {
			t.Fatalf("after matching: %s/%s", sh.Status, sh.Stage)
		}
		if len(sh.Events) != 4 {
			t.Fatalf("history: %d events", len(sh.Events))
		}
		for _, e := range sh.Events {
			if e.ShipmentID != sh.ID || !e.Applied {
				t.Errorf("event %s: shipment %q applied %v", e.Status, e.ShipmentID, e.Applied)
			}
		}
		if l, _ := f.s.Unmatched(f.ctx, web.Page{Limit: 10}); len(l.Items) != 0 {
			t.Errorf("still unmatched: %d", len(l.Items))
		}
		// A late, earlier stage is history only.
		res, err = f.s.Ingest(f.ctx, Batch{Events: []EventInput{ev(num, carrier.PickedUp, h(2))}}, SourceAPI, "")
		if err != nil || res.Matched != 1 || res.Results[0].Applied {
			t.Fatalf("late event: %+v %v", res, err)
		}
		got, _ := f.s.Get(f.ctx, sh.ID)
		if got.Status != carrier.Departed || len(got.Events) != 5 {
			t.Errorf("after late event: %s, %d events", got.Status, len(got.Events))
		}
	})
}

// deliver runs a shipment through a whole timeline of days in transit.
func (f *fixture) deliver(t *testing.T, sh Shipment, days int, exceptions ...string) {
	t.Helper()
	start := f.now.Add(time.Hour)
	end := start.Add(time.Duration(days)*24*time.Hour - time.Hour)
	n := sh.TrackingNumber
	evs := []EventInput{ev(n, carrier.PickedUp, start), ev(n, carrier.ExportCustoms, start.Add(2*time.Hour)),
		ev(n, carrier.Departed, start.Add(4*time.Hour)), ev(n, carrier.ArrivedDestinationCountry, start.Add(30*time.Hour)),
		ev(n, carrier.ImportCustoms, start.Add(40*time.Hour)), ev(n, carrier.OutForDelivery, end.Add(-2*time.Hour))}
	for _, r := range exceptions {
		evs = append(evs, ev(n, carrier.Exception, end.Add(-time.Hour), r))
	}
	evs = append(evs, ev(n, carrier.Delivered, end))
	if _, err := f.s.Ingest(f.ctx, Batch{Events: evs}, SourceAPI, ""); err != nil {
		t.Fatal(err)
	}
}

// TestQualityFeedsRates closes shipments and checks that rate comparison
// scores the service from them, and takes its transit days from their
// p80 once there are enough.
func TestQualityFeedsRates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		req := rates.Request{Origin: logistics.Place{Country: "CN"}, Destination: logistics.Place{Country: "DE"},
			Parcels: []logistics.Parcel{{WeightG: 1200, DimsMM: [3]int64{300, 200, 150}}}, Currency: "USD"}
		offer := func() rates.Offer {
			t.Helper()
			res, err := f.rates.Compare(f.ctx, req)
			if err != nil || len(res.Offers) != 1 {
				t.Fatalf("compare: %v %+v", err, res)
			}
			return res.Offers[0]
		}
		prior := offer()
		if prior.TransitSource != "quoted" || prior.TransitDays.Max != 7 {
			t.Fatalf("before history: %+v", prior)
		}
		// Five deliveries in 5, 6, 6, 9 and 12 days (two late), one of
		// them after a failed attempt, and one lost parcel.
		for i, days := range []int{5, 6, 6, 9, 12} {
			sh := f.ship(t, fmt.Sprintf("TP2000000%02dCN", i))
			var exc []string
			if i == 1 {
				exc = []string{ReasonAttemptFailed}
			}
			f.deliver(t, sh, days, exc...)
			got, _ := f.s.Get(f.ctx, sh.ID)
			if got.Status != carrier.Delivered || got.Outcome == nil || got.Outcome.TransitDays != days {
				t.Fatalf("shipment %d: %s %+v", i, got.Status, got.Outcome)
			}
			if wantOnTime := days <= 7; got.Outcome.OnTime != wantOnTime || got.Outcome.FirstAttempt != (i != 1) ||
				!got.Outcome.TrackingComplete {
				t.Errorf("shipment %d outcome: %+v", i, got.Outcome)
			}
		}
		lost := f.ship(t, "TP300000001CN")
		if _, err := f.s.Ingest(f.ctx, Batch{Events: []EventInput{ev(lost.TrackingNumber, carrier.Departed, f.now.Add(time.Hour)),
			ev(lost.TrackingNumber, carrier.Exception, f.now.Add(240*time.Hour), carrier.ReasonLost)}}, SourceAPI, ""); err != nil {
			t.Fatal(err)
		}
		got, _ := f.s.Get(f.ctx, lost.ID)
		if got.Outcome == nil || got.Outcome.Result != "lost" || !got.Outcome.LostOrDamaged || got.Outcome.TrackingComplete {
			t.Fatalf("lost: %+v", got.Outcome)
		}

		obs, err := f.s.Observed(f.ctx, "CN", "DE", []string{f.svcID})
		if err != nil {
			t.Fatal(err)
		}
		want := rates.Observed{N: 6, OnTime: 3, LostOrDamaged: 1, FirstAttempt: 4, TrackingComplete: 5,
			TransitP80Days: 9, TransitN: 5}
		if obs[f.svcID] != want {
			t.Errorf("observed = %+v, want %+v", obs[f.svcID], want)
		}
		after := offer()
		if after.TransitSource != "observed" || after.TransitDays.Max != 9 || after.QuotedDays.Max != 7 {
			t.Errorf("after history: %s %+v quoted %+v", after.TransitSource, after.TransitDays, after.QuotedDays)
		}
		if wantQ := rates.DefaultEstimator.Score(want); after.QualityScore != float64(int(wantQ*10000+0.5))/10000 ||
			after.QualityScore >= prior.QualityScore {
			t.Errorf("quality %v (prior %v), want %v", after.QualityScore, prior.QualityScore, wantQ)
		}
		// The sandbox side has no history of its own.
		sbx := db.WithScope(context.Background(), db.Scope{TenantID: "ten_ship", Sandbox: true})
		if o, _ := f.s.Observed(sbx, "CN", "DE", []string{f.svcID}); o[f.svcID].N != 0 {
			t.Errorf("sandbox sees live history: %+v", o)
		}
	})
}

// TestExceptionRaisesAlert checks the alert record and the
// shipment.exception event of an applied exception.
func TestExceptionRaisesAlert(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		sh := f.ship(t, "TP400000001CN")
		at := f.now.Add(50 * time.Hour)
		if _, err := f.s.Ingest(f.ctx, Batch{Events: []EventInput{ev(sh.TrackingNumber, carrier.ArrivedDestinationCountry, at.Add(-time.Hour)),
			{TrackingNumber: sh.TrackingNumber, Code: "A9", CodeList: CodesX12, At: at.Format(time.RFC3339), Description: "Crushed carton"}}},
			SourceAPI, ""); err != nil {
			t.Fatal(err)
		}
		got, _ := f.s.Get(f.ctx, sh.ID)
		if got.Status != carrier.Exception || got.Exception == nil || got.Exception.Reason != ReasonDamaged {
			t.Fatalf("status %s exception %+v", got.Status, got.Exception)
		}
		al, err := f.s.Alerts(f.ctx, sh.ID, web.Page{Limit: 10})
		if err != nil || len(al.Items) != 1 || al.Items[0].Reason != ReasonDamaged {
			t.Fatalf("alerts: %v %+v", err, al.Items)
		}
		var n int
		if err := d.Q(f.ctx).QueryRowContext(f.ctx, `SELECT COUNT(*) FROM outbox_events WHERE type = $1`, ShipmentException).Scan(&n); err != nil || n != 1 {
			t.Errorf("shipment.exception events: %d %v", n, err)
		}
		// The next stage clears it.
		if _, err := f.s.Ingest(f.ctx, Batch{Events: []EventInput{ev(sh.TrackingNumber, carrier.ImportCustoms, at.Add(time.Hour))}}, SourceAPI, ""); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.s.Get(f.ctx, sh.ID); got.Status != carrier.ImportCustoms || got.Exception != nil {
			t.Errorf("after clearing: %s %+v", got.Status, got.Exception)
		}
	})
}

// TestSandboxCarrierPolled buys a sample service's label in the sandbox
// and lets the poll job play its timeline as the clock moves.
func TestSandboxCarrierPolled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		if err := jobs.Migrate(context.Background(), d, nil); err != nil {
			t.Fatal(err)
		}
		q, err := jobs.New(d, jobs.Config{})
		if err != nil {
			t.Fatal(err)
		}
		f.s.jobs = q
		jobs.Handle(q, time.Minute, f.s.poll)
		sbx := db.WithScope(context.Background(), db.Scope{TenantID: "ten_ship", Sandbox: true})
		f.ctx = sbx
		if _, err := f.s.SetSender(sbx, carrier.Address{Name: "Sandbox", Line1: "1 Road", City: "Yiwu", Country: "CN"}); err != nil {
			t.Fatal(err)
		}
		// A sandbox tenant's own service: sandbox data always goes to the
		// sandbox carrier, whatever the card's carrier.
		svc, err := f.rates.Create(sbx, rates.CarrierService{Carrier: "Real Express", Name: "Express", Mode: logistics.ModeAir,
			OriginCountries: []string{"CN"}, Currency: "USD", VolumetricDivisor: 5000, WeightStepG: 500,
			Zones: []rates.Zone{{Name: "EU", Countries: []string{"DE"}, TransitDays: logistics.Days{Min: 3, Max: 5}}},
			Rates: []rates.Band{{Zone: "EU", UpToG: 30000, Price: "30.00"}}})
		if err != nil {
			t.Fatal(err)
		}
		o := f.order(t, "SBX-1")
		sh, err := f.s.Create(sbx, NewShipment{OrderID: o.ID, ServiceID: svc.ID,
			Parcels: []logistics.Parcel{{WeightG: 800, DimsMM: [3]int64{200, 150, 100}}}})
		if err != nil {
			t.Fatal(err)
		}
		if sh.CarrierCode != SandboxCarrierCode || sh.CarrierService != "express" || len(sh.TrackingNumber) != 13 {
			t.Fatalf("sandbox shipment: %+v", sh)
		}
		if b, mt, err := f.s.Label(sbx, sh.ID); err != nil || mt != "application/pdf" || string(b[:5]) != "%PDF-" {
			t.Fatalf("label: %v %s", err, mt)
		}
		job := &jobs.Job[pollArgs]{Args: pollArgs{TenantID: "ten_ship", Sandbox: true, ShipmentID: sh.ID}}
		for i := 0; i < 30; i++ {
			f.now = f.now.Add(time.Minute)
			if err := f.s.poll(context.Background(), job); err != nil {
				t.Fatal(err)
			}
		}
		got, err := f.s.Get(sbx, sh.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != carrier.Delivered || got.Outcome == nil || !got.Outcome.TrackingComplete || len(got.Events) != 8 {
			t.Fatalf("after polling: %s %+v, %d events", got.Status, got.Outcome, len(got.Events))
		}
		// Polling again adds nothing.
		if err := f.s.poll(context.Background(), job); err != nil {
			t.Fatal(err)
		}
		if again, _ := f.s.Get(sbx, sh.ID); len(again.Events) != 8 {
			t.Errorf("events after a second poll: %d", len(again.Events))
		}
	})
}

// TestSandboxAPIEventsConsumed feeds the events the sandbox API publishes
// (shipment.tracking_updated) through the consumer: kept unmatched, and
// idempotent when relayed twice.
func TestSandboxAPIEventsConsumed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		data, _ := json.Marshal(map[string]any{"tracking_number": "LS512345679CN", "carrier": "Silkgate Sandbox Post",
			"event": carrier.TrackingEvent{Status: carrier.PickedUp, At: f.now, Location: "Yiwu, CN", Description: "Picked up"}})
		batch := []events.Event{{ID: "evt_1", Type: events.ShipmentTrackingUpdated, TenantID: "ten_ship", Sandbox: true,
			Data: json.RawMessage(data)}, {ID: "evt_2", Type: events.OrderCreated, TenantID: "ten_ship", Data: json.RawMessage(`{}`)}}
		ps := f.s.pushedIn(batch)
		if len(ps) != 1 {
			t.Fatalf("picked %d events", len(ps))
		}
		for range 2 {
			if err := f.s.ingestPushed(context.Background(), ps); err != nil {
				t.Fatal(err)
			}
		}
		sbx := db.WithScope(context.Background(), db.Scope{TenantID: "ten_ship", Sandbox: true})
		l, err := f.s.Unmatched(sbx, web.Page{Limit: 10})
		if err != nil || len(l.Items) != 1 {
			t.Fatalf("unmatched: %v %d", err, len(l.Items))
		}
		e := l.Items[0]
		if e.CarrierCode != SandboxCarrierCode || e.Country != "CN" || e.Source != SourceCarrier || e.SourceRef != "evt_1" {
			t.Errorf("event: %+v", e)
		}
		if l, _ := f.s.Unmatched(f.ctx, web.Page{Limit: 10}); len(l.Items) != 0 {
			t.Errorf("live partition sees sandbox events: %d", len(l.Items))
		}
	})
}
