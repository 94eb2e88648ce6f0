package catalog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// contractProduct is the product of the contract's example.
const contractProduct = `{"sku": "TOY-001", "title": {"zh-CN": "积木玩具", "en": "Building blocks"},
 "category": "toys", "hs_code": "950300", "materials": ["ABS plastic"],
 "attributes": {"age_min_months": 36}, "origin_country": "CN",
 "unit_value": {"amount": "12.50", "currency": "USD"}, "weight_g": 350, "dims_mm": [200, 150, 80],
 "battery": {"chemistry": "li-ion", "wh": 7.4, "packing": "contained_in_equipment"},
 "certifications": ["CE", "EN71"], "labels": ["CE", "age_warning"], "markets": ["EU", "US"]}`

type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// call sends body (string or []byte) with the given content type and
// extra headers ("Name: value").
func call(t *testing.T, env *apptest.Env, method, path, key, ctype string, body any, headers ...string) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case nil:
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, env.Server.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	res, err := env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

func create(t *testing.T, env *apptest.Env, key string, body any) catalog.Product {
	t.Helper()
	r := call(t, env, "POST", "/api/v1/products", key, "application/json", body)
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var p catalog.Product
	r.json(t, &p)
	return p
}

func product(sku string, mod func(m map[string]any)) map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(contractProduct), &m); err != nil {
		panic(err)
	}
	m["sku"] = sku
	if mod != nil {
		mod(m)
	}
	return m
}

type problemDoc struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

func TestProductLifecycle(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Yiwu Toys")
		op := env.Key(tenant, identity.Operator, false)
		viewer := env.Key(tenant, identity.Viewer, false)

		r := call(t, env, "POST", "/api/v1/products", op, "application/json", contractProduct)
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		var p catalog.Product
		r.json(t, &p)
		if !strings.HasPrefix(p.ID, "prd_") || p.Version != 1 || p.CreatedAt.IsZero() || !p.CreatedAt.Equal(p.UpdatedAt) {
			t.Errorf("platform fields: %+v", p)
		}
		if r.Header.Get("Location") != "/api/v1/products/"+p.ID || r.Header.Get("ETag") != `"1"` {
			t.Errorf("headers: Location %q ETag %q", r.Header.Get("Location"), r.Header.Get("ETag"))
		}
		// The contract's shape comes back as sent.
		var sent, got map[string]any
		json.Unmarshal([]byte(contractProduct), &sent)
		r.json(t, &got)
		for k, v := range sent {
			if d := cmp.Diff(v, got[k]); d != "" {
				t.Errorf("%s differs (-sent +got):\n%s", k, d)
			}
		}

		// Read by id, by viewer.
		g := call(t, env, "GET", "/api/v1/products/"+p.ID, viewer, "", nil)
		var p2 catalog.Product
		g.json(t, &p2)
		if g.Status != 200 || !cmp.Equal(p, p2) {
			t.Errorf("get: %d %s", g.Status, cmp.Diff(p, p2))
		}

		// More products for the filters.
		create(t, env, op, product("PHN-CASE-7", func(m map[string]any) {
			m["title"] = map[string]any{"en": "Phone case, silicone"}
			m["category"], m["hs_code"], m["markets"] = "phone accessories", "3926.90.97", []string{"SG", "MY"}
			delete(m, "battery")
		}))
		create(t, env, op, product("LAMP-1", func(m map[string]any) {
			m["title"] = map[string]any{"zh-CN": "台灯", "en": "Desk LAMP"}
			m["category"], m["hs_code"], m["markets"] = "electronics", "940520", []string{"EU"}
		}))

		list := func(query string) []string {
			t.Helper()
			r := call(t, env, "GET", "/api/v1/products"+query, viewer, "", nil)
			if r.Status != 200 {
				t.Fatalf("list %s: %d %s", query, r.Status, r.Body)
			}
			var l web.List[catalog.Product]
			r.json(t, &l)
			var skus []string
			for _, p := range l.Items {
				skus = append(skus, p.SKU)
			}
			return skus
		}
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"", []string{"LAMP-1", "PHN-CASE-7", "TOY-001"}},
			{"?sku=LAMP-1", []string{"LAMP-1"}},
			{"?sku=lamp-1", nil},
			{"?q=lamp", []string{"LAMP-1"}},
			{"?q=" + url.QueryEscape("积木"), []string{"TOY-001"}},
			{"?q=BLOCKS", []string{"TOY-001"}},
			{"?q=toy-0", []string{"TOY-001"}},
			{"?q=" + url.QueryEscape("%"), nil},
			{"?q=" + url.QueryEscape("case,"), []string{"PHN-CASE-7"}},
			{"?category=electronics", []string{"LAMP-1"}},
			{"?market=eu", []string{"LAMP-1", "TOY-001"}},
			{"?market=MY", []string{"PHN-CASE-7"}},
			{"?hs_code=95", []string{"TOY-001"}},
			{"?hs_code=3926.90", []string{"PHN-CASE-7"}},
			{"?market=EU&category=toys", []string{"TOY-001"}},
		} {
			if got := list(tc.query); !cmp.Equal(got, tc.want) {
				t.Errorf("list%s = %v, want %v", tc.query, got, tc.want)
			}
		}
		// Bad filters are named.
		r = call(t, env, "GET", "/api/v1/products?market=XX1&hs_code=abc&limit=0", viewer, "", nil)
		var pd problemDoc
		r.json(t, &pd)
		if r.Status != 422 || len(pd.Errors) != 3 {
			t.Errorf("bad filters: %d %s", r.Status, r.Body)
		}

		// Pages.
		var seen []string
		cursor := ""
		for range 5 {
			r := call(t, env, "GET", "/api/v1/products?limit=1&cursor="+cursor, viewer, "", nil)
			var l web.List[catalog.Product]
			r.json(t, &l)
			for _, p := range l.Items {
				seen = append(seen, p.SKU)
			}
			if cursor = l.NextCursor; cursor == "" {
				break
			}
		}
		if want := []string{"LAMP-1", "PHN-CASE-7", "TOY-001"}; !cmp.Equal(seen, want) {
			t.Errorf("paged: %v", seen)
		}

		// Full replace with If-Match.
		upd := product("TOY-001", func(m map[string]any) {
			m["weight_g"] = 360
			delete(m, "battery")
		})
		r = call(t, env, "PUT", "/api/v1/products/"+p.ID, op, "application/json", upd, `If-Match: "1"`)
		var u catalog.Product
		r.json(t, &u)
		if r.Status != 200 || u.Version != 2 || *u.WeightG != 360 || u.Battery != nil || u.ID != p.ID ||
			!u.CreatedAt.Equal(p.CreatedAt) || !u.UpdatedAt.After(p.UpdatedAt) || r.Header.Get("ETag") != `"2"` {
			t.Errorf("replace: %d %s", r.Status, r.Body)
		}
		// The same body again changes nothing and keeps the version.
		r = call(t, env, "PUT", "/api/v1/products/"+p.ID, op, "application/json", upd)
		r.json(t, &u)
		if r.Status != 200 || u.Version != 2 {
			t.Errorf("no-op replace: %d version %d", r.Status, u.Version)
		}
		// A stale If-Match is 412, a stale body version 409; neither writes.
		upd["weight_g"] = 999
		r = call(t, env, "PUT", "/api/v1/products/"+p.ID, op, "application/json", upd, `If-Match: "1"`)
		r.json(t, &pd)
		if r.Status != 412 || pd.Code != "precondition_failed" {
			t.Errorf("stale If-Match: %d %s", r.Status, r.Body)
		}
		upd["version"] = 1
		r = call(t, env, "PUT", "/api/v1/products/"+p.ID, op, "application/json", upd)
		r.json(t, &pd)
		if r.Status != 409 || pd.Code != "version_conflict" || len(pd.Errors) != 1 || pd.Errors[0].Field != "version" {
			t.Errorf("stale version: %d %s", r.Status, r.Body)
		}
		// A whole GET body, version included, goes back as a PUT.
		r = call(t, env, "GET", "/api/v1/products/"+p.ID, op, "", nil)
		var whole map[string]any
		r.json(t, &whole)
		whole["category"] = "building toys"
		r = call(t, env, "PUT", "/api/v1/products/"+p.ID, op, "application/json", whole)
		r.json(t, &u)
		if r.Status != 200 || u.Version != 3 || u.Category != "building toys" {
			t.Errorf("round-trip replace: %d %s", r.Status, r.Body)
		}
		// Renaming onto a taken SKU is a conflict.
		whole["sku"], whole["version"] = "LAMP-1", 3
		if r = call(t, env, "PUT", "/api/v1/products/"+p.ID, op, "application/json", whole); r.Status != 409 {
			t.Errorf("rename onto taken SKU: %d %s", r.Status, r.Body)
		}

		// Viewers cannot write.
		if r = call(t, env, "DELETE", "/api/v1/products/"+p.ID, viewer, "", nil); r.Status != 403 {
			t.Errorf("viewer delete: %d", r.Status)
		}
		if r = call(t, env, "DELETE", "/api/v1/products/"+p.ID, op, "", nil, `If-Match: "2"`); r.Status != 412 {
			t.Errorf("stale delete: %d", r.Status)
		}
		if r = call(t, env, "DELETE", "/api/v1/products/"+p.ID, op, "", nil); r.Status != 204 {
			t.Errorf("delete: %d %s", r.Status, r.Body)
		}
		if r = call(t, env, "GET", "/api/v1/products/"+p.ID, op, "", nil); r.Status != 404 {
			t.Errorf("get deleted: %d", r.Status)
		}
		if r = call(t, env, "DELETE", "/api/v1/products/"+p.ID, op, "", nil); r.Status != 404 {
			t.Errorf("delete again: %d", r.Status)
		}

		// Every write left its own audit record.
		for _, action := range []string{"product.create", "product.update", "product.delete"} {
			if n := auditCount(t, env, action); n == 0 {
				t.Errorf("no %s audit record", action)
			}
		}
	})
}

func auditCount(t *testing.T, env *apptest.Env, action string) int {
	t.Helper()
	var n int
	ctx := context.Background()
	if err := env.App.DB.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = $1`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestProductValidation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		op := env.Key(env.Tenant("Validation Ltd"), identity.Operator, false)
		for _, tc := range []struct {
			name  string
			mod   func(m map[string]any)
			field string
			code  string
		}{
			{"no sku", func(m map[string]any) { m["sku"] = "  " }, "sku", "required"},
			{"sku too long", func(m map[string]any) { m["sku"] = strings.Repeat("X", 101) }, "sku", "max_length"},
			{"sku control char", func(m map[string]any) { m["sku"] = "A\x01B" }, "sku", "control_characters"},
			{"no title", func(m map[string]any) { delete(m, "title") }, "title", "required"},
			{"title only german", func(m map[string]any) { m["title"] = map[string]any{"de": "Bausteine"} }, "title", "title_language"},
			{"title empty text", func(m map[string]any) { m["title"] = map[string]any{"en": " ", "zh-CN": "积木"} }, "title.en", "required"},
			{"title bad language", func(m map[string]any) { m["title"] = map[string]any{"en": "x", "not a tag!": "y"} }, "title.not a tag!", "invalid_language"},
			{"title twice", func(m map[string]any) { m["title"] = map[string]any{"zh": "积木", "zh-CN": "积木"} }, "title.zh-CN", "duplicate"},
			{"hs code short", func(m map[string]any) { m["hs_code"] = "9503" }, "hs_code", "invalid_hs_code"},
			{"hs code 7 digits", func(m map[string]any) { m["hs_code"] = "9503001" }, "hs_code", "invalid_hs_code"},
			{"hs code letters", func(m map[string]any) { m["hs_code"] = "95O300" }, "hs_code", "invalid_hs_code"},
			{"country", func(m map[string]any) { m["origin_country"] = "XX" }, "origin_country", "invalid_country"},
			{"country EU", func(m map[string]any) { m["origin_country"] = "EU" }, "origin_country", "invalid_country"},
			{"currency", func(m map[string]any) { m["unit_value"] = map[string]any{"amount": "1.00", "currency": "XYZ"} }, "unit_value.currency", "invalid_currency"},
			{"no currency", func(m map[string]any) { m["unit_value"] = map[string]any{"amount": "1.00", "currency": ""} }, "unit_value.currency", "required"},
			{"amount digits", func(m map[string]any) { m["unit_value"] = map[string]any{"amount": "1.005", "currency": "USD"} }, "unit_value.amount", "too_precise"},
			{"yen decimals", func(m map[string]any) { m["unit_value"] = map[string]any{"amount": "100.5", "currency": "JPY"} }, "unit_value.amount", "too_precise"},
			{"amount text", func(m map[string]any) { m["unit_value"] = map[string]any{"amount": "twelve", "currency": "USD"} }, "unit_value.amount", "invalid_amount"},
			{"amount negative", func(m map[string]any) { m["unit_value"] = map[string]any{"amount": "-1.00", "currency": "USD"} }, "unit_value.amount", "negative_amount"},
			{"amount zero", func(m map[string]any) { m["unit_value"] = map[string]any{"amount": "0.00", "currency": "USD"} }, "unit_value.amount", "positive"},
			{"weight zero", func(m map[string]any) { m["weight_g"] = 0 }, "weight_g", "positive"},
			{"weight negative", func(m map[string]any) { m["weight_g"] = -5 }, "weight_g", "positive"},
			{"weight huge", func(m map[string]any) { m["weight_g"] = 5_000_000 }, "weight_g", "out_of_range"},
			{"weight fraction", func(m map[string]any) { m["weight_g"] = 350.5 }, "weight_g", "invalid_type"},
			{"weight text", func(m map[string]any) { m["weight_g"] = "350" }, "weight_g", "invalid_type"},
			{"two dims", func(m map[string]any) { m["dims_mm"] = []int{200, 150} }, "dims_mm", "item_count"},
			{"height zero", func(m map[string]any) { m["dims_mm"] = []int{200, 150, 0} }, "dims_mm[2]", "positive"},
			{"width negative", func(m map[string]any) { m["dims_mm"] = []int{200, -1, 80} }, "dims_mm[1]", "positive"},
			{"battery no wh", func(m map[string]any) {
				m["battery"] = map[string]any{"chemistry": "li-ion", "packing": "standalone"}
			}, "battery.wh", "required"},
			{"battery wh zero", func(m map[string]any) {
				m["battery"] = map[string]any{"chemistry": "li-ion", "wh": 0, "packing": "standalone"}
			}, "battery.wh", "positive"},
			{"battery chemistry", func(m map[string]any) {
				m["battery"] = map[string]any{"chemistry": "plutonium", "wh": 1, "packing": "standalone"}
			}, "battery.chemistry", "one_of"},
			{"battery packing", func(m map[string]any) {
				m["battery"] = map[string]any{"chemistry": "nimh", "packing": "loose"}
			}, "battery.packing", "one_of"},
			{"battery unknown field", func(m map[string]any) {
				m["battery"] = map[string]any{"chemistry": "nimh", "packing": "standalone", "volts": 3}
			}, "battery.volts", "unknown_field"},
			{"market", func(m map[string]any) { m["markets"] = []string{"EU", "ATLANTIS"} }, "markets[1]", "invalid_market"},
			{"blank material", func(m map[string]any) { m["materials"] = []string{"ABS", ""} }, "materials[1]", "required"},
			{"too many labels", func(m map[string]any) { m["labels"] = make([]string, 51) }, "labels", "max_items"},
			{"nested attribute", func(m map[string]any) { m["attributes"] = map[string]any{"size": map[string]any{"w": 1}} }, "attributes.size", "attribute_value"},
			{"unknown field", func(m map[string]any) { m["colour"] = "red" }, "colour", "unknown_field"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := call(t, env, "POST", "/api/v1/products", op, "application/json", product("V-1", tc.mod))
				var pd problemDoc
				r.json(t, &pd)
				if r.Status != 422 {
					t.Fatalf("status %d: %s", r.Status, r.Body)
				}
				found := false
				for _, e := range pd.Errors {
					if e.Field == tc.field && e.Code == tc.code {
						found = true
					}
				}
				if !found {
					t.Errorf("want %s %s, got %s", tc.field, tc.code, r.Body)
				}
			})
		}
		// Several bad fields are named together.
		r := call(t, env, "POST", "/api/v1/products", op, "application/json", product("V-2", func(m map[string]any) {
			m["weight_g"], m["hs_code"], m["dims_mm"] = 0, "12", []int{1, 2, 0}
		}))
		var pd problemDoc
		r.json(t, &pd)
		if len(pd.Errors) != 3 {
			t.Errorf("want three errors, got %s", r.Body)
		}
		// In Chinese when asked.
		r = call(t, env, "POST", "/api/v1/products", op, "application/json", product("V-3", func(m map[string]any) { m["weight_g"] = 0 }),
			"Accept-Language: zh-CN")
		r.json(t, &pd)
		if len(pd.Errors) != 1 || pd.Errors[0].Message != "必须大于零。" {
			t.Errorf("zh message: %s", r.Body)
		}
		// Normalisation: dots out of HS codes, codes upper-cased, money to
		// minor units, lists without repeats.
		p := create(t, env, op, product("N-1", func(m map[string]any) {
			m["hs_code"], m["origin_country"], m["markets"] = "9503.00.90", "cn", []string{"eu", "EU", "sg"}
			m["unit_value"] = map[string]any{"amount": "12.5", "currency": "usd"}
			m["title"] = map[string]any{"zh-Hans": " 积木 ", "en": "Blocks"}
		}))
		if p.HSCode != "95030090" || p.OriginCountry != "CN" || !cmp.Equal(p.Markets, []string{"EU", "SG"}) ||
			p.UnitValue.Amount != "12.50" || p.UnitValue.Currency != "USD" || p.Title["zh-CN"] != "积木" {
			t.Errorf("normalised: %+v", p)
		}
		// Only sku and title are required.
		p = create(t, env, op, map[string]any{"sku": "MIN-1", "title": map[string]any{"en": "Minimal"}})
		if p.Materials == nil || p.Attributes == nil || p.Markets == nil {
			t.Errorf("minimal product lacks empty collections: %+v", p)
		}
	})
}

func TestDuplicateSKU(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Dup Ltd")
		live := env.Key(tenant, identity.Operator, false)
		create(t, env, live, contractProduct)
		r := call(t, env, "POST", "/api/v1/products", live, "application/json", contractProduct)
		var pd problemDoc
		r.json(t, &pd)
		if r.Status != 409 || pd.Code != "duplicate" || len(pd.Errors) != 1 || pd.Errors[0].Field != "sku" {
			t.Errorf("duplicate: %d %s", r.Status, r.Body)
		}
		// Another tenant, and the sandbox, have SKUs of their own.
		create(t, env, env.Key(env.Tenant("Other Ltd"), identity.Operator, false), contractProduct)
		create(t, env, env.Key(tenant, identity.Operator, true), contractProduct)
	})
}

func TestSandboxSeesOnlySandbox(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Sandbox Ltd")
		live := env.Key(tenant, identity.Operator, false)
		test := env.Key(tenant, identity.Operator, true)
		lp := create(t, env, live, product("LIVE-1", nil))
		tp := create(t, env, test, product("TEST-1", nil))
		for _, tc := range []struct {
			key, mine, theirs string
		}{{live, lp.ID, tp.ID}, {test, tp.ID, lp.ID}} {
			r := call(t, env, "GET", "/api/v1/products", tc.key, "", nil)
			var l web.List[catalog.Product]
			r.json(t, &l)
			if len(l.Items) != 1 || l.Items[0].ID != tc.mine {
				t.Errorf("list: %s", r.Body)
			}
			for _, m := range []string{"GET", "DELETE"} {
				if r := call(t, env, m, "/api/v1/products/"+tc.theirs, tc.key, "", nil); r.Status != 404 {
					t.Errorf("%s other side: %d", m, r.Status)
				}
			}
			if r := call(t, env, "PUT", "/api/v1/products/"+tc.theirs, tc.key, "application/json", product("X", nil)); r.Status != 404 {
				t.Errorf("PUT other side: %d", r.Status)
			}
			r = call(t, env, "GET", "/api/v1/products/export.csv", tc.key, "", nil)
			if strings.Contains(string(r.Body), tc.theirs) || !strings.Contains(string(r.Body), tc.mine) {
				t.Errorf("export mixes sides: %s", r.Body)
			}
		}
	})
}

func TestOtherTenantsProductsAreInvisible(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a := env.Key(env.Tenant("Alpha Ltd"), identity.TenantOwner, false)
		b := env.Key(env.Tenant("Beta Ltd"), identity.TenantOwner, false)
		pb := create(t, env, b, product("BETA-SECRET-1", nil))
		for _, path := range []string{"/api/v1/products", "/api/v1/products?q=beta", "/api/v1/products?sku=BETA-SECRET-1",
			"/api/v1/products/export.csv"} {
			if r := call(t, env, "GET", path, a, "", nil); bytes.Contains(r.Body, []byte("BETA-SECRET")) || bytes.Contains(r.Body, []byte(pb.ID)) {
				t.Errorf("GET %s shows B's product", path)
			}
		}
		for _, m := range []string{"GET", "PUT", "DELETE"} {
			var body any
			if m == "PUT" {
				body = product("BETA-SECRET-1", nil)
			}
			if r := call(t, env, m, "/api/v1/products/"+pb.ID, a, "application/json", body); r.Status != 404 {
				t.Errorf("%s B's product as A: %d", m, r.Status)
			}
		}
		// A's import of the same SKU makes A's own product.
		if rep := mustImport(t, env, a, "sku,title_en\nBETA-SECRET-1,Mine\n"); rep.Created != 1 {
			t.Errorf("A's import: %+v", rep)
		}
		if got, _ := getSKU(t, env, b, "BETA-SECRET-1"); !cmp.Equal(got, pb) {
			t.Errorf("B's product changed: %s", cmp.Diff(pb, got))
		}
	})
}

func TestProductXML(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		op := env.Key(env.Tenant("XML GmbH"), identity.Operator, false)
		body := `<?xml version="1.0" encoding="UTF-8"?>
<product>
  <sku>TOY-001</sku>
  <title><zh-CN>积木玩具</zh-CN><en>Building blocks</en></title>
  <category>toys</category>
  <hs_code>950300</hs_code>
  <materials><material>ABS plastic</material></materials>
  <attributes><age_min_months>36</age_min_months></attributes>
  <origin_country>CN</origin_country>
  <unit_value><amount>12.50</amount><currency>USD</currency></unit_value>
  <weight_g>350</weight_g>
  <dims_mm><dim_mm>200</dim_mm><dim_mm>150</dim_mm><dim_mm>80</dim_mm></dims_mm>
  <battery><chemistry>li-ion</chemistry><wh>7.4</wh><packing>contained_in_equipment</packing></battery>
  <certifications><certification>CE</certification><certification>EN71</certification></certifications>
  <labels><label>CE</label><label>age_warning</label></labels>
  <markets><market>EU</market><market>US</market></markets>
</product>`
		r := call(t, env, "POST", "/api/v1/products", op, "application/xml", body)
		if r.Status != 201 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/xml") {
			t.Fatalf("create: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		type xmlProduct struct {
			XMLName        xml.Name `xml:"product"`
			ID             string   `xml:"id"`
			SKU            string   `xml:"sku"`
			TitleZH        string   `xml:"title>zh-CN"`
			TitleEN        string   `xml:"title>en"`
			Materials      []string `xml:"materials>material"`
			Age            string   `xml:"attributes>age_min_months"`
			Amount         string   `xml:"unit_value>amount"`
			Dims           []int    `xml:"dims_mm>dim_mm"`
			Wh             string   `xml:"battery>wh"`
			Certifications []string `xml:"certifications>certification"`
			Labels         []string `xml:"labels>label"`
			Markets        []string `xml:"markets>market"`
			Version        int      `xml:"version"`
		}
		var x xmlProduct
		if err := xml.Unmarshal(r.Body, &x); err != nil {
			t.Fatalf("%v: %s", err, r.Body)
		}
		want := xmlProduct{XMLName: x.XMLName, ID: x.ID, SKU: "TOY-001", TitleZH: "积木玩具", TitleEN: "Building blocks",
			Materials: []string{"ABS plastic"}, Age: "36", Amount: "12.50", Dims: []int{200, 150, 80}, Wh: "7.4",
			Certifications: []string{"CE", "EN71"}, Labels: []string{"CE", "age_warning"}, Markets: []string{"EU", "US"}, Version: 1}
		if d := cmp.Diff(want, x); d != "" || x.ID == "" {
			t.Errorf("XML answer (-want +got):\n%s", d)
		}
		// The XML and JSON forms are the same product: the attribute kept
		// its number type.
		var j catalog.Product
		call(t, env, "GET", "/api/v1/products/"+x.ID, op, "", nil).json(t, &j)
		var jc catalog.Product
		json.Unmarshal([]byte(contractProduct), &jc)
		if fmt.Sprint(j.Attributes["age_min_months"]) != "36" || !cmp.Equal(j.Materials, jc.Materials) {
			t.Errorf("JSON view of the XML product: %+v", j)
		}
		if b, _ := json.Marshal(j.Attributes); string(b) != `{"age_min_months":36}` {
			t.Errorf("attributes %s", b)
		}
		// GET as XML and PUT it straight back: accepted, nothing changes.
		g := call(t, env, "GET", "/api/v1/products/"+x.ID, op, "", nil, "Accept: application/xml")
		if !bytes.Contains(g.Body, []byte("<product>")) || !bytes.Contains(g.Body, []byte("<materials><material>ABS plastic</material></materials>")) {
			t.Errorf("GET XML: %s", g.Body)
		}
		u := call(t, env, "PUT", "/api/v1/products/"+x.ID, op, "application/xml", g.Body, "Accept: application/xml")
		var ux xmlProduct
		if err := xml.Unmarshal(u.Body, &ux); err != nil || u.Status != 200 || ux.Version != 1 {
			t.Errorf("XML round trip: %d %s", u.Status, u.Body)
		}
		// Lists are <items> of <product>.
		l := call(t, env, "GET", "/api/v1/products", op, "", nil, "Accept: application/xml")
		if !bytes.Contains(l.Body, []byte("<items><product><id>"+x.ID)) {
			t.Errorf("XML list: %s", l.Body)
		}
		// XML errors name the same fields as JSON ones.
		bad := strings.Replace(body, "<dim_mm>80</dim_mm>", "<dim_mm>0</dim_mm>", 1)
		bad = strings.Replace(bad, "TOY-001", "TOY-002", 1)
		r = call(t, env, "POST", "/api/v1/products", op, "application/xml", bad)
		if r.Status != 422 || !bytes.Contains(r.Body, []byte("<field>dims_mm[2]</field>")) {
			t.Errorf("XML validation: %d %s", r.Status, r.Body)
		}
	})
}

// TestGetBySKUs reads several products by SKU at once: only those of the
// caller's scope, unknown SKUs left out, and more SKUs than one query
// binds.
func TestGetBySKUs(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Lookup GmbH")
		live := env.Key(tenant, identity.Operator, false)
		test := env.Key(tenant, identity.Operator, true)
		a := create(t, env, live, product("SKU-A", nil))
		b := create(t, env, live, product("SKU-B", nil))
		create(t, env, test, product("SKU-C", nil))
		create(t, env, env.Key(env.Tenant("Other Ltd"), identity.Operator, false), product("SKU-D", nil))
		skus := []string{" SKU-A", "SKU-B", "SKU-C", "SKU-D", "NONE"}
		for i := range 600 {
			skus = append(skus, fmt.Sprintf("FILL-%d", i))
		}
		ctx := db.WithScope(env.Ctx, db.Scope{TenantID: tenant})
		got, err := env.App.Products.GetBySKUs(ctx, skus)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got["SKU-A"].ID != a.ID || got["SKU-B"].ID != b.ID {
			t.Errorf("GetBySKUs = %v", got)
		}
		sandbox, err := env.App.Products.GetBySKUs(db.WithScope(env.Ctx, db.Scope{TenantID: tenant, Sandbox: true}), skus)
		if err != nil || len(sandbox) != 1 {
			t.Errorf("sandbox: %v %v", sandbox, err)
		}
	})
}
