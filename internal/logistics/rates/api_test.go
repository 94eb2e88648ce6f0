package rates_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/rates"
)

func card(name string) map[string]any {
	return map[string]any{
		"carrier": "DHL", "name": name, "mode": "air", "origin_countries": []string{"CN"},
		"currency": "USD", "volumetric_divisor": 5000, "weight_step_g": 500,
		"zones":      []any{map[string]any{"name": "EU1", "countries": []string{"DE", "FR", "NL"}, "transit_days": map[string]int{"min": 3, "max": 5}}},
		"rates":      []any{map[string]any{"zone": "EU1", "up_to_g": 500, "price": "21.00"}, map[string]any{"zone": "EU1", "up_to_g": 2000, "price": "34.00"}},
		"additional": []any{map[string]any{"zone": "EU1", "above_g": 2000, "per_g": 500, "price": "4.20"}},
		"surcharges": []any{map[string]any{"type": "fuel", "percent": "18.5"},
			map[string]any{"type": "remote_area", "amount": "25.00", "postcodes": map[string][]string{"DE": {"18565"}}}},
		"limits":                   map[string]int{"max_weight_g": 70000, "max_side_mm": 1200},
		"dangerous_goods_accepted": []string{"UN3481", "UN3091"},
	}
}

const rateRequest = `{"origin": {"country": "CN", "postcode": "518000"}, "destination": {"country": "DE", "postcode": "10115"},
 "parcels": [{"weight_g": 1200, "dims_mm": [300, 200, 150]}],
 "goods": {"value": {"amount": "80.00", "currency": "USD"}, "dangerous_goods": ["UN3481"]},
 "preference": {"cost": 0.5, "time": 0.3, "quality": 0.2}}`

type problemBody struct {
	Code   string
	Errors []struct{ Field, Code string }
}

func (p problemBody) fields() string {
	var fs []string
	for _, e := range p.Errors {
		fs = append(fs, e.Field)
	}
	return strings.Join(fs, " ")
}

func TestAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a, b := env.Tenant("Shop A"), env.Tenant("Shop B")
		opA, opB := env.Key(a, identity.TenantAdmin, false), env.Key(b, identity.TenantAdmin, false)
		viewerA := env.Key(a, identity.Viewer, false)
		sandboxA := env.Key(a, identity.TenantAdmin, true)
		admin := env.Session("", identity.PlatformAdmin)

		// The platform publishes a shared service; both tenants see it.
		var shared rates.CarrierService
		if r := env.Call("POST", "/api/v1/logistics/shared-services", admin, card("Express Worldwide"), &shared); r.StatusCode != 201 || !shared.Shared {
			t.Fatalf("shared create: %d %s", r.StatusCode, apptest.Body(r))
		}
		// A tenant cannot publish one, nor change it.
		if r := env.Call("POST", "/api/v1/logistics/shared-services", opA, card("X"), nil); r.StatusCode != 403 {
			t.Errorf("tenant publishing shared: %d", r.StatusCode)
		}
		if r := env.Call("PUT", "/api/v1/logistics/services/"+shared.ID, opA, card("Hijacked"), nil); r.StatusCode != 403 {
			t.Errorf("tenant replacing shared: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("DELETE", "/api/v1/logistics/services/"+shared.ID, opA, nil, nil); r.StatusCode != 403 {
			t.Errorf("tenant deleting shared: %d", r.StatusCode)
		}

		// Tenant A negotiates its own, cheaper service.
		own := card("Express Worldwide (negotiated)")
		own["rates"] = []any{map[string]any{"zone": "EU1", "up_to_g": 2000, "price": "19.00"}}
		var mine rates.CarrierService
		if r := env.Call("POST", "/api/v1/logistics/services", opA, own, &mine); r.StatusCode != 201 || mine.Shared {
			t.Fatalf("own create: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("POST", "/api/v1/logistics/services", opA, own, nil); r.StatusCode != 409 {
			t.Errorf("duplicate name: %d", r.StatusCode)
		}
		if r := env.Call("POST", "/api/v1/logistics/services", viewerA, own, nil); r.StatusCode != 403 {
			t.Errorf("viewer create: %d", r.StatusCode)
		}

		list := func(key string) []string {
			var l struct{ Items []rates.CarrierService }
			if r := env.Call("GET", "/api/v1/logistics/services", key, nil, &l); r.StatusCode != 200 {
				t.Fatalf("list: %d", r.StatusCode)
			}
			var out []string
			for _, c := range l.Items {
				out = append(out, c.Name)
			}
			return out
		}
		if got := strings.Join(list(viewerA), "|"); !strings.Contains(got, "negotiated") || !strings.Contains(got, "Express Worldwide") {
			t.Errorf("A sees %s", got)
		}
		if got := strings.Join(list(opB), "|"); got != "Express Worldwide" {
			t.Errorf("B sees %q", got)
		}
		if got := strings.Join(list(sandboxA), "|"); got != "Express Worldwide" {
			t.Errorf("A's sandbox sees %q", got)
		}
		if r := env.Call("GET", "/api/v1/logistics/services/"+mine.ID, opB, nil, nil); r.StatusCode != 404 {
			t.Errorf("B reads A's service: %d", r.StatusCode)
		}
		if r := env.Call("PUT", "/api/v1/logistics/services/"+mine.ID, opB, own, nil); r.StatusCode != 404 {
			t.Errorf("B replaces A's service: %d", r.StatusCode)
		}
		if r := env.Call("GET", "/api/v1/logistics/services/"+shared.ID, opB, nil, nil); r.StatusCode != 200 {
			t.Errorf("B reads shared: %d", r.StatusCode)
		}

		// Comparison: A gets both offers, its negotiated one first; B only the shared one.
		var res rates.Result
		if r := env.Call("POST", "/api/v1/logistics/rates", viewerA, rateRequest, &res); r.StatusCode != 200 {
			t.Fatalf("rates: %d %s", r.StatusCode, apptest.Body(r))
		}
		if len(res.Offers) != 2 || res.Offers[0].ServiceID != mine.ID || res.Offers[1].ChargeableWeightG != 2000 {
			t.Fatalf("A offers %+v", res.Offers)
		}
		if p := res.Offers[1].Price; p.Amount != "40.29" || p.Currency != "USD" {
			t.Errorf("shared price %+v", p)
		}
		if len(res.Offers[0].Explain) != 3 {
			t.Errorf("explain %+v", res.Offers[0].Explain)
		}
		if r := env.Call("POST", "/api/v1/logistics/rates", opB, rateRequest, &res); r.StatusCode != 200 || len(res.Offers) != 1 {
			t.Errorf("B offers %d %+v", r.StatusCode, res.Offers)
		}
		// Nothing can carry it: an empty list with every reason, not an error.
		heavy := strings.Replace(rateRequest, `"weight_g": 1200`, `"weight_g": 80000`, 1)
		if r := env.Call("POST", "/api/v1/logistics/rates", opB, heavy, &res); r.StatusCode != 200 || len(res.Offers) != 0 ||
			len(res.Excluded) != 1 || res.Excluded[0].Reason != rates.ReasonWeight {
			t.Errorf("heavy: %d %+v", r.StatusCode, res)
		}

		// Bad input names its fields.
		var pb problemBody
		bad := strings.NewReplacer(`"weight_g": 1200`, `"weight_g": 0`, `"postcode": "10115"`, `"postcode": "1O115"`).Replace(rateRequest)
		if r := env.Call("POST", "/api/v1/logistics/rates", opA, bad, &pb); r.StatusCode != 422 ||
			!strings.Contains(pb.fields(), "parcels[0].weight_g") || !strings.Contains(pb.fields(), "destination.postcode") {
			t.Errorf("bad request: %d %s", r.StatusCode, pb.fields())
		}
		badCard := card("Broken")
		badCard["currency"] = "XYZ"
		badCard["zones"] = []any{map[string]any{"name": "EU1", "countries": []string{"DE"}, "transit_days": map[string]int{"min": 5, "max": 3}}}
		pb = problemBody{}
		if r := env.Call("POST", "/api/v1/logistics/services", opA, badCard, &pb); r.StatusCode != 422 ||
			!strings.Contains(pb.fields(), "currency") || !strings.Contains(pb.fields(), "zones[0].transit_days.max") {
			t.Errorf("bad card: %d %s", r.StatusCode, pb.fields())
		}

		// Replace and delete the tenant's own.
		own["name"] = "Renamed"
		own["version"] = 1
		var replaced rates.CarrierService
		if r := env.Call("PUT", "/api/v1/logistics/services/"+mine.ID, opA, own, &replaced); r.StatusCode != 200 || replaced.Version != 2 || replaced.Name != "Renamed" {
			t.Errorf("replace: %d %+v", r.StatusCode, replaced)
		}
		if r := env.Call("PUT", "/api/v1/logistics/services/"+mine.ID, opA, own, nil); r.StatusCode != 409 {
			t.Errorf("stale replace: %d", r.StatusCode)
		}
		if r := env.Call("DELETE", "/api/v1/logistics/services/"+mine.ID, opA, nil, nil); r.StatusCode != 204 {
			t.Errorf("delete: %d", r.StatusCode)
		}
		if r := env.Call("DELETE", "/api/v1/logistics/shared-services/"+shared.ID, admin, nil, nil); r.StatusCode != 204 {
			t.Errorf("withdraw shared: %d", r.StatusCode)
		}
		if got := list(opB); len(got) != 0 {
			t.Errorf("after withdrawal B sees %v", got)
		}
	})
}

func TestAPIXML(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a := env.Tenant("Shop")
		admin := env.Session("", identity.PlatformAdmin)
		// The contract's form: a platform administrator publishes a shared
		// service through POST /api/v1/logistics/services.
		var shared rates.CarrierService
		if r := env.Call("POST", "/api/v1/logistics/services", admin, card("Express"), &shared); r.StatusCode != 201 || !shared.Shared {
			t.Fatalf("create: %d shared=%v", r.StatusCode, shared.Shared)
		}
		// Operators use services; tenant administrators manage them.
		if r := env.Call("POST", "/api/v1/logistics/services", env.Key(a, identity.Operator, false), card("Mine"), nil); r.StatusCode != 403 {
			t.Fatalf("operator added a service: %d", r.StatusCode)
		}
		req, _ := http.NewRequest("POST", env.Server.URL+"/api/v1/logistics/rates", strings.NewReader(rateRequest))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/xml")
		req.Header.Set("Authorization", "Bearer "+env.Key(a, identity.Viewer, false))
		resp, err := env.Server.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := apptest.Body(resp)
		if resp.StatusCode != 200 || !strings.Contains(body, "<chargeable_weight_g>2000</chargeable_weight_g>") {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
		xmlReq := `<rate_request><origin><country>CN</country></origin><destination><country>DE</country><postcode>10115</postcode></destination>` +
			`<parcels><parcel><weight_g>1200</weight_g><dims_mm><dims_mm>300</dims_mm><dims_mm>200</dims_mm><dims_mm>150</dims_mm></dims_mm></parcel></parcels>` +
			`<goods><value><amount>80.00</amount><currency>USD</currency></value></goods><preference>fastest</preference></rate_request>`
		req, _ = http.NewRequest("POST", env.Server.URL+"/api/v1/logistics/rates", strings.NewReader(xmlReq))
		req.Header.Set("Content-Type", "application/xml")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "Bearer "+env.Key(a, identity.Viewer, false))
		resp, err = env.Server.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var res rates.Result
		body = apptest.Body(resp)
		if err := json.Unmarshal([]byte(body), &res); resp.StatusCode != 200 || err != nil || len(res.Offers) != 1 || res.Preference.Preset != "fastest" {
			t.Errorf("XML request: %d %s", resp.StatusCode, body)
		}
	})
}

func TestSeedSamples(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		for i, want := range []int{4, 0} {
			n, err := env.App.Rates.SeedSamples(env.Ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Errorf("seed %d: added %d, want %d", i, n, want)
			}
		}
	})
}

func TestCSVAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a, b := env.Tenant("Shop A"), env.Tenant("Shop B")
		opA, opB := env.Key(a, identity.TenantAdmin, false), env.Key(b, identity.TenantAdmin, false)
		var mine rates.CarrierService
		if r := env.Call("POST", "/api/v1/logistics/services", opA, card("Own"), &mine); r.StatusCode != 201 {
			t.Fatalf("create: %d", r.StatusCode)
		}
		send := func(method, path, key, ctype, body string) (*http.Response, string) {
			req, _ := http.NewRequest(method, env.Server.URL+path, strings.NewReader(body))
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := env.Server.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			return resp, apptest.Body(resp)
		}
		r, tmpl := send("GET", "/api/v1/logistics/services/template.csv", opA, "", "")
		if r.StatusCode != 200 || !strings.HasPrefix(tmpl, "\uFEFFrecord,zone,") {
			t.Fatalf("template: %d %q", r.StatusCode, tmpl)
		}
		// A bad row rejects the whole file and names row and column.
		bad := strings.Replace(tmpl, "band,EU1,,,,,500", "band,EU1,,,,,abc", 1)
		r, body := send("PUT", "/api/v1/logistics/services/"+mine.ID+"/rates.csv", opA, "text/csv", bad)
		if r.StatusCode != 200 || !strings.Contains(body, `"applied":false`) || !strings.Contains(body, `"row":4,"column":"up_to_g"`) {
			t.Errorf("bad file: %d %s", r.StatusCode, body)
		}
		// The validated card's errors point at rows too.
		bad = strings.Replace(tmpl, "band,EU1,,,,,2000,,,34.00", "band,EU1,,,,,400,,,34.00", 1)
		r, body = send("PUT", "/api/v1/logistics/services/"+mine.ID+"/rates.csv", opA, "text/csv", bad)
		if !strings.Contains(body, `"row":5,"column":"up_to_g","field":"rates[1].up_to_g"`) {
			t.Errorf("card error: %d %s", r.StatusCode, body)
		}
		r, body = send("PUT", "/api/v1/logistics/services/"+mine.ID+"/rates.csv", opA, "text/csv", tmpl)
		if r.StatusCode != 200 || !strings.Contains(body, `"applied":true`) {
			t.Fatalf("import: %d %s", r.StatusCode, body)
		}
		var got rates.CarrierService
		env.Call("GET", "/api/v1/logistics/services/"+mine.ID, opA, nil, &got)
		if len(got.Zones) != 2 || got.Version != 2 || got.Zones[1].Postcodes["DE"][0] != "185*" {
			t.Errorf("stored %+v", got.Zones)
		}
		r, exported := send("GET", "/api/v1/logistics/services/"+mine.ID+"/rates.csv", opA, "", "")
		if r.StatusCode != 200 || exported != tmpl {
			t.Errorf("export %d:\n%s", r.StatusCode, exported)
		}
		// Another tenant cannot read or replace it.
		if r, _ := send("GET", "/api/v1/logistics/services/"+mine.ID+"/rates.csv", opB, "", ""); r.StatusCode != 404 {
			t.Errorf("B export: %d", r.StatusCode)
		}
		if r, _ := send("PUT", "/api/v1/logistics/services/"+mine.ID+"/rates.csv", opB, "text/csv", tmpl); r.StatusCode != 404 {
			t.Errorf("B import: %d", r.StatusCode)
		}
	})
}

func TestAPIConvertsAtReferenceRates(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a := env.Tenant("Shop")
		op := env.Key(a, identity.TenantAdmin, false)
		cny := card("ePacket")
		cny["currency"] = "CNY"
		cny["rates"] = []any{map[string]any{"zone": "EU1", "up_to_g": 2000, "price": "148.00"}}
		cny["additional"] = []any{}
		cny["surcharges"] = []any{}
		if r := env.Call("POST", "/api/v1/logistics/services", op, cny, nil); r.StatusCode != 201 {
			t.Fatalf("create: %d %s", r.StatusCode, apptest.Body(r))
		}
		var res rates.Result
		// No reference rates loaded: the CNY offer cannot be compared in USD.
		if r := env.Call("POST", "/api/v1/logistics/rates", op, rateRequest, &res); r.StatusCode != 200 ||
			len(res.Offers) != 0 || res.Excluded[0].Reason != rates.ReasonFX {
			t.Fatalf("without rates: %d %+v", r.StatusCode, res)
		}
		if _, err := env.App.FX.SeedSamples(env.Ctx); err != nil {
			t.Fatal(err)
		}
		if r := env.Call("POST", "/api/v1/logistics/rates", op, rateRequest, &res); r.StatusCode != 200 || len(res.Offers) != 1 {
			t.Fatalf("with rates: %d %+v", r.StatusCode, res)
		}
		o := res.Offers[0]
		if o.Price.Currency != "USD" || o.CardPrice.Amount != "148.00" || o.FX == nil || o.FX.Rate == "" || o.FX.From != "CNY" {
			t.Errorf("offer %+v fx %+v", o.Price, o.FX)
		}
	})
}
