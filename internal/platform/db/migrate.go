package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrations embed.FS

// Migration is one versioned, forward-only schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the engine's migrations in order.
func Migrations(e Engine) ([]Migration, error) {
	dir := path.Join("migrations", string(e))
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("db: read migrations: %w", err)
	}
	var out []Migration
	for _, ent := range entries {
		name := ent.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("db: migration %s: name must start with NNNN_", name)
		}
		body, err := fs.ReadFile(migrations, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("db: migration %s: expected version %d", m.Name, i+1)
		}
	}
	return out, nil
}

// Migrate applies every pending migration, each in its own transaction
// together with the bump of the version row, so a crash leaves the schema at
// a known version.
func (d *DB) Migrate(ctx context.Context) error {
	ms, err := Migrations(d.engine)
	if err != nil {
		return err
	}
	if _, err := d.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("db: create schema_migrations: %w", err)
	}
	if d.engine == Postgres {
		// Two nodes starting at once must not both migrate. The advisory
		// lock belongs to a database session, so it is taken and released
		// on one dedicated connection, never on whichever the pool hands out.
		conn, err := d.write.Conn(ctx)
		if err != nil {
			return fmt.Errorf("db: migration lock: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(73110001)`); err != nil {
			return fmt.Errorf("db: migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(73110001)`)
	}
	cur, err := d.Version(ctx)
	if err != nil {
		return err
	}
	if cur > len(ms) {
		// A node of an older release must not write to a schema it does
		// not know.
		return fmt.Errorf("db: schema version %d is newer than this binary (%d): upgrade silkgate", cur, len(ms))
	}
	for _, m := range ms {
		if m.Version <= cur {
			continue
		}
		err := d.InTx(ctx, func(ctx context.Context) error {
			q := d.Q(ctx)
			if _, err := q.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := q.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, time.Now().UTC().Format(time.RFC3339))
			return err
		})
		if err != nil {
			return fmt.Errorf("db: migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// Version is the highest applied migration, 0 for an empty store.
func (d *DB) Version(ctx context.Context) (int, error) {
	var v int
	err := d.write.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("db: read schema version: %w", err)
	}
	return v, nil
}

// CheckCurrent refuses a schema that is behind or ahead of this binary.
func (d *DB) CheckCurrent(ctx context.Context) error {
	ms, err := Migrations(d.engine)
	if err != nil {
		return err
	}
	v, err := d.Version(ctx)
	if err != nil {
		return err
	}
	if v != len(ms) {
		return fmt.Errorf("db: schema version %d, this binary needs %d: run `silkgate migrate`", v, len(ms))
	}
	return nil
}
