package fx

import (
	"net/http"
	"time"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// CodeDate is the field code of a date that is not YYYY-MM-DD.
const CodeDate = "fx_date"

// Routes registers the FX API.
func (s *Service) Routes(rt *web.Router) {
	for _, r := range []web.Route{
		// Reference rates are published data every tenant values money
		// at: any tenant role may read them (tenant.read is held by every
		// tenant role, finance included, and by no platform role).
		{Method: "GET", Path: "/api/v1/fx/rates", Perm: identity.PermTenantRead, Tag: "fx", Summary: "Reference exchange rates",
			Description: "Every reference rate against `base` (EUR when absent) on the latest publication date on or " +
				"before `date` (today when absent); `as_of` says which date that was. Rates against any base but the " +
				"source's own (EUR for the ECB) are cross rates through it, rounded half-even to 12 significant " +
				"digits. Source: ECB statistics. Reference rates are for information and valuation only: trade at a quote.",
			Query: []web.Param{
				{Name: "base", Description: "ISO 4217 code of the base currency (default EUR)."},
				{Name: "date", Description: "YYYY-MM-DD; the latest rates on or before it (default today, UTC)."},
			},
			Response: Table{}, Handler: s.handleRates},
		{Method: "POST", Path: "/api/v1/fx/quotes", Perm: identity.PermSettlementWrite, Tag: "fx", Summary: "Quote a conversion",
			Description: "An executable quote from the liquidity provider, less the tenant's spread (`spread_bps`): give " +
				"exactly one of `sell_amount` and `buy_amount`; the other is computed in its currency's minor units, " +
				"rounded half-even. The quote is honoured exactly until `expires_at`, once. A provider rate further " +
				"from the reference rate than the sanity band is refused with 503 `fx_rate_out_of_band`.",
			Request: QuoteRequest{}, Response: Quote{}, Status: http.StatusCreated,
			Errors: []int{http.StatusServiceUnavailable}, Handler: s.handleCreateQuote},
		{Method: "GET", Path: "/api/v1/fx/quotes/{id}", Perm: identity.PermSettlementRead, Tag: "fx", Summary: "Get a quote",
			Description: "A quote of the tenant, with `used_at` once it was used.",
			Response:    Quote{}, Handler: s.handleGetQuote},
	} {
		rt.Handle(r)
	}
	s.SpreadRoutes(rt)
}

func (s *Service) handleRates(w http.ResponseWriter, r *http.Request) error {
	base := r.URL.Query().Get("base")
	if base == "" {
		base = s.cfg.Base
	}
	at := s.cfg.Now()
	if d := r.URL.Query().Get("date"); d != "" {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			return problem.Invalid(problem.Field{Field: "date", Code: CodeDate})
		}
		at = t
	}
	t, err := s.Rates(r.Context(), base, at)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, t)
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
	w.Header().Set("Location", "/api/v1/fx/quotes/"+q.ID)
	return web.Respond(w, r, http.StatusCreated, q)
}

func (s *Service) handleGetQuote(w http.ResponseWriter, r *http.Request) error {
	q, err := s.Quote(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, q)
}
