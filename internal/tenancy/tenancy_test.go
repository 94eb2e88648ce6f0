package tenancy_test

import (
	"context"
	"errors"
	"testing"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/tenancy"
)

type recorder struct{ events []audit.Event }

func (r *recorder) Record(_ context.Context, e audit.Event) error {
	r.events = append(r.events, e)
	return nil
}

func TestTenants(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		rec := &recorder{}
		s := tenancy.New(d, rec)

		t.Run("validation", func(t *testing.T) {
			for _, tc := range []struct {
				name  string
				in    tenancy.NewTenant
				field string
			}{
				{"no name", tenancy.NewTenant{Name: "  "}, "name"},
				{"bad region", tenancy.NewTenant{Name: "X", Region: "mars"}, "region"},
				{"bad plan", tenancy.NewTenant{Name: "X", Plan: "gold"}, "plan"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					_, err := s.Create(ctx, tc.in)
					pe, ok := problem.As(err)
					if !ok || pe.Status != 422 || len(pe.Fields) != 1 || pe.Fields[0].Field != tc.field {
						t.Fatalf("got %v", err)
					}
				})
			}
		})

		saas, err := s.Create(ctx, tenancy.NewTenant{Name: "Chen's Toys"})
		if err != nil {
			t.Fatal(err)
		}
		if saas.Region != "cn" || saas.Plan != "saas" || saas.Limit != (tenancy.Limit{RPS: 50, Burst: 100}) {
			t.Errorf("defaults: %+v", saas)
		}
		ent, err := s.Create(ctx, tenancy.NewTenant{Name: "Weber AG", Region: "eu", Plan: "enterprise"})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			id    string
			rps   float64
			burst int
		}{{saas.ID, 50, 100}, {ent.ID, 500, 1000}} {
			rps, burst, err := s.RateLimit(ctx, tc.id)
			if err != nil || rps != tc.rps || burst != tc.burst {
				t.Errorf("RateLimit(%s) = %v, %v, %v", tc.id, rps, burst, err)
			}
		}
		if _, err := s.SetLimit(ctx, saas.ID, tenancy.Limit{RPS: 0}); err != nil {
			t.Fatal(err)
		}
		if rps, _, _ := s.RateLimit(ctx, saas.ID); rps != 0 {
			t.Errorf("lifted limit: rps %v", rps)
		}
		if _, err := s.SetLimit(ctx, saas.ID, tenancy.Limit{RPS: -1}); err == nil {
			t.Error("negative rps accepted")
		}
		if _, err := s.SetLimit(ctx, "ten_nope", tenancy.Limit{RPS: 5, Burst: 5}); !errors.Is(err, problem.ErrNotFound) {
			t.Errorf("unknown tenant: %v", err)
		}
		// A tenant caller only ever sees its own tenant.
		scoped := db.WithScope(ctx, db.Scope{TenantID: saas.ID})
		if _, err := s.Get(scoped, ent.ID); !errors.Is(err, problem.ErrNotFound) {
			t.Errorf("cross-tenant Get: %v", err)
		}
		if got, err := s.Get(scoped, saas.ID); err != nil || got.Name != "Chen's Toys" {
			t.Errorf("own Get: %+v %v", got, err)
		}
		if len(rec.events) != 3 {
			t.Errorf("audit events: %d, want 3 (two creates, one limit change)", len(rec.events))
		}
	})
}
