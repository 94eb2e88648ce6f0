package returns

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/connectors/carrier/sandboxcarrier"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
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
	last  Return
}

func (p *publisher) PublishMany(_ context.Context, es []events.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range es {
		if !events.Known(e.Type) {
			return fmt.Errorf("unknown type %s", e.Type)
		}
		p.types = append(p.types, e.Type)
		p.last = e.Data.(Return)
	}
	return nil
}

type stockCall struct {
	wh, sku, grade, ref string
	qty                 int
}

type stock struct{ calls []stockCall }

func (s *stock) ReceiveReturn(_ context.Context, wh, sku, grade string, qty int, ref string) error {
	s.calls = append(s.calls, stockCall{wh, sku, grade, ref, qty})
	return nil
}

type fixture struct {
	svc    *Service
	orders *orders.Service
	ledger *ledger.Service
	pub    *publisher
	rec    *recorder
	stock  *stock
	ctx    context.Context // sandbox partition of a fresh tenant
	live   context.Context // live partition of the same tenant
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	tid := ids.New("ten")
	dbtest.MustExec(t, d, `INSERT INTO tenants (id, name, region, plan, created_at) VALUES ($1, $2, 'cn', 'saas', $3)`,
		tid, "Returns "+tid, time.Now().UTC())
	f := &fixture{pub: &publisher{}, rec: &recorder{}, stock: &stock{}}
	f.orders = orders.New(d, f.rec, nil)
	f.ledger = ledger.New(d, f.rec, nil)
	f.svc = New(d, f.orders, f.rec, nil)
	f.svc.UsePublisher(f.pub)
	f.svc.UseLabels(CarrierLabels{Carrier: sandboxcarrier.New(), SandboxOnly: true,
		ReturnTo: carrier.Address{Name: "Returns desk", Line1: "1 Dock Rd", City: "Yiwu", Postcode: "322000", Country: "CN"}})
	f.svc.UseRefunds(LedgerRefunds{Ledger: f.ledger})
	f.svc.UseStock(f.stock)
	actor := audit.Actor{ID: "usr_test", Type: "user"}
	f.ctx = audit.WithActor(db.WithScope(context.Background(), db.Scope{TenantID: tid, Sandbox: true}), actor)
	f.live = audit.WithActor(db.WithScope(context.Background(), db.Scope{TenantID: tid}), actor)
	return f
}

// order creates an order in ctx's partition and moves it to status.
func (f *fixture) order(t *testing.T, ctx context.Context, status orders.Status) orders.Order {
	t.Helper()
	o, err := f.orders.Create(ctx, orders.NewOrder{ExternalID: ids.New("ext"), Channel: "amazon-de",
		PlacedAt: time.Now(), Currency: "EUR",
		Buyer:  orders.Buyer{Name: "Jonas Weber", Country: "DE"},
		ShipTo: orders.Address{Name: "Jonas Weber", Line1: "Invalidenstr. 1", City: "Berlin", Postcode: "10115", Country: "DE"},
		Lines: []orders.Line{
			{SKU: "TOY-001", Quantity: 2, UnitPrice: money.Money{Amount: "19.99", Currency: "EUR"}},
			{SKU: "TOY-002", Quantity: 1, UnitPrice: money.Money{Amount: "5.00", Currency: "EUR"}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []orders.Status{orders.Confirmed, orders.Shipped, orders.Delivered} {
		if o.Status == status {
			break
		}
		if o, err = f.orders.SetStatus(ctx, o.ID, orders.StatusUpdate{Status: st}); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

func must(t *testing.T) func(Return, error) Return {
	return func(r Return, err error) Return {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
}

// wantProblem fails unless err is a problem with code, and (when field is
// not empty) a field error on field.
func wantProblem(t *testing.T, err error, code, field string) *problem.Error {
	t.Helper()
	pe, ok := problem.As(err)
	if !ok {
		t.Fatalf("want problem %s, got %v", code, err)
	}
	if pe.Code != code {
		t.Fatalf("want code %s, got %s (%+v)", code, pe.Code, pe.Fields)
	}
	if field != "" && !slices.ContainsFunc(pe.Fields, func(f problem.Field) bool { return f.Field == field }) {
		t.Fatalf("want field %s, got %+v", field, pe.Fields)
	}
	return pe
}

func TestRefundLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := f.ctx
		o := f.order(t, ctx, orders.Delivered)
		r := must(t)(f.svc.Create(ctx, NewReturn{OrderID: o.ID, Reason: "damaged", RequestedResolution: "refund",
			Lines: []LineInput{{SKU: "TOY-001", Quantity: 2}, {SKU: "TOY-002", Quantity: 1}}, Notes: "box crushed"}))
		if r.Status != Requested || r.Value.Amount != "44.98" || r.Currency != "EUR" || r.Channel != "amazon-de" || r.EDI {
			t.Fatalf("created: %+v", r)
		}
		r = must(t)(f.svc.Approve(ctx, r.ID, Decision{Note: "ok"}))
		r = must(t)(f.svc.IssueLabel(ctx, r.ID, LabelRequest{Service: "standard"}))
		if r.Label == nil || !r.Label.Bought || r.Label.TrackingNumber == "" || r.Label.Carrier != "Silkgate Sandbox Post" {
			t.Fatalf("label: %+v", r.Label)
		}
		pdf, mt, err := f.svc.LabelDocument(ctx, r.ID)
		if err != nil || mt != "application/pdf" || !strings.HasPrefix(string(pdf), "%PDF") {
			t.Fatalf("label document: %v %s %.8q", err, mt, pdf)
		}
		// The carrier's scans drive the return; repeats and scans that
		// move nothing are ignored.
		if r, moved, err := f.svc.TrackingUpdate(ctx, strings.ToLower(r.Label.TrackingNumber), carrier.PickedUp); err != nil || !moved || r.Status != InTransit {
			t.Fatalf("picked up: %v %v %s", err, moved, r.Status)
		}
		if _, moved, err := f.svc.TrackingUpdate(ctx, r.Label.TrackingNumber, carrier.Departed); err != nil || moved {
			t.Fatalf("departed again: %v %v", err, moved)
		}
		if _, moved, err := f.svc.TrackingUpdate(ctx, r.Label.TrackingNumber, carrier.Exception); err != nil || moved {
			t.Fatalf("exception: %v %v", err, moved)
		}
		r, moved, err := f.svc.TrackingUpdate(ctx, r.Label.TrackingNumber, carrier.Delivered)
		if err != nil || !moved || r.Status != Received || r.Lines[0].Received != 2 || r.Lines[1].Received != 1 {
			t.Fatalf("delivered: %v %v %+v", err, moved, r)
		}
		if _, _, err := f.svc.TrackingUpdate(ctx, "LS000000000CN", carrier.Delivered); !errors.Is(err, problem.ErrNotFound) {
			t.Fatalf("unknown tracking: %v", err)
		}
		_, err = f.svc.Inspect(ctx, r.ID, Inspection{Units: []UnitInput{{SKU: "TOY-001", Disposition: "resell", Grade: "A"}}})
		wantProblem(t, err, "validation_failed", "units")
		_, err = f.svc.Inspect(ctx, r.ID, Inspection{Units: []UnitInput{
			{SKU: "TOY-001", Disposition: "resell", Grade: "a"}, {SKU: "TOY-001", Disposition: "dispose", Grade: "D"},
			{SKU: "TOY-002", Disposition: "refurbish", Grade: "B"}}})
		wantProblem(t, err, "validation_failed", "warehouse_id")
		r = must(t)(f.svc.Inspect(ctx, r.ID, Inspection{WarehouseID: "wh_de1", Units: []UnitInput{
			{SKU: "TOY-001", Disposition: "resell", Grade: "a"}, {SKU: "TOY-001", Disposition: "dispose", Grade: "D"},
			{SKU: "TOY-002", Disposition: "refurbish", Grade: "B"}}}))
		wantStock := []stockCall{{"wh_de1", "TOY-001", "A", r.ID, 1}, {"wh_de1", "TOY-002", "B", r.ID, 1}}
		if !slices.Equal(f.stock.calls, wantStock) || !r.Units[0].Restocked || r.Units[1].Restocked {
			t.Fatalf("stock: %+v units %+v", f.stock.calls, r.Units)
		}
		_, err = f.svc.Refund(ctx, r.ID, RefundRequest{Amount: &money.Money{Amount: "44.99", Currency: "EUR"}})
		wantProblem(t, err, "validation_failed", "amount.amount")
		_, err = f.svc.Refund(ctx, r.ID, RefundRequest{Amount: &money.Money{Amount: "10.00", Currency: "USD"}})
		wantProblem(t, err, "validation_failed", "amount.currency")
		_, err = f.svc.Refund(ctx, r.ID, RefundRequest{Amount: &money.Money{Amount: "1.001", Currency: "EUR"}})
		wantProblem(t, err, "validation_failed", "amount.amount")
		r = must(t)(f.svc.Refund(ctx, r.ID, RefundRequest{Amount: &money.Money{Amount: "40", Currency: "EUR"}}))
		if r.Status != Refunded || r.Refund == nil || r.Refund.Amount.Amount != "40.00" {
			t.Fatalf("refund: %+v", r.Refund)
		}
		e, err := f.ledger.GetEntry(ctx, r.Refund.Reference)
		if err != nil {
			t.Fatal(err)
		}
		if len(e.Postings) != 2 || e.Postings[0].AccountCode != DefaultSellerAccount || e.Postings[0].Direction != ledger.Debit ||
			e.Postings[1].AccountCode != DefaultRefundsAccount || e.Postings[1].Amount.Amount != "40.00" ||
			e.Metadata["return_id"] != r.ID {
			t.Fatalf("ledger entry: %+v", e)
		}
		// The refunder is idempotent by return: a retry is the same entry.
		ref, err := LedgerRefunds{Ledger: f.ledger}.Refund(ctx, RefundOrder{ReturnID: r.ID, OrderID: o.ID,
			Amount: money.Money{Amount: "40.00", Currency: "EUR"}})
		if err != nil || ref != r.Refund.Reference {
			t.Fatalf("refund retry: %v %s != %s", err, ref, r.Refund.Reference)
		}
		r = must(t)(f.svc.Close(ctx, r.ID, Decision{}))
		var seen []Status
		for i, h := range r.History {
			seen = append(seen, h.Status)
			if h.By != "usr_test" && h.By != "carrier" {
				t.Fatalf("step by %q", h.By)
			}
			if i > 0 && !h.At.After(r.History[i-1].At) {
				t.Fatalf("history not in time order: %+v", r.History)
			}
		}
		if want := []Status{Requested, Approved, LabelIssued, InTransit, Received, Inspected, Refunded, Closed}; !slices.Equal(seen, want) {
			t.Fatalf("history %v, want %v", seen, want)
		}
		if n := len(f.pub.types); n != 9 || f.pub.types[0] != ReturnCreated || f.pub.types[8] != events.ReturnUpdated ||
			f.pub.last.Status != Closed {
			t.Fatalf("events: %v", f.pub.types)
		}
		got, err := f.svc.Get(ctx, r.ID)
		if err != nil || got.Version != r.Version || got.Status != Closed || len(got.History) != 8 {
			t.Fatalf("stored: %v %+v", err, got)
		}
		if _, err := f.svc.Approve(ctx, r.ID, Decision{}); err == nil {
			t.Fatal("closed return approved")
		} else {
			pe := wantProblem(t, err, "invalid_return_transition", "")
			if !slices.Contains(pe.Params, any("closed")) {
				t.Fatalf("409 does not name the state: %+v", pe.Params)
			}
		}
		// Another tenant's caller, and the live partition, see nothing.
		other := db.WithScope(context.Background(), db.Scope{TenantID: ids.New("ten"), Sandbox: true})
		if _, err := f.svc.Get(other, r.ID); !errors.Is(err, problem.ErrNotFound) {
			t.Fatalf("other tenant: %v", err)
		}
		if _, err := f.svc.Get(f.live, r.ID); !errors.Is(err, problem.ErrNotFound) {
			t.Fatalf("live partition: %v", err)
		}
		if !slices.Contains(f.rec.actions, "return.refund") || !slices.Contains(f.rec.actions, "return.create") {
			t.Fatalf("audit: %v", f.rec.actions)
		}
	})
}

func TestCreateChecksTheOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := f.ctx
		o := f.order(t, ctx, orders.Shipped)
		unshipped := f.order(t, ctx, orders.Confirmed)
		req := func(orderID string, ls ...LineInput) NewReturn {
			return NewReturn{OrderID: orderID, Reason: "size_fit", RequestedResolution: "exchange", Lines: ls}
		}
		tests := []struct {
			name        string
			n           NewReturn
			code, field string
		}{
			{"no order", req(""), "validation_failed", "order_id"},
			{"unknown order", req("ord_nope", LineInput{"TOY-001", 1}), "validation_failed", "order_id"},
			{"not shipped", req(unshipped.ID, LineInput{"TOY-001", 1}), "order_not_returnable", ""},
			{"bad reason", NewReturn{OrderID: o.ID, Reason: "meh", RequestedResolution: "refund",
				Lines: []LineInput{{"TOY-001", 1}}}, "validation_failed", "reason"},
			{"bad resolution", NewReturn{OrderID: o.ID, Reason: "other", RequestedResolution: "credit",
				Lines: []LineInput{{"TOY-001", 1}}}, "validation_failed", "requested_resolution"},
			{"no lines", req(o.ID), "validation_failed", "lines"},
			{"zero quantity", req(o.ID, LineInput{"TOY-001", 0}), "validation_failed", "lines[0].quantity"},
			{"sku twice", req(o.ID, LineInput{"TOY-001", 1}, LineInput{"TOY-001", 1}), "validation_failed", "lines[1].sku"},
			{"sku not ordered", req(o.ID, LineInput{"TOY-999", 1}), "validation_failed", "lines[0].sku"},
			{"more than ordered", req(o.ID, LineInput{"TOY-002", 2}), "validation_failed", "lines[0].quantity"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.Create(ctx, tc.n)
				wantProblem(t, err, tc.code, tc.field)
			})
		}
		// Earlier returns take their units; a rejected one gives them back.
		first := must(t)(f.svc.Create(ctx, req(o.ID, LineInput{"TOY-001", 1})))
		must(t)(f.svc.Create(ctx, req(o.ID, LineInput{"TOY-001", 1})))
		_, err := f.svc.Create(ctx, req(o.ID, LineInput{"TOY-001", 1}))
		pe := wantProblem(t, err, "validation_failed", "lines[0].quantity")
		if !slices.Contains(pe.Fields[0].Params, any(int64(0))) {
			t.Fatalf("max not named: %+v", pe.Fields)
		}
		_, err = f.svc.Reject(ctx, first.ID, Decision{})
		wantProblem(t, err, "validation_failed", "note")
		if r := must(t)(f.svc.Reject(ctx, first.ID, Decision{Note: "outside the return window"})); r.RejectionReason == "" {
			t.Fatal("no rejection reason")
		}
		must(t)(f.svc.Create(ctx, req(o.ID, LineInput{"TOY-001", 1})))
		l, err := f.svc.List(ctx, Filter{OrderID: o.ID}, web.Page{Limit: 2})
		if err != nil || len(l.Items) != 2 || l.NextCursor == "" || l.Items[0].ID < l.Items[1].ID {
			t.Fatalf("list: %v %+v", err, l)
		}
		l, err = f.svc.List(ctx, Filter{Status: Rejected}, web.Page{})
		if err != nil || len(l.Items) != 1 || l.Items[0].ID != first.ID {
			t.Fatalf("list rejected: %v %+v", err, l)
		}
	})
}

func TestExchangeAndManualLabel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := f.live
		o := f.order(t, ctx, orders.Delivered)
		r := must(t)(f.svc.Create(ctx, NewReturn{OrderID: o.ID, Reason: "size_fit", RequestedResolution: "exchange",
			Lines: []LineInput{{SKU: "TOY-001", Quantity: 1}}}))
		r = must(t)(f.svc.Approve(ctx, r.ID, Decision{}))
		// The sandbox carrier never sells labels for live data.
		_, err := f.svc.IssueLabel(ctx, r.ID, LabelRequest{})
		wantProblem(t, err, "label_issuer_unavailable", "")
		_, err = f.svc.IssueLabel(ctx, r.ID, LabelRequest{TrackingNumber: "1Z999"})
		wantProblem(t, err, "validation_failed", "carrier")
		r = must(t)(f.svc.IssueLabel(ctx, r.ID, LabelRequest{Carrier: "DHL", TrackingNumber: " jd0146 "}))
		if r.Label.Bought || r.Label.TrackingNumber != "JD0146" {
			t.Fatalf("manual label: %+v", r.Label)
		}
		if _, _, err := f.svc.LabelDocument(ctx, r.ID); !errors.Is(err, problem.ErrNotFound) {
			t.Fatalf("manual label has a document: %v", err)
		}
		// A second return cannot claim the same tracking number.
		o2 := f.order(t, ctx, orders.Delivered)
		r2 := must(t)(f.svc.Create(ctx, NewReturn{OrderID: o2.ID, Reason: "other", RequestedResolution: "refund",
			Lines: []LineInput{{SKU: "TOY-002", Quantity: 1}}}))
		must(t)(f.svc.Approve(ctx, r2.ID, Decision{}))
		_, err = f.svc.IssueLabel(ctx, r2.ID, LabelRequest{Carrier: "DHL", TrackingNumber: "JD0146"})
		wantProblem(t, err, "duplicate_tracking_number", "tracking_number")
		if got := must(t)(f.svc.Get(ctx, r2.ID)); got.Status != Approved || got.Label != nil {
			t.Fatalf("failed step left a change: %+v", got)
		}
		// Received without an in-transit scan; inspection without a
		// warehouse books nothing when no stock receiver is connected.
		f.svc.UseStock(nil)
		_, err = f.svc.Inspect(ctx, r.ID, Inspection{Units: []UnitInput{{SKU: "TOY-001", Disposition: "resell", Grade: "A"}}})
		wantProblem(t, err, "invalid_return_transition", "")
		_, err = f.svc.Receive(ctx, r.ID, Receipt{Lines: []LineInput{{SKU: "TOY-001", Quantity: 2}}})
		wantProblem(t, err, "validation_failed", "lines[0].quantity")
		r = must(t)(f.svc.Receive(ctx, r.ID, Receipt{WarehouseID: "wh_1", Lines: []LineInput{{SKU: "TOY-001", Quantity: 1}}}))
		r = must(t)(f.svc.Inspect(ctx, r.ID, Inspection{Units: []UnitInput{{SKU: "TOY-001", Disposition: "relabel", Grade: "B"}}}))
		if r.Units[0].Restocked || len(f.stock.calls) != 0 {
			t.Fatalf("restocked without a receiver: %+v", r.Units)
		}
		r = must(t)(f.svc.Exchange(ctx, r.ID, ExchangeRequest{Lines: []LineInput{{SKU: "TOY-001-L", Quantity: 1}}}))
		no, err := f.orders.Get(ctx, r.Exchange.ReplacementOrderID)
		if err != nil || no.ExternalID != r.ID || no.Totals.Lines.Amount != "0.00" || no.Lines[0].SKU != "TOY-001-L" ||
			no.ShipTo.City != "Berlin" || no.Channel != o.Channel {
			t.Fatalf("replacement: %v %+v", err, no)
		}
		r = must(t)(f.svc.Close(ctx, r.ID, Decision{Note: "replacement shipped"}))
		if r.Status != Closed {
			t.Fatal(r.Status)
		}
	})
}

func TestCancelVoidsLabel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := f.ctx
		c := sandboxcarrier.New()
		clock := time.Now()
		c.Now = func() time.Time { return clock }
		f.svc.UseLabels(CarrierLabels{Carrier: c})
		o := f.order(t, ctx, orders.Delivered)
		r := must(t)(f.svc.Create(ctx, NewReturn{OrderID: o.ID, Reason: "no_longer_needed", RequestedResolution: "refund",
			Lines: []LineInput{{SKU: "TOY-002", Quantity: 1}}}))
		must(t)(f.svc.Approve(ctx, r.ID, Decision{}))
		_, err := f.svc.IssueLabel(ctx, r.ID, LabelRequest{})
		wantProblem(t, err, "validation_failed", "return_to")
		r = must(t)(f.svc.IssueLabel(ctx, r.ID, LabelRequest{ReturnTo: &carrier.Address{Name: "W", Line1: "1 Rd",
			City: "Yiwu", Postcode: "322000", Country: "CN"}}))
		// The carrier's clock runs from the label on: the label's first
		// scan is due when it was bought.
		clock = time.Now()
		// Once the parcel moved, the label cannot be voided.
		clock = clock.Add(30 * 24 * time.Hour)
		_, err = f.svc.Cancel(ctx, r.ID, Decision{})
		wantProblem(t, err, "label_not_cancellable", "")
		clock = clock.Add(-30 * 24 * time.Hour)
		r = must(t)(f.svc.Cancel(ctx, r.ID, Decision{Note: "buyer keeps it"}))
		if r.Status != Cancelled {
			t.Fatal(r.Status)
		}
		evs, err := c.Track(ctx, r.Label.TrackingNumber)
		if err != nil || len(evs) != 1 {
			t.Fatalf("label not voided: %v %+v", err, evs)
		}
		// A cancelled return gives its units back.
		must(t)(f.svc.Create(ctx, NewReturn{OrderID: o.ID, Reason: "other", RequestedResolution: "refund",
			Lines: []LineInput{{SKU: "TOY-002", Quantity: 1}}}))
	})
}

// TestUnitsNeverReceivedMayBeReturnedAgain: once a parcel is received,
// what it did not hold no longer counts against the order.
func TestUnitsNeverReceivedMayBeReturnedAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := f.live
		o := f.order(t, ctx, orders.Delivered)
		one := NewReturn{OrderID: o.ID, Reason: "defective", RequestedResolution: "refund",
			Lines: []LineInput{{SKU: "TOY-001", Quantity: 1}}}
		r := must(t)(f.svc.Create(ctx, NewReturn{OrderID: o.ID, Reason: "defective", RequestedResolution: "refund",
			Lines: []LineInput{{SKU: "TOY-001", Quantity: 2}}}))
		must(t)(f.svc.Approve(ctx, r.ID, Decision{}))
		must(t)(f.svc.IssueLabel(ctx, r.ID, LabelRequest{Carrier: "UPS", TrackingNumber: "1Z" + r.ID[4:14]}))
		_, err := f.svc.Create(ctx, one)
		wantProblem(t, err, "validation_failed", "lines[0].quantity")
		r = must(t)(f.svc.Receive(ctx, r.ID, Receipt{Lines: []LineInput{{SKU: "TOY-001", Quantity: 1}}}))
		if r.Lines[0].Received != 1 {
			t.Fatalf("received %d", r.Lines[0].Received)
		}
		must(t)(f.svc.Create(ctx, one))
		_, err = f.svc.Create(ctx, one)
		wantProblem(t, err, "validation_failed", "lines[0].quantity")
		// The refund is capped by what came back.
		r = must(t)(f.svc.Inspect(ctx, r.ID, Inspection{Units: []UnitInput{{SKU: "TOY-001", Disposition: "dispose", Grade: "D"}}}))
		_, err = f.svc.Refund(ctx, r.ID, RefundRequest{Amount: &money.Money{Amount: "19.991", Currency: "EUR"}})
		wantProblem(t, err, "validation_failed", "amount.amount")
		_, err = f.svc.Refund(ctx, r.ID, RefundRequest{Amount: &money.Money{Amount: "20.00", Currency: "EUR"}})
		wantProblem(t, err, "validation_failed", "amount.amount")
		r = must(t)(f.svc.Refund(ctx, r.ID, RefundRequest{}))
		if r.Refund.Amount.Amount != "19.99" {
			t.Fatalf("full refund %s", r.Refund.Amount.Amount)
		}
	})
}
