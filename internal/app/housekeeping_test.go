package app

import (
	"context"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
)

func TestHousekeeping(t *testing.T) {
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			dsn, dir := dbtest.DSN(t, e)
			a, err := Open(ctx, Config{DataDir: dir, DSN: dsn}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			now := time.Now().UTC()
			w := a.DB.Writer()
			mustExec := func(q string, args ...any) {
				t.Helper()
				if _, err := w.ExecContext(ctx, q, args...); err != nil {
					t.Fatal(err)
				}
			}
			mustExec(`INSERT INTO tenants (id, name, region, plan, created_at) VALUES ('ten_h', 'H', 'cn', 'saas', $1)`, now)
			mustExec(`INSERT INTO users (id, tenant_id, email, role, password_hash, password_changed_at, created_at)
				VALUES ('usr_h', 'ten_h', 'h@example.com', 'viewer', 'x', $1, $1)`, now)
			for i, at := range []time.Time{now.Add(-48 * time.Hour), now} {
				mustExec(`INSERT INTO login_attempts (user_id, at, ok) VALUES ('usr_h', $1, $2)`, at, i == 0)
				mustExec(`INSERT INTO sessions (token_hash, id, user_id, created_at, last_seen_at, expires_at)
					VALUES ($1, $2, 'usr_h', $3, $3, $3)`, "h"+string(rune('a'+i)), "ses_"+string(rune('a'+i)), at.Add(-6*24*time.Hour))
				mustExec(`INSERT INTO idempotency_keys (principal, key, fingerprint, status, content_type, body, created_at)
					VALUES ('p', $1, 'f', 200, '', $2, $3)`, string(rune('a'+i)), []byte{}, at)
			}
			a.housekeeping(ctx)
			for _, table := range []string{"login_attempts", "sessions", "idempotency_keys"} {
				var n int
				if err := w.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != 1 {
					t.Errorf("%s: %d rows left, want 1 (only the recent one)", table, n)
				}
			}
		})
	}
}
