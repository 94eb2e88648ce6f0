package returns

import (
	"slices"
	"testing"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
)

// TestStateMachine spells out every allowed move; every pair not listed
// must be refused.
func TestStateMachine(t *testing.T) {
	t.Parallel()
	allowed := map[[2]Status]bool{
		{Requested, Approved}: true, {Requested, Rejected}: true, {Requested, Cancelled}: true,
		{Approved, LabelIssued}: true, {Approved, Cancelled}: true,
		{LabelIssued, InTransit}: true, {LabelIssued, Received}: true, {LabelIssued, Cancelled}: true,
		{InTransit, Received}: true,
		{Received, Inspected}: true,
		{Inspected, Refunded}: true, {Inspected, Exchanged}: true, {Inspected, Closed}: true,
		{Refunded, Closed}:  true,
		{Exchanged, Closed}: true,
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				t.Parallel()
				if got := from.CanMoveTo(to); got != allowed[[2]Status{from, to}] {
					t.Fatalf("CanMoveTo = %v", got)
				}
			})
		}
	}
	for _, s := range []Status{Rejected, Cancelled, Closed} {
		if !s.Final() {
			t.Errorf("%s is not final", s)
		}
	}
	if Requested.Final() || Status("bogus").Valid() || !Closed.Valid() {
		t.Error("Final/Valid")
	}
}

func TestTransitionProblemNamesState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to Status
		allowed  string
	}{
		{Requested, Refunded, "approved, rejected, cancelled"},
		{Closed, Approved, "-"},
		{InTransit, Cancelled, "received"},
	}
	for _, tc := range tests {
		t.Run(string(tc.from), func(t *testing.T) {
			t.Parallel()
			pe := wantProblem(t, errTransition(tc.from, tc.to), "invalid_return_transition", "")
			if pe.Status != 409 || !slices.Equal(pe.Params, []any{"status", string(tc.from), "to", string(tc.to), "allowed", tc.allowed}) {
				t.Fatalf("%+v", pe)
			}
		})
	}
}

func TestValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		err   error
		field string
	}{
		{"label: service with manual tracking", (&LabelRequest{Carrier: "DHL", TrackingNumber: "X1", Service: "express"}).validate(), "tracking_number"},
		{"label: carrier without tracking", (&LabelRequest{Carrier: "DHL"}).validate(), "tracking_number"},
		{"label: return_to without city", (&LabelRequest{ReturnTo: &carrier.Address{Name: "a", Line1: "b", Country: "CN"}}).validate(), "return_to.city"},
		{"receipt: bad line", (&Receipt{Lines: []LineInput{{SKU: "", Quantity: 1}}}).validate(), "lines[0].sku"},
		{"inspect: none", (&Inspection{}).validate(), "units"},
		{"inspect: bad disposition", (&Inspection{Units: []UnitInput{{SKU: "A", Disposition: "burn", Grade: "A"}}}).validate(), "units[0].disposition"},
		{"inspect: bad grade", (&Inspection{Units: []UnitInput{{SKU: "A", Disposition: "resell", Grade: "E"}}}).validate(), "units[0].grade"},
		{"exchange: both", (&ExchangeRequest{ReplacementOrderID: "ord_1", Lines: []LineInput{{"A", 1}}}).validate(), "lines"},
		{"notes: control characters", (&NewReturn{OrderID: "o", Reason: "other", RequestedResolution: "refund",
			Lines: []LineInput{{"A", 1}}, Notes: "a\x00b"}).Validate(), "notes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wantProblem(t, tc.err, "validation_failed", tc.field)
		})
	}
	if err := (&NewReturn{OrderID: "o", Reason: "other", RequestedResolution: "refund",
		Lines: []LineInput{{"A", 1}}, Notes: "line one\nline two"}).Validate(); err != nil {
		t.Fatalf("line breaks in notes: %v", err)
	}
}
