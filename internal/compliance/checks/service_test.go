package checks

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/compliance/rules"
)

// countingSource is a rule source with a generation number that counts
// how often its rules are read.
type countingSource struct {
	rules StaticRules
	gen   atomic.Int64
	reads atomic.Int64
}

func (c *countingSource) InForce(ctx context.Context, at time.Time) ([]rules.Rule, error) {
	c.reads.Add(1)
	return c.rules.InForce(ctx, at)
}

func (c *countingSource) Generation(context.Context) (int64, error) { return c.gen.Load(), nil }

func TestEngineCache(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	src := &countingSource{rules: StaticRules(testRules())}
	s := New(nil, src, nil, nil, Config{Now: clock, Refresh: time.Second})
	ctx := context.Background()

	e1, _, err := s.Engine(ctx)
	if err != nil || e1.Len() != len(testRules()) {
		t.Fatalf("engine: %v", err)
	}
	e2, _, _ := s.Engine(ctx)
	if e1 != e2 || src.reads.Load() != 1 {
		t.Errorf("rebuilt without a change (%d reads)", src.reads.Load())
	}
	// A new generation is noticed once the refresh interval has passed.
	src.gen.Add(1)
	if e, _, _ := s.Engine(ctx); e != e1 {
		t.Error("generation asked before the refresh interval")
	}
	now = now.Add(2 * time.Second)
	e3, gen, _ := s.Engine(ctx)
	if e3 == e1 || gen != 1 || src.reads.Load() != 2 {
		t.Errorf("new generation not picked up: gen %d, %d reads", gen, src.reads.Load())
	}
	// A new day rebuilds: rules come into force by date.
	now = now.Add(24 * time.Hour)
	if e, _, _ := s.Engine(ctx); e == e3 {
		t.Error("not rebuilt on a new day")
	}

	t.Run("rules not yet in force are left out", func(t *testing.T) {
		future := testRules()[0]
		future.ID, future.EffectiveFrom = "EU-FUTURE-001", now.Add(48*time.Hour)
		ended := testRules()[1]
		ended.ID, ended.EffectiveTo = "EU-ENDED-001", ptr(now.Add(-time.Hour))
		got, _ := StaticRules{future, ended, testRules()[2]}.InForce(ctx, now)
		if len(got) != 1 || got[0].ID != testRules()[2].ID {
			t.Errorf("in force: %v", got)
		}
	})
}

func ptr[T any](v T) *T { return &v }
