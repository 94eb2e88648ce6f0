package orders

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/platform/iso"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Status is where an order is in its life cycle.
type Status string

// The statuses, in the order an order normally passes through them.
const (
	Received  Status = "received"
	Confirmed Status = "confirmed"
	Shipped   Status = "shipped"
	Delivered Status = "delivered"
	Cancelled Status = "cancelled"
	Returned  Status = "returned"
)

// Statuses lists every status.
var Statuses = []Status{Received, Confirmed, Shipped, Delivered, Cancelled, Returned}

// transitions are the allowed moves. Cancelled and returned are final: a
// cancelled order that is sold again is a new order, and a returned one is
// followed up as a return, not by reviving the order.
var transitions = map[Status][]Status{
	Received:  {Confirmed, Cancelled},
	Confirmed: {Shipped, Cancelled},
	Shipped:   {Delivered, Returned},
	Delivered: {Returned},
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// CanMoveTo reports whether an order in status s may move to next.
func (s Status) CanMoveTo(next Status) bool { return slices.Contains(transitions[s], next) }

// Next lists the statuses an order in s may move to.
func (s Status) Next() []Status { return slices.Clone(transitions[s]) }

// Buyer is who placed the order.
type Buyer struct {
	Name    string `json:"name"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Country string `json:"country"`
}

// Address is a postal address.
type Address struct {
	Name     string `json:"name"`
	Line1    string `json:"line1"`
	Line2    string `json:"line2,omitempty"`
	City     string `json:"city"`
	Region   string `json:"region,omitempty"`
	Postcode string `json:"postcode,omitempty"`
	Country  string `json:"country"`
	Phone    string `json:"phone,omitempty"`
}

// Line is one product line of an order.
type Line struct {
	SKU       string      `json:"sku"`
	Quantity  int64       `json:"quantity"`
	UnitPrice money.Money `json:"unit_price"`
	Title     string      `json:"title,omitempty"`
}

// NewOrder is an order as a channel reports it: the body of POST
// /api/v1/orders and one line of the bulk NDJSON.
type NewOrder struct {
	ExternalID string    `json:"external_id"`
	Channel    string    `json:"channel"`
	PlacedAt   time.Time `json:"placed_at"`
	Currency   string    `json:"currency"`
	Buyer      Buyer     `json:"buyer"`
	ShipTo     Address   `json:"ship_to"`
	Lines      []Line    `json:"lines"`

	// Set by Validate.
	total    int64
	quantity int64
}

// XMLRoot names the XML root element of an order.
func (NewOrder) XMLRoot() string { return "order" }

// Totals are the sums over an order's lines.
type Totals struct {
	// Lines is the sum of quantity × unit price over the lines.
	Lines money.Money `json:"lines"`
	// Quantity is the number of units ordered.
	Quantity int64 `json:"quantity"`
}

// StatusChange is one entry of an order's status history.
type StatusChange struct {
	Status Status    `json:"status"`
	At     time.Time `json:"at"`
	// By is the credential (API key or user id) that made the change.
	By   string `json:"by"`
	Note string `json:"note"`
}

// Order is a stored order.
type Order struct {
	ID            string         `json:"id"`
	ExternalID    string         `json:"external_id"`
	Channel       string         `json:"channel"`
	PlacedAt      time.Time      `json:"placed_at"`
	Currency      string         `json:"currency"`
	Buyer         Buyer          `json:"buyer"`
	ShipTo        Address        `json:"ship_to"`
	Lines         []Line         `json:"lines"`
	Status        Status         `json:"status"`
	Totals        Totals         `json:"totals"`
	StatusHistory []StatusChange `json:"status_history"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
}

// XMLRoot names the XML root element of an order.
func (Order) XMLRoot() string { return "order" }

// StatusUpdate is the body of POST /api/v1/orders/{id}/status.
type StatusUpdate struct {
	Status Status `json:"status"`
	Note   string `json:"note,omitempty"`
}

// XMLRoot names the XML root element of a status update.
func (StatusUpdate) XMLRoot() string { return "status_update" }

// Validate checks the update.
func (u *StatusUpdate) Validate() error {
	var fs problem.Errors
	u.Note = strings.TrimSpace(u.Note)
	if u.Status == "" {
		fs.Add("status", "required")
	} else if !u.Status.Valid() {
		fs.Add("status", "one_of", "values", statusList())
	}
	text(&fs, "note", u.Note, 500, false)
	return fs.Err()
}

func statusList() string {
	s := make([]string, len(Statuses))
	for i, v := range Statuses {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// Limits on one order.
const (
	MaxLines    = 1000
	MaxQuantity = 1_000_000
	// maxIntDigits bounds the integer part of an amount, so that a line
	// total in minor units cannot overflow unnoticed.
	maxIntDigits = 13
)

// noPostcode lists countries whose addresses have no postal code; ship_to
// must carry one everywhere else.
var noPostcode = []string{"AE", "AG", "AO", "AW", "BF", "BI", "BJ", "BO", "BS", "BW", "BZ", "CD", "CF",
	"CG", "CI", "CK", "CM", "DJ", "DM", "ER", "FJ", "GA", "GD", "GH", "GM", "GQ", "GY", "HK", "KI", "KM",
	"KN", "KP", "LY", "ML", "MO", "MR", "MW", "NR", "NU", "QA", "RW", "SB", "SC", "SL", "SR", "ST", "SY",
	"TD", "TG", "TK", "TL", "TO", "TV", "UG", "VU", "YE", "ZW"}

// Validate normalises the order (trimmed text, lower-case channel,
// upper-case codes, amounts in the currency's minor units, phones without
// separators, UTC time) and checks it, naming every field at fault
// ("lines[1].unit_price.currency"). It computes the totals.
func (o *NewOrder) Validate() error {
	var fs problem.Errors
	o.ExternalID = strings.TrimSpace(o.ExternalID)
	text(&fs, "external_id", o.ExternalID, 128, true)

	o.Channel = strings.ToLower(strings.TrimSpace(o.Channel))
	switch {
	case o.Channel == "":
		fs.Add("channel", "required")
	case !channelShape(o.Channel):
		fs.Add("channel", "invalid_format", "format", "1 to 64 letters, digits, '-', '_' or '.', e.g. amazon-de")
	}
	if o.PlacedAt.IsZero() {
		fs.Add("placed_at", "required")
	} else {
		o.PlacedAt = o.PlacedAt.UTC().Truncate(time.Microsecond)
	}
	o.Currency = strings.TrimSpace(o.Currency)
	digits := 0
	currencyOK := false
	switch {
	case o.Currency == "":
		fs.Add("currency", "required")
	case !money.ValidCurrency(o.Currency):
		fs.Add("currency", money.CodeCurrency, "currency", o.Currency)
	default:
		digits, _ = money.Digits(o.Currency)
		currencyOK = true
	}

	b := &o.Buyer
	b.Name = strings.TrimSpace(b.Name)
	text(&fs, "buyer.name", b.Name, 200, true)
	b.Email = strings.TrimSpace(b.Email)
	if b.Email != "" && !emailShape(b.Email) {
		fs.Add("buyer.email", "invalid_email")
	}
	b.Phone = phone(&fs, "buyer.phone", b.Phone)
	b.Country = country(&fs, "buyer.country", b.Country)

	a := &o.ShipTo
	a.Name = strings.TrimSpace(a.Name)
	text(&fs, "ship_to.name", a.Name, 200, true)
	a.Line1 = strings.TrimSpace(a.Line1)
	text(&fs, "ship_to.line1", a.Line1, 200, true)
	a.Line2 = strings.TrimSpace(a.Line2)
	text(&fs, "ship_to.line2", a.Line2, 200, false)
	a.City = strings.TrimSpace(a.City)
	text(&fs, "ship_to.city", a.City, 100, true)
	a.Region = strings.TrimSpace(a.Region)
	text(&fs, "ship_to.region", a.Region, 100, false)
	a.Country = country(&fs, "ship_to.country", a.Country)
	a.Postcode = strings.TrimSpace(a.Postcode)
	text(&fs, "ship_to.postcode", a.Postcode, 20, a.Country != "" && !slices.Contains(noPostcode, a.Country))
	a.Phone = phone(&fs, "ship_to.phone", a.Phone)

	switch {
	case len(o.Lines) == 0:
		fs.Add("lines", "min_items", "min", 1)
	case len(o.Lines) > MaxLines:
		fs.Add("lines", "max_items", "max", MaxLines)
	}
	o.total, o.quantity = 0, 0
	overflow := false
	for i := range o.Lines {
		if i >= MaxLines {
			break
		}
		l := &o.Lines[i]
		p := "lines[" + strconv.Itoa(i) + "]"
		l.SKU = strings.TrimSpace(l.SKU)
		text(&fs, p+".sku", l.SKU, 64, true)
		l.Title = strings.TrimSpace(l.Title)
		text(&fs, p+".title", l.Title, 500, false)
		qtyOK := l.Quantity >= 1 && l.Quantity <= MaxQuantity
		if !qtyOK {
			fs.Add(p+".quantity", "out_of_range", "min", 1, "max", MaxQuantity)
		}
		l.UnitPrice.Currency = strings.TrimSpace(l.UnitPrice.Currency)
		switch {
		case l.UnitPrice.Currency == "":
			fs.Add(p+".unit_price.currency", "required")
		case !money.ValidCurrency(l.UnitPrice.Currency):
			fs.Add(p+".unit_price.currency", money.CodeCurrency, "currency", l.UnitPrice.Currency)
		case currencyOK && l.UnitPrice.Currency != o.Currency:
			fs.Add(p+".unit_price.currency", "currency_mismatch", "currency", o.Currency)
		case currencyOK:
			minor, norm, code, params := parseAmount(l.UnitPrice.Amount, digits, o.Currency)
			if code != "" {
				fs.Add(p+".unit_price.amount", code, params...)
				break
			}
			l.UnitPrice.Amount = norm
			if qtyOK && !overflow {
				t, ok := mulAdd(o.total, minor, l.Quantity)
				if !ok {
					overflow = true
					fs.Add("lines", "total_too_large")
				}
				o.total = t
			}
		}
		if qtyOK {
			o.quantity += l.Quantity
		}
	}
	return fs.Err()
}

// Totals returns the order's totals; valid after Validate succeeded.
func (o *NewOrder) Totals() Totals {
	d, _ := money.Digits(o.Currency)
	return Totals{Lines: money.Money{Amount: formatMinor(o.total, d), Currency: o.Currency}, Quantity: o.quantity}
}

// text checks a free-text field: required or not, at most max characters,
// no control characters.
func text(fs *problem.Errors, field, s string, max int, required bool) {
	if s == "" {
		if required {
			fs.Add(field, "required")
		}
		return
	}
	if len(s) > max && utf8.RuneCountInString(s) > max {
		fs.Add(field, "max_length", "max", max)
		return
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			fs.Add(field, "control_characters")
			return
		}
	}
}

func channelShape(s string) bool {
	if len(s) > 64 || s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '-' && c != '_' && c != '.') {
			return false
		}
	}
	return true
}

func country(fs *problem.Errors, field, code string) string {
	code = strings.TrimSpace(code)
	switch {
	case code == "":
		fs.Add(field, "required")
	case !iso.Country(code):
		fs.Add(field, "invalid_country", "country", code)
		return code
	}
	return code
}

// emailShape is a deliberately plain check of an e-mail address: one "@",
// a local part and a dotted domain, no spaces or control characters, within
// the lengths of RFC 5321. Deliverability is the channel's concern.
func emailShape(s string) bool {
	if len(s) > 254 {
		return false
	}
	at := strings.IndexByte(s, '@')
	if at < 1 || at > 64 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return false
	}
	domain := s[at+1:]
	if len(domain) < 3 || domain[0] == '.' || domain[len(domain)-1] == '.' ||
		!strings.Contains(domain, ".") || strings.Contains(domain, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' ||
			c == ';' || c == ':' || c == '\\' || c == '"' || c == '[' || c == ']' {
			return false
		}
	}
	return true
}

// phone checks an optional telephone number in E.164 style and returns it
// without separators: an optional "+", then 6 to 15 digits; spaces, dots,
// dashes and parentheses between digits are allowed on input.
func phone(fs *problem.Errors, field, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s))
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
			digits++
		case c == '+' && i == 0:
			b.WriteByte(c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			fs.Add(field, "invalid_phone")
			return s
		}
	}
	if digits < 6 || digits > 15 {
		fs.Add(field, "invalid_phone")
		return s
	}
	return b.String()
}

// parseAmount reads a non-negative decimal amount in a currency with
// digits minor units and returns it in minor units and normalised
// ("19.9" → "19.90"). It agrees with money.Check on what it accepts and
// which codes it returns, without the arbitrary-precision arithmetic that
// would dominate the bulk path.
func parseAmount(s string, digits int, currency string) (int64, string, string, []any) {
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	ip, fp, hasDot := strings.Cut(s, ".")
	if ip == "" || (hasDot && fp == "") || !allDigits(ip) || !allDigits(fp) {
		return 0, "", money.CodeAmount, nil
	}
	if t := strings.TrimRight(fp, "0"); len(t) > digits {
		return 0, "", money.CodePrecision, []any{"digits", digits, "currency", currency}
	}
	ip = strings.TrimLeft(ip, "0")
	if len(ip) > maxIntDigits {
		return 0, "", "out_of_range", []any{"min", 0, "max", "1e" + strconv.Itoa(maxIntDigits)}
	}
	var v int64
	for i := 0; i < len(ip); i++ {
		v = v*10 + int64(ip[i]-'0')
	}
	for i := 0; i < digits; i++ {
		v *= 10
		if i < len(fp) {
			v += int64(fp[i] - '0')
		}
	}
	if neg && v != 0 {
		return 0, "", money.CodeNegative, nil
	}
	return v, formatMinor(v, digits), "", nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// formatMinor renders v minor units with digits decimals.
func formatMinor(v int64, digits int) string {
	s := strconv.FormatInt(v, 10)
	if digits == 0 {
		return s
	}
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	return s[:len(s)-digits] + "." + s[len(s)-digits:]
}

// mulAdd returns acc + a×q, and false on overflow.
func mulAdd(acc, a, q int64) (int64, bool) {
	const limit = 1<<63 - 1
	if a != 0 && q > limit/a {
		return 0, false
	}
	p := a * q
	if acc > limit-p {
		return 0, false
	}
	return acc + p, true
}
