package app

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// loadOrCreateSecret returns a 32-byte secret from the environment variable
// env (base64) or from file name in the data folder, creating the file with
// mode 0600 on first start. Deployments with several nodes must supply the
// same value to each (through env or a shared secret store).
func loadOrCreateSecret(dataDir, name, env string, getenv func(string) string) ([]byte, error) {
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
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	sec := make([]byte, 32)
	if _, err := rand.Read(sec); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadOrCreateSecret(dataDir, name, env, getenv) // another process won the race
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
