package app_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app"
	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/backup"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/tenancy"
)

// TestBackupUnderLoad writes continuously, takes a backup through a second
// connection (as `silkgate backup` does from its own process), restores it
// into an empty store and checks the copy is a consistent snapshot: every
// row it holds is in the source unchanged, every tenant has the audit
// record written in its transaction, and the restored trail verifies.
func TestBackupUnderLoad(t *testing.T) {
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			ctx := audit.WithActor(context.Background(), audit.Actor{ID: "system", Type: "system"})
			dsn, dir := dbtest.DSN(t, e)
			src, err := app.Open(ctx, app.Config{DataDir: dir, DSN: dsn}, app.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()

			var wrote atomic.Int64
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for w := range 3 {
				wg.Go(func() {
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						if _, err := src.Tenants.Create(ctx, tenancy.NewTenant{Name: fmt.Sprintf("Load %d-%d", w, i)}); err != nil {
							t.Error(err)
							return
						}
						wrote.Add(1)
					}
				})
			}
			for wrote.Load() < 30 {
				time.Sleep(5 * time.Millisecond)
			}
			// The backup process has its own connection to the store.
			other, err := db.Open(ctx, dir, dsn)
			if err != nil {
				t.Fatal(err)
			}
			var archive bytes.Buffer
			m, err := backup.Create(ctx, other, dir, &archive, backup.Options{WithKeys: true})
			other.Close()
			if err != nil {
				t.Fatal(err)
			}
			before := wrote.Load()
			for wrote.Load() < before+30 {
				time.Sleep(5 * time.Millisecond)
			}
			close(stop)
			wg.Wait()
			if m.SchemaVersion == 0 || len(m.Files) < 2 {
				t.Fatalf("manifest %+v", m)
			}

			rdsn, rdir := dbtest.DSN(t, e)
			if _, err := backup.Restore(ctx, bytes.NewReader(archive.Bytes()), rdir, rdsn); err != nil {
				t.Fatal(err)
			}
			// A second restore into the same, now full, target is refused.
			if _, err := backup.Restore(ctx, bytes.NewReader(archive.Bytes()), rdir, rdsn); err == nil {
				t.Fatal("restore over existing data succeeded")
			}
			dst, err := app.Open(ctx, app.Config{DataDir: rdir, DSN: rdsn}, app.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()

			type row struct{ id, name, region, plan string }
			read := func(d *db.DB) map[string]row {
				rows, err := d.Q(ctx).QueryContext(ctx, `SELECT id, name, region, plan FROM tenants`)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				out := map[string]row{}
				for rows.Next() {
					var r row
					if err := rows.Scan(&r.id, &r.name, &r.region, &r.plan); err != nil {
						t.Fatal(err)
					}
					out[r.id] = r
				}
				return out
			}
			all, got := read(src.DB), read(dst.DB)
			if len(got) < 30 || len(got) >= len(all) {
				t.Fatalf("restored %d tenants of %d written: not a mid-load snapshot", len(got), len(all))
			}
			for id, r := range got {
				if all[id] != r {
					t.Errorf("restored tenant %s = %+v, source has %+v", id, r, all[id])
				}
			}
			var audited int
			if err := dst.DB.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = 'tenant.create'`).Scan(&audited); err != nil {
				t.Fatal(err)
			}
			if audited != len(got) {
				t.Errorf("restored %d tenants but %d tenant.create audit records: snapshot not consistent", len(got), audited)
			}
			rep, err := dst.Audit.Verify(ctx)
			if err != nil || !rep.OK {
				t.Errorf("restored audit trail: %+v %v", rep, err)
			}
		})
	}
}

// TestBackupCommands drives `silkgate backup` and `silkgate restore`.
func TestBackupCommands(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := app.Run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errb)
		return out.String() + errb.String(), err
	}
	if out, err := run("--data", dir, "tenant", "create", "--name", "Backup Co", "--json"); err != nil {
		t.Fatal(out, err)
	}
	file := filepath.Join(t.TempDir(), "b.tgz")
	if out, err := run("backup", "--data", dir, "--to", file); err != nil {
		t.Fatal(out, err)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("archive: %v %v", st, err)
	}
	if out, err := run("restore", "--data", dir, "--from", file); err == nil {
		t.Fatalf("restore into a full folder succeeded: %s", out)
	}
	empty := t.TempDir()
	if out, err := run("restore", "--data", empty, "--from", file); err != nil {
		t.Fatal(out, err)
	}
	// Without --with-keys the key files stay behind; the audit signing key
	// is needed to check checkpoints, so copy the data folder's keys the
	// way an operator restores them from their separate safe place.
	for _, k := range backup.KeyFiles {
		if b, err := os.ReadFile(filepath.Join(dir, k)); err == nil {
			os.WriteFile(filepath.Join(empty, k), b, 0o600)
		}
	}
	out, err := run("audit", "verify", "--data", empty)
	if err != nil || !strings.Contains(out, "intact") {
		t.Fatalf("verify restored: %s %v", out, err)
	}
	out, err = run("--data", empty, "tenant", "limits", "--tenant", "nope", "--rps", "5", "--burst", "10")
	if err == nil {
		t.Fatalf("limits on unknown tenant: %s", out)
	}
}
