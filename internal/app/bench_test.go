package app_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/db"
)

// BenchmarkMe measures the in-process cost of an authenticated
// GET /api/v1/me through the whole pipeline (request id, language,
// metrics, log line, authentication, rate limit, authorisation, JSON).
// The end-to-end throughput target is measured with scripts/bench-me.sh.
func BenchmarkMe(b *testing.B) {
	env := apptest.New(b, db.SQLite)
	tenant := env.Tenant("Bench")
	key := env.Key(tenant, identity.Viewer, false)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest("GET", "/api/v1/me", nil)
			r.Header.Set("Authorization", "Bearer "+key)
			r.Header.Set("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8")
			w := httptest.NewRecorder()
			env.App.Handler.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
}
