package sandboxwarehouse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/warehouse"
	"github.com/silkgate/silkgate/internal/platform/db"
)

// Trigger markers (see the package documentation).
const (
	TriggerShort   = "SBX-SHORT"
	TriggerDamaged = "SBX-DAMAGED"
	TriggerShrink  = "SBX-SHRINK"
)

// Operator is the sandbox warehouse operator. The zero value is not
// usable; call New.
type Operator struct {
	// Now is the clock (time.Now), for the times of receipts and
	// dispatches.
	Now func() time.Time

	db   *db.DB
	seed string
}

var _ warehouse.Warehouse = (*Operator)(nil)

type key struct {
	sku   string
	grade warehouse.Grade
}

// account is one account as loaded from the store; stock and prefix are
// derived on load, the rest is its stored state.
type account struct {
	name   string
	prefix string
	stock  map[key]int64
	state
}

// state is what is stored of an account, as JSON.
type state struct {
	Movements []warehouse.Movement      `json:"movements"`
	Inbound   []warehouse.InboundNotice `json:"inbound,omitempty"`
	Outbound  []warehouse.OutboundOrder `json:"outbound,omitempty"`
	Acks      map[string]warehouse.Ack  `json:"acks"`
}

// New returns an operator whose ids derive from seed, keeping its
// accounts in d. Operators with the same seed over the same store (a
// restarted process, another serving node) share their accounts.
func New(d *db.DB, seed string) *Operator {
	return &Operator{Now: time.Now, db: d, seed: seed}
}

// Capabilities implements warehouse.Warehouse.
func (o *Operator) Capabilities() warehouse.Capabilities {
	return warehouse.Capabilities{Name: "Silkgate Sandbox Fulfilment", Inbound: true, Outbound: true, Snapshots: true, Deltas: true}
}

func (o *Operator) hash(parts ...string) string {
	h := sha256.Sum256([]byte(o.seed + "\x00" + strings.Join(parts, "\x00")))
	return strings.ToUpper(hex.EncodeToString(h[:4]))
}

// with loads the account name, creating it, runs fn on it and stores it
// again, in one transaction. On PostgreSQL the account's row is locked
// for the transaction, so calls on two nodes take turns; SQLite's single
// writer already makes them.
func (o *Operator) with(ctx context.Context, name string, fn func(a *account) error) error {
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("sandboxwarehouse: %w: empty account", warehouse.ErrUnknownAccount)
	}
	return o.db.InTx(ctx, func(ctx context.Context) error {
		q := o.db.Q(ctx)
		now := o.Now().UTC().Truncate(time.Microsecond)
		// The row exists before it is locked: FOR UPDATE locks nothing
		// that is not there, and two nodes creating the account at once
		// must not both start it empty.
		if _, err := q.ExecContext(ctx, `INSERT INTO sandbox_warehouse_accounts (seed, account, state, updated_at)
			VALUES ($1, $2, '{}', $3) ON CONFLICT (seed, account) DO NOTHING`, o.seed, name, now); err != nil {
			return fmt.Errorf("sandboxwarehouse: create account %s: %w", name, err)
		}
		sel := `SELECT state FROM sandbox_warehouse_accounts WHERE seed = $1 AND account = $2`
		if o.db.Engine() == db.Postgres {
			sel += ` FOR UPDATE`
		}
		var raw string
		if err := q.QueryRowContext(ctx, sel, o.seed, name).Scan(&raw); err != nil {
			return fmt.Errorf("sandboxwarehouse: read account %s: %w", name, err)
		}
		a := &account{name: name, prefix: "SBXW-" + o.hash(name), stock: map[key]int64{}}
		if err := json.Unmarshal([]byte(raw), &a.state); err != nil {
			return fmt.Errorf("sandboxwarehouse: read account %s: %w", name, err)
		}
		if a.Acks == nil {
			a.Acks = map[string]warehouse.Ack{}
		}
		for _, m := range a.Movements {
			a.stock[key{m.SKU, m.Grade}] += m.Quantity
		}
		if err := fn(a); err != nil {
			return err
		}
		b, err := json.Marshal(a.state)
		if err != nil {
			return fmt.Errorf("sandboxwarehouse: store account %s: %w", name, err)
		}
		if string(b) == raw {
			return nil
		}
		if _, err := q.ExecContext(ctx, `UPDATE sandbox_warehouse_accounts SET state = $3, updated_at = $4
			WHERE seed = $1 AND account = $2`, o.seed, name, string(b), now); err != nil {
			return fmt.Errorf("sandboxwarehouse: store account %s: %w", name, err)
		}
		return nil
	})
}

func checkLines(lines []warehouse.Line) error {
	if len(lines) == 0 {
		return fmt.Errorf("sandboxwarehouse: %w: no lines", warehouse.ErrRejected)
	}
	for i, l := range lines {
		if strings.TrimSpace(l.SKU) == "" || l.Quantity <= 0 || (l.Grade != "" && !l.Grade.Valid()) {
			return fmt.Errorf("sandboxwarehouse: %w: line %d", warehouse.ErrRejected, i+1)
		}
	}
	return nil
}

// SendInbound implements warehouse.Warehouse.
func (o *Operator) SendInbound(ctx context.Context, name string, n warehouse.InboundNotice) (warehouse.Ack, error) {
	if err := checkLines(n.Lines); err != nil {
		return warehouse.Ack{}, err
	}
	var ack warehouse.Ack
	err := o.with(ctx, name, func(a *account) error {
		var ok bool
		if ack, ok = a.Acks["in:"+n.Reference]; ok {
			return nil
		}
		ack = warehouse.Ack{ExternalID: "ASN-" + o.hash(name, "in", n.Reference)}
		a.Acks["in:"+n.Reference] = ack
		a.Inbound = append(a.Inbound, n)
		return nil
	})
	if err != nil {
		return warehouse.Ack{}, err
	}
	return ack, nil
}

// SendOutbound implements warehouse.Warehouse.
func (o *Operator) SendOutbound(ctx context.Context, name string, out warehouse.OutboundOrder) (warehouse.Ack, error) {
	if err := checkLines(out.Lines); err != nil {
		return warehouse.Ack{}, err
	}
	var ack warehouse.Ack
	err := o.with(ctx, name, func(a *account) error {
		var ok bool
		if ack, ok = a.Acks["out:"+out.Reference]; ok {
			return nil
		}
		ack = warehouse.Ack{ExternalID: "OUT-" + o.hash(name, "out", out.Reference)}
		a.Acks["out:"+out.Reference] = ack
		a.Outbound = append(a.Outbound, out)
		return nil
	})
	if err != nil {
		return warehouse.Ack{}, err
	}
	return ack, nil
}

// work receives every pending notice and dispatches every coverable
// order.
func (o *Operator) work(a *account) {
	now := o.Now().UTC().Truncate(time.Second)
	for _, n := range a.Inbound {
		for _, l := range n.Lines {
			g := l.Grade
			if g == "" {
				g = warehouse.GradeNew
			}
			q := l.Quantity
			if strings.Contains(l.SKU, TriggerShort) && q > 0 {
				q--
			}
			if strings.Contains(l.SKU, TriggerDamaged) && q > 0 {
				q--
				o.move(a, warehouse.Movement{Type: warehouse.Receipt, SKU: l.SKU, Grade: warehouse.GradeDamaged, Quantity: 1, Reference: n.Reference, At: now})
			}
			if q > 0 {
				o.move(a, warehouse.Movement{Type: warehouse.Receipt, SKU: l.SKU, Grade: g, Quantity: q, Reference: n.Reference, At: now})
			}
		}
	}
	a.Inbound = nil
	var waiting []warehouse.OutboundOrder
	for _, out := range a.Outbound {
		ok := true
		for _, l := range out.Lines {
			if a.stock[key{l.SKU, gradeOr(l.Grade)}] < l.Quantity {
				ok = false
			}
		}
		if !ok {
			waiting = append(waiting, out)
			continue
		}
		for _, l := range out.Lines {
			o.move(a, warehouse.Movement{Type: warehouse.Shipment, SKU: l.SKU, Grade: gradeOr(l.Grade), Quantity: -l.Quantity, Reference: out.Reference, At: now})
		}
	}
	a.Outbound = waiting
}

func gradeOr(g warehouse.Grade) warehouse.Grade {
	if g == "" {
		return warehouse.GradeNew
	}
	return g
}

func (o *Operator) move(a *account, m warehouse.Movement) {
	m.ID = a.prefix + "-" + fmt.Sprintf("%06d", len(a.Movements)+1)
	a.stock[key{m.SKU, m.Grade}] += m.Quantity
	a.Movements = append(a.Movements, m)
}

// Snapshot implements warehouse.Warehouse.
func (o *Operator) Snapshot(ctx context.Context, name string) (warehouse.Snapshot, error) {
	var s warehouse.Snapshot
	err := o.with(ctx, name, func(a *account) error {
		o.work(a)
		s = warehouse.Snapshot{At: o.Now().UTC().Truncate(time.Second), Cursor: strconv.Itoa(len(a.Movements))}
		for k, q := range a.stock {
			if strings.Contains(k.sku, TriggerShrink) && q > 0 {
				q--
			}
			if q == 0 {
				continue
			}
			s.Stock = append(s.Stock, warehouse.StockLevel{SKU: k.sku, Grade: k.grade, OnHand: q})
		}
		return nil
	})
	if err != nil {
		return warehouse.Snapshot{}, err
	}
	sort.Slice(s.Stock, func(i, j int) bool {
		if s.Stock[i].SKU != s.Stock[j].SKU {
			return s.Stock[i].SKU < s.Stock[j].SKU
		}
		return s.Stock[i].Grade < s.Stock[j].Grade
	})
	return s, nil
}

// Movements implements warehouse.Warehouse. The cursor is the number of
// movements already read.
func (o *Operator) Movements(ctx context.Context, name, cursor string) ([]warehouse.Movement, string, error) {
	var (
		out    []warehouse.Movement
		next   string
		badCur bool
	)
	err := o.with(ctx, name, func(a *account) error {
		// The work done is kept even when the cursor is bad, as it is
		// by any other question.
		o.work(a)
		from := 0
		if cursor != "" {
			n, err := strconv.Atoi(cursor)
			if err != nil || n < 0 || n > len(a.Movements) {
				badCur = true
				return nil
			}
			from = n
		}
		out = append([]warehouse.Movement(nil), a.Movements[from:]...)
		next = strconv.Itoa(len(a.Movements))
		return nil
	})
	switch {
	case err != nil:
		return nil, "", err
	case badCur:
		return nil, "", fmt.Errorf("sandboxwarehouse: bad cursor %q", cursor)
	}
	return out, next, nil
}

// Seed puts opening stock into an account, as received goods with
// movements (for demo data and tests).
func (o *Operator) Seed(ctx context.Context, name string, stock []warehouse.StockLevel) error {
	return o.with(ctx, name, func(a *account) error {
		now := o.Now().UTC().Truncate(time.Second)
		for _, s := range stock {
			if s.OnHand > 0 {
				o.move(a, warehouse.Movement{Type: warehouse.Receipt, SKU: s.SKU, Grade: gradeOr(s.Grade), Quantity: s.OnHand, At: now, Note: "opening stock"})
			}
		}
		return nil
	})
}
