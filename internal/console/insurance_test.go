package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
)

var (
	insQuoteLink  = regexp.MustCompile(`quote=(inq_[A-Za-z0-9]+)`)
	insPolicyLink = regexp.MustCompile(`/settlement/insurance/policies/(pol_[A-Za-z0-9]+)`)
	insClaimForm  = regexp.MustCompile(`/settlement/insurance/claims/(clm_[A-Za-z0-9]+)/status`)
	creditRelease = regexp.MustCompile(`/settlement/credit/guarantees/(gua_[A-Za-z0-9]+)/release`)
)

// walkInsurancePages drives quote → bind → certificate → claim and the
// credit pages as a finance user, checking each page as it goes.
func walkInsurancePages(t *testing.T, env *apptest.Env, lang, tenant string, check func(t *testing.T, lang, what, tmpl string, p page, status int)) {
	t.Helper()
	b := newBrowser(t, env)
	b.lang = lang
	b.signIn(env.User(tenant, identity.Finance))
	check(t, lang, "insurance", "insurance", b.get("/settlement/insurance"), 200)
	check(t, lang, "insurance refused", "insurance", b.post("/settlement/insurance/quotes", url.Values{"value": {"10.001"},
		"currency": {"USD"}, "incoterm": {"FOB"}, "commodity": {"general"}, "transport": {"sea"}, "from": {"CN"}, "to": {"IR"}}), 422)
	q := b.post("/settlement/insurance/quotes", url.Values{"value": {"20000"}, "currency": {"USD"}, "incoterm": {"CFR"},
		"commodity": {"electronics"}, "transport": {"air"}, "from": {"CN"}, "to": {"DE"}})
	m := insQuoteLink.FindStringSubmatch(q.Location)
	if q.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("quote: %d %q", q.Status, q.Location)
	}
	check(t, lang, "insurance quote", "insurance", b.get("/settlement/insurance?quote="+m[1]), 200)
	check(t, lang, "bind refused", "insurance", b.post("/settlement/insurance/policies", url.Values{"quote_id": {m[1]}}), 422)
	check(t, lang, "bind unknown shipment", "insurance", b.post("/settlement/insurance/policies", url.Values{"quote_id": {m[1]},
		"insured_name": {"Yiwu Bright Toys"}, "shipment_id": {"shp_walk"}}), 422)
	bound := b.post("/settlement/insurance/policies", url.Values{"quote_id": {m[1]}, "insured_name": {"Yiwu Bright Toys 义乌明亮玩具"}})
	pm := insPolicyLink.FindStringSubmatch(bound.Location)
	if bound.Status != http.StatusSeeOther || pm == nil {
		t.Fatalf("bind: %d %q", bound.Status, bound.Location)
	}
	check(t, lang, "policy", "insurance_policy", b.get(bound.Location), 200)
	if c := b.get("/api/v1/insurance/policies/" + pm[1] + "/certificate.pdf"); c.Status != 200 || !strings.HasPrefix(c.Body, "%PDF-") {
		t.Fatalf("certificate from the console: %d", c.Status)
	}
	check(t, lang, "claim refused", "insurance_policy", b.post("/settlement/insurance/policies/"+pm[1]+"/claims",
		url.Values{"loss_type": {"damage"}, "amount": {"999999.00"}, "documents": {"survey.pdf"}}), 422)
	filed := b.post("/settlement/insurance/policies/"+pm[1]+"/claims", url.Values{"loss_type": {"damage"},
		"amount": {"500.00"}, "documents": {"survey.pdf\ninvoice.pdf"}})
	if filed.Status != http.StatusSeeOther {
		t.Fatalf("claim: %d", filed.Status)
	}
	withClaim := b.get("/settlement/insurance/policies/" + pm[1])
	check(t, lang, "policy with claim", "insurance_policy", withClaim, 200)
	cm := insClaimForm.FindStringSubmatch(withClaim.Body)
	if cm == nil {
		t.Fatal("no claim action on the policy page")
	}
	if p := b.post("/settlement/insurance/claims/"+cm[1]+"/status", url.Values{"status": {"under_review"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("review: %d", p.Status)
	}
	check(t, lang, "claim wrong move", "insurance_policy", b.post("/settlement/insurance/claims/"+cm[1]+"/status",
		url.Values{"status": {"paid"}}), 409)

	check(t, lang, "credit", "credit", b.get("/settlement/credit"), 200)
	check(t, lang, "limit refused", "credit", b.post("/settlement/credit/limits", url.Values{"buyer": {"ACME"},
		"limit": {"-1"}, "currency": {"USD"}, "grade": {"B"}}), 422)
	if p := b.post("/settlement/credit/limits", url.Values{"buyer": {"ACME"}, "limit": {"1000"}, "currency": {"USD"}, "grade": {"B"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("limit: %d", p.Status)
	}
	check(t, lang, "guarantee over limit", "credit", b.post("/settlement/credit/guarantees", url.Values{"buyer": {"ACME"},
		"amount": {"1000.01"}, "currency": {"USD"}, "days": {"30"}}), 409)
	if p := b.post("/settlement/credit/guarantees", url.Values{"buyer": {"ACME"}, "amount": {"400"}, "currency": {"USD"}, "days": {"30"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("guarantee: %d", p.Status)
	}
	page := b.get("/settlement/credit?done=issued")
	check(t, lang, "credit issued", "credit", page, 200)
	check(t, lang, "credit check", "credit", b.get("/settlement/credit?buyer=ACME&amount=700&currency=USD"), 200)
	check(t, lang, "credit check refused", "credit", b.get("/settlement/credit?buyer=ACME&amount=1.234&currency=USD"), 422)
	if rm := creditRelease.FindStringSubmatch(page.Body); rm == nil {
		t.Fatal("no release button")
	} else if p := b.post("/settlement/credit/guarantees/"+rm[1]+"/release", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("release: %d", p.Status)
	}
}

func TestInsuranceAndCreditPages(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Insured Trading")
	var pages []string
	walkInsurancePages(t, env, "en", tenant, func(t *testing.T, lang, what, tmpl string, p page, status int) {
		t.Helper()
		if p.Status != status {
			t.Fatalf("%s: %d, want %d: %s", what, p.Status, status, text(p.Body))
		}
		pages = append(pages, what)
	})
	b := newBrowser(t, env)
	b.signIn(env.User(tenant, identity.Finance))
	if p := b.post("/settlement/credit/guarantees", url.Values{"buyer": {"ACME"}, "amount": {"400"}, "currency": {"USD"}, "days": {"30"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("guarantee: %d", p.Status)
	}
	got := text(b.get("/settlement/credit?buyer=ACME&amount=700&currency=USD").Body)
	if !strings.Contains(got, "Open-account terms not allowed") || !strings.Contains(got, "past its limit") {
		t.Fatalf("check says: %s", got)
	}
	if got := text(b.get("/settlement/credit?buyer=ACME&amount=600&currency=USD").Body); !strings.Contains(got, "Open-account terms allowed") {
		t.Fatalf("within the limit: %s", got)
	}
	viewer := newBrowser(t, env)
	viewer.signIn(env.User(tenant, identity.TenantAdmin))
	if p := viewer.get("/settlement/insurance"); p.Status != 200 || strings.Contains(p.Body, `action="/settlement/insurance/quotes"`) {
		t.Fatalf("read-only role sees the quote form: %d", p.Status)
	}
	if p := viewer.post("/settlement/credit/limits", url.Values{"buyer": {"X"}, "limit": {"1"}, "currency": {"USD"}, "grade": {"A"}}); p.Status != http.StatusForbidden {
		t.Fatalf("read-only role set a limit: %d", p.Status)
	}
}
