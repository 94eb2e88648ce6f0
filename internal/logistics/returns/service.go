package returns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// ReturnCreated is announced once, when a return is requested; every
// step, the request included, is also announced as events.ReturnUpdated.
const ReturnCreated = "return.created"

func init() {
	events.Register(ReturnCreated, "A return (RMA) was requested for an order.")
}

// Recorder writes audit records in the caller's transaction.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Publisher records events in the caller's transaction (the events
// outbox).
type Publisher interface {
	PublishMany(ctx context.Context, es []events.Event) error
}

// Orders is what returns need of the orders service: the order a return
// belongs to, and a replacement order for an exchange.
type Orders interface {
	Get(ctx context.Context, id string) (orders.Order, error)
	Create(ctx context.Context, n orders.NewOrder) (orders.Order, error)
}

// Shipment is what a return needs to know of the original shipment.
type Shipment struct {
	ID             string
	OrderID        string
	TrackingNumber string
	Carrier        string
	// Destination is where the parcel was delivered: the return label's
	// sender.
	Destination carrier.Address
}

// ShipmentLookup finds a shipment of the caller's scope by id; an unknown
// id is problem.ErrNotFound.
type ShipmentLookup interface {
	Shipment(ctx context.Context, id string) (Shipment, error)
}

// IssuedLabel is a bought return label.
type IssuedLabel struct {
	// Carrier is the carrier's display name.
	Carrier string
	carrier.Label
}

// LabelIssuer buys return labels. req.To is empty when the caller gave no
// return address: the issuer then uses its own default, or refuses with a
// problem naming return_to. Labels are bought outside any transaction
// (see labels.go), with req.IdempotencyKey naming the purchase: the same
// key must give the same label. VoidReturnLabel cancels one that will not
// be used and returns carrier.ErrNotCancellable (wrapped) once the parcel
// moves.
type LabelIssuer interface {
	IssueReturnLabel(ctx context.Context, req carrier.LabelRequest) (IssuedLabel, error)
	VoidReturnLabel(ctx context.Context, trackingNumber string) error
}

// LabelChecker is implemented by label issuers that can refuse a request
// before anything is bought (no default return address, live data for a
// sandbox carrier), so that the refusal comes before the purchase is
// recorded. It returns the request as it will be sent.
type LabelChecker interface {
	CheckReturnLabel(ctx context.Context, req carrier.LabelRequest) (carrier.LabelRequest, error)
}

// StockReceiver books returned units into a warehouse's stock, per grade.
// ref is the return id: a receiver must treat a repeated (ref, sku,
// grade) as the same receipt.
type StockReceiver interface {
	ReceiveReturn(ctx context.Context, warehouseID, sku string, grade string, qty int, ref string) error
}

// RefundOrder asks a Refunder to refund an order for a return.
type RefundOrder struct {
	ReturnID string
	OrderID  string
	Amount   money.Money
	Note     string
}

// Refunder books a refund and returns the settlement's reference (a
// ledger entry id). It must be idempotent by ReturnID.
type Refunder interface {
	Refund(ctx context.Context, r RefundOrder) (string, error)
}

// Service manages returns.
type Service struct {
	db     *db.DB
	audit  Recorder
	orders Orders
	events Publisher
	log    *slog.Logger
	now    func() time.Time

	shipments ShipmentLookup
	labels    LabelIssuer
	stock     StockReceiver
	refunds   Refunder

	// labelJobs completes label purchases the request did not
	// (HandleLabels); labelWait bounds the request's wait for the carrier.
	labelJobs *jobs.Queue
	labelWait time.Duration
}

// New returns the returns service over the orders service o.
func New(d *db.DB, o Orders, rec Recorder, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: d, audit: rec, orders: o, log: log, now: time.Now, labelWait: 10 * time.Second}
}

// UsePublisher announces return.created and return.updated through p.
func (s *Service) UsePublisher(p Publisher) { s.events = p }

// UseShipments checks shipment ids through l (nil: kept as given).
func (s *Service) UseShipments(l ShipmentLookup) { s.shipments = l }

// UseLabels buys return labels through li (nil: labels recorded by hand
// only).
func (s *Service) UseLabels(li LabelIssuer) { s.labels = li }

// UseStock books resellable units into stock through sr (nil: nothing is
// booked).
func (s *Service) UseStock(sr StockReceiver) { s.stock = sr }

// UseRefunds books refunds through rf (nil: refunds are refused).
func (s *Service) UseRefunds(rf Refunder) { s.refunds = rf }

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// returnable reports whether an order in status st can be returned: only
// goods that left the warehouse come back.
func returnable(st orders.Status) bool {
	return st == orders.Shipped || st == orders.Delivered || st == orders.Returned
}

// Create opens a return in status requested.
func (s *Service) Create(ctx context.Context, n NewReturn) (Return, error) {
	if err := n.Validate(); err != nil {
		return Return{}, err
	}
	o, err := s.orders.Get(ctx, n.OrderID)
	if errors.Is(err, problem.ErrNotFound) {
		return Return{}, problem.Invalid(problem.Field{Field: "order_id", Code: "not_found"})
	}
	if err != nil {
		return Return{}, err
	}
	if !returnable(o.Status) {
		return Return{}, &problem.Error{Status: http.StatusConflict, Code: "order_not_returnable",
			Params: []any{"status", string(o.Status)}}
	}
	if n.ShipmentID != "" && s.shipments != nil {
		sh, err := s.shipments.Shipment(ctx, n.ShipmentID)
		switch {
		case errors.Is(err, problem.ErrNotFound):
			return Return{}, problem.Invalid(problem.Field{Field: "shipment_id", Code: "not_found"})
		case err != nil:
			return Return{}, err
		case sh.OrderID != o.ID:
			return Return{}, problem.Invalid(problem.Field{Field: "shipment_id", Code: "not_of_order", Params: []any{"order", o.ID}})
		}
	}
	now := s.stamp()
	r := Return{ID: ids.New("rma"), OrderID: o.ID, ShipmentID: n.ShipmentID, Channel: o.Channel,
		EDI: strings.HasPrefix(o.Channel, "edi-"), Status: Requested, Reason: n.Reason,
		RequestedResolution: n.RequestedResolution, Notes: n.Notes, Currency: o.Currency, Units: []Unit{},
		Version: 1, CreatedAt: now, UpdatedAt: now,
		History: []Step{{Status: Requested, At: now, By: audit.ActorFrom(ctx).ID, Note: n.Notes}}}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		// Returns of one order are opened one at a time: the row lock (on
		// PostgreSQL; SQLite has one writer) keeps two concurrent requests
		// from both taking the last returnable unit.
		if _, err := q.ExecContext(ctx, `INSERT INTO return_order_locks (tenant_id, sandbox, order_id, returns)
			VALUES ($1, $2, $3, 1) ON CONFLICT (tenant_id, sandbox, order_id)
			DO UPDATE SET returns = return_order_locks.returns + 1`, o.ID); err != nil {
			return fmt.Errorf("returns: lock order: %w", err)
		}
		taken, err := s.returnedUnits(ctx, q, o.ID)
		if err != nil {
			return err
		}
		var fs problem.Errors
		var value int64
		for i, l := range n.Lines {
			ordered, price, ok := orderedUnits(o, l.SKU)
			p := fmt.Sprintf("lines[%d]", i)
			if !ok {
				fs.Add(p+".sku", "not_in_order", "order", o.ID)
				continue
			}
			if left := ordered - taken[l.SKU]; l.Quantity > left {
				fs.Add(p+".quantity", "exceeds_returnable", "max", left)
				continue
			}
			m, err := minor(price)
			if err != nil {
				return fmt.Errorf("returns: price of %s in %s: %w", l.SKU, o.ID, err)
			}
			value += m * l.Quantity
			r.Lines = append(r.Lines, Line{SKU: l.SKU, Quantity: l.Quantity, UnitPrice: price})
		}
		if err := fs.Err(); err != nil {
			return err
		}
		r.Value = fromMinor(value, r.Currency)
		if err := s.insert(ctx, q, r); err != nil {
			return err
		}
		if err := s.publish(ctx, r, ReturnCreated, events.ReturnUpdated); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "return.create", Resource: "return/" + r.ID, Change: r,
			Detail: "order " + o.ID})
	})
	if err != nil {
		return Return{}, err
	}
	return r, nil
}

// orderedUnits sums what the order holds of sku, with the unit price of
// its first line of that SKU.
func orderedUnits(o orders.Order, sku string) (int64, money.Money, bool) {
	var (
		n     int64
		price money.Money
		found bool
	)
	for _, l := range o.Lines {
		if l.SKU != sku {
			continue
		}
		if !found {
			price, found = l.UnitPrice, true
		}
		n += l.Quantity
	}
	return n, price, found
}

// step moves return id to status to: fn (when not nil) checks and applies
// the step's own data inside the transaction, after the state machine
// allowed the move.
func (s *Service) step(ctx context.Context, id string, to Status, note, action string,
	fn func(ctx context.Context, q db.Tenanted, r *Return, now time.Time) error) (Return, error) {
	var r Return
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		if r, err = s.get(ctx, q, id); err != nil {
			return err
		}
		if !r.Status.CanMoveTo(to) {
			return errTransition(r.Status, to)
		}
		from := r.Status
		now := s.stamp()
		if !now.After(r.UpdatedAt) {
			now = r.UpdatedAt.Add(time.Microsecond)
		}
		if fn != nil {
			if err := fn(ctx, q, &r, now); err != nil {
				return err
			}
		}
		r.Status, r.UpdatedAt = to, now
		r.History = append(r.History, Step{Status: to, At: now, By: audit.ActorFrom(ctx).ID, Note: note})
		if err := s.update(ctx, q, &r); err != nil {
			return err
		}
		if err := s.publish(ctx, r, events.ReturnUpdated); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "return." + action, Resource: "return/" + r.ID,
			Change: map[string]any{"from": from, "to": to, "note": note}, Detail: string(from) + " → " + string(to)})
	})
	if err != nil {
		return Return{}, err
	}
	return r, nil
}

// Approve authorises a requested return.
func (s *Service) Approve(ctx context.Context, id string, d Decision) (Return, error) {
	if err := d.validate(false); err != nil {
		return Return{}, err
	}
	return s.step(ctx, id, Approved, d.Note, "approve", nil)
}

// Reject refuses a requested return; the note, required, says why.
func (s *Service) Reject(ctx context.Context, id string, d Decision) (Return, error) {
	if err := d.validate(true); err != nil {
		return Return{}, err
	}
	return s.step(ctx, id, Rejected, d.Note, "reject", func(_ context.Context, _ db.Tenanted, r *Return, _ time.Time) error {
		r.RejectionReason = d.Note
		return nil
	})
}

// Cancel withdraws a return before its parcel moves; a bought label is
// voided at the carrier first, outside any transaction (unless ctx
// carries one): voiding again is harmless, and a label the carrier will
// not void any more (the parcel moved) keeps the return as it is.
func (s *Service) Cancel(ctx context.Context, id string, d Decision) (Return, error) {
	if err := d.validate(false); err != nil {
		return Return{}, err
	}
	if s.labels != nil {
		r, err := s.Get(ctx, id)
		if err != nil {
			return Return{}, err
		}
		if r.Label != nil && r.Label.Bought && r.Status.CanMoveTo(Cancelled) {
			err := s.labels.VoidReturnLabel(ctx, r.Label.TrackingNumber)
			if errors.Is(err, carrier.ErrNotCancellable) {
				return Return{}, problem.Conflict("label_not_cancellable", "tracking_number", r.Label.TrackingNumber)
			}
			if err != nil && !errors.Is(err, carrier.ErrUnknownTracking) {
				return Return{}, fmt.Errorf("returns: void label %s: %w", r.Label.TrackingNumber, err)
			}
		}
	}
	return s.step(ctx, id, Cancelled, d.Note, "cancel", nil)
}

// defaultParcel is the return parcel when the request names none.
var defaultParcel = carrier.Parcel{WeightG: 500, DimsMM: [3]int64{300, 200, 100}}

// IssueLabel gives an approved return its label: recorded by hand when
// the request carries a tracking number, bought through the label issuer
// otherwise — recorded as requested first, bought outside any
// transaction, then recorded as issued (see labels.go). A purchase the
// carrier did not answer in time comes back with the return still
// approved and LabelPurchase requested; the job completes it.
func (s *Service) IssueLabel(ctx context.Context, id string, lr LabelRequest) (Return, error) {
	if err := lr.validate(); err != nil {
		return Return{}, err
	}
	if !lr.manual() && s.labels == nil {
		return Return{}, problem.Conflict("label_issuer_unavailable")
	}
	if !lr.manual() {
		return s.purchaseLabel(ctx, id, lr)
	}
	return s.step(ctx, id, LabelIssued, lr.Note, "label", func(ctx context.Context, q db.Tenanted, r *Return, now time.Time) error {
		r.Label = &Label{Carrier: lr.Carrier, TrackingNumber: lr.TrackingNumber, IssuedAt: now}
		return s.claimTracking(ctx, q, r.ID, lr.TrackingNumber)
	})
}

// labelRequest is the carrier's request for r's label: from the buyer
// (the shipment's destination when known, else the order's ship-to) to
// the return address.
func (s *Service) labelRequest(ctx context.Context, r *Return, lr LabelRequest, now time.Time) (carrier.LabelRequest, error) {
	o, err := s.orders.Get(ctx, r.OrderID)
	if err != nil {
		return carrier.LabelRequest{}, fmt.Errorf("returns: order %s of %s: %w", r.OrderID, r.ID, err)
	}
	a := o.ShipTo
	from := carrier.Address{Name: a.Name, Line1: a.Line1, Line2: a.Line2, City: a.City, Region: a.Region,
		Postcode: a.Postcode, Country: a.Country, Phone: a.Phone}
	if r.ShipmentID != "" && s.shipments != nil {
		if sh, err := s.shipments.Shipment(ctx, r.ShipmentID); err == nil && sh.Destination.Country != "" {
			from = sh.Destination
		}
	}
	req := carrier.LabelRequest{Reference: r.ID, Service: lr.Service, From: from, Parcels: lr.Parcels,
		Value: r.Value, Created: now}
	if lr.ReturnTo != nil {
		req.To = *lr.ReturnTo
	}
	if len(req.Parcels) == 0 {
		req.Parcels = []carrier.Parcel{defaultParcel}
	}
	skus := make([]string, 0, len(r.Lines))
	for _, l := range r.Lines {
		skus = append(skus, fmt.Sprintf("%d × %s", l.Quantity, l.SKU))
	}
	req.Contents = "Return " + r.ID + ": " + strings.Join(skus, ", ")
	if len(req.Contents) > 200 {
		req.Contents = req.Contents[:200]
	}
	return req, nil
}

// claimTracking sets the tracking number column; a number another return
// holds is 409.
func (s *Service) claimTracking(ctx context.Context, q db.Tenanted, id, number string) error {
	var other string
	err := q.QueryRowContext(ctx, `SELECT id FROM returns WHERE tenant_id = $1 AND sandbox = $2
		AND tracking_number = $3 AND id <> $4`, number, id).Scan(&other)
	if err == nil {
		return &problem.Error{Status: http.StatusConflict, Code: "duplicate_tracking_number", Params: []any{"id", other},
			Fields: []problem.Field{{Field: "tracking_number", Code: "taken"}}}
	}
	if !errors.Is(err, errNoRows) {
		return fmt.Errorf("returns: check tracking number: %w", err)
	}
	return nil
}

// MarkInTransit records that the return parcel is on its way.
func (s *Service) MarkInTransit(ctx context.Context, id string, d Decision) (Return, error) {
	if err := d.validate(false); err != nil {
		return Return{}, err
	}
	return s.step(ctx, id, InTransit, d.Note, "in_transit", nil)
}

// Receive records the parcel's arrival and what it held.
func (s *Service) Receive(ctx context.Context, id string, rc Receipt) (Return, error) {
	if err := rc.validate(); err != nil {
		return Return{}, err
	}
	return s.step(ctx, id, Received, rc.Note, "receive", func(_ context.Context, _ db.Tenanted, r *Return, _ time.Time) error {
		return applyReceipt(r, rc)
	})
}

func applyReceipt(r *Return, rc Receipt) error {
	r.WarehouseID = rc.WarehouseID
	if len(rc.Lines) == 0 {
		for i := range r.Lines {
			r.Lines[i].Received = r.Lines[i].Quantity
		}
		return nil
	}
	var fs problem.Errors
	got := map[string]int64{}
	for i, l := range rc.Lines {
		k := slices.IndexFunc(r.Lines, func(x Line) bool { return x.SKU == l.SKU })
		switch {
		case k < 0:
			fs.Add(fmt.Sprintf("lines[%d].sku", i), "not_in_return")
		case l.Quantity > r.Lines[k].Quantity:
			fs.Add(fmt.Sprintf("lines[%d].quantity", i), "out_of_range", "min", 1, "max", r.Lines[k].Quantity)
		default:
			got[l.SKU] = l.Quantity
		}
	}
	if err := fs.Err(); err != nil {
		return err
	}
	for i := range r.Lines {
		r.Lines[i].Received = got[r.Lines[i].SKU]
	}
	return nil
}

// Inspect grades every received unit and decides its disposition;
// resellable units (resell, refurbish, relabel) are booked into the
// warehouse's stock per grade.
func (s *Service) Inspect(ctx context.Context, id string, in Inspection) (Return, error) {
	if err := in.validate(); err != nil {
		return Return{}, err
	}
	return s.step(ctx, id, Inspected, in.Note, "inspect", func(ctx context.Context, _ db.Tenanted, r *Return, now time.Time) error {
		var fs problem.Errors
		count := map[string]int64{}
		for i, u := range in.Units {
			if !slices.ContainsFunc(r.Lines, func(l Line) bool { return l.SKU == u.SKU }) {
				fs.Add(fmt.Sprintf("units[%d].sku", i), "not_in_return")
			}
			count[u.SKU]++
		}
		for _, l := range r.Lines {
			if count[l.SKU] != l.Received {
				fs.Add("units", "unit_count", "sku", l.SKU, "expected", l.Received, "got", count[l.SKU])
			}
		}
		wh := in.WarehouseID
		if wh == "" {
			wh = r.WarehouseID
		}
		restock := slices.ContainsFunc(in.Units, func(u UnitInput) bool { return Restockable(u.Disposition) })
		if restock && s.stock != nil && wh == "" {
			fs.Add("warehouse_id", "required")
		}
		if err := fs.Err(); err != nil {
			return err
		}
		r.WarehouseID = wh
		r.Units = make([]Unit, len(in.Units))
		type key struct{ sku, grade string }
		groups := map[key]int{}
		var order []key
		for i, u := range in.Units {
			r.Units[i] = Unit{SKU: u.SKU, Disposition: u.Disposition, Grade: u.Grade, Note: u.Note, InspectedAt: now}
			if Restockable(u.Disposition) && s.stock != nil {
				k := key{u.SKU, u.Grade}
				if _, ok := groups[k]; !ok {
					order = append(order, k)
				}
				groups[k]++
				r.Units[i].Restocked = true
			}
		}
		for _, k := range order {
			if err := s.stock.ReceiveReturn(ctx, wh, k.sku, k.grade, groups[k], r.ID); err != nil {
				if _, ok := problem.As(err); ok {
					return err
				}
				return fmt.Errorf("returns: restock %s grade %s of %s: %w", k.sku, k.grade, r.ID, err)
			}
		}
		return nil
	})
}

// receivedValue is what the buyer paid for the units that came back.
func receivedValue(r *Return) (int64, error) {
	var v int64
	for _, l := range r.Lines {
		m, err := minor(l.UnitPrice)
		if err != nil {
			return 0, fmt.Errorf("returns: price of %s in %s: %w", l.SKU, r.ID, err)
		}
		v += m * l.Received
	}
	return v, nil
}

// Refund refunds an inspected return: at most what the buyer paid for the
// units received, in the order's currency; the full amount when none is
// given.
func (s *Service) Refund(ctx context.Context, id string, rq RefundRequest) (Return, error) {
	var fs problem.Errors
	rq.Note = strings.TrimSpace(rq.Note)
	text(&fs, "note", rq.Note, 2000, false)
	var amount money.Money
	if rq.Amount != nil {
		m, code, params := money.Check(*rq.Amount, false)
		switch {
		case code == money.CodeCurrency:
			fs.Add("amount.currency", code, params...)
		case code != "":
			fs.Add("amount.amount", code, params...)
		default:
			amount = m
		}
	}
	if err := fs.Err(); err != nil {
		return Return{}, err
	}
	if s.refunds == nil {
		return Return{}, problem.Conflict("refunds_unavailable")
	}
	return s.step(ctx, id, Refunded, rq.Note, "refund", func(ctx context.Context, _ db.Tenanted, r *Return, now time.Time) error {
		paid, err := receivedValue(r)
		if err != nil {
			return err
		}
		amt := paid
		if rq.Amount != nil {
			if amount.Currency != r.Currency {
				return problem.Invalid(problem.Field{Field: "amount.currency", Code: "currency_mismatch", Params: []any{"currency", r.Currency}})
			}
			if amt, err = minor(amount); err != nil {
				return problem.Invalid(problem.Field{Field: "amount.amount", Code: money.CodeAmount})
			}
			if amt > paid {
				return problem.Invalid(problem.Field{Field: "amount.amount", Code: "exceeds_refundable",
					Params: []any{"max", fromMinor(paid, r.Currency).Amount}})
			}
		}
		if amt <= 0 {
			return problem.Invalid(problem.Field{Field: "amount.amount", Code: "positive"})
		}
		m := fromMinor(amt, r.Currency)
		ref, err := s.refunds.Refund(ctx, RefundOrder{ReturnID: r.ID, OrderID: r.OrderID, Amount: m, Note: rq.Note})
		if err != nil {
			return err
		}
		r.Refund = &Refund{Amount: m, Reference: ref, RefundedAt: now}
		return nil
	})
}

// Exchange sends a replacement for an inspected return: an order the
// caller names, or a new one for the returned SKUs (or those given) at no
// charge, to the original buyer and address.
func (s *Service) Exchange(ctx context.Context, id string, ex ExchangeRequest) (Return, error) {
	if err := ex.validate(); err != nil {
		return Return{}, err
	}
	return s.step(ctx, id, Exchanged, ex.Note, "exchange", func(ctx context.Context, _ db.Tenanted, r *Return, now time.Time) error {
		if ex.ReplacementOrderID != "" {
			if _, err := s.orders.Get(ctx, ex.ReplacementOrderID); errors.Is(err, problem.ErrNotFound) {
				return problem.Invalid(problem.Field{Field: "replacement_order_id", Code: "not_found"})
			} else if err != nil {
				return err
			}
			r.Exchange = &Exchange{ReplacementOrderID: ex.ReplacementOrderID, ExchangedAt: now}
			return nil
		}
		o, err := s.orders.Get(ctx, r.OrderID)
		if err != nil {
			return fmt.Errorf("returns: order %s of %s: %w", r.OrderID, r.ID, err)
		}
		zero := fromMinor(0, o.Currency)
		n := orders.NewOrder{ExternalID: r.ID, Channel: o.Channel, PlacedAt: now, Currency: o.Currency,
			Buyer: o.Buyer, ShipTo: o.ShipTo}
		if len(ex.Lines) > 0 {
			for _, l := range ex.Lines {
				n.Lines = append(n.Lines, orders.Line{SKU: l.SKU, Quantity: l.Quantity, UnitPrice: zero})
			}
		} else {
			for _, l := range r.Lines {
				if q := max(l.Received, 0); q > 0 {
					n.Lines = append(n.Lines, orders.Line{SKU: l.SKU, Quantity: q, UnitPrice: zero})
				}
			}
		}
		if len(n.Lines) == 0 {
			return problem.Invalid(problem.Field{Field: "lines", Code: "min_items", Params: []any{"min", 1}})
		}
		no, err := s.orders.Create(ctx, n)
		if err != nil {
			return err
		}
		r.Exchange = &Exchange{ReplacementOrderID: no.ID, ExchangedAt: now}
		return nil
	})
}

// Close ends a return that was refunded, exchanged, or inspected with
// nothing to give back.
func (s *Service) Close(ctx context.Context, id string, d Decision) (Return, error) {
	if err := d.validate(false); err != nil {
		return Return{}, err
	}
	return s.step(ctx, id, Closed, d.Note, "close", nil)
}

// TrackingUpdate moves the return whose label has trackingNumber along
// with the carrier's scans: any movement puts a labelled return in
// transit, delivery receives it (every requested unit, no warehouse yet).
// Scans that move nothing — a repeat, a label scan, an exception, a scan
// older than the return's state — change nothing and are not errors; an
// unknown number is problem.ErrNotFound. The shipments module calls it
// with the scope of the tenant that owns the label.
func (s *Service) TrackingUpdate(ctx context.Context, trackingNumber string, status carrier.Status) (Return, bool, error) {
	trackingNumber = strings.ToUpper(strings.TrimSpace(trackingNumber))
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return Return{}, false, err
	}
	var id string
	err = q.QueryRowContext(ctx, `SELECT id FROM returns WHERE tenant_id = $1 AND sandbox = $2 AND tracking_number = $3`,
		trackingNumber).Scan(&id)
	if errors.Is(err, errNoRows) {
		return Return{}, false, problem.ErrNotFound
	}
	if err != nil {
		return Return{}, false, fmt.Errorf("returns: find tracking number: %w", err)
	}
	var to Status
	switch status {
	case carrier.PickedUp, carrier.ExportCustoms, carrier.Departed, carrier.ArrivedDestinationCountry,
		carrier.ImportCustoms, carrier.OutForDelivery:
		to = InTransit
	case carrier.Delivered:
		to = Received
	default:
		r, err := s.Get(ctx, id)
		return r, false, err
	}
	ctx = audit.WithActor(ctx, actorOr(ctx))
	note := "carrier: " + string(status)
	var r Return
	if to == Received {
		r, err = s.step(ctx, id, Received, note, "receive", func(_ context.Context, _ db.Tenanted, r *Return, _ time.Time) error {
			return applyReceipt(r, Receipt{})
		})
	} else {
		r, err = s.step(ctx, id, InTransit, note, "in_transit", nil)
	}
	if pe, ok := problem.As(err); ok && pe.Code == "invalid_return_transition" {
		r, err = s.Get(ctx, id)
		return r, false, err
	}
	if err != nil {
		return Return{}, false, err
	}
	return r, true, nil
}

// actorOr keeps the caller's actor, or names the carrier feed.
func actorOr(ctx context.Context) audit.Actor {
	a := audit.ActorFrom(ctx)
	if a.Type == "anonymous" {
		return audit.Actor{ID: "carrier", Type: "system"}
	}
	return a
}

func (s *Service) publish(ctx context.Context, r Return, types ...string) error {
	if s.events == nil {
		return nil
	}
	es := make([]events.Event, len(types))
	for i, t := range types {
		es[i] = events.Event{Type: t, ResourceID: r.ID, Data: r}
	}
	return s.events.PublishMany(ctx, es)
}
