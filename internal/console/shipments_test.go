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
	"github.com/silkgate/silkgate/internal/identity"
)

var shipmentLink = regexp.MustCompile(`^/logistics/shipments/(shp_[a-z0-9]+)\?notice=shipment_created$`)

// uploadTracking posts a tracking CSV through the tracking page's form.
func (b *browser) uploadTracking(csv string) page {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "tracking.csv")
	if err != nil {
		b.t.Fatal(err)
	}
	fw.Write([]byte(csv))
	mw.Close()
	req, err := http.NewRequest("POST", b.env.Server.URL+"/logistics/tracking/upload", &buf)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// walkShipmentPages ships an order through the console (compare, pick,
// buy the label), then renders the shipment, the list and the tracking
// page with an upload that has a rejected row.
func walkShipmentPages(t *testing.T, env *apptest.Env, lang, tenant string, check func(t *testing.T, lang, what, tmpl string, p page, status int)) {
	t.Helper()
	ctx := context.Background()
	if _, err := env.App.Rates.SeedSamples(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.FX.SeedSamples(ctx); err != nil {
		t.Fatal(err)
	}
	op := newBrowser(t, env)
	op.lang = lang
	op.signIn(env.User(tenant, identity.Operator))
	o := shipped(t, env, tenant)

	check(t, lang, "shipments", "shipments", op.get("/logistics/shipments"), 200)
	check(t, lang, "shipments refused filter", "shipments", op.get("/logistics/shipments?status=lost"), 422)
	check(t, lang, "ship an order", "shipment_new", op.get("/logistics/shipments/new"), 200)
	check(t, lang, "ship unknown order", "shipment_new", op.get("/logistics/shipments/new?order_id=ord_nope"), 404)
	from := url.Values{"order_id": {o.ID}, "from_name": {"Yiwu Bright Toys"}, "from_line1": {"88 Futian Road"},
		"from_city": {"Yiwu"}, "from_postcode": {"322000"}, "from_country": {"CN"}}
	offers := op.get("/logistics/shipments/new?" + from.Encode())
	check(t, lang, "offers for the order", "shipment_new", offers, 200)
	m := regexp.MustCompile(`name="service_id" value="(lsv_[a-z0-9]+)" checked`).FindStringSubmatch(offers.Body)
	if m == nil {
		t.Fatalf("no offer preselected:\n%s", text(offers.Body))
	}
	refused := url.Values{}
	for k, v := range from {
		refused[k] = v
	}
	refused.Set("service_id", m[1])
	refused.Set("from_country", "XX")
	check(t, lang, "refused shipment", "shipment_new", op.post("/logistics/shipments", refused), 422)
	form := url.Values{"weight_g": {"1200"}, "l": {"300"}, "w": {"200"}, "h": {"150"}, "currency": {"EUR"}, "service_id": {m[1]}}
	for k, v := range from {
		form[k] = v
	}
	created := op.post("/logistics/shipments", form)
	sm := shipmentLink.FindStringSubmatch(created.Location)
	if created.Status != http.StatusSeeOther || sm == nil {
		t.Fatalf("ship: %d %q\n%s", created.Status, created.Location, text(created.Body))
	}
	path := "/logistics/shipments/" + sm[1]
	detail := op.get(path + "?notice=shipment_created")
	check(t, lang, "shipment", "shipment", detail, 200)
	number := regexp.MustCompile(`<h1><code>([A-Z0-9]+)</code></h1>`).FindStringSubmatch(detail.Body)
	if number == nil {
		t.Fatal("no tracking number on the shipment page")
	}
	check(t, lang, "tracking", "tracking", op.get("/logistics/tracking"), 200)
	rep := op.uploadTracking("tracking_number,status,reason,at,location,country\n" +
		number[1] + ",exception,customs_hold,2030-01-02T10:00:00+01:00,Frankfurt,DE\n" +
		"UNKNOWN1,departed,,2030-01-01T10:00:00Z,,CN\n" +
		number[1] + ",teleported,,2030-01-01T10:00:00Z,,CN\n")
	check(t, lang, "tracking upload", "tracking", rep, 200)
	if !strings.Contains(rep.Body, "UNKNOWN1") || !strings.Contains(rep.Body, "<code>status</code>") {
		t.Errorf("upload report lacks the waiting event or the rejected field:\n%s", text(rep.Body))
	}
	check(t, lang, "tracking refused upload", "tracking", op.uploadTracking("nothing,here\n1,2\n"), 422)
	check(t, lang, "edi import", "tracking", op.post("/logistics/tracking/edi-import", nil), 200)
	check(t, lang, "shipment with exception", "shipment", op.get(path), 200)
	check(t, lang, "exceptions", "shipments", op.get("/logistics/shipments?exception=true"), 200)
}
