package checks

import (
	"cmp"
	"context"
	"encoding/base64"
	"slices"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// CatalogueRequest is the body of POST /api/v1/compliance/checks/catalogue.
type CatalogueRequest struct {
	Markets   []string `json:"markets"`
	Transport string   `json:"transport,omitempty"`
	// Limit is how many products this call checks (default and maximum
	// 2,000); Cursor continues after the previous call's next_cursor.
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`

	after string
}

// XMLRoot names the request's XML element.
func (CatalogueRequest) XMLRoot() string { return "catalogue_check" }

// MaxCataloguePage bounds the products one catalogue call checks.
const MaxCataloguePage = 2000

// Validate normalises r and names the fields at fault.
func (r *CatalogueRequest) Validate() error {
	var fs problem.Errors
	validateMarkets(&fs, &r.Markets)
	validateTransport(&fs, r.Transport)
	switch {
	case r.Limit == 0:
		r.Limit = MaxCataloguePage
	case r.Limit < 1 || r.Limit > MaxCataloguePage:
		fs.Add("limit", "out_of_range", "min", 1, "max", MaxCataloguePage)
	}
	if r.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(r.Cursor)
		if err != nil || len(b) == 0 || !utf8.Valid(b) {
			fs.Add("cursor", "invalid_cursor")
		} else {
			r.after = string(b)
		}
	}
	return fs.Err()
}

// CatalogueSummary is the outcome of checking a page of the catalogue.
type CatalogueSummary struct {
	Markets   []string `json:"markets"`
	Transport string   `json:"transport,omitempty"`
	// Checked is how many products this call checked.
	Checked int `json:"checked"`
	// Verdicts counts the products by verdict.
	Verdicts map[string]int `json:"verdicts"`
	// Worst are up to 20 products with the worst verdicts, most failing
	// findings first.
	Worst []ProductVerdict `json:"worst"`
	// NextCursor, when set, continues with the next page of products.
	NextCursor     string `json:"next_cursor,omitempty"`
	RuleGeneration int64  `json:"rule_generation,omitempty"`
}

// XMLRoot names the summary's XML element.
func (CatalogueSummary) XMLRoot() string { return "catalogue_check" }

// ProductVerdict is one product's outcome in a catalogue check.
type ProductVerdict struct {
	ProductID string `json:"product_id"`
	SKU       string `json:"sku"`
	Title     string `json:"title"`
	Verdict   string `json:"verdict"`
	Counts    Counts `json:"counts"`
	// Top names the rules of its failing (or else warning) findings.
	Top []string `json:"top"`
}

const worstShown = 20

// CheckCatalogue checks one page of the caller's products (by SKU) and
// summarises. It stores no checks: a product's report is one POST of its
// product_id away.
func (s *Service) CheckCatalogue(ctx context.Context, r CatalogueRequest) (CatalogueSummary, error) {
	if err := r.Validate(); err != nil {
		return CatalogueSummary{}, err
	}
	eng, gen, err := s.Engine(ctx)
	if err != nil {
		return CatalogueSummary{}, err
	}
	sum := CatalogueSummary{Markets: r.Markets, Transport: r.Transport, RuleGeneration: gen, Worst: []ProductVerdict{},
		Verdicts: map[string]int{VerdictProhibited: 0, VerdictFail: 0, VerdictWarn: 0, VerdictPass: 0}}
	pg := web.Page{Limit: min(r.Limit, web.MaxLimit), After: r.after}
	var all []ProductVerdict
	for sum.Checked < r.Limit {
		pg.Limit = min(web.MaxLimit, r.Limit-sum.Checked)
		l, err := s.products.List(ctx, catalog.Filter{}, pg)
		if err != nil {
			return CatalogueSummary{}, err
		}
		for i := range l.Items {
			p := &l.Items[i]
			res := eng.Check(Input{Product: p, Markets: r.Markets, Transport: r.Transport, Lists: s.lists})
			sum.Verdicts[res.Verdict]++
			sum.Checked++
			if res.Verdict == VerdictPass {
				continue
			}
			pv := ProductVerdict{ProductID: p.ID, SKU: p.SKU, Title: titleOf(*p, "en"), Verdict: res.Verdict,
				Counts: countsOf(res.Findings), Top: []string{}}
			for _, f := range res.Findings {
				if f.Status != StatusPass && !slices.Contains(pv.Top, f.RuleID) && len(pv.Top) < 5 {
					pv.Top = append(pv.Top, f.RuleID)
				}
			}
			all = append(all, pv)
		}
		if l.NextCursor == "" {
			break
		}
		b, _ := base64.RawURLEncoding.DecodeString(l.NextCursor)
		pg.After = string(b)
		if sum.Checked >= r.Limit {
			sum.NextCursor = l.NextCursor
		}
	}
	slices.SortStableFunc(all, func(a, b ProductVerdict) int {
		return cmp.Or(cmp.Compare(slices.Index(Verdicts, a.Verdict), slices.Index(Verdicts, b.Verdict)),
			cmp.Compare(b.Counts.Fail, a.Counts.Fail), cmp.Compare(b.Counts.Warn, a.Counts.Warn), cmp.Compare(a.SKU, b.SKU))
	})
	sum.Worst = append(sum.Worst, all[:min(len(all), worstShown)]...)
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		return s.audit.Record(ctx, audit.Event{Action: "compliance.check_catalogue", Resource: "compliance_checks/catalogue",
			Change: map[string]any{"markets": sum.Markets, "transport": sum.Transport, "checked": sum.Checked,
				"verdicts": sum.Verdicts, "rule_generation": gen}})
	})
	if err != nil {
		return CatalogueSummary{}, err
	}
	return sum, nil
}
