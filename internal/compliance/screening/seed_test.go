package screening

import (
	"github.com/silkgate/silkgate/internal/compliance/sanctions"
	"github.com/silkgate/silkgate/internal/compliance/sanctions/seed"
)

// loadSeed reads every embedded list snapshot (package seed).
func loadSeed() ([]sanctions.Entry, error) {
	_, lists, err := seed.LoadAll()
	if err != nil {
		return nil, err
	}
	var all []sanctions.Entry
	for _, es := range lists {
		all = append(all, es...)
	}
	return all, nil
}
