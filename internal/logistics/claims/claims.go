package claims

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Type is what went wrong with the shipment.
type Type string

// The claim types.
const (
	Loss     Type = "loss"
	Damage   Type = "damage"
	Delay    Type = "delay"
	Shortage Type = "shortage"
)

// Types lists every claim type.
var Types = []Type{Loss, Damage, Delay, Shortage}

// Valid reports whether t is a known type.
func (t Type) Valid() bool { return slices.Contains(Types, t) }

// Status is where a claim is in its life cycle.
type Status string

// The statuses, in the order a claim normally passes through them.
const (
	Filed       Status = "filed"
	Submitted   Status = "submitted"
	UnderReview Status = "under_review"
	Approved    Status = "approved"
	Rejected    Status = "rejected"
	Paid        Status = "paid"
	Closed      Status = "closed"
	Withdrawn   Status = "withdrawn"
)

// Statuses lists every status.
var Statuses = []Status{Filed, Submitted, UnderReview, Approved, Rejected, Paid, Closed, Withdrawn}

// transitions is the state machine. A claim can be withdrawn until the
// carrier decides; an approved claim waits for the carrier's payment, and
// a rejected one is closed (a new claim is a new claim).
var transitions = map[Status][]Status{
	Filed:       {Submitted, Withdrawn},
	Submitted:   {UnderReview, Withdrawn},
	UnderReview: {Approved, Rejected, Withdrawn},
	Approved:    {Paid},
	Rejected:    {Closed},
	Paid:        {Closed},
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// CanMoveTo reports whether a claim in s may move to next.
func (s Status) CanMoveTo(next Status) bool { return slices.Contains(transitions[s], next) }

// Next lists the statuses a claim in s may move to.
func (s Status) Next() []Status { return slices.Clone(transitions[s]) }

// Final reports whether nothing follows s.
func (s Status) Final() bool { return len(transitions[s]) == 0 }

// open reports whether evidence may still be added: until the carrier
// decides.
func (s Status) open() bool { return s == Filed || s == Submitted || s == UnderReview }

// Upheld reports whether a claim in s was approved by the carrier.
func (s Status) Upheld() bool { return s == Approved || s == Paid }

// Line is a part of the shipment the claim is about.
type Line struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// Document is an evidence document's record; its bytes are downloaded
// from DownloadURL.
type Document struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	MediaType   string    `json:"media_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedAt  time.Time `json:"uploaded_at"`
	UploadedBy  string    `json:"uploaded_by"`
	DownloadURL string    `json:"download_url"`
}

// Step is one entry of a claim's history.
type Step struct {
	Status Status    `json:"status"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Note   string    `json:"note,omitempty"`
}

// Claim is a claim against the carrier for one shipment.
type Claim struct {
	ID             string `json:"id"`
	ShipmentID     string `json:"shipment_id"`
	OrderID        string `json:"order_id"`
	TrackingNumber string `json:"tracking_number"`
	// Carrier is the rate card's carrier name, CarrierCode the connector
	// that bought the label (claim windows are kept per code).
	Carrier       string `json:"carrier"`
	CarrierCode   string `json:"carrier_code"`
	ServiceID     string `json:"service_id"`
	OriginCountry string `json:"origin_country"`
	DestCountry   string `json:"dest_country"`
	Type          Type   `json:"type"`
	Status        Status `json:"status"`
	// ClaimedAmount is what the claim asks for; SettledAmount what the
	// carrier approved (at most the claimed amount, same currency).
	ClaimedAmount money.Money  `json:"claimed_amount"`
	SettledAmount *money.Money `json:"settled_amount,omitempty"`
	Description   string       `json:"description"`
	Lines         []Line       `json:"lines,omitempty"`
	// CarrierReference is the carrier's own claim number, once submitted.
	CarrierReference string `json:"carrier_reference,omitempty"`
	RejectionReason  string `json:"rejection_reason,omitempty"`
	// FileBy is the end of the carrier's window the claim was filed in.
	FileBy time.Time `json:"file_by"`
	// LedgerEntryID is the settlement entry a paid claim was booked as.
	LedgerEntryID string     `json:"ledger_entry_id,omitempty"`
	Evidence      []Document `json:"evidence"`
	History       []Step     `json:"history"`
	Version       int64      `json:"version"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// XMLRoot names the XML root element.
func (Claim) XMLRoot() string { return "claim" }

// Limits on what a claim holds.
const (
	MaxDescription = 4000
	MaxNote        = 1000
	MaxLines       = 100
	MaxEvidence    = 20
	// MaxEvidenceSize bounds one evidence document.
	MaxEvidenceSize = 10 << 20
)

// EvidenceTypes are the media types evidence may have.
var EvidenceTypes = []string{"application/pdf", "image/jpeg", "image/png"}

// NewClaim is the body of POST /api/v1/shipments/{id}/claims.
type NewClaim struct {
	// ShipmentID comes from the path.
	ShipmentID    string      `json:"-"`
	Type          Type        `json:"type"`
	ClaimedAmount money.Money `json:"claimed_amount"`
	Description   string      `json:"description"`
	Lines         []Line      `json:"lines,omitempty"`
}

// Validate checks a new claim on its own (the shipment and the window are
// checked by the service) and normalises the amount. The shipment comes
// from the path, after decoding: the service checks it is there.
func (n *NewClaim) Validate() error { return n.check(false) }

func (n *NewClaim) check(withShipment bool) error {
	var fs problem.Errors
	n.ShipmentID = strings.TrimSpace(n.ShipmentID)
	n.Description = strings.TrimSpace(n.Description)
	if withShipment && n.ShipmentID == "" {
		fs.Add("shipment_id", "required")
	}
	if !n.Type.Valid() {
		fs.Add("type", "one_of", "values", typeList())
	}
	if m, ok := checkAmount(&fs, "claimed_amount", n.ClaimedAmount); ok {
		n.ClaimedAmount = m
	}
	switch {
	case n.Description == "":
		fs.Add("description", "required")
	case utf8.RuneCountInString(n.Description) > MaxDescription:
		fs.Add("description", "max_length", "max", MaxDescription)
	}
	if len(n.Lines) > MaxLines {
		fs.Add("lines", "max_items", "max", MaxLines)
	} else {
		for i := range n.Lines {
			l := &n.Lines[i]
			l.SKU = strings.TrimSpace(l.SKU)
			p := "lines[" + strconv.Itoa(i) + "]"
			switch {
			case l.SKU == "":
				fs.Add(p+".sku", "required")
			case len(l.SKU) > 64:
				fs.Add(p+".sku", "max_length", "max", 64)
			}
			if l.Quantity <= 0 {
				fs.Add(p+".quantity", "positive")
			}
		}
	}
	return fs.Err()
}

// checkAmount validates a money amount for field f: an ISO 4217 currency,
// a decimal string with no more than its minor units, greater than zero.
func checkAmount(fs *problem.Errors, f string, m money.Money) (money.Money, bool) {
	if m.Currency == "" {
		fs.Add(f+".currency", "required")
		return m, false
	}
	if strings.TrimSpace(m.Amount) == "" {
		fs.Add(f+".amount", "required")
		return m, false
	}
	norm, code, params := money.Check(m, false)
	if code != "" {
		field := f + ".amount"
		if code == money.CodeCurrency {
			field = f + ".currency"
		}
		fs.Add(field, code, params...)
		return m, false
	}
	if strings.Trim(strings.ReplaceAll(norm.Amount, ".", ""), "0") == "" {
		fs.Add(f+".amount", "positive")
		return m, false
	}
	return norm, true
}

// Transition is the body of POST /api/v1/claims/{id}/transitions.
type Transition struct {
	// To is the status to move to.
	To   Status `json:"to"`
	Note string `json:"note,omitempty"`
	// CarrierReference is the carrier's claim number (on submitted; kept
	// when given later).
	CarrierReference string `json:"carrier_reference,omitempty"`
	// SettledAmount is required to approve: at most the claimed amount,
	// in its currency.
	SettledAmount *money.Money `json:"settled_amount,omitempty"`
	// Reason is required to reject.
	Reason string `json:"reason,omitempty"`
}

func (t *Transition) validate(c Claim) error {
	var fs problem.Errors
	t.Note, t.Reason = strings.TrimSpace(t.Note), strings.TrimSpace(t.Reason)
	t.CarrierReference = strings.TrimSpace(t.CarrierReference)
	if !t.To.Valid() {
		fs.Add("to", "one_of", "values", statusList())
		return fs.Err()
	}
	if utf8.RuneCountInString(t.Note) > MaxNote {
		fs.Add("note", "max_length", "max", MaxNote)
	}
	if utf8.RuneCountInString(t.Reason) > MaxNote {
		fs.Add("reason", "max_length", "max", MaxNote)
	}
	if len(t.CarrierReference) > 64 {
		fs.Add("carrier_reference", "max_length", "max", 64)
	}
	// The step's own data is checked only for a move the state machine
	// allows, so that an illegal move is always 409, never 422.
	if !c.Status.CanMoveTo(t.To) {
		return fs.Err()
	}
	switch t.To {
	case Approved:
		if t.SettledAmount == nil {
			fs.Add("settled_amount", "required")
			break
		}
		m, ok := checkAmount(&fs, "settled_amount", *t.SettledAmount)
		if !ok {
			break
		}
		if m.Currency != c.ClaimedAmount.Currency {
			fs.Add("settled_amount.currency", "claim_currency", "currency", c.ClaimedAmount.Currency)
			break
		}
		if cmpAmount(m, c.ClaimedAmount) > 0 {
			fs.Add("settled_amount.amount", "exceeds_claimed", "amount", c.ClaimedAmount.String())
			break
		}
		t.SettledAmount = &m
	case Rejected:
		if t.Reason == "" {
			fs.Add("reason", "required")
		}
	}
	return fs.Err()
}

// cmpAmount compares two normalised amounts of one currency.
func cmpAmount(a, b money.Money) int {
	da, err1 := a.Decimal()
	db, err2 := b.Decimal()
	if err1 != nil || err2 != nil {
		return 0
	}
	c, err := da.Cmp(db)
	if err != nil {
		return 0
	}
	return c
}

func errTransition(from, to Status) error {
	allowed := make([]string, 0, 3)
	for _, n := range from.Next() {
		allowed = append(allowed, string(n))
	}
	if len(allowed) == 0 {
		allowed = []string{"-"}
	}
	return &problem.Error{Status: 409, Code: "invalid_claim_transition",
		Params: []any{"status", string(from), "to", string(to), "allowed", strings.Join(allowed, ", ")}}
}

func typeList() string {
	out := make([]string, len(Types))
	for i, t := range Types {
		out[i] = string(t)
	}
	return strings.Join(out, ", ")
}

func statusList() string { return strings.Join(statusStrings(), ", ") }

func statusStrings() []string {
	out := make([]string, len(Statuses))
	for i, s := range Statuses {
		out[i] = string(s)
	}
	return out
}

func typeStrings() []string {
	out := make([]string, len(Types))
	for i, t := range Types {
		out[i] = string(t)
	}
	return out
}
