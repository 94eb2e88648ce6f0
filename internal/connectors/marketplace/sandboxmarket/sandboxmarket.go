// Package sandboxmarket is a simulated marketplace for the sandbox
// (clause 5.3.3): it pushes realistic orders — ten channels from
// amazon-de to shopify-kw, each with its own order-id format, currency,
// buyers and addresses (internal/orders/ordergen) — into the caller's
// data set through the orders service, so that they go through the same
// validation, storage, order.created events and webhooks as orders a real
// marketplace sends.
//
// The orders follow from the seed: pushing the same seed twice pushes the
// same orders, and the second push is acknowledged as duplicates, never
// stored twice — which is how a real marketplace's retry must behave too.
package sandboxmarket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/silkgate/silkgate/internal/connectors/marketplace"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/orders/ordergen"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// MaxCount bounds the orders of one push.
const MaxCount = 500

// ErrUnknownChannel is returned for a channel the generator does not know.
var ErrUnknownChannel = errors.New("sandboxmarket: unknown channel")

// Market is the sandbox marketplace for one seed.
type Market struct {
	gen  *ordergen.Generator
	seed uint64

	mu    sync.Mutex
	acked []marketplace.Ack
}

var _ marketplace.Marketplace = (*Market)(nil)

// New returns the marketplace whose orders follow from seed.
func New(seed uint64) *Market { return &Market{gen: ordergen.New(seed), seed: seed} }

// Channels implements marketplace.Marketplace.
func (m *Market) Channels() []string { return ordergen.Channels() }

// Orders returns the first count orders of the seed, of one channel when
// channel is not empty. It depends only on its arguments.
func (m *Market) Orders(count int, channel string) ([]orders.NewOrder, error) {
	if channel != "" && !slices.Contains(ordergen.Channels(), channel) {
		return nil, fmt.Errorf("%w %q", ErrUnknownChannel, channel)
	}
	out := make([]orders.NewOrder, 0, count)
	// One order in ten is of a given channel; the bound only guards
	// against a generator that stopped producing one.
	for i := 0; len(out) < count && i < count*100+100; i++ {
		var n orders.NewOrder
		if err := json.Unmarshal(m.gen.Order(i), &n); err != nil {
			return nil, fmt.Errorf("sandboxmarket: order %d: %w", i, err)
		}
		if channel == "" || n.Channel == channel {
			out = append(out, n)
		}
	}
	return out, nil
}

// Push implements marketplace.Marketplace: it creates each order through
// sink, in the caller's transaction and scope (ctx), and acknowledges it.
func (m *Market) Push(ctx context.Context, sink marketplace.Sink, req marketplace.PushRequest) ([]marketplace.Ack, error) {
	if req.Count < 1 || req.Count > MaxCount {
		return nil, fmt.Errorf("sandboxmarket: count %d outside 1..%d", req.Count, MaxCount)
	}
	list, err := m.Orders(req.Count, req.Channel)
	if err != nil {
		return nil, err
	}
	acks := make([]marketplace.Ack, 0, len(list))
	for _, n := range list {
		ack := marketplace.Ack{ExternalID: n.ExternalID, Channel: n.Channel}
		o, err := sink.Create(ctx, n)
		switch pe, isProblem := problem.As(err); {
		case err == nil:
			ack.Status, ack.OrderID = marketplace.AckAccepted, o.ID
		case isProblem && pe.Code == "duplicate_external_id":
			ack.Status, ack.OrderID = marketplace.AckDuplicate, param(pe.Params, "id")
		case isProblem && pe.Status < 500:
			ack.Status, ack.Code = marketplace.AckRejected, pe.Code
			if len(pe.Fields) > 0 {
				ack.Code = pe.Fields[0].Field + ":" + pe.Fields[0].Code
			}
		default:
			return nil, fmt.Errorf("sandboxmarket: push %s: %w", n.ExternalID, err)
		}
		acks = append(acks, ack)
	}
	return acks, m.Acknowledge(ctx, acks)
}

// Acknowledge implements marketplace.Marketplace: the sandbox keeps the
// last acknowledgements, for tests and for the guide's examples.
func (m *Market) Acknowledge(ctx context.Context, acks []marketplace.Ack) error {
	m.mu.Lock()
	m.acked = slices.Clone(acks)
	m.mu.Unlock()
	return nil
}

// Acknowledged returns the last acknowledgements received.
func (m *Market) Acknowledged() []marketplace.Ack {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.acked)
}

func param(params []any, name string) string {
	for i := 0; i+1 < len(params); i += 2 {
		if params[i] == name {
			s, _ := params[i+1].(string)
			return s
		}
	}
	return ""
}
