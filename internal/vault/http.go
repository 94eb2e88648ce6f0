package vault

import (
	"net/http"

	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Permission names are the identity package's, repeated so that the vault
// does not depend on identity.
const (
	permRead  = "settlement.read"
	permWrite = "settlement.write"
)

// Routes registers the vault API.
func (s *Service) Routes(rt *web.Router) {
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/vault/cards", Perm: permWrite, Tag: "vault",
		Summary: "Vault a card", Request: NewCard{}, Response: Card{}, Status: http.StatusCreated,
		Errors: []int{http.StatusConflict},
		Description: "Stores the card number encrypted under the tenant's data key and answers a token with the brand " +
			"and the masked number; the number and the CVC never come back. The CVC is held in memory for the first " +
			"charge only and never stored. The same card vaulted again answers its existing token (200). 422 names " +
			"the field: number (invalid_format, unknown_brand, invalid_length, luhn), exp_month or exp_year " +
			"(required, out_of_range, expired), cvc (required, invalid_format) or holder. Sending card numbers makes the caller's " +
			"systems part of the cardholder data environment (docs/PCI.md).",
		Handler: s.handleCreate})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/vault/cards", Perm: permRead, Tag: "vault",
		Summary: "List vaulted cards", Response: web.List[Card]{}, Description: "Newest first, masked.",
		Handler: s.handleList})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/vault/cards/{token}", Perm: permRead, Tag: "vault",
		Summary: "Get a vaulted card", Response: Card{}, Handler: s.handleGet})
	rt.Handle(web.Route{Method: "DELETE", Path: "/api/v1/vault/cards/{token}", Perm: permWrite, Tag: "vault",
		Summary: "Delete a vaulted card", Status: http.StatusNoContent,
		Description: "Crypto-shreds the card: its ciphertexts and fingerprint are erased and the token stops working. " +
			"Its charges stay, masked.",
		Handler: s.handleDelete})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/vault/cards/{token}/charges", Perm: permWrite, Tag: "vault",
		Summary: "Charge a vaulted card", Request: ChargeRequest{}, Response: Charge{}, Status: http.StatusCreated,
		Errors: []int{http.StatusConflict, http.StatusBadGateway},
		Description: "Authorises the amount through the payment institution of the caller's partition (sandbox keys: " +
			"the sandbox institution and its test cards). The Idempotency-Key header is required: a retry with the " +
			"same key answers the first charge instead of charging twice. A declined authorisation is a charge with " +
			"status declined and its decline_code; requires_action carries the 3-D Secure challenge_id.",
		Handler: s.handleCharge})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/vault/cards/{token}/charges", Perm: permRead, Tag: "vault",
		Summary: "List a card's charges", Response: web.List[Charge]{}, Description: "Newest first.",
		Handler: s.handleListCharges})
}

func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) error {
	var n NewCard
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	c, created, err := s.CreateCard(r.Context(), n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/vault/cards/"+c.Token)
	if !created {
		return web.Respond(w, r, http.StatusOK, c)
	}
	return web.Respond(w, r, http.StatusCreated, c)
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.ListCards(r.Context(), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	c, err := s.GetCard(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, c)
}

func (s *Service) handleDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.DeleteCard(r.Context(), r.PathValue("token")); err != nil {
		return err
	}
	return web.NoContent(w)
}

func (s *Service) handleCharge(w http.ResponseWriter, r *http.Request) error {
	// A charge moves money: without a key a network retry would charge the
	// card twice.
	if r.Header.Get("Idempotency-Key") == "" {
		return problem.Invalid(problem.Field{Field: "Idempotency-Key", Code: CodeRequired})
	}
	var req ChargeRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	ch, err := s.Charge(r.Context(), r.PathValue("token"), req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/vault/cards/"+ch.Token+"/charges")
	return web.Respond(w, r, http.StatusCreated, ch)
}

func (s *Service) handleListCharges(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.ListCharges(r.Context(), r.PathValue("token"), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}
