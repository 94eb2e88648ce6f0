package webhooks

import (
	"net/http"

	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Routes registers the webhook API. Managing webhooks takes the API-key
// permissions: whoever may hand out credentials may also say where the
// platform sends data (tenant admins and owners).
func (s *Service) Routes(rt *web.Router) {
	for _, r := range []web.Route{
		{Method: "GET", Path: "/api/v1/webhooks", Perm: permRead, Tag: "webhooks", Summary: "List webhooks",
			Response: web.List[Webhook]{}, Handler: s.handleList},
		{Method: "POST", Path: "/api/v1/webhooks", Perm: permManage, Tag: "webhooks",
			Summary: "Create a webhook (its secret is shown once)", Request: NewWebhook{}, Response: CreatedWebhook{},
			Status: http.StatusCreated, Errors: []int{http.StatusConflict},
			Description: "Subscribes an https URL to event types (GET /api/v1/webhooks/event-types lists them). " +
				"Each delivery is a POST of {\"id\",\"type\",\"created_at\",\"data\"} signed with the secret: " +
				"Silkgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>. " +
				"Sandbox keys manage sandbox webhooks, which receive sandbox events and may use http://localhost.",
			Handler: s.handleCreate},
		{Method: "GET", Path: "/api/v1/webhooks/event-types", Perm: permRead, Tag: "webhooks",
			Summary: "List the event types a webhook can subscribe to", Response: web.List[events.TypeInfo]{},
			Handler: s.handleEventTypes},
		{Method: "GET", Path: "/api/v1/webhooks/{id}", Perm: permRead, Tag: "webhooks", Summary: "Get a webhook",
			Response: Webhook{}, Handler: s.handleGet},
		{Method: "DELETE", Path: "/api/v1/webhooks/{id}", Perm: permManage, Tag: "webhooks",
			Summary: "Delete a webhook (its pending deliveries are cancelled)", Status: http.StatusNoContent,
			Handler: s.handleDelete},
		{Method: "GET", Path: "/api/v1/webhooks/{id}/deliveries", Perm: permRead, Tag: "webhooks",
			Summary: "List a webhook's deliveries and their attempts, newest first", Response: web.List[Delivery]{},
			Query: []web.Param{
				{Name: "status", Enum: []string{StatusPending, StatusSucceeded, StatusFailed, StatusCancelled}},
				{Name: "event_id", Description: "only deliveries of this event"},
			},
			Handler: s.handleDeliveries},
		{Method: "GET", Path: "/api/v1/webhooks/{id}/deliveries/{delivery_id}", Perm: permRead, Tag: "webhooks",
			Summary: "Get a delivery and its attempts", Response: Delivery{}, Handler: s.handleDelivery},
		{Method: "POST", Path: "/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay", Perm: permManage, Tag: "webhooks",
			Summary: "Send a delivery's event again", Response: Delivery{}, Status: http.StatusAccepted,
			Errors:      []int{http.StatusConflict},
			Description: "Creates a new delivery of the same event, sent at once and retried like any other; 409 event_expired once the event is past retention.",
			Handler:     s.handleReplay},
		{Method: "POST", Path: "/api/v1/webhooks/{id}/test", Perm: permManage, Tag: "webhooks",
			Summary: "Send a test event (webhook.test)", Response: Delivery{}, Status: http.StatusAccepted,
			Handler: s.handleTest},
	} {
		rt.Handle(r)
	}
}

// Permission names are the identity package's (API keys: tenant admins and
// above); they are repeated here so that webhooks does not depend on
// identity.
const (
	permRead   = "apikeys.read"
	permManage = "apikeys.manage"
)

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.List(r.Context(), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) error {
	var n NewWebhook
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	c, err := s.Create(r.Context(), n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/webhooks/"+c.ID)
	return web.Respond(w, r, http.StatusCreated, c)
}

func (s *Service) handleEventTypes(w http.ResponseWriter, r *http.Request) error {
	return web.Respond(w, r, http.StatusOK, web.List[events.TypeInfo]{Items: events.Types()})
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	wh, err := s.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, wh)
}

func (s *Service) handleDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.Delete(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return web.NoContent(w)
}

func (s *Service) handleDeliveries(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	l, err := s.Deliveries(r.Context(), r.PathValue("id"), DeliveryFilter{Status: q.Get("status"), EventID: q.Get("event_id")}, pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleDelivery(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Delivery(r.Context(), r.PathValue("id"), r.PathValue("delivery_id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, d)
}

func (s *Service) handleReplay(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Replay(r.Context(), r.PathValue("id"), r.PathValue("delivery_id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusAccepted, d)
}

func (s *Service) handleTest(w http.ResponseWriter, r *http.Request) error {
	d, err := s.SendTest(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusAccepted, d)
}
