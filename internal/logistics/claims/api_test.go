package claims_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/claims"
	"github.com/silkgate/silkgate/internal/logistics/rates"
	"github.com/silkgate/silkgate/internal/logistics/shipments"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
)

const order = `{"external_id": "AMZ-CLAIM-1", "channel": "amazon-de", "placed_at": "2026-11-20T10:00:00Z",
 "currency": "EUR", "buyer": {"name": "Jonas Weber", "country": "DE"},
 "ship_to": {"name": "Jonas Weber", "line1": "Invalidenstr. 1", "city": "Berlin", "postcode": "10115", "country": "DE"},
 "lines": [{"sku": "TOY-001", "quantity": 2, "unit_price": {"amount": "19.99", "currency": "EUR"}}]}`

// shipment buys a label for a new order of the key's tenant.
func shipment(t *testing.T, env *apptest.Env, key string) shipments.Shipment {
	t.Helper()
	var o struct{ ID string }
	if r := env.Call("POST", "/api/v1/orders", key, order, &o); r.StatusCode != 201 {
		t.Fatalf("order: %d %s", r.StatusCode, apptest.Body(r))
	}
	var cmp rates.Result
	if r := env.Call("POST", "/api/v1/logistics/rates", key, map[string]any{"origin": map[string]string{"country": "CN"},
		"destination": map[string]string{"country": "DE", "postcode": "10115"},
		"parcels":     []any{map[string]any{"weight_g": 1200, "dims_mm": []int{300, 200, 150}}},
		"currency":    "EUR"}, &cmp); r.StatusCode != 200 || len(cmp.Offers) == 0 {
		t.Fatalf("compare: %d %s", r.StatusCode, apptest.Body(r))
	}
	if r := env.Call("PUT", "/api/v1/shipments/sender", key, map[string]any{"name": "Yiwu Bright Toys", "line1": "88 Futian Road",
		"city": "Yiwu", "postcode": "322000", "country": "CN"}, nil); r.StatusCode != 200 {
		t.Fatalf("sender: %d %s", r.StatusCode, apptest.Body(r))
	}
	var sh shipments.Shipment
	if r := env.Call("POST", "/api/v1/shipments", key, map[string]any{"order_id": o.ID, "service_id": cmp.Offers[0].ServiceID,
		"parcels": []any{map[string]any{"weight_g": 1200, "dims_mm": []int{300, 200, 150}}}}, &sh); r.StatusCode != 201 {
		t.Fatalf("shipment: %d %s", r.StatusCode, apptest.Body(r))
	}
	return sh
}

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

func raw(t *testing.T, env *apptest.Env, key, path, ct, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", env.Server.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		if _, err := env.App.Rates.SeedSamples(env.Ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := env.App.FX.SeedSamples(env.Ctx); err != nil {
			t.Fatal(err)
		}
		a, b := env.Tenant("Claims A"), env.Tenant("Claims B")
		op, viewer, other := env.Key(a, identity.Operator, false), env.Key(a, identity.Viewer, false),
			env.Key(b, identity.Operator, false)
		sh := shipment(t, env, op)
		base := "/api/v1/shipments/" + sh.ID + "/claims"

		var c claims.Claim
		body := map[string]any{"type": "damage", "claimed_amount": map[string]any{"amount": "39.98", "currency": "EUR"},
			"description": "Box crushed, both sets broken", "lines": []any{map[string]any{"sku": "TOY-001", "quantity": 2}}}
		resp := env.Call("POST", base, op, body, &c)
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("Location") != "/api/v1/claims/"+c.ID ||
			c.Status != claims.Filed || c.ShipmentID != sh.ID || c.ClaimedAmount.Amount != "39.98" {
			t.Fatalf("create: %d %s", resp.StatusCode, apptest.Body(resp))
		}
		claimPath := "/api/v1/claims/" + c.ID
		tests := []struct {
			name, method, path, key string
			body                    any
			status                  int
			contains                string
		}{
			{"viewer cannot file", "POST", base, viewer, body, http.StatusForbidden, ""},
			{"other tenant's shipment", "POST", base, other, body, http.StatusNotFound, ""},
			{"other tenant lists the shipment's claims", "GET", base, other, nil, http.StatusNotFound, ""},
			{"other tenant reads", "GET", claimPath, other, nil, http.StatusNotFound, ""},
			{"unknown shipment", "POST", "/api/v1/shipments/shp_nope/claims", op, body, http.StatusNotFound, ""},
			{"wrong decimals", "POST", base, op, map[string]any{"type": "loss", "description": "x",
				"claimed_amount": map[string]any{"amount": "10.001", "currency": "EUR"}},
				http.StatusUnprocessableEntity, `"field":"claimed_amount.amount"`},
			{"a float", "POST", base, op, map[string]any{"type": "loss", "description": "x",
				"claimed_amount": map[string]any{"amount": 10.5, "currency": "EUR"}}, http.StatusUnprocessableEntity,
				`"field":"claimed_amount.amount"`},
			{"unknown type", "POST", base, op, map[string]any{"type": "theft", "description": "x",
				"claimed_amount": map[string]any{"amount": "1.00", "currency": "EUR"}}, http.StatusUnprocessableEntity, `"field":"type"`},
			{"viewer reads", "GET", claimPath, viewer, nil, http.StatusOK, c.ID},
			{"shipment's claims", "GET", base, viewer, nil, http.StatusOK, c.ID},
			{"list by filters", "GET", "/api/v1/claims?status=filed&type=damage&carrier=" + sh.CarrierCode, viewer, nil, http.StatusOK, c.ID},
			{"list bad status", "GET", "/api/v1/claims?status=lost", viewer, nil, http.StatusUnprocessableEntity, `"field":"status"`},
			{"list bad type", "GET", "/api/v1/claims?type=theft", viewer, nil, http.StatusUnprocessableEntity, `"field":"type"`},
			{"viewer cannot move", "POST", claimPath + "/transitions", viewer, map[string]any{"to": "submitted"}, http.StatusForbidden, ""},
			{"approve too early", "POST", claimPath + "/transitions", op, map[string]any{"to": "approved",
				"settled_amount": map[string]any{"amount": "1.00", "currency": "EUR"}}, http.StatusConflict, "invalid_claim_transition"},
			{"submit", "POST", claimPath + "/transitions", op, map[string]any{"to": "submitted", "carrier_reference": "SBX-C-1"},
				http.StatusOK, `"status":"submitted"`},
			{"review", "POST", claimPath + "/transitions", op, map[string]any{"to": "under_review"}, http.StatusOK, `"status":"under_review"`},
			{"approve more than claimed", "POST", claimPath + "/transitions", op, map[string]any{"to": "approved",
				"settled_amount": map[string]any{"amount": "40.00", "currency": "EUR"}},
				http.StatusUnprocessableEntity, `"field":"settled_amount.amount"`},
			{"approve", "POST", claimPath + "/transitions", op, map[string]any{"to": "approved",
				"settled_amount": map[string]any{"amount": "30", "currency": "EUR"}}, http.StatusOK, `"amount":"30.00"`},
			{"pay", "POST", claimPath + "/transitions", op, map[string]any{"to": "paid"}, http.StatusOK, `"ledger_entry_id":"`},
		}
		var evidence claims.Document
		for _, tc := range tests {
			if tc.name == "submit" {
				// Evidence while the claim is open: a PDF by form, a PNG as the
				// body, and neither text nor a document of another tenant.
				r := upload(t, env, op, claimPath+"/evidence", "survey.pdf", []byte("%PDF-1.7 survey"))
				if r.StatusCode != http.StatusCreated {
					t.Fatalf("upload: %d %s", r.StatusCode, apptest.Body(r))
				}
				if r := upload(t, env, op, claimPath+"/evidence", "notes.txt", []byte("hello")); r.StatusCode != http.StatusUnsupportedMediaType {
					t.Errorf("text evidence: %d", r.StatusCode)
				}
				if r := env.Call("POST", claimPath+"/evidence?name=photo.png", op, nil, nil); r.StatusCode == http.StatusCreated {
					t.Errorf("an empty body was stored")
				}
				if r := raw(t, env, op, claimPath+"/evidence?name=photo.png", "text/plain", "\x89PNG\r\n\x1a\nrest"); r.StatusCode != http.StatusUnsupportedMediaType ||
					!strings.Contains(apptest.Body(r), "unsupported_evidence") {
					t.Errorf("declared as text: %d", r.StatusCode)
				}
				if r := raw(t, env, op, claimPath+"/evidence?name=photo.png", "image/png", "\x89PNG\r\n\x1a\nrest"); r.StatusCode != http.StatusCreated {
					t.Fatalf("raw upload: %d %s", r.StatusCode, apptest.Body(r))
				}
				var got claims.Claim
				env.Call("GET", claimPath, viewer, nil, &got)
				if len(got.Evidence) != 2 || got.Evidence[0].Name != "survey.pdf" || got.Evidence[1].MediaType != "image/png" {
					t.Fatalf("evidence: %+v", got.Evidence)
				}
				evidence = got.Evidence[0]
				d := env.Call("GET", evidence.DownloadURL, viewer, nil, nil)
				if d.StatusCode != 200 || d.Header.Get("Content-Type") != "application/pdf" || apptest.Body(d) != "%PDF-1.7 survey" {
					t.Errorf("download: %d %s", d.StatusCode, d.Header.Get("Content-Type"))
				}
				if d := env.Call("GET", evidence.DownloadURL, other, nil, nil); d.StatusCode != 404 {
					t.Errorf("other tenant downloads: %d", d.StatusCode)
				}
			}
			t.Run(tc.name, func(t *testing.T) {
				r := env.Call(tc.method, tc.path, tc.key, tc.body, nil)
				if got := apptest.Body(r); r.StatusCode != tc.status || !strings.Contains(got, tc.contains) {
					t.Fatalf("%s %s: %d %s", tc.method, tc.path, r.StatusCode, got)
				}
			})
		}
		if r := raw(t, env, op, claimPath+"/evidence?name=late.pdf", "application/pdf", "%PDF-1.7 late"); r.StatusCode != http.StatusConflict {
			t.Errorf("evidence once decided: %d %s", r.StatusCode, apptest.Body(r))
		}
		var got claims.Claim
		env.Call("GET", claimPath, viewer, nil, &got)
		if len(got.History) != 5 || got.History[4].Status != claims.Paid || got.CarrierReference != "SBX-C-1" {
			t.Errorf("history: %+v", got.History)
		}
		// The payment is one balanced ledger entry.
		ctx := db.WithScope(context.Background(), db.Scope{TenantID: a})
		accts, err := env.App.Ledger.ListAccounts(ctx, ledger.AccountFilter{Code: claims.DefaultClaimsAccount, Asset: "EUR"}, web.Page{Limit: 1})
		if err != nil || len(accts.Items) != 1 {
			t.Fatalf("claims account: %v %+v", err, accts)
		}
		// Every step was announced: filing (created and updated), two
		// documents and four steps.
		var n int
		if err := env.App.DB.Q(env.Ctx).QueryRowContext(env.Ctx, `SELECT COUNT(*) FROM outbox_events WHERE resource_id = $1
			AND type IN ($2, $3)`, c.ID, claims.ClaimCreated, claims.ClaimUpdated).Scan(&n); err != nil || n != 8 {
			t.Errorf("%d claim events (%v)", n, err)
		}
	})
}
