package console

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics"
	"github.com/silkgate/silkgate/internal/logistics/rates"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// RateComparer is what the rate-comparison page needs of the logistics
// rates service.
type RateComparer interface {
	Compare(ctx context.Context, r rates.Request) (rates.Result, error)
}

// RatePages is the "compare carrier rates" page (clause 6.3.3.1): one
// parcel's details in, the ranked offers with their explanation out. It
// is a GET form, so a comparison can be bookmarked and shared.
type RatePages struct {
	c     *Console
	rates RateComparer
}

// RatePages returns the rate-comparison page over rc; register it with
// Routes.
func (c *Console) RatePages(rc RateComparer) *RatePages { return &RatePages{c: c, rates: rc} }

// Routes registers the page.
func (p *RatePages) Routes(rt *web.Router) {
	rt.Handle(web.Route{Method: "GET", Path: "/logistics/rates", Perm: identity.PermLogisticsRead, Page: true,
		Tag: "console", Summary: "Console page", Handler: p.page})
}

type rateForm struct {
	From, FromPC, To, ToPC, Weight, L, W, H, Value, Currency, DG, Preference string
}

type ratesData struct {
	Form     rateForm
	Presets  []string
	Compared bool
	Result   rates.Result
}

func (p *RatePages) page(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := rateForm{From: q.Get("from"), FromPC: q.Get("from_pc"), To: q.Get("to"), ToPC: q.Get("to_pc"),
		Weight: q.Get("weight_g"), L: q.Get("l"), W: q.Get("w"), H: q.Get("h"), Value: q.Get("value"),
		Currency: q.Get("currency"), DG: q.Get("dg"), Preference: q.Get("preference")}
	if f.From == "" {
		f.From = "CN"
	}
	if f.Currency == "" {
		f.Currency = "USD"
	}
	if f.Preference == "" {
		f.Preference = "balanced"
	}
	d := ratesData{Form: f, Presets: []string{"balanced", "cheapest", "fastest", "most_reliable"}}
	v := p.c.newView(r, "console.rates.title", "/logistics", &d)
	status := http.StatusOK
	if f.To != "" {
		req := rates.Request{
			Origin:      logistics.Place{Country: f.From, Postcode: f.FromPC},
			Destination: logistics.Place{Country: f.To, Postcode: f.ToPC},
			Parcels:     []logistics.Parcel{{WeightG: atoi(f.Weight), DimsMM: [3]int64{atoi(f.L), atoi(f.W), atoi(f.H)}}},
			Currency:    f.Currency,
			Preference:  rates.Preference{Preset: f.Preference},
		}
		if f.Value != "" {
			req.Goods.Value = money.Money{Amount: f.Value, Currency: f.Currency}
		}
		for _, un := range strings.FieldsFunc(f.DG, func(r rune) bool { return r == ',' || r == ' ' || r == '|' }) {
			req.Goods.DangerousGoods = append(req.Goods.DangerousGoods, un)
		}
		res, err := p.rates.Compare(r.Context(), req)
		if err != nil {
			fp, ok := p.c.problemOf(r, err)
			if !ok {
				return p.c.fail(w, r, err)
			}
			v.Problem, status = fp, http.StatusUnprocessableEntity
		} else {
			d.Compared, d.Result = true, res
		}
	}
	return p.c.render(w, r, status, "rates", v)
}

// atoi reads a whole number from a form; anything else is 0, which the
// request's validation then names.
func atoi(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0
	}
	return n
}
