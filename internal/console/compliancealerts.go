package console

import (
	"context"
	"net/http"
	"strings"

	"github.com/silkgate/silkgate/internal/compliance/alerts"
	"github.com/silkgate/silkgate/internal/compliance/rules"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// ComplianceAlerter is what the console needs of compliance change alerts.
type ComplianceAlerter interface {
	Subscribe(ctx context.Context, s alerts.Subscription) (alerts.Subscription, error)
	Unsubscribe(ctx context.Context, id string) error
	Subscriptions(ctx context.Context, pg web.Page) (web.List[alerts.Subscription], error)
	Alerts(ctx context.Context, f alerts.AlertFilter, pg web.Page) (web.List[alerts.Alert], error)
	Alert(ctx context.Context, id string) (alerts.Alert, error)
	MarkRead(ctx context.Context, id string) (alerts.Alert, error)
	Unread(ctx context.Context) (int, error)
	PublishNotice(ctx context.Context, n alerts.Notice) (alerts.Notice, error)
	Notices(ctx context.Context, pg web.Page) (web.List[alerts.Notice], error)
}

// ComplianceAlertPages are the alert pages: a tenant's subscriptions and
// inbox with each alert's affected products, and for compliance officers
// the form that publishes a regulatory notice.
type ComplianceAlertPages struct {
	c *Console
	s ComplianceAlerter
}

// ComplianceAlertPages returns the alert pages; register them with Routes.
func (c *Console) ComplianceAlertPages(s ComplianceAlerter) *ComplianceAlertPages {
	return &ComplianceAlertPages{c: c, s: s}
}

// Routes registers the alert pages on rt.
func (ap *ComplianceAlertPages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	for _, r := range []web.Route{
		page("GET", "/compliance/alerts", identity.PermComplianceRead, ap.alertsPage),
		page("GET", "/compliance/alerts/{id}", identity.PermComplianceRead, ap.alertPage),
		page("POST", "/compliance/alerts/{id}/read", identity.PermComplianceRead, ap.markRead),
		page("POST", "/compliance/alerts/subscriptions", identity.PermComplianceWrite, ap.subscribe),
		page("POST", "/compliance/alerts/subscriptions/{id}/delete", identity.PermComplianceWrite, ap.unsubscribe),
		page("POST", "/compliance/notices", identity.PermComplianceRules, ap.publishNotice),
	} {
		rt.Handle(r)
	}
}

type subscriptionForm struct {
	Markets, Categories, Emails string
	Channels                    []string
	// Checked marks the channels ticked.
	Checked map[string]bool
}

func newSubscriptionForm(markets, categories, emails string, channels []string) subscriptionForm {
	f := subscriptionForm{Markets: markets, Categories: categories, Emails: emails, Channels: channels, Checked: map[string]bool{}}
	for _, c := range channels {
		f.Checked[c] = true
	}
	return f
}

type noticeForm struct {
	Markets, Categories, TitleEN, TitleZH, BodyEN, BodyZH, EffectiveFrom, SourceURL string
}

type complianceAlertsData struct {
	// Tenant is false for platform staff, who have no inbox.
	Tenant        bool
	Unread        int
	Alerts        []alerts.Alert
	Next          string
	UnreadOnly    bool
	Subscriptions []alerts.Subscription
	Form          subscriptionForm
	Channels      []string
	Categories    []string
	Notices       []alerts.Notice
	Notice        noticeForm
}

var complianceAlertNotices = map[string]bool{"alert_subscribed": true, "alert_unsubscribed": true, "notice_published": true}

// alertList reads a list typed into one form field, separated by commas,
// semicolons or spaces (market codes and categories contain none).
func alertList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '\n' || r == '\r' || r == ';' })
}

func (ap *ComplianceAlertPages) data(r *http.Request) (complianceAlertsData, error) {
	d := complianceAlertsData{Channels: alerts.Channels, Categories: rules.Categories, Form: newSubscriptionForm("", "", "", []string{alerts.InApp})}
	p, _ := identity.PrincipalFrom(r.Context())
	d.Tenant = p != nil && p.TenantID != ""
	ctx := r.Context()
	if p != nil && p.Role.Can(identity.PermComplianceRules) {
		ns, err := ap.s.Notices(ctx, web.Page{Limit: 20})
		if err != nil {
			return d, err
		}
		d.Notices = ns.Items
	}
	if !d.Tenant {
		return d, nil
	}
	pg, err := web.PageFrom(r)
	if err != nil {
		return d, err
	}
	d.UnreadOnly = r.URL.Query().Get("unread") == "true"
	l, err := ap.s.Alerts(ctx, alerts.AlertFilter{Unread: d.UnreadOnly}, pg)
	if err != nil {
		return d, err
	}
	d.Alerts = l.Items
	if l.NextCursor != "" {
		d.Next = "/compliance/alerts?cursor=" + l.NextCursor
		if d.UnreadOnly {
			d.Next += "&unread=true"
		}
	}
	if d.Unread, err = ap.s.Unread(ctx); err != nil {
		return d, err
	}
	subs, err := ap.s.Subscriptions(ctx, web.Page{Limit: web.MaxLimit})
	if err != nil {
		return d, err
	}
	d.Subscriptions = subs.Items
	return d, nil
}

func (ap *ComplianceAlertPages) view(r *http.Request, d complianceAlertsData) *view {
	v := ap.c.newView(r, "console.compliance_alerts.title", "/compliance/alerts", d)
	if n := r.URL.Query().Get("notice"); complianceAlertNotices[n] {
		v.Notice = "console.notice." + n
	}
	return v
}

func (ap *ComplianceAlertPages) alertsPage(w http.ResponseWriter, r *http.Request) error {
	d, err := ap.data(r)
	if err != nil {
		return ap.c.fail(w, r, err)
	}
	return ap.c.render(w, r, http.StatusOK, "compliance_alerts", ap.view(r, d))
}

// refuse answers a refused form with the page again, the form filled in.
func (ap *ComplianceAlertPages) refuse(w http.ResponseWriter, r *http.Request, err error, fill func(*complianceAlertsData)) error {
	if !refused(err) {
		return err
	}
	d, derr := ap.data(r)
	if derr != nil {
		return ap.c.fail(w, r, derr)
	}
	fill(&d)
	v := ap.view(r, d)
	v.Problem, _ = ap.c.problemOf(r, err)
	return ap.c.render(w, r, statusOf(err), "compliance_alerts", v)
}

func (ap *ComplianceAlertPages) subscribe(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return ap.c.fail(w, r, err)
	}
	f := newSubscriptionForm(field(r, "markets"), field(r, "categories"), field(r, "emails"), r.PostForm["channels"])
	err := ap.c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := ap.s.Subscribe(ctx, alerts.Subscription{Markets: alertList(f.Markets), Categories: alertList(f.Categories),
			Channels: f.Channels, Emails: alertList(f.Emails)})
		return err
	})
	if err != nil {
		return ap.refuse(w, r, err, func(d *complianceAlertsData) { d.Form = f })
	}
	return see(w, r, "/compliance/alerts?notice=alert_subscribed")
}

func (ap *ComplianceAlertPages) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	if err := ap.s.Unsubscribe(r.Context(), r.PathValue("id")); err != nil {
		return ap.c.fail(w, r, err)
	}
	return see(w, r, "/compliance/alerts?notice=alert_unsubscribed")
}

func (ap *ComplianceAlertPages) publishNotice(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return ap.c.fail(w, r, err)
	}
	f := noticeForm{Markets: field(r, "markets"), Categories: field(r, "categories"), TitleEN: field(r, "title_en"),
		TitleZH: field(r, "title_zh"), BodyEN: field(r, "body_en"), BodyZH: field(r, "body_zh"),
		EffectiveFrom: field(r, "effective_from"), SourceURL: field(r, "source_url")}
	err := ap.c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := ap.s.PublishNotice(ctx, alerts.Notice{Markets: alertList(f.Markets), Categories: alertList(f.Categories),
			Title: map[string]string{"en": f.TitleEN, "zh-CN": f.TitleZH}, Body: map[string]string{"en": f.BodyEN, "zh-CN": f.BodyZH},
			EffectiveFrom: f.EffectiveFrom, SourceURL: f.SourceURL})
		return err
	})
	if err != nil {
		return ap.refuse(w, r, err, func(d *complianceAlertsData) { d.Notice = f })
	}
	return see(w, r, "/compliance/alerts?notice=notice_published")
}

type complianceAlertData struct {
	Alert alerts.Alert
	// ZH is whether the page is in Chinese: the alert's own title then
	// comes from its translations.
	ZH bool
}

func (ap *ComplianceAlertPages) alertPage(w http.ResponseWriter, r *http.Request) error {
	a, err := ap.s.Alert(r.Context(), r.PathValue("id"))
	if err != nil {
		return ap.c.fail(w, r, err)
	}
	v := ap.c.newView(r, "console.compliance_alerts.alert", "/compliance/alerts", nil)
	v.Data = complianceAlertData{Alert: a, ZH: v.Lang == "zh-CN"}
	if r.URL.Query().Get("notice") == "alert_read" {
		v.Notice = "console.notice.alert_read"
	}
	return ap.c.render(w, r, http.StatusOK, "compliance_alert", v)
}

func (ap *ComplianceAlertPages) markRead(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := ap.s.MarkRead(r.Context(), id); err != nil {
		return ap.c.fail(w, r, err)
	}
	return see(w, r, "/compliance/alerts/"+id+"?notice=alert_read")
}
