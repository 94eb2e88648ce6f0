package fx

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/money"
)

// Run with: go test ./internal/settlement/fx/ -run '^$' -bench . -benchtime 2s
// (add SILKGATE_TEST_POSTGRES for the PostgreSQL numbers).

func BenchmarkParseHist90d(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "eurofxref-hist-90d.xml"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(data), func(Record) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkImportHist90d(b *testing.B) {
	for _, e := range dbtest.Engines(b) {
		b.Run(string(e), func(b *testing.B) {
			s := New(dbtest.Open(b, e), &recorder{}, Config{})
			for b.Loop() {
				if _, err := s.ImportFile(context.Background(), filepath.Join("testdata", "eurofxref-hist-90d.xml")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkConvertCross(b *testing.B) {
	for _, e := range dbtest.Engines(b) {
		b.Run(string(e), func(b *testing.B) {
			s := New(dbtest.Open(b, e), &recorder{}, Config{})
			if _, err := s.ImportFile(context.Background(), filepath.Join("testdata", "eurofxref-hist-90d.xml")); err != nil {
				b.Fatal(err)
			}
			c, m := s.Converter(), money.Money{Amount: "1234.56", Currency: "USD"}
			for b.Loop() {
				if _, _, err := c.Convert(context.Background(), m, "CNY", day("2017-02-15")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
