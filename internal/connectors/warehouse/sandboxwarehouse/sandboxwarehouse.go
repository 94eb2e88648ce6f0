package sandboxwarehouse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/warehouse"
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

	seed     string
	mu       sync.Mutex
	accounts map[string]*account
}

var _ warehouse.Warehouse = (*Operator)(nil)

type key struct {
	sku   string
	grade warehouse.Grade
}

type account struct {
	name      string
	prefix    string
	stock     map[key]int64
	movements []warehouse.Movement
	inbound   []warehouse.InboundNotice
	outbound  []warehouse.OutboundOrder
	acks      map[string]warehouse.Ack
}

// New returns an operator whose ids derive from seed.
func New(seed string) *Operator {
	return &Operator{Now: time.Now, seed: seed, accounts: map[string]*account{}}
}

// Capabilities implements warehouse.Warehouse.
func (o *Operator) Capabilities() warehouse.Capabilities {
	return warehouse.Capabilities{Name: "Silkgate Sandbox Fulfilment", Inbound: true, Outbound: true, Snapshots: true, Deltas: true}
}

func (o *Operator) hash(parts ...string) string {
	h := sha256.Sum256([]byte(o.seed + "\x00" + strings.Join(parts, "\x00")))
	return strings.ToUpper(hex.EncodeToString(h[:4]))
}

// acct returns the account, creating it; o.mu must be held.
func (o *Operator) acct(name string) (*account, error) {
	if strings.TrimSpace(name) == "" {
		return nil, fmt.Errorf("sandboxwarehouse: %w: empty account", warehouse.ErrUnknownAccount)
	}
	a, ok := o.accounts[name]
	if !ok {
		a = &account{name: name, prefix: "SBXW-" + o.hash(name), stock: map[key]int64{}, acks: map[string]warehouse.Ack{}}
		o.accounts[name] = a
	}
	return a, nil
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
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.acct(name)
	if err != nil {
		return warehouse.Ack{}, err
	}
	if ack, ok := a.acks["in:"+n.Reference]; ok {
		return ack, nil
	}
	ack := warehouse.Ack{ExternalID: "ASN-" + o.hash(name, "in", n.Reference)}
	a.acks["in:"+n.Reference] = ack
	a.inbound = append(a.inbound, n)
	return ack, nil
}

// SendOutbound implements warehouse.Warehouse.
func (o *Operator) SendOutbound(ctx context.Context, name string, out warehouse.OutboundOrder) (warehouse.Ack, error) {
	if err := checkLines(out.Lines); err != nil {
		return warehouse.Ack{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.acct(name)
	if err != nil {
		return warehouse.Ack{}, err
	}
	if ack, ok := a.acks["out:"+out.Reference]; ok {
		return ack, nil
	}
	ack := warehouse.Ack{ExternalID: "OUT-" + o.hash(name, "out", out.Reference)}
	a.acks["out:"+out.Reference] = ack
	a.outbound = append(a.outbound, out)
	return ack, nil
}

// work receives every pending notice and dispatches every coverable
// order; o.mu must be held.
func (o *Operator) work(a *account) {
	now := o.Now().UTC().Truncate(time.Second)
	for _, n := range a.inbound {
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
	a.inbound = nil
	var waiting []warehouse.OutboundOrder
	for _, out := range a.outbound {
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
	a.outbound = waiting
}

func gradeOr(g warehouse.Grade) warehouse.Grade {
	if g == "" {
		return warehouse.GradeNew
	}
	return g
}

func (o *Operator) move(a *account, m warehouse.Movement) {
	m.ID = a.prefix + "-" + fmt.Sprintf("%06d", len(a.movements)+1)
	a.stock[key{m.SKU, m.Grade}] += m.Quantity
	a.movements = append(a.movements, m)
}

// Snapshot implements warehouse.Warehouse.
func (o *Operator) Snapshot(ctx context.Context, name string) (warehouse.Snapshot, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.acct(name)
	if err != nil {
		return warehouse.Snapshot{}, err
	}
	o.work(a)
	s := warehouse.Snapshot{At: o.Now().UTC().Truncate(time.Second), Cursor: strconv.Itoa(len(a.movements))}
	for k, q := range a.stock {
		if strings.Contains(k.sku, TriggerShrink) && q > 0 {
			q--
		}
		if q == 0 {
			continue
		}
		s.Stock = append(s.Stock, warehouse.StockLevel{SKU: k.sku, Grade: k.grade, OnHand: q})
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
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.acct(name)
	if err != nil {
		return nil, "", err
	}
	o.work(a)
	from := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 || n > len(a.movements) {
			return nil, "", fmt.Errorf("sandboxwarehouse: bad cursor %q", cursor)
		}
		from = n
	}
	out := append([]warehouse.Movement(nil), a.movements[from:]...)
	return out, strconv.Itoa(len(a.movements)), nil
}

// Seed puts opening stock into an account, as received goods with
// movements (for demo data and tests).
func (o *Operator) Seed(name string, stock []warehouse.StockLevel) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.acct(name)
	if err != nil {
		return err
	}
	now := o.Now().UTC().Truncate(time.Second)
	for _, s := range stock {
		if s.OnHand > 0 {
			o.move(a, warehouse.Movement{Type: warehouse.Receipt, SKU: s.SKU, Grade: gradeOr(s.Grade), Quantity: s.OnHand, At: now, Note: "opening stock"})
		}
	}
	return nil
}
