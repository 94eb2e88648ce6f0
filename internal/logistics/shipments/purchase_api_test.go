package shipments_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/rates"
	"github.com/silkgate/silkgate/internal/logistics/shipments"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// TestShipmentIdempotencyKey sends the same shipment twice with one
// Idempotency-Key through the API (whose route runs its own transactions
// around the carrier call): one shipment, one label; another body under
// the key is refused, and another key is another shipment.
func TestShipmentIdempotencyKey(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		if _, err := env.App.Rates.SeedSamples(env.Ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := env.App.FX.SeedSamples(env.Ctx); err != nil {
			t.Fatal(err)
		}
		a := env.Tenant("Shop A")
		op := env.Key(a, identity.Operator, false)
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
		body := map[string]any{"order_id": o.ID, "service_id": cmp.Offers[0].ServiceID,
			"parcels": []any{map[string]any{"weight_g": 1200, "dims_mm": []int{300, 200, 150}}}}
		var replayed string
		post := func(key string, body any, out any) int {
			t.Helper()
			b, _ := json.Marshal(body)
			req, _ := http.NewRequest("POST", env.Server.URL+"/api/v1/shipments", bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+op)
			req.Header.Set("Idempotency-Key", key)
			resp, err := env.Server.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			replayed = resp.Header.Get("Idempotent-Replayed")
			if out != nil {
				_ = json.NewDecoder(resp.Body).Decode(out)
			}
			return resp.StatusCode
		}
		var first, again, other shipments.Shipment
		if st := post("ship-1", body, &first); st != 201 || first.LabelStatus != shipments.LabelBought || first.TrackingNumber == "" {
			t.Fatalf("first: %d %+v", st, first)
		}
		if st := post("ship-1", body, &again); st != 201 || again.ID != first.ID || again.TrackingNumber != first.TrackingNumber ||
			replayed != "true" {
			t.Fatalf("replay: %d %s/%s replayed %q", st, again.ID, again.TrackingNumber, replayed)
		}
		var p problemBody
		changed := map[string]any{"order_id": o.ID, "service_id": cmp.Offers[0].ServiceID,
			"parcels": []any{map[string]any{"weight_g": 900, "dims_mm": []int{300, 200, 150}}}}
		if st := post("ship-1", changed, &p); st != 422 || !p.has("Idempotency-Key", "reused") {
			t.Fatalf("other body under the key: %d %+v", st, p)
		}
		if st := post("ship-2", body, &other); st != 201 || other.ID == first.ID || other.TrackingNumber == first.TrackingNumber {
			t.Fatalf("another key: %d %s/%s", st, other.ID, other.TrackingNumber)
		}
		var l web.List[shipments.Shipment]
		if r := env.Call("GET", "/api/v1/shipments?order_id="+o.ID, op, nil, &l); r.StatusCode != 200 || len(l.Items) != 2 {
			t.Fatalf("listed: %d %d", r.StatusCode, len(l.Items))
		}
	})
}
