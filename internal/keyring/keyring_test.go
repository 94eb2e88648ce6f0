package keyring_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/keyring"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
)

func noEnv(string) string { return "" }

func envWith(v string) func(string) string {
	return func(k string) string {
		if k == keyring.EnvKEK {
			return v
		}
		return ""
	}
}

func open(t *testing.T, d *db.DB, dir string, getenv func(string) string) *keyring.Keyring {
	t.Helper()
	k, err := keyring.Open(context.Background(), d, dir, getenv)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func encrypt(t *testing.T, k keyring.Provider, tenant, pt string, aad []byte) []byte {
	t.Helper()
	ct, err := k.Encrypt(context.Background(), tenant, []byte(pt), aad)
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func mustDecrypt(t *testing.T, k keyring.Provider, tenant string, ct, aad []byte, want string) {
	t.Helper()
	pt, err := k.Decrypt(context.Background(), tenant, ct, aad)
	if err != nil {
		t.Fatalf("decrypt for %q: %v", tenant, err)
	}
	if string(pt) != want {
		t.Fatalf("decrypt for %q: got %q, want %q", tenant, pt, want)
	}
}

// keyID reads the Tink key id prefix of a ciphertext.
func keyID(t *testing.T, ct []byte) uint32 {
	t.Helper()
	if len(ct) < 5 || ct[0] != 1 {
		t.Fatalf("ciphertext has no Tink prefix: %x", ct)
	}
	return binary.BigEndian.Uint32(ct[1:5])
}

type dataKey struct {
	kekID   string
	keyset  []byte
	version int64
}

func dataKeys(t *testing.T, d *db.DB) map[string]dataKey {
	t.Helper()
	// The read pool: committed rows only, and never blocked by a writer.
	ctx := context.Background()
	rows, err := d.Q(ctx).QueryContext(ctx, `SELECT tenant_id, purpose, kek_id, keyset, version FROM data_keys`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]dataKey{}
	for rows.Next() {
		var tenant, purpose string
		var k dataKey
		if err := rows.Scan(&tenant, &purpose, &k.kekID, &k.keyset, &k.version); err != nil {
			t.Fatal(err)
		}
		out[tenant+"/"+purpose] = k
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestKeyring(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		k := open(t, d, dir, noEnv)

		t.Run("round trip", func(t *testing.T) {
			for _, tenant := range []string{"ten_a", "", keyring.PlatformTenant} {
				aad := keyring.AAD("orders", "address", "ord_1")
				ct := encrypt(t, k, tenant, "Kurfürstendamm 21, 10719 Berlin", aad)
				mustDecrypt(t, k, tenant, ct, aad, "Kurfürstendamm 21, 10719 Berlin")
			}
			empty := encrypt(t, k, "ten_a", "", nil)
			mustDecrypt(t, k, "ten_a", empty, nil, "")
		})

		t.Run("platform keys are the reserved owner", func(t *testing.T) {
			ct := encrypt(t, k, "", "platform secret", nil)
			mustDecrypt(t, k, keyring.PlatformTenant, ct, nil, "platform secret")
			if _, ok := dataKeys(t, d)[keyring.PlatformTenant+"/aead"]; !ok {
				t.Fatal("no data_keys row for the platform")
			}
			if _, err := k.Encrypt(ctx, "_other", []byte("x"), nil); !errors.Is(err, keyring.ErrInvalidTenant) {
				t.Fatalf("reserved tenant id accepted: %v", err)
			}
		})

		t.Run("aad mismatch fails", func(t *testing.T) {
			ct := encrypt(t, k, "ten_a", "6222020000000000", keyring.AAD("cards", "pan", "card_1"))
			for name, aad := range map[string][]byte{
				"other row":    keyring.AAD("cards", "pan", "card_2"),
				"other column": keyring.AAD("cards", "holder", "card_1"),
				"none":         nil,
			} {
				if _, err := k.Decrypt(ctx, "ten_a", ct, aad); !errors.Is(err, keyring.ErrDecrypt) {
					t.Errorf("%s: got %v, want ErrDecrypt", name, err)
				}
			}
		})

		t.Run("tampered ciphertext fails", func(t *testing.T) {
			ct := encrypt(t, k, "ten_a", "secret", nil)
			ct[len(ct)-1] ^= 1
			if _, err := k.Decrypt(ctx, "ten_a", ct, nil); !errors.Is(err, keyring.ErrDecrypt) {
				t.Fatalf("got %v, want ErrDecrypt", err)
			}
		})

		t.Run("tenants are isolated", func(t *testing.T) {
			aad := keyring.AAD("t", "c", "1")
			ctA := encrypt(t, k, "ten_a", "only for A", aad)
			encrypt(t, k, "ten_b", "B exists", nil)
			for _, other := range []string{"ten_b", "", "ten_never_used"} {
				if _, err := k.Decrypt(ctx, other, ctA, aad); !errors.Is(err, keyring.ErrDecrypt) {
					t.Errorf("tenant %q decrypted A's ciphertext: %v", other, err)
				}
			}
			if _, ok := dataKeys(t, d)["ten_never_used/aead"]; ok {
				t.Error("Decrypt created a keyset")
			}
		})

		t.Run("wrapped keysets are bound to their row", func(t *testing.T) {
			encrypt(t, k, "ten_swap_a", "a", nil)
			ctB := encrypt(t, k, "ten_swap_b", "b", nil)
			keys := dataKeys(t, d)
			a, b := keys["ten_swap_a/aead"], keys["ten_swap_b/aead"]
			defer dbtest.MustExec(t, d, `UPDATE data_keys SET keyset = $1, kek_id = $2 WHERE tenant_id = 'ten_swap_b' AND purpose = 'aead'`, b.keyset, b.kekID)
			dbtest.MustExec(t, d, `UPDATE data_keys SET keyset = $1, kek_id = $2 WHERE tenant_id = 'ten_swap_b' AND purpose = 'aead'`, a.keyset, a.kekID)
			k2 := open(t, d, dir, noEnv) // no cache
			if _, err := k2.Decrypt(ctx, "ten_swap_b", ctB, nil); err == nil {
				t.Fatal("a keyset copied from another tenant's row was accepted")
			}
			if _, err := k2.Encrypt(ctx, "ten_swap_b", []byte("x"), nil); err == nil {
				t.Fatal("encrypted with a keyset copied from another tenant's row")
			}
		})

		t.Run("fingerprint", func(t *testing.T) {
			pan := []byte("4111111111111111")
			fa1, err := k.Fingerprint(ctx, "ten_a", pan)
			if err != nil {
				t.Fatal(err)
			}
			fa2, _ := k.Fingerprint(ctx, "ten_a", pan)
			fb, _ := k.Fingerprint(ctx, "ten_b", pan)
			fo, _ := k.Fingerprint(ctx, "ten_a", []byte("4111111111111112"))
			fa3, _ := open(t, d, dir, noEnv).Fingerprint(ctx, "ten_a", pan)
			if fa1 != fa2 || fa1 != fa3 {
				t.Errorf("not deterministic: %s %s %s", fa1, fa2, fa3)
			}
			if fa1 == fb {
				t.Error("same fingerprint for two tenants")
			}
			if fa1 == fo {
				t.Error("same fingerprint for different data")
			}
			if len(fa1) < 40 || len(fa1) > 128 || strings.Contains(fa1, "4111") {
				t.Errorf("odd fingerprint %q", fa1)
			}
			// Rotating the tenant's encryption key leaves fingerprints alone.
			if _, err := k.RotateTenant(ctx, "ten_a"); err != nil {
				t.Fatal(err)
			}
			if f, _ := k.Fingerprint(ctx, "ten_a", pan); f != fa1 {
				t.Error("fingerprint changed after RotateTenant")
			}
		})

		t.Run("rotate tenant", func(t *testing.T) {
			aad := keyring.AAD("t", "c", "r1")
			old := encrypt(t, k, "ten_rot", "before", aad)
			oldID := keyID(t, old)
			before := dataKeys(t, d)["ten_rot/aead"]
			other := open(t, d, dir, noEnv) // a second node, caching the old keyset
			mustDecrypt(t, other, "ten_rot", old, aad, "before")

			newID, err := k.RotateTenant(ctx, "ten_rot")
			if err != nil {
				t.Fatal(err)
			}
			if newID == oldID {
				t.Fatal("rotation kept the key id")
			}
			after := dataKeys(t, d)["ten_rot/aead"]
			if bytes.Equal(before.keyset, after.keyset) || after.version <= before.version {
				t.Error("data_keys row did not change")
			}
			mustDecrypt(t, k, "ten_rot", old, aad, "before")
			fresh := encrypt(t, k, "ten_rot", "after", aad)
			if got := keyID(t, fresh); got != newID {
				t.Fatalf("new ciphertext uses key %d, want %d", got, newID)
			}
			mustDecrypt(t, k, "ten_rot", fresh, aad, "after")
			// The other node has never seen the new key; it reloads.
			mustDecrypt(t, other, "ten_rot", fresh, aad, "after")
			mustDecrypt(t, open(t, d, dir, noEnv), "ten_rot", old, aad, "before")

			if _, err := k.RotateTenant(ctx, "ten_nobody"); !errors.Is(err, keyring.ErrNoKeyset) {
				t.Fatalf("rotate unknown tenant: %v", err)
			}
		})

		t.Run("stored ciphertext never holds the plaintext", func(t *testing.T) {
			dbtest.MustExec(t, d, `CREATE TABLE kr_secrets (id TEXT PRIMARY KEY, value `+blob(d)+` NOT NULL)`)
			secret := "PLAINTEXT-MARKER-6222020000000000"
			aad := keyring.AAD("kr_secrets", "value", "s1")
			ct := encrypt(t, k, "ten_a", secret, aad)
			dbtest.MustExec(t, d, `INSERT INTO kr_secrets (id, value) VALUES ($1, $2)`, "s1", ct)
			var stored []byte
			if err := d.Writer().QueryRowContext(ctx, `SELECT value FROM kr_secrets WHERE id = 's1'`).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(stored, []byte(secret)) || bytes.Contains(stored, []byte("6222020000000000")) {
				t.Fatal("stored ciphertext contains the plaintext")
			}
			mustDecrypt(t, k, "ten_a", stored, aad, secret)
			if d.Engine() == db.SQLite {
				// Nothing anywhere in the database files: not the plaintext,
				// and not the KEK.
				dbtest.MustExec(t, d, `PRAGMA wal_checkpoint(FULL)`)
				kek, err := os.ReadFile(filepath.Join(dir, keyring.KEKFile))
				if err != nil {
					t.Fatal(err)
				}
				keyValue := kekMaterial(t, kek)
				for _, f := range []string{d.Path(), d.Path() + "-wal"} {
					b, err := os.ReadFile(f)
					if errors.Is(err, os.ErrNotExist) {
						continue
					}
					if err != nil {
						t.Fatal(err)
					}
					if bytes.Contains(b, []byte(secret)) {
						t.Fatalf("%s contains the plaintext", filepath.Base(f))
					}
					if bytes.Contains(b, keyValue) {
						t.Fatalf("%s contains the KEK", filepath.Base(f))
					}
				}
			}
		})

		t.Run("rollback of the caller's transaction drops a new keyset", func(t *testing.T) {
			aad := keyring.AAD("t", "c", "rb")
			boom := errors.New("boom")
			err := d.InTx(ctx, func(ctx context.Context) error {
				ct, err := k.Encrypt(ctx, "ten_rb", []byte("lost"), aad)
				if err != nil {
					return err
				}
				// Readable within the transaction that created the key.
				pt, err := k.Decrypt(ctx, "ten_rb", ct, aad)
				if err != nil || string(pt) != "lost" {
					t.Errorf("decrypt inside the transaction: %q, %v", pt, err)
				}
				if _, ok := dataKeys(t, d)["ten_rb/aead"]; ok {
					t.Error("uncommitted keyset visible outside the transaction")
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatal(err)
			}
			if _, ok := dataKeys(t, d)["ten_rb/aead"]; ok {
				t.Fatal("keyset survived the rollback")
			}
			// The same Keyring must not keep using the rolled-back key.
			ct := encrypt(t, k, "ten_rb", "kept", aad)
			mustDecrypt(t, open(t, d, dir, noEnv), "ten_rb", ct, aad, "kept")
		})

		t.Run("key created inside a committed transaction", func(t *testing.T) {
			aad := keyring.AAD("t", "c", "tx")
			var ct []byte
			err := d.InTx(ctx, func(ctx context.Context) error {
				var err error
				ct, err = k.Encrypt(ctx, "ten_tx", []byte("committed"), aad)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			mustDecrypt(t, k, "ten_tx", ct, aad, "committed")
			mustDecrypt(t, open(t, d, dir, noEnv), "ten_tx", ct, aad, "committed")
		})

		t.Run("concurrent first use creates one keyset", func(t *testing.T) {
			const n = 16
			k1 := open(t, d, dir, noEnv)
			k2 := open(t, d, dir, noEnv) // two nodes
			aad := keyring.AAD("t", "c", "race")
			cts := make([][]byte, n)
			fps := make([]string, n)
			// Hold the table's write lock so every goroutine finds no
			// keyset and queues to insert one; release it once they wait.
			gateCtx, gate, err := d.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if d.Engine() == db.Postgres {
				if _, err := gate.ExecContext(gateCtx, `LOCK TABLE data_keys IN EXCLUSIVE MODE`); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			errs := make(chan error, 2*n)
			for i := range n {
				kr := k1
				if i%2 == 1 {
					kr = k2
				}
				wg.Go(func() {
					ct, err := kr.Encrypt(ctx, "ten_race", []byte("same"), aad)
					if err != nil {
						errs <- err
						return
					}
					cts[i] = ct
					fp, err := kr.Fingerprint(ctx, "ten_race", []byte("x"))
					if err != nil {
						errs <- err
						return
					}
					fps[i] = fp
				})
			}
			time.Sleep(200 * time.Millisecond)
			if err := gate.Rollback(); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			var count int
			if err := d.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM data_keys WHERE tenant_id = 'ten_race'`).Scan(&count); err != nil {
				t.Fatal(err)
			}
			if count != 2 {
				t.Fatalf("%d keysets for one tenant, want 2 (aead and prf)", count)
			}
			k3 := open(t, d, dir, noEnv)
			for i, ct := range cts {
				mustDecrypt(t, k3, "ten_race", ct, aad, "same")
				if keyID(t, ct) != keyID(t, cts[0]) {
					t.Fatalf("ciphertext %d used another key", i)
				}
				if fps[i] != fps[0] {
					t.Fatalf("fingerprint %d differs", i)
				}
			}
		})

		t.Run("rotate options", func(t *testing.T) {
			if _, err := k.Rotate(ctx, keyring.RotateOptions{}); err == nil {
				t.Error("empty options accepted")
			}
			if _, err := k.Rotate(ctx, keyring.RotateOptions{Tenant: "ten_a", All: true}); err == nil {
				t.Error("tenant and all accepted together")
			}
			rep, err := k.Rotate(ctx, keyring.RotateOptions{Tenant: keyring.PlatformTenant})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Tenants) != 1 || rep.Tenants[0].Tenant != keyring.PlatformTenant || rep.Tenants[0].KeyID == 0 {
				t.Fatalf("report %+v", rep)
			}
			ct := encrypt(t, k, "", "x", nil)
			if keyID(t, ct) != rep.Tenants[0].KeyID {
				t.Fatal("platform key not rotated")
			}
			var aeads int
			if err := d.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM data_keys WHERE purpose = 'aead'`).Scan(&aeads); err != nil {
				t.Fatal(err)
			}
			rep, err = k.Rotate(ctx, keyring.RotateOptions{All: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Tenants) != aeads || aeads < 5 {
				t.Fatalf("rotated %d of %d keysets", len(rep.Tenants), aeads)
			}
		})
	})
}

func TestKEKFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dir := filepath.Join(t.TempDir(), "data", "nested")
		k := open(t, d, dir, noEnv)
		path := filepath.Join(dir, keyring.KEKFile)
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		di, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" {
			if got := fi.Mode().Perm(); got != 0o600 {
				t.Errorf("KEK file mode %04o, want 0600", got)
			}
			if got := di.Mode().Perm(); got != 0o700 {
				t.Errorf("data folder mode %04o, want 0700", got)
			}
		}
		first, _ := os.ReadFile(path)
		aad := keyring.AAD("t", "c", "1")
		ct := encrypt(t, k, "ten_a", "kept across restarts", aad)

		k2 := open(t, d, dir, noEnv)
		again, _ := os.ReadFile(path)
		if !bytes.Equal(first, again) {
			t.Fatal("KEK file rewritten on reopen")
		}
		mustDecrypt(t, k2, "ten_a", ct, aad, "kept across restarts")

		t.Run("loose permissions refused", func(t *testing.T) {
			if runtime.GOOS == "windows" {
				t.Skip("no Unix permissions")
			}
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
			defer os.Chmod(path, 0o600)
			if _, err := keyring.Open(ctx, d, dir, noEnv); err == nil {
				t.Fatal("world-readable KEK accepted")
			}
		})

		t.Run("lost KEK is not replaced", func(t *testing.T) {
			other := t.TempDir()
			if _, err := keyring.Open(ctx, d, other, noEnv); err == nil {
				t.Fatal("generated a new KEK although data keys exist")
			}
			if _, err := os.Stat(filepath.Join(other, keyring.KEKFile)); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("KEK file written: %v", err)
			}
		})

		t.Run("wrong KEK refused", func(t *testing.T) {
			v, err := keyring.GenerateKEK()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := keyring.Open(ctx, d, dir, envWith(v)); err == nil {
				t.Fatal("a KEK that cannot unwrap the stored keysets was accepted")
			}
		})

		t.Run("KEK file content works as SILKGATE_KEK", func(t *testing.T) {
			k3 := open(t, d, "", envWith(string(first)))
			mustDecrypt(t, k3, "ten_a", ct, aad, "kept across restarts")
			if _, _, err := k3.RotateKEK(ctx); !errors.Is(err, keyring.ErrKEKExternal) {
				t.Fatalf("RotateKEK with an external KEK: %v", err)
			}
			if _, err := k3.RetireOldKEKKeys(ctx); !errors.Is(err, keyring.ErrKEKExternal) {
				t.Fatalf("RetireOldKEKKeys with an external KEK: %v", err)
			}
		})
	})
}

func TestKEKFromEnv(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		v, err := keyring.GenerateKEK()
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		k := open(t, d, dir, envWith(v))
		if _, err := os.Stat(filepath.Join(dir, keyring.KEKFile)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("KEK file written although %s is set: %v", keyring.EnvKEK, err)
		}
		aad := keyring.AAD("t", "c", "env")
		ct := encrypt(t, k, "ten_env", "from env", aad)
		// Another node, same variable, no data folder of its own.
		mustDecrypt(t, open(t, d, "", envWith(" "+v+"\n")), "ten_env", ct, aad, "from env")
		s, err := k.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !s.KEKFromEnv || len(s.KEKKeys) != 1 || s.WrappedBy[s.KEKPrimary] != s.Keysets || s.Keysets != 1 {
			t.Fatalf("status %+v", s)
		}
		for _, bad := range []string{"not base64 at all!", "aGVsbG8=", `{"primaryKeyId": 1}`} {
			if _, err := keyring.Open(ctx, d, dir, envWith(bad)); err == nil {
				t.Errorf("bad %s accepted: %q", keyring.EnvKEK, bad)
			} else if strings.Contains(err.Error(), bad) {
				t.Errorf("error quotes the secret: %v", err)
			}
		}
		// Rewrap works with an external KEK and changes nothing visible.
		n, err := k.Rewrap(ctx)
		if err != nil || n != 1 {
			t.Fatalf("rewrap: %d, %v", n, err)
		}
		mustDecrypt(t, k, "ten_env", ct, aad, "from env")
	})
}

func TestRotateKEK(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		k := open(t, d, dir, noEnv)
		type sealed struct {
			tenant string
			aad    []byte
			ct     []byte
			pt     string
		}
		var all []sealed
		for _, tenant := range []string{"ten_a", "ten_b", ""} {
			aad := keyring.AAD("t", "c", tenant)
			pt := "secret of " + tenant
			all = append(all, sealed{tenant, aad, encrypt(t, k, tenant, pt, aad), pt})
		}
		fp, err := k.Fingerprint(ctx, "ten_a", []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		before := dataKeys(t, d)
		s0, _ := k.Status(ctx)
		oldKEK, err := os.ReadFile(filepath.Join(dir, keyring.KEKFile))
		if err != nil {
			t.Fatal(err)
		}

		rep, err := k.Rotate(ctx, keyring.RotateOptions{KEK: true})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.KEKRotated || rep.KEKKeyID == s0.KEKPrimary || rep.Rewrapped != len(before) {
			t.Fatalf("report %+v, %d keysets stored", rep, len(before))
		}
		after := dataKeys(t, d)
		for id, b := range before {
			a := after[id]
			if bytes.Equal(a.keyset, b.keyset) || a.kekID == b.kekID || a.version <= b.version {
				t.Errorf("%s not re-wrapped", id)
			}
		}
		// Everything still opens here and after a restart.
		k2 := open(t, d, dir, noEnv)
		for _, s := range all {
			mustDecrypt(t, k, s.tenant, s.ct, s.aad, s.pt)
			mustDecrypt(t, k2, s.tenant, s.ct, s.aad, s.pt)
		}
		if f, _ := k2.Fingerprint(ctx, "ten_a", []byte("x")); f != fp {
			t.Error("fingerprint changed with the KEK")
		}
		s1, err := k2.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(s1.KEKKeys) != 2 || s1.KEKPrimary != rep.KEKKeyID || s1.WrappedBy[rep.KEKKeyID] != len(before) {
			t.Fatalf("status after rotation %+v", s1)
		}

		// Put back one keyset wrapped by the old KEK key: retiring must
		// refuse until it is re-wrapped.
		old := before["ten_a/aead"]
		dbtest.MustExec(t, d, `UPDATE data_keys SET keyset = $1, kek_id = $2 WHERE tenant_id = 'ten_a' AND purpose = 'aead'`, old.keyset, old.kekID)
		k3 := open(t, d, dir, noEnv)
		mustDecrypt(t, k3, "ten_a", all[0].ct, all[0].aad, all[0].pt)
		if _, err := k3.RetireOldKEKKeys(ctx); !errors.Is(err, keyring.ErrOldKEKInUse) {
			t.Fatalf("retire with a keyset under the old key: %v", err)
		}
		// Also when kek_id lies about it.
		dbtest.MustExec(t, d, `UPDATE data_keys SET kek_id = $1 WHERE tenant_id = 'ten_a' AND purpose = 'aead'`, after["ten_a/aead"].kekID)
		if _, err := k3.RetireOldKEKKeys(ctx); !errors.Is(err, keyring.ErrOldKEKInUse) {
			t.Fatalf("retire trusted kek_id: %v", err)
		}
		if n, err := k3.Rewrap(ctx); err != nil || n != len(before) {
			t.Fatalf("rewrap: %d, %v", n, err)
		}
		retired, err := k3.RetireOldKEKKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(retired) != 1 || retired[0] != s0.KEKPrimary {
			t.Fatalf("retired %v, want [%d]", retired, s0.KEKPrimary)
		}
		k4 := open(t, d, dir, noEnv)
		s2, _ := k4.Status(ctx)
		if len(s2.KEKKeys) != 1 || s2.KEKKeys[0] != rep.KEKKeyID {
			t.Fatalf("KEK keys after retiring: %v", s2.KEKKeys)
		}
		for _, s := range all {
			mustDecrypt(t, k4, s.tenant, s.ct, s.aad, s.pt)
		}
		if fi, err := os.Stat(filepath.Join(dir, keyring.KEKFile)); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
			t.Fatalf("KEK file after rewrite: %v %v", fi.Mode(), err)
		}
		// The old KEK alone no longer opens anything.
		if _, err := keyring.Open(ctx, d, "", envWith(string(oldKEK))); err == nil {
			t.Fatal("old KEK accepted after retirement")
		}
	})
}

func TestAAD(t *testing.T) {
	if bytes.Equal(keyring.AAD("ab", "c"), keyring.AAD("a", "bc")) {
		t.Fatal("AAD is ambiguous")
	}
	if !bytes.Equal(keyring.AAD("a", "b"), keyring.AAD("a", "b")) {
		t.Fatal("AAD not deterministic")
	}
	if bytes.Equal(keyring.AAD("a", ""), keyring.AAD("a")) {
		t.Fatal("empty part lost")
	}
}

func blob(d *db.DB) string {
	if d.Engine() == db.Postgres {
		return "BYTEA"
	}
	return "BLOB"
}

// kekMaterial returns the raw AES key bytes of a one-key Tink JSON keyset:
// keyData.value is base64 of an AesGcmKey message whose last field is the
// 32-byte key.
func kekMaterial(t *testing.T, b []byte) []byte {
	t.Helper()
	var ks struct {
		Key []struct {
			KeyData struct {
				Value []byte `json:"value"`
			} `json:"keyData"`
		} `json:"key"`
	}
	if err := json.Unmarshal(b, &ks); err != nil {
		t.Fatal(err)
	}
	if len(ks.Key) != 1 || len(ks.Key[0].KeyData.Value) < 34 {
		t.Fatalf("unexpected KEK shape")
	}
	v := ks.Key[0].KeyData.Value
	return v[len(v)-32:]
}
