package rules_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/compliance/rules"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/web"
)

type noAudit struct{}

func (noAudit) Record(context.Context, audit.Event) error { return nil }

// seeded returns a rule service over a fresh SQLite store holding the
// shipped rule set.
func seeded(b *testing.B) (*rules.Service, context.Context) {
	b.Helper()
	svc := rules.New(dbtest.Open(b, db.SQLite), noAudit{}, nil)
	ctx := context.Background()
	if _, err := svc.Seed(ctx); err != nil {
		b.Fatal(err)
	}
	return svc, ctx
}

// Run: go test ./internal/compliance/rules -run '^$' -bench . -benchmem

func BenchmarkInForce(b *testing.B) {
	svc, ctx := seeded(b)
	now := time.Now()
	for b.Loop() {
		if _, err := svc.InForce(ctx, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGeneration(b *testing.B) {
	svc, ctx := seeded(b)
	for b.Loop() {
		if _, err := svc.Generation(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListMarket(b *testing.B) {
	svc, ctx := seeded(b)
	for b.Loop() {
		if _, err := svc.List(ctx, rules.Filter{Market: "DE", Q: "battery"}, web.Page{Limit: 50}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := rules.Parse(strings.NewReader(importFile)); err != nil {
			b.Fatal(err)
		}
	}
}
