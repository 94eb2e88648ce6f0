// Package backup owns disaster-recovery copies (clause 4.3.2): a
// consistent online snapshot of the store taken while the platform is
// serving and writing, packed with a manifest and checksums, and its
// restore into an empty data folder or database.
//
// On SQLite the snapshot is VACUUM INTO, which reads inside one
// transaction, so it is consistent even while another process writes (WAL
// lets readers and the writer proceed together). On PostgreSQL it is
// pg_dump, which also reads one repeatable-read snapshot; continuous
// protection there comes from base backups plus WAL archiving (see the
// operations guide).
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
)

// Manifest describes an archive.
type Manifest struct {
	Format        int               `json:"format"`
	CreatedAt     time.Time         `json:"created_at"`
	Engine        db.Engine         `json:"engine"`
	SchemaVersion int               `json:"schema_version"`
	AppVersion    string            `json:"app_version"`
	Files         map[string]string `json:"files"` // name → sha256
	WithKeys      bool              `json:"with_keys"`
}

// KeyFiles are the secrets in the data folder. They are left out of a
// backup unless asked for: an archive that carries its own keys protects
// nothing if it is stolen. Keep them in a separate, safer place.
var KeyFiles = []string{"kek.json", "apikey-pepper.key", "audit-checkpoint.key", "audit-checkpoints.log"}

const storeName = "store"

// Options tune Create.
type Options struct {
	WithKeys   bool
	AppVersion string
}

// Create writes a consistent backup archive of d (whose data folder is
// dataDir) to w.
func Create(ctx context.Context, d *db.DB, dataDir string, w io.Writer, o Options) (Manifest, error) {
	m := Manifest{Format: 1, CreatedAt: time.Now().UTC(), Engine: d.Engine(), AppVersion: o.AppVersion,
		Files: map[string]string{}, WithKeys: o.WithKeys}
	var err error
	if m.SchemaVersion, err = d.Version(ctx); err != nil {
		return m, err
	}
	tmp, err := os.MkdirTemp("", "silkgate-backup-")
	if err != nil {
		return m, err
	}
	defer os.RemoveAll(tmp)
	snap := filepath.Join(tmp, storeName)
	switch d.Engine() {
	case db.SQLite:
		// VACUUM INTO refuses an existing file, and quoting is SQL's.
		if _, err := d.Writer().ExecContext(ctx, `VACUUM INTO '`+strings.ReplaceAll(snap, "'", "''")+`'`); err != nil {
			return m, fmt.Errorf("backup: snapshot: %w", err)
		}
	case db.Postgres:
		cmd := exec.CommandContext(ctx, "pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", snap, "--dbname", d.DSN())
		if out, err := cmd.CombinedOutput(); err != nil {
			return m, fmt.Errorf("backup: pg_dump: %w: %s", err, strings.TrimSpace(string(out)))
		}
	}
	files := []string{storeName}
	if o.WithKeys {
		for _, k := range KeyFiles {
			src := filepath.Join(dataDir, k)
			if _, err := os.Stat(src); err == nil {
				if err := copyFile(src, filepath.Join(tmp, k)); err != nil {
					return m, err
				}
				files = append(files, k)
			}
		}
	}
	for _, f := range files {
		if m.Files[f], err = fileSum(filepath.Join(tmp, f)); err != nil {
			return m, err
		}
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	mb, _ := json.MarshalIndent(m, "", "  ")
	if err := tw.WriteHeader(&tar.Header{Name: "manifest.json", Mode: 0o600, Size: int64(len(mb)), ModTime: m.CreatedAt}); err != nil {
		return m, err
	}
	if _, err := tw.Write(mb); err != nil {
		return m, err
	}
	for _, f := range files {
		if err := addFile(tw, filepath.Join(tmp, f), f); err != nil {
			return m, err
		}
	}
	if err := tw.Close(); err != nil {
		return m, err
	}
	return m, gz.Close()
}

func addFile(tw *tar.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime()}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// ErrNotEmpty is returned when restore would overwrite live data.
var ErrNotEmpty = errors.New("backup: the target already holds data; restore only into an empty data folder or database")

// Restore unpacks the archive r into dataDir (SQLite) or the database dsn
// (PostgreSQL). It refuses a target that already holds data, checks every
// checksum before anything is moved into place, and never overwrites key
// files already present.
func Restore(ctx context.Context, r io.Reader, dataDir, dsn string) (Manifest, error) {
	var m Manifest
	tmp, err := os.MkdirTemp("", "silkgate-restore-")
	if err != nil {
		return m, err
	}
	defer os.RemoveAll(tmp)
	gz, err := gzip.NewReader(r)
	if err != nil {
		return m, fmt.Errorf("backup: not a Silkgate backup: %w", err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, fmt.Errorf("backup: read archive: %w", err)
		}
		name := filepath.Base(h.Name)
		if name != h.Name || name == "." || name == ".." {
			return m, fmt.Errorf("backup: unexpected entry %q", h.Name)
		}
		f, err := os.OpenFile(filepath.Join(tmp, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return m, err
		}
		_, err = io.Copy(f, tr)
		f.Close()
		if err != nil {
			return m, err
		}
	}
	mb, err := os.ReadFile(filepath.Join(tmp, "manifest.json"))
	if err != nil {
		return m, errors.New("backup: archive has no manifest")
	}
	if err := json.Unmarshal(mb, &m); err != nil {
		return m, fmt.Errorf("backup: manifest: %w", err)
	}
	for name, sum := range m.Files {
		got, err := fileSum(filepath.Join(tmp, name))
		if err != nil || got != sum {
			return m, fmt.Errorf("backup: %s is missing or damaged (checksum mismatch)", name)
		}
	}
	isPG := strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
	if (m.Engine == db.Postgres) != isPG {
		return m, fmt.Errorf("backup: archive is from %s; restore it into a %s store", m.Engine, m.Engine)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return m, err
	}
	if isPG {
		if err := restorePostgres(ctx, filepath.Join(tmp, storeName), dsn); err != nil {
			return m, err
		}
	} else {
		target := filepath.Join(dataDir, "silkgate.db")
		if dsn != "" && dsn != "sqlite" {
			target = strings.TrimPrefix(dsn, "sqlite://")
		}
		if st, err := os.Stat(target); err == nil && st.Size() > 0 {
			return m, ErrNotEmpty
		}
		for _, suffix := range []string{"-wal", "-shm"} {
			_ = os.Remove(target + suffix)
		}
		if err := moveFile(filepath.Join(tmp, storeName), target); err != nil {
			return m, err
		}
	}
	for name := range m.Files {
		if name == storeName {
			continue
		}
		dst := filepath.Join(dataDir, name)
		if _, err := os.Stat(dst); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return m, err
		}
		if err := moveFile(filepath.Join(tmp, name), dst); err != nil {
			return m, err
		}
	}
	return m, nil
}

func moveFile(src, dst string) error {
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	if err := copyFile(src, dst+".partial"); err != nil {
		return err
	}
	return os.Rename(dst+".partial", dst)
}

func restorePostgres(ctx context.Context, dump, dsn string) error {
	d, err := db.Open(ctx, "", dsn)
	if err != nil {
		return err
	}
	var n int
	err = d.Writer().QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&n)
	d.Close()
	if err != nil {
		return err
	}
	if n > 0 {
		return ErrNotEmpty
	}
	cmd := exec.CommandContext(ctx, "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname", dsn, dump)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("backup: pg_restore: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
