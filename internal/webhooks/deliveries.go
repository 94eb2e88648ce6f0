package webhooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Delivery statuses.
const (
	StatusPending   = "pending"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed" // given up after the retry window
	StatusCancelled = "cancelled"
)

// Delivery is one event's delivery to one webhook, with its attempts, as
// GET /api/v1/webhooks/{id}/deliveries shows it.
type Delivery struct {
	ID         string `json:"id"`
	WebhookID  string `json:"webhook_id"`
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type"`
	ResourceID string `json:"resource_id,omitempty"`
	// Status is pending (waiting for its next attempt, or for an earlier
	// delivery about the same resource), succeeded, failed (given up) or
	// cancelled (its webhook was deleted).
	Status           string     `json:"status"`
	AttemptCount     int        `json:"attempt_count"`
	NextAttemptAt    *time.Time `json:"next_attempt_at,omitempty"`
	LastAttemptAt    *time.Time `json:"last_attempt_at,omitempty"`
	LastResponseCode *int       `json:"last_response_code,omitempty"`
	LastError        string     `json:"last_error,omitempty"`
	// ReplayOf names the delivery this one replays.
	ReplayOf    string     `json:"replay_of,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	Attempts    []Attempt  `json:"attempts"`
}

// Attempt is one request made for a delivery.
type Attempt struct {
	Attempt int       `json:"attempt"`
	At      time.Time `json:"at"`
	// Status is succeeded (a 2xx answer) or failed.
	Status       string `json:"status"`
	ResponseCode *int   `json:"response_code,omitempty"`
	DurationMS   int64  `json:"duration_ms"`
	Error        string `json:"error,omitempty"`
	// ResponseBody is the start of the receiver's answer (1 KiB at most).
	ResponseBody  string     `json:"response_body,omitempty"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
}

const deliveryCols = `id, webhook_id, event_id, event_type, resource_id, status, attempts, next_attempt_at,
	last_attempt_at, last_status_code, last_error, replay_of, created_at, completed_at`

func ptrTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func ptrInt(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

func scanDelivery(sc interface{ Scan(...any) error }) (Delivery, error) {
	var d Delivery
	var next, last, completed sql.NullTime
	var code sql.NullInt64
	var replay sql.NullString
	err := sc.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.EventType, &d.ResourceID, &d.Status, &d.AttemptCount, &next,
		&last, &code, &d.LastError, &replay, &d.CreatedAt, &completed)
	if err != nil {
		return Delivery{}, err
	}
	d.NextAttemptAt, d.LastAttemptAt, d.CompletedAt = ptrTime(next), ptrTime(last), ptrTime(completed)
	d.LastResponseCode = ptrInt(code)
	d.ReplayOf = replay.String
	d.CreatedAt = d.CreatedAt.UTC()
	d.Attempts = []Attempt{}
	return d, nil
}

// DeliveryFilter narrows a delivery list.
type DeliveryFilter struct {
	Status  string
	EventID string
}

// Deliveries lists a webhook's deliveries, newest first, each with its
// attempts.
func (s *Service) Deliveries(ctx context.Context, webhookID string, f DeliveryFilter, pg web.Page) (web.List[Delivery], error) {
	if _, err := s.Get(ctx, webhookID); err != nil {
		return web.List[Delivery]{}, err
	}
	if f.Status != "" && f.Status != StatusPending && f.Status != StatusSucceeded && f.Status != StatusFailed &&
		f.Status != StatusCancelled {
		return web.List[Delivery]{}, problem.Invalid(problem.Field{Field: "status", Code: "one_of",
			Params: []any{"values", "pending, succeeded, failed, cancelled"}})
	}
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Delivery]{}, err
	}
	rows, err := t.QueryContext(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries
		WHERE tenant_id = $1 AND sandbox = $2 AND webhook_id = $3 AND ($4 = '' OR status = $4)
		AND ($5 = '' OR event_id = $5) AND ($6 = '' OR id < $6)
		ORDER BY id DESC LIMIT $7`, webhookID, f.Status, f.EventID, pg.After, pg.FetchLimit())
	if err != nil {
		return web.List[Delivery]{}, fmt.Errorf("webhooks: list deliveries: %w", err)
	}
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			rows.Close()
			return web.List[Delivery]{}, fmt.Errorf("webhooks: list deliveries: %w", err)
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return web.List[Delivery]{}, fmt.Errorf("webhooks: list deliveries: %w", err)
	}
	l := web.NewList(pg, out, func(d Delivery) string { return d.ID })
	if err := s.attachAttempts(ctx, l.Items); err != nil {
		return web.List[Delivery]{}, err
	}
	return l, nil
}

// Delivery returns one delivery of one of the caller's webhooks.
func (s *Service) Delivery(ctx context.Context, webhookID, id string) (Delivery, error) {
	if _, err := s.Get(ctx, webhookID); err != nil {
		return Delivery{}, err
	}
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return Delivery{}, err
	}
	d, err := scanDelivery(t.QueryRowContext(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries
		WHERE tenant_id = $1 AND sandbox = $2 AND webhook_id = $3 AND id = $4`, webhookID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, problem.ErrNotFound
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("webhooks: get delivery %s: %w", id, err)
	}
	ds := []Delivery{d}
	if err := s.attachAttempts(ctx, ds); err != nil {
		return Delivery{}, err
	}
	return ds[0], nil
}

// attachAttempts fills in the attempts of ds with one query.
func (s *Service) attachAttempts(ctx context.Context, ds []Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return err
	}
	byID := make(map[string]*Delivery, len(ds))
	args := make([]any, 0, len(ds))
	var in strings.Builder
	for i := range ds {
		byID[ds[i].ID] = &ds[i]
		args = append(args, ds[i].ID)
		if i > 0 {
			in.WriteString(", ")
		}
		in.WriteString("$" + strconv.Itoa(i+3))
	}
	rows, err := t.QueryContext(ctx, `SELECT delivery_id, attempt, attempted_at, duration_ms, status_code, error,
		response_body, next_attempt_at FROM webhook_attempts
		WHERE tenant_id = $1 AND sandbox = $2 AND delivery_id IN (`+in.String()+`) ORDER BY delivery_id, attempt`, args...)
	if err != nil {
		return fmt.Errorf("webhooks: attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var a Attempt
		var code sql.NullInt64
		var next sql.NullTime
		if err := rows.Scan(&id, &a.Attempt, &a.At, &a.DurationMS, &code, &a.Error, &a.ResponseBody, &next); err != nil {
			return fmt.Errorf("webhooks: attempts: %w", err)
		}
		a.At = a.At.UTC()
		a.ResponseCode, a.NextAttemptAt = ptrInt(code), ptrTime(next)
		a.Status = StatusFailed
		if code.Valid && code.Int64 >= 200 && code.Int64 < 300 {
			a.Status = StatusSucceeded
		}
		if d := byID[id]; d != nil {
			d.Attempts = append(d.Attempts, a)
		}
	}
	return rows.Err()
}

// Replay sends a delivery's event to its webhook again, as a new delivery
// that starts at once (outside the resource's order: a replay is a
// deliberate re-send, usually of something long delivered or given up).
func (s *Service) Replay(ctx context.Context, webhookID, id string) (Delivery, error) {
	var out Delivery
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		orig, err := s.Delivery(ctx, webhookID, id)
		if err != nil {
			return err
		}
		ev, err := s.events.Get(ctx, orig.EventID)
		if errors.Is(err, problem.ErrNotFound) {
			return problem.Conflict("event_expired")
		}
		if err != nil {
			return err
		}
		out, err = s.single(ctx, webhookID, ev, id)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "webhook.delivery.replay", Resource: "webhook/" + webhookID,
			Change: map[string]any{"delivery": id, "replay": out.ID, "event": ev.ID}})
	})
	return out, err
}

// SendTest sends a webhook.test event to a webhook (the console's and the
// API's "send test event"): a new delivery that starts at once.
func (s *Service) SendTest(ctx context.Context, webhookID string) (Delivery, error) {
	var out Delivery
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		w, err := s.Get(ctx, webhookID)
		if err != nil {
			return err
		}
		ev, err := s.events.Append(ctx, events.Event{Type: events.TestType, Data: map[string]any{
			"webhook_id": w.ID, "sandbox": w.Sandbox,
			"message": "This is a test event from Silkgate. Verify its Silkgate-Signature with the webhook's secret.",
		}})
		if err != nil {
			return err
		}
		out, err = s.single(ctx, webhookID, ev, "")
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "webhook.test", Resource: "webhook/" + webhookID,
			Change: map[string]any{"delivery": out.ID, "event": ev.ID}})
	})
	return out, err
}

// single creates one delivery of ev to a webhook, in a lane of its own.
func (s *Service) single(ctx context.Context, webhookID string, ev events.Event, replayOf string) (Delivery, error) {
	sc, ok := db.ScopeFrom(ctx)
	if !ok {
		return Delivery{}, problem.ErrForbidden
	}
	id := ids.New("dlv")
	d := delivery{ID: id, TenantID: sc.TenantID, Sandbox: sc.Sandbox, WebhookID: webhookID, EventID: ev.ID,
		EventType: ev.Type, ResourceID: ev.ResourceID, Lane: "delivery:" + id, Seq: ev.Seq, Status: StatusPending,
		CreatedAt: s.now().Truncate(time.Millisecond)}
	if err := s.insertDeliveries(ctx, []delivery{d}, replayOf); err != nil {
		return Delivery{}, err
	}
	return s.Delivery(ctx, webhookID, id)
}
