package ediapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/edi"
	"github.com/silkgate/silkgate/internal/gateway/ediapi"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/returns"
)

// ediOrder enters a shipped order of channel ch (TOY-001 × 2) and opens a
// return of one unit.
func ediReturn(t *testing.T, env *apptest.Env, key, ch, ext string) (orderID, returnID string) {
	t.Helper()
	var o struct{ ID string }
	if r := env.Call("POST", "/api/v1/orders", key, map[string]any{"external_id": ext, "channel": ch,
		"placed_at": "2026-11-20T10:00:00Z", "currency": "EUR",
		"buyer":   map[string]any{"name": "Jonas Weber", "country": "DE"},
		"ship_to": map[string]any{"name": "Jonas Weber", "line1": "Invalidenstr. 1", "city": "Berlin", "postcode": "10115", "country": "DE"},
		"lines":   []any{map[string]any{"sku": "TOY-001", "quantity": 2, "unit_price": map[string]any{"amount": "19.99", "currency": "EUR"}}},
	}, &o); r.StatusCode != http.StatusCreated {
		t.Fatalf("order: %d %s", r.StatusCode, apptest.Body(r))
	}
	for _, st := range []string{"confirmed", "shipped"} {
		if r := env.Call("POST", "/api/v1/orders/"+o.ID+"/status", key, map[string]any{"status": st}, nil); r.StatusCode != http.StatusOK {
			t.Fatalf("order %s: %d %s", st, r.StatusCode, apptest.Body(r))
		}
	}
	var ret struct{ ID string }
	if r := env.Call("POST", "/api/v1/returns", key, map[string]any{"order_id": o.ID, "reason": "damaged",
		"requested_resolution": "refund", "notes": "corner crushed * badly",
		"lines": []any{map[string]any{"sku": "TOY-001", "quantity": 1}}}, &ret); r.StatusCode != http.StatusCreated {
		t.Fatalf("return: %d %s", r.StatusCode, apptest.Body(r))
	}
	return o.ID, ret.ID
}

func returnPartner(t *testing.T, env *apptest.Env, key string, body map[string]any) ediapi.Partner {
	t.Helper()
	var p ediapi.Partner
	if r := env.Call("POST", "/api/v1/edi/partners", key, body, &p); r.StatusCode != http.StatusCreated {
		t.Fatalf("partner: %d %s", r.StatusCode, apptest.Body(r))
	}
	return p
}

// get fetches a path and returns status, headers and body.
func get(t *testing.T, env *apptest.Env, key, path string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", env.Server.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func relay(t *testing.T, env *apptest.Env) {
	t.Helper()
	if _, err := env.App.Events.Relay(env.Ctx); err != nil {
		t.Fatal(err)
	}
}

func notices(t *testing.T, env *apptest.Env, key, returnID string) []ediapi.Outbound {
	t.Helper()
	var l struct{ Items []ediapi.Outbound }
	if r := env.Call("GET", "/api/v1/edi/outbound?return_id="+returnID+"&limit=100", key, nil, &l); r.StatusCode != http.StatusOK {
		t.Fatalf("outbound: %d %s", r.StatusCode, apptest.Body(r))
	}
	return l.Items
}

func TestReturnNotices(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tid := env.Tenant("Returns EDI")
		key := env.Key(tid, identity.TenantAdmin, false)
		finance := env.Key(tid, identity.Finance, false)
		other := env.Key(env.Tenant("Other"), identity.TenantAdmin, false)
		x12 := returnPartner(t, env, key, map[string]any{"name": "Acme X12", "standard": "x12", "returns_by_edi": true,
			"x12_version": "00501", "x12_group_version": "005010",
			"partner_id": map[string]any{"qualifier": "ZZ", "id": "ACME"}, "local_id": map[string]any{"qualifier": "ZZ", "id": "SILKGATE"}})
		edifact := returnPartner(t, env, key, map[string]any{"name": "Acme EDIFACT", "standard": "edifact", "returns_by_edi": true,
			"edifact_version": "D:01B:UN", "partner_id": map[string]any{"id": "ACME"}, "local_id": map[string]any{"id": "SILKGATE"}})
		quiet := returnPartner(t, env, key, map[string]any{"name": "Quiet Co", "standard": "x12",
			"partner_id": map[string]any{"qualifier": "ZZ", "id": "QUIET"}, "local_id": map[string]any{"qualifier": "ZZ", "id": "SILKGATE"}})
		if !x12.ReturnsByEDI || quiet.ReturnsByEDI {
			t.Fatalf("preference: %+v %+v", x12.Profile, quiet.Profile)
		}

		orderID, retID := ediReturn(t, env, key, "edi-acme", "PO-77")
		steps := []struct {
			path string
			body any
		}{
			{"approve", nil},
			{"label", map[string]any{"carrier": "DHL", "tracking_number": "JD014600009"}},
			{"in-transit", nil},
			{"receive", map[string]any{}},
			{"inspect", map[string]any{"units": []any{map[string]any{"sku": "TOY-001", "disposition": "dispose", "grade": "D"}}}},
			{"close", map[string]any{"note": "not as claimed"}},
		}
		for _, s := range steps {
			if r := env.Call("POST", "/api/v1/returns/"+retID+"/"+s.path, key, s.body, nil); r.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %s", s.path, r.StatusCode, apptest.Body(r))
			}
		}
		relay(t, env)

		// One notice per status change and partner that asked for them.
		want := []string{"requested", "approved", "label_issued", "in_transit", "received", "inspected", "closed"}
		got := notices(t, env, key, retID)
		if len(got) != 2*len(want) {
			t.Fatalf("%d automatic notices, want %d: %+v", len(got), 2*len(want), got)
		}
		seen := map[string]bool{}
		controls := map[string]bool{}
		for _, o := range got {
			if o.ReturnID != retID || o.OrderID != orderID || !o.ExpectsAck || o.Status != ediapi.StatusPending || len(o.Sets) != 1 {
				t.Fatalf("notice %+v", o)
			}
			controls[o.Standard+o.ControlNumber] = true
			resp, body := get(t, env, key, "/api/v1/edi/outbound/"+o.ID+"/interchange")
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Silkgate-EDI-Control-Number") != o.ControlNumber {
				t.Fatalf("download %s: %d %v", o.ID, resp.StatusCode, resp.Header)
			}
			res, err := edi.Parse(strings.NewReader(body), edi.Options{})
			if err != nil || len(res.Documents()) != 1 {
				t.Fatalf("download %s does not parse: %v\n%s", o.ID, err, body)
			}
			rn := res.Documents()[0].(*edi.ReturnNotice)
			if rn.ExternalID != retID || rn.OrderRef != "PO-77" || rn.Reason != "damaged" || len(rn.Lines) != 1 ||
				rn.Lines[0].SKU != "TOY-001" || rn.Lines[0].Quantity != "1" {
				t.Fatalf("notice %s: %+v", o.ID, rn)
			}
			switch o.PartnerID {
			case x12.ID:
				if o.Sets[0].Type != "180" || o.Sets[0].FunctionalID != "AN" || !strings.Contains(body, "ST*180*0001*005010~") ||
					!strings.Contains(body, "NTE*GEN*corner crushed   badly~") {
					t.Fatalf("180 %s", body)
				}
			case edifact.ID:
				if o.Sets[0].Type != "RETANN" || !strings.Contains(body, "UNH+1+RETANN:D:01B:UN'") ||
					!strings.Contains(body, "FTX+AAI+++corner crushed * badly'") {
					t.Fatalf("RETANN %s", body)
				}
			default:
				t.Fatalf("notice to %s", o.PartnerID)
			}
			seen[o.PartnerID+"/"+rn.Status] = true
		}
		for _, st := range want {
			if !seen[x12.ID+"/"+st] || !seen[edifact.ID+"/"+st] {
				t.Errorf("no notice of %s: %v", st, seen)
			}
		}
		if len(controls) != len(got) {
			t.Errorf("control numbers reused: %v", controls)
		}
		// Each notice is announced with its text, for a webhook receiver
		// to forward to the partner.
		for _, o := range got {
			var data string
			if err := env.App.DB.Q(env.Ctx).QueryRowContext(env.Ctx, `SELECT data FROM outbox_events
				WHERE tenant_id = $1 AND type = $2 AND resource_id = $3`, tid, ediapi.EventInterchangeSent, o.ID).Scan(&data); err != nil {
				t.Fatalf("announcement of %s: %v", o.ID, err)
			}
			var ann ediapi.InterchangeSent
			if err := json.Unmarshal([]byte(data), &ann); err != nil || ann.ReturnID != retID || ann.ControlNumber != o.ControlNumber ||
				ann.DownloadURL != "/api/v1/edi/outbound/"+o.ID+"/interchange" || mustDownload(t, env, key, o.ID) != ann.Interchange {
				t.Fatalf("announcement of %s: %v %s", o.ID, err, data)
			}
		}

		// The relay handing the events over again writes nothing twice.
		if _, err := env.App.DB.W(env.Ctx).ExecContext(env.Ctx, `UPDATE outbox_events SET relayed_at = NULL`); err != nil {
			t.Fatal(err)
		}
		relay(t, env)
		if n := len(notices(t, env, key, retID)); n != len(got) {
			t.Fatalf("%d notices after a second relay, want %d", n, len(got))
		}

		// On request: the partner of the order's sender by default.
		resp, body := get(t, env, key, "/api/v1/returns/"+retID+"/edi?type=180")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/EDI-X12" ||
			!strings.Contains(body, "BGN*CN*"+retID+"*") || !strings.Contains(body, "RDR*RA*DA**closed~") ||
			!strings.Contains(body, "PRF*PO-77***20261120~") || !strings.Contains(body, "N9*CN*JD014600009~") {
			t.Fatalf("180: %d %s", resp.StatusCode, body)
		}
		outID := resp.Header.Get("Silkgate-EDI-Outbound-Id")
		resp, body = get(t, env, key, "/api/v1/returns/"+retID+"/edi?type=retann&partner="+edifact.ID)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/EDIFACT" ||
			!strings.Contains(body, "BGM+70E::9+"+retID+"+4'") || !strings.Contains(body, "FTX+ZZZ+++closed'") {
			t.Fatalf("RETANN: %d %s", resp.StatusCode, body)
		}

		// The partner's 997 for the 180 is matched like any outbound document's.
		res, _ := edi.Parse(strings.NewReader(mustDownload(t, env, key, outID)), edi.Options{})
		g := res.Interchanges[0].Groups[0]
		ack := strings.ReplaceAll(ack997(601, strings.TrimLeft(g.ControlNumber, "0"), g.Transactions[0].ControlNumber, "A"),
			"AK1*SH*", "AK1*AN*")
		ack = strings.Replace(ack, "AK2*856*", "AK2*180*", 1)
		if r, out, raw := post(t, env, key, "application/EDI-X12", []byte(ack)); r.StatusCode != 200 ||
			len(out.Documents) != 1 || out.Documents[0].OutboundID != outID {
			t.Fatalf("997: %d %s", r.StatusCode, raw)
		}
		if o := getOutbound(t, env, key, outID); o.Status != ediapi.StatusAccepted || o.ReturnID != retID {
			t.Fatalf("after 997: %+v", o)
		}

		// A partner without the preference gets nothing by itself, but
		// its notice can be asked for.
		_, quietRet := ediReturn(t, env, key, "edi-quiet", "PO-78")
		if r := env.Call("POST", "/api/v1/returns/"+quietRet+"/reject", key, map[string]any{"note": "outside the return window"}, nil); r.StatusCode != http.StatusOK {
			t.Fatalf("reject: %d %s", r.StatusCode, apptest.Body(r))
		}
		relay(t, env)
		if n := len(notices(t, env, key, quietRet)); n != 0 {
			t.Fatalf("%d automatic notices to a partner without the preference", n)
		}
		resp, body = get(t, env, key, "/api/v1/returns/"+quietRet+"/edi?type=180")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "BGN*44*") || !strings.Contains(body, "RDR*RD*DA**rejected~") ||
			!strings.Contains(body, "*ZZ*QUIET          *") {
			t.Fatalf("quiet 180: %d %s", resp.StatusCode, body)
		}

		// A return of an order that did not come by EDI has no partner.
		_, plainRet := ediReturn(t, env, key, "amazon-de", "AMZ-9")
		relay(t, env)
		if n := len(notices(t, env, key, plainRet)); n != 0 {
			t.Fatalf("%d notices for a non-EDI return", n)
		}
		for _, c := range []struct {
			name, key, path string
			status          int
			contains        string
		}{
			{"not EDI", key, "/api/v1/returns/" + plainRet + "/edi?type=180", http.StatusConflict, "edi_return_not_edi"},
			{"no type", key, "/api/v1/returns/" + retID + "/edi", http.StatusUnprocessableEntity, `"field":"type"`},
			{"bad type", key, "/api/v1/returns/" + retID + "/edi?type=856", http.StatusUnprocessableEntity, `"field":"type"`},
			{"standard mismatch", key, "/api/v1/returns/" + retID + "/edi?type=retann&partner=" + x12.ID,
				http.StatusUnprocessableEntity, "edi_standard_mismatch"},
			{"unknown partner", key, "/api/v1/returns/" + retID + "/edi?type=180&partner=edip_nope",
				http.StatusUnprocessableEntity, `"field":"partner"`},
			{"no EDIFACT partner for the sender", key, "/api/v1/returns/" + quietRet + "/edi?type=retann",
				http.StatusUnprocessableEntity, `"field":"partner"`},
			{"no such return", key, "/api/v1/returns/ret_nope/edi?type=180", http.StatusNotFound, ""},
			{"other tenant", other, "/api/v1/returns/" + retID + "/edi?type=180", http.StatusNotFound, ""},
			{"role without data.read", finance, "/api/v1/returns/" + retID + "/edi?type=180", http.StatusForbidden, ""},
			{"other tenant's download", other, "/api/v1/edi/outbound/" + outID + "/interchange", http.StatusNotFound, ""},
		} {
			resp, body := get(t, env, c.key, c.path)
			if resp.StatusCode != c.status || !strings.Contains(body, c.contains) {
				t.Errorf("%s: %d %s", c.name, resp.StatusCode, body)
			}
		}
		// The 409 says which channel the order came from.
		if _, body := get(t, env, key, "/api/v1/returns/"+plainRet+"/edi?type=180"); !strings.Contains(body, "amazon-de") {
			t.Errorf("409 detail: %s", body)
		}
	})
}

func mustDownload(t *testing.T, env *apptest.Env, key, outID string) string {
	t.Helper()
	resp, body := get(t, env, key, "/api/v1/edi/outbound/"+outID+"/interchange")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("download %s: %d %s", outID, resp.StatusCode, body)
	}
	return body
}

// TestEveryReturnStatusHasCodes: a status added to the returns module
// must be given its 180 and RETANN codes (edi/returns.go) before a notice
// can be written for it.
func TestEveryReturnStatusHasCodes(t *testing.T) {
	for _, st := range returns.Statuses {
		if _, _, _, ok := edi.ReturnStatusCodes(string(st)); !ok {
			t.Errorf("return status %q has no EDI codes", st)
		}
	}
	for _, r := range returns.Reasons {
		if r != "no_longer_needed" && r != "other" && edi.ReturnReasonCode(r) == "" {
			t.Errorf("return reason %q has no X12 code", r)
		}
	}
}
