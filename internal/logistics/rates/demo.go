package rates

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
)

// sampleServices are illustrative rate cards for the demo: an express, a
// postal, a line-haul + last-mile and a sea LCL service out of China.
// Their names and notes say they are sample data; the prices are written
// for this project in the shape of published tariffs, not copied.
//
//go:embed data/sample_services.json
var sampleServices []byte

// SampleServices returns the demo rate cards.
func SampleServices() ([]CarrierService, error) {
	var cs []CarrierService
	if err := json.Unmarshal(sampleServices, &cs); err != nil {
		return nil, fmt.Errorf("rates: sample services: %w", err)
	}
	return cs, nil
}

// SeedSamples publishes the sample services as shared services, each
// once: a carrier and name already published is left as it is, so an
// operator's edits survive a restart with --demo. It returns how many it
// added.
func (s *Service) SeedSamples(ctx context.Context) (int, error) {
	cs, err := SampleServices()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range cs {
		var exists int
		if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM logistics_services
			WHERE tenant_id = '' AND carrier = $1 AND name = $2`, c.Carrier, c.Name).Scan(&exists); err != nil {
			return n, err
		}
		if exists > 0 {
			continue
		}
		if _, err := s.CreateShared(ctx, c); err != nil {
			return n, fmt.Errorf("rates: seed %s %s: %w", c.Carrier, c.Name, err)
		}
		n++
	}
	return n, nil
}
