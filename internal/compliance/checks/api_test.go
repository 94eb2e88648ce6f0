package checks_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
)

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

func call(t *testing.T, env *apptest.Env, method, path, key string, body any, headers ...string) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case string:
		rd = strings.NewReader(b)
	case nil:
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, env.Server.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+key)
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

func createProduct(t *testing.T, env *apptest.Env, key, body string) string {
	t.Helper()
	r := call(t, env, "POST", "/api/v1/products", key, body)
	if r.Status != 201 {
		t.Fatalf("create product: %d %s", r.Status, r.Body)
	}
	var p struct{ ID string }
	r.json(t, &p)
	return p.ID
}

func fieldsOf(t *testing.T, r resp) []string {
	t.Helper()
	var pd struct {
		Errors []struct{ Field string }
	}
	r.json(t, &pd)
	var out []string
	for _, e := range pd.Errors {
		out = append(out, e.Field)
	}
	return out
}

func TestChecksAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Yiwu Toys")
		key := env.Key(tenant, identity.Operator, false)
		viewer := env.Key(tenant, identity.Viewer, false)
		other := env.Key(env.Tenant("Other"), identity.TenantOwner, false)
		pid := createProduct(t, env, key, contractProduct)

		// The contract's shape: 201 {id, verdict, findings[{rule_id, market,
		// severity, status, title, requirement, reference}]}.
		r := call(t, env, "POST", "/api/v1/compliance/checks", key,
			map[string]any{"product_id": pid, "markets": []string{"DE", "US"}, "transport": "air"})
		if r.Status != 201 {
			t.Fatalf("check: %d %s", r.Status, r.Body)
		}
		var raw map[string]any
		r.json(t, &raw)
		id, _ := raw["id"].(string)
		verdict, _ := raw["verdict"].(string)
		if id == "" || !slices.Contains([]string{"pass", "warn", "fail", "prohibited"}, verdict) {
			t.Fatalf("id %q verdict %q", id, verdict)
		}
		if r.Header.Get("Location") != "/api/v1/compliance/checks/"+id {
			t.Errorf("Location %q", r.Header.Get("Location"))
		}
		findings, _ := raw["findings"].([]any)
		if len(findings) == 0 {
			t.Fatalf("no findings for the contract toy against the real rule set: %s", r.Body)
		}
		markets := map[string]bool{}
		for _, f := range findings {
			fm := f.(map[string]any)
			for _, k := range []string{"rule_id", "market", "severity", "status", "title", "requirement", "reference",
				"rule_version", "triggered_by"} {
				if _, ok := fm[k]; !ok {
					t.Errorf("finding lacks %s: %v", k, fm)
				}
			}
			if !slices.Contains([]string{"prohibited", "restricted", "labelling", "documentation", "info"}, fm["severity"].(string)) {
				t.Errorf("severity %v", fm["severity"])
			}
			if !slices.Contains([]string{"fail", "warn", "pass"}, fm["status"].(string)) {
				t.Errorf("status %v", fm["status"])
			}
			markets[fm["market"].(string)] = true
		}
		if !markets["DE"] || !markets["US"] {
			t.Errorf("findings for markets %v, want DE and US", markets)
		}
		if rules, _ := raw["rules"].([]any); len(rules) == 0 {
			t.Error("check does not record the rule versions used")
		}
		if p, _ := raw["product"].(map[string]any); p["sku"] != "TOY-001" {
			t.Errorf("product snapshot %v", raw["product"])
		}

		t.Run("get JSON, HTML and PDF", func(t *testing.T) {
			r := call(t, env, "GET", "/api/v1/compliance/checks/"+id, viewer, nil)
			var got map[string]any
			r.json(t, &got)
			if r.Status != 200 || got["id"] != id || got["verdict"] != verdict {
				t.Fatalf("get: %d %s", r.Status, r.Body)
			}
			h := call(t, env, "GET", "/api/v1/compliance/checks/"+id+"?format=html", viewer, nil, "Accept-Language: zh-CN,zh;q=0.9")
			if h.Status != 200 || !strings.HasPrefix(h.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("html: %d %s", h.Status, h.Header)
			}
			s := string(h.Body)
			if !strings.Contains(s, "合规检查报告") || !strings.Contains(s, "Compliance check report") ||
				strings.Index(s, "合规检查报告") > strings.Index(s, "Compliance check report") {
				t.Error("HTML report is not bilingual with Chinese first")
			}
			h = call(t, env, "GET", "/api/v1/compliance/checks/"+id+"?format=html", viewer, nil, "Accept-Language: en")
			if s := string(h.Body); strings.Index(s, "合规检查报告") < strings.Index(s, "Compliance check report") {
				t.Error("English not first for Accept-Language: en")
			}
			p := call(t, env, "GET", "/api/v1/compliance/checks/"+id+"?format=pdf", viewer, nil)
			if p.Status != 200 || p.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(p.Body, []byte("%PDF")) {
				t.Fatalf("pdf: %d %s", p.Status, p.Header)
			}
			if !bytes.Contains(p.Body, []byte("/FontFile2")) {
				t.Error("PDF embeds no font")
			}
			if x := call(t, env, "GET", "/api/v1/compliance/checks/"+id, viewer, nil, "Accept: application/xml"); x.Status != 200 ||
				!bytes.Contains(x.Body, []byte("<check>")) || !bytes.Contains(x.Body, []byte("<finding>")) {
				t.Errorf("xml: %d %.300s", x.Status, x.Body)
			}
			if r := call(t, env, "GET", "/api/v1/compliance/checks/"+id+"?format=doc", viewer, nil); r.Status != 422 ||
				!slices.Contains(fieldsOf(t, r), "format") {
				t.Errorf("bad format: %d %s", r.Status, r.Body)
			}
		})

		t.Run("inline product", func(t *testing.T) {
			r := call(t, env, "POST", "/api/v1/compliance/checks", key, map[string]any{
				"product": map[string]any{"title": map[string]string{"zh-CN": "蓝牙耳机"}, "hs_code": "8518.30",
					"battery": map[string]any{"chemistry": "li-ion", "wh": 0.5, "packing": "contained_in_equipment"}},
				"markets": []string{"us"}})
			if r.Status != 201 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			var c struct {
				ProductID string                    `json:"product_id"`
				Markets   []string                  `json:"markets"`
				Facts     map[string]map[string]any `json:"facts"`
			}
			r.json(t, &c)
			if c.ProductID != "" || !slices.Equal(c.Markets, []string{"US"}) {
				t.Errorf("inline check %+v", c)
			}
			if c.Facts["radio"]["value"] != true || !strings.Contains(c.Facts["radio"]["source"].(string), "蓝牙") {
				t.Errorf("radio fact %v", c.Facts["radio"])
			}
		})

		t.Run("422 names the field", func(t *testing.T) {
			cases := []struct {
				body  any
				field string
			}{
				{map[string]any{"product_id": pid, "markets": []string{}}, "markets"},
				{map[string]any{"product_id": pid}, "markets"},
				{map[string]any{"product_id": pid, "markets": []string{"DE", "XX"}}, "markets[1]"},
				{map[string]any{"product_id": pid, "markets": []string{"GLOBAL"}}, "markets[0]"},
				{map[string]any{"product_id": pid, "markets": []string{"DE"}, "transport": "teleport"}, "transport"},
				{map[string]any{"markets": []string{"DE"}}, "product_id"},
				{map[string]any{"product_id": pid, "product": map[string]any{"title": map[string]string{"en": "x"}}, "markets": []string{"DE"}}, "product"},
				{map[string]any{"product": map[string]any{"hs_code": "12"}, "markets": []string{"DE"}}, "product.hs_code"},
				{map[string]any{"product": map[string]any{"sku": "x"}, "markets": []string{"DE"}}, "product.title"},
				{`{"product_id": "` + pid + `", "markets": ["DE"], "colour": 1}`, "colour"},
			}
			for _, c := range cases {
				r := call(t, env, "POST", "/api/v1/compliance/checks", key, c.body)
				if r.Status != 422 && !(c.field == "colour" && r.Status == 400) {
					t.Errorf("%v: %d %s", c.body, r.Status, r.Body)
					continue
				}
				if fs := fieldsOf(t, r); !slices.Contains(fs, c.field) {
					t.Errorf("%v: fields %v, want %s", c.body, fs, c.field)
				}
			}
		})

		t.Run("404 for unknown products and other tenants", func(t *testing.T) {
			if r := call(t, env, "POST", "/api/v1/compliance/checks", key,
				map[string]any{"product_id": "prd_nope", "markets": []string{"DE"}}); r.Status != 404 {
				t.Errorf("unknown product: %d", r.Status)
			}
			if r := call(t, env, "POST", "/api/v1/compliance/checks", other,
				map[string]any{"product_id": pid, "markets": []string{"DE"}}); r.Status != 404 {
				t.Errorf("other tenant's product: %d", r.Status)
			}
			for _, f := range []string{"", "?format=html", "?format=pdf"} {
				if r := call(t, env, "GET", "/api/v1/compliance/checks/"+id+f, other, nil); r.Status != 404 {
					t.Errorf("other tenant's check %s: %d", f, r.Status)
				}
			}
			var l struct{ Items []any }
			call(t, env, "GET", "/api/v1/compliance/checks", other, nil).json(t, &l)
			if len(l.Items) != 0 {
				t.Errorf("other tenant lists %d checks", len(l.Items))
			}
			sandbox := env.Key(tenant, identity.Operator, true)
			if r := call(t, env, "GET", "/api/v1/compliance/checks/"+id, sandbox, nil); r.Status != 404 {
				t.Errorf("sandbox key sees a live check: %d", r.Status)
			}
		})

		t.Run("viewer cannot check", func(t *testing.T) {
			if r := call(t, env, "POST", "/api/v1/compliance/checks", viewer,
				map[string]any{"product_id": pid, "markets": []string{"DE"}}); r.Status != 403 {
				t.Errorf("viewer: %d", r.Status)
			}
		})

		t.Run("list and filters", func(t *testing.T) {
			var l struct {
				Items []struct {
					ID, Verdict, ProductID, SKU string
				}
				NextCursor string `json:"next_cursor"`
			}
			r := call(t, env, "GET", "/api/v1/compliance/checks?product_id="+pid, viewer, nil)
			r.json(t, &l)
			if r.Status != 200 || len(l.Items) != 1 || l.Items[0].ID != id || l.Items[0].SKU != "TOY-001" {
				t.Fatalf("by product: %d %s", r.Status, r.Body)
			}
			call(t, env, "GET", "/api/v1/compliance/checks?verdict="+verdict, viewer, nil).json(t, &l)
			if !slices.ContainsFunc(l.Items, func(i struct{ ID, Verdict, ProductID, SKU string }) bool { return i.ID == id }) {
				t.Errorf("verdict filter lost the check")
			}
			call(t, env, "GET", "/api/v1/compliance/checks?limit=1", viewer, nil).json(t, &l)
			if len(l.Items) != 1 || l.NextCursor == "" {
				t.Fatalf("page: %+v", l)
			}
			first := l.Items[0].ID
			call(t, env, "GET", "/api/v1/compliance/checks?limit=1&cursor="+l.NextCursor, viewer, nil).json(t, &l)
			if len(l.Items) != 1 || l.Items[0].ID == first {
				t.Errorf("second page %+v", l)
			}
			if r := call(t, env, "GET", "/api/v1/compliance/checks?verdict=maybe", viewer, nil); r.Status != 422 ||
				!slices.Contains(fieldsOf(t, r), "verdict") {
				t.Errorf("bad verdict: %d", r.Status)
			}
		})

		t.Run("catalogue", func(t *testing.T) {
			for i := range 3 {
				createProduct(t, env, key, fmt.Sprintf(`{"sku": "PB-%d", "title": {"en": "Power bank %d"}, "hs_code": "850760",
					"battery": {"chemistry": "li-ion", "wh": %d, "packing": "standalone"}}`, i, i, 50+60*i))
			}
			var sum struct {
				Checked    int
				Verdicts   map[string]int
				Worst      []struct{ SKU, Verdict string }
				NextCursor string `json:"next_cursor"`
			}
			r := call(t, env, "POST", "/api/v1/compliance/checks/catalogue", key,
				map[string]any{"markets": []string{"DE"}, "transport": "air", "limit": 3})
			r.json(t, &sum)
			if r.Status != 200 || sum.Checked != 3 || sum.NextCursor == "" {
				t.Fatalf("catalogue page 1: %d %s", r.Status, r.Body)
			}
			total := 0
			for _, n := range sum.Verdicts {
				total += n
			}
			if total != 3 {
				t.Errorf("verdict counts %v", sum.Verdicts)
			}
			r = call(t, env, "POST", "/api/v1/compliance/checks/catalogue", key,
				map[string]any{"markets": []string{"DE"}, "transport": "air", "cursor": sum.NextCursor})
			sum.NextCursor = ""
			r.json(t, &sum)
			if r.Status != 200 || sum.Checked != 1 || sum.NextCursor != "" {
				t.Fatalf("catalogue page 2: %d %s", r.Status, r.Body)
			}
			if r := call(t, env, "POST", "/api/v1/compliance/checks/catalogue", key,
				map[string]any{"markets": []string{}, "transport": "ship"}); r.Status != 422 ||
				!slices.Contains(fieldsOf(t, r), "markets") || !slices.Contains(fieldsOf(t, r), "transport") {
				t.Errorf("catalogue validation: %d %s", r.Status, r.Body)
			}
		})
	})
}
