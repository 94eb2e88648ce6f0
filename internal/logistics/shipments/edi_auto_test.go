package shipments_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/gateway/ediapi"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/rates"
	"github.com/silkgate/silkgate/internal/logistics/shipments"
)

// runBackground runs the app's job workers and outbox relay, as serve
// does, until the test ends.
func runBackground(t *testing.T, env *apptest.Env) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { _ = env.App.Jobs.Run(ctx); done <- struct{}{} }()
	go func() { env.App.Events.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })
}

// settleEDI waits until every announced EDI document has been relayed and
// every import job it caused has been worked: the relay marks the events
// and enqueues the job in one transaction, so one query sees both. It
// returns the number of import jobs that completed.
func settleEDI(t *testing.T, env *apptest.Env) int {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var pending, done int
		if err := env.App.DB.Q(env.Ctx).QueryRowContext(env.Ctx, `SELECT
			(SELECT COUNT(*) FROM outbox_events WHERE type = $1 AND relayed_at IS NULL) +
			(SELECT COUNT(*) FROM river_job WHERE kind = 'shipments_ingest_edi' AND state NOT IN ('completed', 'cancelled', 'discarded')),
			(SELECT COUNT(*) FROM river_job WHERE kind = 'shipments_ingest_edi' AND state = 'completed')`,
			ediapi.EventDocumentReceived).Scan(&pending, &done); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			return done
		}
		if time.Now().After(deadline) {
			t.Fatal("EDI documents still not imported after a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// labelled buys a sandbox label for a new order of the tenant op belongs
// to.
func labelled(t *testing.T, env *apptest.Env, op string) shipments.Shipment {
	t.Helper()
	var o struct{ ID string }
	if r := env.Call("POST", "/api/v1/orders", op, order, &o); r.StatusCode != 201 {
		t.Fatalf("order: %d %s", r.StatusCode, apptest.Body(r))
	}
	var cmp rates.Result
	if r := env.Call("POST", "/api/v1/logistics/rates", op, map[string]any{"origin": map[string]string{"country": "CN"},
		"destination": map[string]string{"country": "DE", "postcode": "10115"},
		"parcels":     []any{map[string]any{"weight_g": 1200, "dims_mm": []int{300, 200, 150}}},
		"currency":    "EUR"}, &cmp); r.StatusCode != 200 || len(cmp.Offers) == 0 {
		t.Fatalf("compare: %d %s", r.StatusCode, apptest.Body(r))
	}
	if r := env.Call("PUT", "/api/v1/shipments/sender", op, map[string]any{"name": "Yiwu Bright Toys", "line1": "88 Futian Road",
		"city": "Yiwu", "postcode": "322000", "country": "CN"}, nil); r.StatusCode != 200 {
		t.Fatalf("sender: %d %s", r.StatusCode, apptest.Body(r))
	}
	var sh shipments.Shipment
	if r := env.Call("POST", "/api/v1/shipments", op, map[string]any{"order_id": o.ID, "service_id": cmp.Offers[0].ServiceID,
		"parcels": []any{map[string]any{"weight_g": 1200, "dims_mm": []int{300, 200, 150}}}}, &sh); r.StatusCode != 201 {
		t.Fatalf("shipment: %d %s", r.StatusCode, apptest.Body(r))
	}
	return sh
}

// x12Delivered is a carrier's 214 reporting number delivered at at.
func x12Delivered(number string, at time.Time) []byte {
	at = at.UTC()
	return []byte("ISA*00*          *00*          *02*CPC            *ZZ*00602679321    *191103*1800*U*00401*000001644*0*P*>~\n" +
		"GS*QM*CPC*00602679321*20191103*1800*1644*X*004010~\n" +
		"ST*214*0001~\n" +
		"B10*" + number + "*" + number + "*CPCC~\n" +
		"L11*" + number + "*97~\n" +
		"LX*1~\n" +
		fmt.Sprintf("AT7*D1*NS***%s*%s*UT~\n", at.Format("20060102"), at.Format("1504")) +
		"MS1*BERLIN**DE~\n" +
		"SE*7*0001~\n" +
		"GE*1*1644~\n" +
		"IEA*1*000001644~\n")
}

func postEDI(t *testing.T, env *apptest.Env, key string, body []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", env.Server.URL+"/api/v1/edi", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/EDI-X12")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("edi: %d %s", resp.StatusCode, apptest.Body(resp))
	}
}

// TestEDIAutoImport posts a 214 to the EDI gateway and finds the matching
// shipment delivered with no import call: the stored document is
// announced on the outbox and a job ingests it, in the partition it was
// received in only. The manual import afterwards re-applies nothing.
func TestEDIAutoImport(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		runBackground(t, env)
		if _, err := env.App.Rates.SeedSamples(env.Ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := env.App.FX.SeedSamples(env.Ctx); err != nil {
			t.Fatal(err)
		}
		a, b := env.Tenant("Shop A"), env.Tenant("Shop B")
		opA, viewerA := env.Key(a, identity.Operator, false), env.Key(a, identity.Viewer, false)
		sh := labelled(t, env, opA)
		doc := x12Delivered(sh.TrackingNumber, time.Now().Add(-time.Hour))
		get := func() shipments.Shipment {
			t.Helper()
			var got shipments.Shipment
			if r := env.Call("GET", "/api/v1/shipments/"+sh.ID, viewerA, nil, &got); r.StatusCode != 200 {
				t.Fatalf("get: %d", r.StatusCode)
			}
			return got
		}

		// The same 214 received by another tenant, and by A's sandbox,
		// leaves A's live shipment alone.
		postEDI(t, env, env.Key(b, identity.TenantAdmin, false), doc)
		postEDI(t, env, env.Key(a, identity.TenantAdmin, true), doc)
		if n := settleEDI(t, env); n == 0 {
			t.Fatal("no import job ran")
		}
		if got := get(); got.Status != carrier.LabelCreated || len(got.Events) != 1 {
			t.Fatalf("moved by another partition's 214: %s, %d events", got.Status, len(got.Events))
		}

		postEDI(t, env, env.Key(a, identity.TenantAdmin, false), doc)
		settleEDI(t, env)
		got := get()
		if got.Status != carrier.Delivered || len(got.Events) != 2 {
			t.Fatalf("after the 214: %s, %d events", got.Status, len(got.Events))
		}
		var fromEDI int
		for _, e := range got.Events {
			if e.Source == shipments.SourceEDI && e.StatusCode == "D1" && e.Status == carrier.Delivered {
				fromEDI++
			}
		}
		if fromEDI != 1 {
			t.Errorf("events: %+v", got.Events)
		}

		// The relay handing the announcements over again (as after a
		// crash) imports the document twice: nothing changes.
		before := settleEDI(t, env)
		if err := env.App.DB.InTx(env.Ctx, func(ctx context.Context) error {
			_, err := env.App.DB.Q(ctx).ExecContext(ctx, `UPDATE outbox_events SET relayed_at = NULL WHERE type = $1`,
				ediapi.EventDocumentReceived)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if after := settleEDI(t, env); after <= before {
			t.Fatalf("no import job after the repeat: %d then %d", before, after)
		}
		if again := get(); again.Status != carrier.Delivered || len(again.Events) != 2 || again.Version != got.Version {
			t.Errorf("repeat import changed the shipment: %s, %d events, version %d → %d", again.Status, len(again.Events),
				got.Version, again.Version)
		}

		// Importing by hand now reads the document again and applies
		// nothing twice.
		var res shipments.EDIResult
		if r := env.Call("POST", "/api/v1/tracking/edi-import", opA, nil, &res); r.StatusCode != 200 {
			t.Fatalf("import: %d %s", r.StatusCode, apptest.Body(r))
		}
		if res.Events.Accepted != 0 || res.Events.Duplicates != 1 {
			t.Errorf("manual import after the automatic one: %+v", res.Events)
		}
		if again := get(); again.Status != carrier.Delivered || len(again.Events) != 2 || again.Version != got.Version {
			t.Errorf("manual import changed the shipment: %s, %d events, version %d → %d", again.Status, len(again.Events),
				got.Version, again.Version)
		}
	})
}
