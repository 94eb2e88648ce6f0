package console

import (
	"context"
	"net/http"
	"slices"

	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/tenancy"
)

type tenantForm struct {
	Name, Region, Plan string
}

type tenantsData struct {
	Tenants []tenancy.Tenant
	Next    string
	Regions []string
	Plans   []string
	Form    tenantForm
}

func (c *Console) tenantsData(r *http.Request) (tenantsData, error) {
	d := tenantsData{Regions: tenancy.Regions, Form: tenantForm{Region: "cn", Plan: "saas"}}
	for p := range tenancy.Plans {
		d.Plans = append(d.Plans, p)
	}
	slices.Sort(d.Plans)
	pg, _ := web.PageFrom(r)
	l, err := c.tenants.List(r.Context(), pg)
	if err != nil {
		return d, err
	}
	d.Tenants, d.Next = l.Items, nextURL(r, l.NextCursor)
	return d, nil
}

func (c *Console) tenantsPage(w http.ResponseWriter, r *http.Request) error {
	d, err := c.tenantsData(r)
	if err != nil {
		return c.fail(w, r, err)
	}
	return c.render(w, r, http.StatusOK, "tenants", c.newView(r, "console.nav.tenants", "/tenants", d))
}

func (c *Console) createTenant(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	n := tenancy.NewTenant{Name: field(r, "name"), Region: field(r, "region"), Plan: field(r, "plan")}
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := c.tenants.Create(ctx, n)
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		d, lerr := c.tenantsData(r)
		if lerr != nil {
			return lerr
		}
		d.Form = tenantForm(n)
		v := c.newView(r, "console.nav.tenants", "/tenants", d)
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, statusOf(err), "tenants", v)
	}
	return see(w, r, "/tenants?notice=tenant_created")
}
