package keyring

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"

	"github.com/silkgate/silkgate/internal/platform/db"
)

const (
	// EnvKEK names the variable that supplies the key-encryption key: a
	// Tink cleartext AEAD keyset, either as JSON or as the standard base64
	// encoding of its binary (protobuf) form. When it is set the data
	// folder's KEKFile is ignored.
	EnvKEK = "SILKGATE_KEK"

	// KEKFile is the file in the data folder that holds the key-encryption
	// key when EnvKEK is not set: a Tink cleartext keyset in JSON, mode 0600.
	KEKFile = "kek.json"
)

// kekTemplate is what new KEK keys are made from.
var kekTemplate = aead.AES256GCMKeyTemplate

// GenerateKEK returns a fresh key-encryption keyset (one AES-256-GCM key) in
// the form EnvKEK accepts: base64 of the binary Tink keyset. It is secret;
// handle it like a password.
func GenerateKEK() (string, error) {
	h, err := keyset.NewHandle(kekTemplate())
	if err != nil {
		return "", fmt.Errorf("keyring: generate KEK: %w", err)
	}
	var buf bytes.Buffer
	if err := insecurecleartextkeyset.Write(h, keyset.NewBinaryWriter(&buf)); err != nil {
		return "", fmt.Errorf("keyring: encode KEK: %w", err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// parseKEK reads EnvKEK's value. Errors never quote the value.
func parseKEK(v string) (*keyset.Handle, error) {
	if strings.HasPrefix(v, "{") {
		h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(strings.NewReader(v)))
		if err != nil {
			return nil, fmt.Errorf("keyring: %s is not a valid Tink JSON keyset: %w", EnvKEK, err)
		}
		return h, nil
	}
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(v); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("keyring: %s is neither a JSON keyset nor base64", EnvKEK)
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewBinaryReader(bytes.NewReader(raw)))
	if err != nil {
		return nil, fmt.Errorf("keyring: %s is not a valid binary Tink keyset: %w", EnvKEK, err)
	}
	return h, nil
}

// loadKEK finds the key-encryption keyset: EnvKEK, else the data folder's
// KEKFile, else a new one written there. It returns the file path, or "" when
// the KEK came from the environment.
func loadKEK(ctx context.Context, d *db.DB, dataDir string, getenv func(string) string) (*keyset.Handle, string, error) {
	if v := strings.TrimSpace(getenv(EnvKEK)); v != "" {
		h, err := parseKEK(v)
		return h, "", err
	}
	if dataDir == "" {
		return nil, "", fmt.Errorf("keyring: no data folder and %s not set", EnvKEK)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, "", fmt.Errorf("keyring: create data folder: %w", err)
	}
	path := filepath.Join(dataDir, KEKFile)
	h, err := readKEKFile(path)
	if err == nil {
		return h, path, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, "", err
	}
	// A missing KEK next to existing data keys means the file was lost or
	// this node was started without the shared KEK. A new KEK would not open
	// the old keysets and would silently split the store in two; refuse.
	var n int
	if err := d.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM data_keys`).Scan(&n); err != nil {
		return nil, "", fmt.Errorf("keyring: count data keys: %w", err)
	}
	if n > 0 {
		return nil, "", fmt.Errorf("keyring: %s is missing but the store holds %d data keysets wrapped by a KEK: restore the file or set %s", KEKFile, n, EnvKEK)
	}
	h, err = keyset.NewHandle(kekTemplate())
	if err != nil {
		return nil, "", fmt.Errorf("keyring: generate KEK: %w", err)
	}
	switch err := writeKEKFile(path, h, true); {
	case errors.Is(err, fs.ErrExist):
		// Another process created it first; use theirs.
		h, err = readKEKFile(path)
		if err != nil {
			return nil, "", err
		}
	case err != nil:
		return nil, "", err
	}
	return h, path, nil
}

func readKEKFile(path string) (*keyset.Handle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	// Like ssh with private keys: a KEK others can read is not secret.
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("keyring: %s is accessible by group or others (mode %04o): chmod 600 it", path, fi.Mode().Perm())
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(f))
	if err != nil {
		return nil, fmt.Errorf("keyring: read %s: %w", path, err)
	}
	return h, nil
}

// writeKEKFile writes h to path through a temporary file, so a crash never
// leaves a half-written KEK. With exclusive it fails with fs.ErrExist when
// path already exists; otherwise it replaces path.
func writeKEKFile(path string, h *keyset.Handle, exclusive bool) error {
	var buf bytes.Buffer
	if err := insecurecleartextkeyset.Write(h, keyset.NewJSONWriter(&buf)); err != nil {
		return fmt.Errorf("keyring: encode KEK: %w", err)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".kek-*.tmp")
	if err != nil {
		return fmt.Errorf("keyring: write KEK: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(buf.Bytes())
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("keyring: write KEK: %w", err)
	}
	if exclusive {
		err = os.Link(tmp, path)
	} else {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("keyring: write KEK: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// keyIDs lists the ids of the keys in h.
func keyIDs(h *keyset.Handle) []uint32 {
	var ids []uint32
	for _, ki := range h.KeysetInfo().GetKeyInfo() {
		ids = append(ids, ki.GetKeyId())
	}
	return ids
}

// checkKEKCovers makes sure every KEK key named in data_keys is in h, so a
// wrong or truncated KEK fails at start-up rather than on first use.
func checkKEKCovers(ctx context.Context, d *db.DB, h *keyset.Handle) error {
	rows, err := d.Q(ctx).QueryContext(ctx, `SELECT DISTINCT kek_id FROM data_keys`)
	if err != nil {
		return fmt.Errorf("keyring: list KEK ids: %w", err)
	}
	defer rows.Close()
	have := keyIDs(h)
	var missing []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("keyring: list KEK ids: %w", err)
		}
		id, err := strconv.ParseUint(s, 10, 32)
		if err != nil || !slices.Contains(have, uint32(id)) {
			missing = append(missing, s)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("keyring: list KEK ids: %w", err)
	}
	if len(missing) > 0 {
		return fmt.Errorf("keyring: data keysets are wrapped by KEK key(s) %s that the configured KEK does not hold", strings.Join(missing, ", "))
	}
	return nil
}
