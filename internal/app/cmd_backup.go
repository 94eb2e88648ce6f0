package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/silkgate/silkgate/internal/backup"
	"github.com/silkgate/silkgate/internal/platform/db"
)

func (e cliEnv) backup(ctx context.Context, args []string) error {
	fs := commandFlags("backup", &e.cfg, e.stderr)
	to := fs.String("to", "", "archive file to write")
	withKeys := fs.Bool("with-keys", false, "also pack the key files of the data folder (keep such an archive as safe as the keys)")
	asJSON := fs.Bool("json", false, "print the manifest as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *to == "" {
		return usageError{"backup needs --to FILE"}
	}
	d, err := db.Open(ctx, e.cfg.DataDir, e.cfg.DSN)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.CheckCurrent(ctx); err != nil {
		return err
	}
	tmp := *to + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	m, err := backup.Create(ctx, d, e.cfg.DataDir, f, backup.Options{WithKeys: *withKeys, AppVersion: Version})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, *to); err != nil {
		return err
	}
	if *asJSON {
		return e.printJSON(m)
	}
	fmt.Fprintf(e.stdout, "backup written to %s (%s, schema %d)\n", *to, m.Engine, m.SchemaVersion)
	if !m.WithKeys {
		fmt.Fprintf(e.stdout, "key files are not in the archive: keep copies of %v from %s in a safe place\n",
			backup.KeyFiles, filepath.Clean(e.cfg.DataDir))
	}
	return nil
}

func (e cliEnv) restore(ctx context.Context, args []string) error {
	fs := commandFlags("restore", &e.cfg, e.stderr)
	from := fs.String("from", "", "archive file to restore")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *from == "" {
		return usageError{"restore needs --from FILE"}
	}
	f, err := os.Open(*from)
	if err != nil {
		return err
	}
	defer f.Close()
	m, err := backup.Restore(ctx, f, e.cfg.DataDir, e.cfg.DSN)
	if err != nil {
		return err
	}
	d, err := db.Open(ctx, e.cfg.DataDir, e.cfg.DSN)
	if err != nil {
		return err
	}
	defer d.Close()
	// An archive from an older release is brought up to this binary's schema.
	if err := d.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "restored backup of %s (%s, schema %d); run `silkgate audit verify` to check the trail\n",
		m.CreatedAt.Format("2006-01-02 15:04:05Z"), m.Engine, m.SchemaVersion)
	return nil
}
