package shipments

import (
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
)

// TestStepForwardOnly walks the state machine through sequences of events
// and checks where each leaves the shipment and which events moved it.
func TestStepForwardOnly(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	type ev struct {
		st carrier.Status
		at time.Time
	}
	cases := []struct {
		name    string
		events  []ev
		status  carrier.Status
		stage   carrier.Status
		applied []bool
	}{
		{"in order", []ev{{carrier.LabelCreated, h(0)}, {carrier.PickedUp, h(1)}, {carrier.Departed, h(5)}},
			carrier.Departed, carrier.Departed, []bool{true, true, true}},
		{"earlier stage after a later one is history",
			[]ev{{carrier.LabelCreated, h(0)}, {carrier.Departed, h(5)}, {carrier.PickedUp, h(1)}},
			carrier.Departed, carrier.Departed, []bool{true, true, false}},
		{"a later stage with an older time still moves forward",
			[]ev{{carrier.PickedUp, h(3)}, {carrier.ExportCustoms, h(2)}},
			carrier.ExportCustoms, carrier.ExportCustoms, []bool{true, true}},
		{"the same stage twice applies once",
			[]ev{{carrier.PickedUp, h(1)}, {carrier.PickedUp, h(2)}},
			carrier.PickedUp, carrier.PickedUp, []bool{true, false}},
		{"delivered is final", []ev{{carrier.OutForDelivery, h(1)}, {carrier.Delivered, h(2)},
			{carrier.Exception, h(3)}, {carrier.Returned, h(4)}, {carrier.OutForDelivery, h(5)}},
			carrier.Delivered, carrier.Delivered, []bool{true, true, false, false, false}},
		{"exception from any stage, cleared by the next stage",
			[]ev{{carrier.ArrivedDestinationCountry, h(1)}, {carrier.Exception, h(2)}, {carrier.ImportCustoms, h(30)}},
			carrier.ImportCustoms, carrier.ImportCustoms, []bool{true, true, true}},
		{"an earlier stage does not clear an exception",
			[]ev{{carrier.ArrivedDestinationCountry, h(1)}, {carrier.Exception, h(2)}, {carrier.Departed, h(3)}},
			carrier.Exception, carrier.ArrivedDestinationCountry, []bool{true, true, false}},
		{"a second delivery attempt resumes after a failed one",
			[]ev{{carrier.OutForDelivery, h(1)}, {carrier.Exception, h(2)}, {carrier.OutForDelivery, h(20)},
				{carrier.Delivered, h(22)}},
			carrier.Delivered, carrier.Delivered, []bool{true, true, true, true}},
		{"a stale copy of a cleared exception is history",
			[]ev{{carrier.ArrivedDestinationCountry, h(1)}, {carrier.ImportCustoms, h(10)}, {carrier.Exception, h(5)}},
			carrier.ImportCustoms, carrier.ImportCustoms, []bool{true, true, false}},
		{"the same-stage event older than the exception does not clear it",
			[]ev{{carrier.OutForDelivery, h(5)}, {carrier.Exception, h(6)}, {carrier.OutForDelivery, h(4)}},
			carrier.Exception, carrier.OutForDelivery, []bool{true, true, false}},
		{"returned is final", []ev{{carrier.OutForDelivery, h(1)}, {carrier.Exception, h(2)}, {carrier.Returned, h(40)},
			{carrier.Delivered, h(41)}},
			carrier.Returned, carrier.OutForDelivery, []bool{true, true, true, false}},
		{"an unknown status moves nothing", []ev{{carrier.PickedUp, h(1)}, {carrier.Status("teleported"), h(2)}},
			carrier.PickedUp, carrier.PickedUp, []bool{true, false}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var p Progress
			for i, e := range tc.events {
				next, ok := p.Step(e.st, e.at)
				if ok != tc.applied[i] {
					t.Errorf("event %d (%s): applied = %v, want %v", i, e.st, ok, tc.applied[i])
				}
				if !ok && next != p {
					t.Errorf("event %d (%s): not applied but progress changed %+v → %+v", i, e.st, p, next)
				}
				p = next
			}
			if p.Status != tc.status || p.Stage != tc.stage {
				t.Errorf("ended at %s/%s, want %s/%s", p.Status, p.Stage, tc.status, tc.stage)
			}
		})
	}
}

func TestP80(t *testing.T) {
	cases := []struct {
		h    [][2]int64
		want int
		n    int64
	}{
		{nil, 0, 0},
		{[][2]int64{{5, 1}}, 5, 1},
		{[][2]int64{{3, 4}, {4, 4}, {9, 2}}, 4, 10},
		{[][2]int64{{3, 7}, {4, 1}, {9, 2}}, 4, 10},
		{[][2]int64{{3, 1}, {10, 4}}, 10, 5},
	}
	for _, tc := range cases {
		if got, n := P80(tc.h); got != tc.want || n != tc.n {
			t.Errorf("P80(%v) = %d, %d; want %d, %d", tc.h, got, n, tc.want, tc.n)
		}
	}
}

func TestMapCode(t *testing.T) {
	r := NewRegistry(&SandboxCarrier{})
	r.Register(Connector{Code: "acme", Codes: map[string]carrier.Status{"DLV": carrier.Delivered}})
	cases := []struct {
		list, code string
		want       carrier.Status
		ok         bool
	}{
		{CodesX12, "D1", carrier.Delivered, true},
		{CodesX12, "a9", carrier.Exception, true},
		{CodesRec24, "21", carrier.Delivered, true},
		{CodesRec24, "9", carrier.ExportCustoms, true},
		{"acme", "dlv", carrier.Delivered, true},
		{"acme", "XX", "", false},
		{"sandbox", "out_for_delivery", carrier.OutForDelivery, true},
		{"", "nonsense", "nonsense", false},
	}
	for _, tc := range cases {
		got, ok := r.MapCode(tc.list, tc.code)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("MapCode(%q, %q) = %q, %v; want %q, %v", tc.list, tc.code, got, ok, tc.want, tc.ok)
		}
	}
}
