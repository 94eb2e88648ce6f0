package vault_test

import (
	"context"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app"
	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/vault"
)

// TestFingerprintKeyFromEnv: a vault given its own fingerprint key must
// be given a real one; a short value stops the start rather than weaken
// the fingerprints.
func TestFingerprintKeyFromEnv(t *testing.T) {
	getenv := func(k string) string {
		if k == "SILKGATE_VAULT_FINGERPRINT_KEY" {
			return "c2hvcnQ=" // "short"
		}
		return ""
	}
	_, err := app.Open(context.Background(), app.Config{DataDir: t.TempDir()}, app.Options{Argon2: apptest.FastArgon2, Getenv: getenv})
	if err == nil || !strings.Contains(err.Error(), "SILKGATE_VAULT_FINGERPRINT_KEY") {
		t.Fatalf("a 5-byte fingerprint key was accepted: %v", err)
	}
	if _, err := vault.New(nil, nil, nil, vault.Config{FingerprintKey: make([]byte, 16)}); err == nil {
		t.Fatal("vault.New accepted a 16-byte key")
	}
}
