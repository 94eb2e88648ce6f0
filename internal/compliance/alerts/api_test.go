package alerts_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/compliance/alerts"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
)

type problemDoc struct {
	Code   string `json:"code"`
	Errors []struct {
		Field string `json:"field"`
		Code  string `json:"code"`
	} `json:"errors"`
}

func (p problemDoc) fields() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// drain runs the app's job queue until every alert job is worked.
func drain(t *testing.T, env *apptest.Env) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var n int
		if err := env.App.DB.Q(env.Ctx).QueryRowContext(env.Ctx, `SELECT COUNT(*) FROM river_job
			WHERE kind LIKE 'compliance_alert%' AND state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("alert jobs still pending after a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func toyRule(id string) map[string]any {
	return map[string]any{
		"id": id, "market": "EU", "title": "Toy CE marking", "authority": "European Commission",
		"reference": "Directive 2009/48/EC Art. 16", "source_url": "https://eur-lex.europa.eu/eli/dir/2009/48/oj",
		"requirement": "Toys carry the CE mark.", "severity": "restricted",
		"applies_to":     map[string]any{"categories": []string{"toys"}},
		"evidence":       []any{map[string]any{"kind": "mark", "code": "ce"}},
		"effective_from": "2011-07-20T00:00:00Z",
		"translations":   map[string]any{"zh-CN": map[string]any{"title": "玩具 CE 标志"}},
	}
}

func product(sku string, markets []string) map[string]any {
	return map[string]any{"sku": sku, "title": map[string]string{"en": "Toy " + sku}, "category": "toys", "hs_code": "950300",
		"markets": markets}
}

func TestSubscriptionsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ten := env.Tenant("Shop")
		op := env.Key(ten, identity.Operator, false)
		viewer := env.Key(ten, identity.Viewer, false)
		other := env.Key(env.Tenant("Other"), identity.TenantOwner, false)
		officer := env.Session("", identity.ComplianceOfficer)

		for _, tc := range []struct {
			name string
			body any
			want []string
		}{
			{"empty", map[string]any{}, []string{"markets", "channels"}},
			{"bad items", map[string]any{"markets": []string{"EU", "ZZ"}, "categories": []string{"rockets"}, "channels": []string{"sms"}},
				[]string{"markets[1]", "categories[0]", "channels[0]"}},
			{"email without recipients", map[string]any{"markets": []string{"EU"}, "channels": []string{"email"}}, []string{"emails"}},
			{"bad recipient", map[string]any{"markets": []string{"EU"}, "channels": []string{"email"}, "emails": []string{"nope"}},
				[]string{"emails[0]"}},
		} {
			var pd problemDoc
			if r := env.Call("POST", "/api/v1/compliance/subscriptions", op, tc.body, &pd); r.StatusCode != 422 || !slices.Equal(pd.fields(), tc.want) {
				t.Errorf("%s: %d %v, want 422 %v", tc.name, r.StatusCode, pd.fields(), tc.want)
			}
		}
		var sub alerts.Subscription
		if r := env.Call("POST", "/api/v1/compliance/subscriptions", op, map[string]any{"markets": []string{"de", "US"},
			"categories": []string{"toys"}, "channels": []string{"in_app", "email"}, "emails": []string{"ops@shop.test"}}, &sub); r.StatusCode != 201 ||
			sub.ID == "" || !slices.Equal(sub.Markets, []string{"DE", "US"}) {
			t.Fatalf("subscribe: %d %+v", r.StatusCode, sub)
		}
		if r := env.Call("POST", "/api/v1/compliance/subscriptions", viewer, map[string]any{"markets": []string{"EU"}, "channels": []string{"in_app"}}, nil); r.StatusCode != 403 {
			t.Errorf("viewer subscribes: %d", r.StatusCode)
		}
		if r := env.Call("GET", "/api/v1/compliance/subscriptions", officer, nil, nil); r.StatusCode != 403 {
			t.Errorf("platform officer lists subscriptions: %d", r.StatusCode)
		}
		var l web.List[alerts.Subscription]
		if env.Call("GET", "/api/v1/compliance/subscriptions", viewer, nil, &l); len(l.Items) != 1 || l.Items[0].ID != sub.ID {
			t.Errorf("list %+v", l)
		}
		if env.Call("GET", "/api/v1/compliance/subscriptions", other, nil, &l); len(l.Items) != 0 {
			t.Errorf("other tenant sees %+v", l)
		}
		if r := env.Call("DELETE", "/api/v1/compliance/subscriptions/"+sub.ID, other, nil, nil); r.StatusCode != 404 {
			t.Errorf("other tenant deletes: %d", r.StatusCode)
		}
		if r := env.Call("DELETE", "/api/v1/compliance/subscriptions/"+sub.ID, op, nil, nil); r.StatusCode != 204 {
			t.Errorf("delete: %d", r.StatusCode)
		}
		if env.Call("GET", "/api/v1/compliance/subscriptions", viewer, nil, &l); len(l.Items) != 0 {
			t.Errorf("after delete %+v", l)
		}
	})
}

// TestAlertsAPI publishes a rule through the API (two officers) and reads
// the alerts each tenant gets.
func TestAlertsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = env.App.Jobs.Run(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })

		a, b := env.Tenant("Alpha"), env.Tenant("Beta")
		opA, opB := env.Key(a, identity.Operator, false), env.Key(b, identity.Operator, false)
		viewerA := env.Key(a, identity.Viewer, false)
		offA, offB := env.Session("", identity.ComplianceOfficer), env.Session("", identity.ComplianceOfficer)
		for _, p := range []struct {
			key, sku string
			markets  []string
		}{{opA, "ALPHA-TOY", []string{"DE"}}, {opB, "BETA-TOY", []string{"FR"}}} {
			if r := env.Call("POST", "/api/v1/products", p.key, product(p.sku, p.markets), nil); r.StatusCode != 201 {
				t.Fatalf("product: %d %s", r.StatusCode, apptest.Body(r))
			}
		}
		for _, key := range []string{opA, opB} {
			if r := env.Call("POST", "/api/v1/compliance/subscriptions", key, map[string]any{"markets": []string{"EU"},
				"channels": []string{"in_app", "email"}, "emails": []string{"ops@example.com"}}, nil); r.StatusCode != 201 {
				t.Fatalf("subscribe: %d %s", r.StatusCode, apptest.Body(r))
			}
		}
		for i := 1; i <= 2; i++ {
			id := fmt.Sprintf("EU-ALERT-%03d", i)
			if r := env.Call("POST", "/api/v1/compliance/rules", offA, toyRule(id), nil); r.StatusCode != 201 {
				t.Fatalf("draft: %d %s", r.StatusCode, apptest.Body(r))
			}
			if r := env.Call("POST", "/api/v1/compliance/rules/"+id+"/publish", offB, nil, nil); r.StatusCode != 200 {
				t.Fatalf("publish: %d %s", r.StatusCode, apptest.Body(r))
			}
		}
		drain(t, env)

		var l web.List[alerts.Alert]
		if r := env.Call("GET", "/api/v1/compliance/alerts?limit=1", viewerA, nil, &l); r.StatusCode != 200 || len(l.Items) != 1 || l.NextCursor == "" {
			t.Fatalf("page 1: %d %+v", r.StatusCode, l)
		}
		first := l.Items[0]
		var l2 web.List[alerts.Alert]
		env.Call("GET", "/api/v1/compliance/alerts?limit=1&cursor="+l.NextCursor, viewerA, nil, &l2)
		if len(l2.Items) != 1 || l2.Items[0].ID == first.ID || l2.NextCursor != "" {
			t.Fatalf("page 2: %+v", l2)
		}
		// Newest first; the two jobs may finish in either order.
		if first.ID < l2.Items[0].ID {
			t.Errorf("page order: %s then %s", first.ID, l2.Items[0].ID)
		}
		if rs := []string{first.Rule.ID, l2.Items[0].Rule.ID}; !slices.Contains(rs, "EU-ALERT-001") || !slices.Contains(rs, "EU-ALERT-002") {
			t.Errorf("rules alerted: %v", rs)
		}
		if len(first.Products) != 1 || first.Products[0].SKU != "ALPHA-TOY" || first.Products[0].Effect != alerts.NewFail {
			t.Errorf("Alpha's products %+v", first.Products)
		}
		// No SMTP server configured: the e-mail channel says skipped.
		var email string
		for _, d := range first.Delivery {
			if d.Channel == alerts.Email {
				email = d.Status
			}
		}
		if email != "skipped" {
			t.Errorf("e-mail delivery %+v", first.Delivery)
		}
		// Beta's alert lists Beta's product only; Beta cannot read Alpha's.
		var lb web.List[alerts.Alert]
		r := env.Call("GET", "/api/v1/compliance/alerts", opB, nil, &lb)
		if body := apptest.Body(r); len(lb.Items) != 2 || strings.Contains(body, "ALPHA-TOY") || !strings.Contains(body, "BETA-TOY") {
			t.Errorf("Beta's alerts: %s", body)
		}
		if r := env.Call("GET", "/api/v1/compliance/alerts/"+first.ID, opB, nil, nil); r.StatusCode != 404 {
			t.Errorf("Beta reads Alpha's alert: %d", r.StatusCode)
		}
		if r := env.Call("POST", "/api/v1/compliance/alerts/"+first.ID+"/read", opB, nil, nil); r.StatusCode != 404 {
			t.Errorf("Beta marks Alpha's alert: %d", r.StatusCode)
		}
		var got alerts.Alert
		if r := env.Call("POST", "/api/v1/compliance/alerts/"+first.ID+"/read", viewerA, nil, &got); r.StatusCode != 200 || !got.Read {
			t.Errorf("read: %d %+v", r.StatusCode, got)
		}
		env.Call("GET", "/api/v1/compliance/alerts?unread=true", viewerA, nil, &l)
		if len(l.Items) != 1 || l.Items[0].ID == first.ID {
			t.Errorf("unread %+v", l.Items)
		}
		// The officers see which tenants and products the rule affected.
		var im alerts.Impact
		if r := env.Call("GET", "/api/v1/compliance/rules/EU-ALERT-001/impact", offA, nil, &im); r.StatusCode != 200 || len(im.Tenants) != 2 {
			t.Fatalf("impact: %d %+v", r.StatusCode, im)
		}
		skus := map[string]string{}
		for _, ti := range im.Tenants {
			for _, p := range ti.Products {
				skus[p.SKU] = ti.TenantName
			}
		}
		if skus["ALPHA-TOY"] != "Alpha" || skus["BETA-TOY"] != "Beta" {
			t.Errorf("impact products %v", skus)
		}
		if r := env.Call("GET", "/api/v1/compliance/rules/EU-ALERT-001/impact", opA, nil, nil); r.StatusCode != 403 {
			t.Errorf("tenant reads the impact: %d", r.StatusCode)
		}
		var pd problemDoc
		if r := env.Call("GET", "/api/v1/compliance/alerts?unread=maybe", viewerA, nil, &pd); r.StatusCode != 422 || !slices.Equal(pd.fields(), []string{"unread"}) {
			t.Errorf("bad filter: %d %+v", r.StatusCode, pd)
		}
	})
}

func TestNoticesAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = env.App.Jobs.Run(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })

		a, b := env.Tenant("Alpha"), env.Tenant("Beta")
		opA, opB := env.Key(a, identity.Operator, false), env.Key(b, identity.TenantOwner, false)
		officer := env.Session("", identity.ComplianceOfficer)
		env.Call("POST", "/api/v1/compliance/subscriptions", opA, map[string]any{"markets": []string{"SG"}, "channels": []string{"in_app"}}, nil)
		env.Call("POST", "/api/v1/compliance/subscriptions", opB, map[string]any{"markets": []string{"DE"}, "channels": []string{"in_app"}}, nil)

		notice := map[string]any{"markets": []string{"EU"}, "categories": []string{"batteries"},
			"title":          map[string]string{"en": "EU Battery Regulation: labelling", "zh-CN": "欧盟电池法规：标签要求"},
			"body":           map[string]string{"en": "Batteries carry a QR code from 2027.", "zh-CN": "自 2027 年起电池须带二维码。"},
			"effective_from": "2027-02-18", "source_url": "https://eur-lex.europa.eu/eli/reg/2023/1542/oj"}
		if r := env.Call("POST", "/api/v1/compliance/notices", opB, notice, nil); r.StatusCode != 403 {
			t.Errorf("tenant publishes a notice: %d", r.StatusCode)
		}
		var pd problemDoc
		bad := map[string]any{"markets": []string{"EU"}, "title": map[string]string{"en": "x"}, "body": map[string]string{"en": "y", "zh-CN": "z"},
			"effective_from": "soon", "source_url": "https://example.org"}
		if r := env.Call("POST", "/api/v1/compliance/notices", officer, bad, &pd); r.StatusCode != 422 ||
			!slices.Contains(pd.fields(), "title.zh-CN") || !slices.Contains(pd.fields(), "effective_from") {
			t.Errorf("invalid notice: %d %v", r.StatusCode, pd.fields())
		}
		var n alerts.Notice
		if r := env.Call("POST", "/api/v1/compliance/notices", officer, notice, &n); r.StatusCode != 201 || n.ID == "" {
			t.Fatalf("publish notice: %d %+v", r.StatusCode, n)
		}
		drain(t, env)
		var l web.List[alerts.Alert]
		if env.Call("GET", "/api/v1/compliance/alerts", opA, nil, &l); len(l.Items) != 0 {
			t.Errorf("SG subscriber alerted about an EU notice")
		}
		if env.Call("GET", "/api/v1/compliance/alerts", opB, nil, &l); len(l.Items) != 1 || l.Items[0].Notice == nil || l.Items[0].Notice.ID != n.ID {
			t.Errorf("DE subscriber: %+v", l.Items)
		}
		var nl web.List[alerts.Notice]
		if r := env.Call("GET", "/api/v1/compliance/notices", opA, nil, &nl); r.StatusCode != 200 || len(nl.Items) != 1 {
			t.Errorf("notices: %d %+v", r.StatusCode, nl)
		}
		if r := env.Call("GET", "/api/v1/compliance/notices/"+n.ID, opA, nil, nil); r.StatusCode != 200 {
			t.Errorf("notice: %d", r.StatusCode)
		}
	})
}
