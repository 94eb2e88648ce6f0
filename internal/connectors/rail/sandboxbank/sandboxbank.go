// Package sandboxbank is a simulated bank for the settlement sandbox: the
// bank-transfer rail (rails.Rail) a platform instructs with ISO 20022
// pain.001.001.09 and that answers with pacs.002 status reports and
// camt.054 debit notifications. It is deterministic, so that integrators
// and tests can reach every branch of a payout, and keeps its batches in
// the store (rails.State), so a restart or a second serving node answers
// for every batch as the node that received it would. It serves sandbox
// scopes only.
//
// # Outcomes
//
// Initiate validates the pain.001 (IBAN mod-97, BIC, amounts in the
// currency's minor units) and accepts every transfer (ACCP); a batch that
// fails validation is refused whole. The first Status request settles
// each transfer by these rules, first match wins:
//
//	beneficiary IBAN whose BBAN ends in ten zeros  RJCT AC01 (incorrect account number),
//	                                               e.g. DE63 1001 0010 0000 0000 00
//	amount whose last two digits are 91 (10.91)    RJCT AC04 (closed account)
//	amount whose last two digits are 92            RJCT AG01 (transaction forbidden)
//	amount whose last two digits are 99            PDNG, then ACSC on the next Status
//	anything else                                  ACSC (settled)
//
// Cancel stops a transfer still accepted or pending (CANC). Transfers cost
// nothing; euro transfers arrive the next day, others in two.
package sandboxbank

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/rails"
)

// Name is the rail's registry name.
const Name = "sandbox_bank"

// Debtor is the platform's own account at the sandbox bank, the debtor of
// every transfer.
var Debtor = iso20022.Party{Name: "Silkgate Payouts (sandbox)", IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX"}

// RejectIBAN is the documented IBAN every transfer to which is rejected
// AC01.
const RejectIBAN = "DE63100100100000000000"

// Bank is the simulated bank. Its batches live in the store
// (rails.State), so a restart or another serving node answers for them
// exactly as the node that received them would.
type Bank struct {
	now   func() time.Time
	state *rails.State
}

// New returns the bank keeping its batches in d; now defaults to
// time.Now.
func New(d *db.DB, now func() time.Time) *Bank {
	if now == nil {
		now = time.Now
	}
	return &Bank{now: now, state: rails.NewState(d, Name, now)}
}

// Name implements rails.Rail.
func (*Bank) Name() string { return Name }

// Capabilities implements rails.Rail.
func (*Bank) Capabilities() rails.Capabilities {
	return rails.Capabilities{Currencies: []string{"CNY", "EUR", "GBP", "HKD", "JPY", "SGD", "USD"},
		AccountKinds: []string{rails.AccountIBAN}, CrossBorder: true, Cancel: true, Message: iso20022.MsgPain001,
		MaxBatch: 1000, Sandbox: true}
}

// Quote implements rails.Rail.
func (b *Bank) Quote(_ context.Context, in rails.Instruction) (rails.Quote, error) {
	if _, err := iso20022.ToMinor(in.Amount); err != nil {
		return rails.Quote{}, err
	}
	days := 2
	if in.Amount.Currency == "EUR" {
		days = 1
	}
	return rails.Quote{Fee: iso20022.FromMinor(0, in.Amount.Currency), ArrivesBy: b.now().UTC().AddDate(0, 0, days)}, nil
}

// Message renders the pain.001 the sandbox bank is instructed with.
func Message(bt rails.Batch, at time.Time) ([]byte, error) {
	ib := iso20022.Batch{MsgID: bt.ID, CreatedAt: bt.CreatedAt, ExecutionDate: at, Initiator: Debtor.Name, Debtor: Debtor}
	for i, in := range bt.Instructions {
		ib.Transactions = append(ib.Transactions, iso20022.Transaction{EndToEndID: in.EndToEndID,
			InstrID: fmt.Sprintf("%s-%d", bt.ID, i+1), Amount: in.Amount, Remittance: in.Remittance,
			Creditor: iso20022.Party{Name: in.Beneficiary.Name, IBAN: in.Beneficiary.IBAN, BIC: in.Beneficiary.BIC,
				Country: in.Beneficiary.Country}})
	}
	return iso20022.Pain001(ib)
}

// Initiate implements rails.Rail: idempotent on the batch id.
func (b *Bank) Initiate(ctx context.Context, bt rails.Batch) (rails.Receipt, error) {
	if x, err := b.state.Get(ctx, bt.ID); err == nil {
		return x.Receipt(), nil
	} else if !errors.Is(err, rails.ErrUnknownBatch) {
		return rails.Receipt{}, err
	}
	if len(bt.Instructions) > b.Capabilities().MaxBatch {
		return rails.Receipt{}, fmt.Errorf("%w: more than %d transfers", rails.ErrRefused, b.Capabilities().MaxBatch)
	}
	for _, in := range bt.Instructions {
		if in.Beneficiary.Kind != rails.AccountIBAN {
			return rails.Receipt{}, fmt.Errorf("%w: %s: the bank pays IBAN accounts only", rails.ErrRefused, in.EndToEndID)
		}
	}
	msg, err := Message(bt, b.now())
	if err != nil {
		return rails.Receipt{}, fmt.Errorf("%w: %w", rails.ErrRefused, err)
	}
	x := rails.StoredBatch{ID: bt.ID, Reference: "SBK-" + bt.ID, MessageType: iso20022.MsgPain001, Message: msg}
	for i, in := range bt.Instructions {
		amt := in.Amount
		x.Transfers = append(x.Transfers, rails.Transfer{In: in, Status: iso20022.TxStatus{EndToEndID: in.EndToEndID,
			InstrID: fmt.Sprintf("%s-%d", bt.ID, i+1), Status: iso20022.StatusACCP, Amount: &amt}})
	}
	x, _, err = b.state.Create(ctx, x)
	if err != nil {
		return rails.Receipt{}, err
	}
	return x.Receipt(), nil
}

// outcome applies the documented rules to a transfer on its n-th status
// request (from 1).
func outcome(in rails.Instruction, n int) (status, reason, info string) {
	minor, _ := iso20022.ToMinor(in.Amount)
	iban := in.Beneficiary.IBAN
	switch {
	case len(iban) > 14 && strings.HasSuffix(iban, "0000000000"):
		return iso20022.StatusRJCT, "AC01", "Incorrect account number"
	case minor%100 == 91:
		return iso20022.StatusRJCT, "AC04", "Closed account number"
	case minor%100 == 92:
		return iso20022.StatusRJCT, "AG01", "Transaction forbidden"
	case minor%100 == 99 && n < 2:
		return iso20022.StatusPDNG, "", ""
	}
	return iso20022.StatusACSC, "", ""
}

// Status implements rails.Rail: it answers with a pacs.002, read back
// through the same parser a real bank's report goes through.
func (b *Bank) Status(ctx context.Context, batchID string) (rails.Report, error) {
	x, err := b.state.Get(ctx, batchID)
	if err != nil {
		return rails.Report{}, err
	}
	var sts []iso20022.TxStatus
	for _, t := range x.Transfers {
		if !iso20022.Final(t.Status.Status) {
			t.Polls++
			t.Status.Status, t.Status.Reason, t.Status.Info = outcome(t.In, t.Polls)
			if err := b.state.SetStatus(ctx, batchID, t); err != nil {
				return rails.Report{}, err
			}
		}
		sts = append(sts, t.Status)
	}
	n, err := b.state.NextReport(ctx, batchID)
	if err != nil {
		return rails.Report{}, err
	}
	// The report's MsgId (at most 35 characters) is the batch's digest and
	// the report's number: the same on whichever node answers.
	h := sha256.Sum256([]byte(batchID))
	msg, err := iso20022.Pacs002(fmt.Sprintf("SBK-STS-%x-%d", h[:8], n), batchID, iso20022.MsgPain001, b.now(), sts)
	if err != nil {
		return rails.Report{}, err
	}
	rep, err := iso20022.ParseStatusReport(msg)
	if err != nil {
		return rails.Report{}, err
	}
	return rails.Report{Message: msg, Statuses: rep.Transactions}, nil
}

// Cancel implements rails.Rail.
func (b *Bank) Cancel(ctx context.Context, batchID, e2e string) error {
	x, err := b.state.Get(ctx, batchID)
	if err != nil {
		return err
	}
	for _, t := range x.Transfers {
		if t.Status.EndToEndID == e2e {
			if iso20022.Final(t.Status.Status) {
				return rails.ErrNotCancellable
			}
			t.Status.Status, t.Status.Reason, t.Status.Info = iso20022.StatusCANC, "DUPL", "Cancelled at the debtor's request"
			return b.state.SetStatus(ctx, batchID, t)
		}
	}
	return fmt.Errorf("sandboxbank: %w: no transfer %s in %s", rails.ErrNotCancellable, e2e, batchID)
}

// BankFile renders the camt.054 debit notification of the debtor account
// for the settled transfers of the given batches, one entry per batch: the
// file a treasury downloads from its bank and reconciles.
func (b *Bank) BankFile(ctx context.Context, batchIDs ...string) ([]byte, error) {
	var ns []iso20022.Notification
	for _, id := range batchIDs {
		x, err := b.state.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		n := iso20022.Notification{Ref: "SBK-" + id, Direction: iso20022.Debit, Booked: b.now()}
		for _, t := range x.Transfers {
			if iso20022.Settled(t.Status.Status) {
				n.Txs = append(n.Txs, iso20022.NotifiedTx{EndToEndID: t.Status.EndToEndID, Amount: t.In.Amount})
			}
		}
		if len(n.Txs) > 0 {
			ns = append(ns, n)
		}
	}
	if len(ns) == 0 {
		return nil, errors.New("sandboxbank: nothing settled to notify")
	}
	return iso20022.Camt054(fmt.Sprintf("SBK-CAMT-%d", b.now().UnixNano()), Debtor.IBAN, b.now(), ns)
}

var _ rails.Rail = (*Bank)(nil)
