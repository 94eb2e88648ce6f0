// Package app is the one wiring package: it reads the command line, opens
// and migrates the store, builds stores → services → handlers, mounts the
// routes, runs background work and shuts everything down in order.
package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/compliance/alerts"
	"github.com/silkgate/silkgate/internal/compliance/checks"
	"github.com/silkgate/silkgate/internal/compliance/hs"
	"github.com/silkgate/silkgate/internal/compliance/rules"
	"github.com/silkgate/silkgate/internal/compliance/sanctions"
	"github.com/silkgate/silkgate/internal/compliance/sanctions/seed"
	"github.com/silkgate/silkgate/internal/compliance/screening"
	"github.com/silkgate/silkgate/internal/connectors/carrier/sandboxcarrier"
	"github.com/silkgate/silkgate/internal/connectors/payment/sandboxpay"
	"github.com/silkgate/silkgate/internal/connectors/warehouse/sandboxwarehouse"
	"github.com/silkgate/silkgate/internal/console"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/gateway"
	"github.com/silkgate/silkgate/internal/gateway/ediapi"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/keyring"
	"github.com/silkgate/silkgate/internal/logistics/claims"
	"github.com/silkgate/silkgate/internal/logistics/rates"
	"github.com/silkgate/silkgate/internal/logistics/returns"
	"github.com/silkgate/silkgate/internal/logistics/shipments"
	"github.com/silkgate/silkgate/internal/logistics/warehouses"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/i18n"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/logscrub"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/sandbox"
	"github.com/silkgate/silkgate/internal/settlement/credit"
	"github.com/silkgate/silkgate/internal/settlement/fx"
	"github.com/silkgate/silkgate/internal/settlement/insurance"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
	"github.com/silkgate/silkgate/internal/settlement/payouts"
	"github.com/silkgate/silkgate/internal/settlement/wallet"
	"github.com/silkgate/silkgate/internal/sso"
	"github.com/silkgate/silkgate/internal/tenancy"
	"github.com/silkgate/silkgate/internal/vault"
	"github.com/silkgate/silkgate/internal/webhooks"
)

// Version data, set at build time with -ldflags "-X …".
var (
	Version = "dev"
	Commit  = "none"
)

// Options tune Open for tests and benchmarks.
type Options struct {
	Log    *slog.Logger
	Argon2 identity.Argon2Params
	Getenv func(string) string
}

// App is a built platform: the store, every service and the HTTP handler.
type App struct {
	Cfg      Config
	DB       *db.DB
	Log      *slog.Logger
	Catalog  *i18n.Catalog
	Keys     *keyring.Keyring
	Audit    *audit.Log
	Tenants  *tenancy.Service
	Identity *identity.Service
	SSO      *sso.Service
	Gateway  *gateway.Gateway
	Products *catalog.Service
	Rules    *rules.Service
	// Checks runs compliance checks of products and order lines.
	Checks *checks.Service
	// Alerts tells subscribed tenants of rule changes and notices.
	Alerts *alerts.Service

	// Sanctions holds the denied-party lists in force (imports, freshness).
	Sanctions *sanctions.Service
	// Screening matches names against those lists and keeps review cases.
	Screening *screening.Service
	// FX holds reference exchange rates (`import fx`) and quotes.
	FX *fx.Service
	// Wallet is each tenant's balances by currency and its conversions
	// at locked FX quotes, booked in the ledger.
	Wallet *wallet.Service
	// Payouts are the settlement flows: proceeds, payout batches over the
	// rails (clause 6.1.2's extension interface), statements and
	// reconciliation (clause 6.3.2).
	Payouts *payouts.Service

	// Shipments buys labels and keeps tracking; its delivered shipments
	// feed rate comparison's quality (clause 6.3.3).
	Shipments *shipments.Service

	EDI    *ediapi.Service
	Orders *orders.Service
	Rates  *rates.Service // carrier rate cards and offers (clause 6.3.3.1)
	// Warehouses keeps overseas warehouses, their stock and documents (clause 6.3.3.2).
	Warehouses *warehouses.Service
	// Returns are RMAs and reverse logistics (clause 6.3.3.3).
	Returns *returns.Service
	// Claims are carrier claims for shipments (loss, damage, delay,
	// shortage); upheld ones count in rate comparison's quality.
	Claims *claims.Service

	Jobs     *jobs.Queue
	Events   *events.Outbox
	Webhooks *webhooks.Service
	Sandbox  *sandbox.Service
	Ledger   *ledger.Service // the settlement module's double-entry ledger
	// Vault is the card vault (clause 6.3.2.2, PCI DSS).
	Vault   *vault.Service
	Router  *web.Router
	Metrics *prometheus.Registry
	Handler http.Handler
	// DrainDelay is how long Serve keeps answering, with /readyz at 503,
	// after being told to stop.
	DrainDelay time.Duration

	// Insurance quotes, binds and certifies cargo cover; Credit keeps
	// buyer limits, guarantees and exposure (clause 6.3.2.3).
	Insurance *insurance.Service
	Credit    *credit.Service

	ready func() bool
}

// Open builds the platform on cfg's store, migrating it first.
func Open(ctx context.Context, cfg Config, o Options) (*App, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	// Whatever any module logs, a card number never reaches the log (PCI
	// DSS 3.4.1, 10.3).
	o.Log = slog.New(logscrub.New(o.Log.Handler()))
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	a := &App{Cfg: cfg, Log: o.Log}
	var err error
	if a.DB, err = db.Open(ctx, cfg.DataDir, cfg.DSN); err != nil {
		return nil, err
	}
	fail := func(err error) (*App, error) {
		a.DB.Close()
		return nil, err
	}
	if err := a.DB.Migrate(ctx); err != nil {
		return fail(err)
	}
	if err := jobs.Migrate(ctx, a.DB, o.Log); err != nil {
		return fail(err)
	}
	if a.Catalog, err = i18n.Load(); err != nil {
		return fail(err)
	}
	if a.Keys, err = keyring.Open(ctx, a.DB, cfg.DataDir, o.Getenv); err != nil {
		return fail(fmt.Errorf("keyring: %w", err))
	}
	if err := checkAuditKey(ctx, a.DB, cfg.DataDir, o.Getenv); err != nil {
		return fail(err)
	}
	signer, _, err := audit.LoadOrCreateSigner(cfg.DataDir, o.Getenv)
	if err != nil {
		return fail(fmt.Errorf("audit signer: %w", err))
	}
	a.Audit = audit.New(a.DB, signer, o.Log)
	// On PostgreSQL a tenant's writes commit in parallel over several
	// chains instead of queueing for one chain head.
	a.Audit.SpreadLanes(audit.Lanes)
	// Every checkpoint is also appended to a file outside the database, to
	// be shipped off-host: a chain recomputed by someone with database
	// access, checkpoints included, still disagrees with that copy.
	a.Audit.CheckpointFile = filepath.Join(cfg.DataDir, audit.CheckpointLogFile)
	pepper, err := loadOrCreateSecret(cfg.DataDir, "apikey-pepper.key", "SILKGATE_APIKEY_PEPPER", o.Getenv,
		hasRows(ctx, a.DB, `SELECT COUNT(*) FROM api_keys`))
	if err != nil {
		return fail(err)
	}
	a.Tenants = tenancy.New(a.DB, a.Audit)
	a.Identity, err = identity.New(a.DB, a.Keys, a.Audit, a.Tenants, identity.Config{Pepper: pepper, Argon2: o.Argon2, Log: o.Log})
	if err != nil {
		return fail(err)
	}
	// Console sign-in federated to each tenant's own identity provider, and
	// Silkgate as an OpenID provider for partner applications.
	a.SSO, err = sso.New(a.DB, a.Identity, a.Keys, a.Audit, sso.Config{PublicURL: o.Getenv("SILKGATE_PUBLIC_URL"),
		DataDir: cfg.DataDir, SigningKeyPEM: o.Getenv("SILKGATE_OIDC_SIGNING_KEY"), Log: o.Log})
	if err != nil {
		return fail(err)
	}
	a.Orders = orders.New(a.DB, a.Audit, o.Log)
	a.Rates = rates.New(a.DB, a.Audit, nil)
	// Background work runs on the durable job queue; events reach webhooks
	// through the transactional outbox.
	a.Jobs, err = jobs.New(a.DB, jobs.Config{Log: o.Log, Queues: map[string]int{webhooks.Queue: 8},
		Decorate: func(ctx context.Context, kind string, id int64) context.Context {
			ctx = audit.WithActor(ctx, audit.Actor{ID: "system", Type: "system"})
			return web.WithRequestID(ctx, fmt.Sprintf("job_%s_%d", kind, id))
		}})
	if err != nil {
		return fail(err)
	}
	a.Events = events.New(a.DB, a.Jobs, events.Config{Log: o.Log})
	a.Orders.UsePublisher(a.Events)
	// Overseas warehouses: stock alerts go out through the outbox; the
	// simulated operator answers warehouses whose connector is "sandbox".
	a.Warehouses = warehouses.New(a.DB, a.Audit)
	a.Warehouses.UsePublisher(a.Events)
	a.Warehouses.UseOrders(a.Orders)
	a.Warehouses.UseConnector(warehouses.ConnectorSandbox, sandboxwarehouse.New(a.DB, "silkgate-sandbox-warehouse"))
	// New outbound orders reach their operator from a job, outside the
	// request's transaction.
	a.Warehouses.UseJobs(a.Jobs)
	a.Webhooks = webhooks.New(a.DB, a.Jobs, a.Events, a.Keys, a.Audit, webhooks.Config{Log: o.Log,
		AllowPrivate: o.Getenv("SILKGATE_WEBHOOKS_ALLOW_PRIVATE") == "1"})
	// The sandbox's simulated marketplace, carrier and payment institution
	// (clause 5.3.3); its tracking timelines run as jobs.
	a.Sandbox = sandbox.New(a.DB, a.Orders, a.Jobs, a.Events, a.Audit, sandbox.Config{Log: o.Log})

	// The double-entry ledger; expired holds are voided by a job.
	a.Ledger = ledger.New(a.DB, a.Audit, o.Log)
	a.Ledger.UseJobs(a.Jobs)
	// Returns: checked against orders, refunds booked in the ledger, labels
	// bought from the simulated carrier for sandbox data only (live labels
	// are recorded by hand until a real carrier is connected). Shipments
	// and warehouse stock plug in through UseShipments and UseStock.
	a.Returns = returns.New(a.DB, a.Orders, a.Audit, o.Log)
	a.Returns.UsePublisher(a.Events)
	a.Returns.UseLabels(returns.CarrierLabels{Carrier: sandboxcarrier.New(), ReturnTo: sandbox.Sender, SandboxOnly: true})
	// Return labels are bought outside the request's transaction; a job
	// completes a purchase the carrier did not answer in time.
	a.Returns.HandleLabels(a.Jobs)
	a.Returns.UseRefunds(returns.LedgerRefunds{Ledger: a.Ledger})
	// Cargo insurance on the shipped sample tariff, and credit guarantee.
	if a.Insurance, err = insurance.New(a.DB, a.Audit, nil, o.Log); err != nil {
		return fail(err)
	}
	a.Insurance.UsePublisher(a.Events)
	a.Credit = credit.New(a.DB, a.Audit, o.Log)
	a.Credit.UsePublisher(a.Events)
	a.Credit.UseJobs(a.Jobs)
	// The card vault. Its fingerprint key lives outside the database: from
	// SILKGATE_VAULT_FINGERPRINT_KEY when a segmented vault has its own
	// secret, else derived from the API-key pepper. Live charges wait for
	// a real institution's connector; sandbox keys charge the simulated one.
	vaultFP := derivedKey(pepper, "silkgate vault pan fingerprint")
	if o.Getenv("SILKGATE_VAULT_FINGERPRINT_KEY") != "" {
		if vaultFP, err = loadOrCreateSecret(cfg.DataDir, "", "SILKGATE_VAULT_FINGERPRINT_KEY", o.Getenv, nil); err != nil {
			return fail(err)
		}
	}
	if a.Vault, err = vault.New(vault.NewSQLStore(a.DB), a.Keys, a.Audit, vault.Config{FingerprintKey: vaultFP,
		Sandbox: sandboxpay.New(), Log: o.Log}); err != nil {
		return fail(err)
	}

	a.Products = catalog.New(a.DB, a.Audit)
	// The regulation database; the shipped rule set is published once for
	// every rule id the store does not know yet (officers' edits survive).
	a.Rules = rules.New(a.DB, a.Audit, o.Log)
	if _, err := a.Rules.Seed(ctx); err != nil {
		return fail(fmt.Errorf("seed regulation rules: %w", err))
	}
	// Denied-party lists: imported by `import sanctions` or background
	// jobs (the embedded snapshots for the demo), checked hourly for
	// freshness.
	maxAge, err := sanctions.ParseMaxAge(o.Getenv("SILKGATE_SANCTIONS_MAX_AGE"))
	if err != nil {
		return fail(fmt.Errorf("SILKGATE_SANCTIONS_MAX_AGE: %w", err))
	}
	a.Sanctions = sanctions.New(a.DB, a.Audit, sanctions.Config{Log: o.Log, MaxAge: maxAge})
	a.Sanctions.UseJobs(a.Jobs, seed.Sources()...)
	// Screening rebuilds its index when a list changes, re-screens known
	// counterparties in a job, and screens order buyers and consignees.
	a.Screening = screening.New(a.DB, a.Sanctions, a.Audit, screening.Config{Log: o.Log})
	a.Screening.UsePublisher(a.Events)
	a.Screening.UseJobs(a.Jobs, a.Events)
	a.Sanctions.OnListUpdated(func(ctx context.Context, _ string, _ sanctions.Version) { a.Screening.ListsUpdated(ctx) })
	// Compliance checks against the rules in force; order lines are
	// checked on ingest from order.created.
	a.Checks = checks.New(a.DB, a.Rules, a.Products, a.Audit, checks.Config{Log: o.Log})
	a.Checks.UseOrders(a.Events, a.Jobs)
	// Product rules read an imported revision of the FCC Covered List or
	// the UFLPA Entity List once there is one, the embedded snapshot before.
	a.Checks.UseLists(checks.WithImported(a.Checks.Lists(), a.Screening))
	// Change alerts: a publication enqueues its alert job in the publishing
	// transaction (after the seed above, which alerts nobody).
	a.Alerts, err = alerts.New(a.DB, a.Products, a.Audit, alerts.Config{Log: o.Log,
		SMTPURL: o.Getenv("SILKGATE_SMTP_URL"), SMTPFrom: o.Getenv("SILKGATE_SMTP_FROM"), Lists: a.Checks.Lists()})
	if err != nil {
		return fail(err)
	}
	a.Alerts.Use(a.Jobs, a.Events, a.Rules)
	fxCfg, err := fx.ConfigFromEnv(o.Getenv)
	if err != nil {
		return fail(err)
	}
	fxCfg.Log = o.Log
	a.FX = fx.New(a.DB, a.Audit, fxCfg)
	a.Wallet = wallet.New(a.DB, a.Ledger, a.FX, a.Audit, o.Log)
	// Settlement rails: the sandbox bank (ISO 20022) and the sandbox e-CNY
	// operator bank for sandbox keys, the bank-file rail (and production
	// connectors, registered in railRegistry) for live ones.
	railReg, err := railRegistry(a.DB, o.Getenv)
	if err != nil {
		return fail(err)
	}
	a.Payouts = payouts.New(a.DB, a.Ledger, a.FX, railReg, a.Audit, a.Events, o.Log)
	// Rate comparison converts offers at the reference rates.
	a.Rates.SetFX(ratesFX{a.FX.Converter()})
	a.EDI = ediapi.New(a.DB, a.Orders, a.Audit, o.Log)
	// How long a document sent by EDI may wait for the partner's 997/CONTRL
	// before it is listed as overdue (default 24h).
	if v := o.Getenv("SILKGATE_EDI_ACK_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fail(fmt.Errorf("SILKGATE_EDI_ACK_TIMEOUT: %q is not a positive duration such as 24h", v))
		}
		a.EDI.AckTimeout = d
	}
	// Returns of EDI orders go back to partners that want them as X12 180
	// or EDIFACT RETANN: on request, and from return.updated events.
	a.EDI.UseReturns(a.Returns, a.Events)
	// Shipments and tracking: labels through the carrier registry (the
	// sandbox carrier for sandbox data and sample services), tracking from
	// the API, webhooks, files, EDI, polled connectors and the outbox; the
	// closed shipments' record feeds rate comparison.
	a.Shipments = shipments.New(a.DB, a.Orders, a.Rates,
		shipments.NewRegistry(shipments.NewSandboxCarrier(a.DB, time.Now)), a.Events, a.Audit, shipments.Config{Log: o.Log})
	a.Shipments.Use(a.Jobs, a.Events, a.EDI)
	// Labels are bought outside the request's transaction; a purchase the
	// carrier did not answer in time is completed by a job.
	a.Shipments.HandleLabels(a.Jobs)
	// Tracking status documents received by EDI are announced on the
	// outbox, which brings them into shipments without a manual import.
	a.EDI.UsePublisher(a.Events)
	a.Rates.SetQuality(a.Shipments)
	// A return names its outbound shipment; its label's scans arrive
	// through the same tracking channels as any parcel's.
	a.Returns.UseShipments(returnShipments{a.Shipments})
	a.Returns.UseStock(warehouses.ReturnStock{S: a.Warehouses})
	a.Shipments.UseReverseTracking(returnTracking{a.Returns})
	// A cargo policy is bound to a shipment (and its order) the tenant has.
	a.Insurance.UseLinks(policyLinks{a.Shipments, a.Orders})
	// Carrier claims are filed against the tenant's shipments; a paid one
	// is booked in the ledger, and upheld ones count in the quality rate
	// comparison reads.
	a.Claims = claims.New(a.DB, claims.FromShipments(a.Shipments), a.Audit, o.Log)
	a.Claims.UsePublisher(a.Events)
	a.Claims.UsePayments(claims.LedgerPayments{Ledger: a.Ledger})
	a.Rates.SetQuality(a.Shipments.WithClaims(a.Claims))

	a.Metrics = prometheus.NewRegistry()
	// Every series carries the silkgate_ prefix (CONTRACT), the runtime's too.
	prometheus.WrapRegistererWithPrefix("silkgate_", a.Metrics).MustRegister(
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// The gateway authenticates partners (signed requests, OAuth tokens,
	// allow-lists) in front of identity, and guards against bursts of failed
	// authentication.
	exempt, err := gateway.ParseExempt(o.Getenv("SILKGATE_BLOCK_EXEMPT"))
	if err != nil {
		return fail(fmt.Errorf("SILKGATE_BLOCK_EXEMPT: %w", err))
	}
	a.Gateway = gateway.New(a.DB, a.Identity, a.Audit, gateway.Config{Policy: gateway.Policy{Exempt: exempt},
		Metrics: a.Metrics, Log: o.Log})
	a.Router = web.NewRouter(a.DB, a.Gateway)
	a.Router.AfterWrite = a.auditWrite
	a.Router.Seal = a.Keys
	// Derived from the API-key pepper, so every node shares it and it lives
	// outside the database like the pepper itself.
	a.Router.FingerprintKey = derivedKey(pepper, "silkgate idempotency fingerprint")
	a.routes()
	env := &web.Env{Log: o.Log, Catalog: a.Catalog}
	// Browsers send Sec-Fetch-Site/Origin; a cross-origin form post to the
	// console is refused before any handler runs (CSRF protection).
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(web.H(func(w http.ResponseWriter, r *http.Request) error {
		return &problem.Error{Status: http.StatusForbidden, Code: "cross_origin"}
	}))
	proxies, err := web.ParseTrustedProxies(o.Getenv("SILKGATE_TRUSTED_PROXIES"))
	if err != nil {
		return nil, fmt.Errorf("SILKGATE_TRUSTED_PROXIES: %w", err)
	}
	a.Handler = web.TrustProxies(proxies, web.Pipeline(env, web.NewMetrics(a.Metrics), a.Gateway.Guard(cop.Handler(a.Router))))
	a.ready = func() bool { return true }
	return a, nil
}

// auditWrite guarantees every successful write leaves an audit record in
// its own transaction: handlers that recorded a richer event are left
// alone; any other write gets one naming the route and a digest of the
// request body (never the body itself, which may hold personal data).
func (a *App) auditWrite(ctx context.Context, r *http.Request, route web.Route) error {
	if web.Audited(ctx) {
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, web.DefaultMaxBody))
	return a.Audit.Record(ctx, audit.Event{Action: "api.write", Resource: route.Method + " " + r.URL.Path,
		Outcome: "success", Change: map[string]any{"route": route.Method + " " + route.Path, "body_sha256": sha256hex(body)}})
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Close releases the store.
func (a *App) Close() error { return a.DB.Close() }

func (a *App) routes() {
	rt := a.Router
	rt.Mount("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	}))
	rt.Mount("GET /readyz", web.H(func(w http.ResponseWriter, r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if !a.ready() {
			return unavailable("shutting down")
		}
		if err := a.DB.Ping(ctx); err != nil {
			return unavailable("store does not answer")
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err := io.WriteString(w, "ready\n")
		return err
	}))
	rt.Mount("GET /metrics", promhttp.HandlerFor(a.Metrics, promhttp.HandlerOpts{}))
	rt.MountAPIDocs(web.OpenAPIInfo{Title: "Silkgate API", Version: Version, SessionCookie: identity.SessionCookie,
		Description: "The API of Silkgate, the cross-border e-commerce service platform. Conventions: docs/API.md."})
	a.Tenants.Routes(rt)
	a.Identity.Routes(rt)
	a.Gateway.Routes(rt)
	a.Audit.Routes(rt)
	a.Products.Routes(rt)
	a.Rules.Routes(rt)
	a.Checks.Routes(rt)
	a.Alerts.Routes(rt)
	a.Sanctions.Routes(rt)
	a.Screening.Routes(rt)
	a.FX.Routes(rt)
	a.Wallet.Routes(rt)
	a.Payouts.Routes(rt)
	hs.Routes(rt)
	a.Orders.Routes(rt)
	a.Rates.Routes(rt)
	a.Shipments.Routes(rt)
	a.Warehouses.Routes(rt)
	a.EDI.Routes(rt)
	a.Webhooks.Routes(rt)
	a.Sandbox.Routes(rt)
	a.Ledger.Routes(rt)
	a.Returns.Routes(rt)
	a.Claims.Routes(rt)
	a.Insurance.Routes(rt)
	a.Credit.Routes(rt)
	a.Vault.Routes(rt)
	con := console.New(console.Deps{Identity: a.Identity, Tenants: a.Tenants, Audit: a.Audit, Catalog: a.Catalog, DB: a.DB, Log: a.Log,
		SSO: a.SSO, Webhooks: a.Webhooks, Gateway: a.Gateway})
	rt.PageError = con.RenderError
	con.Routes(rt)
	con.ProductPages(a.Products).Routes(rt)
	con.SandboxPages(a.Sandbox, a.Orders).Routes(rt)
	con.CheckPages(a.Checks, a.Products).Routes(rt)
	con.HSRoutes(rt)
	con.ScreeningPages(a.Screening).Routes(rt)
	con.ListPages(a.Sanctions).Routes(rt)
	con.ComplianceAlertPages(a.Alerts).Routes(rt)
	con.RulePages(a.Rules).Routes(rt)
	con.OrderPages(a.Orders, a.EDI, a.Products).WithCompliance(a.Checks, a.Screening).Routes(rt)
	con.EDIPages(a.EDI).Routes(rt)
	con.RatePages(a.Rates).Routes(rt)
	con.ShipmentPages(a.Shipments, a.Rates, a.Orders).Routes(rt)
	con.WarehousePages(a.Warehouses).WithOrders(a.Orders).Routes(rt)
	con.FXPages(a.FX, a.Wallet, a.Ledger).Routes(rt)
	con.PayoutPages(a.Payouts).Routes(rt)
	con.BankCreditPages(a.Payouts).Routes(rt)
	con.SpreadPages(a.FX).Routes(rt)
	con.ReturnPages(a.Returns, a.Orders).Routes(rt)
	con.ClaimPages(a.Claims, a.Shipments).Routes(rt)
	con.VaultPages(a.Vault).Routes(rt)
	con.InsurancePages(a.Insurance, a.Credit).Routes(rt)
	con.OIDCClientPages(a.SSO).Routes(rt)
	// After PageError is set: the sign-in flow's refusals are console pages.
	a.SSO.Routes(rt)
}
