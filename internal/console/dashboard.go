package console

import (
	"net/http"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
)

type checkItem struct {
	Key, Href string
	Done      bool
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
			{Key: "console.checklist.mfa", Href: "/security/mfa", Done: d.User.MFAEnabled},
			{Key: "console.checklist.invite", Href: "/users", Done: len(users.Items) > 1},
			{Key: "console.checklist.apikey", Href: "/apikeys", Done: len(keys.Items) > 0},
			{Key: "console.checklist.catalogue", Later: true},
			{Key: "console.checklist.markets", Later: true},
		}
		for _, it := range d.Checklist {
			if !it.Done && !it.Later {
				d.Remaining++
			}
		}
	}
	return c.render(w, r, http.StatusOK, "dashboard", c.newView(r, "console.nav.dashboard", "/dashboard", d))
}
