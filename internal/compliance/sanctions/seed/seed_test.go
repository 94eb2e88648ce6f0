package seed

import (
	"testing"

	"github.com/silkgate/silkgate/internal/compliance/sanctions"
)

func TestLoadAll(t *testing.T) {
	versions, entries, err := LoadAll()
	if err != nil {
		t.Fatal(err)
	}
	// Counts from the publishers' files (see README.md).
	want := map[string]int{
		sanctions.ListOFACSDN:  14965,
		sanctions.ListOFACCons: 442,
		sanctions.ListCSL:      14160,
		sanctions.ListUN:       1003,
		sanctions.ListEU:       5860,
		sanctions.ListUK:       6349,
	}
	for i, v := range versions {
		if v.Entries != want[v.List] || len(entries[i]) != v.Entries {
			t.Errorf("%s: %d entries (%d loaded), want %d", v.List, v.Entries, len(entries[i]), want[v.List])
		}
		if v.PublishedAt.IsZero() || v.Version == "" || len(v.SHA256) != 64 {
			t.Errorf("%s: incomplete version %+v", v.List, v)
		}
	}
}

func BenchmarkLoadAll(b *testing.B) {
	for b.Loop() {
		if _, _, err := LoadAll(); err != nil {
			b.Fatal(err)
		}
	}
}
