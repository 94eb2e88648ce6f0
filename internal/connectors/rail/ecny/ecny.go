// Package ecny is the e-CNY cross-border settlement rail (clause 6.1.2's
// example of an extension interface for new business), with a sandbox
// operator bank standing in for the real one.
//
// e-CNY is two-tier: the People's Bank of China issues it to authorised
// operator banks, and a platform reaches wallets only through one of
// them. A platform therefore never talks to the central bank: this rail
// instructs its operator bank with a pacs.008.001.08 (the operator bank
// relays the cross-border leg) whose creditor account is the
// beneficiary's wallet id under the proprietary scheme "ECNY", and the
// operator bank answers at once, since e-CNY transfers settle in seconds.
//
// # Extension point
//
// A production connector implements the same rails.Rail against its
// operator bank's API — Operator names the bank and its BIC; the wallet
// rules are the bank's — and is registered in internal/app instead of (or
// beside) the sandbox. An mBridge connector (multi-CBDC payment-versus-
// payment between participating banks) is another rails.Rail whose
// Capabilities set PvP; docs/SETTLEMENT.md describes both.
//
// # Sandbox outcomes
//
// Wallet ids are 16 digits with a Luhn check digit (test wallet:
// 0000 0000 0000 0018). Transfers are CNY only, and settle while
// initiating; the outcome is kept in the store (rails.State), so that a
// restart or another serving node reports it the same way. The sandbox
// serves sandbox scopes only.
//
//	amount above 50,000.00 CNY                     RJCT AM02 (amount above the wallet's limit)
//	amount whose last two digits are 91            RJCT AC04 (wallet closed)
//	wallet id starting 9999 (9999 0000 0000 0004)  RJCT AC06 (wallet frozen)
//	anything else                                  ACSC (settled)
package ecny

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/rails"
)

// Name is the sandbox rail's registry name.
const Name = "ecny_sandbox"

// Scheme names the wallet id scheme in ISO 20022 messages.
const Scheme = "ECNY"

// Operator is the operator bank a platform settles e-CNY through, and the
// platform's own account there (the debtor of every transfer).
type Operator struct {
	Bank    string
	BIC     string
	Account string // the platform's wallet (or settlement account) at the bank
}

// SandboxOperator is the simulated operator bank.
var SandboxOperator = Operator{Bank: "Sandbox e-CNY Operator Bank", BIC: "SGOBCNSHXXX", Account: "0000000000000026"}

// TestWallet is a documented wallet every transfer to which settles.
const TestWallet = "0000000000000018"

// walletLimit is the sandbox's per-transfer wallet limit, 50,000.00 CNY.
const walletLimit = 5_000_000

// Rail is the sandbox e-CNY rail. Its batches live in the store
// (rails.State), so a restart or another serving node answers for them.
type Rail struct {
	op    Operator
	now   func() time.Time
	state *rails.State
}

// New returns the sandbox rail on op keeping its batches in d; now
// defaults to time.Now.
func New(d *db.DB, op Operator, now func() time.Time) *Rail {
	if now == nil {
		now = time.Now
	}
	return &Rail{op: op, now: now, state: rails.NewState(d, Name, now)}
}

// Name implements rails.Rail.
func (*Rail) Name() string { return Name }

// Capabilities implements rails.Rail.
func (*Rail) Capabilities() rails.Capabilities {
	return rails.Capabilities{Currencies: []string{"CNY"}, AccountKinds: []string{rails.AccountWallet},
		CrossBorder: true, Instant: true, Message: iso20022.MsgPacs008, MaxBatch: 1000, Sandbox: true}
}

// ValidWallet reports whether id is a wallet id: 16 digits, the last a
// Luhn check digit.
func ValidWallet(id string) bool {
	if len(id) != 16 {
		return false
	}
	sum := 0
	for i := range 16 {
		c := id[15-i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// CheckBeneficiary implements rails.BeneficiaryChecker.
func (*Rail) CheckBeneficiary(b rails.Beneficiary) (string, string) {
	if !ValidWallet(b.Wallet) {
		return "wallet", "ecny_wallet_format"
	}
	return "", ""
}

// Quote implements rails.Rail: e-CNY transfers are free and instant.
func (r *Rail) Quote(_ context.Context, in rails.Instruction) (rails.Quote, error) {
	if _, err := iso20022.ToMinor(in.Amount); err != nil || in.Amount.Currency != "CNY" {
		return rails.Quote{}, fmt.Errorf("%w: e-CNY pays CNY only", rails.ErrRefused)
	}
	return rails.Quote{Fee: iso20022.FromMinor(0, "CNY"), ArrivesBy: r.now().UTC()}, nil
}

// Initiate implements rails.Rail: idempotent on the batch id, settled at
// once.
func (r *Rail) Initiate(ctx context.Context, bt rails.Batch) (rails.Receipt, error) {
	if x, err := r.state.Get(ctx, bt.ID); err == nil {
		return x.Receipt(), nil
	} else if !errors.Is(err, rails.ErrUnknownBatch) {
		return rails.Receipt{}, err
	}
	debtor := iso20022.Party{Name: r.op.Bank, Other: r.op.Account, Scheme: Scheme, BIC: r.op.BIC, Country: "CN"}
	ib := iso20022.Batch{MsgID: bt.ID, CreatedAt: bt.CreatedAt, ExecutionDate: r.now(), Initiator: r.op.Bank, Debtor: debtor}
	for i, in := range bt.Instructions {
		if in.Amount.Currency != "CNY" || in.Beneficiary.Kind != rails.AccountWallet || !ValidWallet(in.Beneficiary.Wallet) {
			return rails.Receipt{}, fmt.Errorf("%w: %s: e-CNY pays CNY to a valid wallet id only", rails.ErrRefused, in.EndToEndID)
		}
		ib.Transactions = append(ib.Transactions, iso20022.Transaction{EndToEndID: in.EndToEndID,
			InstrID: fmt.Sprintf("%s-%d", bt.ID, i+1), Amount: in.Amount, Remittance: in.Remittance,
			Creditor: iso20022.Party{Name: in.Beneficiary.Name, Other: in.Beneficiary.Wallet, Scheme: Scheme, BIC: r.op.BIC}})
	}
	msg, err := iso20022.Pacs008(ib)
	if err != nil {
		return rails.Receipt{}, fmt.Errorf("%w: %w", rails.ErrRefused, err)
	}
	x := rails.StoredBatch{ID: bt.ID, Reference: "ECNY-" + bt.ID, MessageType: iso20022.MsgPacs008, Message: msg}
	for i, in := range bt.Instructions {
		amt := in.Amount
		st := iso20022.TxStatus{EndToEndID: in.EndToEndID, InstrID: ib.Transactions[i].InstrID, Status: iso20022.StatusACSC, Amount: &amt}
		minor, _ := iso20022.ToMinor(in.Amount)
		switch {
		case minor > walletLimit:
			st.Status, st.Reason, st.Info = iso20022.StatusRJCT, "AM02", "Amount above the wallet's limit"
		case minor%100 == 91:
			st.Status, st.Reason, st.Info = iso20022.StatusRJCT, "AC04", "Wallet closed"
		case strings.HasPrefix(in.Beneficiary.Wallet, "9999"):
			st.Status, st.Reason, st.Info = iso20022.StatusRJCT, "AC06", "Wallet frozen"
		}
		x.Transfers = append(x.Transfers, rails.Transfer{In: in, Status: st})
	}
	x, _, err = r.state.Create(ctx, x)
	if err != nil {
		return rails.Receipt{}, err
	}
	return x.Receipt(), nil
}

// Status implements rails.Rail.
func (r *Rail) Status(ctx context.Context, batchID string) (rails.Report, error) {
	x, err := r.state.Get(ctx, batchID)
	if err != nil {
		return rails.Report{}, err
	}
	msg, err := iso20022.Pacs002("ECNY-STS-"+batchID, batchID, iso20022.MsgPacs008, r.now(), x.Receipt().Statuses)
	if err != nil {
		return rails.Report{}, err
	}
	rep, err := iso20022.ParseStatusReport(msg)
	if err != nil {
		return rails.Report{}, err
	}
	return rails.Report{Message: msg, Statuses: rep.Transactions}, nil
}

// Cancel implements rails.Rail: an e-CNY transfer settles while it is
// initiated, so there is never anything left to cancel.
func (r *Rail) Cancel(ctx context.Context, batchID, _ string) error {
	if _, err := r.state.Get(ctx, batchID); err != nil {
		return err
	}
	return rails.ErrNotCancellable
}

var _ rails.Rail = (*Rail)(nil)
var _ rails.BeneficiaryChecker = (*Rail)(nil)
