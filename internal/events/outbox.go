package events

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Event is something that happened to a tenant's resource, worth telling
// the tenant's systems about.
type Event struct {
	// ID is assigned by Publish ("evt_…").
	ID string `json:"id"`
	// Type is a registered "<resource>.<event>" type.
	Type string `json:"type"`
	// TenantID and Sandbox place the event; they default to the scope in
	// ctx, and must match it when both are set.
	TenantID string `json:"-"`
	Sandbox  bool   `json:"-"`
	// ResourceID identifies the resource the event is about ("ord_…").
	// Deliveries are ordered per resource; an event without one is
	// delivered without waiting for others.
	ResourceID string `json:"resource_id,omitempty"`
	// Data is the event's payload, marshalled to JSON by Publish: usually
	// the resource as the API shows it. Read back, it is a
	// json.RawMessage.
	Data any `json:"data"`
	// CreatedAt is assigned by Publish.
	CreatedAt time.Time `json:"created_at"`
	// Seq is the event's place in publish order, assigned by the store.
	Seq int64 `json:"-"`
}

// Consumer receives committed events from the relay, in publish order,
// inside the relay's transaction (ctx carries it): whatever it writes
// commits together with the events being marked relayed. A consumer must
// be idempotent — after a crash it may see the same events again — and
// must not call out over the network.
type Consumer interface {
	Consume(ctx context.Context, batch []Event) error
}

// Limits on one event.
const (
	MaxDataBytes  = 256 << 10
	maxResourceID = 200
)

// ErrUnknownType is returned by Publish for an unregistered event type.
var ErrUnknownType = errors.New("events: unknown event type")

// Config tunes an Outbox. Zero values mean the defaults.
type Config struct {
	Log *slog.Logger
	// Now is the clock (time.Now).
	Now func() time.Time
	// PollInterval is how often the relay looks for events it was not
	// woken for: those published by other processes (500 ms).
	PollInterval time.Duration
	// Retention is how long relayed events are kept for deliveries and
	// replays to read (30 days).
	Retention time.Duration
	// BatchSize bounds the events handed to consumers at once (500).
	BatchSize int
	// MaxDeferral bounds how long Defer holds the relay back: past it,
	// events are relayed as usual even while bulk writes go on, so one
	// tenant's long ingest delays others' events by at most this (1 min).
	MaxDeferral time.Duration
}

// Outbox is the transactional outbox. It is safe for concurrent use; add
// consumers with Subscribe before Run.
type Outbox struct {
	db  *db.DB
	cfg Config
	log *slog.Logger

	kick chan struct{}

	// deferrals counts the bulk writes in progress that asked the relay
	// to wait (Defer); deferredSince is when the count last left zero, in
	// Unix nanoseconds.
	deferrals     atomic.Int32
	deferredSince atomic.Int64

	mu        sync.RWMutex
	consumers []Consumer
}

// purgeArgs is the periodic job that deletes events past retention.
type purgeArgs struct{}

func (purgeArgs) Kind() string { return "events_purge" }

// New returns the outbox stored in d. When q is not nil, an hourly job on
// it purges relayed events older than Retention.
func New(d *db.DB, q *jobs.Queue, cfg Config) *Outbox {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 500 * time.Millisecond
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 30 * 24 * time.Hour
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	if cfg.MaxDeferral <= 0 {
		cfg.MaxDeferral = time.Minute
	}
	o := &Outbox{db: d, cfg: cfg, log: cfg.Log, kick: make(chan struct{}, 1)}
	if q != nil {
		jobs.Handle(q, 0, func(ctx context.Context, _ *jobs.Job[purgeArgs]) error {
			n, err := o.Purge(ctx, o.cfg.Now().Add(-o.cfg.Retention))
			if n > 0 {
				o.log.Info("events purged", "deleted", n)
			}
			return err
		})
		q.Every("events_purge", time.Hour, func() jobs.Args { return purgeArgs{} })
	}
	return o
}

// Subscribe adds a consumer of every relayed event.
func (o *Outbox) Subscribe(c Consumer) {
	o.mu.Lock()
	o.consumers = append(o.consumers, c)
	o.mu.Unlock()
}

// Publish records e in the transaction carried by ctx (or one of its own):
// the event commits, and is then relayed to consumers, exactly when the
// caller's change commits. Publish after writing the resource's row (see
// the package documentation on order).
func (o *Outbox) Publish(ctx context.Context, e Event) error {
	return o.PublishMany(ctx, []Event{e})
}

// PublishMany is Publish for a batch (bulk ingest): one statement per
// rowsPerInsert events.
func (o *Outbox) PublishMany(ctx context.Context, es []Event) error {
	if len(es) == 0 {
		return nil
	}
	rows := make([]row, len(es))
	for i, e := range es {
		if !Known(e.Type) {
			return fmt.Errorf("%w %q", ErrUnknownType, e.Type)
		}
		r, err := o.prepare(ctx, e)
		if err != nil {
			return err
		}
		rows[i] = r
	}
	if err := o.insert(ctx, rows, false); err != nil {
		return err
	}
	o.wake()
	return nil
}

// Append stores e without relaying it to the consumers, and returns it as
// stored: for an event addressed to one consumer only, such as a webhook's
// test event, which the caller then hands on itself. Unlike Publish it
// accepts TestType.
func (o *Outbox) Append(ctx context.Context, e Event) (Event, error) {
	if !Known(e.Type) && e.Type != TestType {
		return Event{}, fmt.Errorf("%w %q", ErrUnknownType, e.Type)
	}
	r, err := o.prepare(ctx, e)
	if err != nil {
		return Event{}, err
	}
	if err := o.insert(ctx, []row{r}, true); err != nil {
		return Event{}, err
	}
	return o.Get(db.WithScope(ctx, db.Scope{TenantID: r.tenant, Sandbox: r.sandbox}), r.id)
}

type row struct {
	id, tenant, typ, resource, data string
	sandbox                         bool
	at                              time.Time
}

func (o *Outbox) prepare(ctx context.Context, e Event) (row, error) {
	if sc, ok := db.ScopeFrom(ctx); ok {
		switch {
		case e.TenantID == "":
			e.TenantID, e.Sandbox = sc.TenantID, sc.Sandbox
		case e.TenantID != sc.TenantID || e.Sandbox != sc.Sandbox:
			return row{}, fmt.Errorf("events: %s for %s (sandbox %v) published in the scope of %s (sandbox %v)",
				e.Type, e.TenantID, e.Sandbox, sc.TenantID, sc.Sandbox)
		}
	}
	if e.TenantID == "" {
		return row{}, fmt.Errorf("events: %s: %w", e.Type, db.ErrNoScope)
	}
	if len(e.ResourceID) > maxResourceID {
		return row{}, fmt.Errorf("events: %s: resource id longer than %d bytes", e.Type, maxResourceID)
	}
	data := []byte("{}")
	if e.Data != nil {
		b, err := marshal(e.Data)
		if err != nil {
			return row{}, fmt.Errorf("events: %s: encode data: %w", e.Type, err)
		}
		data = b
	}
	if len(data) > MaxDataBytes {
		return row{}, fmt.Errorf("events: %s: data of %d bytes exceeds %d", e.Type, len(data), MaxDataBytes)
	}
	return row{id: ids.New("evt"), tenant: e.TenantID, sandbox: e.Sandbox, typ: e.Type, resource: e.ResourceID,
		data: string(data), at: o.cfg.Now().UTC().Truncate(time.Millisecond)}, nil
}

// TrustedJSON is event data already encoded as JSON by code that builds
// it from validated values (bulk ingest writes a million of them): Publish
// stores it as it is, without parsing it again to check it.
type TrustedJSON []byte

// marshal encodes v without HTML escaping: receivers get the text as it
// was entered.
func marshal(v any) ([]byte, error) {
	if raw, ok := v.(TrustedJSON); ok {
		return raw, nil
	}
	if raw, ok := v.(json.RawMessage); ok {
		if !json.Valid(raw) {
			return nil, errors.New("invalid JSON")
		}
		return raw, nil
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimRight(b.String(), "\n")), nil
}

// rowsPerInsert is how many events one INSERT carries: bulk ingest
// publishes thousands per transaction, and on PostgreSQL each statement
// is a round trip (8 parameters a row stays far below either engine's
// limit on parameters).
const rowsPerInsert = 500

// insert writes rows, rowsPerInsert to a statement. relayed rows are stamped as
// already relayed.
func (o *Outbox) insert(ctx context.Context, rows []row, relayed bool) error {
	return o.db.InTx(ctx, func(ctx context.Context) error {
		q := o.db.Q(ctx)
		for start := 0; start < len(rows); start += rowsPerInsert {
			chunk := rows[start:min(start+rowsPerInsert, len(rows))]
			var sb strings.Builder
			sb.WriteString(`INSERT INTO outbox_events (id, tenant_id, sandbox, type, resource_id, data, created_at, relayed_at) VALUES `)
			o.db.ValuesList(&sb, len(chunk), 8, 1)
			args := make([]any, 0, len(chunk)*8)
			for _, r := range chunk {
				var relayedAt any
				if relayed {
					relayedAt = r.at
				}
				args = append(args, r.id, r.tenant, r.sandbox, r.typ, r.resource, r.data, r.at, relayedAt)
			}
			if _, err := q.ExecContext(ctx, sb.String(), args...); err != nil {
				return fmt.Errorf("events: publish %s: %w", chunk[0].typ, err)
			}
		}
		return nil
	})
}

// Defer asks the relay of this process to wait until release is called,
// for at most Config.MaxDeferral: a bulk ingest calls it so that relaying its own
// events, and the jobs that relaying queues, do not compete with the
// ingest for the writer and the CPU. Its events are durable as soon as
// they commit and are relayed, in order, once the ingest ends. release is
// safe to call more than once.
func (o *Outbox) Defer() (release func()) {
	if o.deferrals.Add(1) == 1 {
		o.deferredSince.Store(time.Now().UnixNano())
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			if o.deferrals.Add(-1) == 0 {
				o.wake()
			}
		})
	}
}

// deferring reports whether the relay should wait, and for how long at
// most.
func (o *Outbox) deferring() (bool, time.Duration) {
	if o.deferrals.Load() == 0 {
		return false, 0
	}
	left := o.cfg.MaxDeferral - time.Since(time.Unix(0, o.deferredSince.Load()))
	return left > 0, left
}

// wake tells the relay there may be something to do. It never blocks; the
// event may not have committed yet, which the relay allows for.
func (o *Outbox) wake() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

const eventCols = `seq, id, tenant_id, sandbox, type, resource_id, data, created_at`

func scanEvent(sc interface{ Scan(...any) error }) (Event, error) {
	var e Event
	var data string
	if err := sc.Scan(&e.Seq, &e.ID, &e.TenantID, &e.Sandbox, &e.Type, &e.ResourceID, &data, &e.CreatedAt); err != nil {
		return Event{}, err
	}
	e.Data = json.RawMessage(data)
	e.CreatedAt = e.CreatedAt.UTC()
	return e, nil
}

// Get returns an event of the caller's scope; another tenant's is
// problem.ErrNotFound, as is one already purged.
func (o *Outbox) Get(ctx context.Context, id string) (Event, error) {
	t, err := o.db.TenantRead(ctx)
	if err != nil {
		return Event{}, err
	}
	e, err := scanEvent(t.QueryRowContext(ctx, `SELECT `+eventCols+` FROM outbox_events
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, problem.ErrNotFound
	}
	if err != nil {
		return Event{}, fmt.Errorf("events: get %s: %w", id, err)
	}
	return e, nil
}

// Relay hands every committed, unrelayed event to the consumers, a batch
// per transaction, and returns how many it relayed. A consumer's error
// rolls its batch back, to be tried again by the next Relay.
func (o *Outbox) Relay(ctx context.Context) (int, error) {
	// A look from the read pool first: an idle relay must not take the
	// writer (SQLite has one) every poll just to find nothing.
	var one int
	err := o.db.Q(ctx).QueryRowContext(ctx, `SELECT 1 FROM outbox_events WHERE relayed_at IS NULL LIMIT 1`).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("events: relay: %w", err)
	}
	total := 0
	for {
		n, err := o.relayBatch(ctx)
		total += n
		if err != nil || n < o.cfg.BatchSize {
			return total, err
		}
	}
}

func (o *Outbox) relayBatch(ctx context.Context) (int, error) {
	o.mu.RLock()
	consumers := append([]Consumer(nil), o.consumers...)
	o.mu.RUnlock()
	var n int
	err := o.db.InTx(ctx, func(ctx context.Context) error {
		q := o.db.Q(ctx)
		now := o.cfg.Now().UTC()
		// Relays take turns: on PostgreSQL this row lock queues a second
		// node's relay until the first has committed, and it then reads
		// the first's stamps. SQLite's single writer does the same.
		if _, err := q.ExecContext(ctx, `UPDATE outbox_relay SET relayed_at = $1 WHERE id = 1`, now); err != nil {
			return fmt.Errorf("events: relay lock: %w", err)
		}
		rows, err := q.QueryContext(ctx, `SELECT `+eventCols+` FROM outbox_events
			WHERE relayed_at IS NULL ORDER BY seq LIMIT $1`, o.cfg.BatchSize)
		if err != nil {
			return fmt.Errorf("events: relay: %w", err)
		}
		var batch []Event
		for rows.Next() {
			e, err := scanEvent(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("events: relay: %w", err)
			}
			batch = append(batch, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("events: relay: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
		for _, c := range consumers {
			if err := c.Consume(ctx, batch); err != nil {
				return fmt.Errorf("events: consumer: %w", err)
			}
		}
		// Marked by their numbers, never by a range: on PostgreSQL an
		// event numbered inside the range may commit while this runs, and
		// it has not been relayed.
		var sb strings.Builder
		args := []any{now}
		sb.WriteString(`UPDATE outbox_events SET relayed_at = $1 WHERE seq IN (`)
		for i, e := range batch {
			if i > 0 {
				sb.WriteString(", ")
			}
			args = append(args, e.Seq)
			sb.WriteString("$" + strconv.Itoa(len(args)))
		}
		sb.WriteString(")")
		if _, err := q.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("events: mark relayed: %w", err)
		}
		n = len(batch)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Run relays events until ctx ends: soon after each Publish in this
// process, and every PollInterval for those published elsewhere.
func (o *Outbox) Run(ctx context.Context) {
	// Publish wakes the relay before its transaction has committed; the
	// settle delay lets most commits land first, and the poll catches the
	// rest. It also gathers a stream of single writes into batches: each
	// relay pass is a write transaction on the store (and on SQLite takes
	// the single writer from the requests), so under load fewer, larger
	// passes cost far less than one per event, for 0.1 s of latency.
	const settle = 100 * time.Millisecond
	timer := time.NewTimer(0)
	defer timer.Stop()
	due := time.Now()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-o.kick:
			// Bring the next pass forward, never push it back: a steady
			// stream of publishes must not starve the relay.
			if soon := time.Now().Add(settle); due.After(soon) {
				due = soon
				timer.Reset(settle)
			}
			continue
		case <-timer.C:
		}
		wait := o.cfg.PollInterval
		if held, left := o.deferring(); held {
			// Released deferrals wake the relay; the poll interval is
			// only a bound.
			wait = min(wait, left)
			due = time.Now().Add(wait)
			timer.Reset(wait)
			continue
		}
		if _, err := o.Relay(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			o.log.Error("events relay", "error", err, "failures", failures)
			// Back off while a consumer keeps failing, up to a minute.
			wait = min(time.Minute, o.cfg.PollInterval<<min(failures, 7))
		} else {
			failures = 0
		}
		due = time.Now().Add(wait)
		timer.Reset(wait)
	}
}

// Purge deletes relayed events created before cut-off, and returns how
// many.
func (o *Outbox) Purge(ctx context.Context, before time.Time) (int64, error) {
	res, err := o.db.W(ctx).ExecContext(ctx, `DELETE FROM outbox_events WHERE relayed_at IS NOT NULL AND created_at < $1`, before.UTC())
	if err != nil {
		return 0, fmt.Errorf("events: purge: %w", err)
	}
	return res.RowsAffected()
}
