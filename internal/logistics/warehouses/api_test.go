package warehouses_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/warehouses"
	"github.com/silkgate/silkgate/internal/platform/web"
)

type problemBody struct {
	Code   string
	Detail string
	Errors []struct{ Field, Code, Message string }
}

func (p problemBody) fields() string {
	var fs []string
	for _, e := range p.Errors {
		fs = append(fs, e.Field)
	}
	return strings.Join(fs, " ")
}

func whBody(code, country string, regions map[string]int) map[string]any {
	var rs []any
	for c, d := range regions {
		rs = append(rs, map[string]any{"country": c, "days": d})
	}
	return map[string]any{"code": code, "name": code + " hub", "operator": "Sample Fulfilment", "country": country,
		"address": map[string]any{"line1": "Hafenstr. 1", "city": "Hamburg", "postcode": "20457"},
		"regions": rs, "connector": "sandbox",
		"fees":   map[string]any{"currency": "EUR", "handling_per_order": "1.20", "handling_per_line": "0.25", "storage": []any{map[string]any{"up_to_days": 0, "per_unit_day": "0.03"}}},
		"alerts": map[string]any{"low_stock": 2, "ageing_days": 120}}
}

func TestWarehouseAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a, b := env.Tenant("Shop A"), env.Tenant("Shop B")
		opA, opB := env.Key(a, identity.Operator, false), env.Key(b, identity.Operator, false)
		viewerA := env.Key(a, identity.Viewer, false)
		sandboxA := env.Key(a, identity.Operator, true)

		// Validation names the fields, in the caller's language.
		var pb problemBody
		bad := whBody("de 1", "XX", map[string]int{"ZZ": 2})
		bad["connector"] = "carrier-pigeon"
		if r := env.Call("POST", "/api/v1/warehouses", opA, bad, &pb); r.StatusCode != 422 ||
			!strings.Contains(pb.fields(), "code") || !strings.Contains(pb.fields(), "country") ||
			!strings.Contains(pb.fields(), "regions[0].country") || !strings.Contains(pb.fields(), "connector") {
			t.Fatalf("invalid warehouse: %d %+v", r.StatusCode, pb)
		}
		if r := env.Call("POST", "/api/v1/warehouses", viewerA, whBody("DE1", "DE", map[string]int{"DE": 1}), nil); r.StatusCode != 403 {
			t.Errorf("viewer create: %d", r.StatusCode)
		}
		var de, gb warehouses.Warehouse
		if r := env.Call("POST", "/api/v1/warehouses", opA, whBody("DE1", "DE", map[string]int{"DE": 1, "FR": 2, "GB": 4}), &de); r.StatusCode != 201 || de.ID == "" {
			t.Fatalf("create: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("POST", "/api/v1/warehouses", opA, whBody("GB1", "GB", map[string]int{"GB": 1, "FR": 3}), &gb); r.StatusCode != 201 {
			t.Fatalf("create: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("POST", "/api/v1/warehouses", opA, whBody("DE1", "DE", map[string]int{"DE": 1}), nil); r.StatusCode != 409 {
			t.Errorf("duplicate: %d", r.StatusCode)
		}
		// Isolation: tenant B and tenant A's sandbox see nothing.
		if r := env.Call("GET", "/api/v1/warehouses/"+de.ID, opB, nil, nil); r.StatusCode != 404 {
			t.Errorf("other tenant get: %d", r.StatusCode)
		}
		if r := env.Call("GET", "/api/v1/warehouses/"+de.ID, sandboxA, nil, nil); r.StatusCode != 404 {
			t.Errorf("sandbox get live: %d", r.StatusCode)
		}
		var list struct{ Items []warehouses.Warehouse }
		if r := env.Call("GET", "/api/v1/warehouses", viewerA, nil, &list); r.StatusCode != 200 || len(list.Items) != 2 {
			t.Errorf("list: %d %d", r.StatusCode, len(list.Items))
		}

		// Inbound into both warehouses through the sandbox operator.
		for _, w := range []warehouses.Warehouse{de, gb} {
			var in warehouses.Inbound
			if r := env.Call("POST", "/api/v1/warehouses/"+w.ID+"/inbound", opA,
				map[string]any{"reference": "PO-1", "lines": []any{map[string]any{"sku": "TOY-1", "quantity": 10}}}, &in); r.StatusCode != 201 {
				t.Fatalf("inbound: %d %s", r.StatusCode, apptest.Body(r))
			}
			if r := env.Call("POST", "/api/v1/warehouses/"+w.ID+"/inbound/"+in.ID+"/in-transit", opA, nil, nil); r.StatusCode != 200 {
				t.Fatalf("in transit: %d %s", r.StatusCode, apptest.Body(r))
			}
			var res warehouses.SyncResult
			if r := env.Call("POST", "/api/v1/warehouses/"+w.ID+"/sync", opA, nil, &res); r.StatusCode != 200 || res.Applied != 1 {
				t.Fatalf("sync: %d %s", r.StatusCode, apptest.Body(r))
			}
		}
		var stock struct{ Items []warehouses.Stock }
		if r := env.Call("GET", "/api/v1/warehouses/stock?sku=TOY-1", viewerA, nil, &stock); r.StatusCode != 200 || len(stock.Items) != 2 ||
			stock.Items[0].Available != 10 || stock.Items[0].InTransit != 0 {
			t.Fatalf("stock: %d %+v", r.StatusCode, stock.Items)
		}

		// A buyer in France: DE1 delivers in 2 days, GB1 in 3.
		var alloc warehouses.Allocation
		if r := env.Call("POST", "/api/v1/warehouses/outbound", opA,
			map[string]any{"country": "FR", "reference": "AMZ-1", "lines": []any{map[string]any{"sku": "TOY-1", "quantity": 4}}}, &alloc); r.StatusCode != 201 {
			t.Fatalf("allocate: %d %s", r.StatusCode, apptest.Body(r))
		}
		if len(alloc.Orders) != 1 || alloc.Orders[0].WarehouseCode != "DE1" || alloc.Orders[0].Handling.Amount != "1.45" || len(alloc.Candidates) != 2 {
			t.Errorf("allocation %+v", alloc)
		}
		// Too much for any one warehouse, and lines are never split.
		if r := env.Call("POST", "/api/v1/warehouses/outbound", opA,
			map[string]any{"country": "FR", "lines": []any{map[string]any{"sku": "TOY-1", "quantity": 11}}}, &pb); r.StatusCode != 409 ||
			pb.Code != "insufficient_stock" || pb.fields() != "lines[0].quantity" {
			t.Errorf("oversell: %d %+v", r.StatusCode, pb)
		}
		var lines problemBody
		r := env.Call("POST", "/api/v1/warehouses/outbound", opA, map[string]any{"country": "FR", "lines": []any{map[string]any{"sku": "", "quantity": 0}}}, &lines)
		if r.StatusCode != 422 || lines.fields() != "lines[0].sku lines[0].quantity" {
			t.Errorf("bad lines: %d %+v", r.StatusCode, lines)
		}
		// From a platform order.
		var ord struct{ ID string }
		if r := env.Call("POST", "/api/v1/orders", opA, map[string]any{"external_id": "AMZ-2", "channel": "amazon-de", "placed_at": "2026-11-20T10:00:00Z",
			"currency": "EUR", "buyer": map[string]any{"name": "J", "email": "j@example.de", "country": "GB"},
			"ship_to": map[string]any{"name": "J", "line1": "1 High St", "city": "London", "postcode": "SW1A 1AA", "country": "GB"},
			"lines":   []any{map[string]any{"sku": "TOY-1", "quantity": 2, "unit_price": map[string]any{"amount": "19.99", "currency": "EUR"}}}}, &ord); r.StatusCode != 201 {
			t.Fatalf("order: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("POST", "/api/v1/warehouses/outbound", opA, map[string]any{"order_id": ord.ID}, &alloc); r.StatusCode != 201 ||
			alloc.Orders[0].WarehouseCode != "GB1" || alloc.Orders[0].Reference != "AMZ-2" {
			t.Fatalf("from order: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("POST", "/api/v1/warehouses/outbound", opA, map[string]any{"order_id": "ord_nothere"}, &pb); r.StatusCode != 422 || pb.fields() != "order_id" {
			t.Errorf("missing order: %d %+v", r.StatusCode, pb)
		}
		gbOrder := alloc.Orders[0]
		if r := env.Call("POST", "/api/v1/warehouses/"+de.ID+"/outbound/"+gbOrder.ID+"/ship", opA, nil, nil); r.StatusCode != 404 {
			t.Errorf("ship through the wrong warehouse: %d", r.StatusCode)
		}
		if r := env.Call("POST", "/api/v1/warehouses/"+gb.ID+"/outbound/"+gbOrder.ID+"/ship", opA, nil, nil); r.StatusCode != 200 {
			t.Errorf("ship: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("POST", "/api/v1/warehouses/"+gb.ID+"/outbound/"+gbOrder.ID+"/cancel", opA, nil, &pb); r.StatusCode != 409 || pb.Code != "warehouse_document_state" {
			t.Errorf("cancel shipped: %d %+v", r.StatusCode, pb)
		}

		// Delta push is idempotent; a snapshot reconciles.
		mv := map[string]any{"movements": []any{map[string]any{"id": "EXT-9", "type": "adjustment", "sku": "TOY-1", "grade": "new", "quantity": -1}}}
		var res warehouses.SyncResult
		if r := env.Call("POST", "/api/v1/warehouses/"+gb.ID+"/movements", opA, mv, &res); r.StatusCode != 200 || res.Applied != 1 {
			t.Errorf("push: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("POST", "/api/v1/warehouses/"+gb.ID+"/movements", opA, mv, &res); r.StatusCode != 200 || res.AlreadySeen != 1 {
			t.Errorf("push again: %d %s", r.StatusCode, apptest.Body(r))
		}
		var rep warehouses.Reconciliation
		if r := env.Call("POST", "/api/v1/warehouses/"+gb.ID+"/snapshots", opA,
			map[string]any{"stock": []any{map[string]any{"sku": "TOY-1", "grade": "new", "on_hand": 5}}}, &rep); r.StatusCode != 201 ||
			len(rep.Mismatches) != 1 || rep.Mismatches[0].Expected != 7 || rep.Mismatches[0].Difference != -2 {
			t.Errorf("snapshot: %d %+v", r.StatusCode, rep)
		}
		if r := env.Call("GET", "/api/v1/warehouses/"+gb.ID+"/reconciliations/"+rep.ID, viewerA, nil, nil); r.StatusCode != 200 {
			t.Errorf("report: %d", r.StatusCode)
		}
		if r := env.Call("GET", "/api/v1/warehouses/"+de.ID+"/reconciliations/"+rep.ID, viewerA, nil, nil); r.StatusCode != 404 {
			t.Errorf("report through the wrong warehouse: %d", r.StatusCode)
		}

		// Returns, fees, alerts.
		var m warehouses.Movement
		if r := env.Call("POST", "/api/v1/warehouses/"+gb.ID+"/returns", opA, map[string]any{"sku": "TOY-1", "grade": "damaged", "quantity": 1, "reference": "RMA-1"}, &m); r.StatusCode != 201 || m.Type != "return" {
			t.Errorf("return: %d %s", r.StatusCode, apptest.Body(r))
		}
		var fee warehouses.Fee
		if r := env.Call("POST", "/api/v1/warehouses/"+gb.ID+"/fees/storage", opA, map[string]any{"date": "2026-11-30"}, &fee); r.StatusCode != 200 || fee.Amount.Amount != "0.18" {
			t.Errorf("storage: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("POST", "/api/v1/warehouses/"+gb.ID+"/fees/storage", opA, map[string]any{"date": "30/11/2026"}, &pb); r.StatusCode != 422 || pb.fields() != "date" {
			t.Errorf("bad date: %d %+v", r.StatusCode, pb)
		}
		var fees struct{ Items []warehouses.Fee }
		if r := env.Call("GET", "/api/v1/warehouses/"+gb.ID+"/fees", viewerA, nil, &fees); r.StatusCode != 200 || len(fees.Items) != 2 {
			t.Errorf("fees: %d %d", r.StatusCode, len(fees.Items))
		}
		// 4 more from GB1 leaves 1 ≤ 2: a low-stock alert.
		if r := env.Call("POST", "/api/v1/warehouses/outbound", opA, map[string]any{"country": "GB", "warehouse_id": gb.ID,
			"lines": []any{map[string]any{"sku": "TOY-1", "quantity": 4}}}, &alloc); r.StatusCode != 201 {
			t.Fatalf("pinned: %d %s", r.StatusCode, apptest.Body(r))
		}
		var alerts struct{ Items []warehouses.Alert }
		if r := env.Call("POST", "/api/v1/warehouses/alerts/check", opA, nil, &alerts); r.StatusCode != 200 || len(alerts.Items) != 1 ||
			alerts.Items[0].Kind != "low_stock" || alerts.Items[0].WarehouseCode != "GB1" {
			t.Errorf("alerts: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("GET", "/api/v1/warehouses/alerts?open=maybe", viewerA, nil, nil); r.StatusCode != 422 {
			t.Errorf("bad open: %d", r.StatusCode)
		}
		var moves struct{ Items []warehouses.Movement }
		if r := env.Call("GET", "/api/v1/warehouses/"+gb.ID+"/movements", viewerA, nil, &moves); r.StatusCode != 200 || len(moves.Items) < 6 {
			t.Errorf("movements: %d %d", r.StatusCode, len(moves.Items))
		}
		if r := env.Call("DELETE", "/api/v1/warehouses/"+gb.ID, opA, nil, &pb); r.StatusCode != 409 || pb.Code != "warehouse_has_history" {
			t.Errorf("delete: %d %+v", r.StatusCode, pb)
		}
		if r := env.Call("POST", "/api/v1/warehouses/"+gb.ID+"/sync", opB, nil, nil); r.StatusCode != 404 {
			t.Errorf("other tenant sync: %d", r.StatusCode)
		}
		if r := env.Call(http.MethodGet, "/api/v1/warehouses/"+gb.ID+"/stock", "", nil, nil); r.StatusCode != 401 {
			t.Errorf("anonymous: %d", r.StatusCode)
		}
	})
}

// TestAlertAcknowledgeAPI acknowledges an open stock alert: roles, tenant
// isolation, the note's limit, a repeat that changes nothing, and a
// resolved alert that cannot be acknowledged.
func TestAlertAcknowledgeAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a, b := env.Tenant("Shop A"), env.Tenant("Shop B")
		opA, opB := env.Key(a, identity.Operator, false), env.Key(b, identity.Operator, false)
		viewerA := env.Key(a, identity.Viewer, false)
		var wh warehouses.Warehouse
		if r := env.Call("POST", "/api/v1/warehouses", opA, whBody("DE1", "DE", map[string]int{"DE": 1}), &wh); r.StatusCode != 201 {
			t.Fatalf("create: %d %s", r.StatusCode, apptest.Body(r))
		}
		// One unit on hand is below the threshold of 2: a low-stock alert.
		if r := env.Call("POST", "/api/v1/warehouses/"+wh.ID+"/adjustments", opA, map[string]any{"sku": "TOY-1", "quantity": 1,
			"reason": "count"}, nil); r.StatusCode != 201 {
			t.Fatalf("adjust: %d %s", r.StatusCode, apptest.Body(r))
		}
		var opened web.List[warehouses.Alert]
		if r := env.Call("POST", "/api/v1/warehouses/alerts/check", opA, nil, &opened); r.StatusCode != 200 || len(opened.Items) != 1 {
			t.Fatalf("check: %d %s", r.StatusCode, apptest.Body(r))
		}
		id := opened.Items[0].ID
		path := "/api/v1/warehouses/alerts/" + id + "/acknowledge"
		var pb problemBody
		for _, tc := range []struct {
			name, key string
			body      any
			status    int
			field     string
		}{
			{"viewer", viewerA, map[string]any{}, 403, ""},
			{"other tenant", opB, map[string]any{}, 404, ""},
			{"long note", opA, map[string]any{"note": strings.Repeat("x", 501)}, 422, "note"},
		} {
			pb = problemBody{}
			if r := env.Call("POST", path, tc.key, tc.body, &pb); r.StatusCode != tc.status || pb.fields() != tc.field {
				t.Errorf("%s: %d %+v", tc.name, r.StatusCode, pb)
			}
		}
		var first, again warehouses.Alert
		if r := env.Call("POST", path, opA, map[string]any{"note": "reorder placed"}, &first); r.StatusCode != 200 ||
			first.AcknowledgedAt == nil || first.AckNote != "reorder placed" || first.AcknowledgedBy == "" {
			t.Fatalf("acknowledge: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("POST", path, opA, map[string]any{"note": "again"}, &again); r.StatusCode != 200 ||
			!again.AcknowledgedAt.Equal(*first.AcknowledgedAt) || again.AckNote != "reorder placed" {
			t.Errorf("acknowledge again: %d %+v", r.StatusCode, again)
		}
		// Restocked: the alert resolves and can no longer be acknowledged.
		if r := env.Call("POST", "/api/v1/warehouses/"+wh.ID+"/adjustments", opA, map[string]any{"sku": "TOY-1", "quantity": 50,
			"reason": "count"}, nil); r.StatusCode != 201 {
			t.Fatalf("restock: %d", r.StatusCode)
		}
		env.Call("POST", "/api/v1/warehouses/alerts/check", opA, nil, nil)
		var all web.List[warehouses.Alert]
		env.Call("GET", "/api/v1/warehouses/alerts", viewerA, nil, &all)
		if len(all.Items) != 1 || all.Items[0].ResolvedAt == nil || all.Items[0].AcknowledgedAt == nil {
			t.Fatalf("alerts after restock: %+v", all.Items)
		}
		pb = problemBody{}
		if r := env.Call("POST", path, opA, map[string]any{}, &pb); r.StatusCode != http.StatusConflict || pb.Code != "warehouse_document_state" {
			t.Errorf("resolved: %d %+v", r.StatusCode, pb)
		}
	})
}
