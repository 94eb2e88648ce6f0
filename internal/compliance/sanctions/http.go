package sanctions

import (
	"net/http"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// ListsView is the answer of GET /api/v1/compliance/lists.
type ListsView struct {
	Items []ListStatus `json:"items"`
	// Generation grows whenever a version in force changes.
	Generation int64 `json:"generation"`
}

// Routes registers the list API.
func (s *Service) Routes(rt *web.Router) {
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/compliance/lists", Perm: identity.PermComplianceRead, Tag: "compliance",
		Summary: "Denied-party lists in force and their freshness",
		Description: "One item per list (us_ofac_sdn, us_ofac_cons, us_csl, un, eu_fsf, uk): the version in force " +
			"(publisher's date, import time, entry count, SHA-256 of the file), whether it is fresh, why not " +
			"(`never_imported`, `too_old`, `last_import_failed`), the last import error and the open freshness alarms. " +
			"Lists are platform-wide: every tenant screens against the same versions.",
		Response: ListsView{}, Handler: s.handleLists})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/compliance/lists/{list}/versions", Perm: identity.PermComplianceRead,
		Tag: "compliance", Summary: "Import history of a denied-party list",
		Description: "Every import of the list, newest first: versions in force or superseded (with the SHA-256 of the " +
			"file and the entry count) and failed imports with their error. A screening decision names the version id " +
			"it used. An unknown list is 404.",
		Response: web.List[Attempt]{}, Handler: s.handleHistory})
}

func (s *Service) handleHistory(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.History(r.Context(), r.PathValue("list"), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleLists(w http.ResponseWriter, r *http.Request) error {
	sts, err := s.Status(r.Context())
	if err != nil {
		return err
	}
	g, err := s.Generation(r.Context())
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, ListsView{Items: sts, Generation: g})
}
