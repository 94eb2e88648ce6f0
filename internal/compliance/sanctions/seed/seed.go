// Package seed embeds snapshots of the public denied-party lists so that
// the demo, the screening benchmarks and the matching evaluation have real
// data without a download. The snapshots are old (see README.md): they
// are never a substitute for the current lists in production.
package seed

import (
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/silkgate/silkgate/internal/compliance/sanctions"
)

//go:embed data
var data embed.FS

// Snapshot is one embedded list file.
type Snapshot struct {
	// Path is the primary file inside FS(); OFAC companions sit beside it.
	Path   string
	Format string
	// Published is the publisher's date of the snapshot where the file
	// does not carry one (embedded files have no modification time).
	Published time.Time
}

// Snapshots are the embedded lists, one per list key.
var Snapshots = []Snapshot{
	{"data/ofac_sdn/sdn.csv.gz", sanctions.FormatOFACSDN, day(2024, 5, 3)},
	{"data/ofac_cons/cons_prim.csv.gz", sanctions.FormatOFACCons, day(2025, 12, 1)},
	{"data/csl/consolidated.csv.gz", sanctions.FormatCSL, day(2022, 5, 6)},
	{"data/un/UN_consolidated.xml.gz", sanctions.FormatUN, time.Time{}}, // dateGenerated inside
	{"data/eu/eu_fsf_entities.jsonl.gz", sanctions.FormatEUJSONL, day(2026, 5, 1)},
	{"data/uk/uk_sanctions_list_entities.jsonl.gz", sanctions.FormatUKJSONL, day(2026, 8, 22)},
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// FS is the embedded folder, for callers that stream a snapshot
// themselves (sanctions.Stream).
func FS() fs.FS { return data }

// Stream parses one snapshot, calling fn for each entry.
func Stream(s Snapshot, fn func(sanctions.Entry) error) (sanctions.Version, error) {
	v, err := sanctions.Stream(data, s.Path, s.Format, fn)
	if err != nil {
		return sanctions.Version{}, fmt.Errorf("seed: %s: %w", s.Path, err)
	}
	if !s.Published.IsZero() {
		v.PublishedAt = s.Published
		v.Version = s.Published.Format(time.RFC3339)
	}
	return v, nil
}

// LoadAll parses every snapshot into memory: versions[i] describes
// entries[i]. It takes seconds and holds every entry (about 43,000) at
// once; callers that only need one list should use Stream.
func LoadAll() ([]sanctions.Version, [][]sanctions.Entry, error) {
	versions := make([]sanctions.Version, 0, len(Snapshots))
	entries := make([][]sanctions.Entry, 0, len(Snapshots))
	for _, s := range Snapshots {
		var es []sanctions.Entry
		v, err := Stream(s, func(e sanctions.Entry) error {
			es = append(es, e)
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		versions = append(versions, v)
		entries = append(entries, es)
	}
	return versions, entries, nil
}

// Sources are the snapshots as import sources for the list service's
// background jobs, named "seed/<list>".
func Sources() []sanctions.Source {
	out := make([]sanctions.Source, 0, len(Snapshots))
	for _, s := range Snapshots {
		out = append(out, sanctions.Source{Name: "seed/" + sanctions.ListOf(s.Format), FS: data, Path: s.Path,
			Options: sanctions.ImportOptions{Format: s.Format, Published: s.Published}})
	}
	return out
}
