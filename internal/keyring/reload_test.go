package keyring

import (
	"context"
	"testing"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
)

// TestKEKRotatedByAnotherProcess: a serving node keeps working after
// `keys rotate --kek` ran elsewhere and re-wrapped every keyset under a KEK
// key only the data folder's file knows.
func TestKEKRotatedByAnotherProcess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		env := func(string) string { return "" }
		serving, err := Open(ctx, d, dir, env)
		if err != nil {
			t.Fatal(err)
		}
		ct, err := serving.Encrypt(ctx, "ten_a", []byte("secret"), AAD("t", "c", "1"))
		if err != nil {
			t.Fatal(err)
		}
		cli, err := Open(ctx, d, dir, env)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := cli.RotateKEK(ctx); err != nil {
			t.Fatal(err)
		}
		serving.forget("") // as when the cache entry expires
		pt, err := serving.Decrypt(ctx, "ten_a", ct, AAD("t", "c", "1"))
		if err != nil || string(pt) != "secret" {
			t.Fatalf("after rotation elsewhere: %q %v", pt, err)
		}
		if _, err := serving.Encrypt(ctx, "ten_b", []byte("new"), nil); err != nil {
			t.Fatalf("new keyset after rotation elsewhere: %v", err)
		}
	})
}
