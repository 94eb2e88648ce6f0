package app

import (
	"context"
	"fmt"

	"github.com/silkgate/silkgate/internal/settlement/fx"
)

// importFX loads an ECB eurofxref file; a file that does not parse
// changes nothing and its error names the line.
func (e cliEnv) importFX(ctx context.Context, args []string) error {
	fs := commandFlags("import fx", &e.cfg, e.stderr)
	file := fs.String("file", "", "an ECB eurofxref file: daily or historical, XML (eurofxref-daily.xml, eurofxref-hist*.xml) or CSV (eurofxref.csv, eurofxref-hist.csv)")
	asJSON := fs.Bool("json", false, "print the counts as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return usageError{"import fx needs --file"}
	}
	return act(ctx, e, *asJSON, func(ctx context.Context, a *App) (fx.ImportResult, error) {
		return a.FX.ImportFile(ctx, *file)
	}, func(r fx.ImportResult) string {
		return fmt.Sprintf("%s %s: %d rates for %d currencies on %d days (%s … %s), %d new or changed\n  sha256 %s\n",
			r.Source, r.Format, r.Rates, r.Quotes, r.Days, r.First, r.Last, r.Written, r.SHA256)
	})
}
