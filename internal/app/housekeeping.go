package app

import (
	"context"
	"time"

	"github.com/silkgate/silkgate/internal/platform/web"
)

// housekeeping deletes what has outlived its purpose, so tables that grow
// with traffic stay small: sign-in attempts beyond the lockout window,
// sessions long expired, and idempotency records past their replay window.
// The audit trail is not touched here: it is append-only and kept at least
// 180 days.
func (a *App) housekeeping(ctx context.Context) {
	now := time.Now().UTC()
	for _, job := range []struct {
		name  string
		query string
		arg   time.Time
	}{
		{"login_attempts", `DELETE FROM login_attempts WHERE at < $1`, now.Add(-24 * time.Hour)},
		{"sessions", `DELETE FROM sessions WHERE expires_at < $1`, now.Add(-7 * 24 * time.Hour)},
		{"idempotency_keys", `DELETE FROM idempotency_keys WHERE created_at < $1`, now.Add(-web.IdempotencyTTL)},
	} {
		res, err := a.DB.Writer().ExecContext(ctx, job.query, job.arg)
		if err != nil {
			if ctx.Err() == nil {
				a.Log.Error("housekeeping", "table", job.name, "error", err)
			}
			continue
		}
		if n, _ := res.RowsAffected(); n > 0 {
			a.Log.Info("housekeeping", "table", job.name, "deleted", n)
		}
	}
}

// every runs fn now and then every d until ctx ends.
func every(ctx context.Context, d time.Duration, fn func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		fn(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
