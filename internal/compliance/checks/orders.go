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
const orderBatch = 50

// CheckOrders checks the lines of orders and stores the results. Orders
// already checked are skipped, so a job run twice does no harm.
func (s *Service) CheckOrders(ctx context.Context, refs []orderRef) error {
	for start := 0; start < len(refs); start += orderBatch {
		chunk := refs[start:min(start+orderBatch, len(refs))]
		err := s.db.InTx(ctx, func(ctx context.Context) error {
			for _, ref := range chunk {
				sctx := db.WithScope(ctx, db.Scope{TenantID: ref.TenantID, Sandbox: ref.Sandbox})
				if err := s.checkOrder(sctx, ref); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) checkOrder(ctx context.Context, ref orderRef) error {
	if _, err := s.OrderCheck(ctx, ref.OrderID); err == nil {
		return nil
	} else if !errors.Is(err, problem.ErrNotFound) {
		return err
	}
	oc := OrderCheck{OrderID: ref.OrderID, Country: ref.Country, Verdict: VerdictPass, Lines: []OrderLine{},
		CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	market := ref.Country
	var fs problem.Errors
	if validateMarkets(&fs, &[]string{market}); len(fs) > 0 || market == "" {
		oc.Verdict = VerdictWarn
		for _, sku := range ref.SKUs {
			oc.Lines = append(oc.Lines, OrderLine{SKU: sku, Note: "the ship-to country is not a market the rules know"})
		}
		return s.insertOrderCheck(ctx, oc)
	}
	if market == "GB" {
		market = "UK"
	}
	checked := 0
	for _, sku := range ref.SKUs {
		p, err := s.products.GetBySKU(ctx, sku)
		if errors.Is(err, problem.ErrNotFound) {
			oc.Lines = append(oc.Lines, OrderLine{SKU: sku, Note: "no catalogue product with this SKU"})
			continue
		}
		if err != nil {
			return err
		}
		c, err := s.run(ctx, p, []string{market}, "")
		if err != nil {
			return err
		}
		c.OrderID, c.CreatedBy = ref.OrderID, "system"
		if err := s.insert(ctx, c); err != nil {
			return err
		}
		checked++
		oc.Lines = append(oc.Lines, OrderLine{SKU: sku, ProductID: p.ID, CheckID: c.ID, Verdict: c.Verdict})
		oc.Verdict = WorseVerdict(oc.Verdict, c.Verdict)
	}
	if err := s.insertOrderCheck(ctx, oc); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Event{Action: "compliance.check_order", TenantID: ref.TenantID,
		Resource: "order/" + ref.OrderID, Change: map[string]any{"verdict": oc.Verdict, "country": oc.Country, "checked": checked}})
}

func (s *Service) insertOrderCheck(ctx context.Context, oc OrderCheck) error {
	doc, err := json.Marshal(oc)
	if err != nil {
		return err
	}
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	_, err = t.ExecContext(ctx, `INSERT INTO compliance_order_checks (tenant_id, sandbox, order_id, verdict, country, doc, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`, oc.OrderID, oc.Verdict, oc.Country, string(doc), oc.CreatedAt)
	if err != nil {
		return fmt.Errorf("checks: store order check: %w", err)
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
