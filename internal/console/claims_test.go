package console_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics"
	"github.com/silkgate/silkgate/internal/logistics/rates"
	"github.com/silkgate/silkgate/internal/logistics/shipments"
	"github.com/silkgate/silkgate/internal/platform/db"
)

var claimLink = regexp.MustCompile(`/logistics/claims/(clm_[A-Za-z0-9]+)`)

// claimShipment buys a label from a sample service for a shipped order of
// tenant's live partition.
func claimShipment(t *testing.T, env *apptest.Env, tenant string) shipments.Shipment {
	t.Helper()
	if _, err := env.App.Rates.SeedSamples(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.FX.SeedSamples(context.Background()); err != nil {
		t.Fatal(err)
	}
	sc := db.WithScope(context.Background(), db.Scope{TenantID: tenant})
	if _, err := env.App.Shipments.SetSender(sc, carrier.Address{Name: "Yiwu Bright Toys", Line1: "88 Futian Road",
		City: "Yiwu", Postcode: "322000", Country: "CN"}); err != nil {
		t.Fatal(err)
	}
	o := shipped(t, env, tenant)
	parcels := []logistics.Parcel{{WeightG: 1200, DimsMM: [3]int64{300, 200, 150}}}
	res, err := env.App.Rates.Compare(sc, rates.Request{Origin: logistics.Place{Country: "CN"},
		Destination: logistics.Place{Country: "DE", Postcode: "10115"}, Parcels: parcels, Currency: "EUR"})
	if err != nil || len(res.Offers) == 0 {
		t.Fatalf("offers: %v %+v", err, res)
	}
	sh, err := env.App.Shipments.Create(sc, shipments.NewShipment{OrderID: o.ID, ServiceID: res.Offers[0].ServiceID,
		Parcels: parcels, Currency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	return sh
}

// uploadEvidence posts a document through the claim page's form.
func (b *browser) uploadEvidence(path, name string, data []byte) page {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		b.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest("POST", b.env.Server.URL+path, &buf)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// walkClaimPages renders every claim page, and walks one claim from
// filing to payment through the forms.
func walkClaimPages(t *testing.T, env *apptest.Env, lang, tenant string, check func(t *testing.T, lang, what, tmpl string, p page, status int)) {
	t.Helper()
	op := newBrowser(t, env)
	op.lang = lang
	op.signIn(env.User(tenant, identity.Operator))
	sh := claimShipment(t, env, tenant)

	check(t, lang, "claims", "claims", op.get("/logistics/claims"), 200)
	check(t, lang, "claims refused filter", "claims", op.get("/logistics/claims?status=lost"), 422)
	check(t, lang, "new claim", "claim_new", op.get("/logistics/claims/new"), 200)
	check(t, lang, "new claim unknown shipment", "claim_new", op.get("/logistics/claims/new?shipment_id=shp_nope"), 404)
	check(t, lang, "new claim for shipment", "claim_new", op.get("/logistics/claims/new?shipment_id="+sh.ID), 200)
	shipPage := op.get("/logistics/shipments/" + sh.ID)
	check(t, lang, "shipment with claim form", "shipment", shipPage, 200)
	if !strings.Contains(shipPage.Body, `action="/logistics/claims"`) {
		t.Errorf("the shipment page has no claim form")
	}
	form := url.Values{"shipment_id": {sh.ID}, "type": {"damage"}, "amount": {"10.005"}, "currency": {"EUR"},
		"description": {"Box crushed"}}
	refused := op.post("/logistics/claims", form)
	check(t, lang, "refused claim", "claim_new", refused, 422)
	if !strings.Contains(refused.Body, `aria-invalid="true"`) {
		t.Errorf("the refused amount is not marked")
	}
	form.Set("amount", "19.99")
	created := op.post("/logistics/claims", form)
	m := claimLink.FindStringSubmatch(created.Location)
	if created.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("claim for the walk: %d %s", created.Status, created.Location)
	}
	path := "/logistics/claims/" + m[1]
	check(t, lang, "claim", "claim", op.get(path+"?notice=claim_created"), 200)
	check(t, lang, "refused evidence", "claim", op.uploadEvidence(path+"/evidence", "notes.txt", []byte("hello")), 415)
	if p := op.uploadEvidence(path+"/evidence", "photo.png", []byte("\x89PNG\r\n\x1a\nphoto")); p.Status != http.StatusSeeOther {
		t.Fatalf("evidence: %d %s", p.Status, text(p.Body))
	}
	check(t, lang, "claim with evidence", "claim", op.get(path+"?notice=claim_evidence_added"), 200)
	for _, s := range []url.Values{
		{"to": {"submitted"}, "carrier_reference": {"SBX-" + strings.ToUpper(lang[:2])}},
		{"to": {"under_review"}},
	} {
		if p := op.post(path+"/transition", s); p.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", s.Get("to"), p.Status, text(p.Body))
		}
	}
	check(t, lang, "refused settlement", "claim", op.post(path+"/transition",
		url.Values{"to": {"approved"}, "settled_amount": {"25.00"}, "currency": {"EUR"}}), 422)
	for _, s := range []url.Values{
		{"to": {"approved"}, "settled_amount": {"15.00"}, "currency": {"EUR"}},
		{"to": {"paid"}},
	} {
		if p := op.post(path+"/transition", s); p.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", s.Get("to"), p.Status, text(p.Body))
		}
	}
	check(t, lang, "refused step", "claim", op.post(path+"/transition", url.Values{"to": {"withdrawn"}}), 409)
	check(t, lang, "paid claim", "claim", op.get(path+"?notice=claim_updated"), 200)
	check(t, lang, "claims of the shipment", "claims", op.get("/logistics/claims?shipment_id="+sh.ID+"&status=paid"), 200)
}

func TestClaimPages(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Claims Pages")
	walkClaimPages(t, env, "en", tenant, func(t *testing.T, lang, what, tmpl string, p page, status int) {
		t.Helper()
		if p.Status != status {
			t.Errorf("%s: status %d, want %d\n%s", what, p.Status, status, text(p.Body))
		}
	})
	// A viewer reads but is offered no action.
	v := newBrowser(t, env)
	v.signIn(env.User(tenant, identity.Viewer))
	l := v.get("/logistics/claims?status=paid")
	m := claimLink.FindStringSubmatch(l.Body)
	if l.Status != 200 || m == nil {
		t.Fatalf("viewer list: %d", l.Status)
	}
	d := v.get("/logistics/claims/" + m[1])
	if d.Status != 200 || strings.Contains(d.Body, `action="/logistics/claims/`+m[1]+`/`) ||
		!strings.Contains(text(d.Body), "15.00 EUR") || !strings.Contains(text(d.Body), "photo.png") {
		t.Fatalf("viewer detail: %d %s", d.Status, text(d.Body))
	}
	if p := v.post("/logistics/claims/"+m[1]+"/transition", url.Values{"to": {"closed"}}); p.Status != 403 {
		t.Fatalf("viewer close: %d", p.Status)
	}
	// Another tenant sees nothing of it.
	o := newBrowser(t, env)
	o.signIn(env.User(env.Tenant("Someone Else"), identity.Operator))
	if p := o.get("/logistics/claims/" + m[1]); p.Status != 404 {
		t.Fatalf("other tenant: %d", p.Status)
	}
}
