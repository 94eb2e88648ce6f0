package warehouses

import (
	"slices"
	"strings"

	"github.com/bojanz/currency"
	"github.com/silkgate/silkgate/internal/platform/money"
)

// Option is a warehouse that could serve an order, with its available
// stock per SKU and grade.
type Option struct {
	Warehouse Warehouse
	Available map[StockKey]int64
}

// StockKey names a SKU in a grade.
type StockKey struct {
	SKU   string
	Grade Grade
}

// Assignment is the lines one warehouse takes.
type Assignment struct {
	Warehouse    Warehouse
	DeliveryDays int
	Lines        []Line
	Handling     money.Money
}

// Plan is how an order is allocated.
type Plan struct {
	Assignments []Assignment
	Candidates  []Candidate
	// Unserved are lines no single warehouse can cover in full.
	Unserved []Line
}

// Candidate reasons.
const (
	ReasonNotServed    = "country_not_served"
	ReasonShort        = "insufficient_stock"
	ReasonChosen       = "chosen"
	ReasonSlowerOrCost = "not_fastest"
)

// Allocate chooses the warehouses for an order to country (see
// docs/WAREHOUSES.md for the rule):
//
//  1. Only warehouses whose regions include the country are candidates.
//  2. A candidate that has the available stock for every line serves the
//     whole order; among those the fewest delivery days win, then the
//     lower handling fee (compared only when every tied candidate bills
//     in one currency), then the warehouse code.
//  3. Only when no single candidate covers every line, and split is
//     allowed, the order is split: repeatedly the candidate covering the
//     most remaining lines in full takes them (ties as in 2). A line is
//     never split across warehouses.
//
// Lines no candidate can cover in full are returned as Unserved.
func Allocate(country string, lines []Line, opts []Option, split bool) Plan {
	var p Plan
	type cand struct {
		opt  Option
		days int
		fee  money.Money
	}
	var cands []cand
	for _, o := range opts {
		c := Candidate{WarehouseID: o.Warehouse.ID, WarehouseCode: o.Warehouse.Code}
		days, ok := o.Warehouse.DeliveryDays(country)
		c.DeliveryDays, c.Serves = days, ok
		if !ok {
			c.Reason = ReasonNotServed
			p.Candidates = append(p.Candidates, c)
			continue
		}
		fee := HandlingFee(o.Warehouse.Fees, lines)
		c.Handling = &fee
		c.CoversAll = covers(o, lines) == len(lines)
		p.Candidates = append(p.Candidates, c)
		cands = append(cands, cand{opt: o, days: days, fee: fee})
	}
	less := func(group []cand) func(a, b cand) int {
		oneCurrency := true
		for _, g := range group {
			if g.fee.Currency != group[0].fee.Currency {
				oneCurrency = false
			}
		}
		return func(a, b cand) int {
			if a.days != b.days {
				return a.days - b.days
			}
			if oneCurrency {
				if c := cmpMoney(a.fee, b.fee); c != 0 {
					return c
				}
			}
			return strings.Compare(a.opt.Warehouse.Code, b.opt.Warehouse.Code)
		}
	}
	var full []cand
	for _, c := range cands {
		if covers(c.opt, lines) == len(lines) {
			full = append(full, c)
		}
	}
	assign := func(c cand, ls []Line) {
		p.Assignments = append(p.Assignments, Assignment{Warehouse: c.opt.Warehouse, DeliveryDays: c.days, Lines: ls,
			Handling: HandlingFee(c.opt.Warehouse.Fees, ls)})
		for i := range p.Candidates {
			if p.Candidates[i].WarehouseID == c.opt.Warehouse.ID {
				p.Candidates[i].Reason = ReasonChosen
			}
		}
	}
	if len(full) > 0 {
		slices.SortStableFunc(full, less(full))
		assign(full[0], lines)
		markRest(&p)
		return p
	}
	remaining := append([]Line(nil), lines...)
	if split {
		for len(remaining) > 0 {
			best, bestN := -1, 0
			cmp := less(cands)
			for i, c := range cands {
				n := covers(c.opt, remaining)
				if n == 0 {
					continue
				}
				if best < 0 || n > bestN || (n == bestN && cmp(c, cands[best]) < 0) {
					best, bestN = i, n
				}
			}
			if best < 0 {
				break
			}
			var take, rest []Line
			for _, l := range remaining {
				if cands[best].opt.Available[StockKey{l.SKU, l.Grade}] >= l.Quantity {
					take = append(take, l)
				} else {
					rest = append(rest, l)
				}
			}
			assign(cands[best], take)
			cands = slices.Delete(cands, best, best+1)
			remaining = rest
		}
	}
	if !split || len(remaining) > 0 {
		if !split {
			p.Assignments = nil
			remaining = lines
		}
		p.Unserved = remaining
	}
	markRest(&p)
	return p
}

func markRest(p *Plan) {
	for i := range p.Candidates {
		c := &p.Candidates[i]
		switch {
		case c.Reason != "":
		case !c.CoversAll && c.Serves:
			c.Reason = ReasonShort
		default:
			c.Reason = ReasonSlowerOrCost
		}
	}
}

// covers counts the lines o has the available stock for.
func covers(o Option, lines []Line) int {
	n := 0
	for _, l := range lines {
		if o.Available[StockKey{l.SKU, l.Grade}] >= l.Quantity {
			n++
		}
	}
	return n
}

func cmpMoney(a, b money.Money) int {
	x, err1 := a.Decimal()
	y, err2 := b.Decimal()
	if err1 != nil || err2 != nil {
		return 0
	}
	c, err := x.Cmp(y)
	if err != nil {
		return 0
	}
	return c
}

// HandlingFee is the operator's handling charge for an outbound order:
// per order + per line × lines + per unit × units, rounded half-even to
// the currency's minor unit.
func HandlingFee(f FeeSchedule, lines []Line) money.Money {
	cur := f.Currency
	if cur == "" {
		cur = "USD"
	}
	total, _ := currency.NewAmount("0", cur)
	add := func(price string, n int64) {
		if price == "" || n == 0 {
			return
		}
		a, err := currency.NewAmount(price, cur)
		if err != nil {
			return
		}
		a, _ = a.Mul(itoa64(n))
		total, _ = total.Add(a)
	}
	var units int64
	for _, l := range lines {
		units += l.Quantity
	}
	add(f.HandlingPerOrder, 1)
	add(f.HandlingPerLine, int64(len(lines)))
	add(f.HandlingPerUnit, units)
	return money.From(total)
}

func itoa64(n int64) string {
	if n < 0 {
		return "-" + itoa64(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa64(n/10) + string(rune('0'+n%10))
}
