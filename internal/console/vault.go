package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/vault"
)

// CardVault is what the vault page needs of the card vault.
type CardVault interface {
	CreateCard(ctx context.Context, n vault.NewCard) (vault.Card, bool, error)
	ListCards(ctx context.Context, p web.Page) (web.List[vault.Card], error)
	DeleteCard(ctx context.Context, token string) error
}

// VaultPages is the card vault page (clause 6.3.2.2): the tenant's cards,
// masked, and a form to vault one. The form posts a card number to the
// platform, which puts the browser and whoever uses it in the cardholder
// data environment; the page says so. A refused form never shows the
// number or the security code again.
type VaultPages struct {
	c     *Console
	vault CardVault
}

// VaultPages returns the vault page over v; register it with Routes.
func (c *Console) VaultPages(v CardVault) *VaultPages { return &VaultPages{c: c, vault: v} }

// Routes registers the page and its actions.
func (p *VaultPages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	rt.Handle(page("GET", "/settlement/vault", identity.PermSettlementRead, p.page))
	rt.Handle(page("POST", "/settlement/vault/cards", identity.PermSettlementWrite, p.add))
	rt.Handle(page("POST", "/settlement/vault/cards/{token}/delete", identity.PermSettlementWrite, p.remove))
}

type vaultForm struct {
	// Only what is safe to show again: never the number or the CVC.
	ExpMonth, ExpYear, Holder string
}

type vaultData struct {
	Cards []vault.Card
	Next  string
	Form  vaultForm
	// Outcome of the last action, from the redirect's query.
	Added   string
	Deleted bool
}

func (p *VaultPages) data(r *http.Request) (vaultData, error) {
	var d vaultData
	pg, err := web.PageFrom(r)
	if err != nil {
		pg = web.Page{Limit: web.DefaultLimit}
	}
	l, err := p.vault.ListCards(r.Context(), pg)
	if err != nil {
		return d, err
	}
	d.Cards = l.Items
	if l.NextCursor != "" {
		d.Next = "/settlement/vault?cursor=" + url.QueryEscape(l.NextCursor)
	}
	q := r.URL.Query()
	for _, c := range d.Cards {
		if c.Token == q.Get("added") {
			d.Added = c.Masked
		}
	}
	d.Deleted = q.Get("deleted") == "1"
	return d, nil
}

func (p *VaultPages) render(w http.ResponseWriter, r *http.Request, status int, d vaultData, err error) error {
	v := p.c.newView(r, "console.vault.title", "/settlement/vault", &d)
	if err != nil {
		fp, ok := p.c.problemOf(r, err)
		if !ok {
			return err
		}
		v.Problem = fp
	}
	return p.c.render(w, r, status, "vault", v)
}

func (p *VaultPages) page(w http.ResponseWriter, r *http.Request) error {
	d, err := p.data(r)
	if err != nil {
		return err
	}
	return p.render(w, r, http.StatusOK, d, nil)
}

func (p *VaultPages) add(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	f := vaultForm{ExpMonth: field(r, "exp_month"), ExpYear: field(r, "exp_year"), Holder: field(r, "holder")}
	n := vault.NewCard{Number: field(r, "number"), ExpMonth: formInt(f.ExpMonth), ExpYear: formInt(f.ExpYear),
		CVC: field(r, "cvc"), Holder: f.Holder}
	var c vault.Card
	err := p.c.attempt(r.Context(), func(ctx context.Context) error {
		var err error
		c, _, err = p.vault.CreateCard(ctx, n)
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		d, derr := p.data(r)
		if derr != nil {
			return derr
		}
		d.Form = f
		return p.render(w, r, statusOf(err), d, err)
	}
	return see(w, r, "/settlement/vault?added="+url.QueryEscape(c.Token))
}

func (p *VaultPages) remove(w http.ResponseWriter, r *http.Request) error {
	if err := p.vault.DeleteCard(r.Context(), r.PathValue("token")); err != nil {
		return err
	}
	return see(w, r, "/settlement/vault?deleted=1")
}

// formInt reads a whole number from a form; anything else is 0, which the
// vault's validation then names.
func formInt(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}
