package console

import (
	"context"
	"net/http"
	"time"

	"github.com/silkgate/silkgate/internal/compliance/sanctions"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// ListStatuser is what the list page needs of package sanctions.
type ListStatuser interface {
	Status(ctx context.Context) ([]sanctions.ListStatus, error)
}

// ListPages is the read-only page of the denied-party lists in force: each
// list's version, publication date, entry count, freshness and open
// alarms, and the lists product rules read (FCC Covered List, UFLPA
// Entity List, embargoes), so that an officer or a seller can see which
// data a screening or a check decided on.
type ListPages struct {
	c *Console
	s ListStatuser
}

// ListPages returns the list page; register it with Routes.
func (c *Console) ListPages(s ListStatuser) *ListPages { return &ListPages{c: c, s: s} }

// Routes registers the list page on rt.
func (lp *ListPages) Routes(rt *web.Router) {
	rt.Handle(web.Route{Method: "GET", Path: "/compliance/lists", Perm: identity.PermComplianceRead, Page: true,
		Tag: "console", Summary: "Console page", Handler: lp.listsPage})
}

type listsData struct {
	Lists   []listRow
	Product []productListRow
	// Alarms counts the open freshness alarms over every list.
	Alarms int
}

type listRow struct {
	sanctions.ListStatus
	// NameKey is the list's display name key.
	NameKey string
	MaxAge  string
}

type productListRow struct {
	sanctions.StaticList
	NameKey string
}

func (lp *ListPages) listsPage(w http.ResponseWriter, r *http.Request) error {
	sts, err := lp.s.Status(r.Context())
	if err != nil {
		return lp.c.fail(w, r, err)
	}
	var d listsData
	for _, st := range sts {
		d.Lists = append(d.Lists, listRow{ListStatus: st, NameKey: listNameKey(st.List),
			MaxAge: (time.Duration(st.MaxAgeHours * float64(time.Hour))).String()})
		d.Alarms += len(st.Alerts)
	}
	for _, l := range sanctions.ProductLists() {
		d.Product = append(d.Product, productListRow{StaticList: l, NameKey: listNameKey(l.List)})
	}
	return lp.c.render(w, r, http.StatusOK, "lists", lp.c.newView(r, "console.lists.title", "/compliance/lists", d))
}

// listNames are the lists with a translated name; another list imported
// under its own key shows the key.
var listNames = map[string]bool{
	sanctions.ListOFACSDN: true, sanctions.ListOFACCons: true, sanctions.ListCSL: true, sanctions.ListUN: true,
	sanctions.ListEU: true, sanctions.ListUK: true, sanctions.ListFCCCovered: true, sanctions.ListUFLPA: true,
	sanctions.ListEmbargoes: true,
}

func listNameKey(list string) string {
	if listNames[list] {
		return "console.lists.name." + list
	}
	return ""
}
