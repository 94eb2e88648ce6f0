// Package rails owns the SettlementRail interface (clause 6.1.2, the
// extension interface for new settlement business) and the registry of
// rails a platform offers. A rail moves money out of the platform to a
// beneficiary: a bank transfer through ISO 20022 messages, an e-CNY
// transfer through an operator bank, and tomorrow an mBridge connector —
// each a connector under internal/connectors/rail behind the same five
// operations: capabilities, quote, initiate (idempotently), status and
// cancel. The payouts service knows rails only through this interface.
//
// The registry keeps live and sandbox apart: a simulator serves sandbox
// scopes only, a real rail live scopes only and only when the operator
// enabled it (Resolve says why a rail cannot carry a payout). Connectors
// keep what they know of their batches in the store through State, so a
// restart or a second serving node answers for them.
package rails

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
)

// Beneficiary account kinds.
const (
	AccountIBAN   = "iban"
	AccountWallet = "ecny_wallet"
)

// Capabilities describe what a rail can do, so that callers choose a rail
// (and refuse a payout it cannot carry) before initiating anything.
type Capabilities struct {
	// Currencies the rail pays out in (ISO 4217).
	Currencies []string `json:"currencies"`
	// AccountKinds the rail pays to: iban, ecny_wallet.
	AccountKinds []string `json:"account_kinds"`
	// CrossBorder: the rail reaches beneficiaries abroad.
	CrossBorder bool `json:"cross_border"`
	// Instant: the rail settles in seconds rather than days.
	Instant bool `json:"instant"`
	// PvP: payment-versus-payment of two currencies (mBridge).
	PvP bool `json:"pvp"`
	// Cancel: a transaction can be cancelled before it settles.
	Cancel bool `json:"cancel"`
	// Message is the ISO 20022 message the rail is instructed with, if any.
	Message string `json:"message,omitempty"`
	// MaxBatch bounds the transactions of one Initiate.
	MaxBatch int `json:"max_batch"`
	// Sandbox: the rail is a simulator, never real money. Sandbox rails
	// serve sandbox scopes only, and live scopes only real rails.
	Sandbox bool `json:"sandbox"`
	// File: the rail's message is a file the finance user downloads and
	// uploads to the bank (FileRail), rather than a message sent by
	// Silkgate; its statuses come back as uploaded reports.
	File bool `json:"file,omitempty"`
}

// Supports reports whether the rail pays amount in ccy to an account of
// kind.
func (c Capabilities) Supports(ccy, kind string) bool {
	return slices.Contains(c.Currencies, ccy) && slices.Contains(c.AccountKinds, kind)
}

// Beneficiary is who is paid.
type Beneficiary struct {
	Name string `json:"name"`
	// Kind is AccountIBAN (IBAN and BIC) or AccountWallet (Wallet).
	Kind    string `json:"kind"`
	IBAN    string `json:"iban,omitempty"`
	BIC     string `json:"bic,omitempty"`
	Wallet  string `json:"wallet,omitempty"`
	Country string `json:"country,omitempty"`
}

// Instruction is one transfer of a batch.
type Instruction struct {
	// EndToEndID is unique per transfer and comes back in every status.
	EndToEndID  string      `json:"end_to_end_id"`
	Amount      money.Money `json:"amount"`
	Beneficiary Beneficiary `json:"beneficiary"`
	Remittance  string      `json:"remittance,omitempty"`
}

// Batch is what Initiate sends: one message of transfers in one currency.
type Batch struct {
	// ID is the message id (MsgId) and the rail's idempotency key: a
	// second Initiate with the same ID answers the first receipt and moves
	// no money twice.
	ID           string        `json:"id"`
	CreatedAt    time.Time     `json:"created_at"`
	Instructions []Instruction `json:"instructions"`
}

// Quote is what a transfer would cost and when it would arrive.
type Quote struct {
	Fee       money.Money `json:"fee"`
	ArrivesBy time.Time   `json:"arrives_by"`
}

// Receipt is a rail's answer to Initiate.
type Receipt struct {
	Reference string `json:"reference"`
	// Message is the instruction as sent (pain.001 XML for bank rails).
	Message     []byte `json:"-"`
	MessageType string `json:"message_type,omitempty"`
	// Statuses are the per-transfer statuses known at once (an instant
	// rail settles or rejects while initiating).
	Statuses []iso20022.TxStatus `json:"statuses,omitempty"`
}

// Report is a status report on a batch.
type Report struct {
	// Message is the report as received (pacs.002 XML for bank rails).
	Message  []byte              `json:"-"`
	Statuses []iso20022.TxStatus `json:"statuses"`
}

// Errors a rail returns.
var (
	// ErrUnknownBatch: the rail never received the batch (or forgot it);
	// initiating it again is safe.
	ErrUnknownBatch = errors.New("rails: unknown batch")
	// ErrNotCancellable: the transfer has settled or the rail cannot
	// cancel.
	ErrNotCancellable = errors.New("rails: transfer cannot be cancelled")
	// ErrRefused: the rail refused the whole batch; nothing was sent.
	ErrRefused = errors.New("rails: batch refused")
)

// Rail is a settlement rail. Implementations must be safe for concurrent
// use, and Initiate must be idempotent on Batch.ID.
type Rail interface {
	// Name is the rail's registry name ("sandbox_bank", "ecny_sandbox").
	Name() string
	Capabilities() Capabilities
	// Quote prices one transfer without sending it.
	Quote(ctx context.Context, in Instruction) (Quote, error)
	// Initiate sends a batch. An error wrapping ErrRefused means nothing
	// was sent; any other error leaves the outcome unknown, and the caller
	// retries with the same Batch.ID.
	Initiate(ctx context.Context, b Batch) (Receipt, error)
	// Status reports on every transfer of the batch whose id is given.
	Status(ctx context.Context, batchID string) (Report, error)
	// Cancel asks the rail to stop one transfer before it settles.
	Cancel(ctx context.Context, batchID, endToEndID string) error
}

// FileRail is a rail whose batches are files carried to the bank by hand:
// the platform cannot know when the file reaches the bank, so the finance
// user says so.
type FileRail interface {
	Rail
	// MarkSent records that the batch's file was uploaded to the bank by
	// whom; a second call changes nothing. ErrUnknownBatch when the rail
	// has no such batch.
	MarkSent(ctx context.Context, batchID, by string) error
}

// Configured is implemented by rails that need operator settings before
// they can carry a payout (a debtor account): Ready returns nil, or an
// error naming the missing setting.
type Configured interface {
	Ready() error
}

// Registry holds the rails a platform offers, by name, and which of them
// carry live payouts.
type Registry struct {
	mu    sync.RWMutex
	rails map[string]Rail
	// live names the real rails the operator enabled for live scopes; nil
	// means every registered real rail.
	live map[string]bool
}

// NewRegistry returns a registry holding rs.
func NewRegistry(rs ...Rail) *Registry {
	r := &Registry{rails: map[string]Rail{}}
	for _, x := range rs {
		r.Register(x)
	}
	return r
}

// Register adds a rail; it panics on a repeated name, a wiring bug.
func (r *Registry) Register(x Rail) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.rails[x.Name()]; dup {
		panic(fmt.Sprintf("rails: %q registered twice", x.Name()))
	}
	r.rails[x.Name()] = x
}

// EnableLive limits the rails that carry live payouts to names (none when
// names is empty). It refuses an unknown or sandbox rail: a configuration
// mistake the operator must see at start-up.
func (r *Registry) EnableLive(names ...string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	live := map[string]bool{}
	for _, n := range names {
		x, ok := r.rails[n]
		switch {
		case !ok:
			return fmt.Errorf("rails: live rail %q is not registered (registered: %s)", n, strings.Join(r.namesLocked(), ", "))
		case x.Capabilities().Sandbox:
			return fmt.Errorf("rails: %q is a sandbox rail and cannot carry live payouts", n)
		}
		live[n] = true
	}
	r.live = live
	return nil
}

// Serves reports whether x carries payouts of a scope: sandbox rails
// serve sandbox scopes only (their money is never real), real rails live
// scopes only, when the operator enabled them (a sandbox payout must never
// produce a file or message that could move real money).
func (r *Registry) Serves(x Rail, sandbox bool) bool {
	if x.Capabilities().Sandbox {
		return sandbox
	}
	if sandbox {
		return false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.live == nil || r.live[x.Name()]
}

// Problem codes of Resolve.
const (
	// CodeUnknown: no rail of that name (params: values).
	CodeUnknown = "one_of"
	// CodeSandboxOnly: a live payout named a sandbox rail (params: rail,
	// currency, live_rails).
	CodeSandboxOnly = "rail_sandbox_only"
	// CodeLiveOnly: a sandbox payout named a real rail (params: rail,
	// sandbox_rails).
	CodeLiveOnly = "rail_live_only"
	// CodeNotEnabled: a real rail the operator did not enable for live
	// payouts (params: rail, currency, live_rails).
	CodeNotEnabled = "rail_not_enabled"
	// CodeNotConfigured: the rail lacks an operator setting (params: rail,
	// reason).
	CodeNotConfigured = "rail_not_configured"
)

// Resolve returns the rail named name for a payout in ccy of a live or
// sandbox scope, or a problem code with its parameters. The parameters
// name the rails that would serve, so the caller's problem says what to
// use instead.
func (r *Registry) Resolve(name, ccy string, sandbox bool) (Rail, string, []any) {
	x, ok := r.Get(name)
	if !ok {
		return nil, CodeUnknown, []any{"values", strings.Join(r.Names(), ", ")}
	}
	if !r.Serves(x, sandbox) {
		switch {
		case sandbox:
			return nil, CodeLiveOnly, []any{"rail", name, "sandbox_rails", orNone(r.serving(true, ""))}
		case x.Capabilities().Sandbox:
			return nil, CodeSandboxOnly, []any{"rail", name, "currency", ccy, "live_rails", orNone(r.serving(false, ccy))}
		default:
			return nil, CodeNotEnabled, []any{"rail", name, "currency", ccy, "live_rails", orNone(r.serving(false, ccy))}
		}
	}
	if c, ok := x.(Configured); ok {
		if err := c.Ready(); err != nil {
			return nil, CodeNotConfigured, []any{"rail", name, "reason", err.Error()}
		}
	}
	return x, "", nil
}

// serving lists the rails serving a scope (paying ccy, when given).
func (r *Registry) serving(sandbox bool, ccy string) []string {
	var out []string
	for _, n := range r.Names() {
		x, _ := r.Get(n)
		if r.Serves(x, sandbox) && (ccy == "" || slices.Contains(x.Capabilities().Currencies, ccy)) {
			out = append(out, n)
		}
	}
	return out
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// ListFor describes the rails serving a live or sandbox scope.
func (r *Registry) ListFor(sandbox bool) []Info {
	var out []Info
	for _, n := range r.serving(sandbox, "") {
		x, _ := r.Get(n)
		out = append(out, Info{Name: n, Capabilities: x.Capabilities()})
	}
	return out
}

// Get returns the rail named name.
func (r *Registry) Get(name string) (Rail, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	x, ok := r.rails[name]
	return x, ok
}

// Names lists the registered rails in name order.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.namesLocked()
}

func (r *Registry) namesLocked() []string {
	out := make([]string, 0, len(r.rails))
	for n := range r.rails {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Info is a rail as the API lists it.
type Info struct {
	Name         string       `json:"name"`
	Capabilities Capabilities `json:"capabilities"`
}

// List describes every registered rail.
func (r *Registry) List() []Info {
	var out []Info
	for _, n := range r.Names() {
		x, _ := r.Get(n)
		out = append(out, Info{Name: n, Capabilities: x.Capabilities()})
	}
	return out
}

// BeneficiaryChecker is implemented by rails with account rules of their
// own (an e-CNY wallet id's format): CheckBeneficiary returns the field
// ("wallet", "iban", "bic") and problem code at fault, or "" and "".
type BeneficiaryChecker interface {
	CheckBeneficiary(b Beneficiary) (field, code string)
}

// CheckBeneficiary validates b for rail x: an IBAN account by ISO 13616
// and a BIC by ISO 9362, anything else by the rail's own rules.
func CheckBeneficiary(x Rail, b Beneficiary) (field, code string) {
	caps := x.Capabilities()
	if !slices.Contains(caps.AccountKinds, b.Kind) {
		return "kind", "rail_account_kind"
	}
	if b.Kind == AccountIBAN {
		if c, _ := iso20022.CheckIBAN(b.IBAN); c != "" {
			return "iban", c
		}
		if b.BIC != "" {
			if c := iso20022.CheckBIC(b.BIC); c != "" {
				return "bic", c
			}
		}
	}
	if bc, ok := x.(BeneficiaryChecker); ok {
		return bc.CheckBeneficiary(b)
	}
	return "", ""
}
