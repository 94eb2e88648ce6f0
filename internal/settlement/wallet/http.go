package wallet

import (
	"net/http"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Routes registers the balances and conversions API.
func (s *Service) Routes(rt *web.Router) {
	for _, r := range []web.Route{
		{Method: "GET", Path: "/api/v1/balances", Perm: identity.PermSettlementRead, Tag: "fx", Summary: "Balances by currency",
			Description: "The tenant's balance in every currency it holds, from its ledger accounts `" + AccountCode + "`: " +
				"`posted` (settled), `available` (posted less pending debits: what a conversion or payout may use), " +
				"`pending_in` and `pending_out` (held by pending entries).",
			Response: Balances{}, Handler: s.handleBalances},
		{Method: "POST", Path: "/api/v1/fx/conversions", Perm: identity.PermSettlementWrite, Tag: "fx",
			Summary: "Execute a quote",
			Description: "Books the quote exactly as quoted, once: the sell amount leaves the tenant's balance in the sell " +
				"currency, the buy amount arrives in its balance in the buy currency, through the platform's FX position " +
				"(one balanced ledger entry, `entry_id`). The conversion records the quote's rate, the provider's rate, the " +
				"spread and the reference rate. An expired or already used quote is 409 (`fx_quote_expired`, " +
				"`fx_quote_used`) naming `quote_id`; a balance that does not cover the sell amount 409 `insufficient_funds`; " +
				"another tenant's quote 404. Nothing is written when refused.",
			Request: ConvertRequest{}, Response: Conversion{}, Status: http.StatusCreated,
			Errors: []int{http.StatusConflict}, Handler: s.handleConvert},
		{Method: "GET", Path: "/api/v1/fx/conversions", Perm: identity.PermSettlementRead, Tag: "fx",
			Summary: "List conversions", Response: web.List[Conversion]{}, Handler: s.handleList},
		{Method: "GET", Path: "/api/v1/fx/conversions/{id}", Perm: identity.PermSettlementRead, Tag: "fx",
			Summary: "Get a conversion", Response: Conversion{}, Handler: s.handleGet},
	} {
		rt.Handle(r)
	}
}

func (s *Service) handleBalances(w http.ResponseWriter, r *http.Request) error {
	b, err := s.Balances(r.Context())
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, b)
}

func (s *Service) handleConvert(w http.ResponseWriter, r *http.Request) error {
	var req ConvertRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	c, err := s.Convert(r.Context(), req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/fx/conversions/"+c.ID)
	return web.Respond(w, r, http.StatusCreated, c)
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.Conversions(r.Context(), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Conversion(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, c)
}
