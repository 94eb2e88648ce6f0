package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/webhooks"
)

type webhookForm struct {
	URL, Description string
	Events           []string
}

// Has reports whether the form ticks event type name.
func (f webhookForm) Has(name string) bool { return slices.Contains(f.Events, name) }

type webhooksData struct {
	Hooks   []webhooks.Webhook
	Next    string
	Types   []events.TypeInfo
	Form    webhookForm
	Created *webhooks.CreatedWebhook
}

func (c *Console) webhooksData(r *http.Request) (webhooksData, error) {
	d := webhooksData{Types: events.Types()}
	pg, _ := web.PageFrom(r)
	l, err := c.hooks.List(r.Context(), pg)
	if err != nil {
		return d, err
	}
	d.Hooks, d.Next = l.Items, nextURL(r, l.NextCursor)
	return d, nil
}

func (c *Console) webhooksPage(w http.ResponseWriter, r *http.Request) error {
	d, err := c.webhooksData(r)
	if err != nil {
		return c.fail(w, r, err)
	}
	return c.render(w, r, http.StatusOK, "webhooks", c.partnerView(r, "console.nav.webhooks", "/webhooks", d))
}

// createWebhook subscribes a URL and shows the signing secret on the
// answer to the post itself: it is stored sealed and never shown again.
func (c *Console) createWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	f := webhookForm{URL: field(r, "url"), Description: field(r, "description"), Events: r.PostForm["events"]}
	var created webhooks.CreatedWebhook
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		var err error
		created, err = c.hooks.Create(ctx, webhooks.NewWebhook{URL: f.URL, Events: f.Events, Description: f.Description})
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		d, lerr := c.webhooksData(r)
		if lerr != nil {
			return lerr
		}
		d.Form = f
		v := c.partnerView(r, "console.nav.webhooks", "/webhooks", d)
		v.Problem, _ = c.problemOf(r, err)
		if v.Problem != nil {
			// Errors about single entries ("events[1]") belong to the
			// checkboxes as a whole.
			for name, msg := range v.Problem.Fields {
				if strings.HasPrefix(name, "events[") && v.Problem.Fields["events"] == "" {
					v.Problem.Fields["events"] = msg
				}
			}
		}
		return c.render(w, r, statusOf(err), "webhooks", v)
	}
	v := c.partnerView(r, "console.webhooks.created.title", "/webhooks", webhooksData{Created: &created})
	return c.render(w, r, http.StatusCreated, "webhook_created", v)
}

// deliveryStatuses are the filters of the delivery log.
var deliveryStatuses = []string{webhooks.StatusPending, webhooks.StatusSucceeded, webhooks.StatusFailed, webhooks.StatusCancelled}

type webhookData struct {
	Hook       webhooks.Webhook
	Deliveries []webhooks.Delivery
	Next       string
	Status     string
	Statuses   []string
}

func (c *Console) webhookPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	h, err := c.hooks.Get(ctx, r.PathValue("id"))
	if err != nil {
		return c.fail(w, r, err)
	}
	d := webhookData{Hook: h, Statuses: deliveryStatuses, Status: r.URL.Query().Get("status")}
	if d.Status != "" && !slices.Contains(deliveryStatuses, d.Status) {
		d.Status = ""
	}
	pg, err := web.PageFrom(r)
	if err != nil {
		return c.fail(w, r, err)
	}
	l, err := c.hooks.Deliveries(ctx, h.ID, webhooks.DeliveryFilter{Status: d.Status}, pg)
	if err != nil {
		return c.fail(w, r, err)
	}
	d.Deliveries, d.Next = l.Items, nextURL(r, l.NextCursor)
	return c.render(w, r, http.StatusOK, "webhook", c.partnerView(r, "console.webhooks.detail.title", "/webhooks", d))
}

func (c *Console) hookPath(id string) string { return "/webhooks/" + url.PathEscape(id) }

// testWebhook sends a webhook.test event; the new delivery heads the log
// the person is sent back to.
func (c *Console) testWebhook(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := c.hooks.SendTest(ctx, id)
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		return c.fail(w, r, err)
	}
	return see(w, r, c.hookPath(id)+"?notice=webhook_test_sent")
}

func (c *Console) replayDelivery(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := c.hooks.Replay(ctx, id, r.PathValue("delivery"))
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		return c.fail(w, r, err)
	}
	return see(w, r, c.hookPath(id)+"?notice=delivery_replayed")
}

func (c *Console) deleteWebhookPage(w http.ResponseWriter, r *http.Request) error {
	h, err := c.hooks.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return c.fail(w, r, err)
	}
	return c.render(w, r, http.StatusOK, "webhook_delete", c.partnerView(r, "console.webhooks.delete.title", "/webhooks", h))
}

func (c *Console) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		return c.hooks.Delete(ctx, r.PathValue("id"))
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		return c.fail(w, r, err)
	}
	return see(w, r, "/webhooks?notice=webhook_deleted")
}
