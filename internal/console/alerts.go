package console

import (
	"context"
	"net/http"

	"github.com/silkgate/silkgate/internal/gateway"
	"github.com/silkgate/silkgate/internal/platform/web"
)

type alertsData struct {
	Alerts []gateway.Alert
	Next   string
	Status string
	Blocks gateway.BlockList
}

// alertsPage shows the intrusion alerts (durable, shared by every node)
// and the blocks of the node that serves the page, each with an Unblock
// button.
func (c *Console) alertsPage(w http.ResponseWriter, r *http.Request) error {
	d := alertsData{Status: r.URL.Query().Get("status"), Blocks: c.gw.Blocks()}
	if d.Status != "open" && d.Status != "resolved" {
		d.Status = ""
	}
	pg, err := web.PageFrom(r)
	if err != nil {
		return c.fail(w, r, err)
	}
	l, err := c.gw.ListAlerts(r.Context(), gateway.AlertFilter{Status: d.Status}, pg)
	if err != nil {
		return c.fail(w, r, err)
	}
	d.Alerts, d.Next = l.Items, nextURL(r, l.NextCursor)
	return c.render(w, r, http.StatusOK, "alerts", c.partnerView(r, "console.nav.alerts", "/security/alerts", d))
}

// unblock lifts a block and resolves its alerts. The subject travels in
// the form rather than the path: it holds colons and, for IPv6, a slash.
func (c *Console) unblock(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	subject := field(r, "subject")
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := c.gw.Unblock(ctx, subject)
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		return c.fail(w, r, err)
	}
	return see(w, r, "/security/alerts?notice=unblocked")
}
