// Package bankfile is the live bank-file rail: file-based corporate
// banking, as most banks offer it to businesses that do not connect by
// host-to-host or API. Silkgate never talks to the bank. Initiating a
// batch writes a pain.001.001.09 credit transfer initiation on the
// operator's debtor account, read back through the ISO 20022 parser so
// that a file the bank would refuse is never handed out; the finance user
// downloads it, uploads it in the bank's portal and marks the batch sent;
// the bank's pacs.002/pain.002 status reports and camt.054 debit
// notifications, uploaded to the status intake, settle or reject each
// payout.
//
// Batches and their phase (ready, then sent) are kept in the store
// (rails.State), scoped by tenant and live/sandbox, so every serving node
// offers the same file. The rail serves live scopes only: a sandbox payout
// must never produce a file that could move real money.
package bankfile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/rails"
)

// Name is the rail's registry name.
const Name = "bank_file"

// Phases of a batch at the rail.
const (
	// PhaseReady: the file is ready to download and upload to the bank.
	PhaseReady = "ready"
	// PhaseSent: the finance user uploaded it to the bank.
	PhaseSent = "sent"
)

// DefaultCurrencies are the currencies the rail pays in unless the
// operator lists those its debtor account holds.
var DefaultCurrencies = []string{"CNY", "EUR", "GBP", "HKD", "JPY", "SGD", "USD"}

// ErrNoDebtor: the operator has not configured the account the files
// debit.
var ErrNoDebtor = errors.New("no debtor account is configured")

// Config is the operator's bank account the files debit.
type Config struct {
	// Debtor is the account: name, IBAN and the bank's BIC.
	Debtor iso20022.Party
	// Currencies the account pays out in (default DefaultCurrencies).
	Currencies []string
	// MaxBatch bounds the transfers of one file (default 1000).
	MaxBatch int
	Now      func() time.Time
}

// Rail is the bank-file rail.
type Rail struct {
	cfg   Config
	state *rails.State
}

// New returns the rail keeping its files in d.
func New(d *db.DB, cfg Config) *Rail {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.Currencies) == 0 {
		cfg.Currencies = DefaultCurrencies
	}
	cfg.Currencies = slices.Sorted(slices.Values(cfg.Currencies))
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 1000
	}
	cfg.Debtor.IBAN, cfg.Debtor.BIC = iso20022.NormalizeIBAN(cfg.Debtor.IBAN), iso20022.NormalizeIBAN(cfg.Debtor.BIC)
	return &Rail{cfg: cfg, state: rails.NewState(d, Name, cfg.Now)}
}

// CheckConfig validates a debtor account: a name, an IBAN (mod-97) and,
// when given, a BIC. The app refuses to start on a malformed one.
func CheckConfig(cfg Config) error {
	if cfg.Debtor.IBAN == "" && cfg.Debtor.Name == "" && cfg.Debtor.BIC == "" {
		return nil // not configured: the rail says so when used
	}
	if cfg.Debtor.Name == "" {
		return errors.New("bank file debtor: a name is required")
	}
	if code, _ := iso20022.CheckIBAN(iso20022.NormalizeIBAN(cfg.Debtor.IBAN)); code != "" {
		return fmt.Errorf("bank file debtor IBAN %q: %s", cfg.Debtor.IBAN, code)
	}
	if cfg.Debtor.BIC != "" {
		if code := iso20022.CheckBIC(iso20022.NormalizeIBAN(cfg.Debtor.BIC)); code != "" {
			return fmt.Errorf("bank file debtor BIC %q: %s", cfg.Debtor.BIC, code)
		}
	}
	return nil
}

// Name implements rails.Rail.
func (*Rail) Name() string { return Name }

// Capabilities implements rails.Rail: IBAN accounts in the debtor
// account's currencies, one pain.001 file per batch.
func (r *Rail) Capabilities() rails.Capabilities {
	return rails.Capabilities{Currencies: slices.Clone(r.cfg.Currencies), AccountKinds: []string{rails.AccountIBAN},
		CrossBorder: true, Message: iso20022.MsgPain001, MaxBatch: r.cfg.MaxBatch, File: true}
}

// Ready implements rails.Configured.
func (r *Rail) Ready() error {
	if r.cfg.Debtor.IBAN == "" {
		return ErrNoDebtor
	}
	return nil
}

// Quote implements rails.Rail. The bank's charges are its tariff, unknown
// to Silkgate (the file asks SLEV for euros, SHAR otherwise), so the fee
// is zero; euro transfers are due the next day, others in two.
func (r *Rail) Quote(_ context.Context, in rails.Instruction) (rails.Quote, error) {
	if _, err := iso20022.ToMinor(in.Amount); err != nil {
		return rails.Quote{}, err
	}
	days := 2
	if in.Amount.Currency == "EUR" {
		days = 1
	}
	return rails.Quote{Fee: iso20022.FromMinor(0, in.Amount.Currency), ArrivesBy: r.cfg.Now().UTC().AddDate(0, 0, days)}, nil
}

// Initiate implements rails.Rail: it writes the batch's pain.001 and keeps
// it for download (phase ready). Nothing reaches the bank, so no transfer
// has a status yet. Idempotent on the batch id: a repeat answers the file
// first written.
func (r *Rail) Initiate(ctx context.Context, bt rails.Batch) (rails.Receipt, error) {
	if x, err := r.state.Get(ctx, bt.ID); err == nil {
		return x.Receipt(), nil
	} else if !errors.Is(err, rails.ErrUnknownBatch) {
		return rails.Receipt{}, err
	}
	if err := r.Ready(); err != nil {
		return rails.Receipt{}, fmt.Errorf("%w: %w", rails.ErrRefused, err)
	}
	if len(bt.Instructions) > r.cfg.MaxBatch {
		return rails.Receipt{}, fmt.Errorf("%w: more than %d transfers", rails.ErrRefused, r.cfg.MaxBatch)
	}
	ib := iso20022.Batch{MsgID: bt.ID, CreatedAt: bt.CreatedAt, ExecutionDate: r.cfg.Now(), Initiator: r.cfg.Debtor.Name,
		Debtor: r.cfg.Debtor}
	x := rails.StoredBatch{ID: bt.ID, Reference: "BF-" + bt.ID, MessageType: iso20022.MsgPain001, Phase: PhaseReady}
	for i, in := range bt.Instructions {
		if in.Beneficiary.Kind != rails.AccountIBAN || !slices.Contains(r.cfg.Currencies, in.Amount.Currency) {
			return rails.Receipt{}, fmt.Errorf("%w: %s: the bank file pays IBAN accounts in %v only", rails.ErrRefused,
				in.EndToEndID, r.cfg.Currencies)
		}
		t := iso20022.Transaction{EndToEndID: in.EndToEndID, InstrID: fmt.Sprintf("%s-%d", bt.ID, i+1), Amount: in.Amount,
			Remittance: in.Remittance, Creditor: iso20022.Party{Name: in.Beneficiary.Name, IBAN: in.Beneficiary.IBAN,
				BIC: in.Beneficiary.BIC, Country: in.Beneficiary.Country}}
		ib.Transactions = append(ib.Transactions, t)
		x.Transfers = append(x.Transfers, rails.Transfer{In: in, Status: iso20022.TxStatus{EndToEndID: in.EndToEndID,
			InstrID: t.InstrID}})
	}
	msg, err := iso20022.Pain001(ib)
	if err != nil {
		return rails.Receipt{}, fmt.Errorf("%w: %w", rails.ErrRefused, err)
	}
	// The file is read back as the bank would read it.
	if _, err := iso20022.ParsePain001(msg); err != nil {
		return rails.Receipt{}, fmt.Errorf("%w: %w", rails.ErrRefused, err)
	}
	x.Message = msg
	if x, _, err = r.state.Create(ctx, x); err != nil {
		return rails.Receipt{}, err
	}
	return x.Receipt(), nil
}

// Status implements rails.Rail. The bank answers through files uploaded
// to the status intake, never to the rail, so the report holds only what
// the rail itself recorded: nothing that changes a payout.
func (r *Rail) Status(ctx context.Context, batchID string) (rails.Report, error) {
	x, err := r.state.Get(ctx, batchID)
	if err != nil {
		return rails.Report{}, err
	}
	return rails.Report{Statuses: x.Receipt().Statuses}, nil
}

// Cancel implements rails.Rail: once downloaded, the file may be at the
// bank, so only the bank can stop a transfer (and its status report then
// says CANC or RJCT).
func (r *Rail) Cancel(ctx context.Context, batchID, _ string) error {
	if _, err := r.state.Get(ctx, batchID); err != nil {
		return err
	}
	return rails.ErrNotCancellable
}

// MarkSent implements rails.FileRail: the batch moves from ready to sent,
// recording who uploaded it; a batch already sent stays as it was.
func (r *Rail) MarkSent(ctx context.Context, batchID, by string) error {
	x, err := r.state.Get(ctx, batchID)
	if err != nil {
		return err
	}
	if x.Phase == PhaseSent {
		return nil
	}
	_, err = r.state.SetPhase(ctx, batchID, PhaseReady, PhaseSent, by)
	return err
}

// Batch returns what the rail keeps of a batch: its file, phase and who
// sent it when.
func (r *Rail) Batch(ctx context.Context, batchID string) (rails.StoredBatch, error) {
	return r.state.Get(ctx, batchID)
}

var (
	_ rails.FileRail   = (*Rail)(nil)
	_ rails.Configured = (*Rail)(nil)
)
