package checks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// orderRef is what an order check needs from order.created: the order,
// its destination and its SKUs.
type orderRef struct {
	TenantID string   `json:"tenant_id"`
	Sandbox  bool     `json:"sandbox"`
	OrderID  string   `json:"order_id"`
	Country  string   `json:"country"`
	SKUs     []string `json:"skus"`
}

func (r orderRef) scope() db.Scope { return db.Scope{TenantID: r.TenantID, Sandbox: r.Sandbox} }

// orderArgs is the job checking a relayed batch of orders.
type orderArgs struct {
	Orders []orderRef `json:"orders"`
}

func (orderArgs) Kind() string { return "compliance_check_orders" }

// UseOrders makes the service check order lines on ingest: it consumes
// order.created from o and works its jobs on q. Call it before the queue
// starts.
func (s *Service) UseOrders(o *events.Outbox, q *jobs.Queue) {
	s.jobs = q
	jobs.Handle(q, 10*time.Minute, func(ctx context.Context, j *jobs.Job[orderArgs]) error {
		return s.CheckOrders(ctx, j.Args.Orders)
	})
	o.Subscribe(s)
}

// Consume implements events.Consumer: in the relay's transaction, one job
// per batch for its order.created events. The job, not the relay, does the
// checking, so that a large ingest never holds the relay up.
func (s *Service) Consume(ctx context.Context, batch []events.Event) error {
	var refs []orderRef
	for _, e := range batch {
		if e.Type != events.OrderCreated {
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
		var o struct {
			ID     string `json:"id"`
			ShipTo struct {
				Country string `json:"country"`
			} `json:"ship_to"`
			Lines []struct {
				SKU string `json:"sku"`
			} `json:"lines"`
		}
		if err := jsonv2.Unmarshal(raw, &o); err != nil || o.ID == "" {
			s.log.Warn("compliance: order.created without an order", "event", e.ID)
			continue
		}
		ref := orderRef{TenantID: e.TenantID, Sandbox: e.Sandbox, OrderID: o.ID, Country: strings.ToUpper(o.ShipTo.Country)}
		for _, l := range o.Lines {
			if sku := strings.TrimSpace(l.SKU); sku != "" && !slices.Contains(ref.SKUs, sku) {
				ref.SKUs = append(ref.SKUs, sku)
			}
		}
		refs = append(refs, ref)
	}
	if len(refs) == 0 || s.jobs == nil {
		return nil
	}
	// The default queue: order checks are short and need no workers of
	// their own.
	_, err := s.jobs.Enqueue(ctx, orderArgs{Orders: refs}, nil)
	return err
}

// OrderLine is one line of an order check.
type OrderLine struct {
	SKU       string `json:"sku"`
	ProductID string `json:"product_id,omitempty"`
	CheckID   string `json:"check_id,omitempty"`
	Verdict   string `json:"verdict,omitempty"`
	// Note says why a line was not checked ("no catalogue product with
	// this SKU").
	Note string `json:"note,omitempty"`
}

// OrderCheck is the compliance verdict of an order: the worst over its
// lines, against its ship-to country.
type OrderCheck struct {
	OrderID   string      `json:"order_id"`
	Verdict   string      `json:"verdict"`
	Country   string      `json:"country"`
	Lines     []OrderLine `json:"lines"`
	CreatedAt time.Time   `json:"created_at"`
}

// XMLRoot names the order check's XML element.
func (OrderCheck) XMLRoot() string { return "order_check" }

// orderBatch bounds the orders checked in one transaction.
const orderBatch = 200

// CheckOrders checks the lines of orders and stores the results. Orders
// already checked are skipped, so a job run twice does no harm.
func (s *Service) CheckOrders(ctx context.Context, refs []orderRef) error {
	for start := 0; start < len(refs); start += orderBatch {
		chunk := refs[start:min(start+orderBatch, len(refs))]
		err := s.db.InTx(ctx, func(ctx context.Context) error {
			var recs []audit.Event
			for _, refs := range db.ByScope(chunk, orderRef.scope) {
				r, err := s.checkScope(db.WithScope(ctx, refs[0].scope()), refs)
				if err != nil {
					return err
				}
				recs = append(recs, r...)
			}
			return audit.RecordAll(ctx, s.audit, recs)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// checkScope checks the orders of one scope that have no check yet,
// stores the checks and returns their audit events.
func (s *Service) checkScope(ctx context.Context, refs []orderRef) ([]audit.Event, error) {
	done, err := s.checkedOrders(ctx, refs)
	if err != nil {
		return nil, err
	}
	products, err := s.lookupSKUs(ctx, refs, done)
	if err != nil {
		return nil, err
	}
	var (
		ocs  []OrderCheck
		recs []audit.Event
	)
	for _, ref := range refs {
		if done[ref.OrderID] {
			continue
		}
		done[ref.OrderID] = true
		oc, checked, err := s.checkOrder(ctx, ref, products)
		if err != nil {
			return nil, err
		}
		ocs = append(ocs, oc)
		recs = append(recs, audit.Event{Action: "compliance.check_order", TenantID: ref.TenantID,
			Resource: "order/" + ref.OrderID, Change: map[string]any{"verdict": oc.Verdict, "country": oc.Country, "checked": checked}})
	}
	return recs, s.insertOrderChecks(ctx, ocs)
}

// lookupSKUs reads the catalogue products of every SKU of refs not done,
// in one query; a SKU the catalogue does not have is missing from the map.
func (s *Service) lookupSKUs(ctx context.Context, refs []orderRef, done map[string]bool) (map[string]catalog.Product, error) {
	var want []string
	seen := map[string]bool{}
	for _, ref := range refs {
		if done[ref.OrderID] {
			continue
		}
		for _, sku := range ref.SKUs {
			if !seen[sku] {
				seen[sku] = true
				want = append(want, sku)
			}
		}
	}
	return s.products.GetBySKUs(ctx, want)
}

// checkedOrders returns which of refs (all of ctx's scope) have a check.
func (s *Service) checkedOrders(ctx context.Context, refs []orderRef) (map[string]bool, error) {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return nil, err
	}
	args := make([]any, len(refs))
	for i, r := range refs {
		args[i] = r.OrderID
	}
	rows, err := t.QueryContext(ctx, `SELECT order_id FROM compliance_order_checks WHERE tenant_id = $1 AND sandbox = $2
		AND order_id IN (`+db.Params(3, len(refs))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("checks: checked orders: %w", err)
	}
	ids, err := db.Collect(rows, db.ScanString)
	if err != nil {
		return nil, fmt.Errorf("checks: checked orders: %w", err)
	}
	done := make(map[string]bool, len(refs))
	for _, id := range ids {
		done[id] = true
	}
	return done, nil
}

// checkOrder checks the lines of ref against its ship-to country, storing
// a product check per catalogued SKU, and returns the order's verdict and
// how many lines were checked.
func (s *Service) checkOrder(ctx context.Context, ref orderRef, products map[string]catalog.Product) (OrderCheck, int, error) {
	oc := OrderCheck{OrderID: ref.OrderID, Country: ref.Country, Verdict: VerdictPass, Lines: []OrderLine{},
		CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	market := ref.Country
	var fs problem.Errors
	if validateMarkets(&fs, &[]string{market}); len(fs) > 0 || market == "" {
		oc.Verdict = VerdictWarn
		for _, sku := range ref.SKUs {
			oc.Lines = append(oc.Lines, OrderLine{SKU: sku, Note: "the ship-to country is not a market the rules know"})
		}
		return oc, 0, nil
	}
	if market == "GB" {
		market = "UK"
	}
	checked := 0
	for _, sku := range ref.SKUs {
		p, ok := products[strings.TrimSpace(sku)]
		if !ok {
			oc.Lines = append(oc.Lines, OrderLine{SKU: sku, Note: "no catalogue product with this SKU"})
			continue
		}
		c, err := s.run(ctx, p, []string{market}, "")
		if err != nil {
			return OrderCheck{}, 0, err
		}
		c.OrderID, c.CreatedBy = ref.OrderID, "system"
		if err := s.insert(ctx, c); err != nil {
			return OrderCheck{}, 0, err
		}
		checked++
		oc.Lines = append(oc.Lines, OrderLine{SKU: sku, ProductID: p.ID, CheckID: c.ID, Verdict: c.Verdict})
		oc.Verdict = WorseVerdict(oc.Verdict, c.Verdict)
	}
	return oc, checked, nil
}

// orderChecksPerInsert bounds one multi-row INSERT of order checks (7
// parameters each).
const orderChecksPerInsert = 100

// insertOrderChecks stores ocs, all of ctx's scope.
func (s *Service) insertOrderChecks(ctx context.Context, ocs []OrderCheck) error {
	sc, ok := db.ScopeFrom(ctx)
	if !ok {
		return db.ErrNoScope
	}
	for rest := ocs; len(rest) > 0; {
		n := min(len(rest), orderChecksPerInsert)
		args := make([]any, 0, n*7)
		for _, oc := range rest[:n] {
			doc, err := json.Marshal(oc)
			if err != nil {
				return err
			}
			args = append(args, sc.TenantID, sc.Sandbox, oc.OrderID, oc.Verdict, oc.Country, string(doc), oc.CreatedAt)
		}
		var b strings.Builder
		b.WriteString(`INSERT INTO compliance_order_checks (tenant_id, sandbox, order_id, verdict, country, doc, created_at) VALUES `)
		s.db.ValuesList(&b, n, 7, 1)
		b.WriteString(` ON CONFLICT DO NOTHING`)
		if _, err := s.db.Q(ctx).ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("checks: store order checks: %w", err)
		}
		rest = rest[n:]
	}
	return nil
}

// OrderCheck returns the compliance verdict of an order of the caller's
// scope; an order not (yet) checked is problem.ErrNotFound.
func (s *Service) OrderCheck(ctx context.Context, orderID string) (OrderCheck, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return OrderCheck{}, err
	}
	var doc string
	err = t.QueryRowContext(ctx, `SELECT doc FROM compliance_order_checks WHERE tenant_id = $1 AND sandbox = $2 AND order_id = $3`,
		orderID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return OrderCheck{}, problem.ErrNotFound
	}
	if err != nil {
		return OrderCheck{}, fmt.Errorf("checks: order check %s: %w", orderID, err)
	}
	var oc OrderCheck
	if err := json.Unmarshal([]byte(doc), &oc); err != nil {
		return OrderCheck{}, fmt.Errorf("checks: order check %s: %w", orderID, err)
	}
	return oc, nil
}
