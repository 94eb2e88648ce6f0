package shipments_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/rates"
	"github.com/silkgate/silkgate/internal/logistics/shipments"
	"github.com/silkgate/silkgate/internal/platform/web"
)

type problemBody struct {
	Code   string
	Errors []struct{ Field, Code string }
}

func (p problemBody) has(field, code string) bool {
	for _, e := range p.Errors {
		if e.Field == field && e.Code == code {
			return true
		}
	}
	return false
}

const order = `{"external_id": "AMZ-SHIP-1", "channel": "amazon-de", "placed_at": "2026-11-20T10:00:00Z",
 "currency": "EUR", "buyer": {"name": "Jonas Weber", "country": "DE"},
 "ship_to": {"name": "Jonas Weber", "line1": "Invalidenstr. 1", "city": "Berlin", "postcode": "10115", "country": "DE"},
 "lines": [{"sku": "TOY-001", "quantity": 2, "unit_price": {"amount": "19.99", "currency": "EUR"}}]}`

func upload(t *testing.T, env *apptest.Env, key, path, name string, body []byte) *http.Response {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(body)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", env.Server.URL+path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestShipmentsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		if _, err := env.App.Rates.SeedSamples(env.Ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := env.App.FX.SeedSamples(env.Ctx); err != nil {
			t.Fatal(err)
		}
		a, b := env.Tenant("Shop A"), env.Tenant("Shop B")
		opA, viewerA, opB := env.Key(a, identity.Operator, false), env.Key(a, identity.Viewer, false), env.Key(b, identity.Operator, false)

		var o struct{ ID string }
		if r := env.Call("POST", "/api/v1/orders", opA, order, &o); r.StatusCode != 201 {
			t.Fatalf("order: %d %s", r.StatusCode, apptest.Body(r))
		}
		var cmp rates.Result
		if r := env.Call("POST", "/api/v1/logistics/rates", opA, map[string]any{"origin": map[string]string{"country": "CN"},
			"destination": map[string]string{"country": "DE", "postcode": "10115"},
			"parcels":     []any{map[string]any{"weight_g": 1200, "dims_mm": []int{300, 200, 150}}},
			"currency":    "EUR"}, &cmp); r.StatusCode != 200 || len(cmp.Offers) == 0 {
			t.Fatalf("compare: %d %s", r.StatusCode, apptest.Body(r))
		}
		offer := cmp.Offers[0]
		body := map[string]any{"order_id": o.ID, "service_id": offer.ServiceID,
			"parcels": []any{map[string]any{"weight_g": 1200, "dims_mm": []int{300, 200, 150}}}}

		// No sender address yet, and a bad request names its fields.
		var p problemBody
		if r := env.Call("POST", "/api/v1/shipments", opA, body, &p); r.StatusCode != 422 || !p.has("from", "no_default_sender") {
			t.Fatalf("without sender: %d %+v", r.StatusCode, p)
		}
		p = problemBody{}
		if r := env.Call("POST", "/api/v1/shipments", opA, map[string]any{"parcels": []any{map[string]any{"weight_g": 0, "dims_mm": []int{1, 1, 1}}}}, &p); r.StatusCode != 422 ||
			!p.has("order_id", "required") || !p.has("service_id", "required") || !p.has("parcels[0].weight_g", "out_of_range") {
			t.Errorf("invalid body: %d %+v", r.StatusCode, p)
		}
		if r := env.Call("PUT", "/api/v1/shipments/sender", opA, map[string]any{"name": "Yiwu Bright Toys", "line1": "88 Futian Road",
			"city": "Yiwu", "postcode": "322000", "country": "CN"}, nil); r.StatusCode != 200 {
			t.Fatalf("sender: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("POST", "/api/v1/shipments", viewerA, body, nil); r.StatusCode != 403 {
			t.Errorf("viewer creating: %d", r.StatusCode)
		}

		var sh shipments.Shipment
		if r := env.Call("POST", "/api/v1/shipments", opA, body, &sh); r.StatusCode != 201 {
			t.Fatalf("create: %d %s", r.StatusCode, apptest.Body(r))
		}
		if sh.TrackingNumber == "" || sh.CarrierCode != shipments.SandboxCarrierCode || sh.Status != carrier.LabelCreated ||
			sh.Price != offer.Price || sh.From.Country != "CN" || sh.To.City != "Berlin" || len(sh.Events) != 1 {
			t.Fatalf("shipment: %+v", sh)
		}
		r := env.Call("GET", sh.LabelURL, viewerA, nil, nil)
		if lbl := apptest.Body(r); r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(lbl, "%PDF-") {
			t.Errorf("label: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		if r := env.Call("GET", "/api/v1/shipments/"+sh.ID, opB, nil, nil); r.StatusCode != 404 {
			t.Errorf("other tenant reads shipment: %d", r.StatusCode)
		}
		if r := env.Call("GET", sh.LabelURL, opB, nil, nil); r.StatusCode != 404 {
			t.Errorf("other tenant reads label: %d", r.StatusCode)
		}

		// Tracking: a bad batch stores nothing; a good one moves the
		// status, and an earlier stage afterwards is history.
		p = problemBody{}
		if r := env.Call("POST", "/api/v1/tracking/events", opA, map[string]any{"events": []any{
			map[string]any{"tracking_number": sh.TrackingNumber, "status": "picked_up", "at": "2026-11-20T12:00:00+08:00"},
			map[string]any{"tracking_number": sh.TrackingNumber, "status": "flying", "at": "2026-11-20 12:00"}}}, &p); r.StatusCode != 422 ||
			!p.has("events[1].status", "one_of") || !p.has("events[1].at", "invalid_timestamp") {
			t.Fatalf("bad batch: %d %+v", r.StatusCode, p)
		}
		var res shipments.BatchResult
		if r := env.Call("POST", "/api/v1/tracking/events", opA, map[string]any{"events": []any{
			map[string]any{"tracking_number": sh.TrackingNumber, "code": "P1", "code_list": "x12", "at": "2030-11-21T09:00:00+08:00",
				"location": "Shenzhen", "country": "CN"},
			map[string]any{"tracking_number": strings.ToLower(sh.TrackingNumber), "status": "picked_up", "at": "2030-11-20T12:00:00+08:00"},
			map[string]any{"tracking_number": "ZZ999999999CN", "status": "departed", "at": "2030-11-21T09:00:00Z"}}}, &res); r.StatusCode != 200 {
			t.Fatalf("ingest: %d %s", r.StatusCode, apptest.Body(r))
		}
		if res.Matched != 2 || res.Unmatched != 1 || !res.Results[0].Applied || res.Results[1].Applied {
			t.Errorf("ingest result: %+v", res)
		}
		var got shipments.Shipment
		env.Call("GET", "/api/v1/shipments/"+sh.ID, viewerA, nil, &got)
		if got.Status != carrier.Departed || len(got.Events) != 3 {
			t.Errorf("after ingest: %s, %d events", got.Status, len(got.Events))
		}
		if e := got.Events[2]; e.StatusCode != "P1" || e.At.Format("-07:00") != "+08:00" || e.Country != "CN" {
			t.Errorf("event keeps code and zone: %+v", e)
		}

		// Lists and filters.
		var l web.List[shipments.Shipment]
		env.Call("GET", "/api/v1/shipments?status=departed", viewerA, nil, &l)
		if len(l.Items) != 1 || l.Items[0].ID != sh.ID || l.Items[0].Events != nil {
			t.Errorf("filter departed: %+v", l.Items)
		}
		env.Call("GET", "/api/v1/shipments?status=delivered", viewerA, nil, &l)
		if len(l.Items) != 0 {
			t.Errorf("filter delivered: %d", len(l.Items))
		}
		p = problemBody{}
		if r := env.Call("GET", "/api/v1/shipments?status=lost", viewerA, nil, &p); r.StatusCode != 422 || !p.has("status", "one_of") {
			t.Errorf("bad filter: %d", r.StatusCode)
		}
		env.Call("GET", "/api/v1/shipments", opB, nil, &l)
		if len(l.Items) != 0 {
			t.Errorf("tenant B lists A's shipments: %d", len(l.Items))
		}
		var un web.List[shipments.Event]
		env.Call("GET", "/api/v1/tracking/unmatched", viewerA, nil, &un)
		if len(un.Items) != 1 || un.Items[0].TrackingNumber != "ZZ999999999CN" {
			t.Errorf("unmatched: %+v", un.Items)
		}

		// Webhook: a known carrier code, the carrier's code table.
		if r := env.Call("POST", "/api/v1/tracking/webhooks/nobody", opA, map[string]any{"events": []any{}}, nil); r.StatusCode != 404 {
			t.Errorf("unknown carrier webhook: %d", r.StatusCode)
		}
		if r := env.Call("POST", "/api/v1/tracking/webhooks/sandbox", opA, map[string]any{"events": []any{
			map[string]any{"tracking_number": sh.TrackingNumber, "code": "exception", "reason": "customs_hold",
				"at": "2030-11-23T10:00:00+01:00", "location": "Frankfurt", "country": "DE"}}}, &res); r.StatusCode != 200 || !res.Results[0].Applied {
			t.Fatalf("webhook: %d %s", r.StatusCode, apptest.Body(r))
		}
		var al web.List[shipments.Alert]
		env.Call("GET", "/api/v1/tracking/alerts?shipment_id="+sh.ID, viewerA, nil, &al)
		if len(al.Items) != 1 || al.Items[0].Reason != carrier.ReasonCustomsHold {
			t.Errorf("alerts: %+v", al.Items)
		}
		env.Call("GET", "/api/v1/shipments?exception=true", viewerA, nil, &l)
		if len(l.Items) != 1 {
			t.Errorf("exception filter: %d", len(l.Items))
		}

		// CSV upload: valid rows kept, bad rows reported by row and field.
		csv := "tracking_number,status,code,code_list,at,location,country\n" +
			sh.TrackingNumber + ",import_customs,,,2030-11-24T08:00:00+01:00,Frankfurt,DE\n" +
			sh.TrackingNumber + ",,ZZ,x12,2030-11-24T09:00:00+01:00,,DE\n" +
			",out_for_delivery,,,2030-11-24T09:00:00+01:00,,XX\n" +
			sh.TrackingNumber + ",delivered,,,2030-11-25T15:00:00+01:00,Berlin,DE\n"
		resp := upload(t, env, opA, "/api/v1/tracking/events.csv", "events.csv", []byte(csv))
		var rep shipments.CSVReport
		if raw, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 || jsonInto(raw, &rep) != nil {
			t.Fatalf("upload: %d %s", resp.StatusCode, raw)
		}
		if rep.Rows != 4 || rep.Accepted != 2 || rep.Rejected != 2 {
			t.Errorf("report: %+v", rep)
		}
		wantErr := map[shipments.CSVError]bool{{Row: 3, Field: "code", Code: "unknown_status_code"}: true,
			{Row: 4, Field: "tracking_number", Code: "required"}: true, {Row: 4, Field: "country", Code: "invalid_country"}: true}
		for _, e := range rep.Errors {
			if e.Message == "" || e.Message == e.Code {
				t.Errorf("error %+v has no message", e)
			}
			e.Message = ""
			if !wantErr[e] {
				t.Errorf("unexpected error %+v", e)
			}
			delete(wantErr, e)
		}
		if len(wantErr) > 0 {
			t.Errorf("missing errors %+v", wantErr)
		}
		env.Call("GET", "/api/v1/shipments/"+sh.ID, viewerA, nil, &got)
		if got.Status != carrier.Delivered || got.DeliveredAt == nil || got.Outcome == nil || got.Outcome.Result != "delivered" {
			t.Errorf("after upload: %s %+v", got.Status, got.Outcome)
		}
		if r := env.Call("POST", "/api/v1/tracking/events.csv", opA, "not,a,csv", nil); r.StatusCode != 415 {
			t.Errorf("json body to upload: %d", r.StatusCode)
		}
		if r := env.Call("GET", "/api/v1/tracking/template.csv", viewerA, nil, nil); r.StatusCode != 200 ||
			!strings.Contains(apptest.Body(r), "tracking_number") {
			t.Errorf("template: %d", r.StatusCode)
		}
	})
}

// TestEDIImport receives a carrier's 214 at the EDI gateway and imports
// its events; a second import adds nothing.
func TestEDIImport(t *testing.T) {
	edi, err := os.ReadFile("../../gateway/ediapi/testdata/x12_214_canadapost_omniparser.edi")
	if err != nil {
		t.Fatal(err)
	}
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a := env.Tenant("Shop A")
		op := env.Key(a, identity.Operator, false)
		req, _ := http.NewRequest("POST", env.Server.URL+"/api/v1/edi", bytes.NewReader(edi))
		req.Header.Set("Content-Type", "application/EDI-X12")
		req.Header.Set("Authorization", "Bearer "+env.Key(a, identity.TenantAdmin, false))
		resp, err := env.Server.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("edi: %d", resp.StatusCode)
		}
		var res shipments.EDIResult
		if r := env.Call("POST", "/api/v1/tracking/edi-import", op, nil, &res); r.StatusCode != 200 {
			t.Fatalf("import: %d %s", r.StatusCode, apptest.Body(r))
		}
		if res.Documents == 0 || res.Events.Accepted+len(res.Skipped) == 0 {
			t.Fatalf("imported nothing: %+v", res)
		}
		var un web.List[shipments.Event]
		env.Call("GET", "/api/v1/tracking/unmatched?limit=100", op, nil, &un)
		if len(un.Items) != res.Events.Accepted {
			t.Errorf("unmatched %d, accepted %d", len(un.Items), res.Events.Accepted)
		}
		for _, e := range un.Items {
			if e.Source != shipments.SourceEDI || e.CarrierCode != "cpcc" || e.SourceRef == "" {
				t.Errorf("edi event: %+v", e)
			}
		}
		var again shipments.EDIResult
		env.Call("POST", "/api/v1/tracking/edi-import", op, nil, &again)
		if again.Documents != 0 || again.Events.Accepted != 0 {
			t.Errorf("second import: %+v", again)
		}
	})
}

func jsonInto(raw []byte, v any) error { return json.Unmarshal(raw, v) }
