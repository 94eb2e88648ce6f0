package console_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/warehouses"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
)

var returnLink = regexp.MustCompile(`/logistics/returns/(rma_[A-Za-z0-9]+)`)

// shipped enters a shipped order for tenant's live partition.
func shipped(t *testing.T, env *apptest.Env, tenant string) orders.Order {
	t.Helper()
	ctx := db.WithScope(context.Background(), db.Scope{TenantID: tenant})
	o, err := env.App.Orders.Create(ctx, orders.NewOrder{ExternalID: ids.New("ext"), Channel: "amazon-de", PlacedAt: time.Now(),
		Currency: "EUR", Buyer: orders.Buyer{Name: "Jonas Weber", Country: "DE"},
		ShipTo: orders.Address{Name: "Jonas Weber", Line1: "Invalidenstr. 1", City: "Berlin", Postcode: "10115", Country: "DE"},
		Lines: []orders.Line{{SKU: "TOY-001", Title: "Building blocks", Quantity: 2,
			UnitPrice: money.Money{Amount: "19.99", Currency: "EUR"}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []orders.Status{orders.Confirmed, orders.Shipped} {
		if o, err = env.App.Orders.SetStatus(ctx, o.ID, orders.StatusUpdate{Status: st}); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// walkReturnPages renders every returns page, and walks one return from
// request to refund through the forms.
func walkReturnPages(t *testing.T, env *apptest.Env, lang, tenant string, check func(t *testing.T, lang, what, tmpl string, p page, status int)) {
	t.Helper()
	op := newBrowser(t, env)
	op.lang = lang
	op.signIn(env.User(tenant, identity.Operator))
	o := shipped(t, env, tenant)
	// The resold unit goes back into this warehouse's stock.
	wh, err := env.App.Warehouses.Create(db.WithScope(context.Background(), db.Scope{TenantID: tenant}), warehouses.Warehouse{
		Code: "DE-" + strings.ToUpper(lang[:2]) + ids.New("w")[2:8], Name: "Hamburg hub", Operator: "Sample Fulfilment", Country: "DE",
		Connector: "sandbox", Address: warehouses.Address{Line1: "Hafenstr. 1", City: "Hamburg", Postcode: "20457"},
		Regions: []warehouses.Region{{Country: "DE", Days: 1}}, Fees: warehouses.FeeSchedule{Currency: "EUR"}})
	if err != nil {
		t.Fatal(err)
	}

	check(t, lang, "returns", "returns", op.get("/logistics/returns"), 200)
	check(t, lang, "returns refused filter", "returns", op.get("/logistics/returns?status=lost"), 422)
	check(t, lang, "new return", "return_new", op.get("/logistics/returns/new"), 200)
	check(t, lang, "new return unknown order", "return_new", op.get("/logistics/returns/new?order_id=ord_nope"), 404)
	check(t, lang, "new return for order", "return_new", op.get("/logistics/returns/new?order_id="+o.ID), 200)
	form := url.Values{"order_id": {o.ID}, "reason": {"damaged"}, "requested_resolution": {"refund"}, "qty.0": {"3"}}
	refused := op.post("/logistics/returns", form)
	check(t, lang, "refused return", "return_new", refused, 422)
	if !strings.Contains(refused.Body, `aria-invalid="true"`) {
		t.Errorf("the refused quantity is not marked")
	}
	form.Set("qty.0", "2")
	created := op.post("/logistics/returns", form)
	m := returnLink.FindStringSubmatch(created.Location)
	if created.Status != 303 || m == nil {
		t.Fatalf("return for the walk: %d %s", created.Status, created.Location)
	}
	path := "/logistics/returns/" + m[1]
	check(t, lang, "return", "return", op.get(path+"?notice=return_created"), 200)
	for _, s := range []struct {
		action string
		form   url.Values
	}{
		{"approve", nil},
		{"label", url.Values{"carrier": {"DHL"}, "tracking_number": {"JD" + strings.ToUpper(lang[:2]) + m[1][4:12]}}},
		{"receive", url.Values{"warehouse_id": {wh.ID}}},
		{"inspect", url.Values{"unit.0.sku": {"TOY-001"}, "unit.0.disposition": {"resell"}, "unit.0.grade": {"A"},
			"unit.1.sku": {"TOY-001"}, "unit.1.disposition": {"dispose"}, "unit.1.grade": {"D"}}},
		{"refund", url.Values{"amount": {"30.00"}, "currency": {"EUR"}}},
	} {
		check(t, lang, "return before "+s.action, "return", op.get(path), 200)
		if p := op.post(path+"/"+s.action, s.form); p.Status != 303 {
			t.Fatalf("%s: %d %s", s.action, p.Status, text(p.Body))
		}
	}
	check(t, lang, "refused step", "return", op.post(path+"/approve", nil), 409)
	check(t, lang, "refunded return", "return", op.get(path+"?notice=return_updated"), 200)
}

func TestReturnPages(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Returns Pages")
	walkReturnPages(t, env, "en", tenant, func(t *testing.T, lang, what, tmpl string, p page, status int) {
		t.Helper()
		if p.Status != status {
			t.Errorf("%s: status %d, want %d\n%s", what, p.Status, status, text(p.Body))
		}
	})
	// A viewer reads but is offered no action.
	v := newBrowser(t, env)
	v.signIn(env.User(tenant, identity.Viewer))
	l := v.get("/logistics/returns")
	m := returnLink.FindStringSubmatch(l.Body)
	if l.Status != 200 || m == nil {
		t.Fatalf("viewer list: %d", l.Status)
	}
	d := v.get("/logistics/returns/" + m[1])
	if d.Status != 200 || strings.Contains(d.Body, `action="/logistics/returns/`+m[1]+`/`) ||
		!strings.Contains(text(d.Body), "Refunded 30.00 EUR") {
		t.Fatalf("viewer detail: %d %s", d.Status, text(d.Body))
	}
	if p := v.post("/logistics/returns/"+m[1]+"/close", nil); p.Status != 403 {
		t.Fatalf("viewer close: %d", p.Status)
	}
}
