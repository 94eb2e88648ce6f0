package ediapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/edi"
	"github.com/silkgate/silkgate/internal/gateway/ediapi"
	"github.com/silkgate/silkgate/internal/identity"
)

// newOrder creates an order of two lines (TOY-001 × 2, TOY-002 × 1).
func newOrder(t *testing.T, env *apptest.Env, key string) string {
	t.Helper()
	var o struct{ ID string }
	r := env.Call("POST", "/api/v1/orders", key, map[string]any{
		"external_id": "AMZ-1", "channel": "amazon-de", "placed_at": "2026-11-20T10:00:00Z", "currency": "EUR",
		"buyer":   map[string]any{"name": "Jonas Weber", "email": "j@example.de", "country": "DE"},
		"ship_to": map[string]any{"name": "Jonas Weber", "line1": "Invalidenstr. 1", "city": "Berlin", "postcode": "10115", "country": "DE"},
		"lines": []map[string]any{
			{"sku": "TOY-001", "quantity": 2, "unit_price": map[string]any{"amount": "19.99", "currency": "EUR"}},
			{"sku": "TOY-002", "quantity": 1, "unit_price": map[string]any{"amount": "5.00", "currency": "EUR"}},
		}}, &o)
	if r.StatusCode != 201 {
		t.Fatalf("order: %d %s", r.StatusCode, apptest.Body(r))
	}
	return o.ID
}

// partners creates an X12 and an EDIFACT trading partner.
func partners(t *testing.T, env *apptest.Env, key string) (x12, edifact ediapi.Partner) {
	t.Helper()
	if r := env.Call("POST", "/api/v1/edi/partners", key, map[string]any{"name": "Acme X12", "standard": "x12",
		"partner_id": map[string]any{"qualifier": "ZZ", "id": "ACME"},
		"local_id":   map[string]any{"qualifier": "ZZ", "id": "SILKGATE"}}, &x12); r.StatusCode != 201 {
		t.Fatalf("partner: %d %s", r.StatusCode, apptest.Body(r))
	}
	if r := env.Call("POST", "/api/v1/edi/partners", key, map[string]any{"name": "Acme EDIFACT", "standard": "edifact",
		"partner_id": map[string]any{"qualifier": "14", "id": "5412345000013"},
		"local_id":   map[string]any{"id": "SILKGATE"}}, &edifact); r.StatusCode != 201 {
		t.Fatalf("partner: %d %s", r.StatusCode, apptest.Body(r))
	}
	return x12, edifact
}

// send posts an outbound request and returns the status, the outbound id
// and the interchange.
func send(t *testing.T, env *apptest.Env, key, orderID string, body any) (int, string, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", env.Server.URL+"/api/v1/orders/"+orderID+"/edi", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Silkgate-EDI-Outbound-Id"), string(raw)
}

func TestShippedQuantities(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		key := env.Key(env.Tenant("Acme"), identity.TenantAdmin, false)
		orderID := newOrder(t, env, key)
		x12, edifact := partners(t, env, key)

		for _, c := range []struct {
			name, typ, partner string
		}{{"856", "856", x12.ID}, {"desadv", "desadv", edifact.ID}} {
			status, outID, body := send(t, env, key, orderID, map[string]any{"type": c.typ, "partner": c.partner,
				"lines":   []map[string]any{{"line": 1, "quantity": 1}},
				"carrier": map[string]any{"code": "UPSN", "name": "UPS"}, "tracking_number": "1Z999AA10123456784"})
			if status != 200 || outID == "" {
				t.Fatalf("%s: %d %s", c.name, status, body)
			}
			res, err := edi.Parse(strings.NewReader(body), edi.Options{})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			sn := res.Documents()[0].(*edi.ShipNotice)
			if len(sn.Lines) != 1 || sn.Lines[0].SKU != "TOY-001" || sn.Lines[0].Quantity != "1" ||
				sn.Carrier == nil || sn.Carrier.Code != "UPSN" || len(sn.TrackingNumbers) != 1 || sn.TrackingNumbers[0] != "1Z999AA10123456784" {
				t.Fatalf("%s: notice %+v lines %+v carrier %+v", c.name, sn, sn.Lines, sn.Carrier)
			}
		}

		// By SKU, both lines; without lines, everything as ordered.
		status, _, body := send(t, env, key, orderID, map[string]any{"type": "856", "partner": x12.ID,
			"lines": []map[string]any{{"sku": "TOY-002", "quantity": 1}, {"sku": "TOY-001", "quantity": 2}}})
		if status != 200 || !strings.Contains(body, "SN1**2*EA") || !strings.Contains(body, "SN1**1*EA") {
			t.Fatalf("by SKU: %d %s", status, body)
		}

		for _, c := range []struct {
			name  string
			body  map[string]any
			field string
			code  string
		}{
			{"more than ordered", map[string]any{"type": "856", "partner": x12.ID,
				"lines": []map[string]any{{"line": 1, "quantity": 3}}}, "lines[0].quantity", "exceeds_ordered"},
			{"no such line", map[string]any{"type": "856", "partner": x12.ID,
				"lines": []map[string]any{{"line": 3, "quantity": 1}}}, "lines[0].line", "out_of_range"},
			{"no such sku", map[string]any{"type": "desadv", "partner": edifact.ID,
				"lines": []map[string]any{{"sku": "NOPE", "quantity": 1}}}, "lines[0].sku", "not_found"},
			{"same line twice", map[string]any{"type": "856", "partner": x12.ID,
				"lines": []map[string]any{{"line": 1, "quantity": 1}, {"sku": "TOY-001", "quantity": 1}}}, "lines[1]", "duplicate"},
			{"zero", map[string]any{"type": "856", "partner": x12.ID,
				"lines": []map[string]any{{"line": 1, "quantity": 0}}}, "lines[0].quantity", "positive"},
			{"855 with lines", map[string]any{"type": "855", "partner": x12.ID,
				"lines": []map[string]any{{"line": 1, "quantity": 1}}}, "lines", "invalid_value"},
		} {
			status, _, body := send(t, env, key, orderID, c.body)
			var p struct {
				Errors []struct{ Field, Code string }
			}
			_ = json.Unmarshal([]byte(body), &p)
			if status != 422 || len(p.Errors) == 0 || p.Errors[0].Field != c.field || p.Errors[0].Code != c.code {
				t.Errorf("%s: %d %s", c.name, status, body)
			}
		}
	})
}

// ack997 is the partner ACME acknowledging group gs, set st of an 856.
func ack997(ctl int, gs, st, verdict string, errs ...string) string {
	segs := append([]string{"AK1*SH*" + gs, "AK2*856*" + st}, errs...)
	segs = append(segs, "AK5*"+verdict, "AK9*"+verdict+"*1*1*1")
	body := "ST*997*0001~" + strings.Join(segs, "~") + fmt.Sprintf("~SE*%d*0001~", len(segs)+2)
	return fmt.Sprintf("ISA*00*          *00*          *ZZ*ACME           *ZZ*SILKGATE       *261120*1200*^*00501*%09d*0*P*>~", ctl) +
		fmt.Sprintf("GS*FA*ACME*SILKGATE*20261120*1200*%d*X*005010~", ctl) + body + fmt.Sprintf("GE*1*%d~IEA*1*%09d~", ctl, ctl)
}

func getOutbound(t *testing.T, env *apptest.Env, key, id string) ediapi.Outbound {
	t.Helper()
	var o ediapi.Outbound
	if r := env.Call("GET", "/api/v1/edi/outbound/"+id, key, nil, &o); r.StatusCode != 200 {
		t.Fatalf("outbound %s: %d %s", id, r.StatusCode, apptest.Body(r))
	}
	return o
}

func TestAcknowledgementMatching(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Acme")
		key := env.Key(tenant, identity.TenantAdmin, false)
		other := env.Key(env.Tenant("Other"), identity.TenantAdmin, false)
		orderID := newOrder(t, env, key)
		x12, edifact := partners(t, env, key)

		status, outID, body := send(t, env, key, orderID, map[string]any{"type": "856", "partner": x12.ID})
		if status != 200 {
			t.Fatalf("856: %d %s", status, body)
		}
		res, _ := edi.Parse(strings.NewReader(body), edi.Options{})
		g := res.Interchanges[0].Groups[0]
		gs, st := strings.TrimLeft(g.ControlNumber, "0"), g.Transactions[0].ControlNumber
		o := getOutbound(t, env, key, outID)
		if o.Status != ediapi.StatusPending || !o.ExpectsAck || o.Kind != "document" || o.OrderID != orderID ||
			o.PartnerID != x12.ID || o.Receiver != "ACME" || len(o.Sets) != 1 || o.Sets[0].Type != "856" ||
			o.Sets[0].GroupControl != gs || o.Sets[0].Reference != orderID {
			t.Fatalf("sent %+v", o)
		}

		// The partner accepts it with errors, naming the segment and element.
		resp, out, raw := post(t, env, key, "application/EDI-X12", []byte(ack997(501, gs, st, "E",
			"AK3*TD5*4**8", "AK4*3**7*ZZZ")))
		if resp.StatusCode != 200 || len(out.Documents) != 1 || out.Documents[0].Type != edi.TypeFunctionalAck ||
			out.Documents[0].OutboundID != outID || out.Documents[0].Unmatched || out.Ack != "" {
			t.Fatalf("997: %d %s", resp.StatusCode, raw)
		}
		o = getOutbound(t, env, key, outID)
		if o.Status != ediapi.StatusAcceptedWithErrors || o.AckedAt == nil || len(o.Acks) != 1 || o.Acks[0] != out.Documents[0].ID ||
			o.Sets[0].Status != ediapi.StatusAcceptedWithErrors || len(o.Sets[0].Errors) != 2 ||
			o.Sets[0].Errors[0].Segment != "TD5" || o.Sets[0].Errors[1].Code != "7" {
			t.Fatalf("after 997: %+v", o)
		}

		// An acknowledgement of a group never sent is kept and flagged.
		_, out, raw = post(t, env, key, "application/EDI-X12", []byte(ack997(502, "999999", "0001", "A")))
		if len(out.Documents) != 1 || !out.Documents[0].Unmatched || out.Documents[0].OutboundID != "" {
			t.Fatalf("unmatched: %s", raw)
		}
		var acks struct{ Items []ediapi.ReceivedAck }
		env.Call("GET", "/api/v1/edi/acks?matched=false", key, nil, &acks)
		if len(acks.Items) != 1 || acks.Items[0].ID != out.Documents[0].ID || acks.Items[0].Matched || acks.Items[0].AckedControl != "999999" {
			t.Fatalf("unmatched list %+v", acks.Items)
		}
		env.Call("GET", "/api/v1/edi/acks?matched=true", key, nil, &acks)
		if len(acks.Items) != 1 || acks.Items[0].OutboundID != outID {
			t.Fatalf("matched list %+v", acks.Items)
		}

		// EDIFACT: the partner's CONTRL rejects the DESADV.
		status, desadvID, body := send(t, env, key, orderID, map[string]any{"type": "desadv", "partner": edifact.ID})
		if status != 200 {
			t.Fatalf("desadv: %d %s", status, body)
		}
		res, _ = edi.Parse(strings.NewReader(body), edi.Options{})
		ref, msg := res.Interchanges[0].ID.ControlNumber, res.Interchanges[0].Groups[0].Transactions[0].ControlNumber
		contrl := "UNB+UNOC:3+5412345000013:14+SILKGATE+261120:1200+CT1'UNH+1+CONTRL:D:3:UN'UCI+" + ref +
			"+SILKGATE+5412345000013:14+7'UCM+" + msg + "+DESADV:D:96A:UN+4+13'UCS+5+13'UNT+5+1'UNZ+1+CT1'"
		_, out, raw = post(t, env, key, "application/EDIFACT", []byte(contrl))
		if len(out.Documents) != 1 || out.Documents[0].OutboundID != desadvID {
			t.Fatalf("CONTRL: %s", raw)
		}
		if o := getOutbound(t, env, key, desadvID); o.Status != ediapi.StatusRejected || o.Sets[0].Status != ediapi.StatusRejected ||
			strings.Join(o.Sets[0].Codes, ",") != "13,13" || len(o.Sets[0].Errors) != 1 || o.Sets[0].Errors[0].Position != "5" {
			t.Fatalf("after CONTRL: %+v", o)
		}

		// Another tenant's identical acknowledgement matches nothing of ours,
		// and sees nothing of ours.
		_, out, raw = post(t, env, other, "application/EDI-X12", []byte(ack997(503, gs, st, "A")))
		if len(out.Documents) != 1 || !out.Documents[0].Unmatched {
			t.Fatalf("other tenant: %s", raw)
		}
		if r := env.Call("GET", "/api/v1/edi/outbound/"+outID, other, nil, nil); r.StatusCode != 404 {
			t.Fatalf("other tenant reads outbound: %d", r.StatusCode)
		}

		// Overdue: a document still unacknowledged after the configured time.
		status, waitingID, _ := send(t, env, key, orderID, map[string]any{"type": "855", "partner": x12.ID})
		if status != 200 {
			t.Fatal(status)
		}
		var l struct{ Items []ediapi.Outbound }
		env.Call("GET", "/api/v1/edi/outbound?status=overdue", key, nil, &l)
		if len(l.Items) != 0 {
			t.Fatalf("overdue right away: %+v", l.Items)
		}
		env.Call("GET", "/api/v1/edi/outbound?status=pending&kind=document", key, nil, &l)
		if len(l.Items) != 1 || l.Items[0].ID != waitingID {
			t.Fatalf("pending: %+v", l.Items)
		}
		env.App.EDI.AckTimeout = time.Millisecond
		defer func() { env.App.EDI.AckTimeout = 0 }()
		time.Sleep(5 * time.Millisecond)
		env.Call("GET", "/api/v1/edi/outbound?status=overdue", key, nil, &l)
		if len(l.Items) != 1 || l.Items[0].ID != waitingID || l.Items[0].Status != ediapi.StatusOverdue ||
			l.Items[0].Sets[0].Status != ediapi.StatusOverdue {
			t.Fatalf("overdue: %+v", l.Items)
		}
		if r := env.Call("GET", "/api/v1/edi/outbound?status=late", key, nil, nil); r.StatusCode != 422 {
			t.Fatalf("bad status filter: %d", r.StatusCode)
		}
		env.Call("GET", "/api/v1/edi/outbound?order_id="+orderID+"&kind=document", key, nil, &l)
		if len(l.Items) != 3 {
			t.Fatalf("by order: %d", len(l.Items))
		}
	})
}

// Our own acknowledgements are recorded and expect none.
func TestOwnAcksRecorded(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		key := env.Key(env.Tenant("Acme"), identity.TenantAdmin, false)
		_, out, raw := post(t, env, key, "application/EDI-X12", sample(t, "x12_850_edinet.edi"))
		if out.Ack == "" {
			t.Fatal(raw)
		}
		var l struct{ Items []ediapi.Outbound }
		env.Call("GET", "/api/v1/edi/outbound?kind=ack", key, nil, &l)
		if len(l.Items) != 1 || l.Items[0].ExpectsAck || l.Items[0].Status != ediapi.StatusNotExpected ||
			len(l.Items[0].Sets) != 1 || l.Items[0].Sets[0].Type != "997" || l.Items[0].Receiver != "000123456" {
			t.Fatalf("%+v", l.Items)
		}
		env.App.EDI.AckTimeout = time.Nanosecond
		defer func() { env.App.EDI.AckTimeout = 0 }()
		env.Call("GET", "/api/v1/edi/outbound?status=overdue", key, nil, &l)
		if len(l.Items) != 0 {
			t.Fatalf("an acknowledgement is overdue: %+v", l.Items)
		}
	})
}

func TestTrackingStatus(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		key := env.Key(env.Tenant("Acme"), identity.TenantAdmin, false)
		for _, c := range []struct {
			file, ct, ack string
			docs          int
		}{
			{"x12_214_canadapost_omniparser.edi", "application/EDI-X12", "ST*997*", 19},
			{"edifact_iftsta_d01b_gs1example.edi", "text/plain", "UNH+1+CONTRL:", 1},
		} {
			resp, out, raw := post(t, env, key, c.ct, sample(t, c.file))
			if resp.StatusCode != 200 || len(out.Documents) != c.docs || out.Rejected != 0 || !strings.Contains(out.Ack, c.ack) {
				t.Fatalf("%s: %d %s", c.file, resp.StatusCode, raw)
			}
			var doc ediapi.Document
			if r := env.Call("GET", "/api/v1/edi/documents/"+out.Documents[0].ID, key, nil, &doc); r.StatusCode != 200 {
				t.Fatalf("%s: document %d", c.file, r.StatusCode)
			}
			var ts edi.TrackingStatus
			if err := json.Unmarshal(doc.Body, &ts); err != nil || doc.Type != edi.TypeTrackingStatus || len(ts.Events) == 0 ||
				ts.Events[0].Stage == "" || ts.Events[0].At == "" {
				t.Fatalf("%s: %+v %v", c.file, ts, err)
			}
		}
		// The logistics module's view: tracking documents only.
		var l struct{ Items []ediapi.Document }
		if r := env.Call("GET", "/api/v1/edi/documents?type=tracking_status", key, nil, &l); r.StatusCode != 200 || len(l.Items) != 20 {
			t.Fatalf("tracking documents: %d, %d items", r.StatusCode, len(l.Items))
		}
		env.Call("GET", "/api/v1/edi/documents?type=tracking_status&reference=95-455", key, nil, &l)
		if len(l.Items) != 1 || l.Items[0].Type != edi.TypeTrackingStatus {
			t.Fatalf("by reference: %+v", l.Items)
		}
		if r := env.Call("GET", "/api/v1/edi/documents?type=parcel", key, nil, nil); r.StatusCode != 422 {
			t.Fatalf("unknown type: %d", r.StatusCode)
		}
		other := env.Key(env.Tenant("Other"), identity.TenantAdmin, false)
		if env.Call("GET", "/api/v1/edi/documents", other, nil, &l); len(l.Items) != 0 {
			t.Fatalf("another tenant sees %d documents", len(l.Items))
		}
	})
}
