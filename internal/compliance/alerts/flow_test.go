package alerts

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/compliance/rules"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/web"
)

type flow struct {
	t        *testing.T
	d        *db.DB
	q        *jobs.Queue
	s        *Service
	rules    *rules.Service
	products *catalog.Service
	smtp     *smtpServer
	ctx      context.Context
}

func newFlow(t *testing.T, d *db.DB) *flow {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "system", Type: "system"})
	if err := jobs.Migrate(ctx, d, nil); err != nil {
		t.Fatal(err)
	}
	q, err := jobs.New(d, jobs.Config{PollInterval: 20 * time.Millisecond, FastStart: true, StopTimeout: 5 * time.Second,
		Decorate: func(ctx context.Context, _ string, _ int64) context.Context {
			return audit.WithActor(ctx, audit.Actor{ID: "system", Type: "system"})
		}})
	if err != nil {
		t.Fatal(err)
	}
	rec := audit.New(d, nil, nil)
	srv := startSMTP(t, "mailer", "s3cret")
	f := &flow{t: t, d: d, q: q, smtp: srv, ctx: ctx, rules: rules.New(d, rec, nil), products: catalog.New(d, rec)}
	f.s, err = New(d, f.products, rec, Config{SMTPURL: "smtp://mailer:s3cret@" + srv.addr(), SMTPFrom: "Silkgate <alerts@silkgate.test>"})
	if err != nil {
		t.Fatal(err)
	}
	f.s.Use(q, events.New(d, q, events.Config{}), f.rules)
	runCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(func() {
		cancel()
		_ = q.Shutdown(context.Background())
	})
	if err := q.Start(runCtx); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *flow) tenant(name string) context.Context {
	f.t.Helper()
	id := ids.New("ten")
	dbtest.MustExec(f.t, f.d, `INSERT INTO tenants (id, name, region, plan, created_at) VALUES ($1, $2, 'cn', 'saas', $3)`,
		id, name, time.Now().UTC())
	return db.WithScope(audit.WithActor(f.ctx, audit.Actor{ID: "key_" + name, Type: "apikey", TenantID: id}), db.Scope{TenantID: id})
}

func (f *flow) product(ctx context.Context, sku, category, hs string, markets []string, certs ...string) {
	f.t.Helper()
	if _, err := f.products.Create(ctx, catalog.Product{SKU: sku, Title: catalog.Title{"en": "Item " + sku}, Category: category,
		HSCode: hs, Markets: markets, Certifications: certs}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *flow) subscribe(ctx context.Context, sub Subscription) {
	f.t.Helper()
	if _, err := f.s.Subscribe(ctx, sub); err != nil {
		f.t.Fatal(err)
	}
}

func (f *flow) pendingJobs() int {
	var n int
	if err := f.d.Q(f.ctx).QueryRowContext(f.ctx, `SELECT COUNT(*) FROM river_job
		WHERE kind LIKE 'compliance_alert%' AND state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// drain waits until the queue has worked every alert job: the queue runs
// them as soon as they commit, so this is the time the jobs take, not a
// fixed sleep.
func (f *flow) drain() {
	f.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for f.pendingJobs() > 0 {
		if time.Now().After(deadline) {
			f.t.Fatal("alert jobs still pending after a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *flow) alerts(ctx context.Context) []Alert {
	f.t.Helper()
	l, err := f.s.Alerts(ctx, AlertFilter{}, web.Page{Limit: 100})
	if err != nil {
		f.t.Fatal(err)
	}
	return l.Items
}

func (f *flow) publish(r rules.Rule) {
	f.t.Helper()
	d, err := f.rules.Draft(f.ctx, r)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.rules.Publish(f.ctx, d.ID); err != nil {
		f.t.Fatal(err)
	}
}

func effects(a Alert) map[string]string {
	out := map[string]string{}
	for _, p := range a.Products {
		out[p.SKU] = p.Effect
	}
	return out
}

func delivery(a Alert, ch string) string {
	for _, d := range a.Delivery {
		if d.Channel == ch {
			return d.Status
		}
	}
	return ""
}

// TestRuleChangeAlerts publishes, revises and retires a rule and follows
// the alerts to the tenants that should get them, and only to them.
func TestRuleChangeAlerts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFlow(t, d)
		a, b, c := f.tenant("Alpha"), f.tenant("Beta"), f.tenant("Gamma")
		aSandbox := db.WithScope(a, db.Scope{TenantID: mustScope(t, a).TenantID, Sandbox: true})
		f.product(a, "A-TOY-1", "toys", "950300", []string{"DE"})
		f.product(a, "A-TOY-2", "toys", "950300", []string{"FR", "US"}, "CE")
		f.product(a, "A-LAMP", "lighting", "940540", []string{"DE"})
		f.product(b, "B-TOY-1", "toys", "950300", []string{"DE"})
		f.product(c, "C-TOY-1", "toys", "950300", []string{"DE"})
		f.subscribe(a, Subscription{Markets: []string{"DE"}, Channels: []string{InApp, Email, Webhook}, Emails: []string{"ops@alpha.test"}})
		f.subscribe(b, Subscription{Markets: []string{"US"}, Channels: []string{InApp}})
		f.subscribe(c, Subscription{Markets: []string{"EU"}, Categories: []string{"cosmetics"}, Channels: []string{InApp}})
		// The sandbox side of Alpha subscribes too, and has no products.
		f.subscribe(aSandbox, Subscription{Markets: []string{"EU"}, Channels: []string{InApp}})
		f.smtp.mu.Lock()
		f.smtp.failFirst = 1
		f.smtp.mu.Unlock()

		// Publishing enqueues the job in the publishing transaction; no
		// alert exists before the queue runs it.
		f.q.Shutdown(context.Background())
		f.publish(toyRule(0, rules.Restricted))
		if n := f.pendingJobs(); n != 1 {
			t.Fatalf("pending alert jobs after publish = %d, want 1", n)
		}
		if n := len(f.alerts(a)); n != 0 {
			t.Fatalf("alerts before the job ran = %d", n)
		}
		if err := f.q.Start(f.ctx); err != nil {
			t.Fatal(err)
		}
		f.drain()

		as := f.alerts(a)
		if len(as) != 1 {
			t.Fatalf("Alpha alerts = %d, want 1", len(as))
		}
		al := as[0]
		if al.Kind != KindRule || al.Rule.Change != ChangeNew || al.Rule.ID != "EU-TOY-T01" || al.Read {
			t.Errorf("alert %+v", al)
		}
		if got, want := effects(al), map[string]string{"A-TOY-1": NewFail, "A-TOY-2": Passes}; !mapsEqual(got, want) {
			t.Errorf("effects %v, want %v", got, want)
		}
		if delivery(al, InApp) != "delivered" || delivery(al, Email) != "sent" || delivery(al, Webhook) != "published" {
			t.Errorf("delivery %+v", al.Delivery)
		}
		if n := len(f.alerts(aSandbox)); n != 1 {
			t.Errorf("Alpha sandbox alerts = %d, want 1", n)
		} else if sb := f.alerts(aSandbox)[0]; len(sb.Products) != 0 {
			t.Errorf("sandbox alert lists live products: %+v", sb.Products)
		}
		for name, ctx := range map[string]context.Context{"Beta": b, "Gamma": c} {
			if n := len(f.alerts(ctx)); n != 0 {
				t.Errorf("%s got %d alerts", name, n)
			}
		}

		// The e-mail went to Alpha's recipient, after one refused attempt.
		msgs := f.smtp.messages()
		if len(msgs) != 1 || !slices.Equal(msgs[0].To, []string{"ops@alpha.test"}) || msgs[0].From != "alerts@silkgate.test" {
			t.Fatalf("messages %+v", msgs)
		}
		hdr, body := msgs[0].decode(t)
		if !strings.Contains(hdr.Header.Get("Subject"), "EU-TOY-T01") || hdr.Header.Get("X-Silkgate-Alert") != al.ID {
			t.Errorf("headers %v", hdr.Header)
		}
		if !strings.Contains(body, "A-TOY-1") || !strings.Contains(body, "新增不合规") || strings.Contains(body, "B-TOY-1") {
			t.Errorf("body:\n%s", body)
		}

		// The webhook event is in Alpha's outbox, and nobody else's.
		var tenantsWithEvent []string
		rows, err := d.Q(f.ctx).QueryContext(f.ctx, `SELECT tenant_id FROM outbox_events WHERE type = $1`, events.ComplianceAlert)
		if err != nil {
			t.Fatal(err)
		}
		tenantsWithEvent, err = db.Collect(rows, func(r db.Row) (string, error) { var s string; return s, r.Scan(&s) })
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(tenantsWithEvent, []string{mustScope(t, a).TenantID}) {
			t.Errorf("compliance.alert events for %v", tenantsWithEvent)
		}

		// Running the job again raises nothing new.
		if n, err := f.s.RuleChanged(f.ctx, "EU-TOY-T01", 1, 0); err != nil || n != 0 {
			t.Errorf("rerun raised %d, %v", n, err)
		}

		// A revision: the diff names the fields that changed.
		v2 := toyRule(1, rules.Prohibited)
		v2.Requirement = "Toys without the CE mark may not be sold."
		f.publish(v2)
		f.drain()
		as = f.alerts(a)
		if len(as) != 2 || as[0].Rule.Change != ChangeUpdated || as[0].Rule.PreviousVersion != 1 {
			t.Fatalf("after revision: %d alerts, newest %+v", len(as), as[0].Rule)
		}
		var fields []string
		for _, fc := range as[0].Rule.Summary {
			fields = append(fields, fc.Field)
		}
		if !slices.Equal(fields, []string{"requirement", "severity"}) || effects(as[0])["A-TOY-1"] != StillFail {
			t.Errorf("revision summary %v, effects %v", fields, effects(as[0]))
		}

		// Retirement resolves the failing product.
		if _, err := f.rules.Retire(f.ctx, "EU-TOY-T01", time.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.rules.Publish(f.ctx, "EU-TOY-T01"); err != nil {
			t.Fatal(err)
		}
		f.drain()
		as = f.alerts(a)
		if len(as) != 3 || as[0].Rule.Change != ChangeRetired || effects(as[0])["A-TOY-1"] != Resolved {
			t.Fatalf("after retirement: %d alerts, newest %+v %v", len(as), as[0].Rule, effects(as[0]))
		}

		// Unread and read.
		if n, _ := f.s.Unread(a); n != 3 {
			t.Errorf("unread = %d", n)
		}
		if _, err := f.s.MarkRead(a, as[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.MarkRead(b, as[1].ID); err == nil {
			t.Error("Beta marked Alpha's alert read")
		}
		l, _ := f.s.Alerts(a, AlertFilter{Unread: true}, web.Page{Limit: 10})
		if len(l.Items) != 2 || slices.ContainsFunc(l.Items, func(x Alert) bool { return x.ID == as[0].ID }) {
			t.Errorf("unread list %d", len(l.Items))
		}
	})
}

// TestNoticeAlerts publishes a notice for the US and follows it to the
// only tenant subscribed there.
func TestNoticeAlerts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFlow(t, d)
		a, b := f.tenant("Alpha"), f.tenant("Beta")
		f.subscribe(a, Subscription{Markets: []string{"EU"}, Channels: []string{InApp}})
		f.subscribe(b, Subscription{Markets: []string{"US"}, Categories: []string{"toys"}, Channels: []string{InApp, Email},
			Emails: []string{"compliance@beta.test"}})
		officer := audit.WithActor(context.Background(), audit.Actor{ID: "usr_officer", Type: "user"})
		n, err := f.s.PublishNotice(officer, Notice{Markets: []string{"US"}, Categories: []string{"toys"},
			Title:         map[string]string{"en": "CPSC eFiling of certificates", "zh-CN": "CPSC 证书电子申报"},
			Body:          map[string]string{"en": "Importers file certificates electronically.", "zh-CN": "进口商须以电子方式提交证书。"},
			EffectiveFrom: "2026-07-08", SourceURL: "https://www.cpsc.gov/eFiling"})
		if err != nil {
			t.Fatal(err)
		}
		if n.PublishedBy != "usr_officer" {
			t.Errorf("published by %q", n.PublishedBy)
		}
		f.drain()
		if len(f.alerts(a)) != 0 {
			t.Error("EU subscriber got a US notice")
		}
		as := f.alerts(b)
		if len(as) != 1 || as[0].Kind != KindNotice || as[0].Notice.ID != n.ID || as[0].Titles["zh-CN"] != "CPSC 证书电子申报" {
			t.Fatalf("Beta alerts %+v", as)
		}
		msgs := f.smtp.messages()
		if len(msgs) != 1 {
			t.Fatalf("messages %d", len(msgs))
		}
		if _, body := msgs[0].decode(t); !strings.Contains(body, "进口商须以电子方式提交证书。") || !strings.Contains(body, "2026-07-08") {
			t.Errorf("body:\n%s", body)
		}
		l, err := f.s.Notices(f.ctx, web.Page{Limit: 10})
		if err != nil || len(l.Items) != 1 || l.Items[0].Title["en"] != "CPSC eFiling of certificates" {
			t.Errorf("notices %+v %v", l, err)
		}
	})
}

func mustScope(t *testing.T, ctx context.Context) db.Scope {
	t.Helper()
	sc, ok := db.ScopeFrom(ctx)
	if !ok {
		t.Fatal("no scope")
	}
	return sc
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
