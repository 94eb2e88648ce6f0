package orders

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
)

// Single orders posted concurrently are written together. Each order alone
// costs a transaction of five or more statements (order, event, audit head,
// audit record, head update) and a commit, and under load those round
// trips, not the work, are what the store and the server spend their time
// on. A batch costs the same few statements whatever its size: one
// multi-row INSERT per tenant for the orders, one for their events, one
// head lock, INSERT and update per audit chain, and one commit.
//
// A batch forms only under load: a flusher starts at once for an order
// that finds one free, so an order posted alone is written alone, without
// waiting. Every order still learns its outcome only after the commit.
const (
	// maxFlushers is how many batches may be in flight at once: while one
	// commits, the next collects.
	maxFlushers = 2
	// maxBatchOrders bounds one batch (14 parameters per order).
	maxBatchOrders = 128
	// flushTimeout bounds one batch's transaction: its orders' requests
	// wait for it, whatever their own clients do.
	flushTimeout = 30 * time.Second
)

// pendingCreate is one order waiting for its batch.
type pendingCreate struct {
	ctx   context.Context // the request's: actor, request id, scope
	scope db.Scope
	p     prepared
	rec   audit.Captured
	dup   error // the 409, when its external id was taken
	err   error
	done  chan struct{}
}

// batcher queues pending orders and runs the flushers.
type batcher struct {
	s        *Service
	rec      audit.Batcher
	mu       sync.Mutex
	queue    []*pendingCreate
	flushers int

	// Tests only: gate holds flushers back until closed; fault fails the
	// next batch's first statement.
	gate  chan struct{}
	fault func() error
}

// createAlone creates the order of a request that writes nothing else. If
// the request's transaction has not started, the order is written in a
// batch with other requests' orders and ctx's transaction stays unused;
// otherwise (an Idempotency-Key has been claimed in it, say) it is Create.
func (s *Service) createAlone(ctx context.Context, n NewOrder) (Order, error) {
	if s.batch == nil || !db.Pristine(ctx) {
		return s.Create(ctx, n)
	}
	scope, ok := db.ScopeFrom(ctx)
	if !ok {
		return Order{}, db.ErrNoScope
	}
	p, err := s.prepare(ctx, n)
	if err != nil {
		return Order{}, err
	}
	rec, err := audit.Capture(ctx, p.auditEvent())
	if err != nil {
		return Order{}, err
	}
	pc := &pendingCreate{ctx: ctx, scope: scope, p: p, rec: rec, done: make(chan struct{})}
	s.batch.submit(pc)
	if pc.err != nil {
		return Order{}, pc.err
	}
	return p.o, nil
}

// submit queues pc and returns once its batch has committed or failed.
func (b *batcher) submit(pc *pendingCreate) {
	b.mu.Lock()
	b.queue = append(b.queue, pc)
	if b.flushers < maxFlushers {
		b.flushers++
		go b.run()
	}
	b.mu.Unlock()
	<-pc.done
}

// run flushes batches until the queue is empty.
func (b *batcher) run() {
	if b.gate != nil {
		<-b.gate
	}
	for {
		b.mu.Lock()
		n := min(len(b.queue), maxBatchOrders)
		if n == 0 {
			b.flushers--
			b.mu.Unlock()
			return
		}
		batch := make([]*pendingCreate, n)
		copy(batch, b.queue)
		rest := copy(b.queue, b.queue[n:])
		clear(b.queue[rest:])
		b.queue = b.queue[:rest]
		b.mu.Unlock()
		b.flush(batch)
	}
}

// flush writes batch in one transaction and tells each order its outcome.
// If a statement fails, the orders are written one by one instead, so that
// one order's fault cannot fail the others; a failed commit fails them all
// (none of them was stored).
func (b *batcher) flush(batch []*pendingCreate) {
	defer func() {
		// A flusher is no request's goroutine: a panic here would end the
		// process, so it fails the batch's orders instead.
		if p := recover(); p != nil {
			b.s.log.Error("orders: batch panicked", "panic", p)
			for _, pc := range batch {
				pc.err = fmt.Errorf("orders: batch: panic: %v", p)
			}
		}
		for _, pc := range batch {
			close(pc.done)
		}
	}()
	var written bool
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	err := b.s.db.Group(ctx, func(ctx context.Context) error {
		if err := b.write(ctx, batch); err != nil {
			return err
		}
		written = true
		return nil
	})
	if err != nil && !written && len(batch) > 1 {
		for _, pc := range batch {
			// The request's context: its actor and request id are the
			// audit record's, its transaction is not used.
			ctx, cancel := context.WithTimeout(db.WithoutTx(context.WithoutCancel(pc.ctx)), flushTimeout)
			pc.err = b.s.db.Group(ctx, func(ctx context.Context) error { return b.s.insert(ctx, pc.p) })
			cancel()
		}
		return
	}
	for _, pc := range batch {
		if err != nil {
			pc.err = err
		} else {
			pc.err = pc.dup
		}
	}
}

// write stores batch in the transaction in ctx. An order whose (channel,
// external_id) already existed gets its 409 in dup.
func (b *batcher) write(ctx context.Context, batch []*pendingCreate) error {
	s := b.s
	tx, ok := db.Tx(ctx)
	if !ok {
		return fmt.Errorf("orders: batch outside a transaction")
	}
	if b.fault != nil {
		if err := b.fault(); err != nil {
			return err
		}
	}
	var recs []audit.Captured
	// Orders of different tenants (or of a tenant's sandbox) go in
	// separate statements, each bound to its scope.
	for _, group := range db.ByScope(batch, func(pc *pendingCreate) db.Scope { return pc.scope }) {
		scope := group[0].scope
		sctx := db.WithScope(ctx, scope)
		args := make([]any, 0, len(group)*(2+bulkCols))
		perRow := s.db.Engine() == db.SQLite
		if !perRow {
			args = append(args, scope.TenantID, scope.Sandbox)
		}
		for _, pc := range group {
			p := &pc.p
			if perRow {
				args = append(args, scope.TenantID, scope.Sandbox)
			}
			o := &p.o
			args = append(args, o.ID, o.Channel, o.ExternalID, string(o.Status), o.PlacedAt, o.Currency,
				o.Totals.Lines.Amount, p.doc, p.hist, o.CreatedAt, o.UpdatedAt, o.ShipTo.Country)
		}
		rows, err := tx.QueryContext(ctx, bulkInsertSQL(len(group), s.db.Engine()), args...)
		if err != nil {
			return fmt.Errorf("orders: create: %w", err)
		}
		created, err := db.Collect(rows, db.ScanString)
		if err != nil {
			return fmt.Errorf("orders: create: %w", err)
		}
		isNew := make(map[string]bool, len(created))
		for _, id := range created {
			isNew[id] = true
		}
		es := make([]events.Event, 0, len(created))
		for _, pc := range group {
			p := &pc.p
			if !isNew[p.o.ID] {
				if pc.dup, err = s.duplicate(sctx, p.o); err != nil {
					return err
				}
				continue
			}
			es = append(es, events.Event{Type: events.OrderCreated, ResourceID: p.o.ID,
				Data: events.TrustedJSON(p.payload)})
			recs = append(recs, pc.rec)
		}
		if s.events != nil {
			if err := s.events.PublishMany(sctx, es); err != nil {
				return err
			}
		}
	}
	return b.rec.RecordCaptured(ctx, recs)
}
