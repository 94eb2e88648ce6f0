package payouts

import (
	"net/http"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// bankCreditRoutes registers the API of incoming bank credits.
func (s *Service) bankCreditRoutes(rt *web.Router) {
	read, write := identity.PermSettlementRead, identity.PermSettlementWrite
	for _, r := range []web.Route{
		{Method: "GET", Path: "/api/v1/settlement/bank-credits", Perm: read, Tag: "settlement", Summary: "List bank credits",
			Description: "Money the bank reported received (the booked credit entries of reconciled camt.054 / camt.053 " +
				"files), newest first: cleared (it paid marketplace proceeds, whose clearing account it credited) or suspense " +
				"(it waits in bank:suspense to be matched by hand).",
			Query:    []web.Param{{Name: "status", Description: "cleared or suspense", Enum: []string{CreditCleared, CreditSuspense}}},
			Response: web.List[BankCredit]{}, Handler: s.handleListBankCredits},
		{Method: "GET", Path: "/api/v1/settlement/bank-credits/{id}", Perm: read, Tag: "settlement",
			Summary: "Get a bank credit", Response: BankCredit{}, Handler: s.handleGetBankCredit},
		{Method: "POST", Path: "/api/v1/settlement/bank-credits/{id}/match", Perm: write, Tag: "settlement",
			Summary: "Match a bank credit in suspense to proceeds",
			Description: "Moves the credit's amount from bank:suspense to the marketplace's clearing account of the proceeds " +
				"named. The proceeds must be for exactly the credit's amount and currency (422 amount_mismatch) and not " +
				"cleared by another credit (409 proceeds_already_cleared); a credit not in suspense is 409.",
			Request: MatchInput{}, Response: BankCredit{}, Errors: []int{http.StatusConflict},
			Handler: s.handleMatchBankCredit},
	} {
		rt.Handle(r)
	}
}

func (s *Service) handleListBankCredits(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.ListBankCredits(r.Context(), r.URL.Query().Get("status"), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleGetBankCredit(w http.ResponseWriter, r *http.Request) error {
	c, err := s.GetBankCredit(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, c)
}

func (s *Service) handleMatchBankCredit(w http.ResponseWriter, r *http.Request) error {
	var in MatchInput
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	c, err := s.MatchBankCredit(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, c)
}
