package web

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Sample API types, shaped like the platform's own.

type oaMoney struct {
	Minor    int64
	Currency string
}

func (oaMoney) OpenAPISchema() map[string]any {
	return map[string]any{"type": "object", "required": []string{"amount", "currency"},
		"properties": map[string]any{
			"amount":   map[string]any{"type": "string", "pattern": `^-?\d+(\.\d+)?$`, "example": "12.50"},
			"currency": map[string]any{"type": "string", "pattern": "^[A-Z]{3}$"},
		}}
}

type oaLine struct {
	SKU       string  `json:"sku"`
	Quantity  int     `json:"quantity"`
	UnitPrice oaMoney `json:"unit_price"`
}

type oaOrder struct {
	ID         string    `json:"id"`
	ExternalID string    `json:"external_id"`
	PlacedAt   time.Time `json:"placed_at"`
	Buyer      struct {
		Name string `json:"name"`
	} `json:"buyer"`
	Lines      []oaLine       `json:"lines"`
	Attributes map[string]any `json:"attributes,omitempty"`
	Parent     *oaOrder       `json:"parent,omitempty"`
	Note       *string        `json:"note"`
	DimsMM     [3]int         `json:"dims_mm"`
	Weight     float64        `json:"weight_g,string"`
	Secret     string         `json:"-"`
	internal   string
}

type oaCreateOrder struct {
	ExternalID string   `json:"external_id"`
	Lines      []oaLine `json:"lines"`
}

type oaMe struct {
	TenantID string `json:"tenant_id"`
	Role     string `json:"role"`
	Email    string `json:"email,omitempty"`
	Sandbox  bool   `json:"sandbox"`
}

func noop(w http.ResponseWriter, r *http.Request) error { return nil }

func sampleRouter() *Router {
	rt := NewRouter(nil, newFakeAuth())
	rt.Handle(Route{Method: "POST", Path: "/api/v1/auth/login", Public: true, Tag: "identity", Summary: "Sign in",
		Request: struct {
			Email    string `json:"email"`
			Password string `json:"password"`
			TOTP     string `json:"totp,omitempty"`
		}{}, Response: map[string]string{}, Errors: []int{401, 423}, Handler: noop})
	rt.Handle(Route{Method: "GET", Path: "/api/v1/me", Perm: "me.read", Tag: "identity", Summary: "The caller",
		Response: oaMe{}, Handler: noop})
	rt.Handle(Route{Method: "POST", Path: "/api/v1/orders", Perm: "orders.write", Tag: "orders", Summary: "Create an order",
		Request: oaCreateOrder{}, Response: oaOrder{}, Status: 201, Errors: []int{409}, Handler: noop})
	rt.Handle(Route{Method: "GET", Path: "/api/v1/orders", Perm: "orders.read", Tag: "orders", Summary: "List orders",
		Query:    []Param{{Name: "external_id", Description: "Filter by the channel's order id."}},
		Response: List[oaOrder]{}, Handler: noop})
	rt.Handle(Route{Method: "GET", Path: "/api/v1/orders/{id}", Perm: "orders.read", Tag: "orders", Summary: "Get an order",
		Response: &oaOrder{}, Handler: noop})
	rt.Handle(Route{Method: "POST", Path: "/api/v1/orders/bulk", Perm: "orders.write", Tag: "orders", Summary: "Bulk import",
		Stream: true, Consumes: []string{"application/x-ndjson"}, Response: map[string]any{}, Handler: noop})
	rt.Handle(Route{Method: "POST", Path: "/api/v1/parcels", Perm: "orders.write", Tag: "orders", Summary: "Buy a label",
		Stream: true, KeepsIdempotency: true, Request: map[string]any{}, Response: map[string]any{}, Handler: noop})
	rt.Handle(Route{Method: "GET", Path: "/api/v1/files/{path...}", Perm: "files.read", Summary: "Download a file",
		Produces: []string{"application/octet-stream"}, Handler: noop})
	rt.Handle(Route{Method: "DELETE", Path: "/api/v1/webhooks/{id}", Perm: "webhooks.write", Status: 204, Handler: noop})
	rt.Handle(Route{Method: "GET", Path: "/api/v1/{$}", Public: true, Summary: "API root", Handler: noop})
	rt.Handle(Route{Method: "GET", Path: "/console/orders", Perm: "orders.read", Page: true, Handler: noop})
	rt.Mount("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	rt.MountAPIDocs(OpenAPIInfo{Title: "Silkgate API", Version: "1.0.0", Description: "Sample."})
	return rt
}

func getDoc(t *testing.T, h http.Handler) map[string]any {
	t.Helper()
	w := req{method: "GET", path: "/api/openapi.json"}.do(h)
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("%d %s %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	var doc map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("document is not JSON: %v", err)
	}
	return doc
}

// dig follows keys through nested objects.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	rt := sampleRouter()
	h := serve(t, rt)
	doc := getDoc(t, h)

	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v", doc["openapi"])
	}
	paths, _ := doc["paths"].(map[string]any)

	t.Run("every /api/v1 route, nothing else", func(t *testing.T) {
		want := map[string]bool{}
		for _, r := range rt.Routes() {
			if p, _, ok := openAPIPath(r.Path); ok {
				want[strings.ToLower(r.Method)+" "+p] = true
			}
		}
		got := map[string]bool{}
		for p, item := range paths {
			for m := range item.(map[string]any) {
				got[m+" "+p] = true
			}
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("operations (-routes +document):\n%s", d)
		}
		if len(got) != 10 {
			t.Errorf("%d operations, want 10", len(got))
		}
		for p := range paths {
			if !strings.HasPrefix(p, "/api/v1/") {
				t.Errorf("path %s is not under /api/v1", p)
			}
		}
		for _, p := range []string{"/api/v1/files/{path}", "/api/v1/", "/api/v1/orders/{id}"} {
			if paths[p] == nil {
				t.Errorf("no path %s", p)
			}
		}
	})

	t.Run("operations", func(t *testing.T) {
		login := dig(paths, "/api/v1/auth/login", "post")
		if sec, ok := dig(login, "security").([]any); !ok || len(sec) != 0 {
			t.Errorf("public route security = %v, want []", dig(login, "security"))
		}
		create := dig(paths, "/api/v1/orders", "post")
		if sec, _ := dig(create, "security").([]any); len(sec) != 3 {
			t.Errorf("security = %v", sec)
		}
		if dig(create, "x-permission") != "orders.write" || dig(create, "summary") != "Create an order" {
			t.Errorf("permission/summary: %v %v", dig(create, "x-permission"), dig(create, "summary"))
		}
		if tags, _ := dig(create, "tags").([]any); len(tags) != 1 || tags[0] != "orders" {
			t.Errorf("tags %v", tags)
		}
		for _, code := range []string{"201", "400", "401", "403", "409", "413", "415", "422", "429", "default"} {
			if dig(create, "responses", code) == nil {
				t.Errorf("create order lacks response %s", code)
			}
		}
		if dig(create, "responses", "404") != nil {
			t.Error("a route without path parameters cannot answer 404")
		}
		if dig(create, "requestBody", "content", "application/json", "schema", "$ref") != "#/components/schemas/oaCreateOrder" ||
			dig(create, "requestBody", "content", "application/xml") == nil {
			t.Errorf("request body %v", dig(create, "requestBody"))
		}
		if dig(create, "responses", "201", "content", "application/json", "schema", "$ref") != "#/components/schemas/oaOrder" {
			t.Errorf("response %v", dig(create, "responses", "201"))
		}
		get := dig(paths, "/api/v1/orders/{id}", "get")
		params, _ := dig(get, "parameters").([]any)
		if len(params) != 1 || dig(params[0], "name") != "id" || dig(params[0], "in") != "path" || dig(params[0], "required") != true {
			t.Errorf("parameters %v", params)
		}
		if dig(get, "responses", "404", "$ref") != "#/components/responses/NotFound" {
			t.Errorf("404 %v", dig(get, "responses", "404"))
		}
		if dig(get, "responses", "200", "content", "application/json", "schema", "$ref") != "#/components/schemas/oaOrder" {
			t.Errorf("a pointer body stands for its element: %v", dig(get, "responses", "200"))
		}
		list := dig(paths, "/api/v1/orders", "get")
		names := []string{}
		for _, p := range dig(list, "parameters").([]any) {
			names = append(names, dig(p, "name").(string))
		}
		sort.Strings(names)
		if d := cmp.Diff([]string{"cursor", "external_id", "limit"}, names); d != "" {
			t.Errorf("list parameters: %s", d)
		}
		if dig(list, "responses", "200", "content", "application/json", "schema", "$ref") != "#/components/schemas/oaOrderList" {
			t.Errorf("list response %v", dig(list, "responses", "200"))
		}
		bulk := dig(paths, "/api/v1/orders/bulk", "post")
		if dig(bulk, "requestBody", "content", "application/x-ndjson") == nil {
			t.Errorf("bulk body %v", dig(bulk, "requestBody"))
		}
		idem := false
		for _, p := range dig(create, "parameters").([]any) {
			idem = idem || dig(p, "name") == "Idempotency-Key" && dig(p, "in") == "header"
		}
		if !idem {
			t.Error("writes document Idempotency-Key")
		}
		// A streamed write documents the header only when it keeps keys
		// itself.
		for path, want := range map[string]bool{"/api/v1/orders/bulk": false, "/api/v1/parcels": true} {
			got := false
			ps, _ := dig(paths, path, "post", "parameters").([]any)
			for _, p := range ps {
				got = got || dig(p, "name") == "Idempotency-Key"
			}
			if got != want {
				t.Errorf("%s documents Idempotency-Key: %v, want %v", path, got, want)
			}
		}
		del := dig(paths, "/api/v1/webhooks/{id}", "delete")
		if dig(del, "responses", "204") == nil || dig(del, "responses", "204", "content") != nil {
			t.Errorf("delete %v", dig(del, "responses"))
		}
		if dig(login, "responses", "423") == nil {
			t.Error("declared extra error missing")
		}
	})

	t.Run("schemas", func(t *testing.T) {
		schemas := dig(doc, "components", "schemas")
		order := dig(schemas, "oaOrder")
		req := map[string]bool{}
		for _, r := range dig(order, "required").([]any) {
			req[r.(string)] = true
		}
		for _, f := range []string{"id", "external_id", "placed_at", "buyer", "lines", "note", "dims_mm", "weight_g"} {
			if !req[f] {
				t.Errorf("%s should be required", f)
			}
		}
		for _, f := range []string{"attributes", "parent"} {
			if req[f] {
				t.Errorf("%s is omitempty, so not required", f)
			}
		}
		props := dig(order, "properties")
		for _, f := range []string{"Secret", "internal", "-"} {
			if dig(props, f) != nil {
				t.Errorf("property %s must not be documented", f)
			}
		}
		checks := []struct {
			path []string
			want any
		}{
			{[]string{"placed_at", "type"}, "string"},
			{[]string{"placed_at", "format"}, "date-time"},
			{[]string{"lines", "type"}, "array"},
			{[]string{"lines", "items", "$ref"}, "#/components/schemas/oaLine"},
			{[]string{"lines", "items", "xml", "name"}, "line"},
			{[]string{"lines", "xml", "wrapped"}, true},
			{[]string{"attributes", "type"}, "object"},
			{[]string{"buyer", "type"}, "object"},
			{[]string{"buyer", "properties", "name", "type"}, "string"},
			{[]string{"dims_mm", "maxItems"}, float64(3)},
			{[]string{"dims_mm", "items", "type"}, "integer"},
			{[]string{"weight_g", "type"}, "string"},
		}
		for _, c := range checks {
			if got := dig(props, c.path...); !cmp.Equal(got, c.want) {
				t.Errorf("%s = %v, want %v", strings.Join(c.path, "."), got, c.want)
			}
		}
		if got := dig(props, "attributes", "additionalProperties"); got == nil {
			t.Error("maps document additionalProperties")
		}
		if got, _ := dig(props, "note", "type").([]any); len(got) != 2 || got[1] != "null" {
			t.Errorf("pointer is nullable: %v", dig(props, "note"))
		}
		if got, _ := dig(props, "parent", "anyOf").([]any); len(got) != 2 || dig(got[0], "$ref") != "#/components/schemas/oaOrder" {
			t.Errorf("recursive pointer: %v", dig(props, "parent"))
		}
		if dig(schemas, "oaLine", "properties", "unit_price", "properties", "amount", "pattern") == nil {
			t.Errorf("Schemer not used: %v", dig(schemas, "oaLine", "properties", "unit_price"))
		}
		if dig(order, "xml", "name") != "oa_order" {
			t.Errorf("xml name %v", dig(order, "xml"))
		}
		list := dig(schemas, "oaOrderList")
		if dig(list, "properties", "items", "items", "$ref") != "#/components/schemas/oaOrder" ||
			dig(list, "properties", "next_cursor", "type") != "string" || dig(list, "xml", "name") != "items" {
			t.Errorf("list shape %v", list)
		}
		if lr, _ := dig(list, "required").([]any); len(lr) != 1 || lr[0] != "items" {
			t.Errorf("list required %v", lr)
		}
		problem := dig(schemas, "Problem")
		for _, f := range []string{"type", "title", "status", "detail", "code", "errors", "request_id"} {
			if dig(problem, "properties", f) == nil {
				t.Errorf("Problem lacks %s", f)
			}
		}
		if dig(doc, "components", "responses", "RateLimited", "headers", "Retry-After") == nil {
			t.Error("429 documents Retry-After")
		}
		for _, s := range []string{"bearerAuth", "signedRequest", "sessionCookie"} {
			if dig(doc, "components", "securitySchemes", s) == nil {
				t.Errorf("no security scheme %s", s)
			}
		}
	})

	t.Run("every reference resolves", func(t *testing.T) {
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				if ref, ok := v["$ref"].(string); ok {
					parts := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
					if dig(doc, parts...) == nil {
						t.Errorf("dangling $ref %s", ref)
					}
				}
				for _, x := range v {
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		walk(doc)
	})

	t.Run("operation ids are unique", func(t *testing.T) {
		seen := map[string]bool{}
		for _, item := range paths {
			for _, op := range item.(map[string]any) {
				id, _ := dig(op, "operationId").(string)
				if id == "" || seen[id] {
					t.Errorf("operationId %q missing or repeated", id)
				}
				seen[id] = true
			}
		}
	})
}

// TestOpenAPIFollowsRoutes is how the document stays in step with the
// code: a route registered on the router appears without anyone editing
// the document.
func TestOpenAPIFollowsRoutes(t *testing.T) {
	t.Parallel()
	rt := sampleRouter()
	h := serve(t, rt)
	before := getDoc(t, h)
	if dig(before, "paths", "/api/v1/shipments/{id}") != nil {
		t.Fatal("route present before it was added")
	}
	rt.Handle(Route{Method: "GET", Path: "/api/v1/shipments/{id}", Perm: "shipments.read", Tag: "logistics",
		Summary: "Get a shipment", Response: oaMe{}, Handler: noop})
	after := getDoc(t, h)
	op := dig(after, "paths", "/api/v1/shipments/{id}", "get")
	if op == nil || dig(op, "summary") != "Get a shipment" {
		t.Fatalf("new route not in the document: %v", op)
	}
	w := req{method: "GET", path: "/api/docs"}.do(h)
	if !strings.Contains(w.Body.String(), "/api/v1/shipments/{id}") {
		t.Error("new route not in the reference page")
	}
}

func TestOpenAPIGolden(t *testing.T) {
	t.Parallel()
	b, err := OpenAPI(OpenAPIInfo{Title: "Silkgate API", Version: "1.0.0"}, sampleRouter().Routes())
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "openapi.golden.json")
	if *update {
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(b)); d != "" {
		t.Errorf("document differs from %s (-want +got; run with -update if intended):\n%s", golden, d)
	}
	again, _ := OpenAPI(OpenAPIInfo{Title: "Silkgate API", Version: "1.0.0"}, sampleRouter().Routes())
	if !bytes.Equal(b, again) {
		t.Error("the document is not deterministic")
	}
}

func TestOpenAPIRejectsUnencodableTypes(t *testing.T) {
	t.Parallel()
	_, err := OpenAPI(OpenAPIInfo{}, []Route{{Method: "GET", Path: "/api/v1/x", Public: true,
		Response: struct{ C chan int }{}}})
	if err == nil {
		t.Error("a channel has no JSON form and must be reported")
	}
}

func TestComponentNames(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Order": "Order",
		"List[github.com/silkgate/silkgate/internal/orders.Order]":            "OrderList",
		"List[*github.com/x/y.Order]":                                         "OrderList",
		"Pair[github.com/x/a.Left,github.com/x/b.Right]":                      "PairLeftRight",
		"List[github.com/x/y.Pair[github.com/x/a.Left,github.com/x/b.Right]]": "PairLeftRightList",
		"List[[]string]": "StringArrayList",
		"List[int]":      "IntList",
	} {
		if got := componentBase(in); got != want {
			t.Errorf("componentBase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDocsPage(t *testing.T) {
	t.Parallel()
	h := serve(t, sampleRouter())
	w := req{method: "GET", path: "/api/docs"}.do(h)
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("%d %s", w.Code, w.Header().Get("Content-Type"))
	}
	page := w.Body.String()
	for _, s := range []string{
		"<title>Silkgate API 1.0.0", `id="getOrdersById"`, "/api/v1/orders/{id}", "/api/v1/auth/login",
		"orders.write", `href="#schema-oaOrder"`, `id="schema-oaOrderList"`, "Idempotency-Key",
		"array of <a href=\"#schema-oaLine\">oaLine</a>", "string (date-time)", ">public<", "buyer.name",
	} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if strings.Contains(page, "/console/orders") || strings.Contains(page, "/healthz") {
		t.Error("non-API routes listed")
	}
	// Self-contained: no scripts, no external stylesheets, images or fonts.
	for _, re := range []string{`(?i)<script`, `(?i)<link`, `(?i)src=`, `(?i)@import`, `(?i)url\(`, `(?i)href="(https?:)?//`} {
		if regexp.MustCompile(re).MatchString(page) {
			t.Errorf("page matches %s: must be self-contained", re)
		}
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
}
