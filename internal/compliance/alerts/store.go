package alerts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("alerts: %s: %w", op, err)
}

// listText keeps a list as "|a|b|" (empty for none) so that LIKE '%|a|%'
// finds an item on both engines.
func listText(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return "|" + strings.Join(ss, "|") + "|"
}

func listOf(s string) []string {
	s = strings.Trim(s, "|")
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

type scanner = db.Row

func (s *Service) insertSubscription(ctx context.Context, sub Subscription) error {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	_, err = t.ExecContext(ctx, `INSERT INTO compliance_alert_subscriptions
		(tenant_id, sandbox, id, markets, categories, channels, emails, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, sub.ID, listText(sub.Markets), listText(sub.Categories),
		listText(sub.Channels), listText(sub.Emails), sub.CreatedBy, sub.CreatedAt)
	return wrap("insert subscription", err)
}

func (s *Service) countSubscriptions(ctx context.Context) (int, error) {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	err = t.QueryRowContext(ctx, `SELECT COUNT(*) FROM compliance_alert_subscriptions WHERE tenant_id = $1 AND sandbox = $2`).Scan(&n)
	return n, wrap("count subscriptions", err)
}

func (s *Service) deleteSubscription(ctx context.Context, id string) error {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	res, err := t.ExecContext(ctx, `DELETE FROM compliance_alert_subscriptions WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id)
	if err != nil {
		return wrap("delete subscription", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return problem.ErrNotFound
	}
	return nil
}

func (s *Service) querySubscriptions(ctx context.Context, after string, limit int) ([]Subscription, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := t.QueryContext(ctx, `SELECT id, markets, categories, channels, emails, created_by, created_at
		FROM compliance_alert_subscriptions WHERE tenant_id = $1 AND sandbox = $2 AND id > $3 ORDER BY id LIMIT $4`, after, limit)
	if err != nil {
		return nil, wrap("subscriptions", err)
	}
	out, err := db.Collect(rows, func(sc scanner) (Subscription, error) {
		var x Subscription
		var ms, cs, chs, es string
		err := sc.Scan(&x.ID, &ms, &cs, &chs, &es, &x.CreatedBy, &x.CreatedAt)
		x.Markets, x.Categories, x.Channels, x.Emails = listOf(ms), listOf(cs), listOf(chs), listOf(es)
		x.CreatedAt = x.CreatedAt.UTC()
		return x, err
	})
	return out, wrap("subscriptions", err)
}

// alertRow is an alert with the columns that are not part of its document.
type alertRow struct {
	Alert
	source      string
	inApp       bool
	emailStatus string
	webhook     string
}

// insertAlert stores r unless the partition already has an alert from the
// same source; it reports whether it did.
func (s *Service) insertAlert(ctx context.Context, r alertRow) (bool, error) {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return false, err
	}
	doc := r.Alert
	doc.Read, doc.ReadAt, doc.Delivery = false, nil, nil
	b, err := json.Marshal(doc)
	if err != nil {
		return false, wrap("encode alert", err)
	}
	res, err := t.ExecContext(ctx, `INSERT INTO compliance_alerts
		(tenant_id, sandbox, id, source, in_app, doc, email_status, webhook_event, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (tenant_id, sandbox, source) DO NOTHING`,
		r.ID, r.source, r.inApp, string(b), r.emailStatus, r.webhook, r.CreatedAt)
	if err != nil {
		return false, wrap("insert alert", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func (s *Service) hasSource(ctx context.Context, source string) (bool, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return false, err
	}
	var n int
	err = t.QueryRowContext(ctx, `SELECT COUNT(*) FROM compliance_alerts WHERE tenant_id = $1 AND sandbox = $2 AND source = $3`, source).Scan(&n)
	return n > 0, wrap("alert source", err)
}

const alertCols = `id, in_app, doc, read_at, email_status, email_error, webhook_event`

func scanAlert(sc scanner) (Alert, error) {
	var (
		id, doc, est, eerr, wh string
		inApp                  bool
		readAt                 sql.Null[time.Time]
	)
	if err := sc.Scan(&id, &inApp, &doc, &readAt, &est, &eerr, &wh); err != nil {
		return Alert{}, err
	}
	var a Alert
	if err := json.Unmarshal([]byte(doc), &a); err != nil {
		return Alert{}, fmt.Errorf("decode alert %s: %w", id, err)
	}
	if readAt.Valid {
		t := readAt.V.UTC()
		a.Read, a.ReadAt = true, &t
	}
	a.Delivery = []Delivery{}
	if inApp {
		a.Delivery = append(a.Delivery, Delivery{Channel: InApp, Status: "delivered"})
	}
	if est != "" {
		a.Delivery = append(a.Delivery, Delivery{Channel: Email, Status: est, Detail: eerr})
	}
	if wh != "" {
		a.Delivery = append(a.Delivery, Delivery{Channel: Webhook, Status: wh})
	}
	return a, nil
}

// queryAlerts lists in-app alerts newest first: after is the last id of
// the previous page, and ids grow with time.
func (s *Service) queryAlerts(ctx context.Context, f AlertFilter, after string, limit int) ([]Alert, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + alertCols + ` FROM compliance_alerts WHERE tenant_id = $1 AND sandbox = $2 AND in_app = $3`
	args := []any{true}
	if after != "" {
		q += ` AND id < $4`
		args = append(args, after)
	}
	if f.Unread {
		q += ` AND read_at IS NULL`
	}
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit)
	rows, err := t.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap("alerts", err)
	}
	out, err := db.Collect(rows, scanAlert)
	return out, wrap("alerts", err)
}

func (s *Service) countUnread(ctx context.Context) (int, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	err = t.QueryRowContext(ctx, `SELECT COUNT(*) FROM compliance_alerts
		WHERE tenant_id = $1 AND sandbox = $2 AND in_app = $3 AND read_at IS NULL`, true).Scan(&n)
	return n, wrap("unread", err)
}

func (s *Service) getAlert(ctx context.Context, id string) (Alert, error) {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return Alert{}, err
	}
	a, err := scanAlert(t.QueryRowContext(ctx, `SELECT `+alertCols+` FROM compliance_alerts
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Alert{}, problem.ErrNotFound
	}
	return a, wrap("get alert", err)
}

func (s *Service) markRead(ctx context.Context, id string, at time.Time) error {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	res, err := t.ExecContext(ctx, `UPDATE compliance_alerts SET read_at = COALESCE(read_at, $4)
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id, at)
	if err != nil {
		return wrap("mark read", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return problem.ErrNotFound
	}
	return nil
}

func (s *Service) setEmail(ctx context.Context, id, status, detail string) error {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	_, err = t.ExecContext(ctx, `UPDATE compliance_alerts SET email_status = $4, email_error = $5
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id, status, detail)
	return wrap("email status", err)
}

func (s *Service) insertNotice(ctx context.Context, n Notice) error {
	b, err := json.Marshal(n)
	if err != nil {
		return wrap("encode notice", err)
	}
	_, err = s.db.W(ctx).ExecContext(ctx, `INSERT INTO compliance_notices (id, markets, categories, doc, published_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, n.ID, listText(n.Markets), listText(n.Categories), string(b), n.PublishedBy, n.CreatedAt)
	return wrap("insert notice", err)
}

func scanNotice(sc scanner) (Notice, error) {
	var doc string
	if err := sc.Scan(&doc); err != nil {
		return Notice{}, err
	}
	var n Notice
	err := json.Unmarshal([]byte(doc), &n)
	return n, err
}

func (s *Service) queryNotices(ctx context.Context, after string, limit int) ([]Notice, error) {
	q := `SELECT doc FROM compliance_notices`
	var args []any
	if after != "" {
		q += ` WHERE id < $1`
		args = append(args, after)
	}
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit)
	rows, err := s.db.Q(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap("notices", err)
	}
	out, err := db.Collect(rows, scanNotice)
	return out, wrap("notices", err)
}

func (s *Service) getNotice(ctx context.Context, id string) (Notice, error) {
	n, err := scanNotice(s.db.Q(ctx).QueryRowContext(ctx, `SELECT doc FROM compliance_notices WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Notice{}, problem.ErrNotFound
	}
	return n, wrap("get notice", err)
}
