package sanctions_test

import (
	"context"
	"testing"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/compliance/sanctions"
	"github.com/silkgate/silkgate/internal/compliance/sanctions/seed"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
)

// BenchmarkStream parses each embedded full snapshot.
//
//	go test -run '^$' -bench Stream ./internal/compliance/sanctions/
func BenchmarkStream(b *testing.B) {
	for _, s := range seed.Snapshots {
		b.Run(sanctions.ListOf(s.Format), func(b *testing.B) {
			for b.Loop() {
				if _, err := seed.Stream(s, func(sanctions.Entry) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkImport stores each full snapshot as a new version (replacing
// the previous one) on SQLite, and on PostgreSQL when configured.
//
//	go test -run '^$' -bench Import -benchtime 3x ./internal/compliance/sanctions/
func BenchmarkImport(b *testing.B) {
	for _, e := range dbtest.Engines(b) {
		d := dbtest.Open(b, e)
		s := sanctions.New(d, nopRecorder{}, sanctions.Config{})
		for _, src := range seed.Sources() {
			b.Run(string(e)+"/"+src.Name, func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					// Drop the version in force so each round stores anew.
					if _, err := d.Writer().Exec(`UPDATE sanctions_versions SET sha256 = 'x' WHERE status = 'in_force'`); err != nil {
						b.Fatal(err)
					}
					if _, err := s.Import(context.Background(), src.FS, src.Path, src.Options); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

type nopRecorder struct{}

func (nopRecorder) Record(context.Context, audit.Event) error { return nil }
