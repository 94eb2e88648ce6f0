package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/silkgate/silkgate/internal/compliance/sanctions"
)

// importSanctions loads one denied-party list file; the version it
// replaces stays in force when the file does not parse.
func (e cliEnv) importSanctions(ctx context.Context, args []string) error {
	fs := commandFlags("import sanctions", &e.cfg, e.stderr)
	file := fs.String("file", "", "the list file (OFAC sdn.csv or cons_prim.csv with their companions beside it, CSL CSV, UN XML, EU or UK XML/CSV/JSON Lines; .gz accepted)")
	format := fs.String("format", "", "the file's format, detected when absent: "+strings.Join(sanctions.Formats, ", "))
	asJSON := fs.Bool("json", false, "print the version and counts as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return usageError{"import sanctions needs --file"}
	}
	if *format != "" && !slices.Contains(sanctions.Formats, *format) {
		return usageError{fmt.Sprintf("--format must be one of %s", strings.Join(sanctions.Formats, ", "))}
	}
	return act(ctx, e, *asJSON, func(ctx context.Context, a *App) (sanctions.ImportResult, error) {
		return a.Sanctions.ImportFile(ctx, *file, sanctions.ImportOptions{Format: *format})
	}, func(r sanctions.ImportResult) string {
		v := r.Version
		var counts []string
		for _, t := range []string{sanctions.Person, sanctions.Entity, sanctions.Vessel, sanctions.Aircraft} {
			if n := r.Counts[t]; n > 0 {
				counts = append(counts, fmt.Sprintf("%d %s", n, t))
			}
		}
		state := "now in force"
		if r.Unchanged {
			state = "unchanged (already in force)"
		}
		return fmt.Sprintf("%s version %s: %d entries (%s), %s\n  sha256 %s\n", v.List, v.Version, v.Entries,
			strings.Join(counts, ", "), state, v.SHA256)
	})
}
