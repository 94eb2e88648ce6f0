package ledger

import (
	"net/http"

	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Permission names are the identity package's, repeated so that the
// ledger does not depend on identity.
const (
	permRead  = "settlement.read"
	permWrite = "settlement.write"
)

// Routes registers the ledger API.
func (s *Service) Routes(rt *web.Router) {
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/ledger/accounts", Perm: permWrite, Tag: "ledger",
		Summary: "Open a ledger account", Request: NewAccount{}, Response: Account{}, Status: http.StatusCreated,
		Errors: []int{http.StatusConflict},
		Description: "An account holds one ISO 4217 asset. Flags: no_negative refuses debits beyond credits, " +
			"no_positive the reverse. shards (1–64) splits a hot account's balance row. (code, asset) is unique; " +
			"codes under platform: are the platform's own accounts, opened on first use.",
		Handler: s.handleCreateAccount})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/ledger/accounts", Perm: permRead, Tag: "ledger",
		Summary: "List ledger accounts", Response: web.List[Account]{},
		Query:   []web.Param{{Name: "asset", Description: "ISO 4217 code"}, {Name: "code", Description: "exact code"}},
		Handler: s.handleListAccounts})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/ledger/accounts/{id}", Perm: permRead, Tag: "ledger",
		Summary: "Get a ledger account with its balances", Response: Account{}, Handler: s.handleGetAccount})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/ledger/accounts/{id}/statement", Perm: permRead, Tag: "ledger",
		Summary: "List the entries that moved an account", Response: web.List[StatementLine]{},
		Description: "Newest first: per entry, the sums of its debits and credits to the account, with the entry's kind, " +
			"status and phase (pending for a hold's reservations).",
		Handler: s.handleStatement})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/ledger/entries", Perm: permWrite, Tag: "ledger",
		Summary: "Write a ledger entry", Request: NewEntry{}, Response: Entry{}, Status: http.StatusCreated,
		Errors: []int{http.StatusConflict},
		Description: "Postings must balance per asset (422 unbalanced names the asset and the difference). " +
			"A debit beyond a no_negative account's funds is 409 insufficient_funds naming the account. " +
			"pending: true reserves the amounts until post, void or expiry. The same idempotency_key with the " +
			"same body answers the first entry (200); with another body 409 idempotency_key_reused.",
		Handler: s.handleCreateEntry})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/ledger/entries/{id}", Perm: permRead, Tag: "ledger",
		Summary: "Get a ledger entry", Response: Entry{}, Handler: s.handleGetEntry})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/ledger/entries/{id}/post", Perm: permWrite, Tag: "ledger",
		Summary: "Post a pending entry", Request: PostRequest{}, Response: Entry{},
		Errors:      []int{http.StatusConflict},
		Description: "Posts the hold in full, or the given smaller amounts; the rest is released. Returns the post entry.",
		Handler:     s.handlePost})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/ledger/entries/{id}/void", Perm: permWrite, Tag: "ledger",
		Summary: "Void a pending entry", Response: Entry{}, Errors: []int{http.StatusConflict},
		Handler: s.handleVoid})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/ledger/entries/{id}/reverse", Perm: permWrite, Tag: "ledger",
		Summary: "Reverse a posted entry", Response: Entry{}, Status: http.StatusCreated,
		Errors:      []int{http.StatusConflict},
		Description: "Writes the reversing entry (every posting with its direction swapped). Repeating answers the first reversal.",
		Handler:     s.handleReverse})
}

func (s *Service) handleCreateAccount(w http.ResponseWriter, r *http.Request) error {
	var n NewAccount
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	a, err := s.CreateAccount(r.Context(), n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/ledger/accounts/"+a.ID)
	return web.Respond(w, r, http.StatusCreated, a)
}

func (s *Service) handleListAccounts(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	var fs problem.Errors
	if pe, ok := problem.As(err); ok {
		fs = append(fs, pe.Fields...)
	}
	f := AccountFilter{Asset: r.URL.Query().Get("asset"), Code: r.URL.Query().Get("code")}
	if f.Asset != "" && !money.ValidCurrency(f.Asset) {
		fs.Add("asset", money.CodeCurrency, "currency", f.Asset)
	}
	if err := fs.Err(); err != nil {
		return err
	}
	l, err := s.ListAccounts(r.Context(), f, pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleGetAccount(w http.ResponseWriter, r *http.Request) error {
	a, err := s.GetAccount(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, a)
}

func (s *Service) handleCreateEntry(w http.ResponseWriter, r *http.Request) error {
	var n NewEntry
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	e, replay, err := s.CreateEntry(r.Context(), n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/ledger/entries/"+e.ID)
	if replay {
		return web.Respond(w, r, http.StatusOK, e)
	}
	return web.Respond(w, r, http.StatusCreated, e)
}

func (s *Service) handleGetEntry(w http.ResponseWriter, r *http.Request) error {
	e, err := s.GetEntry(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, e)
}

func (s *Service) handlePost(w http.ResponseWriter, r *http.Request) error {
	var req PostRequest
	if r.ContentLength != 0 {
		if err := web.Decode(r, &req); err != nil {
			return err
		}
	}
	e, err := s.Post(r.Context(), r.PathValue("id"), req)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, e)
}

func (s *Service) handleVoid(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Void(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, e)
}

func (s *Service) handleReverse(w http.ResponseWriter, r *http.Request) error {
	e, replay, err := s.Reverse(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/ledger/entries/"+e.ID)
	if replay {
		return web.Respond(w, r, http.StatusOK, e)
	}
	return web.Respond(w, r, http.StatusCreated, e)
}
