package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/compliance/rules"
	"github.com/silkgate/silkgate/internal/identity"
)

var alertLink = regexp.MustCompile(`href="/compliance/alerts/(alr_[A-Za-z0-9_]+)"`)

// raiseToyAlert gives tenant a toy that fails a new EU rule and raises the
// alert about it, as the alert job would.
func raiseToyAlert(t *testing.T, env *apptest.Env, tenant, ruleID string) {
	t.Helper()
	key := env.Key(tenant, identity.Operator, false)
	if r := env.Call("POST", "/api/v1/products", key, map[string]any{"sku": "TOY-" + ruleID, "title": map[string]string{"en": "Wooden train"},
		"category": "toys", "hs_code": "950300", "markets": []string{"DE"}}, nil); r.StatusCode != 201 && r.StatusCode != 409 {
		t.Fatalf("product: %d %s", r.StatusCode, apptest.Body(r))
	}
	d, err := env.App.Rules.Draft(env.Ctx, rules.Rule{ID: ruleID, Market: "EU", Title: "Toy CE marking", Authority: "European Commission",
		Reference: "Directive 2009/48/EC Art. 16", SourceURL: "https://eur-lex.europa.eu/eli/dir/2009/48/oj",
		AppliesTo: rules.Applicability{Categories: []string{"toys"}}, Requirement: "Toys carry the CE mark.",
		Evidence: []rules.Evidence{{Kind: "mark", Code: "ce"}}, Severity: rules.Restricted,
		EffectiveFrom: time.Date(2011, 7, 20, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Rules.Publish(env.Ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Alerts.RuleChanged(env.Ctx, ruleID, 1, 0); err != nil {
		t.Fatal(err)
	}
}

// walkComplianceAlertPages renders the alert pages for the translation
// walk: the inbox, a refused subscription, an alert and the officer's
// notice form.
func walkComplianceAlertPages(t *testing.T, env *apptest.Env, lang, tenant string, check func(t *testing.T, lang, what, tmpl string, p page, status int)) {
	t.Helper()
	op := newBrowser(t, env)
	op.lang = lang
	op.signIn(env.User(tenant, identity.Operator))
	if p := op.post("/compliance/alerts/subscriptions", url.Values{"markets": {"EU"}, "channels": {"in_app", "email"}, "emails": {"ops@example.com"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("subscribe: %d\n%s", p.Status, text(p.Body))
	}
	raiseToyAlert(t, env, tenant, "EU-WALK-"+strings.ToUpper(strings.ReplaceAll(lang, "-", "")))
	inbox := op.get("/compliance/alerts")
	check(t, lang, "alert inbox", "compliance_alerts", inbox, 200)
	check(t, lang, "refused subscription", "compliance_alerts", op.post("/compliance/alerts/subscriptions", url.Values{"markets": {"XX"}}), 422)
	m := alertLink.FindStringSubmatch(inbox.Body)
	if m == nil {
		t.Fatalf("no alert link in the inbox:\n%s", text(inbox.Body))
	}
	check(t, lang, "alert", "compliance_alert", op.get("/compliance/alerts/"+m[1]), 200)
	officer := newBrowser(t, env)
	officer.lang = lang
	officer.signIn(env.User("", identity.ComplianceOfficer))
	check(t, lang, "notice form", "compliance_alerts", officer.get("/compliance/alerts"), 200)
}

func TestComplianceAlertPagesTranslated(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Alert Walk Ltd")
	leftovers := regexp.MustCompile(`console\.[a-z_]+|validation\.[a-z_]+|error\.[a-z_]+\.(title|detail)|\{[a-z_]+\}|%!`)
	for _, lang := range []string{"en", "zh-CN"} {
		t.Run(lang, func(t *testing.T) {
			walkComplianceAlertPages(t, env, lang, tenant, func(t *testing.T, lang, what, tmpl string, p page, status int) {
				t.Helper()
				if p.Status != status {
					t.Errorf("%s: status %d, want %d\n%s", what, p.Status, status, text(p.Body))
				}
				if got := langOf(p.Body); got != lang {
					t.Errorf("%s: lang %q", what, got)
				}
				if m := leftovers.FindString(text(p.Body)); m != "" {
					t.Errorf("%s: untranslated %q in:\n%s", what, m, text(p.Body))
				}
				if m := leftovers.FindString(attrs(p.Body)); m != "" {
					t.Errorf("%s: untranslated %q in an attribute", what, m)
				}
			})
		})
	}
}

func TestComplianceAlertPages(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Yiwu Toys")
	other := env.Tenant("Other Shop")
	op := newBrowser(t, env)
	op.signIn(env.User(tenant, identity.Operator))

	p := op.get("/compliance/alerts")
	mustContain(t, "empty inbox", text(p.Body), "No alerts yet", "No subscriptions")
	mustContain(t, "nav", p.Body, `href="/compliance/alerts"`)

	// A refused subscription names its fields and keeps what was typed.
	p = op.post("/compliance/alerts/subscriptions", url.Values{"markets": {"EU, ZZ"}, "channels": {"email"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("refused: %d", p.Status)
	}
	mustContain(t, "refused", p.Body, `value="EU, ZZ"`, "Not a market")
	p = op.post("/compliance/alerts/subscriptions", url.Values{"markets": {"DE, US"}, "categories": {"toys"}, "channels": {"in_app", "email"},
		"emails": {"ops@yiwu.example"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("subscribe: %d\n%s", p.Status, text(p.Body))
	}
	// The other tenant subscribes too, and has its own product.
	otherOp := newBrowser(t, env)
	otherOp.signIn(env.User(other, identity.Operator))
	otherOp.post("/compliance/alerts/subscriptions", url.Values{"markets": {"EU"}, "channels": {"in_app"}})

	raiseToyAlert(t, env, tenant, "EU-PAGE-001")
	p = op.get("/compliance/alerts")
	mustContain(t, "inbox", text(p.Body), "1 unread", "1 now fail", "New rule EU-PAGE-001")
	m := alertLink.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatal("no alert link")
	}
	p = op.get("/compliance/alerts/" + m[1])
	mustContain(t, "alert", text(p.Body), "TOY-EU-PAGE-001", "Now fails", "skipped (no mail server configured)", "Requirement")
	mustContain(t, "product link", p.Body, `href="/products/prd_`, `id="mark-read"`)
	if q := otherOp.get("/compliance/alerts/" + m[1]); q.Status != http.StatusNotFound {
		t.Errorf("other tenant opens the alert: %d", q.Status)
	}
	mustNotContain(t, "other inbox", otherOp.get("/compliance/alerts").Body, m[1])
	if q := op.post("/compliance/alerts/"+m[1]+"/read", nil); q.Status != http.StatusSeeOther {
		t.Fatalf("mark read: %d", q.Status)
	}
	mustContain(t, "read", text(op.get("/compliance/alerts/"+m[1]).Body), "Read")
	mustNotContain(t, "inbox after read", text(op.get("/compliance/alerts").Body), "1 unread")

	// Tenants cannot publish notices; compliance officers can.
	if q := op.post("/compliance/notices", url.Values{"markets": {"EU"}}); q.Status != http.StatusForbidden {
		t.Errorf("tenant publishes a notice: %d", q.Status)
	}
	officer := newBrowser(t, env)
	officer.signIn(env.User("", identity.ComplianceOfficer))
	mustContain(t, "officer page", officer.get("/compliance/alerts").Body, `id="notice-form"`)
	q := officer.post("/compliance/notices", url.Values{"markets": {"EU"}, "title_en": {"GPSR"}})
	if q.Status != http.StatusUnprocessableEntity {
		t.Fatalf("refused notice: %d", q.Status)
	}
	mustContain(t, "refused notice", q.Body, `value="GPSR"`)
	q = officer.post("/compliance/notices", url.Values{"markets": {"EU"}, "categories": {"toys"}, "title_en": {"GPSR applies"},
		"title_zh": {"GPSR 生效"}, "body_en": {"The General Product Safety Regulation applies."}, "body_zh": {"《通用产品安全法规》开始适用。"},
		"effective_from": {"2024-12-13"}, "source_url": {"https://eur-lex.europa.eu/eli/reg/2023/988/oj"}})
	if q.Status != http.StatusSeeOther {
		t.Fatalf("publish notice: %d\n%s", q.Status, text(q.Body))
	}
	mustContain(t, "notices", text(officer.get("/compliance/alerts").Body), "GPSR applies")
}
