package returns

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/connectors/carrier/sandboxcarrier"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/jobs"
)

// refusing refuses every label.
type refusing struct{ carrier.Carrier }

func (refusing) CreateLabel(context.Context, carrier.LabelRequest) (carrier.Label, error) {
	return carrier.Label{}, fmt.Errorf("testpost: %w: no pick-up there", carrier.ErrRefused)
}

// TestReturnLabelFaults buys return labels from a carrier that loses its
// first answer, hangs, or refuses: the job completes the purchase with
// one label bought, and a refusal leaves the return approved with the
// reason.
func TestReturnLabelFaults(t *testing.T) {
	for _, tc := range []struct {
		name        string
		fault       func(c carrier.Carrier) *sandboxcarrier.Faulty
		wantPending bool
		refused     bool
	}{
		{name: "carrier answers", fault: func(c carrier.Carrier) *sandboxcarrier.Faulty {
			return &sandboxcarrier.Faulty{Carrier: c}
		}},
		{name: "answer lost after the label was bought", wantPending: true, fault: func(c carrier.Carrier) *sandboxcarrier.Faulty {
			return &sandboxcarrier.Faulty{Carrier: c, FailFirst: 1, FailAfter: true}
		}},
		{name: "carrier hangs past the wait", wantPending: true, fault: func(c carrier.Carrier) *sandboxcarrier.Faulty {
			return &sandboxcarrier.Faulty{Carrier: c, Hold: make(chan struct{})}
		}},
		{name: "carrier refuses", refused: true, fault: func(c carrier.Carrier) *sandboxcarrier.Faulty {
			return &sandboxcarrier.Faulty{Carrier: refusing{c}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				f := setup(t, d)
				ctx := f.ctx
				sbx := sandboxcarrier.New()
				fc := tc.fault(sbx)
				f.svc.UseLabels(CarrierLabels{Carrier: fc, ReturnTo: carrier.Address{Name: "Returns desk", Line1: "1 Dock Rd",
					City: "Yiwu", Postcode: "322000", Country: "CN"}})
				f.svc.SetLabelWait(300 * time.Millisecond)
				if err := jobs.Migrate(context.Background(), d, nil); err != nil {
					t.Fatal(err)
				}
				q, err := jobs.New(d, jobs.Config{PollInterval: 20 * time.Millisecond, FastStart: true,
					JobTimeout: 10 * time.Second, RescueAfter: time.Minute, StopTimeout: 5 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				f.svc.HandleLabels(q)
				if err := q.Start(context.Background()); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = q.Shutdown(context.Background()) })

				o := f.order(t, ctx, orders.Delivered)
				r := must(t)(f.svc.Create(ctx, NewReturn{OrderID: o.ID, Reason: "defective", RequestedResolution: "refund",
					Lines: []LineInput{{SKU: "TOY-001", Quantity: 1}}}))
				must(t)(f.svc.Approve(ctx, r.ID, Decision{}))
				id := r.ID
				r, err = f.svc.IssueLabel(ctx, id, LabelRequest{})
				if tc.refused {
					wantProblem(t, err, "label_refused", "service")
					got := must(t)(f.svc.Get(ctx, id))
					if got.Status != Approved || got.LabelPurchase == nil || got.LabelPurchase.Status != PurchaseFailed ||
						got.LabelPurchase.Code != "label_refused" {
						t.Fatalf("after a refusal: %s %+v", got.Status, got.LabelPurchase)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				pending := r.Status == Approved && r.LabelPurchase != nil && r.LabelPurchase.Status == PurchaseRequested
				if pending != tc.wantPending {
					t.Fatalf("right after asking: %s %+v", r.Status, r.LabelPurchase)
				}
				fc.Release()
				deadline := time.Now().Add(20 * time.Second)
				for r.Status != LabelIssued {
					if time.Now().After(deadline) {
						t.Fatalf("label never issued: %s %+v", r.Status, r.LabelPurchase)
					}
					time.Sleep(50 * time.Millisecond)
					r = must(t)(f.svc.Get(ctx, r.ID))
				}
				if r.Label == nil || !r.Label.Bought || r.Label.TrackingNumber == "" || r.LabelPurchase != nil {
					t.Fatalf("issued label: %+v %+v", r.Label, r.LabelPurchase)
				}
				time.Sleep(600 * time.Millisecond)
				if n := sbx.Bought(); n != 1 {
					t.Errorf("%d labels bought, want 1", n)
				}
				if _, _, err := f.svc.LabelDocument(ctx, r.ID); err != nil {
					t.Errorf("label document: %v", err)
				}
			})
		})
	}
}
