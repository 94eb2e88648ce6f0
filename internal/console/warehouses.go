package console

import (
	"context"
	"net/http"
	"strings"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/warehouses"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// WarehouseReader is what the warehouse pages need of the warehouses
// service.
type WarehouseReader interface {
	All(ctx context.Context) ([]warehouses.Warehouse, error)
	Stock(ctx context.Context, f warehouses.StockFilter) ([]warehouses.Stock, error)
	Inbounds(ctx context.Context, warehouseID string, limit int) ([]warehouses.Inbound, error)
	Outbounds(ctx context.Context, warehouseID, status string, limit int) ([]warehouses.Outbound, error)
	Reconciliations(ctx context.Context, warehouseID string, limit int) ([]warehouses.Reconciliation, error)
	Alerts(ctx context.Context, openOnly bool, limit int) ([]warehouses.Alert, error)
}

// WarehousePages are the overseas-warehouse pages (clause 6.3.3.2): the
// warehouses, stock with its age, inbound notices, outbound orders,
// reconciliation reports and stock alerts, one tab each. They read only;
// changes go through the API, which records who made them.
type WarehousePages struct {
	c *Console
	s WarehouseReader
}

// WarehousePages returns the warehouse pages over s; register them with
// Routes.
func (c *Console) WarehousePages(s WarehouseReader) *WarehousePages {
	return &WarehousePages{c: c, s: s}
}

var warehouseTabs = []string{"warehouses", "stock", "inbound", "outbound", "reconciliations", "alerts"}

// Routes registers the pages.
func (p *WarehousePages) Routes(rt *web.Router) {
	for _, tab := range warehouseTabs {
		path := "/logistics/warehouses"
		if tab != "warehouses" {
			path += "/" + tab
		}
		rt.Handle(web.Route{Method: "GET", Path: path, Perm: identity.PermLogisticsRead, Page: true,
			Tag: "console", Summary: "Console page", Handler: p.page(tab)})
	}
}

type warehouseTab struct {
	Key, Path string
	Active    bool
}

type warehousesData struct {
	Tab             string
	Tabs            []warehouseTab
	SKU             string
	Warehouses      []warehouses.Warehouse
	Stock           []warehouses.Stock
	Inbound         []warehouses.Inbound
	Outbound        []warehouses.Outbound
	Reconciliations []warehouses.Reconciliation
	Alerts          []warehouses.Alert
	OpenAlerts      int
	Codes           map[string]string
}

func (p *WarehousePages) page(tab string) web.H {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		d := warehousesData{Tab: tab, SKU: strings.TrimSpace(r.URL.Query().Get("sku")), Codes: map[string]string{}}
		for _, t := range warehouseTabs {
			path := "/logistics/warehouses"
			if t != "warehouses" {
				path += "/" + t
			}
			d.Tabs = append(d.Tabs, warehouseTab{Key: "console.warehouses.tab." + t, Path: path, Active: t == tab})
		}
		ws, err := p.s.All(ctx)
		if err != nil {
			return p.c.fail(w, r, err)
		}
		d.Warehouses = ws
		for _, x := range ws {
			d.Codes[x.ID] = x.Code
		}
		open, err := p.s.Alerts(ctx, true, 500)
		if err != nil {
			return p.c.fail(w, r, err)
		}
		d.OpenAlerts = len(open)
		switch tab {
		case "stock":
			d.Stock, err = p.s.Stock(ctx, warehouses.StockFilter{SKU: d.SKU})
		case "inbound":
			d.Inbound, err = p.s.Inbounds(ctx, "", 200)
		case "outbound":
			d.Outbound, err = p.s.Outbounds(ctx, "", "", 200)
		case "reconciliations":
			d.Reconciliations, err = p.s.Reconciliations(ctx, "", 50)
		case "alerts":
			d.Alerts, err = p.s.Alerts(ctx, false, 200)
		}
		if err != nil {
			return p.c.fail(w, r, err)
		}
		return p.c.render(w, r, http.StatusOK, "warehouses", p.c.newView(r, "console.warehouses.title", "/logistics", &d))
	}
}
