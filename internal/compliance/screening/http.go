package screening

import (
	"net/http"

	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Permission names are the identity package's, repeated so that
// screening does not depend on identity.
const (
	permRead  = "compliance.read"
	permWrite = "compliance.write"
)

// Routes registers the screening API.
func (s *Service) Routes(rt *web.Router) {
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/compliance/screenings", Perm: permWrite, Tag: "compliance",
		Summary: "Screen a name against the denied-party lists", Request: Request{}, Response: Result{},
		Errors: []int{http.StatusServiceUnavailable},
		Description: "Matches the name against every list in force (OFAC SDN and non-SDN, the US Consolidated " +
			"Screening List, UN, EU, UK), with transliteration, spelling variants, word order, initials and typos " +
			"taken into account. matches are best first; score is calibrated: ≥ 0.85 is a potential match and opens " +
			"a review case (case_id), ≥ 0.95 a strong match; below 0.70 nothing is returned. A weak alias alone " +
			"never reaches 0.85. A match a reviewer cleared for this party is marked cleared and opens no case " +
			"until its list entry changes. list_versions names the list versions the decision used. 503 " +
			"screening_no_lists until a list has been imported.",
		Handler: s.handleScreen})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/compliance/screening-cases", Perm: permRead, Tag: "compliance",
		Summary: "List screening review cases, newest first", Response: web.List[Case]{},
		Query:   []web.Param{{Name: "status", Enum: []string{StatusOpen, StatusCleared, StatusConfirmed}}},
		Handler: s.handleCases})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/compliance/screening-cases/{id}", Perm: permRead,
		Tag: "compliance", Summary: "Get a screening review case", Response: Case{}, Handler: s.handleCase})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/compliance/screening-cases/{id}/decision", Perm: permWrite,
		Tag: "compliance", Summary: "Decide a screening review case", Request: Decision{}, Response: Case{},
		Errors: []int{http.StatusConflict},
		Description: "decision clear: a false positive; each match is remembered for this party and not raised " +
			"again while the list entry is unchanged. decision confirm: a true match. A decided case is 409 " +
			"screening_case_decided.",
		Handler: s.handleDecide})
}

func (s *Service) handleScreen(w http.ResponseWriter, r *http.Request) error {
	var req Request
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	res, err := s.Screen(r.Context(), req)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, res)
}

func (s *Service) handleCases(w http.ResponseWriter, r *http.Request) error {
	pg, perr := web.PageFrom(r)
	var fs problem.Errors
	if pe, ok := problem.As(perr); ok {
		fs = append(fs, pe.Fields...)
	}
	status := r.URL.Query().Get("status")
	switch status {
	case "", StatusOpen, StatusCleared, StatusConfirmed:
	default:
		fs.Add("status", "one_of", "values", "open, cleared, confirmed")
	}
	if err := fs.Err(); err != nil {
		return err
	}
	cs, err := s.Cases(r.Context(), status, pg.FetchLimit(), pg.After)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, web.NewList(pg, cs, func(c Case) string { return c.ID }))
}

func (s *Service) handleCase(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Case(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, c)
}

func (s *Service) handleDecide(w http.ResponseWriter, r *http.Request) error {
	var d Decision
	if err := web.Decode(r, &d); err != nil {
		return err
	}
	c, err := s.Decide(r.Context(), r.PathValue("id"), d)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, c)
}
