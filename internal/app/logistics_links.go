package app

import (
	"context"
	"errors"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/logistics/returns"
	"github.com/silkgate/silkgate/internal/logistics/shipments"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// returnShipments lets a return name the shipment it sends back, and
// takes its label's sender from where that shipment was delivered.
type returnShipments struct{ s *shipments.Service }

func (r returnShipments) Shipment(ctx context.Context, id string) (returns.Shipment, error) {
	sh, err := r.s.Get(ctx, id)
	if err != nil {
		return returns.Shipment{}, err
	}
	return returns.Shipment{ID: sh.ID, OrderID: sh.OrderID, TrackingNumber: sh.TrackingNumber,
		Carrier: sh.Carrier, Destination: sh.To}, nil
}

// returnTracking passes the tracking events of return labels, which no
// outbound shipment carries, to the returns module.
type returnTracking struct{ r *returns.Service }

func (t returnTracking) TrackingUpdate(ctx context.Context, number string, status carrier.Status) (bool, error) {
	_, moved, err := t.r.TrackingUpdate(ctx, number, status)
	if errors.Is(err, problem.ErrNotFound) {
		return false, nil
	}
	return moved, err
}

// policyLinks lets an insurance policy name the shipment it covers and
// the order behind it.
type policyLinks struct {
	shipments *shipments.Service
	orders    *orders.Service
}

func (l policyLinks) ShipmentOrder(ctx context.Context, id string) (string, error) {
	sh, err := l.shipments.Get(ctx, id)
	return sh.OrderID, err
}

func (l policyLinks) OrderExists(ctx context.Context, id string) error {
	_, err := l.orders.Get(ctx, id)
	return err
}
