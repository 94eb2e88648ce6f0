package insurance

import (
	"mime"
	"net/http"

	"github.com/silkgate/silkgate/internal/platform/web"
)

// Permission names are the identity package's, repeated so that the
// module does not depend on identity.
const (
	permRead  = "settlement.read"
	permWrite = "settlement.write"
)

// ClaimList is the body listing a policy's claims.
type ClaimList struct {
	Items []Claim `json:"items"`
}

// Routes registers the insurance API.
func (s *Service) Routes(rt *web.Router) {
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/insurance/tariff", Perm: permRead, Tag: "insurance",
		Summary: "The cargo tariff quotes are priced on", Response: Tariff{},
		Description: "Base rates per commodity class and transport mode, route risk bands, excluded countries, " +
			"minimum premiums and deductibles. The shipped table is a sample tariff, not an insurer's offer.",
		Handler: s.handleTariff})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/insurance/quotes", Perm: permWrite, Tag: "insurance",
		Summary: "Quote cargo insurance", Request: QuoteRequest{}, Response: Quote{}, Status: http.StatusCreated,
		Description: "insured_value = CIF × (1 + uplift_percent/100), 110 % by default. For CFR/CPT the premium is " +
			"solved: CIF = CFR / (1 − rate × 1.1); for FOB/FAS/EXW/FCA freight is required and CIF = (FOB + freight) / " +
			"(1 − rate × 1.1). premium = insured_value × rate, at least the currency's minimum premium; amounts are " +
			"rounded half-even to the currency's minor units. Sanctioned or war-risk countries on the route are refused " +
			"(422 naming route.from or route.to). Quotes expire (expires_at).",
		Handler: s.handleCreateQuote})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/insurance/quotes/{id}", Perm: permRead, Tag: "insurance",
		Summary: "Get a quote", Response: Quote{}, Handler: s.handleGetQuote})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/insurance/policies", Perm: permWrite, Tag: "insurance",
		Summary: "Bind a quote into a policy", Request: BindRequest{}, Response: Policy{}, Status: http.StatusCreated,
		Errors: []int{http.StatusConflict},
		Description: "A quote binds once, before it expires: an expired quote is 409 insurance_quote_expired, one " +
			"already bound 409 insurance_quote_bound, an unknown or another tenant's quote 422 naming quote_id.",
		Handler: s.handleBind})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/insurance/policies", Perm: permRead, Tag: "insurance",
		Summary: "List policies, newest first", Response: web.List[Policy]{},
		Query:   []web.Param{{Name: "shipment_id", Description: "exact shipment id"}, {Name: "order_id", Description: "exact order id"}},
		Handler: s.handleListPolicies})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/insurance/policies/{id}", Perm: permRead, Tag: "insurance",
		Summary: "Get a policy", Response: Policy{}, Handler: s.handleGetPolicy})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/insurance/policies/{id}/certificate.pdf", Perm: permRead,
		Tag: "insurance", Summary: "The policy's certificate of insurance (PDF, English and Chinese)",
		Produces: []string{"application/pdf"}, Handler: s.handleCertificate})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/insurance/policies/{id}/claims", Perm: permWrite, Tag: "insurance",
		Summary: "File a claim", Request: ClaimRequest{}, Response: Claim{}, Status: http.StatusCreated,
		Description: "The amount is in the policy's currency and may not exceed the insured value less the policy's " +
			"other claims that were not rejected. At least one supporting document is named.",
		Handler: s.handleFileClaim})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/insurance/policies/{id}/claims", Perm: permRead, Tag: "insurance",
		Summary: "List a policy's claims", Response: ClaimList{}, Handler: s.handleListClaims})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/insurance/claims/{id}", Perm: permRead, Tag: "insurance",
		Summary: "Get a claim", Response: Claim{}, Handler: s.handleGetClaim})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/insurance/claims/{id}/status", Perm: permWrite, Tag: "insurance",
		Summary: "Move a claim along its workflow", Request: ClaimMove{}, Response: Claim{}, Errors: []int{http.StatusConflict},
		Description: "submitted → under_review → approved | rejected; approved → paid. Approval fixes payable = " +
			"assessed_amount (default: the amount claimed) − the policy's deductible, never below zero. A move not " +
			"allowed from the claim's state is 409 insurance_claim_state.",
		Handler: s.handleMoveClaim})
}

func (s *Service) handleTariff(w http.ResponseWriter, r *http.Request) error {
	return web.Respond(w, r, http.StatusOK, s.tariff)
}

func (s *Service) handleCreateQuote(w http.ResponseWriter, r *http.Request) error {
	var req QuoteRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	q, err := s.CreateQuote(r.Context(), req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/insurance/quotes/"+q.ID)
	return web.Respond(w, r, http.StatusCreated, q)
}

func (s *Service) handleGetQuote(w http.ResponseWriter, r *http.Request) error {
	q, err := s.GetQuote(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, q)
}

func (s *Service) handleBind(w http.ResponseWriter, r *http.Request) error {
	var req BindRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	p, err := s.Bind(r.Context(), req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/insurance/policies/"+p.ID)
	return web.Respond(w, r, http.StatusCreated, p)
}

func (s *Service) handleListPolicies(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.ListPolicies(r.Context(), PolicyFilter{ShipmentID: r.URL.Query().Get("shipment_id"),
		OrderID: r.URL.Query().Get("order_id")}, pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleGetPolicy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.GetPolicy(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, p)
}

func (s *Service) handleCertificate(w http.ResponseWriter, r *http.Request) error {
	p, err := s.GetPolicy(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	b, err := Certificate(p)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": p.Number + ".pdf"}))
	_, err = w.Write(b)
	return err
}

func (s *Service) handleFileClaim(w http.ResponseWriter, r *http.Request) error {
	var req ClaimRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	c, err := s.FileClaim(r.Context(), r.PathValue("id"), req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/insurance/claims/"+c.ID)
	return web.Respond(w, r, http.StatusCreated, c)
}

func (s *Service) handleListClaims(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.Claims(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, ClaimList{Items: cs})
}

func (s *Service) handleGetClaim(w http.ResponseWriter, r *http.Request) error {
	c, err := s.GetClaim(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, c)
}

func (s *Service) handleMoveClaim(w http.ResponseWriter, r *http.Request) error {
	var m ClaimMove
	if err := web.Decode(r, &m); err != nil {
		return err
	}
	c, err := s.MoveClaim(r.Context(), r.PathValue("id"), m)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, c)
}
