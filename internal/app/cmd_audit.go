package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/keyring"
)

// errAuditBroken makes `audit verify` exit non-zero after printing the
// first bad record.
var errAuditBroken = errors.New("audit trail is NOT intact")

func (e cliEnv) auditVerify(ctx context.Context, args []string) error {
	fs := commandFlags("audit verify", &e.cfg, e.stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := e.open(ctx, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := a.Audit.Verify(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := e.printJSON(rep); err != nil {
			return err
		}
	} else if rep.OK {
		fmt.Fprintf(e.stdout, "audit trail intact: %d records in %d chains, %d signed checkpoints\n", rep.Records, rep.Chains, rep.Checkpoints)
	} else {
		fmt.Fprintf(e.stdout, "audit trail BROKEN: first bad record: chain %s seq %d: %s (%s)\n", rep.Chain, rep.Seq, rep.Code, rep.Reason)
		for _, f := range rep.Broken[1:] {
			fmt.Fprintf(e.stdout, "  also: %s\n", f)
		}
	}
	if !rep.OK {
		return errAuditBroken
	}
	return nil
}

func (e cliEnv) auditPurge(ctx context.Context, args []string) error {
	fs := commandFlags("audit purge", &e.cfg, e.stderr)
	before := fs.String("before", "", "remove records older than this date (YYYY-MM-DD); at least 180 days ago")
	if err := parse(fs, args); err != nil {
		return err
	}
	t, err := time.Parse("2006-01-02", *before)
	if err != nil {
		return usageError{"audit purge needs --before YYYY-MM-DD"}
	}
	return act(ctx, e, false, func(ctx context.Context, a *App) (int64, error) {
		return a.Audit.Purge(ctx, t)
	}, func(n int64) string {
		return fmt.Sprintf("%d audit records older than %s removed; a signed purge anchor keeps the chains verifiable\n", n, *before)
	})
}

func (e cliEnv) keysRotate(ctx context.Context, args []string) error {
	fs := commandFlags("keys rotate", &e.cfg, e.stderr)
	var o keyring.RotateOptions
	fs.StringVar(&o.Tenant, "tenant", "", "rotate this tenant's data key")
	fs.BoolVar(&o.All, "all", false, "rotate every tenant's data key")
	fs.BoolVar(&o.KEK, "kek", false, "rotate the key-encryption key and re-wrap every data key")
	fs.BoolVar(&o.Rewrap, "rewrap", false, "re-wrap every data key with the current key-encryption key")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	// Checked before the store is opened: nothing to do is a usage error.
	if !o.KEK && !o.Rewrap && !o.All && o.Tenant == "" {
		return usageError{"keys rotate needs --tenant ID, --all, --kek or --rewrap"}
	}
	return act(ctx, e, *asJSON, func(ctx context.Context, a *App) (keyring.RotateReport, error) {
		rep, err := a.Keys.Rotate(ctx, o)
		if err != nil {
			return rep, err
		}
		// Key changes are security events: recorded like any other write.
		return rep, a.DB.InTx(ctx, func(ctx context.Context) error {
			return a.Audit.Record(ctx, audit.Event{Action: "keys.rotate", Resource: "keyring", Outcome: "success", Change: rep})
		})
	}, func(rep keyring.RotateReport) string {
		var b strings.Builder
		if rep.KEKRotated {
			fmt.Fprintf(&b, "key-encryption key rotated (primary %d)\n", rep.KEKKeyID)
		}
		if rep.Rewrapped > 0 {
			fmt.Fprintf(&b, "%d data keys re-wrapped\n", rep.Rewrapped)
		}
		for _, t := range rep.Tenants {
			fmt.Fprintf(&b, "data key of %s rotated (new primary %d)\n", t.Tenant, t.KeyID)
		}
		return b.String()
	})
}
