package alerts

import (
	"context"
	"fmt"
	"testing"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/compliance/rules"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// benchCatalogue is n products, a third of them toys sold in the EU.
func benchCatalogue(n int) []catalog.Product {
	ps := make([]catalog.Product, n)
	for i := range ps {
		p := catalog.Product{ID: fmt.Sprintf("prd_%06d", i), SKU: fmt.Sprintf("SKU-%06d", i), Title: catalog.Title{"en": "Item"},
			Markets: []string{"DE", "US"}}
		switch i % 3 {
		case 0:
			p.Category, p.HSCode = "toys", "950300"
		case 1:
			p.Category, p.HSCode, p.Markets = "toys", "950300", []string{"US"}
		default:
			p.Category, p.HSCode = "lighting", "940540"
		}
		if i%2 == 0 {
			p.Certifications = []string{"CE"}
		}
		ps[i] = p
	}
	return ps
}

// BenchmarkAssess measures the re-check of a 10,000-product catalogue
// against the old and new version of one rule (go test -bench Assess
// ./internal/compliance/alerts/).
func BenchmarkAssess(b *testing.B) {
	ps := benchCatalogue(10_000)
	v1, v2 := toyRule(1, rules.Documentation), toyRule(2, rules.Restricted)
	eng := newPairEngine(&v1, &v2)
	b.ReportAllocs()
	for b.Loop() {
		assess(eng, ps)
	}
}

type staticProducts []catalog.Product

func (s staticProducts) List(_ context.Context, _ catalog.Filter, pg web.Page) (web.List[catalog.Product], error) {
	i := 0
	for i < len(s) && pg.After != "" && s[i].SKU <= pg.After {
		i++
	}
	end := min(len(s), i+pg.FetchLimit())
	return web.NewList(pg, s[i:end], func(p catalog.Product) string { return p.SKU }), nil
}

// BenchmarkAlertTenant measures one tenant's alert for a rule change
// end to end on SQLite: reading 2,000 products, re-checking them and
// storing the alert (go test -bench AlertTenant ./internal/compliance/alerts/).
func BenchmarkAlertTenant(b *testing.B) {
	d := dbtest.Open(b, db.SQLite)
	s, err := New(d, staticProducts(benchCatalogue(2_000)), nopRecorder{}, Config{})
	if err != nil {
		b.Fatal(err)
	}
	dbtest.MustExec(b, d, `INSERT INTO tenants (id, name, region, plan, created_at) VALUES ('ten_bench', 'Bench', 'cn', 'saas', CURRENT_TIMESTAMP)`)
	ctx := db.WithScope(context.Background(), db.Scope{TenantID: "ten_bench"})
	if _, err := s.Subscribe(ctx, Subscription{Markets: []string{"EU"}, Channels: []string{InApp}}); err != nil {
		b.Fatal(err)
	}
	v1, v2 := toyRule(1, rules.Documentation), toyRule(2, rules.Restricted)
	eng := newPairEngine(&v1, &v2)
	i := 0
	for b.Loop() {
		i++
		if _, err := s.fanOut(ctx, fmt.Sprintf("rule:bench@%d", i), ruleAlert(&v1, v2),
			func(ctx context.Context) ([]ProductEffect, map[string]int, error) {
				ps, err := s.allProducts(ctx)
				if err != nil {
					return nil, nil, err
				}
				e, c := assess(eng, ps)
				return e, c, nil
			}); err != nil {
			b.Fatal(err)
		}
	}
}

type nopRecorder struct{}

func (nopRecorder) Record(context.Context, audit.Event) error { return nil }
