package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
)

// loadOrCreateSecret returns a 32-byte secret from the environment variable
// env (base64) or from file name in the data folder, creating the file with
// mode 0600 on first start. Deployments with several nodes must supply the
// same value to each (through env or a shared secret store).
//
// inUse reports whether data protected by the secret already exists: then a
// missing file is an operator's mistake (a restore without the keys, a
// wrong --data), and quietly making a new secret would invalidate
// everything it protects, so it is refused instead.
func loadOrCreateSecret(dataDir, name, env string, getenv func(string) string, inUse func() (bool, error)) ([]byte, error) {
	if v := strings.TrimSpace(getenv(env)); v != "" {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(b) < 32 {
			return nil, fmt.Errorf("%s must be at least 32 bytes, base64-encoded", env)
		}
		return b, nil
	}
	path := filepath.Join(dataDir, name)
	b, err := os.ReadFile(path)
	if err == nil {
		dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(dec) < 32 {
			return nil, fmt.Errorf("%s is damaged", path)
		}
		return dec, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if used, err := inUse(); err != nil {
		return nil, err
	} else if used {
		return nil, fmt.Errorf("%s is missing but the store already depends on it: restore it from your key backup (or set %s)", path, env)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	sec := make([]byte, 32)
	if _, err := rand.Read(sec); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadOrCreateSecret(dataDir, name, env, getenv, inUse) // another process won the race
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(sec) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	return sec, f.Close()
}

// hasRows returns an inUse check that is true when the query counts rows.
func hasRows(ctx context.Context, d *db.DB, query string) func() (bool, error) {
	return func() (bool, error) {
		var n int
		if err := d.Q(ctx).QueryRowContext(ctx, query).Scan(&n); err != nil {
			return false, err
		}
		return n > 0, nil
	}
}

// checkAuditKey refuses to let a new checkpoint-signing key be made when
// signed checkpoints already exist: every old checkpoint would then fail
// verification as if the trail had been forged.
func checkAuditKey(ctx context.Context, d *db.DB, dataDir string, getenv func(string) string) error {
	if getenv(audit.EnvSigningKey) != "" {
		return nil
	}
	path := filepath.Join(dataDir, audit.KeyFile)
	if _, err := os.Stat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	used, err := hasRows(ctx, d, `SELECT COUNT(*) FROM audit_checkpoints`)()
	if err != nil {
		return err
	}
	if used {
		return fmt.Errorf("%s is missing but signed audit checkpoints exist: restore it from your key backup (or set %s)", path, audit.EnvSigningKey)
	}
	return nil
}

// derivedKey derives a key for one purpose from a secret kept for another,
// so that the one secret never serves two purposes directly.
func derivedKey(secret []byte, purpose string) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(purpose))
	return mac.Sum(nil)
}
