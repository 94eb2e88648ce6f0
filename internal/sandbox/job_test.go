package sandbox

import (
	"context"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/money"
)

type noAudit struct{}

func (noAudit) Record(context.Context, audit.Event) error { return nil }

// TestTrackingJob drives the scheduled job with a clock: it emits exactly
// the events that have fallen due, publishes each, schedules its successor,
// and stops at the end of the timeline.
func TestTrackingJob(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, d, nil); err != nil {
			t.Fatal(err)
		}
		q, err := jobs.New(d, jobs.Config{})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		ord := orders.New(d, noAudit{}, nil)
		out := events.New(d, nil, events.Config{})
		s := New(d, ord, q, out, noAudit{}, Config{Now: func() time.Time { return now }})
		sc := db.WithScope(ctx, db.Scope{TenantID: "ten_job", Sandbox: true})

		o, err := ord.Create(sc, orders.NewOrder{ExternalID: "J-1", Channel: "ebay-au", PlacedAt: now, Currency: "AUD",
			Buyer:  orders.Buyer{Name: "Ruby Smith", Country: "AU"},
			ShipTo: orders.Address{Name: "Ruby Smith", Line1: "1 George St", City: "Sydney", Postcode: "2000", Country: "AU"},
			Lines:  []orders.Line{{SKU: "TOY-1", Quantity: 1, UnitPrice: money.Money{Amount: "20.00", Currency: "AUD"}}}})
		if err != nil {
			t.Fatal(err)
		}
		sh, err := s.CreateLabel(sc, LabelRequest{OrderID: o.ID, Service: "standard"})
		if err != nil {
			t.Fatal(err)
		}
		run := func() Shipment {
			t.Helper()
			job := &jobs.Job[trackArgs]{Args: trackArgs{TenantID: "ten_job", TrackingNumber: sh.TrackingNumber}}
			if err := s.work(ctx, job); err != nil {
				t.Fatal(err)
			}
			got, err := s.Track(sc, sh.TrackingNumber)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got := run(); len(got.Events) != 1 {
			t.Errorf("nothing due yet, yet %d events", len(got.Events))
		}
		// Just past the third step's due time: steps 2 and 3 are emitted,
		// stamped with their due times.
		now = sh.Timeline[2].DueAt.Add(time.Second)
		got := run()
		if len(got.Events) != 3 || got.Status != carrier.ExportCustoms {
			t.Fatalf("after step 3 fell due: %d events, status %s", len(got.Events), got.Status)
		}
		if !got.Events[1].At.Equal(sh.Timeline[1].DueAt.Truncate(time.Second)) {
			t.Errorf("step 2 at %s, due %s", got.Events[1].At, sh.Timeline[1].DueAt)
		}
		if got.Next == nil || got.Next.Status != carrier.Departed {
			t.Errorf("next %+v", got.Next)
		}
		// An advance in between, then everything due.
		if _, err := s.Advance(sc, sh.TrackingNumber); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
		got = run()
		if len(got.Events) != len(sh.Timeline) || got.Status != carrier.Delivered || got.Next != nil {
			t.Errorf("after an hour: %d events, status %s", len(got.Events), got.Status)
		}
		for i := 1; i < len(got.Events); i++ {
			if got.Events[i].At.Before(got.Events[i-1].At) {
				t.Errorf("event %d before event %d", i, i-1)
			}
		}
		var published, pending int
		if err := d.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox_events WHERE type = $1 AND resource_id = $2`,
			events.ShipmentTrackingUpdated, sh.TrackingNumber).Scan(&published); err != nil {
			t.Fatal(err)
		}
		if published != len(sh.Timeline) {
			t.Errorf("%d events published, want %d", published, len(sh.Timeline))
		}
		if err := d.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'sandbox_tracking'`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		// One at label time, one per run that left steps to go.
		if pending != 3 {
			t.Errorf("%d tracking jobs enqueued, want 3", pending)
		}
		// A parcel that is gone (or another tenant's number) is no error.
		if err := s.work(ctx, &jobs.Job[trackArgs]{Args: trackArgs{TenantID: "ten_other", TrackingNumber: sh.TrackingNumber}}); err != nil {
			t.Errorf("job for an unknown parcel: %v", err)
		}
	})
}
