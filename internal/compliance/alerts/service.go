package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/compliance/checks"
	"github.com/silkgate/silkgate/internal/compliance/rules"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Recorder writes audit records.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Products is the catalogue as the alerts read it: every product of the
// scope in ctx, page by page.
type Products interface {
	List(ctx context.Context, f catalog.Filter, pg web.Page) (web.List[catalog.Product], error)
}

// Rules is the regulation database as the alerts use it (package rules'
// Service).
type Rules interface {
	Get(ctx context.Context, id string, n int) (rules.Rule, error)
	OnPublish(fn rules.PublishHook)
}

// Publisher records outbox events in the caller's transaction.
type Publisher interface {
	Publish(ctx context.Context, e events.Event) error
}

// Config tunes the service. Zero values mean the defaults.
type Config struct {
	Log *slog.Logger
	Now func() time.Time
	// SMTPURL is smtp://user:pass@host:587 (STARTTLS when the server
	// offers it) or smtps://user:pass@host:465; empty disables e-mail.
	SMTPURL string
	// SMTPFrom is the sender address; required with SMTPURL.
	SMTPFrom string
	// Lists answers list-dependent facts when products are re-checked
	// (the checks service's Lists()), so a re-check sees what a check sees.
	Lists checks.ListLookup
}

// Service keeps subscriptions, notices and alerts, and raises alerts. Its
// tenant methods work in the scope ctx carries.
type Service struct {
	lists    checks.ListLookup
	db       *db.DB
	products Products
	audit    Recorder
	log      *slog.Logger
	now      func() time.Time
	mail     *mailer

	rules Rules
	jobs  *jobs.Queue
	pub   Publisher
}

// maxEventProducts bounds the products a compliance.alert event lists.
const maxEventProducts = 100

// New returns the alert service; a malformed SMTP setting is an error.
func New(d *db.DB, products Products, rec Recorder, cfg Config) (*Service, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{db: d, products: products, audit: rec, log: cfg.Log, now: cfg.Now, lists: cfg.Lists}
	if cfg.SMTPURL != "" {
		m, err := parseSMTP(cfg.SMTPURL, cfg.SMTPFrom)
		if err != nil {
			return nil, err
		}
		s.mail = m
	}
	return s, nil
}

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// scope returns the caller's partition: subscriptions and alerts belong to
// a tenant, so a platform account without one has none.
func scope(ctx context.Context) (db.Scope, error) {
	sc, ok := db.ScopeFrom(ctx)
	if !ok {
		return db.Scope{}, problem.ErrForbidden
	}
	return sc, nil
}

// Subscribe stores a subscription of the caller's tenant.
func (s *Service) Subscribe(ctx context.Context, sub Subscription) (Subscription, error) {
	if _, err := scope(ctx); err != nil {
		return Subscription{}, err
	}
	if err := sub.Validate(); err != nil {
		return Subscription{}, err
	}
	sub.ID, sub.CreatedAt, sub.CreatedBy = ids.New("asub"), s.stamp(), audit.ActorFrom(ctx).ID
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		n, err := s.countSubscriptions(ctx)
		if err != nil {
			return err
		}
		if n >= maxSubs {
			return problem.Invalid(problem.Field{Field: "markets", Code: "max_items", Params: []any{"max", maxSubs}})
		}
		if err := s.insertSubscription(ctx, sub); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "compliance.alert_subscription.create",
			Resource: "compliance_alert_subscription:" + sub.ID, Change: sub})
	})
	return sub, err
}

// Unsubscribe deletes one of the caller's subscriptions.
func (s *Service) Unsubscribe(ctx context.Context, id string) error {
	if _, err := scope(ctx); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.deleteSubscription(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "compliance.alert_subscription.delete",
			Resource: "compliance_alert_subscription:" + id})
	})
}

// Subscriptions lists the caller's subscriptions, oldest first.
func (s *Service) Subscriptions(ctx context.Context, pg web.Page) (web.List[Subscription], error) {
	if _, err := scope(ctx); err != nil {
		return web.List[Subscription]{}, err
	}
	subs, err := s.querySubscriptions(ctx, pg.After, pg.FetchLimit())
	if err != nil {
		return web.List[Subscription]{}, err
	}
	return web.NewList(pg, subs, func(s Subscription) string { return s.ID }), nil
}

// AlertFilter narrows the inbox.
type AlertFilter struct {
	// Unread keeps the alerts not yet read.
	Unread bool
}

// Alerts lists the caller's in-app alerts, newest first.
func (s *Service) Alerts(ctx context.Context, f AlertFilter, pg web.Page) (web.List[Alert], error) {
	if _, err := scope(ctx); err != nil {
		return web.List[Alert]{}, err
	}
	as, err := s.queryAlerts(ctx, f, pg.After, pg.FetchLimit())
	if err != nil {
		return web.List[Alert]{}, err
	}
	return web.NewList(pg, as, func(a Alert) string { return a.ID }), nil
}

// Unread counts the caller's unread in-app alerts (the console's badge).
func (s *Service) Unread(ctx context.Context) (int, error) {
	if _, err := scope(ctx); err != nil {
		return 0, err
	}
	return s.countUnread(ctx)
}

// Alert returns one of the caller's alerts.
func (s *Service) Alert(ctx context.Context, id string) (Alert, error) {
	if _, err := scope(ctx); err != nil {
		return Alert{}, err
	}
	return s.getAlert(ctx, id)
}

// MarkRead marks one of the caller's alerts read (again is no change).
func (s *Service) MarkRead(ctx context.Context, id string) (Alert, error) {
	if _, err := scope(ctx); err != nil {
		return Alert{}, err
	}
	var a Alert
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.markRead(ctx, id, s.stamp()); err != nil {
			return err
		}
		var err error
		a, err = s.getAlert(ctx, id)
		return err
	})
	return a, err
}

// PublishNotice stores a regulatory notice and, in the same transaction,
// enqueues the job that alerts every matching subscriber.
func (s *Service) PublishNotice(ctx context.Context, n Notice) (Notice, error) {
	if err := n.Validate(); err != nil {
		return Notice{}, err
	}
	n.ID, n.CreatedAt, n.PublishedBy = ids.New("ntc"), s.stamp(), audit.ActorFrom(ctx).ID
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.insertNotice(ctx, n); err != nil {
			return err
		}
		if s.jobs != nil {
			if _, err := s.jobs.Enqueue(ctx, noticeArgs{NoticeID: n.ID}, nil); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, audit.Event{Action: "compliance.notice.publish", Resource: "compliance_notice:" + n.ID, Change: n})
	})
	return n, err
}

// Notices lists the notices, newest first. Notices are public to every
// tenant: they carry regulation news, nothing of anyone's.
func (s *Service) Notices(ctx context.Context, pg web.Page) (web.List[Notice], error) {
	ns, err := s.queryNotices(ctx, pg.After, pg.FetchLimit())
	if err != nil {
		return web.List[Notice]{}, err
	}
	return web.NewList(pg, ns, func(n Notice) string { return n.ID }), nil
}

// Notice returns one notice.
func (s *Service) Notice(ctx context.Context, id string) (Notice, error) { return s.getNotice(ctx, id) }

// scopes lists the partitions with at least one subscription. It reads
// across tenants on purpose: the alert jobs are the platform's, and they
// then work inside each partition's own scope.
func (s *Service) scopes(ctx context.Context) ([]db.Scope, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT DISTINCT s.tenant_id, s.sandbox
		FROM compliance_alert_subscriptions s JOIN tenants t ON t.id = s.tenant_id ORDER BY s.tenant_id, s.sandbox`)
	if err != nil {
		return nil, wrap("scopes", err)
	}
	out, err := db.Collect(rows, func(sc db.Row) (db.Scope, error) {
		var x db.Scope
		err := sc.Scan(&x.TenantID, &x.Sandbox)
		return x, err
	})
	return out, wrap("scopes", err)
}

// allProducts reads every product of the scope in ctx.
func (s *Service) allProducts(ctx context.Context) ([]catalog.Product, error) {
	var out []catalog.Product
	pg := web.Page{Limit: web.MaxLimit}
	for {
		l, err := s.products.List(ctx, catalog.Filter{}, pg)
		if err != nil {
			return nil, fmt.Errorf("alerts: products: %w", err)
		}
		out = append(out, l.Items...)
		if l.NextCursor == "" || len(l.Items) == 0 {
			return out, nil
		}
		pg.After = l.Items[len(l.Items)-1].SKU
	}
}

// fanOut raises base for every partition with a matching subscription
// that has not had it yet, each in a transaction of its own. assess, when
// set, fills in the products of the partition in ctx.
func (s *Service) fanOut(ctx context.Context, source string, base Alert,
	assess func(ctx context.Context) ([]ProductEffect, map[string]int, error)) (int, error) {
	scs, err := s.scopes(ctx)
	if err != nil {
		return 0, err
	}
	raised := 0
	var errs []error
	for _, sc := range scs {
		sctx := db.WithScope(ctx, sc)
		subs, err := s.querySubscriptions(sctx, "", maxSubs+1)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		subs = slices.DeleteFunc(subs, func(x Subscription) bool { return !x.Matches(base.Markets, base.Categories) })
		if len(subs) == 0 {
			continue
		}
		if done, err := s.hasSource(sctx, source); err != nil || done {
			if err != nil {
				errs = append(errs, err)
			}
			continue
		}
		a := base
		if assess != nil {
			if a.Products, a.Counts, err = assess(sctx); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		ok, err := s.raise(sctx, source, a, subs)
		if err != nil {
			errs = append(errs, fmt.Errorf("alerts: tenant %s: %w", sc.TenantID, err))
			continue
		}
		if ok {
			raised++
		}
	}
	return raised, errors.Join(errs...)
}

// raise stores alert a for the partition in ctx and starts its deliveries,
// in one transaction: the e-mail job and the webhook event exist exactly
// when the alert does. It reports false when the partition already had an
// alert from source.
func (s *Service) raise(ctx context.Context, source string, a Alert, subs []Subscription) (bool, error) {
	sc, _ := db.ScopeFrom(ctx)
	var chans, to []string
	for _, sub := range subs {
		for _, c := range sub.Channels {
			if !slices.Contains(chans, c) {
				chans = append(chans, c)
			}
		}
		if slices.Contains(sub.Channels, Email) {
			for _, e := range sub.Emails {
				if !slices.Contains(to, e) {
					to = append(to, e)
				}
			}
		}
	}
	a.ID, a.CreatedAt = ids.New("alr"), s.stamp()
	if a.Products == nil {
		a.Products = []ProductEffect{}
	}
	if a.Counts == nil {
		a.Counts = map[string]int{}
	}
	a.EmailTo = to
	row := alertRow{Alert: a, source: source, inApp: slices.Contains(chans, InApp)}
	if slices.Contains(chans, Email) {
		row.emailStatus = "pending"
		if s.mail == nil {
			row.emailStatus = "skipped"
		}
	}
	inserted := false
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if slices.Contains(chans, Webhook) {
			row.webhook = "published"
		}
		ok, err := s.insertAlert(ctx, row)
		if err != nil || !ok {
			return err
		}
		inserted = true
		if row.emailStatus == "pending" && s.jobs != nil {
			if _, err := s.jobs.Enqueue(ctx, emailArgs{AlertID: a.ID, TenantID: sc.TenantID, Sandbox: sc.Sandbox},
				&jobs.InsertOpts{MaxAttempts: emailAttempts}); err != nil {
				return err
			}
		}
		if row.webhook != "" && s.pub != nil {
			out, err := s.getAlert(ctx, a.ID)
			if err != nil {
				return err
			}
			// The event carries the first products only: an event is bounded
			// (events.MaxDataBytes), and the receiver fetches the alert for
			// the whole list.
			if len(out.Products) > maxEventProducts {
				out.Products = out.Products[:maxEventProducts]
			}
			if err := s.pub.Publish(ctx, events.Event{Type: events.ComplianceAlert, ResourceID: a.ID, Data: out}); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, audit.Event{Action: "compliance.alert.raise", Resource: "compliance_alert:" + a.ID,
			TenantID: sc.TenantID, Change: map[string]any{"source": source, "channels": chans, "counts": a.Counts}})
	})
	return inserted, err
}
