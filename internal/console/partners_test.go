package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/console"
	"github.com/silkgate/silkgate/internal/identity"
)

// withPartners makes sure env serves the webhook, partner and alert
// pages, registering them on the app's router when the app's own console
// was built without those services.
func withPartners(t testing.TB, env *apptest.Env) {
	t.Helper()
	for _, r := range env.App.Router.Routes() {
		if r.Path == "/webhooks" || r.Path == "/partners" {
			return
		}
	}
	a := env.App
	console.New(console.Deps{Identity: a.Identity, Tenants: a.Tenants, Audit: a.Audit, Catalog: a.Catalog, DB: a.DB,
		Log: a.Log, Webhooks: a.Webhooks, Gateway: a.Gateway}).PartnerRoutes(a.Router)
}

var (
	hookLink    = regexp.MustCompile(`href="/webhooks/([A-Za-z0-9_-]+)"`)
	clientIDRe  = regexp.MustCompile(`id="client-id"[^>]*>([^<]+)<`)
	replayForm  = regexp.MustCompile(`action="(/webhooks/[^"]+/replay)"`)
	secretBoxRe = regexp.MustCompile(`class="secret" id="([a-z-]+)"[^>]*>([^<]+)<`)
)

func find(t *testing.T, re *regexp.Regexp, body string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no match for %s in:\n%s", re, text(body))
	}
	return m[1]
}

func TestWebhookPages(t *testing.T) {
	env := sqlite(t)
	withPartners(t, env)
	tenant := env.Tenant("Hook Traders")
	b := newBrowser(t, env)
	b.signIn(env.User(tenant, identity.TenantAdmin))

	p := b.get("/webhooks")
	if p.Status != http.StatusOK {
		t.Fatalf("list: %d\n%s", p.Status, text(p.Body))
	}
	mustContain(t, "list", p.Body, "No webhooks yet.", `value="order.created"`, `value="shipment.updated"`, `href="/webhooks"`)

	// A refused form keeps what was typed and says what is wrong.
	p = b.post("/webhooks", url.Values{"url": {"ftp://nowhere"}, "events": {"order.created"}, "description": {"ERP"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad url: %d\n%s", p.Status, text(p.Body))
	}
	mustContain(t, "bad url", p.Body, `value="ftp://nowhere"`, `value="ERP"`, "field-error")
	if !regexp.MustCompile(`value="order.created" checked`).MatchString(p.Body) {
		t.Errorf("bad url: the ticked event is lost")
	}
	p = b.post("/webhooks", url.Values{"url": {"https://hooks.example.com/silkgate"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Errorf("no events: %d", p.Status)
	}

	// Created: the secret is shown on this answer and nowhere else.
	p = b.post("/webhooks", url.Values{"url": {"https://hooks.example.com/silkgate"}, "events": {"order.created", "order.updated"}})
	if p.Status != http.StatusCreated {
		t.Fatalf("create: %d\n%s", p.Status, text(p.Body))
	}
	if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("created page Cache-Control %q", cc)
	}
	m := secretBoxRe.FindStringSubmatch(p.Body)
	if m == nil || m[1] != "webhook-secret" || len(m[2]) < 16 {
		t.Fatalf("created page shows no secret:\n%s", text(p.Body))
	}
	secret := m[2]
	id := find(t, hookLink, p.Body)
	for _, path := range []string{"/webhooks", "/webhooks/" + id} {
		mustNotContain(t, path, b.get(path).Body, secret)
	}

	p = b.get("/webhooks/" + id)
	if p.Status != http.StatusOK {
		t.Fatalf("detail: %d\n%s", p.Status, text(p.Body))
	}
	mustContain(t, "detail", p.Body, "https://hooks.example.com/silkgate", "order.updated", "No deliveries yet.", "Send test event")

	// Send test event, then replay its delivery: both go through the
	// service and show up in the log.
	p = b.post("/webhooks/"+id+"/test", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/webhooks/"+id+"?notice=webhook_test_sent" {
		t.Fatalf("test event: %d to %q\n%s", p.Status, p.Location, text(p.Body))
	}
	p = b.get(p.Location)
	mustContain(t, "after test", p.Body, "A test event is on its way.", "webhook.test")
	action := find(t, replayForm, p.Body)
	p = b.post(action, nil)
	if p.Status != http.StatusSeeOther || !strings.HasSuffix(p.Location, "?notice=delivery_replayed") {
		t.Fatalf("replay: %d to %q\n%s", p.Status, p.Location, text(p.Body))
	}
	p = b.get(p.Location)
	mustContain(t, "after replay", p.Body, "The event is being sent again")
	if n := strings.Count(p.Body, "/replay\""); n != 2 {
		t.Errorf("after replay: %d deliveries listed, want 2", n)
	}
	if !strings.Contains(text(p.Body), "Replay of ") {
		t.Errorf("after replay: the new delivery does not name the one it replays")
	}
	if p := b.get("/webhooks/" + id + "?status=failed"); p.Status != http.StatusOK {
		t.Errorf("filtered log: %d", p.Status)
	}
	if p := b.post("/webhooks/"+id+"/deliveries/dlv_nothere/replay", nil); p.Status != http.StatusNotFound {
		t.Errorf("replay of an unknown delivery: %d", p.Status)
	}

	// Delete asks first.
	p = b.get("/webhooks/" + id + "/delete")
	mustContain(t, "delete page", p.Body, "Delete this webhook?", `action="/webhooks/`+id+`/delete"`)
	p = b.post("/webhooks/"+id+"/delete", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/webhooks?notice=webhook_deleted" {
		t.Fatalf("delete: %d to %q", p.Status, p.Location)
	}
	p = b.get(p.Location)
	mustContain(t, "after delete", p.Body, "The webhook was deleted.", "No webhooks yet.")
	if p := b.get("/webhooks/" + id); p.Status != http.StatusNotFound {
		t.Errorf("deleted webhook: %d", p.Status)
	}
}

func TestPartnerPages(t *testing.T) {
	env := sqlite(t)
	withPartners(t, env)
	tenant := env.Tenant("Partner Freight")
	key, err := env.App.Identity.CreateAPIKey(env.Ctx, identity.NewAPIKey{TenantID: tenant, Role: identity.Operator, Name: "WMS"})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, env)
	b.signIn(env.User(tenant, identity.TenantAdmin))

	p := b.get("/partners")
	if p.Status != http.StatusOK {
		t.Fatalf("list: %d\n%s", p.Status, text(p.Body))
	}
	mustContain(t, "list", p.Body, "No OAuth clients yet.", "Register a client")

	// An allow-list with a wrong line is refused, naming the line.
	p = b.post("/partners", url.Values{"name": {"Carrier"}, "role": {"operator"}, "allowed_ips": {"203.0.113.0/24\n10.0.0.300"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad ip: %d\n%s", p.Status, text(p.Body))
	}
	mustContain(t, "bad ip", p.Body, `value="Carrier"`, "10.0.0.300</textarea>", "field-error", "“10.0.0.300”")

	p = b.post("/partners", url.Values{"name": {"Carrier"}, "role": {"operator"}, "allowed_ips": {"203.0.113.0/24"}})
	if p.Status != http.StatusCreated {
		t.Fatalf("create: %d\n%s", p.Status, text(p.Body))
	}
	clientID := find(t, clientIDRe, p.Body)
	var secret string
	for _, m := range secretBoxRe.FindAllStringSubmatch(p.Body, -1) {
		if m[1] == "client-secret" {
			secret = m[2]
		}
	}
	if !strings.HasPrefix(secret, "sgcs_") {
		t.Fatalf("created page shows no client secret:\n%s", text(p.Body))
	}
	p = b.get("/partners")
	mustContain(t, "list", p.Body, clientID, "Carrier", "203.0.113.0/24", "/partners/"+clientID+"/allowed-ips")
	mustNotContain(t, "list", p.Body, secret)

	// The client's allow-list.
	p = b.get("/partners/" + clientID + "/allowed-ips")
	if p.Status != http.StatusOK {
		t.Fatalf("client ips: %d\n%s", p.Status, text(p.Body))
	}
	mustContain(t, "client ips", p.Body, "203.0.113.0/24</textarea>")
	p = b.post("/partners/"+clientID+"/allowed-ips", url.Values{"allowed_ips": {"198.51.100.7\n2001:db8::/48"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("save client ips: %d\n%s", p.Status, text(p.Body))
	}
	mustContain(t, "saved", b.get(p.Location).Body, "The allowed IP addresses were saved.", "198.51.100.7/32", "2001:db8::/48")

	// An API key's allow-list, linked from the keys page.
	if p := b.get("/apikeys"); !strings.Contains(p.Body, "/apikeys/"+key.ID+"/allowed-ips") {
		t.Logf("the keys page does not link the allow-list (the app serves it without the gateway pages)")
	}
	p = b.get("/apikeys/" + key.ID + "/allowed-ips")
	mustContain(t, "key ips", p.Body, "Any address", key.Prefix)
	p = b.post("/apikeys/"+key.ID+"/allowed-ips", url.Values{"allowed_ips": {"not-an-address"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad key ips: %d\n%s", p.Status, text(p.Body))
	}
	mustContain(t, "bad key ips", p.Body, "not-an-address</textarea>", "“not-an-address”")
	p = b.post("/apikeys/"+key.ID+"/allowed-ips", url.Values{"allowed_ips": {"192.0.2.0/24"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("save key ips: %d\n%s", p.Status, text(p.Body))
	}
	mustContain(t, "key saved", b.get(p.Location).Body, "192.0.2.0/24</textarea>")
	// Emptying the list lifts the restriction.
	p = b.post("/apikeys/"+key.ID+"/allowed-ips", url.Values{"allowed_ips": {""}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("clear key ips: %d\n%s", p.Status, text(p.Body))
	}
	mustContain(t, "key cleared", b.get(p.Location).Body, "Any address")

	// Revoking asks first.
	p = b.get("/partners/" + clientID + "/revoke")
	mustContain(t, "revoke page", p.Body, "Revoke this OAuth client?")
	p = b.post("/partners/"+clientID+"/revoke", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/partners?notice=client_revoked" {
		t.Fatalf("revoke: %d to %q", p.Status, p.Location)
	}
	mustContain(t, "after revoke", b.get(p.Location).Body, "The OAuth client was revoked.", "Revoked")
}

func TestAlertsPage(t *testing.T) {
	env := sqlite(t)
	withPartners(t, env)
	d := env.App.Gateway.Detector()
	subj := d.SourceSubject("203.0.113.9")
	for range d.Policy().Threshold {
		d.Fail(subj)
	}
	if _, ok := d.Blocked(subj); !ok {
		t.Fatal("the source is not blocked")
	}
	// A key attacked with bad signatures is blocked and raises an alert.
	tenant := env.Tenant("Attacked Ltd")
	key, err := env.App.Identity.CreateAPIKey(env.Ctx, identity.NewAPIKey{TenantID: tenant, Role: identity.Viewer})
	if err != nil {
		t.Fatal(err)
	}
	badSignatures(t, env, key.ID, d.Policy().Threshold)
	b := newBrowser(t, env)
	b.signIn(env.User("", identity.SecurityAdmin))
	p := b.get("/security/alerts")
	if p.Status != http.StatusOK {
		t.Fatalf("alerts: %d\n%s", p.Status, text(p.Body))
	}
	mustContain(t, "alerts", p.Body, "203.0.113.9", `name="subject" value="`+subj+`"`, "key:"+key.ID, "Open")
	mustNotContain(t, "alerts", p.Body, "No alerts.")
	p = b.post("/security/blocks/unblock", url.Values{"subject": {"key:" + key.ID}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("unblock key: %d\n%s", p.Status, text(p.Body))
	}
	mustContain(t, "key unblocked", b.get("/security/alerts?status=resolved").Body, "key:"+key.ID, "Resolved")
	p = b.post("/security/blocks/unblock", url.Values{"subject": {subj}})
	if p.Status != http.StatusSeeOther || p.Location != "/security/alerts?notice=unblocked" {
		t.Fatalf("unblock: %d to %q\n%s", p.Status, p.Location, text(p.Body))
	}
	if _, ok := d.Blocked(subj); ok {
		t.Error("still blocked after Unblock")
	}
	mustContain(t, "after unblock", b.get(p.Location).Body, "The block was lifted", "Nothing is blocked right now.")
	if p := b.post("/security/blocks/unblock", url.Values{"subject": {subj}}); p.Status != http.StatusNotFound {
		t.Errorf("unblocking twice: %d", p.Status)
	}
}

func TestPartnerPagesPermissions(t *testing.T) {
	env := sqlite(t)
	withPartners(t, env)
	tenant := env.Tenant("Gated Goods")
	key, err := env.App.Identity.CreateAPIKey(env.Ctx, identity.NewAPIKey{TenantID: tenant, Role: identity.Viewer})
	if err != nil {
		t.Fatal(err)
	}
	viewer := newBrowser(t, env)
	viewer.signIn(env.User(tenant, identity.Viewer))
	for _, path := range []string{"/webhooks", "/partners", "/security/alerts", "/apikeys/" + key.ID + "/allowed-ips"} {
		p := viewer.get(path)
		if p.Status != http.StatusForbidden || langOf(p.Body) == "" {
			t.Errorf("viewer %s: %d, want the 403 page", path, p.Status)
		}
	}
	for _, path := range []string{"/webhooks", "/partners", "/security/blocks/unblock", "/apikeys/" + key.ID + "/allowed-ips"} {
		if p := viewer.post(path, url.Values{"url": {"https://x.example"}, "allowed_ips": {""}}); p.Status != http.StatusForbidden {
			t.Errorf("viewer POST %s: %d, want 403", path, p.Status)
		}
	}
	dash := viewer.get("/dashboard").Body
	mustNotContain(t, "viewer nav", dash, `href="/webhooks"`, `href="/partners"`, `href="/security/alerts"`)

	admin := newBrowser(t, env)
	admin.signIn(env.User(tenant, identity.TenantAdmin))
	if p := admin.get("/security/alerts"); p.Status != http.StatusForbidden {
		t.Errorf("tenant admin alerts: %d, want 403", p.Status)
	}
	mustContain(t, "tenant admin nav", admin.get("/partners").Body, `href="/webhooks"`, `href="/partners"`)

	// The security administrator works across tenants: partners and
	// alerts, but webhooks belong to a tenant.
	sec := newBrowser(t, env)
	sec.signIn(env.User("", identity.SecurityAdmin))
	dash = sec.get("/security/alerts").Body
	mustContain(t, "security admin nav", dash, `href="/partners"`, `href="/security/alerts"`)
	mustNotContain(t, "security admin nav", dash, `href="/webhooks"`)
	if p := sec.get("/partners?tenant=" + tenant); p.Status != http.StatusOK || !strings.Contains(p.Body, "Register a client") {
		t.Errorf("security admin partners: %d", p.Status)
	}
	if p := sec.get("/apikeys/" + key.ID + "/allowed-ips"); p.Status != http.StatusOK {
		t.Errorf("security admin key ips: %d", p.Status)
	}
}

// badSignatures sends n signed requests with key id and a wrong signature.
func badSignatures(t testing.TB, env *apptest.Env, keyID string, n int) {
	t.Helper()
	for i := range n {
		req, err := http.NewRequest("GET", env.Server.URL+"/api/v1/me", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Silkgate-Key-Id", keyID)
		req.Header.Set("Silkgate-Timestamp", strconv.FormatInt(time.Now().Unix(), 10))
		req.Header.Set("Silkgate-Nonce", fmt.Sprintf("nonce-%016d", i))
		req.Header.Set("Silkgate-Signature", "v1="+strings.Repeat("0", 64))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
}
