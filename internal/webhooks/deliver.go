package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Headers of a delivery.
const (
	HeaderSignature = "Silkgate-Signature"
	HeaderEventID   = "Silkgate-Event-Id"
	HeaderDelivery  = "Silkgate-Delivery-Id"
	UserAgent       = "Silkgate-Webhooks/1"
)

// maxLoggedBody is how much of a receiver's answer the delivery log keeps.
const maxLoggedBody = 1024

// Payload is the JSON body of every delivery.
type Payload struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// deliverArgs is the job that works one delivery.
type deliverArgs struct {
	DeliveryID string `json:"delivery_id"`
}

func (deliverArgs) Kind() string { return "webhook_deliver" }

type purgeArgs struct{}

func (purgeArgs) Kind() string { return "webhooks_purge" }

// Sign returns the Silkgate-Signature header value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Errors of Verify.
var (
	ErrBadSignature   = errors.New("webhooks: signature does not match")
	ErrStaleSignature = errors.New("webhooks: signature timestamp outside the tolerance")
)

// Verify checks a Silkgate-Signature header as a receiver should: the
// HMAC over "<t>.<body>" with the webhook's secret, compared in constant
// time, and t within tolerance of now (a replayed old request fails). A
// header may carry several v1 values (during a secret change); any match
// suffices.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrBadSignature
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			ok = true
		}
	}
	if !ok {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrStaleSignature
	}
	return nil
}

// DefaultBackoff waits 30 s after the first failure, doubling up to an
// hour, each wait drawn between half and all of that (jitter, so that a
// receiver coming back is not hit by every delivery at once). About 35
// attempts fit in 24 hours.
func DefaultBackoff(attempt int) time.Duration {
	d := min(30*time.Second<<min(max(attempt-1, 0), 7), time.Hour)
	return d/2 + rand.N(d/2)
}

// delivery is a row of webhook_deliveries.
type delivery struct {
	ID, TenantID, WebhookID, EventID, EventType, ResourceID, Lane, Status string
	Sandbox                                                               bool
	Seq                                                                   int64
	Attempts                                                              int
	NextAttemptAt                                                         sql.NullTime
	JobID                                                                 sql.NullInt64
	CreatedAt                                                             time.Time
}

const deliveryRowCols = `id, tenant_id, sandbox, webhook_id, event_id, event_type, resource_id, lane, status, seq,
	attempts, next_attempt_at, job_id, created_at`

func scanDeliveryRow(sc interface{ Scan(...any) error }) (delivery, error) {
	var d delivery
	err := sc.Scan(&d.ID, &d.TenantID, &d.Sandbox, &d.WebhookID, &d.EventID, &d.EventType, &d.ResourceID, &d.Lane,
		&d.Status, &d.Seq, &d.Attempts, &d.NextAttemptAt, &d.JobID, &d.CreatedAt)
	return d, err
}

// Consume implements events.Consumer: in the relay's transaction, one
// delivery per event and subscribed webhook of the event's tenant and
// side of the sandbox, each with its job. Run again over the same events
// (after a crash) it adds nothing: a delivery is unique per webhook and
// event.
func (s *Service) Consume(ctx context.Context, batch []events.Event) error {
	type scopeKey struct {
		tenant  string
		sandbox bool
	}
	// Most tenants have no webhooks: one look at the (small) table tells
	// which scopes need more.
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT DISTINCT tenant_id, sandbox FROM webhooks WHERE deleted_at IS NULL`)
	if err != nil {
		return fmt.Errorf("webhooks: fan-out: %w", err)
	}
	subscribed := map[scopeKey][]Webhook{}
	for rows.Next() {
		var k scopeKey
		if err := rows.Scan(&k.tenant, &k.sandbox); err != nil {
			rows.Close()
			return fmt.Errorf("webhooks: fan-out: %w", err)
		}
		subscribed[k] = nil
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("webhooks: fan-out: %w", err)
	}
	if len(subscribed) == 0 {
		return nil
	}
	var news []delivery
	loaded := map[scopeKey]bool{}
	for _, e := range batch {
		k := scopeKey{e.TenantID, e.Sandbox}
		if _, ok := subscribed[k]; !ok {
			continue
		}
		sctx := db.WithScope(ctx, db.Scope{TenantID: e.TenantID, Sandbox: e.Sandbox})
		if !loaded[k] {
			ws, err := s.active(sctx)
			if err != nil {
				return err
			}
			subscribed[k], loaded[k] = ws, true
		}
		lane := e.ResourceID
		if lane == "" {
			lane = "event:" + e.ID
		}
		for _, w := range subscribed[k] {
			if !slices.Contains(w.Events, e.Type) {
				continue
			}
			news = append(news, delivery{ID: ids.New("dlv"), TenantID: e.TenantID, Sandbox: e.Sandbox, WebhookID: w.ID,
				EventID: e.ID, EventType: e.Type, ResourceID: e.ResourceID, Lane: lane, Seq: e.Seq,
				Status: "pending", CreatedAt: e.CreatedAt})
		}
	}
	return s.insertDeliveries(ctx, news, "")
}

// active lists the live webhooks of ctx's scope.
func (s *Service) active(ctx context.Context) ([]Webhook, error) {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := t.QueryContext(ctx, `SELECT `+webhookCols+` FROM webhooks
		WHERE tenant_id = $1 AND sandbox = $2 AND deleted_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("webhooks: fan-out: %w", err)
	}
	defer rows.Close()
	var out []Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// insertDeliveries stores new deliveries and enqueues a job for each, in
// the transaction in ctx. replayOf marks replays and test deliveries.
func (s *Service) insertDeliveries(ctx context.Context, ds []delivery, replayOf string) error {
	if len(ds) == 0 {
		return nil
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		args := make([]jobs.Args, len(ds))
		for i, d := range ds {
			args[i] = deliverArgs{DeliveryID: d.ID}
		}
		jobIDs, err := s.jobs.EnqueueMany(ctx, args, &jobs.InsertOpts{Queue: Queue})
		if err != nil {
			return err
		}
		var replay any
		if replayOf != "" {
			replay = replayOf
		}
		q := s.db.Q(ctx)
		for i, d := range ds {
			// A repeat of the same (webhook, event) fan-out is skipped by
			// the unique index; its job then finds no delivery and ends.
			if _, err := q.ExecContext(ctx, `INSERT INTO webhook_deliveries (id, tenant_id, sandbox, webhook_id, event_id,
				event_type, resource_id, lane, seq, status, job_id, replay_of, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11, $12) ON CONFLICT DO NOTHING`,
				d.ID, d.TenantID, d.Sandbox, d.WebhookID, d.EventID, d.EventType, d.ResourceID, d.Lane, d.Seq,
				jobIDs[i], replay, d.CreatedAt); err != nil {
				return fmt.Errorf("webhooks: create delivery: %w", err)
			}
		}
		return nil
	})
}

// work is the delivery job: it makes one attempt when the delivery is due
// and first in its lane, records the outcome, and snoozes until the next
// attempt when there is one.
func (s *Service) work(ctx context.Context, job *jobs.Job[deliverArgs]) error {
	// The job carries only the delivery's id; the row says whose it is, and
	// everything after this read runs in that tenant's scope.
	d, err := scanDeliveryRow(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+deliveryRowCols+`
		FROM webhook_deliveries WHERE id = $1`, job.Args.DeliveryID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil // never stored (a repeated fan-out) or purged
	}
	if err != nil {
		return fmt.Errorf("webhooks: load delivery %s: %w", job.Args.DeliveryID, err)
	}
	if d.Status != "pending" {
		return nil
	}
	ctx = db.WithScope(ctx, db.Scope{TenantID: d.TenantID, Sandbox: d.Sandbox})
	now := s.now()

	// Order per resource: wait for an earlier pending delivery of the lane.
	// When it ends it wakes this job; the snooze is the fallback.
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return err
	}
	var blockerNext sql.NullTime
	err = t.QueryRowContext(ctx, `SELECT next_attempt_at FROM webhook_deliveries
		WHERE tenant_id = $1 AND sandbox = $2 AND webhook_id = $3 AND lane = $4 AND status = 'pending' AND seq < $5
		ORDER BY seq LIMIT 1`, d.WebhookID, d.Lane, d.Seq).Scan(&blockerNext)
	switch {
	case err == nil:
		// The earlier delivery is due at its next attempt (or now, before
		// its first): look again just after, unless its end wakes us first.
		wait := time.Second
		if blockerNext.Valid {
			wait = blockerNext.Time.Sub(now) + time.Second
		}
		return jobs.Snooze(min(max(wait, time.Second), 10*time.Minute))
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("webhooks: lane of %s: %w", d.ID, err)
	}
	if d.NextAttemptAt.Valid && d.NextAttemptAt.Time.After(now) {
		// Woken early (by the end of an earlier delivery in the lane, or
		// a restart): keep to the back-off.
		return jobs.Snooze(d.NextAttemptAt.Time.Sub(now))
	}

	w, secret, deleted, err := s.secretOf(ctx, d.WebhookID)
	if err != nil {
		return err
	}
	if deleted {
		return s.finish(ctx, d, "cancelled")
	}
	ev, err := s.events.Get(ctx, d.EventID)
	if errors.Is(err, problem.ErrNotFound) {
		return s.finish(ctx, d, "failed")
	}
	if err != nil {
		return err
	}
	res := s.send(ctx, w, secret, ev, d.ID)
	if ctx.Err() != nil && res.status == 0 {
		// Shutting down mid-attempt: not the receiver's fault, and not an
		// attempt; the job runs again on the next start.
		return jobs.Snooze(0)
	}
	next, err := s.record(ctx, d, res)
	if err != nil {
		return err
	}
	if !next.IsZero() {
		return jobs.Snooze(next.Sub(s.now()))
	}
	return nil
}

// outcome is what one attempt came to.
type outcome struct {
	at       time.Time
	status   int // 0 when no answer came
	duration time.Duration
	err      string
	body     string
}

func (o outcome) ok() bool { return o.status >= 200 && o.status < 300 }

// payload is the body sent for ev: the same bytes on every attempt.
func payload(ev events.Event) ([]byte, error) {
	data, _ := ev.Data.(json.RawMessage)
	if data == nil {
		data = json.RawMessage("{}")
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(Payload{ID: ev.ID, Type: ev.Type, CreatedAt: ev.CreatedAt.UTC(), Data: data}); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// send makes one signed attempt. It holds no transaction.
func (s *Service) send(ctx context.Context, w Webhook, secret string, ev events.Event, deliveryID string) outcome {
	o := outcome{at: s.now()}
	body, err := payload(ev)
	if err != nil {
		o.err = "encode payload: " + err.Error()
		return o
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		o.err = err.Error()
		return o
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(HeaderEventID, ev.ID)
	req.Header.Set(HeaderDelivery, deliveryID)
	req.Header.Set(HeaderSignature, Sign(secret, o.at, body))
	client := s.live
	if w.Sandbox {
		client = s.sandbox
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		o.duration = time.Since(start)
		o.err = describe(err)
		return o
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxLoggedBody))
	// Drain a little more so the connection can be reused, but never wait
	// on a receiver that keeps talking.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	o.duration = time.Since(start)
	o.status = resp.StatusCode
	o.body = validUTF8(head)
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		o.err = "redirect to " + resp.Header.Get("Location") + " not followed"
	case !o.ok():
		o.err = "HTTP " + strconv.Itoa(resp.StatusCode)
	}
	return o
}

// describe turns a client error into a line for the delivery log.
func describe(err error) string {
	var b errBlocked
	if errors.As(err, &b) {
		return b.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout") {
		return "no answer within the time-out"
	}
	return err.Error()
}

// validUTF8 cuts b to its longest valid UTF-8 prefix (a truncation may
// split a character) and drops other invalid bytes.
func validUTF8(b []byte) string {
	for len(b) > 0 && !utf8.Valid(b) {
		r, size := utf8.DecodeLastRune(b)
		if r != utf8.RuneError || size != 1 {
			break
		}
		b = b[:len(b)-1]
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// record stores an attempt's outcome and the delivery's new state, and
// returns when the next attempt is due (zero when the delivery has ended).
func (s *Service) record(ctx context.Context, d delivery, o outcome) (time.Time, error) {
	var next time.Time
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		var attempt int
		if err := t.QueryRowContext(ctx, `SELECT COALESCE(MAX(attempt), 0) + 1 FROM webhook_attempts
			WHERE tenant_id = $1 AND sandbox = $2 AND delivery_id = $3`, d.ID).Scan(&attempt); err != nil {
			return fmt.Errorf("webhooks: number attempt: %w", err)
		}
		status := "pending"
		switch {
		case o.ok():
			status = "succeeded"
		default:
			// Given up when the next attempt would come more than Window
			// after the event.
			if n := o.at.Add(s.cfg.Backoff(attempt)); n.After(d.CreatedAt.Add(s.cfg.Window)) {
				status = "failed"
			} else {
				next = n
			}
		}
		var code, nextAt, completed any
		if o.status != 0 {
			code = o.status
		}
		if !next.IsZero() {
			nextAt = next
		} else {
			completed = o.at
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO webhook_attempts (tenant_id, sandbox, delivery_id, attempt,
			attempted_at, duration_ms, status_code, error, response_body, next_attempt_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			d.ID, attempt, o.at, o.duration.Milliseconds(), code, o.err, o.body, nextAt); err != nil {
			return fmt.Errorf("webhooks: record attempt: %w", err)
		}
		res, err := t.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $4, attempts = $5, next_attempt_at = $6,
			last_attempt_at = $7, last_status_code = $8, last_error = $9, completed_at = $10
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND status = 'pending'`,
			d.ID, status, attempt, nextAt, o.at, code, o.err, completed)
		if err != nil {
			return fmt.Errorf("webhooks: update delivery: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			next = time.Time{} // cancelled meanwhile (webhook deleted)
			return nil
		}
		if status != "pending" {
			return s.wakeNext(ctx, d)
		}
		return nil
	})
	return next, err
}

// finish ends a delivery without an attempt (its webhook is gone, or its
// event was purged) and wakes the next in its lane.
func (s *Service) finish(ctx context.Context, d delivery, status string) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		msg := ""
		if status == "failed" {
			msg = "the event is no longer available"
		}
		if _, err := t.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $4, completed_at = $5,
			next_attempt_at = NULL, last_error = $6 WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND status = 'pending'`,
			d.ID, status, s.now(), msg); err != nil {
			return fmt.Errorf("webhooks: end delivery %s: %w", d.ID, err)
		}
		return s.wakeNext(ctx, d)
	})
}

// wakeNext makes the job of the next pending delivery in d's lane run now,
// in the transaction in ctx: it waits for nothing any more.
func (s *Service) wakeNext(ctx context.Context, d delivery) error {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	var jobID sql.NullInt64
	err = t.QueryRowContext(ctx, `SELECT job_id FROM webhook_deliveries
		WHERE tenant_id = $1 AND sandbox = $2 AND webhook_id = $3 AND lane = $4 AND status = 'pending' AND seq > $5
		ORDER BY seq LIMIT 1`, d.WebhookID, d.Lane, d.Seq).Scan(&jobID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !jobID.Valid) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("webhooks: next in lane: %w", err)
	}
	return s.jobs.RetryNow(ctx, jobID.Int64)
}

// Purge deletes the delivery log older than cut-off (ended deliveries
// and their attempts), and webhooks deleted before it that no log
// mentions any more.
func (s *Service) Purge(ctx context.Context, before time.Time) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		q := s.db.Q(ctx)
		for _, stmt := range []string{
			`DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries
				WHERE created_at < $1 AND status <> 'pending')`,
			`DELETE FROM webhook_deliveries WHERE created_at < $1 AND status <> 'pending'`,
			`DELETE FROM webhooks WHERE deleted_at < $1 AND NOT EXISTS
				(SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = webhooks.id)`,
		} {
			if _, err := q.ExecContext(ctx, stmt, before.UTC()); err != nil {
				return fmt.Errorf("webhooks: purge: %w", err)
			}
		}
		return nil
	})
}
