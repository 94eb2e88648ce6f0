package alerts

import (
	"net/http"
	"strconv"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Routes registers the alert API.
func (s *Service) Routes(rt *web.Router) {
	for _, r := range []web.Route{
		{Method: "POST", Path: "/api/v1/compliance/subscriptions", Perm: identity.PermComplianceWrite, Tag: "compliance",
			Summary: "Subscribe to compliance alerts",
			Description: "Alerts are raised when a regulation rule version is published or retired, and when a compliance " +
				"officer publishes a notice, for `markets` (ISO country codes, EU, GLOBAL; a member state also hears " +
				"of EU rules) and, when given, `categories` (the rule category vocabulary). `channels`: in_app (GET " +
				"/api/v1/compliance/alerts), email (to `emails`, required with it), webhook (the compliance.alert " +
				"event to the tenant's webhooks).",
			Request: Subscription{}, Response: Subscription{}, Status: http.StatusCreated, Handler: s.handleSubscribe},
		{Method: "GET", Path: "/api/v1/compliance/subscriptions", Perm: identity.PermComplianceRead, Tag: "compliance",
			Summary: "List alert subscriptions", Response: web.List[Subscription]{}, Handler: s.handleSubscriptions},
		{Method: "DELETE", Path: "/api/v1/compliance/subscriptions/{id}", Perm: identity.PermComplianceWrite, Tag: "compliance",
			Summary: "Delete an alert subscription", Status: http.StatusNoContent, Handler: s.handleUnsubscribe},
		{Method: "GET", Path: "/api/v1/compliance/alerts", Perm: identity.PermComplianceRead, Tag: "compliance",
			Summary: "List compliance alerts",
			Description: "The tenant's in-app alerts, newest first. A rule change alert says what changed (`rule.summary`, " +
				"`rule.changes`) and what it does to each product the rule selects: `effect` new_fail, new_warn, " +
				"resolved, still_fail, still_warn or pass, from its status under the previous version (`before`) to " +
				"the new one (`after`).",
			Query:    []web.Param{{Name: "unread", Description: "true lists only unread alerts.", Type: "boolean"}},
			Response: web.List[Alert]{}, Handler: s.handleAlerts},
		{Method: "GET", Path: "/api/v1/compliance/alerts/{id}", Perm: identity.PermComplianceRead, Tag: "compliance",
			Summary: "Get a compliance alert", Response: Alert{}, Handler: s.handleAlert},
		// Reading one's inbox is part of reading alerts: a viewer may mark
		// an alert read.
		{Method: "POST", Path: "/api/v1/compliance/alerts/{id}/read", Perm: identity.PermComplianceRead, Tag: "compliance",
			Summary: "Mark a compliance alert read", Response: Alert{}, Handler: s.handleRead},
		{Method: "GET", Path: "/api/v1/compliance/rules/{id}/impact", Perm: identity.PermComplianceRules, Tag: "compliance",
			Summary: "Which tenants and products a rule's changes affected",
			Description: "Compliance officers. For every live tenant alerted about a version of the rule, newest first: " +
				"the version, the change, the counts per effect and the affected products.",
			Response: Impact{}, Handler: s.handleImpact},
		{Method: "POST", Path: "/api/v1/compliance/notices", Perm: identity.PermComplianceRules, Tag: "compliance",
			Summary: "Publish a regulatory notice",
			Description: "Compliance officers. `title` and `body` are given in en and zh-CN. Every tenant subscribed to a " +
				"matching market and category is alerted through its channels, within a minute.",
			Request: Notice{}, Response: Notice{}, Status: http.StatusCreated, Handler: s.handlePublishNotice},
		{Method: "GET", Path: "/api/v1/compliance/notices", Perm: identity.PermComplianceRead, Tag: "compliance",
			Summary: "List regulatory notices", Description: "Newest first.", Response: web.List[Notice]{}, Handler: s.handleNotices},
		{Method: "GET", Path: "/api/v1/compliance/notices/{id}", Perm: identity.PermComplianceRead, Tag: "compliance",
			Summary: "Get a regulatory notice", Response: Notice{}, Handler: s.handleNotice},
	} {
		rt.Handle(r)
	}
}

func (s *Service) handleSubscribe(w http.ResponseWriter, r *http.Request) error {
	var sub Subscription
	if err := web.Decode(r, &sub); err != nil {
		return err
	}
	out, err := s.Subscribe(r.Context(), sub)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/compliance/subscriptions/"+out.ID)
	return web.Respond(w, r, http.StatusCreated, out)
}

func (s *Service) handleSubscriptions(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.Subscriptions(r.Context(), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	if err := s.Unsubscribe(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return web.NoContent(w)
}

func (s *Service) handleAlerts(w http.ResponseWriter, r *http.Request) error {
	pg, perr := web.PageFrom(r)
	var fs problem.Errors
	if pe, ok := problem.As(perr); ok {
		fs = append(fs, pe.Fields...)
	}
	var f AlertFilter
	if v := r.URL.Query().Get("unread"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fs.Add("unread", "one_of", "values", "true, false")
		}
		f.Unread = b
	}
	if err := fs.Err(); err != nil {
		return err
	}
	l, err := s.Alerts(r.Context(), f, pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleAlert(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Alert(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, a)
}

func (s *Service) handleRead(w http.ResponseWriter, r *http.Request) error {
	a, err := s.MarkRead(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, a)
}

func (s *Service) handlePublishNotice(w http.ResponseWriter, r *http.Request) error {
	var n Notice
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	out, err := s.PublishNotice(r.Context(), n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/compliance/notices/"+out.ID)
	return web.Respond(w, r, http.StatusCreated, out)
}

func (s *Service) handleNotices(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.Notices(r.Context(), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleNotice(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Notice(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, n)
}
