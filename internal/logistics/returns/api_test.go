package returns_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/returns"
	"github.com/silkgate/silkgate/internal/orders"
)

// shippedOrder enters an order through the API and ships it.
func shippedOrder(t *testing.T, env *apptest.Env, key, ext string) orders.Order {
	t.Helper()
	var o orders.Order
	if r := env.Call("POST", "/api/v1/orders", key, map[string]any{"external_id": ext, "channel": "edi-acme",
		"placed_at": "2026-11-20T10:00:00Z", "currency": "EUR",
		"buyer":   map[string]any{"name": "Jonas Weber", "country": "DE"},
		"ship_to": map[string]any{"name": "Jonas Weber", "line1": "Invalidenstr. 1", "city": "Berlin", "postcode": "10115", "country": "DE"},
		"lines":   []any{map[string]any{"sku": "TOY-001", "quantity": 2, "unit_price": map[string]any{"amount": "19.99", "currency": "EUR"}}},
	}, &o); r.StatusCode != http.StatusCreated {
		t.Fatalf("order: %d %s", r.StatusCode, apptest.Body(r))
	}
	for _, st := range []string{"confirmed", "shipped"} {
		if r := env.Call("POST", "/api/v1/orders/"+o.ID+"/status", key, map[string]any{"status": st}, &o); r.StatusCode != http.StatusOK {
			t.Fatalf("order %s: %d %s", st, r.StatusCode, apptest.Body(r))
		}
	}
	return o
}

func TestAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tid := env.Tenant("Returns API")
		op := env.Key(tid, identity.Operator, false)
		sbx := env.Key(tid, identity.Operator, true)
		viewer := env.Key(tid, identity.Viewer, false)
		other := env.Key(env.Tenant("Other"), identity.Operator, false)
		o := shippedOrder(t, env, op, "PO-1")

		var r returns.Return
		body := map[string]any{"order_id": o.ID, "reason": "damaged", "requested_resolution": "refund",
			"lines": []any{map[string]any{"sku": "TOY-001", "quantity": 1}}, "notes": "corner crushed"}
		resp := env.Call("POST", "/api/v1/returns", op, body, &r)
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("Location") != "/api/v1/returns/"+r.ID ||
			r.Status != returns.Requested || !r.EDI || r.Value.Amount != "19.99" {
			t.Fatalf("create: %d %s", resp.StatusCode, apptest.Body(resp))
		}
		tests := []struct {
			name, method, path, key string
			body                    any
			status                  int
			contains                string
		}{
			{"viewer cannot write", "POST", "/api/v1/returns", viewer, body, http.StatusForbidden, ""},
			{"viewer reads", "GET", "/api/v1/returns/" + r.ID, viewer, nil, http.StatusOK, r.ID},
			{"other tenant", "GET", "/api/v1/returns/" + r.ID, other, nil, http.StatusNotFound, ""},
			{"sandbox partition", "GET", "/api/v1/returns/" + r.ID, sbx, nil, http.StatusNotFound, ""},
			{"too many", "POST", "/api/v1/returns", op, map[string]any{"order_id": o.ID, "reason": "damaged",
				"requested_resolution": "refund", "lines": []any{map[string]any{"sku": "TOY-001", "quantity": 2}}},
				http.StatusUnprocessableEntity, `"field":"lines[0].quantity"`},
			{"unknown field", "POST", "/api/v1/returns", op, map[string]any{"order": o.ID}, http.StatusUnprocessableEntity, "order"},
			{"list by order", "GET", "/api/v1/returns?order_id=" + o.ID, viewer, nil, http.StatusOK, r.ID},
			{"list bad status", "GET", "/api/v1/returns?status=lost", viewer, nil, http.StatusUnprocessableEntity, `"field":"status"`},
			{"refund too early", "POST", "/api/v1/returns/" + r.ID + "/refund", op, nil, http.StatusConflict, "requested"},
			{"no label document", "GET", "/api/v1/returns/" + r.ID + "/label", op, nil, http.StatusNotFound, ""},
			{"approve", "POST", "/api/v1/returns/" + r.ID + "/approve", op, nil, http.StatusOK, `"status":"approved"`},
			{"approve twice", "POST", "/api/v1/returns/" + r.ID + "/approve", op, map[string]any{"note": "again"},
				http.StatusConflict, "invalid_return_transition"},
			{"live has no carrier", "POST", "/api/v1/returns/" + r.ID + "/label", op, map[string]any{},
				http.StatusConflict, "label_issuer_unavailable"},
			{"record label", "POST", "/api/v1/returns/" + r.ID + "/label", op,
				map[string]any{"carrier": "DHL", "tracking_number": "JD014600001"}, http.StatusOK, "JD014600001"},
			{"by tracking number", "GET", "/api/v1/returns?tracking_number=jd014600001", viewer, nil, http.StatusOK, r.ID},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				resp := env.Call(tc.method, tc.path, tc.key, tc.body, nil)
				if b := apptest.Body(resp); resp.StatusCode != tc.status || !strings.Contains(b, tc.contains) {
					t.Fatalf("%d %s", resp.StatusCode, b)
				}
			})
		}
		// The 409 is localised and names the current state.
		req, _ := http.NewRequest("POST", env.Server.URL+"/api/v1/returns/"+r.ID+"/approve", nil)
		req.Header.Set("Authorization", "Bearer "+op)
		req.Header.Set("Accept-Language", "zh-CN")
		zh, err := env.Server.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if b := apptest.Body(zh); zh.StatusCode != http.StatusConflict || !strings.Contains(b, "label_issued") ||
			!strings.Contains(b, "退货") {
			t.Fatalf("zh 409: %d %s", zh.StatusCode, b)
		}

		// XML by content negotiation, like every resource.
		xr, _ := http.NewRequest("GET", env.Server.URL+"/api/v1/returns/"+r.ID, nil)
		xr.Header.Set("Authorization", "Bearer "+op)
		xr.Header.Set("Accept", "application/xml")
		x, err := env.Server.Client().Do(xr)
		if err != nil {
			t.Fatal(err)
		}
		if b := apptest.Body(x); x.StatusCode != http.StatusOK || !strings.Contains(b, "<return>") ||
			!strings.Contains(b, "<tracking_number>JD014600001</tracking_number>") {
			t.Fatalf("xml: %d %s", x.StatusCode, b)
		}

		// In the sandbox the simulated carrier sells the label, and the
		// resellable unit goes back into an overseas warehouse's stock.
		so := shippedOrder(t, env, sbx, "PO-SBX")
		var wh struct{ ID string }
		if resp := env.Call("POST", "/api/v1/warehouses", sbx, map[string]any{"code": "DE1", "name": "Hamburg hub",
			"operator": "Sample Fulfilment", "country": "DE", "connector": "sandbox",
			"address": map[string]any{"line1": "Hafenstr. 1", "city": "Hamburg", "postcode": "20457"},
			"regions": []any{map[string]any{"country": "DE", "days": 1}}, "fees": map[string]any{"currency": "EUR"}}, &wh); resp.StatusCode != http.StatusCreated {
			t.Fatalf("warehouse: %d %s", resp.StatusCode, apptest.Body(resp))
		}
		var sr returns.Return
		if resp := env.Call("POST", "/api/v1/returns", sbx, map[string]any{"order_id": so.ID, "reason": "wrong_item",
			"requested_resolution": "refund", "lines": []any{map[string]any{"sku": "TOY-001", "quantity": 2}}}, &sr); resp.StatusCode != http.StatusCreated {
			t.Fatalf("sandbox create: %d %s", resp.StatusCode, apptest.Body(resp))
		}
		steps := []struct {
			path string
			body any
		}{
			{"approve", nil},
			{"label", map[string]any{"service": "express"}},
			{"in-transit", nil},
			{"receive", map[string]any{"warehouse_id": wh.ID}},
			{"inspect", map[string]any{"units": []any{
				map[string]any{"sku": "TOY-001", "disposition": "resell", "grade": "A"},
				map[string]any{"sku": "TOY-001", "disposition": "return_to_seller", "grade": "C"}}}},
			{"refund", map[string]any{"amount": map[string]any{"amount": "30.00", "currency": "EUR"}}},
			{"close", map[string]any{"note": "done"}},
		}
		for _, s := range steps {
			if resp := env.Call("POST", "/api/v1/returns/"+sr.ID+"/"+s.path, sbx, s.body, &sr); resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %s", s.path, resp.StatusCode, apptest.Body(resp))
			}
		}
		if sr.Status != returns.Closed || sr.Refund == nil || sr.Label == nil || !sr.Label.Bought || len(sr.History) != 8 {
			t.Fatalf("sandbox return: %+v", sr)
		}
		label := env.Call("GET", "/api/v1/returns/"+sr.ID+"/label", sbx, nil, nil)
		if b := apptest.Body(label); label.StatusCode != http.StatusOK || label.Header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(b, "%PDF") {
			t.Fatalf("label: %d %s", label.StatusCode, label.Header.Get("Content-Type"))
		}
		// Every step reached the outbox, in the partition it happened in.
		var created, updated int
		if err := env.App.DB.Q(context.Background()).QueryRowContext(context.Background(), `SELECT
			COALESCE(SUM(CASE WHEN type = 'return.created' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN type = 'return.updated' THEN 1 ELSE 0 END), 0)
			FROM outbox_events WHERE resource_id = $1`, sr.ID).Scan(&created, &updated); err != nil {
			t.Fatal(err)
		}
		if created != 1 || updated != 8 {
			t.Fatalf("events: %d created, %d updated", created, updated)
		}
		// The resold unit is warehouse stock, graded as new.
		var stock struct {
			Items []struct {
				SKU, Grade string
				OnHand     int `json:"on_hand"`
			}
		}
		if resp := env.Call("GET", "/api/v1/warehouses/"+wh.ID+"/stock", sbx, nil, &stock); resp.StatusCode != http.StatusOK ||
			len(stock.Items) != 1 || stock.Items[0].SKU != "TOY-001" || stock.Items[0].Grade != "new" || stock.Items[0].OnHand != 1 {
			t.Fatalf("stock after the return: %d %+v", resp.StatusCode, stock)
		}
		// The refund is in the ledger.
		fin := env.Key(tid, identity.Finance, true)
		if resp := env.Call("GET", "/api/v1/ledger/entries/"+sr.Refund.Reference, fin, nil, nil); resp.StatusCode != http.StatusOK ||
			!strings.Contains(apptest.Body(resp), `"amount":"30.00"`) {
			t.Fatalf("ledger entry: %d %s", resp.StatusCode, apptest.Body(resp))
		}
		var doc map[string]any
		env.Call("GET", "/api/openapi.json", "", nil, &doc)
		if _, ok := doc["paths"].(map[string]any)["/api/v1/returns/{id}/inspect"]; !ok {
			t.Fatal("returns missing from the OpenAPI document")
		}
	})
}

// TestTrackingMovesReturn: a return label's scans come in through the
// shipments module's tracking API like any parcel's and move the return:
// picked up → in transit, delivered → received.
func TestTrackingMovesReturn(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tid := env.Tenant("Returns Tracking")
		op := env.Key(tid, identity.Operator, false)
		o := shippedOrder(t, env, op, "PO-TRK")
		var r returns.Return
		if resp := env.Call("POST", "/api/v1/returns", op, map[string]any{"order_id": o.ID, "reason": "defective",
			"requested_resolution": "refund", "lines": []any{map[string]any{"sku": "TOY-001", "quantity": 1}}}, &r); resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", resp.StatusCode, apptest.Body(resp))
		}
		for _, step := range []struct {
			path string
			body any
		}{{"/approve", nil}, {"/label", map[string]any{"carrier": "DHL", "tracking_number": "JD014600777"}}} {
			if resp := env.Call("POST", "/api/v1/returns/"+r.ID+step.path, op, step.body, nil); resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %s", step.path, resp.StatusCode, apptest.Body(resp))
			}
		}
		for _, tc := range []struct {
			status string
			want   returns.Status
		}{{"picked_up", returns.InTransit}, {"delivered", returns.Received}} {
			if resp := env.Call("POST", "/api/v1/tracking/events", op, map[string]any{"events": []any{map[string]any{
				"tracking_number": "JD014600777", "status": tc.status, "at": "2026-11-25T10:00:00Z", "country": "DE"}}}, nil); resp.StatusCode != http.StatusOK {
				t.Fatalf("tracking %s: %d %s", tc.status, resp.StatusCode, apptest.Body(resp))
			}
			var got returns.Return
			if resp := env.Call("GET", "/api/v1/returns/"+r.ID, op, nil, &got); resp.StatusCode != http.StatusOK || got.Status != tc.want {
				t.Fatalf("after %s: %d status %s, want %s", tc.status, resp.StatusCode, got.Status, tc.want)
			}
		}
	})
}
