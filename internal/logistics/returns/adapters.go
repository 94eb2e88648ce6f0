package returns

import (
	"context"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
)

// CarrierLabels is a LabelIssuer over a carrier connector.
type CarrierLabels struct {
	Carrier carrier.Carrier
	// ReturnTo is the return address used when a request names none.
	ReturnTo carrier.Address
	// SandboxOnly refuses live partitions: for a simulated carrier, whose
	// labels must never reach a real parcel.
	SandboxOnly bool
}

var _ LabelIssuer = CarrierLabels{}

var _ LabelChecker = CarrierLabels{}

// CheckReturnLabel implements LabelChecker: it refuses live partitions
// for a sandbox-only carrier and fills the default return address.
func (c CarrierLabels) CheckReturnLabel(ctx context.Context, req carrier.LabelRequest) (carrier.LabelRequest, error) {
	if c.SandboxOnly {
		if sc, ok := db.ScopeFrom(ctx); !ok || !sc.Sandbox {
			return req, problem.Conflict("label_issuer_unavailable")
		}
	}
	if req.To.Country == "" {
		if c.ReturnTo.Country == "" {
			return req, problem.Invalid(problem.Field{Field: "return_to", Code: "required"})
		}
		req.To = c.ReturnTo
	}
	return req, nil
}

// IssueReturnLabel implements LabelIssuer.
func (c CarrierLabels) IssueReturnLabel(ctx context.Context, req carrier.LabelRequest) (IssuedLabel, error) {
	req, err := c.CheckReturnLabel(ctx, req)
	if err != nil {
		return IssuedLabel{}, err
	}
	l, err := c.Carrier.CreateLabel(ctx, req)
	if err != nil {
		return IssuedLabel{}, err
	}
	return IssuedLabel{Carrier: c.Carrier.Capabilities().Name, Label: l}, nil
}

// VoidReturnLabel implements LabelIssuer.
func (c CarrierLabels) VoidReturnLabel(ctx context.Context, trackingNumber string) error {
	return c.Carrier.Cancel(ctx, trackingNumber)
}

// Ledger is what LedgerRefunds needs of the settlement ledger.
type Ledger interface {
	ListAccounts(ctx context.Context, f ledger.AccountFilter, p web.Page) (web.List[ledger.Account], error)
	CreateAccount(ctx context.Context, n ledger.NewAccount) (ledger.Account, error)
	CreateEntry(ctx context.Context, n ledger.NewEntry) (ledger.Entry, bool, error)
}

// Default ledger accounts of LedgerRefunds, per tenant partition and
// currency.
const (
	DefaultSellerAccount  = "seller:main"
	DefaultRefundsAccount = "refunds:payable"
)

// LedgerRefunds is a Refunder that books each refund as one balanced
// ledger entry: a debit of the seller's account (what the platform owes
// the seller shrinks) and a credit of the refunds-payable account (what
// is owed to the buyer until the channel or payment provider pays it
// out). The entry's idempotency key is the return id, so a retried
// refund is the same entry, never a second one. Accounts missing in the
// refund's currency are opened on first use as liabilities without
// guards; a seller account the tenant opened with no_negative refuses a
// refund beyond its funds (409 insufficient_funds).
type LedgerRefunds struct {
	Ledger Ledger
	// SellerAccount and RefundsAccount are account codes; the defaults
	// when empty.
	SellerAccount, RefundsAccount string
}

var _ Refunder = LedgerRefunds{}

// Refund implements Refunder.
func (l LedgerRefunds) Refund(ctx context.Context, r RefundOrder) (string, error) {
	seller, payable := l.SellerAccount, l.RefundsAccount
	if seller == "" {
		seller = DefaultSellerAccount
	}
	if payable == "" {
		payable = DefaultRefundsAccount
	}
	for _, a := range []struct{ code, desc string }{
		{seller, "The seller's balance with the platform"},
		{payable, "Refunds owed to buyers for accepted returns"},
	} {
		if _, err := ledger.EnsureAccount(ctx, l.Ledger, ledger.NewAccount{Code: a.code, Asset: r.Amount.Currency,
			Kind: "liability", Description: a.desc}); err != nil {
			return "", err
		}
	}
	desc := "Refund for return " + r.ReturnID + " of order " + r.OrderID
	e, _, err := l.Ledger.CreateEntry(ctx, ledger.NewEntry{IdempotencyKey: "return:" + r.ReturnID + ":refund",
		Description: desc, Metadata: map[string]string{"return_id": r.ReturnID, "order_id": r.OrderID},
		Postings: []ledger.PostingInput{
			{Account: seller, Direction: ledger.Debit, Amount: r.Amount},
			{Account: payable, Direction: ledger.Credit, Amount: r.Amount},
		}})
	if err != nil {
		return "", err
	}
	return e.ID, nil
}
