package ledger

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Kinds lists the account kinds.
var Kinds = []string{"asset", "liability", "equity", "revenue", "expense", "external"}

// Account flags.
const (
	NoNegative = "no_negative"
	NoPositive = "no_positive"
)

const (
	flagNoNegative = 1 << iota
	flagNoPositive
)

// MaxShards bounds how many balance rows one account is split into.
const MaxShards = 64

// maxMinor bounds one posting (in minor units) so that sums of many
// postings stay far from int64 overflow.
const maxMinor = 1_000_000_000_000_000

// Platform account codes: created on first use in each asset, per tenant
// and partition. Tenants cannot create accounts under "platform:".
const (
	World            = "platform:world"
	Fees             = "platform:fees"
	FXPosition       = "platform:fx"
	PayoutsInTransit = "platform:payouts_in_transit"
	// FXRevenue is what the platform earns on FX spreads, kept apart from
	// its fees so that the books show each.
	FXRevenue = "platform:fx_revenue"
)

type platformSpec struct {
	kind   string
	flags  int
	shards int
}

// Every platform account is hot (every seller's entries touch it), so it
// is sharded. None is guarded: the world is where money enters and leaves
// the ledger, and the FX position goes either way.
var platformAccounts = map[string]platformSpec{
	World:            {kind: "external", shards: 16},
	Fees:             {kind: "revenue", shards: 16},
	FXPosition:       {kind: "asset", shards: 16},
	PayoutsInTransit: {kind: "liability", shards: 16},
	FXRevenue:        {kind: "revenue", shards: 16},
}

// Account is a ledger account holding one asset.
type Account struct {
	ID          string    `json:"id"`
	Code        string    `json:"code"`
	Asset       string    `json:"asset"`
	Kind        string    `json:"kind"`
	Flags       []string  `json:"flags"`
	Shards      int       `json:"shards"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	Balance     *Balance  `json:"balance,omitempty"`
}

// Balance is an account's counters, summed over its shards. Balance is
// credits − debits posted; Available also holds back pending debits.
type Balance struct {
	DebitsPosted   money.Money `json:"debits_posted"`
	CreditsPosted  money.Money `json:"credits_posted"`
	DebitsPending  money.Money `json:"debits_pending"`
	CreditsPending money.Money `json:"credits_pending"`
	Posted         money.Money `json:"posted"`
	Available      money.Money `json:"available"`
}

// counters are a Balance in minor units.
type counters struct{ dPost, cPost, dPend, cPend int64 }

func (c counters) balance(asset string) *Balance {
	return &Balance{DebitsPosted: fromMinor(c.dPost, asset), CreditsPosted: fromMinor(c.cPost, asset),
		DebitsPending: fromMinor(c.dPend, asset), CreditsPending: fromMinor(c.cPend, asset),
		Posted: fromMinor(c.cPost-c.dPost, asset), Available: fromMinor(c.cPost-c.dPost-c.dPend, asset)}
}

// NewAccount creates an account.
type NewAccount struct {
	Code        string   `json:"code"`
	Asset       string   `json:"asset"`
	Kind        string   `json:"kind"`
	Flags       []string `json:"flags,omitempty"`
	Shards      int      `json:"shards,omitempty"`
	Description string   `json:"description,omitempty"`
}

var codeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*(:[a-z0-9_.@-]+)*$`)

// Validate checks n and fills defaults.
func (n *NewAccount) Validate() error {
	var fs problem.Errors
	switch {
	case n.Code == "":
		fs.Add("code", "required")
	case len(n.Code) > 100:
		fs.Add("code", "max_length", "max", 100)
	case strings.HasPrefix(n.Code, "platform:") || n.Code == "platform":
		fs.Add("code", "reserved_prefix", "prefix", "platform:")
	case strings.HasPrefix(n.Code, "lac_") || !codeRE.MatchString(n.Code):
		fs.Add("code", "invalid_format", "format", "lower-case segments separated by colons, e.g. sellers:1234:main")
	}
	if n.Asset == "" {
		fs.Add("asset", "required")
	} else if !money.ValidCurrency(n.Asset) {
		fs.Add("asset", money.CodeCurrency, "currency", n.Asset)
	}
	if n.Kind == "" {
		fs.Add("kind", "required")
	} else if !slices.Contains(Kinds, n.Kind) {
		fs.Add("kind", "one_of", "values", strings.Join(Kinds, ", "))
	}
	for i, f := range n.Flags {
		if f != NoNegative && f != NoPositive {
			fs.Add(fmt.Sprintf("flags[%d]", i), "one_of", "values", NoNegative+", "+NoPositive)
		}
	}
	if slices.Contains(n.Flags, NoNegative) && slices.Contains(n.Flags, NoPositive) {
		fs.Add("flags", "invalid_value")
	}
	if n.Shards == 0 {
		n.Shards = 1
	}
	if n.Shards < 1 || n.Shards > MaxShards {
		fs.Add("shards", "out_of_range", "min", 1, "max", MaxShards)
	}
	if len(n.Description) > 500 {
		fs.Add("description", "max_length", "max", 500)
	}
	return fs.Err()
}

func flagBits(fs []string) int {
	b := 0
	if slices.Contains(fs, NoNegative) {
		b |= flagNoNegative
	}
	if slices.Contains(fs, NoPositive) {
		b |= flagNoPositive
	}
	return b
}

func flagNames(b int) []string {
	out := []string{}
	if b&flagNoNegative != 0 {
		out = append(out, NoNegative)
	}
	if b&flagNoPositive != 0 {
		out = append(out, NoPositive)
	}
	return out
}

// Directions of a posting.
const (
	Debit  = "debit"
	Credit = "credit"
)

// PostingInput is one leg of a new entry: an account named by id or by
// code (the amount's currency picks the account of that code), a
// direction and a positive amount.
type PostingInput struct {
	Account   string      `json:"account"`
	Direction string      `json:"direction"`
	Amount    money.Money `json:"amount"`
}

// NewEntry creates an entry.
type NewEntry struct {
	// IdempotencyKey makes retries safe: the same key and body answer the
	// first result; the same key with another body is 409.
	IdempotencyKey string            `json:"idempotency_key,omitempty"`
	Description    string            `json:"description,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	// Pending reserves the amounts until the entry is posted or voided.
	Pending bool `json:"pending,omitempty"`
	// ExpiresIn is a pending entry's life in seconds (default one day);
	// it is voided when it runs out.
	ExpiresIn int            `json:"expires_in,omitempty"`
	Postings  []PostingInput `json:"postings"`
}

// Bounds of an entry.
const (
	MaxPostings      = 100
	DefaultExpiresIn = 24 * 60 * 60
	MaxExpiresIn     = 30 * 24 * 60 * 60
)

// PostRequest posts a pending entry. Without postings every pending
// amount is posted; otherwise each given posting names a pending one (by
// account, direction and currency) and may be smaller, the rest being
// released; the postings must balance per asset.
type PostRequest struct {
	Postings []PostingInput `json:"postings,omitempty"`
}

// Posting is one stored leg.
type Posting struct {
	AccountID   string      `json:"account_id"`
	AccountCode string      `json:"account_code"`
	Direction   string      `json:"direction"`
	Amount      money.Money `json:"amount"`
	// Phase is pending for a hold's reservations, posted otherwise.
	Phase string `json:"phase"`
}

// Entry kinds and statuses.
const (
	KindTransfer = "transfer"
	KindPost     = "post"
	KindVoid     = "void"
	KindReversal = "reversal"

	StatusPending = "pending"
	StatusPosted  = "posted"
	StatusVoided  = "voided"
)

// Entry is a balanced group of postings.
type Entry struct {
	ID             string            `json:"id"`
	Kind           string            `json:"kind"`
	Status         string            `json:"status"`
	IdempotencyKey string            `json:"idempotency_key,omitempty"`
	Description    string            `json:"description,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	// RefID is the pending entry a post or void closes, or the entry a
	// reversal reverses.
	RefID string `json:"ref_id,omitempty"`
	// ClosedBy is the post or void entry that closed a pending entry.
	ClosedBy string `json:"closed_by,omitempty"`
	// ReversedBy is the reversal of this entry, once reversed.
	ReversedBy string     `json:"reversed_by,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	Postings   []Posting  `json:"postings"`
}

// leg is a validated posting in minor units.
type leg struct {
	ref       string // account id or code as given
	asset     string
	debit     bool
	amount    int64
	field     string
	accountID string
	acct      *account
	shard     int
}

// validateLegs checks postings (field names start with prefix) and that
// they balance per asset.
func validateLegs(prefix string, in []PostingInput, fs *problem.Errors) []leg {
	if len(in) == 0 {
		fs.Add(prefix, "required")
		return nil
	}
	if len(in) > MaxPostings {
		fs.Add(prefix, "max_items", "max", MaxPostings)
		return nil
	}
	legs := make([]leg, 0, len(in))
	sums := map[string]int64{} // debits − credits per asset
	var assets []string
	bad := len(*fs)
	for i, p := range in {
		f := fmt.Sprintf("%s[%d]", prefix, i)
		l := leg{ref: strings.TrimSpace(p.Account), field: f}
		if l.ref == "" {
			fs.Add(f+".account", "required")
		}
		switch p.Direction {
		case Debit:
			l.debit = true
		case Credit:
		case "":
			fs.Add(f+".direction", "required")
		default:
			fs.Add(f+".direction", "one_of", "values", Debit+", "+Credit)
		}
		m, code, params := money.Check(p.Amount, false)
		if code != "" {
			field := f + ".amount.amount"
			if code == money.CodeCurrency {
				field = f + ".amount.currency"
			}
			fs.Add(field, code, params...)
			continue
		}
		n, err := toMinor(m)
		switch {
		case err != nil || n > maxMinor:
			fs.Add(f+".amount.amount", "out_of_range", "min", "0", "max", fromMinor(maxMinor, m.Currency).Amount)
			continue
		case n == 0:
			fs.Add(f+".amount.amount", "positive")
			continue
		}
		l.asset, l.amount = m.Currency, n
		if _, ok := sums[l.asset]; !ok {
			assets = append(assets, l.asset)
		}
		if l.debit {
			sums[l.asset] += n
		} else {
			sums[l.asset] -= n
		}
		legs = append(legs, l)
	}
	if len(*fs) > bad {
		return nil
	}
	for _, a := range assets {
		if d := sums[a]; d != 0 {
			fs.Add(prefix, "unbalanced", "asset", a, "difference", fromMinor(d, a).Amount)
		}
	}
	return legs
}

// validate checks n and returns its postings as legs; they must balance
// per asset.
func (n *NewEntry) validate() ([]leg, error) {
	var fs problem.Errors
	if len(n.IdempotencyKey) > 200 {
		fs.Add("idempotency_key", "max_length", "max", 200)
	}
	if len(n.Description) > 500 {
		fs.Add("description", "max_length", "max", 500)
	}
	if len(n.Metadata) > 20 {
		fs.Add("metadata", "max_items", "max", 20)
	}
	for k, v := range n.Metadata {
		if len(k) > 100 || len(v) > 500 {
			fs.Add("metadata."+k, "max_length", "max", 500)
		}
	}
	switch {
	case n.ExpiresIn != 0 && !n.Pending:
		fs.Add("expires_in", "invalid_value")
	case n.ExpiresIn < 0 || n.ExpiresIn > MaxExpiresIn:
		fs.Add("expires_in", "out_of_range", "min", 1, "max", MaxExpiresIn)
	}
	legs := validateLegs("postings", n.Postings, &fs)
	return legs, fs.Err()
}

// toMinor converts an amount already normalised to its currency's minor
// units ("12.50") to an integer (1250).
func toMinor(m money.Money) (int64, error) {
	s := strings.ReplaceAll(m.Amount, ".", "")
	return strconv.ParseInt(s, 10, 64)
}

// fromMinor renders n minor units of asset as Money.
func fromMinor(n int64, asset string) money.Money {
	d, _ := money.Digits(asset)
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n)
	}
	s := strconv.FormatUint(u, 10)
	if d > 0 {
		if len(s) <= d {
			s = strings.Repeat("0", d-len(s)+1) + s
		}
		s = s[:len(s)-d] + "." + s[len(s)-d:]
	}
	if neg {
		s = "-" + s
	}
	return money.Money{Amount: s, Currency: asset}
}

// Problems the ledger returns.
func errInsufficient(field, account string) error {
	return &problem.Error{Status: http.StatusConflict, Code: "insufficient_funds", Params: []any{"account", account},
		Fields: []problem.Field{{Field: field, Code: "insufficient_funds", Params: []any{"account", account}}}}
}

func errBalanceLimit(field, account string) error {
	return &problem.Error{Status: http.StatusConflict, Code: "balance_limit", Params: []any{"account", account},
		Fields: []problem.Field{{Field: field, Code: "balance_limit", Params: []any{"account", account}}}}
}

func errKeyReused(key, id string) error {
	return &problem.Error{Status: http.StatusConflict, Code: "idempotency_key_reused", Params: []any{"id", id},
		Fields: []problem.Field{{Field: "idempotency_key", Code: "reused"}}}
}

func errState(code, id, status string) error {
	return problem.Conflict(code, "id", id, "status", status)
}
