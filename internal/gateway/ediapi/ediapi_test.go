package ediapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/edi"
	"github.com/silkgate/silkgate/internal/gateway/ediapi"
	"github.com/silkgate/silkgate/internal/identity"
)

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post sends an interchange and decodes the answer.
func post(t *testing.T, env *apptest.Env, key, ct string, body []byte) (*http.Response, ediapi.Response, string) {
	t.Helper()
	req, err := http.NewRequest("POST", env.Server.URL+"/api/v1/edi", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out ediapi.Response
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
	}
	return resp, out, string(raw)
}

// counts returns the number of rows of every table an interchange writes to.
func counts(t *testing.T, env *apptest.Env) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tbl := range []string{"edi_interchanges", "edi_documents", "edi_counters", "orders"} {
		var n int
		if err := env.App.DB.Q(env.Ctx).QueryRowContext(env.Ctx, "SELECT COUNT(*) FROM "+tbl).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tbl] = n
	}
	return out
}

type order struct {
	ID         string `json:"id"`
	ExternalID string `json:"external_id"`
	Channel    string `json:"channel"`
	Currency   string `json:"currency"`
	Buyer      struct{ Name, Country string }
	Lines      []struct {
		SKU       string                            `json:"sku"`
		Quantity  int64                             `json:"quantity"`
		UnitPrice struct{ Amount, Currency string } `json:"unit_price"`
	} `json:"lines"`
}

func TestX12PurchaseOrder(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Acme")
		key := env.Key(tenant, identity.TenantAdmin, false)
		resp, out, raw := post(t, env, key, "application/EDI-X12", sample(t, "x12_850_edinet.edi"))
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, raw)
		}
		if out.Accepted != 1 || out.Rejected != 0 || len(out.Documents) != 1 {
			t.Fatalf("result %s", raw)
		}
		d := out.Documents[0]
		if d.Type != edi.TypePurchaseOrder || d.Reference != "1000012" || d.OrderID == "" || d.ExistingOrder {
			t.Fatalf("document %+v", d)
		}
		if !strings.Contains(out.Ack, "ST*997*") || !strings.Contains(out.Ack, "AK5*A~") || !strings.Contains(out.Ack, "AK9*A*1*1*1~") {
			t.Fatalf("ack %q", out.Ack)
		}
		var o order
		if r := env.Call("GET", "/api/v1/orders/"+d.OrderID, key, nil, &o); r.StatusCode != 200 {
			t.Fatalf("order: %d %s", r.StatusCode, apptest.Body(r))
		}
		if o.ExternalID != "1000012" || o.Channel != "edi-000123456" || o.Currency != "USD" || len(o.Lines) != 1 ||
			o.Lines[0].SKU != "0054321" || o.Lines[0].Quantity != 1 || o.Lines[0].UnitPrice.Amount != "19.95" ||
			o.Buyer.Country != "US" {
			t.Fatalf("order %+v", o)
		}

		// The same interchange again: the same answer, nothing stored twice.
		before := counts(t, env)
		resp2, _, raw2 := post(t, env, key, "application/EDI-X12", sample(t, "x12_850_edinet.edi"))
		if resp2.StatusCode != 200 || raw2 != raw || resp2.Header.Get("Silkgate-EDI-Duplicate") != "true" {
			t.Fatalf("re-send: %d %s\nfirst: %s", resp2.StatusCode, raw2, raw)
		}
		after := counts(t, env)
		for _, tbl := range []string{"edi_interchanges", "edi_documents", "orders", "edi_counters"} {
			if before[tbl] != after[tbl] {
				t.Errorf("%s: %d rows before the re-send, %d after", tbl, before[tbl], after[tbl])
			}
		}
		var l struct{ Items []order }
		env.Call("GET", "/api/v1/orders?external_id=1000012", key, nil, &l)
		if len(l.Items) != 1 {
			t.Fatalf("orders with external_id 1000012: %d", len(l.Items))
		}

		// The stored interchange, with its ack and document.
		var ic ediapi.Interchange
		if r := env.Call("GET", "/api/v1/edi/interchanges/"+out.InterchangeID, key, nil, &ic); r.StatusCode != 200 {
			t.Fatalf("interchange: %d", r.StatusCode)
		}
		if ic.Ack != out.Ack || len(ic.Documents) != 1 || ic.Documents[0].ID != d.ID || ic.ControlNumber != "000000055" ||
			ic.Accepted != 1 || len(ic.SHA256) != 64 {
			t.Fatalf("interchange %+v", ic)
		}
		var doc ediapi.Document
		if r := env.Call("GET", "/api/v1/edi/documents/"+d.ID, key, nil, &doc); r.StatusCode != 200 ||
			doc.OrderID != d.OrderID || !strings.Contains(string(doc.Body), `"external_id":"1000012"`) {
			t.Fatalf("document: %d %+v", r.StatusCode, doc)
		}
	})
}

const edifactOrder = "UNA:+.? '" +
	"UNB+UNOC:3+5412345000013:14+SILKGATE:ZZ+260101:1200+42'" +
	"UNH+1+ORDERS:D:96A:UN:EAN008'" +
	"BGM+220+PO-EDI-1+9'" +
	"DTM+137:20260101:102'" +
	"CUX+2:EUR:9'" +
	"NAD+BY+5412345000013::9++Acme Retail GmbH+Hauptstr. 1+Berlin++10115+DE'" +
	"NAD+DP+++Jonas Weber+Lindenstr. 5+Berlin++10117+DE'" +
	"LIN+1++TOY-001:SA'" +
	"QTY+21:2'" +
	"PRI+AAA:19.99'" +
	"UNS+S'" +
	"UNT+11+1'" +
	"UNZ+1+42'"

func TestEDIFACTOrders(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Acme")
		key := env.Key(tenant, identity.TenantAdmin, false)
		resp, out, raw := post(t, env, key, "application/EDIFACT", []byte(edifactOrder))
		if resp.StatusCode != 200 || out.Accepted != 1 || len(out.Documents) != 1 || out.Documents[0].OrderID == "" {
			t.Fatalf("status %d: %s", resp.StatusCode, raw)
		}
		if !strings.Contains(out.Ack, "UNH+1+CONTRL:") || !strings.Contains(out.Ack, "UCM+1+ORDERS:D:96A:UN:EAN008+7'") {
			t.Fatalf("ack %q", out.Ack)
		}
		var o order
		env.Call("GET", "/api/v1/orders/"+out.Documents[0].OrderID, key, nil, &o)
		if o.ExternalID != "PO-EDI-1" || o.Currency != "EUR" || o.Buyer.Name != "Acme Retail GmbH" || len(o.Lines) != 1 ||
			o.Lines[0].SKU != "TOY-001" || o.Lines[0].Quantity != 2 {
			t.Fatalf("order %+v", o)
		}

		// The public sample has no prices, currency or address: the order
		// rules refuse it, and the CONTRL rejects the message.
		before := counts(t, env)
		resp, out, raw = post(t, env, key, "text/plain", sample(t, "edifact_orders_d03b_smooks.edi"))
		if resp.StatusCode != 200 || out.Accepted != 0 || out.Rejected != 1 || len(out.Documents) != 0 ||
			len(out.Errors) != 1 || out.Errors[0].Code != string(ediapi.CodeOrderInvalid) {
			t.Fatalf("status %d: %s", resp.StatusCode, raw)
		}
		if !strings.Contains(out.Ack, "UCM+SSDD1+ORDERS:D:03B:UN:EAN008+4") {
			t.Fatalf("ack %q", out.Ack)
		}
		if after := counts(t, env); after["orders"] != before["orders"] || after["edi_documents"] != before["edi_documents"] {
			t.Fatalf("rows before %v, after %v", before, after)
		}
	})
}

func TestShipNoticeAndInvoice(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Acme")
		key := env.Key(tenant, identity.TenantAdmin, false)
		for _, c := range []struct {
			file, typ string
			docs      int
		}{{"x12_810_staedi.edi", edi.TypeInvoice, 2}, {"x12_856_gozer.edi", edi.TypeShipNotice, 1}} {
			resp, out, raw := post(t, env, key, "application/EDI-X12", sample(t, c.file))
			if resp.StatusCode != 200 || len(out.Documents) != c.docs || out.Rejected != 0 {
				t.Fatalf("%s: %d %s", c.file, resp.StatusCode, raw)
			}
			for _, d := range out.Documents {
				var doc ediapi.Document
				if r := env.Call("GET", "/api/v1/edi/documents/"+d.ID, key, nil, &doc); r.StatusCode != 200 ||
					doc.Type != c.typ || doc.InterchangeID != out.InterchangeID || doc.OrderID != "" || len(doc.Body) < 10 {
					t.Fatalf("%s document: %d %+v", c.file, r.StatusCode, doc)
				}
			}
		}
		var l struct{ Items []ediapi.Interchange }
		env.Call("GET", "/api/v1/edi/interchanges", key, nil, &l)
		if len(l.Items) != 2 {
			t.Fatalf("interchanges: %+v", l.Items)
		}
	})
}

const twoSets = "ISA*00*          *00*          *ZZ*ACME           *ZZ*SILKGATE       *260101*1200*^*00501*000000007*0*P*>~" +
	"GS*PO*ACME*SILKGATE*20260101*1200*7*X*005010~" +
	"ST*850*0001~BEG*00*SA*PO-1**20260101~N1*ST*Jonas Weber~N3*Hauptstr. 1~N4*Berlin**10115*DE~PO1*1*2*EA*19.99**VP*TOY-001~SE*7*0001~" +
	"ST*850*0002~BEG*00*SA*PO-2**20260101~N1*ST*Jonas Weber~N3*Hauptstr. 1~N4*Berlin**10115*DE~PO1*1*1*EA*5.00**VP*TOY-002~SE*9*0002~" +
	"GE*2*7~IEA*1*000000007~"

func TestOneSetRejected(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Acme")
		key := env.Key(tenant, identity.TenantAdmin, false)
		resp, out, raw := post(t, env, key, "application/EDI-X12", []byte(twoSets))
		if resp.StatusCode != 200 || out.Accepted != 1 || out.Rejected != 1 || len(out.Documents) != 1 ||
			out.Documents[0].Reference != "PO-1" {
			t.Fatalf("%d %s", resp.StatusCode, raw)
		}
		if len(out.Errors) == 0 || out.Errors[0].Transaction != "0002" || out.Errors[0].Code != string(edi.CodeSegmentCount) {
			t.Fatalf("errors %+v", out.Errors)
		}
		if !strings.Contains(out.Ack, "AK2*850*0001~AK5*A~") || !strings.Contains(out.Ack, "AK2*850*0002~AK5*R*4~") ||
			!strings.Contains(out.Ack, "AK9*P*2*2*1~") {
			t.Fatalf("ack %q", out.Ack)
		}
		var l struct{ Items []order }
		env.Call("GET", "/api/v1/orders?channel=edi-acme", key, nil, &l)
		if len(l.Items) != 1 || l.Items[0].ExternalID != "PO-1" || l.Items[0].Buyer.Name != "ACME" {
			t.Fatalf("orders %+v", l.Items)
		}
	})
}

func TestMalformed(t *testing.T) {
	// A complete first set followed by a broken interchange trailer: nothing
	// of it may be stored.
	badTrailer := strings.Replace(twoSets, "IEA*1*", "IEA*2*", 1)
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Acme")
		key := env.Key(tenant, identity.TenantAdmin, false)
		for _, c := range []struct {
			name, ct, body, field string
		}{
			{"truncated ISA", "application/EDI-X12", "ISA*00*          *00*     ", "segment 1"},
			{"garbage", "text/plain", "hello, this is not EDI at all", "segment 1"},
			{"wrong IEA count", "application/EDI-X12", badTrailer, "segment 18 IEA01"},
			{"EDIFACT as X12", "application/EDI-X12", edifactOrder, "segment 1"},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := counts(t, env)
				resp, _, raw := post(t, env, key, c.ct, []byte(c.body))
				if resp.StatusCode != 422 {
					t.Fatalf("status %d: %s", resp.StatusCode, raw)
				}
				var p struct {
					Code   string
					Errors []struct{ Field, Code, Message string }
				}
				if err := json.Unmarshal([]byte(raw), &p); err != nil || p.Code != "invalid_interchange" || len(p.Errors) != 1 ||
					!strings.HasPrefix(p.Errors[0].Field, c.field) || p.Errors[0].Code == "" || p.Errors[0].Message == "" {
					t.Fatalf("problem %s", raw)
				}
				after := counts(t, env)
				for tbl, n := range before {
					if after[tbl] != n {
						t.Errorf("%s: %d rows before, %d after", tbl, n, after[tbl])
					}
				}
			})
		}
		resp, _, _ := post(t, env, key, "application/json", []byte(`{}`))
		if resp.StatusCode != 415 {
			t.Fatalf("json body: %d", resp.StatusCode)
		}
	})
}

func TestPartnersAndIsolation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Acme")
		key := env.Key(tenant, identity.TenantAdmin, false)
		sandboxKey := env.Key(tenant, identity.TenantAdmin, true)
		other := env.Key(env.Tenant("Other"), identity.TenantAdmin, false)

		profile := map[string]any{"name": "Acme Retail", "standard": "x12", "ack": "999",
			"partner_id": map[string]any{"qualifier": "01", "id": "000123456"},
			"local_id":   map[string]any{"qualifier": "ZZ", "id": "PARTNERID"}}
		var p ediapi.Partner
		if r := env.Call("POST", "/api/v1/edi/partners", key, profile, &p); r.StatusCode != 201 || p.ID == "" {
			t.Fatalf("create: %d %s", r.StatusCode, apptest.Body(r))
		}
		// Partner profiles are integration settings: operators may use them,
		// only tenant administrators change them.
		if r := env.Call("POST", "/api/v1/edi/partners", env.Key(tenant, identity.Operator, false), profile, nil); r.StatusCode != 403 {
			t.Fatalf("operator created a partner: %d", r.StatusCode)
		}
		if r := env.Call("POST", "/api/v1/edi/partners", key, profile, nil); r.StatusCode != 409 {
			t.Fatalf("same identities again: %d", r.StatusCode)
		}
		if r := env.Call("POST", "/api/v1/edi/partners", key, map[string]any{"name": "x", "standard": "x12", "ack": "CONTRL",
			"partner_id": map[string]any{"id": "A"}, "local_id": map[string]any{"id": "B"}}, nil); r.StatusCode != 422 {
			t.Fatalf("invalid profile: %d", r.StatusCode)
		}

		// The profile is used: 999 acknowledgement, buyer named after it.
		resp, out, raw := post(t, env, key, "application/EDI-X12", sample(t, "x12_850_edinet.edi"))
		if resp.StatusCode != 200 || !strings.Contains(out.Ack, "ST*999*") || out.Interchanges[0].PartnerID != p.ID {
			t.Fatalf("%d %s", resp.StatusCode, raw)
		}
		var o order
		env.Call("GET", "/api/v1/orders/"+out.Documents[0].OrderID, key, nil, &o)
		if o.Buyer.Name != "Acme Retail" {
			t.Fatalf("buyer %+v", o.Buyer)
		}

		// Another tenant, and the sandbox, see none of it.
		for _, path := range []string{"/api/v1/edi/interchanges/" + out.InterchangeID, "/api/v1/edi/documents/" + out.Documents[0].ID,
			"/api/v1/edi/partners/" + p.ID} {
			for name, k := range map[string]string{"other tenant": other, "sandbox": sandboxKey} {
				if r := env.Call("GET", path, k, nil, nil); r.StatusCode != 404 {
					t.Errorf("%s GET %s: %d", name, path, r.StatusCode)
				}
			}
		}
		var l struct{ Items []ediapi.Interchange }
		env.Call("GET", "/api/v1/edi/interchanges", sandboxKey, nil, &l)
		if len(l.Items) != 0 {
			t.Fatalf("sandbox sees %d interchanges", len(l.Items))
		}
		// The sandbox takes the same interchange as new, and keeps it to itself.
		resp, sb, raw := post(t, env, sandboxKey, "application/EDI-X12", sample(t, "x12_850_edinet.edi"))
		if resp.StatusCode != 200 || resp.Header.Get("Silkgate-EDI-Duplicate") != "" || sb.InterchangeID == out.InterchangeID ||
			!strings.Contains(sb.Ack, "ST*997*") {
			t.Fatalf("sandbox: %d %s", resp.StatusCode, raw)
		}
		env.Call("GET", "/api/v1/edi/interchanges", sandboxKey, nil, &l)
		if len(l.Items) != 1 || l.Items[0].ID != sb.InterchangeID {
			t.Fatalf("sandbox list %+v", l.Items)
		}
		env.Call("GET", "/api/v1/edi/interchanges", key, nil, &l)
		if len(l.Items) != 1 || l.Items[0].ID != out.InterchangeID {
			t.Fatalf("live list %+v", l.Items)
		}

		profile["ack"] = "997"
		if r := env.Call("PUT", "/api/v1/edi/partners/"+p.ID, key, profile, &p); r.StatusCode != 200 || p.Ack != "997" {
			t.Fatalf("update: %d", r.StatusCode)
		}
		if r := env.Call("PUT", "/api/v1/edi/partners/"+p.ID, other, profile, nil); r.StatusCode != 404 {
			t.Fatalf("update by another tenant: %d", r.StatusCode)
		}
		if r := env.Call("DELETE", "/api/v1/edi/partners/"+p.ID, other, nil, nil); r.StatusCode != 404 {
			t.Fatalf("delete by another tenant: %d", r.StatusCode)
		}
		if r := env.Call("DELETE", "/api/v1/edi/partners/"+p.ID, key, nil, nil); r.StatusCode != 204 {
			t.Fatalf("delete: %d", r.StatusCode)
		}
		if r := env.Call("GET", "/api/v1/edi/partners/"+p.ID, key, nil, nil); r.StatusCode != 404 {
			t.Fatalf("deleted: %d", r.StatusCode)
		}
	})
}

func TestOutbound(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Acme")
		key := env.Key(tenant, identity.TenantAdmin, false)
		_, out, raw := post(t, env, key, "application/EDIFACT", []byte(edifactOrder))
		if len(out.Documents) != 1 {
			t.Fatal(raw)
		}
		orderID := out.Documents[0].OrderID
		var x12, edifact ediapi.Partner
		env.Call("POST", "/api/v1/edi/partners", key, map[string]any{"name": "Acme X12", "standard": "x12",
			"partner_id": map[string]any{"qualifier": "ZZ", "id": "ACME"}, "local_id": map[string]any{"qualifier": "ZZ", "id": "SILKGATE"}}, &x12)
		env.Call("POST", "/api/v1/edi/partners", key, map[string]any{"name": "Acme EDIFACT", "standard": "edifact",
			"partner_id": map[string]any{"qualifier": "14", "id": "5412345000013"}, "local_id": map[string]any{"id": "SILKGATE"}}, &edifact)

		get := func(typ, partner string) (*http.Response, string) {
			req, _ := http.NewRequest("GET", env.Server.URL+"/api/v1/orders/"+orderID+"/edi?type="+typ+"&partner="+partner, nil)
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := env.Server.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp, string(b)
		}
		for _, c := range []struct{ typ, partner, ct, docType string }{
			{"855", x12.ID, "application/EDI-X12", edi.TypeOrderAck},
			{"856", x12.ID, "application/EDI-X12", edi.TypeShipNotice},
			{"desadv", edifact.ID, "application/EDIFACT", edi.TypeShipNotice},
		} {
			resp, body := get(c.typ, c.partner)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != c.ct {
				t.Fatalf("%s: %d %s", c.typ, resp.StatusCode, body)
			}
			res, err := edi.Parse(strings.NewReader(body), edi.Options{})
			if err != nil {
				t.Fatalf("%s: %v\n%s", c.typ, err, body)
			}
			docs := res.Documents()
			if len(docs) != 1 || docs[0].DocumentType() != c.docType {
				t.Fatalf("%s: %+v\n%s", c.typ, docs, body)
			}
		}
		// Control numbers advance.
		_, a := get("855", x12.ID)
		_, b := get("855", x12.ID)
		if a[:106] == b[:106] {
			t.Fatalf("same ISA twice: %s", a[:106])
		}
		if resp, _ := get("desadv", x12.ID); resp.StatusCode != 422 {
			t.Fatalf("desadv to an X12 partner: %d", resp.StatusCode)
		}
		if resp, _ := get("855", "edip_missing"); resp.StatusCode != 422 {
			t.Fatalf("unknown partner: %d", resp.StatusCode)
		}
	})
}

// Two copies of one interchange arriving at once store it once; both get
// the same answer.
func TestConcurrentDuplicate(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Acme")
		key := env.Key(tenant, identity.TenantAdmin, false)
		body := sample(t, "x12_850_edinet.edi")
		type answer struct {
			status int
			raw    string
		}
		ch := make(chan answer, 4)
		for range 4 {
			go func() {
				req, _ := http.NewRequest("POST", env.Server.URL+"/api/v1/edi", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/EDI-X12")
				req.Header.Set("Authorization", "Bearer "+key)
				resp, err := env.Server.Client().Do(req)
				if err != nil {
					ch <- answer{raw: err.Error()}
					return
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				ch <- answer{resp.StatusCode, string(b)}
			}()
		}
		var first string
		for range 4 {
			a := <-ch
			if a.status != 200 {
				t.Fatalf("%d %s", a.status, a.raw)
			}
			if first == "" {
				first = a.raw
			} else if a.raw != first {
				t.Fatalf("different answers:\n%s\n%s", first, a.raw)
			}
		}
		if c := counts(t, env); c["edi_interchanges"] != 1 || c["orders"] != 1 || c["edi_documents"] != 1 {
			t.Fatalf("rows %v", c)
		}
	})
}
