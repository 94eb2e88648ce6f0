package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/silkgate/silkgate/internal/identity"
)

func ruleForm(id, title string) url.Values {
	return url.Values{"id": {id}, "market": {"DE"}, "severity": {"labelling"}, "title": {title},
		"authority": {"Bundesamt"}, "reference": {"ElektroG §9"}, "source_url": {"https://www.gesetze-im-internet.de/elektrog_2015/"},
		"requirement": {"Mark with the crossed-out bin."}, "effective_from": {"2015-10-24"},
		"details": {"applies_to:\n  categories: [electrical]\nevidence:\n  - {kind: mark, code: weee_mark}\ntranslations:\n  zh-CN:\n    title: 垃圾桶标志\n"}}
}

func TestRulePages(t *testing.T) {
	env := sqlite(t)
	a, b := newBrowser(t, env), newBrowser(t, env)
	a.signIn(env.User("", identity.ComplianceOfficer))
	b.signIn(env.User("", identity.ComplianceOfficer))

	// A saves a draft; a form with faults comes back with them.
	bad := ruleForm("DE-WEEE-001", "")
	bad.Set("details", "applies_to: {hs: [\"9\"]}")
	p := a.post("/compliance/rules", bad)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", p.Status)
	}
	mustContain(t, "bad form", text(p.Body), "applies_to.hs[0]", "This field is required.")
	p = a.post("/compliance/rules", ruleForm("DE-WEEE-001", "WEEE marking"))
	if p.Status != http.StatusSeeOther || p.Location != "/compliance/rules/DE-WEEE-001?done=drafted" {
		t.Fatalf("save: %d %q\n%s", p.Status, p.Location, text(p.Body))
	}
	// A sees the publish button disabled and why; B may publish.
	p = a.get("/compliance/rules/DE-WEEE-001")
	mustContain(t, "author's view", p.Body, `id="publish" disabled`, "another compliance officer must review and publish it")
	p = b.get("/compliance/rules/DE-WEEE-001")
	mustNotContain(t, "reviewer's view", p.Body, `id="publish" disabled`)
	mustContain(t, "reviewer's view", text(p.Body), "title", "WEEE marking")
	if p := a.post("/compliance/rules/DE-WEEE-001/publish", nil); p.Status != http.StatusForbidden {
		t.Fatalf("author publishes: %d", p.Status)
	}
	if p := b.post("/compliance/rules/DE-WEEE-001/publish", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", p.Status, text(p.Body))
	}

	// The list filters by market (DE includes EU) and search.
	p = a.get("/compliance/rules?market=DE&q=weee")
	mustContain(t, "list", text(p.Body), "DE-WEEE-001", "WEEE marking")
	p = a.get("/compliance/rules?market=FR&q=weee")
	mustNotContain(t, "FR list", text(p.Body), "DE-WEEE-001")

	// Tenant users read rules in force, in their language, and nothing
	// more.
	tenant := newBrowser(t, env)
	tenant.lang = "zh-CN"
	tenant.signIn(env.User(env.Tenant("Shop"), identity.Viewer))
	p = tenant.get("/compliance/rules/DE-WEEE-001")
	mustContain(t, "tenant view", text(p.Body), "垃圾桶标志")
	mustNotContain(t, "tenant view", p.Body, `id="edit-rule"`, `id="retire-button"`)
	if p := tenant.get("/compliance/rules/new"); p.Status != http.StatusForbidden {
		t.Fatalf("tenant edit form: %d", p.Status)
	}
	if p := tenant.post("/compliance/rules/DE-WEEE-001/retire", url.Values{"effective_to": {"2030-01-01"}}); p.Status != http.StatusForbidden {
		t.Fatalf("tenant retire: %d", p.Status)
	}
	// Retirement drafts, and shows as the pending review with its diff.
	if p := a.post("/compliance/rules/DE-WEEE-001/retire", url.Values{"effective_to": {"2030-01-01"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("retire: %d\n%s", p.Status, text(p.Body))
	}
	p = b.get("/compliance/rules/DE-WEEE-001")
	mustContain(t, "retirement review", text(p.Body), "effective_to", "2030-01-01")
}

// TestBrowserRuleFourEyes: officer A edits a rule into a draft, cannot
// publish it, and officer B publishes it.
func TestBrowserRuleFourEyes(t *testing.T) {
	env := sqlite(t)
	ctx := tab(t, browserLimit)
	ua, ub := env.User("", identity.ComplianceOfficer), env.User("", identity.ComplianceOfficer)
	// The rule in force, put there by the system (a code of A's or B's
	// used here could not be used again in the browser within its
	// 30 seconds).
	seed := newBrowser(t, env)
	seed.signIn(env.User("", identity.ComplianceOfficer))
	if p := seed.post("/compliance/rules", ruleForm("DE-WEEE-002", "WEEE marking")); p.Status != http.StatusSeeOther {
		t.Fatalf("seed draft: %d", p.Status)
	}
	if _, err := env.App.Rules.Publish(env.Ctx, "DE-WEEE-002"); err != nil {
		t.Fatal(err)
	}

	browserSignIn(t, ctx, env, ua)
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/compliance/rules/DE-WEEE-002/edit"),
		chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.SetValue(chromedp.ID("title"), "WEEE marking and take-back"),
		chromedp.Click(chromedp.ID("save-draft")),
		chromedp.WaitVisible(chromedp.ID("changes")),
	), "A edits")
	disabled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("publish").disabled`))
	must(t, err, "A's publish button")
	why, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("publish-why")))
	must(t, err, "A's explanation")
	if !disabled || !strings.Contains(why, "another compliance officer") {
		t.Fatalf("A's publish button: disabled=%v %q", disabled, why)
	}

	// B, in a browser of their own.
	bctx := tab(t, browserLimit)
	browserSignIn(t, bctx, env, ub)
	must(t, chromedp.Do(bctx,
		chromedp.Navigate(env.Server.URL+"/compliance/rules/DE-WEEE-002"),
		chromedp.WaitVisible(chromedp.ID("changes")),
	), "B opens the rule")
	changes, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("changes")))
	must(t, err, "B's diff")
	if !strings.Contains(changes, "WEEE marking and take-back") {
		t.Errorf("B's diff: %q", changes)
	}
	must(t, chromedp.Do(bctx,
		chromedp.Click(chromedp.ID("publish")),
		chromedp.WaitNotPresent(chromedp.ID("pending")),
	), "B publishes")
	h1, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("main h1")))
	must(t, err, "heading")
	if h1 != "WEEE marking and take-back" {
		t.Errorf("in force: %q", h1)
	}
}
