// Package logscrub keeps card numbers out of the logs (PCI DSS 3.4.1,
// 10.3): Scrub masks every run of digits that looks like a primary account
// number, and Handler wraps any slog.Handler so that every message and
// attribute passes through Scrub before it is written.
//
// A run looks like a card number when it has 12 to 19 digits, optionally
// grouped by single spaces or dashes ("4242 4242 4242 4242"), starts with
// a digit card schemes issue from (2–6 or 8: never 0, 1, 7 or 9, which
// keeps millisecond and nanosecond timestamps intact) and passes the Luhn
// check. Its first six and last four digits stay; the others become "*".
// A longer run of digits without separators is an identifier, not a
// card number, and is left alone.
package logscrub

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
)

// Scrub returns s with card-number-like digit runs masked.
func Scrub(s string) string {
	digits := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			digits++
		}
	}
	if digits < 12 {
		return s // the common case: nothing could be a card number
	}
	var out []byte // nil until something is masked
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		// A run of digit groups joined by single separators.
		type group struct{ start, end int }
		var groups []group
		j := i
		for {
			k := j
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			groups = append(groups, group{j, k})
			if k+1 < len(s) && (s[k] == ' ' || s[k] == '-') && isDigit(s[k+1]) {
				j = k + 1
				continue
			}
			j = k
			break
		}
		// Try each stretch of whole groups, longest first from each start.
		for g := 0; g < len(groups); {
			matched := 0
			for h := len(groups) - 1; h >= g; h-- {
				n := 0
				for _, gr := range groups[g : h+1] {
					n += gr.end - gr.start
				}
				if n < 12 || n > 19 {
					continue
				}
				digits := make([]byte, 0, n)
				for _, gr := range groups[g : h+1] {
					digits = append(digits, s[gr.start:gr.end]...)
				}
				if !issued(digits[0]) || !luhn(digits) {
					continue
				}
				if out == nil {
					out = []byte(s)
				}
				seen := 0
				for p := groups[g].start; p < groups[h].end; p++ {
					if isDigit(s[p]) {
						if seen >= 6 && seen < n-4 {
							out[p] = '*'
						}
						seen++
					}
				}
				matched = h - g + 1
				break
			}
			if matched == 0 {
				matched = 1
			}
			g += matched
		}
		i = j
	}
	if out == nil {
		return s
	}
	return string(out)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// issued reports whether a number starting with c can be a card number
// (its major industry identifier is one card schemes use).
func issued(c byte) bool { return c >= '2' && c <= '6' || c == '8' }

func luhn(d []byte) bool {
	sum := 0
	for i := range d {
		v := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			if v *= 2; v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

// Handler masks card numbers in everything it passes to the handler it
// wraps: the message, string attributes, numbers long enough to be card
// numbers, and any other value as it would print.
type Handler struct{ next slog.Handler }

// New wraps next.
func New(next slog.Handler) *Handler {
	if h, ok := next.(*Handler); ok {
		return h
	}
	return &Handler{next: next}
}

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	nr := slog.NewRecord(r.Time, r.Level, Scrub(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(scrubAttr(a))
		return true
	})
	return h.next.Handle(ctx, nr)
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = scrubAttr(a)
	}
	return &Handler{next: h.next.WithAttrs(out)}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name)}
}

func scrubAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Scrub(v.String()))
	case slog.KindInt64:
		if s := strconv.FormatInt(v.Int64(), 10); len(s) >= 12 {
			if m := Scrub(s); m != s {
				return slog.String(a.Key, m)
			}
		}
	case slog.KindUint64:
		if s := strconv.FormatUint(v.Uint64(), 10); len(s) >= 12 {
			if m := Scrub(s); m != s {
				return slog.String(a.Key, m)
			}
		}
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, ga := range g {
			out[i] = scrubAttr(ga)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		s := fmt.Sprint(v.Any())
		if m := Scrub(s); m != s {
			return slog.String(a.Key, m)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
