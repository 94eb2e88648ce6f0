package credit

import (
	"net/http"

	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Permission names are the identity package's, repeated so that the
// module does not depend on identity.
const (
	permRead  = "settlement.read"
	permWrite = "settlement.write"
)

// Routes registers the credit API.
func (s *Service) Routes(rt *web.Router) {
	rt.Handle(web.Route{Method: "PUT", Path: "/api/v1/credit/limits/{buyer}", Perm: permWrite, Tag: "credit",
		Summary: "Set a buyer's credit limit", Request: LimitRequest{}, Response: Limit{}, Errors: []int{http.StatusConflict},
		Description: "grade A–E sets the default guarantee rate (A 1.0 %, B 1.5 %, C 2.5 %, D 4.0 % a year); grade E " +
			"refuses guarantees and open-account terms. The currency cannot change while exposure is outstanding (409).",
		Handler: s.handleSetLimit})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/credit/limits", Perm: permRead, Tag: "credit",
		Summary: "List buyer credit limits with their exposure", Response: web.List[Limit]{}, Handler: s.handleListLimits})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/credit/limits/{buyer}", Perm: permRead, Tag: "credit",
		Summary: "Get a buyer's limit, exposure and availability", Response: Limit{}, Handler: s.handleGetLimit})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/credit/guarantees", Perm: permWrite, Tag: "credit",
		Summary: "Issue a credit guarantee", Request: GuaranteeRequest{}, Response: Guarantee{}, Status: http.StatusCreated,
		Errors: []int{http.StatusConflict},
		Description: "fee = amount × annual_rate × days / 365, rounded half-even; annual_rate defaults to the buyer " +
			"grade's. The buyer's exposure (active guarantees + open receivables) plus amount must stay within its " +
			"limit, checked atomically: otherwise 409 credit_limit_exceeded naming limit, exposure and available.",
		Handler: s.handleIssue})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/credit/guarantees", Perm: permRead, Tag: "credit",
		Summary: "List guarantees, newest first", Response: web.List[Guarantee]{},
		Query:   []web.Param{{Name: "buyer", Description: "exact buyer"}, {Name: "status", Description: "active, released or expired"}},
		Handler: s.handleListGuarantees})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/credit/guarantees/{id}", Perm: permRead, Tag: "credit",
		Summary: "Get a guarantee", Response: Guarantee{}, Handler: s.handleGetGuarantee})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/credit/guarantees/{id}/release", Perm: permWrite, Tag: "credit",
		Summary: "Release a guarantee early, freeing exposure", Response: Guarantee{}, Errors: []int{http.StatusConflict},
		Handler: s.handleRelease})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/credit/receivables", Perm: permWrite, Tag: "credit",
		Summary: "Register an open-account receivable", Request: ReceivableRequest{}, Response: Receivable{},
		Status: http.StatusCreated, Errors: []int{http.StatusConflict},
		Description: "Counts against the buyer's limit until settled; refused (409 credit_limit_exceeded) when it does not fit.",
		Handler:     s.handleRegisterReceivable})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/credit/receivables/{id}/settle", Perm: permWrite, Tag: "credit",
		Summary: "Settle a receivable, freeing exposure", Response: Receivable{}, Errors: []int{http.StatusConflict},
		Handler: s.handleSettle})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/credit/check", Perm: permRead, Tag: "credit",
		Summary: "May this buyer have open-account terms for this amount?", Request: CheckRequest{}, Response: CheckResult{},
		Description: "Answers allowed and why: within_limit, no_limit, currency_mismatch, grade_refused or " +
			"exceeds_limit, with the limit, exposure and availability. Reserves nothing.",
		Handler: s.handleCheck})
}

func (s *Service) handleSetLimit(w http.ResponseWriter, r *http.Request) error {
	var req LimitRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	l, err := s.SetLimit(r.Context(), r.PathValue("buyer"), req)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleListLimits(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	ls, err := s.ListLimits(r.Context(), pg.After, pg.FetchLimit())
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, web.NewList(pg, ls, func(l Limit) string { return l.Buyer }))
}

func (s *Service) handleGetLimit(w http.ResponseWriter, r *http.Request) error {
	l, err := s.GetLimit(r.Context(), r.PathValue("buyer"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleIssue(w http.ResponseWriter, r *http.Request) error {
	var req GuaranteeRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	g, err := s.Issue(r.Context(), req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/credit/guarantees/"+g.ID)
	return web.Respond(w, r, http.StatusCreated, g)
}

func (s *Service) handleListGuarantees(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if st := q.Get("status"); st != "" && st != StatusActive && st != StatusReleased && st != StatusExpired {
		return problem.Invalid(problem.Field{Field: "status", Code: "one_of", Params: []any{"values", "active, released, expired"}})
	}
	gs, err := s.ListGuarantees(r.Context(), q.Get("buyer"), q.Get("status"), pg.After, pg.FetchLimit())
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, web.NewList(pg, gs, func(g Guarantee) string { return g.ID }))
}

func (s *Service) handleGetGuarantee(w http.ResponseWriter, r *http.Request) error {
	g, err := s.GetGuarantee(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, g)
}

func (s *Service) handleRelease(w http.ResponseWriter, r *http.Request) error {
	g, err := s.Release(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, g)
}

func (s *Service) handleRegisterReceivable(w http.ResponseWriter, r *http.Request) error {
	var req ReceivableRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	rc, err := s.RegisterReceivable(r.Context(), req)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusCreated, rc)
}

func (s *Service) handleSettle(w http.ResponseWriter, r *http.Request) error {
	rc, err := s.SettleReceivable(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, rc)
}

func (s *Service) handleCheck(w http.ResponseWriter, r *http.Request) error {
	var req CheckRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	res, err := s.Check(r.Context(), req)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, res)
}
