package payouts

import (
	"regexp"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
)

// idRE is the form of seller and marketplace ids: they become segments of
// ledger account codes.
var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

const idFormat = "1 to 64 lower-case letters, digits, '_', '.' or '-'"

// Payout statuses.
const (
	StatusPending   = "pending"
	StatusPaid      = "paid"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"
)

// Batch statuses.
const (
	BatchSubmitted = "submitted"
	BatchCompleted = "completed"
	BatchRefused   = "refused"
)

// PayoutAccount is where and in which currency a seller is paid.
type PayoutAccount struct {
	ID       string `json:"id"`
	SellerID string `json:"seller_id"`
	Name     string `json:"name"`
	Currency string `json:"currency"`
	Rail     string `json:"rail"`
	// Kind is iban or ecny_wallet.
	Kind      string    `json:"kind"`
	IBAN      string    `json:"iban,omitempty"`
	BIC       string    `json:"bic,omitempty"`
	Wallet    string    `json:"wallet,omitempty"`
	Country   string    `json:"country,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PayoutAccountInput sets a seller's payout account.
type PayoutAccountInput struct {
	Name     string `json:"name"`
	Currency string `json:"currency"`
	// Rail is a registered rail (GET /api/v1/settlement/rails).
	Rail    string `json:"rail"`
	IBAN    string `json:"iban,omitempty"`
	BIC     string `json:"bic,omitempty"`
	Wallet  string `json:"wallet,omitempty"`
	Country string `json:"country,omitempty"`
}

// ProceedsInput is one marketplace settlement line for a seller.
type ProceedsInput struct {
	SellerID    string `json:"seller_id"`
	Marketplace string `json:"marketplace"`
	// Reference is the marketplace's id of the line; (marketplace,
	// reference) is taken once.
	Reference string      `json:"reference"`
	Gross     money.Money `json:"gross"`
	// Fee is the platform's fee, in the gross's currency (default zero).
	Fee *money.Money `json:"fee,omitempty"`
	// FXQuoteID is a quote selling the net (gross − fee) in the gross's
	// currency for the seller's payout currency; required when they
	// differ.
	FXQuoteID string `json:"fx_quote_id,omitempty"`
}

// Proceeds is a booked settlement line.
type Proceeds struct {
	ID          string      `json:"id"`
	SellerID    string      `json:"seller_id"`
	Marketplace string      `json:"marketplace"`
	Reference   string      `json:"reference"`
	Gross       money.Money `json:"gross"`
	Fee         money.Money `json:"fee"`
	Net         money.Money `json:"net"`
	// Credited is what the seller's payable account received, in the
	// seller's currency.
	Credited  money.Money `json:"credited"`
	FXQuoteID string      `json:"fx_quote_id,omitempty"`
	FXRate    string      `json:"fx_rate,omitempty"`
	// FXSpread is what the platform earned converting the net, in the
	// seller's currency: the net at the quote's provider rate less what
	// was credited. Booked to platform:fx_revenue in the same entry.
	FXSpread  *money.Money `json:"fx_spread,omitempty"`
	EntryID   string       `json:"entry_id"`
	CreatedAt time.Time    `json:"created_at"`
}

// BatchInput asks for a payout batch: every seller with a payout account
// on Rail in Currency (or those of SellerIDs) is paid its available
// balance.
type BatchInput struct {
	IdempotencyKey string   `json:"idempotency_key"`
	Rail           string   `json:"rail"`
	Currency       string   `json:"currency"`
	SellerIDs      []string `json:"seller_ids,omitempty"`
}

// Beneficiary is the payout account as it was when paid.
type Beneficiary struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	IBAN    string `json:"iban,omitempty"`
	BIC     string `json:"bic,omitempty"`
	Wallet  string `json:"wallet,omitempty"`
	Country string `json:"country,omitempty"`
}

// Payout is one transfer to one seller.
type Payout struct {
	ID          string      `json:"id"`
	BatchID     string      `json:"batch_id"`
	SellerID    string      `json:"seller_id"`
	EndToEndID  string      `json:"end_to_end_id"`
	Amount      money.Money `json:"amount"`
	Beneficiary Beneficiary `json:"beneficiary"`
	// Status is pending, paid, failed or cancelled.
	Status string `json:"status"`
	// RailStatus is the last ISO 20022 status the rail reported.
	RailStatus  string    `json:"rail_status,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	HoldEntryID string    `json:"hold_entry_id"`
	PostEntryID string    `json:"post_entry_id,omitempty"`
	VoidEntryID string    `json:"void_entry_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Batch is one message to a rail.
type Batch struct {
	ID             string      `json:"id"`
	IdempotencyKey string      `json:"idempotency_key"`
	Rail           string      `json:"rail"`
	Currency       string      `json:"currency"`
	Status         string      `json:"status"`
	Count          int         `json:"count"`
	Total          money.Money `json:"total"`
	RailReference  string      `json:"rail_reference,omitempty"`
	MessageType    string      `json:"message_type,omitempty"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
	Payouts        []Payout    `json:"payouts,omitempty"`
}

// IntakeResult says what a status report changed.
type IntakeResult struct {
	BatchID string `json:"batch_id"`
	// Applied counts the transfers whose payout moved to a final status.
	Applied int `json:"applied"`
	// Unchanged counts transfers already final or still in progress.
	Unchanged int `json:"unchanged"`
	// Unknown lists EndToEndIds that are no payout of the batch.
	Unknown []string `json:"unknown"`
	Batch   Batch    `json:"batch"`
}

func checkID(fs *problem.Errors, field, v string) {
	switch {
	case v == "":
		fs.Add(field, "required")
	case !idRE.MatchString(v):
		fs.Add(field, "invalid_format", "format", idFormat)
	}
}

// checkAmount validates m (positive unless zeroOK) and returns it in minor
// units; field errors name field.amount or field.currency.
func checkAmount(fs *problem.Errors, field string, m money.Money, zeroOK bool) (money.Money, int64) {
	n, code, params := money.Check(m, false)
	if code != "" {
		f := field + ".amount"
		if code == money.CodeCurrency {
			f = field + ".currency"
		}
		fs.Add(f, code, params...)
		return m, 0
	}
	v, err := iso20022.ToMinor(n)
	switch {
	case err != nil:
		fs.Add(field+".amount", "out_of_range", "min", "0", "max", iso20022.FromMinor(iso20022.MaxMinor, n.Currency).Amount)
	case v == 0 && !zeroOK:
		fs.Add(field+".amount", "positive")
	}
	return n, v
}

// Validate checks the proceeds line and returns gross and fee in minor
// units.
func (in *ProceedsInput) Validate() (gross, fee int64, err error) {
	var fs problem.Errors
	checkID(&fs, "seller_id", in.SellerID)
	checkID(&fs, "marketplace", in.Marketplace)
	in.Reference = strings.TrimSpace(in.Reference)
	switch {
	case in.Reference == "":
		fs.Add("reference", "required")
	case len(in.Reference) > 100:
		fs.Add("reference", "max_length", "max", 100)
	}
	in.Gross, gross = checkAmount(&fs, "gross", in.Gross, false)
	if in.Fee != nil {
		var f money.Money
		f, fee = checkAmount(&fs, "fee", *in.Fee, true)
		in.Fee = &f
		switch {
		case len(fs) > 0:
		case f.Currency != in.Gross.Currency:
			fs.Add("fee.currency", "currency_mismatch", "currency", in.Gross.Currency)
		case fee >= gross:
			fs.Add("fee.amount", "fee_exceeds_gross", "gross", in.Gross.Amount)
		}
	}
	if len(in.FXQuoteID) > 100 {
		fs.Add("fx_quote_id", "max_length", "max", 100)
	}
	return gross, fee, fs.Err()
}
