package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strings"

	"github.com/silkgate/silkgate/internal/compliance/rules"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/i18n"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/tenancy"
)

const usage = `Silkgate — the cross-border e-commerce service platform.

Usage: silkgate [--data DIR] [--db DSN] COMMAND [flags]

Commands:
  serve [--addr HOST:PORT] [--demo]    run the console and API
  migrate                              apply database migrations and exit
  tenant create --name N [--region cn|eu|us|sg] [--plan saas|enterprise] [--json]
  tenant limits --tenant ID --rps N --burst M
  user create (--tenant ID | --platform) --email E --role R --password-stdin [--json]
  apikey create --tenant ID --role R [--sandbox] [--name N] [--json]
  backup --to FILE                     consistent online backup
  restore --from FILE                  restore into an empty data folder / database
  audit verify                         check the audit trail's hash chains and checkpoints
  audit purge --before YYYY-MM-DD      remove audit records past retention (never younger than 180 days)
  keys rotate [--tenant ID | --all] [--kek]   rotate data keys or the key-encryption key
  import regulations --file F [--publish] [--json]   load regulation rules (docs/REGULATIONS.md)
  import sanctions --file F [--format F] [--json]    load a denied-party list (docs/OPERATIONS.md)
  import fx --file F [--json]          load ECB reference exchange rates, daily or history, XML or CSV
  version                              print version, commit and Go version

Global flags (also after the command): --data DIR (SILKGATE_DATA, default ./silkgate-data),
--db DSN (SILKGATE_DB, default embedded SQLite; postgres://… selects PostgreSQL).
`

// Run executes the command line args.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	var cfg Config
	words, rest, err := splitGlobal(args, &cfg, getenv, stderr)
	if err != nil {
		return err
	}
	cmd := strings.Join(words, " ")
	env := cliEnv{cfg: cfg, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	switch cmd {
	case "", "help", "-h", "--help":
		_, _ = io.WriteString(stdout, usage)
		if cmd == "" {
			return usageError{"no command given"}
		}
		return nil
	case "version":
		fmt.Fprintf(stdout, "silkgate %s (commit %s, %s)\n", Version, Commit, runtime.Version())
		return nil
	case "serve":
		return env.serve(ctx, rest)
	case "migrate":
		return env.migrate(ctx, rest)
	case "tenant create":
		return env.tenantCreate(ctx, rest)
	case "tenant limits":
		return env.tenantLimits(ctx, rest)
	case "user create":
		return env.userCreate(ctx, rest)
	case "apikey create":
		return env.apikeyCreate(ctx, rest)
	case "backup":
		return env.backup(ctx, rest)
	case "restore":
		return env.restore(ctx, rest)
	case "audit verify":
		return env.auditVerify(ctx, rest)
	case "audit purge":
		return env.auditPurge(ctx, rest)
	case "keys rotate":
		return env.keysRotate(ctx, rest)
	case "import regulations":
		return env.importRegulations(ctx, rest)
	case "import sanctions":
		return env.importSanctions(ctx, rest)
	case "import fx":
		return env.importFX(ctx, rest)
	}
	return usageError{fmt.Sprintf("unknown command %q; run `silkgate help`", cmd)}
}

// cliEnv carries what every command needs.
type cliEnv struct {
	cfg    Config
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

func (e cliEnv) open(ctx context.Context, log *slog.Logger) (*App, error) {
	return Open(ctx, e.cfg, Options{Log: log, Getenv: e.getenv})
}

// printJSON writes exactly one JSON object on stdout.
func (e cliEnv) printJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// explain renders a problem for the terminal in English, naming fields.
func explain(err error) error {
	pe, ok := problem.As(err)
	if !ok {
		return err
	}
	c, cerr := i18n.Load()
	if cerr != nil {
		return err
	}
	doc := web.Localize(c, "en", pe, "")
	msg := doc.Detail
	for _, f := range doc.Errors {
		name := "--" + strings.ReplaceAll(f.Field, "_", "-")
		if f.Field == "" {
			name = "input"
		}
		msg += fmt.Sprintf("\n  %s: %s", name, f.Message)
	}
	return fmt.Errorf("%s", msg)
}

func (e cliEnv) migrate(ctx context.Context, args []string) error {
	fs := commandFlags("migrate", &e.cfg, e.stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := e.open(ctx, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := a.DB.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "schema at version %d (%s)\n", v, a.DB.Engine())
	return nil
}

func (e cliEnv) tenantCreate(ctx context.Context, args []string) error {
	fs := commandFlags("tenant create", &e.cfg, e.stderr)
	var n tenancy.NewTenant
	fs.StringVar(&n.Name, "name", "", "tenant name")
	fs.StringVar(&n.Region, "region", "cn", "data region: cn, eu, us or sg")
	fs.StringVar(&n.Plan, "plan", "saas", "plan: saas or enterprise")
	asJSON := fs.Bool("json", false, "print the tenant as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	return act(ctx, e, *asJSON, func(ctx context.Context, a *App) (tenancy.Tenant, error) {
		return a.Tenants.Create(ctx, n)
	}, func(t tenancy.Tenant) string {
		return fmt.Sprintf("tenant %s created (%s, region %s, plan %s)\n", t.ID, t.Name, t.Region, t.Plan)
	})
}

func (e cliEnv) tenantLimits(ctx context.Context, args []string) error {
	fs := commandFlags("tenant limits", &e.cfg, e.stderr)
	id := fs.String("tenant", "", "tenant id")
	var l tenancy.Limit
	fs.Float64Var(&l.RPS, "rps", -1, "requests per second per API key; 0 lifts the limit")
	fs.IntVar(&l.Burst, "burst", 0, "burst size")
	asJSON := fs.Bool("json", false, "print the tenant as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" || l.RPS < 0 {
		return usageError{"tenant limits needs --tenant and --rps"}
	}
	return act(ctx, e, *asJSON, func(ctx context.Context, a *App) (tenancy.Tenant, error) {
		return a.Tenants.SetLimit(ctx, *id, l)
	}, func(t tenancy.Tenant) string {
		return fmt.Sprintf("tenant %s: %g requests/s, burst %d\n", t.ID, t.Limit.RPS, t.Limit.Burst)
	})
}

func (e cliEnv) userCreate(ctx context.Context, args []string) error {
	fs := commandFlags("user create", &e.cfg, e.stderr)
	var n identity.NewUser
	fs.StringVar(&n.TenantID, "tenant", "", "tenant id (tenant users)")
	platform := fs.Bool("platform", false, "create a platform (operator staff) user")
	fs.StringVar(&n.Email, "email", "", "e-mail address (the sign-in name)")
	role := fs.String("role", "", "role")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	asJSON := fs.Bool("json", false, "print the user as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *platform == (n.TenantID != "") {
		return usageError{"user create needs exactly one of --tenant ID or --platform"}
	}
	if !*pwStdin {
		return usageError{"user create needs --password-stdin (passwords are never taken as arguments)"}
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("read password from stdin: %w", err)
	}
	n.Password = strings.TrimRight(line, "\r\n")
	n.Role = identity.Role(*role)
	return act(ctx, e, *asJSON, func(ctx context.Context, a *App) (identity.CreatedUser, error) {
		return a.Identity.CreateUser(ctx, n)
	}, func(u identity.CreatedUser) string {
		s := fmt.Sprintf("user %s created (%s, role %s)\n", u.ID, u.Email, u.Role)
		if u.TOTPSecret != "" {
			s += fmt.Sprintf("second factor required: add this secret to an authenticator app: %s\n%s\n", u.TOTPSecret, u.TOTPURL)
		}
		return s
	})
}

func (e cliEnv) apikeyCreate(ctx context.Context, args []string) error {
	fs := commandFlags("apikey create", &e.cfg, e.stderr)
	var n identity.NewAPIKey
	fs.StringVar(&n.TenantID, "tenant", "", "tenant id")
	role := fs.String("role", "", "role the key acts with")
	fs.BoolVar(&n.Sandbox, "sandbox", false, "issue a sandbox (sk_test_) key")
	fs.StringVar(&n.Name, "name", "", "a name to recognise the key by")
	asJSON := fs.Bool("json", false, "print the key as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if n.TenantID == "" {
		return usageError{"apikey create needs --tenant"}
	}
	n.Role = identity.Role(*role)
	return act(ctx, e, *asJSON, func(ctx context.Context, a *App) (identity.CreatedAPIKey, error) {
		return a.Identity.CreateAPIKey(ctx, n)
	}, func(k identity.CreatedAPIKey) string {
		return fmt.Sprintf("key %s (%s)\n  key:            %s\n  signing secret: %s\nBoth are shown only now.\n", k.ID, k.Role, k.Key, k.SigningSecret)
	})
}

// act opens the platform, runs fn as the system actor and prints its
// result: one JSON object with --json, otherwise text's sentence. Domain
// problems are explained in terms of the command's flags.
func act[T any](ctx context.Context, e cliEnv, asJSON bool, fn func(context.Context, *App) (T, error), text func(T) string) error {
	a, err := e.open(ctx, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := fn(systemCtx(ctx), a)
	if err != nil {
		return explain(err)
	}
	if asJSON {
		return e.printJSON(v)
	}
	_, err = io.WriteString(e.stdout, text(v))
	return err
}

func unavailable(reason string) error {
	return &problem.Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Params: []any{"reason", reason}}
}

func (e cliEnv) importRegulations(ctx context.Context, args []string) error {
	fs := commandFlags("import regulations", &e.cfg, e.stderr)
	file := fs.String("file", "", "YAML file of rules (format: docs/REGULATIONS.md)")
	publish := fs.Bool("publish", false, "publish new and changed rules at once, as the system, instead of leaving drafts")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return usageError{"import regulations needs --file"}
	}
	return act(ctx, e, *asJSON, func(ctx context.Context, a *App) (rules.ImportReport, error) {
		f, err := os.Open(*file)
		if err != nil {
			return rules.ImportReport{}, err
		}
		defer f.Close()
		return a.Rules.Import(ctx, f, rules.ImportOptions{Publish: *publish})
	}, func(r rules.ImportReport) string {
		return fmt.Sprintf("%d rules: %d new, %d changed, %d unchanged, %d published\n",
			r.Rules, len(r.Created), len(r.Updated), r.Unchanged, len(r.Published))
	})
}
