package claims

import (
	"context"

	"github.com/silkgate/silkgate/internal/logistics/shipments"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
)

// FromShipments adapts the shipments service.
func FromShipments(s *shipments.Service) Shipments { return shipmentSource{s} }

type shipmentSource struct{ s *shipments.Service }

func (a shipmentSource) Shipment(ctx context.Context, id string) (Shipment, error) {
	sh, err := a.s.Get(ctx, id)
	if err != nil {
		return Shipment{}, err
	}
	out := Shipment{ID: sh.ID, OrderID: sh.OrderID, TrackingNumber: sh.TrackingNumber, Carrier: sh.Carrier,
		CarrierCode: sh.CarrierCode, ServiceID: sh.ServiceID, OriginCountry: sh.From.Country,
		DestCountry: sh.To.Country, ShippedAt: sh.CreatedAt, DeliveredAt: sh.DeliveredAt, LastEventAt: sh.LastEventAt}
	if o := sh.Outcome; o != nil {
		out.Closed, out.OnTime, out.LostOrDamaged = true, o.OnTime, o.LostOrDamaged
	}
	return out, nil
}

// Ledger is what LedgerPayments needs of the settlement ledger.
type Ledger interface {
	ListAccounts(ctx context.Context, f ledger.AccountFilter, p web.Page) (web.List[ledger.Account], error)
	CreateAccount(ctx context.Context, n ledger.NewAccount) (ledger.Account, error)
	CreateEntry(ctx context.Context, n ledger.NewEntry) (ledger.Entry, bool, error)
}

// Default ledger accounts of LedgerPayments, per tenant partition and
// currency.
const (
	DefaultSellerAccount = "seller:main"
	DefaultClaimsAccount = "carrier_claims:received"
)

// LedgerPayments is a Payments booker that books each paid claim as one
// balanced ledger entry: a debit of the carrier-claims account (money
// received from carriers) and a credit of the seller's account (what the
// platform holds for the seller grows). The entry's idempotency key is
// the claim id, so a retried step is the same entry, never a second one.
// Accounts missing in the claim's currency are opened on first use:
// carrier_claims:received as an asset, seller:main as a liability, the
// same account the returns module's refunds debit.
type LedgerPayments struct {
	Ledger Ledger
	// SellerAccount and ClaimsAccount are account codes; the defaults
	// when empty.
	SellerAccount, ClaimsAccount string
}

var _ Payments = LedgerPayments{}

// BookClaimPayment implements Payments.
func (l LedgerPayments) BookClaimPayment(ctx context.Context, p PaidClaim) (string, error) {
	seller, claims := l.SellerAccount, l.ClaimsAccount
	if seller == "" {
		seller = DefaultSellerAccount
	}
	if claims == "" {
		claims = DefaultClaimsAccount
	}
	for _, a := range []struct{ code, kind, desc string }{
		{seller, "liability", "The seller's balance with the platform"},
		{claims, "asset", "Carrier claim payments received"},
	} {
		if _, err := ledger.EnsureAccount(ctx, l.Ledger, ledger.NewAccount{Code: a.code, Asset: p.Amount.Currency,
			Kind: a.kind, Description: a.desc}); err != nil {
			return "", err
		}
	}
	e, _, err := l.Ledger.CreateEntry(ctx, ledger.NewEntry{IdempotencyKey: "claim:" + p.ClaimID + ":paid",
		Description: "Carrier claim " + p.ClaimID + " paid by " + p.Carrier + " for shipment " + p.ShipmentID,
		Metadata:    map[string]string{"claim_id": p.ClaimID, "shipment_id": p.ShipmentID},
		Postings: []ledger.PostingInput{
			{Account: claims, Direction: ledger.Debit, Amount: p.Amount},
			{Account: seller, Direction: ledger.Credit, Amount: p.Amount},
		}})
	if err != nil {
		return "", err
	}
	return e.ID, nil
}
