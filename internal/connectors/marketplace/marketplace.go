// Package marketplace is the contract between Silkgate and a marketplace
// or shop system that pushes its orders (clause 6.1.2, interface layer).
// Silkgate is a support platform (clause 4.1.1): it never takes orders
// itself, it receives the ones marketplaces took, and tells each
// marketplace which it accepted so that nothing is lost or sent twice.
package marketplace

import (
	"context"

	"github.com/silkgate/silkgate/internal/orders"
)

// Sink receives pushed orders: the orders service in production. It
// validates and stores each order in the caller's scope.
type Sink interface {
	Create(ctx context.Context, n orders.NewOrder) (orders.Order, error)
}

// Ack is Silkgate's answer for one pushed order.
type Ack struct {
	// ExternalID is the marketplace's order id.
	ExternalID string `json:"external_id"`
	Channel    string `json:"channel"`
	// OrderID is Silkgate's id, when the order was stored now or before.
	OrderID string `json:"order_id,omitempty"`
	// Status is "accepted", "duplicate" (stored before: no new order) or
	// "rejected" (Code says why).
	Status string `json:"status"`
	Code   string `json:"code,omitempty"`
}

// Ack statuses.
const (
	AckAccepted  = "accepted"
	AckDuplicate = "duplicate"
	AckRejected  = "rejected"
)

// PushRequest asks a marketplace to deliver orders.
type PushRequest struct {
	// Count is how many orders to deliver.
	Count int
	// Channel restricts them to one channel ("amazon-de"); empty means any.
	Channel string
}

// Marketplace is a source of orders. Implementations are safe for
// concurrent use.
type Marketplace interface {
	// Channels lists the channel names its orders carry.
	Channels() []string
	// Push delivers orders into sink and returns one Ack per order, in
	// the order they were delivered. A rejected order is acknowledged, not
	// returned as an error; the error is for failures of the push itself.
	Push(ctx context.Context, sink Sink, req PushRequest) ([]Ack, error)
	// Acknowledge tells the marketplace what became of its orders, so that
	// it stops offering the ones accepted.
	Acknowledge(ctx context.Context, acks []Ack) error
}
