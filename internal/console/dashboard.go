package console

import (
	"net/http"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
)

type checkItem struct {
	Title, Body, Href string
	Done              bool
	// Later marks a step that needs a module not built yet.
	Later bool
}

type dashboardData struct {
	User      identity.User
	Platform  bool
	Modules   []module
	Checklist []checkItem
	Remaining int
}

func (c *Console) dashboard(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	ctx := r.Context()
	d := dashboardData{Platform: p.Role.Platform()}
	if p.UserID != "" {
		u, err := c.id.GetUser(ctx, p.UserID)
		if err != nil {
			return c.fail(w, r, err)
		}
		d.User = u
	}
	for _, m := range modules {
		if p.Role.Can(m.Perm) {
			d.Modules = append(d.Modules, m)
		}
	}
	// The first-run checklist is for whoever sets a seller's account up:
	// the steps a new shop owner would otherwise have to discover.
	if p.TenantID != "" && p.Role.Can(identity.PermUsersManage) {
		users, err := c.id.ListUsers(ctx, "", web.Page{Limit: 2})
		if err != nil {
			return c.fail(w, r, err)
		}
		keys, err := c.id.ListAPIKeys(ctx, "", web.Page{Limit: 1})
		if err != nil {
			return c.fail(w, r, err)
		}
		d.Checklist = []checkItem{
			{Title: "console.checklist.mfa.title", Body: "console.checklist.mfa.body", Href: "/security/mfa", Done: d.User.MFAEnabled},
			{Title: "console.checklist.invite.title", Body: "console.checklist.invite.body", Href: "/users", Done: len(users.Items) > 1},
			{Title: "console.checklist.apikey.title", Body: "console.checklist.apikey.body", Href: "/apikeys", Done: len(keys.Items) > 0},
			{Title: "console.checklist.catalogue.title", Body: "console.checklist.catalogue.body", Later: true},
			{Title: "console.checklist.markets.title", Body: "console.checklist.markets.body", Later: true},
		}
		for _, it := range d.Checklist {
			if !it.Done && !it.Later {
				d.Remaining++
			}
		}
	}
	return c.render(w, r, http.StatusOK, "dashboard", c.newView(r, "console.nav.dashboard", "/dashboard", d))
}
