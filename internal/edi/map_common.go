package edi

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Helpers shared by the X12 and EDIFACT mappers.

// el is element i, trimmed: senders pad values (214 B10 does).
func el(s *Segment, i int) string { return strings.TrimSpace(s.Element(i)) }

// co is component c of element i, trimmed.
func co(s *Segment, i, c int) string { return strings.TrimSpace(s.Component(i, c)) }

// amount reads a decimal value, reporting it when malformed. Empty is "".
func (c *mapCtx) amount(s *Segment, elem, comp int) string {
	v := strings.TrimSpace(s.Value(elem, 1, max(comp, 1)))
	if v == "" {
		return ""
	}
	d, ok := normDecimal(v)
	if !ok {
		c.fail(CodeInvalidElement, rElemInvalid, elem, comp, "%q is not a decimal number", v)
		return ""
	}
	return d
}

// quantity reads a quantity; required reports an empty one.
func (c *mapCtx) quantity(s *Segment, elem, comp int, required bool) json.Number {
	v := strings.TrimSpace(s.Value(elem, 1, max(comp, 1)))
	if v == "" {
		if required {
			c.fail(CodeInvalidElement, rElemMissing, elem, comp, "quantity is missing")
		}
		return ""
	}
	d, ok := normDecimal(v)
	if !ok {
		c.fail(CodeInvalidElement, rElemInvalid, elem, comp, "quantity %q is not a number", v)
		return ""
	}
	return json.Number(d)
}

// x12When reads an X12 date element and optional time element (0 for none)
// with an optional time code; "" when the date is empty.
func (c *mapCtx) x12When(s *Segment, dateEl, timeEl int, tz string) string {
	date := el(s, dateEl)
	if date == "" {
		return ""
	}
	tm := ""
	if timeEl > 0 {
		tm = el(s, timeEl)
	}
	t, ok := x12DateTime(date, tm, x12TimeZone(tz, c.loc))
	if !ok {
		c.fail(CodeInvalidElement, rElemDate, dateEl, 0, "%q %q is not a valid date and time", date, tm)
		return ""
	}
	return rfc3339(t)
}

// edifactWhen reads DTM's C507 (qualifier:value:format). Formats it does
// not know are returned as sent.
func (c *mapCtx) edifactWhen(s *Segment) (qual, value string) {
	qual, v, f := co(s, 1, 1), co(s, 1, 2), co(s, 1, 3)
	if v == "" {
		return qual, ""
	}
	if !knownDateFormat(f) {
		return qual, v
	}
	t, ok := edifactDateTime(v, f, c.loc)
	if !ok && f == "" {
		return qual, v // no format given and not an obvious one: keep it
	}
	if !ok {
		c.fail(CodeInvalidElement, rElemDate, 1, 2, "%q is not a valid date in format %q", v, f)
		return qual, ""
	}
	return qual, rfc3339(t)
}

// currencyCode checks an ISO 4217-shaped code.
func (c *mapCtx) currencyCode(s *Segment, elem, comp int) string {
	v := strings.ToUpper(strings.TrimSpace(s.Value(elem, 1, max(comp, 1))))
	if v == "" {
		return ""
	}
	if len(v) != 3 || strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		c.fail(CodeInvalidElement, rElemCode, elem, comp, "%q is not a currency code", v)
		return ""
	}
	return v
}

// checkCount compares a control total (CTT01, CNT) with what was counted.
func (c *mapCtx) checkCount(s *Segment, elem, comp int, n int, what string) {
	v := strings.TrimSpace(s.Value(elem, 1, max(comp, 1)))
	if v == "" {
		return
	}
	d, ok := normDecimal(v)
	if !ok || d != itoa(n) {
		c.fail(CodeInvalidElement, rElemInvalid, elem, comp, "control total %q but the document has %d %s", v, n, what)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// setMoney fills in the currency of amounts that did not name their own.
func setMoney(cur string, ms ...*Money) {
	for _, m := range ms {
		if m != nil && m.Currency == "" {
			m.Currency = cur
		}
	}
}

func money(amount, currency string) *Money {
	if amount == "" {
		return nil
	}
	return &Money{Amount: amount, Currency: currency}
}

// promote takes the first party with one of the roles, in order of
// preference, out of parties.
func promote(parties *[]Party, roles ...string) *Party {
	for _, r := range roles {
		for i, p := range *parties {
			if p.Role == r {
				out := p
				*parties = append((*parties)[:i:i], (*parties)[i+1:]...)
				return &out
			}
		}
	}
	return nil
}

// senderAsBuyer is the buyer of a purchase order that names none: the
// interchange sender (for EDIFACT sent without UNB, the partner profile's
// id), named after the partner profile when there is one.
func senderAsBuyer(c *mapCtx) *Party {
	b := &Party{Role: "BY", ID: c.ic.ID.Sender, IDQualifier: c.ic.ID.SenderQualifier}
	if c.profile != nil {
		b.Name = c.profile.Name
		if b.ID == "" {
			b.ID, b.IDQualifier = c.profile.PartnerID.ID, c.profile.PartnerID.Qualifier
		}
	}
	if b.ID == "" && b.Name == "" {
		return nil
	}
	return b
}

// finishLines sets SKUs and fills in currencies.
func finishLines(lines []Line, cur string) {
	for i := range lines {
		l := &lines[i]
		if l.SKU == "" {
			l.SKU = pickSKU(l.ProductIDs)
		}
		setMoney(cur, l.UnitPrice, l.Amount)
	}
}

func appendText(dst, v string) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return dst
	case dst == "":
		return v
	}
	return dst + " " + v
}

func appendUnique(list []string, v string) []string {
	if v == "" {
		return list
	}
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// rank returns v's position in prefs, len(prefs) when absent.
func rank(prefs []string, v string) int {
	for i, p := range prefs {
		if p == v {
			return i
		}
	}
	return len(prefs)
}
