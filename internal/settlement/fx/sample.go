package fx

import (
	"bytes"
	"context"
	"embed"
	"fmt"
)

//go:embed sample/*.xml sample/*.csv
var samples embed.FS

// SampleFiles are the embedded ECB files SeedSamples imports, oldest
// first.
var SampleFiles = []string{"eurofxref-hist-90d.xml", "eurofxref-daily.xml", "eurofxref.csv"}

// SeedSamples imports the embedded ECB sample files, for the demo. It is
// idempotent like every import: a second run writes nothing.
func (s *Service) SeedSamples(ctx context.Context) ([]ImportResult, error) {
	var out []ImportResult
	for _, name := range SampleFiles {
		data, err := samples.ReadFile("sample/" + name)
		if err != nil {
			return nil, fmt.Errorf("fx: sample %s: %w", name, err)
		}
		res, err := s.Import(ctx, bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("fx: sample %s: %w", name, err)
		}
		out = append(out, res)
	}
	return out, nil
}
