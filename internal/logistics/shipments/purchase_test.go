package shipments

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/connectors/carrier/sandboxcarrier"
	"github.com/silkgate/silkgate/internal/logistics"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// refusing refuses every label, as a carrier that cannot serve an
// address does.
type refusing struct{ carrier.Carrier }

func (refusing) CreateLabel(context.Context, carrier.LabelRequest) (carrier.Label, error) {
	return carrier.Label{}, fmt.Errorf("testpost: %w: no service to this address", carrier.ErrRefused)
}

// startLabelJobs works the label purchase jobs of f's service.
func startLabelJobs(t *testing.T, f *fixture) {
	t.Helper()
	if err := jobs.Migrate(context.Background(), f.d, nil); err != nil {
		t.Fatal(err)
	}
	q, err := jobs.New(f.d, jobs.Config{PollInterval: 20 * time.Millisecond, FastStart: true,
		JobTimeout: 10 * time.Second, RescueAfter: time.Minute, StopTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	f.s.HandleLabels(q)
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Shutdown(context.Background()) })
}

func (f *fixture) newShipment(t *testing.T, ext string) NewShipment {
	t.Helper()
	o := f.order(t, ext)
	return NewShipment{OrderID: o.ID, ServiceID: f.svcID, Parcels: []logistics.Parcel{{WeightG: 1200, DimsMM: [3]int64{300, 200, 150}}}}
}

func waitBought(t *testing.T, f *fixture, id string) Shipment {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		sh, err := f.s.Get(f.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if sh.LabelStatus != LabelRequested {
			return sh
		}
		if time.Now().After(deadline) {
			t.Fatalf("label of %s still %s", id, sh.LabelStatus)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLabelPurchaseFaults injects the failures a network carrier brings —
// a lost answer, a refused connection, a carrier that hangs, a process
// that dies between recording the shipment and calling the carrier — and
// checks that the job completes every purchase with one label bought,
// and that a refusal fails the shipment with its reason.
func TestLabelPurchaseFaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		// fault wraps the carrier.
		fault func(c carrier.Carrier) *sandboxcarrier.Faulty
		// crash records the shipment and stops, as a process killed
		// right after the request's commit would.
		crash   bool
		refused bool
		// wantPending: the request answers before the label is bought.
		wantPending bool
	}{
		{name: "carrier answers", fault: func(c carrier.Carrier) *sandboxcarrier.Faulty {
			return &sandboxcarrier.Faulty{Carrier: c}
		}},
		{name: "answer lost after the label was bought", wantPending: true, fault: func(c carrier.Carrier) *sandboxcarrier.Faulty {
			return &sandboxcarrier.Faulty{Carrier: c, FailFirst: 1, FailAfter: true}
		}},
		{name: "first two calls fail before the carrier", wantPending: true, fault: func(c carrier.Carrier) *sandboxcarrier.Faulty {
			return &sandboxcarrier.Faulty{Carrier: c, FailFirst: 2}
		}},
		{name: "carrier hangs past the wait", wantPending: true, fault: func(c carrier.Carrier) *sandboxcarrier.Faulty {
			return &sandboxcarrier.Faulty{Carrier: c, Hold: make(chan struct{})}
		}},
		{name: "process dies before the call", crash: true, fault: func(c carrier.Carrier) *sandboxcarrier.Faulty {
			return &sandboxcarrier.Faulty{Carrier: c}
		}},
		{name: "carrier refuses", refused: true, fault: func(c carrier.Carrier) *sandboxcarrier.Faulty {
			return &sandboxcarrier.Faulty{Carrier: refusing{c}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				sbx := sandboxcarrier.New()
				fc := tc.fault(sbx)
				f := setupWith(t, d, fc, Config{LabelWait: 300 * time.Millisecond})
				startLabelJobs(t, f)
				n := f.newShipment(t, "EXT-FAULT")
				var (
					sh  Shipment
					err error
				)
				if tc.crash {
					err = d.InTx(f.ctx, func(ctx context.Context) error {
						p, err := f.s.prepare(ctx, n)
						if err != nil {
							return err
						}
						sh = p.Shipment
						return f.s.request(ctx, p, "", "")
					})
					if err != nil {
						t.Fatal(err)
					}
				} else {
					sh, err = f.s.Create(f.ctx, n)
				}
				if tc.refused {
					pe, ok := problem.As(err)
					if !ok || pe.Code != CodeLabelRefused || len(pe.Fields) != 1 || pe.Fields[0].Field != "service_id" {
						t.Fatalf("refusal: %v", err)
					}
					l, err := f.s.List(f.ctx, Filter{}, web.Page{Limit: 10})
					if err != nil || len(l.Items) != 0 {
						t.Fatalf("a refused shipment is listed: %v %d", err, len(l.Items))
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if pending := sh.LabelStatus == LabelRequested; pending != (tc.wantPending || tc.crash) {
					t.Fatalf("label status %s right after creating", sh.LabelStatus)
				}
				if tc.wantPending && sh.TrackingNumber != "" {
					t.Fatalf("pending shipment has tracking number %s", sh.TrackingNumber)
				}
				fc.Release()
				got := waitBought(t, f, sh.ID)
				if got.LabelStatus != LabelBought || got.TrackingNumber == "" || got.Status != carrier.LabelCreated {
					t.Fatalf("after the job: %s %q %s %+v", got.LabelStatus, got.TrackingNumber, got.Status, got.LabelError)
				}
				if b := sbx.Bought(); b != 1 {
					t.Errorf("%d labels bought, want 1", b)
				}
				// The job, when it runs after the request completed the
				// purchase, finds nothing to do.
				time.Sleep(600 * time.Millisecond)
				if b := sbx.Bought(); b != 1 {
					t.Errorf("%d labels bought after the job, want 1", b)
				}
				l, err := f.s.List(f.ctx, Filter{OrderID: n.OrderID}, web.Page{Limit: 10})
				if err != nil || len(l.Items) != 1 || l.Items[0].TrackingNumber != got.TrackingNumber {
					t.Fatalf("listed: %v %+v", err, l.Items)
				}
				if _, _, err := f.s.Label(f.ctx, sh.ID); err != nil {
					t.Errorf("label: %v", err)
				}
			})
		})
	}
}

// TestLabelRefusalKept checks that a refused purchase stays readable with
// its reason, and that the same idempotency key gets the same answer.
func TestLabelRefusalKept(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setupWith(t, d, refusing{sandboxcarrier.New()}, Config{})
		n := f.newShipment(t, "EXT-REFUSED")
		_, err := f.s.CreateKeyed(f.ctx, n, "key-1", "fp-1")
		if pe, ok := problem.As(err); !ok || pe.Code != CodeLabelRefused {
			t.Fatalf("first: %v", err)
		}
		var id string
		if err := d.Q(f.ctx).QueryRowContext(f.ctx, `SELECT shipment_id FROM shipment_label_requests WHERE request_key = $1`,
			"key-1").Scan(&id); err != nil {
			t.Fatal(err)
		}
		sh, err := f.s.Get(f.ctx, id)
		if err != nil || sh.LabelStatus != LabelFailed || sh.LabelError == nil || sh.LabelError.Code != CodeLabelRefused {
			t.Fatalf("failed shipment: %v %+v", err, sh)
		}
		if _, err := f.s.CreateKeyed(f.ctx, n, "key-1", "fp-1"); err == nil {
			t.Fatal("replay of a refused purchase succeeded")
		} else if pe, _ := problem.As(err); pe == nil || pe.Code != CodeLabelRefused {
			t.Fatalf("replay: %v", err)
		}
		_, err = f.s.CreateKeyed(f.ctx, n, "key-1", "fp-2")
		if pe, ok := problem.As(err); !ok || pe.Code != "idempotency_key_reused" {
			t.Fatalf("other request under the key: %v", err)
		}
	})
}

// TestLabelKeyedReplay creates a shipment twice under one key: one
// shipment, one label.
func TestLabelKeyedReplay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		sbx := sandboxcarrier.New()
		f := setupWith(t, d, sbx, Config{})
		n := f.newShipment(t, "EXT-KEYED")
		a, err := f.s.CreateKeyed(f.ctx, n, "key-2", "fp")
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.s.CreateKeyed(f.ctx, n, "key-2", "fp")
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != b.ID || a.TrackingNumber != b.TrackingNumber || sbx.Bought() != 1 {
			t.Fatalf("replay made another shipment: %s %s / %s %s, %d bought", a.ID, a.TrackingNumber, b.ID, b.TrackingNumber, sbx.Bought())
		}
	})
}

// TestHangingCarrierHoldsNoWriter creates a shipment while the carrier
// hangs and checks that an unrelated write — another request creating an
// order, in its own group transaction — commits meanwhile: no
// transaction, and on SQLite not the shared group commit, is held across
// the carrier call.
func TestHangingCarrierHoldsNoWriter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fc := &sandboxcarrier.Faulty{Carrier: sandboxcarrier.New(), Hold: make(chan struct{})}
		f := setupWith(t, d, fc, Config{LabelWait: 30 * time.Second})
		defer fc.Release()
		n := f.newShipment(t, "EXT-HANG")
		created := make(chan error, 1)
		go func() {
			_, err := f.s.Create(f.ctx, n)
			created <- err
		}()
		deadline := time.Now().Add(10 * time.Second)
		for fc.Calls() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the carrier was never called")
			}
			time.Sleep(10 * time.Millisecond)
		}
		wrote := make(chan error, 1)
		go func() {
			wrote <- d.Group(f.ctx, func(ctx context.Context) error {
				_, err := f.orders.Create(ctx, f.newOrder("EXT-UNRELATED"))
				return err
			})
		}()
		select {
		case err := <-wrote:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("an unrelated write waited for the carrier")
		}
		select {
		case err := <-created:
			t.Fatalf("create returned while the carrier hangs: %v", err)
		default:
		}
		fc.Release()
		if err := <-created; err != nil {
			t.Fatal(err)
		}
	})
}
