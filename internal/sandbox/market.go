package sandbox

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/marketplace"
	"github.com/silkgate/silkgate/internal/connectors/marketplace/sandboxmarket"
	"github.com/silkgate/silkgate/internal/orders/ordergen"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// PushRequest is the body of POST /api/v1/sandbox/marketplace/orders.
type PushRequest struct {
	// Count is how many orders to push (1 to 500).
	Count int `json:"count"`
	// Seed picks the orders: the same seed pushes the same orders (a
	// repeat is acknowledged as duplicates). Absent or zero: a new seed.
	Seed uint64 `json:"seed,omitempty"`
	// Channel restricts the orders to one channel, e.g. amazon-de.
	Channel string `json:"channel,omitempty"`
}

// XMLRoot names the XML root element.
func (PushRequest) XMLRoot() string { return "push_request" }

// Validate checks the request.
func (r *PushRequest) Validate() error {
	var fs problem.Errors
	if r.Count < 1 || r.Count > sandboxmarket.MaxCount {
		fs.Add("count", "out_of_range", "min", 1, "max", sandboxmarket.MaxCount)
	}
	r.Channel = strings.ToLower(strings.TrimSpace(r.Channel))
	if r.Channel != "" {
		known := ordergen.Channels()
		ok := false
		for _, c := range known {
			ok = ok || c == r.Channel
		}
		if !ok {
			fs.Add("channel", "one_of", "values", strings.Join(known, ", "))
		}
	}
	return fs.Err()
}

// PushResult is what the simulated marketplace's push came to.
type PushResult struct {
	Seed uint64 `json:"seed"`
	// OrderIDs are the orders created now, in push order.
	OrderIDs   []string          `json:"order_ids"`
	Accepted   int               `json:"accepted"`
	Duplicates int               `json:"duplicates"`
	Rejected   int               `json:"rejected"`
	Acks       []marketplace.Ack `json:"acks"`
}

// XMLRoot names the XML root element.
func (PushResult) XMLRoot() string { return "push_result" }

// PushOrders has the simulated marketplace push orders into the caller's
// sandbox data set through the orders service: validation, order.created
// events and webhooks happen as for any marketplace.
func (s *Service) PushOrders(ctx context.Context, pr PushRequest) (PushResult, error) {
	if err := sandboxOnly(ctx); err != nil {
		return PushResult{}, err
	}
	if err := pr.Validate(); err != nil {
		return PushResult{}, err
	}
	if pr.Seed == 0 {
		pr.Seed = rand.Uint64N(1<<53-1) + 1 // exact in a JSON number
	}
	out := PushResult{Seed: pr.Seed, OrderIDs: []string{}}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		acks, err := sandboxmarket.New(pr.Seed).Push(ctx, s.orders, marketplace.PushRequest{Count: pr.Count, Channel: pr.Channel})
		if errors.Is(err, sandboxmarket.ErrUnknownChannel) {
			return problem.Invalid(problem.Field{Field: "channel", Code: "one_of", Params: []any{"values", strings.Join(ordergen.Channels(), ", ")}})
		}
		if err != nil {
			return err
		}
		out.Acks = acks
		for _, a := range acks {
			switch a.Status {
			case marketplace.AckAccepted:
				out.Accepted++
				out.OrderIDs = append(out.OrderIDs, a.OrderID)
			case marketplace.AckDuplicate:
				out.Duplicates++
			default:
				out.Rejected++
			}
		}
		return s.audit.Record(ctx, audit.Event{Action: "sandbox.marketplace.push", Resource: "sandbox/marketplace",
			Change: map[string]any{"seed": pr.Seed, "count": pr.Count, "channel": pr.Channel, "accepted": out.Accepted}})
	})
	if err != nil {
		return PushResult{}, err
	}
	return out, nil
}
