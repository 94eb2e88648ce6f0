package vault

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/payment"
	"github.com/silkgate/silkgate/internal/keyring"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/logscrub"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Recorder writes audit records in the caller's transaction.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Config tunes the vault.
type Config struct {
	// FingerprintKey keys the card fingerprints (at least 32 bytes). It is
	// kept outside the database, so a copy of the store cannot be searched
	// for a known card number by hashing candidates.
	FingerprintKey []byte
	// Live and Sandbox are the institutions that authorise charges for
	// live and sandbox credentials. A nil Live refuses live charges with
	// 409 no_payment_institution: the sandbox institution never charges a
	// real card.
	Live, Sandbox payment.Institution
	// CVCTTL is how long a security code is held in memory for the first
	// charge (DefaultCVCTTL when zero).
	CVCTTL time.Duration
	Log    *slog.Logger
}

// Service is the card vault.
type Service struct {
	store Store
	keys  keyring.Provider
	audit Recorder
	log   *slog.Logger
	fpKey []byte
	live  payment.Institution
	sbx   payment.Institution
	cvc   *cvcCache
	now   func() time.Time
}

// New returns the vault over store, encrypting with keys.
func New(store Store, keys keyring.Provider, rec Recorder, cfg Config) (*Service, error) {
	if len(cfg.FingerprintKey) < 32 {
		return nil, errors.New("vault: the fingerprint key must have at least 32 bytes")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, keys: keys, audit: rec, log: cfg.Log, fpKey: cfg.FingerprintKey,
		live: cfg.Live, sbx: cfg.Sandbox, cvc: newCVCCache(cfg.CVCTTL), now: time.Now}, nil
}

// NewCard is the body of POST /api/v1/vault/cards.
type NewCard struct {
	Number   string `json:"number"`
	ExpMonth int    `json:"exp_month"`
	ExpYear  int    `json:"exp_year"`
	// CVC is held in memory for the card's first charge, never stored.
	CVC    string `json:"cvc"`
	Holder string `json:"holder,omitempty"`
}

// XMLRoot names the XML root element.
func (NewCard) XMLRoot() string { return "card" }

// checked is a NewCard that passed validation.
type checked struct {
	digits   string
	brand    Brand
	expMonth int
	expYear  int
	cvc      string
	holder   string
}

// validate checks every field and names each one at fault; the number is
// never echoed.
func (n NewCard) validate(now time.Time) (checked, error) {
	var fs problem.Errors
	digits, brand, code := ParseNumber(n.Number)
	switch code {
	case "":
	case CodeFormat:
		fs.Add("number", code, "format", "12 to 19 digits")
	case CodeLength:
		fs.Add("number", code, "brand", string(brand))
	default:
		fs.Add("number", code)
	}
	c := checked{digits: digits, brand: brand, expMonth: n.ExpMonth, expYear: n.ExpYear,
		cvc: strings.TrimSpace(n.CVC), holder: strings.TrimSpace(n.Holder)}
	if c.expYear >= 0 && c.expYear < 100 {
		c.expYear += 2000 // "28" as printed on the card
	}
	y := now.UTC().Year()
	monthOK := c.expMonth >= 1 && c.expMonth <= 12
	switch {
	case n.ExpMonth == 0:
		fs.Add("exp_month", CodeRequired)
	case !monthOK:
		fs.Add("exp_month", "out_of_range", "min", 1, "max", 12)
	}
	switch {
	case n.ExpYear == 0:
		fs.Add("exp_year", CodeRequired)
	case c.expYear < y:
		fs.Add("exp_year", CodeExpired)
	case c.expYear > y+20:
		fs.Add("exp_year", "out_of_range", "min", y, "max", y+20)
	case monthOK && Expired(c.expMonth, c.expYear, now):
		fs.Add("exp_month", CodeExpired)
	}
	switch {
	case c.cvc == "":
		fs.Add("cvc", CodeRequired)
	case brand != "" && !validCVC(c.cvc, CVCLength(brand)):
		fs.Add("cvc", CodeFormat, "format", strconv.Itoa(CVCLength(brand))+" digits")
	case brand == "" && !validCVC(c.cvc, 3) && !validCVC(c.cvc, 4):
		fs.Add("cvc", CodeFormat, "format", "3 or 4 digits")
	}
	switch {
	case utf8.RuneCountInString(c.holder) > 100:
		fs.Add("holder", "max_length", "max", 100)
	case strings.ContainsFunc(c.holder, unicode.IsControl), containsPAN(c.holder):
		// A number pasted into the name field would be stored as the
		// holder: refused, so no card number reaches a column meant for
		// names.
		fs.Add("holder", CodeFormat, "format", "the name on the card")
	}
	return c, fs.Err()
}

// containsPAN reports whether s holds a run of 12–19 digits that passes
// the Luhn check.
func containsPAN(s string) bool {
	run := make([]byte, 0, 19)
	check := func() bool { return len(run) >= 12 && len(run) <= 19 && Luhn(string(run)) }
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			run = append(run, c)
		case c == ' ' || c == '-':
		default:
			if check() {
				return true
			}
			run = run[:0]
		}
	}
	return check()
}

// Card is a vaulted card as the API shows it: never the number, only the
// brand, the masked number (first six and last four digits at most) and
// the expiry.
type Card struct {
	Token     string    `json:"token"`
	Brand     Brand     `json:"brand"`
	Last4     string    `json:"last4"`
	Masked    string    `json:"masked"`
	ExpMonth  int       `json:"exp_month"`
	ExpYear   int       `json:"exp_year"`
	Holder    string    `json:"holder,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// XMLRoot names the XML root element.
func (Card) XMLRoot() string { return "card" }

func scopeOf(ctx context.Context) (db.Scope, error) {
	sc, ok := db.ScopeFrom(ctx)
	if !ok {
		return db.Scope{}, db.ErrNoScope
	}
	return sc, nil
}

func panAAD(token string) []byte    { return keyring.AAD("vault_cards", "pan_ct", token) }
func holderAAD(token string) []byte { return keyring.AAD("vault_cards", "holder_ct", token) }

// cvcKey names a held security code: the partition and the token.
func cvcKey(sc db.Scope, token string) string {
	return sc.TenantID + "\x00" + strconv.FormatBool(sc.Sandbox) + "\x00" + token
}

// fingerprint is HMAC-SHA256 of the number under the vault's key, bound to
// the partition, so equal cards match only within one tenant's live or
// sandbox data.
func (s *Service) fingerprint(sc db.Scope, digits string) string {
	m := hmac.New(sha256.New, s.fpKey)
	m.Write([]byte("silkgate vault pan\x00" + sc.TenantID + "\x00" + strconv.FormatBool(sc.Sandbox) + "\x00"))
	m.Write([]byte(digits))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Service) view(ctx context.Context, sc db.Scope, c StoredCard) (Card, error) {
	v := Card{Token: c.Token, Brand: c.Brand, Last4: c.Last4, Masked: maskedFrom(c.First6, c.Last4, c.Length),
		ExpMonth: c.ExpMonth, ExpYear: c.ExpYear, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if len(c.HolderCT) > 0 {
		h, err := s.keys.Decrypt(ctx, sc.TenantID, c.HolderCT, holderAAD(c.Token))
		if err != nil {
			return Card{}, fmt.Errorf("vault: open holder of %s: %w", c.Token, err)
		}
		v.Holder = string(h)
	}
	return v, nil
}

// auditCard is what an audit record says of a card: masked data only.
func auditCard(c Card) map[string]any {
	return map[string]any{"token": c.Token, "brand": c.Brand, "masked": c.Masked,
		"exp_month": c.ExpMonth, "exp_year": c.ExpYear}
}

// CreateCard vaults a card. The same card vaulted again in the same
// partition answers its existing token (created false), with the expiry
// and holder of the newer entry: a reissued card keeps its number and its
// token. The security code is held in memory for the next charge.
func (s *Service) CreateCard(ctx context.Context, n NewCard) (c Card, created bool, err error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return Card{}, false, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	in, err := n.validate(now)
	if err != nil {
		return Card{}, false, err
	}
	fp := s.fingerprint(sc, in.digits)
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		row := StoredCard{Token: "tok_" + ids.Secret(20), Seq: ids.New("vcd"), Fingerprint: fp, Brand: in.brand,
			First6: in.digits[:6], Last4: in.digits[len(in.digits)-4:], Length: len(in.digits),
			ExpMonth: in.expMonth, ExpYear: in.expYear, CreatedAt: now, UpdatedAt: now}
		existing, err := s.store.CardByFingerprint(ctx, fp)
		switch {
		case err == nil:
			row = existing
			row.ExpMonth, row.ExpYear, row.UpdatedAt = in.expMonth, in.expYear, now
			if row.HolderCT, err = s.sealHolder(ctx, sc, row.Token, in.holder); err != nil {
				return err
			}
			if err := s.store.UpdateCard(ctx, row); err != nil {
				return err
			}
		case errors.Is(err, problem.ErrNotFound):
			if row.PANCT, err = s.keys.Encrypt(ctx, sc.TenantID, []byte(in.digits), panAAD(row.Token)); err != nil {
				return fmt.Errorf("vault: seal number: %w", err)
			}
			if row.HolderCT, err = s.sealHolder(ctx, sc, row.Token, in.holder); err != nil {
				return err
			}
			ok, err := s.store.InsertCard(ctx, row)
			if err != nil {
				return err
			}
			if !ok {
				// Vaulted by a concurrent request since the look-up.
				return problem.Conflict("conflict")
			}
			created = true
		default:
			return err
		}
		if c, err = s.view(ctx, sc, row); err != nil {
			return err
		}
		action := "vault.card.create"
		if !created {
			action = "vault.card.update"
		}
		return s.audit.Record(ctx, audit.Event{Action: action, Resource: "vault_card/" + c.Token, Change: auditCard(c)})
	})
	if err != nil {
		return Card{}, false, err
	}
	s.cvc.put(cvcKey(sc, c.Token), in.cvc)
	return c, created, nil
}

func (s *Service) sealHolder(ctx context.Context, sc db.Scope, token, holder string) ([]byte, error) {
	if holder == "" {
		return nil, nil
	}
	ct, err := s.keys.Encrypt(ctx, sc.TenantID, []byte(holder), holderAAD(token))
	if err != nil {
		return nil, fmt.Errorf("vault: seal holder: %w", err)
	}
	return ct, nil
}

// validToken reports whether t can be a token; anything else is not found
// without a query.
func validToken(t string) bool {
	rest, ok := strings.CutPrefix(t, "tok_")
	if !ok || len(rest) != 32 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// GetCard returns a vaulted card, masked.
func (s *Service) GetCard(ctx context.Context, token string) (Card, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return Card{}, err
	}
	if !validToken(token) {
		return Card{}, problem.ErrNotFound
	}
	row, err := s.store.Card(ctx, token)
	if err != nil {
		return Card{}, err
	}
	return s.view(ctx, sc, row)
}

// ListCards lists the partition's cards, newest first, masked.
func (s *Service) ListCards(ctx context.Context, p web.Page) (web.List[Card], error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return web.List[Card]{}, err
	}
	rows, err := s.store.Cards(ctx, p)
	if err != nil {
		return web.List[Card]{}, err
	}
	items := make([]Card, 0, len(rows))
	seqs := make(map[string]string, len(rows))
	for _, r := range rows {
		c, err := s.view(ctx, sc, r)
		if err != nil {
			return web.List[Card]{}, err
		}
		items = append(items, c)
		seqs[c.Token] = r.Seq
	}
	return web.NewList(p, items, func(c Card) string { return seqs[c.Token] }), nil
}

// DeleteCard crypto-shreds a card: its ciphertexts and fingerprint are
// erased, any held security code is wiped, and the token stops working.
// Its charges stay, masked.
func (s *Service) DeleteCard(ctx context.Context, token string) error {
	sc, err := scopeOf(ctx)
	if err != nil {
		return err
	}
	if !validToken(token) {
		return problem.ErrNotFound
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		row, err := s.store.Card(ctx, token)
		if err != nil {
			return err
		}
		if err := s.store.ShredCard(ctx, token, s.now().UTC().Truncate(time.Microsecond)); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "vault.card.delete", Resource: "vault_card/" + token,
			Change: map[string]any{"token": token, "brand": row.Brand, "masked": maskedFrom(row.First6, row.Last4, row.Length)}})
	})
	if err != nil {
		return err
	}
	s.cvc.drop(cvcKey(sc, token))
	return nil
}

// ChargeRequest is the body of POST /api/v1/vault/cards/{token}/charges.
type ChargeRequest struct {
	Amount money.Money `json:"amount"`
	// CVC, when given, is sent with this authorisation only; otherwise the
	// code entered with the card is used if it is still held, and the
	// charge goes without one after that.
	CVC string `json:"cvc,omitempty"`
	// Reference is the caller's own id for the payment.
	Reference string `json:"reference,omitempty"`
	// ReturnURL is where a 3-D Secure challenge sends the cardholder back.
	ReturnURL string `json:"return_url,omitempty"`
}

// XMLRoot names the XML root element.
func (ChargeRequest) XMLRoot() string { return "charge_request" }

func (r *ChargeRequest) validate(brand Brand) error {
	var fs problem.Errors
	if r.Amount.Amount == "" && r.Amount.Currency == "" {
		fs.Add("amount", CodeRequired)
	} else if m, code, params := money.Check(r.Amount, false); code != "" {
		fs.Add("amount", code, params...)
	} else if strings.Trim(m.Amount, "0.") == "" {
		fs.Add("amount.amount", "positive")
	} else {
		r.Amount = m
	}
	if r.CVC = strings.TrimSpace(r.CVC); r.CVC != "" && !validCVC(r.CVC, CVCLength(brand)) {
		fs.Add("cvc", CodeFormat, "format", strconv.Itoa(CVCLength(brand))+" digits")
	}
	if len(r.Reference) > 128 {
		fs.Add("reference", "max_length", "max", 128)
	}
	if r.ReturnURL != "" {
		if u, err := url.Parse(r.ReturnURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			fs.Add("return_url", CodeFormat, "format", "an http(s) URL")
		}
	}
	return fs.Err()
}

// ChargeStatus is what an authorisation came to.
type ChargeStatus string

// The statuses of a charge.
const (
	ChargeAuthorized     ChargeStatus = "authorized"
	ChargeDeclined       ChargeStatus = "declined"
	ChargeRequiresAction ChargeStatus = "requires_action"
)

// MaskedCard is all a charge keeps of its card.
type MaskedCard struct {
	Brand  Brand  `json:"brand"`
	Masked string `json:"masked"`
	Last4  string `json:"last4"`
}

// Charge is an authorisation made with a vaulted card.
type Charge struct {
	ID     string       `json:"id"`
	Token  string       `json:"token"`
	Amount money.Money  `json:"amount"`
	Status ChargeStatus `json:"status"`
	// DeclineCode says why, when declined.
	DeclineCode string `json:"decline_code,omitempty"`
	// ChallengeID names the 3-D Secure challenge when status is
	// requires_action.
	ChallengeID string `json:"challenge_id,omitempty"`
	// Connector names the institution; ConnectorRef is its id of the
	// authorisation, for capture, refund and reconciliation.
	Connector    string     `json:"connector"`
	ConnectorRef string     `json:"connector_reference"`
	Card         MaskedCard `json:"card"`
	Reference    string     `json:"reference,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

// XMLRoot names the XML root element.
func (Charge) XMLRoot() string { return "charge" }

// ErrNoInstitution refuses a charge when no payment institution serves
// the caller's partition.
var ErrNoInstitution = problem.New(http.StatusConflict, "no_payment_institution")

// Charge authorises amount on a vaulted card through the partition's
// payment institution and records the outcome. The number is decrypted
// into memory for the institution's request only and is in no result,
// record or log; a declined authorisation is a recorded charge, not an
// error.
func (s *Service) Charge(ctx context.Context, token string, req ChargeRequest) (Charge, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return Charge{}, err
	}
	if !validToken(token) {
		return Charge{}, problem.ErrNotFound
	}
	inst, name := s.live, "live"
	if sc.Sandbox {
		inst, name = s.sbx, "sandboxpay"
	}
	var ch Charge
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		row, err := s.store.Card(ctx, token)
		if err != nil {
			return err
		}
		if err := req.validate(row.Brand); err != nil {
			return err
		}
		if inst == nil {
			return ErrNoInstitution
		}
		pan, err := s.keys.Decrypt(ctx, sc.TenantID, row.PANCT, panAAD(token))
		if err != nil {
			return fmt.Errorf("vault: open number of %s: %w", token, err)
		}
		defer wipe(pan)
		cvc := req.CVC
		if held, ok := s.cvc.take(cvcKey(sc, token)); ok && cvc == "" {
			cvc = held
		}
		ch = Charge{ID: ids.New("vch"), Token: token, Amount: req.Amount, Connector: name,
			Card:      MaskedCard{Brand: row.Brand, Masked: maskedFrom(row.First6, row.Last4, row.Length), Last4: row.Last4},
			Reference: req.Reference, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
		res, err := inst.Authorize(ctx, payment.AuthRequest{Amount: req.Amount, Reference: ch.ID, ReturnURL: req.ReturnURL,
			Card: payment.Card{Number: string(pan), ExpMonth: row.ExpMonth, ExpYear: row.ExpYear, CVC: cvc}})
		if err != nil {
			// The institution's error text is not ours to trust with card
			// data: it is logged by the boundary only as a wrapped cause.
			return &problem.Error{Status: http.StatusBadGateway, Code: "payment_institution_error",
				Err: fmt.Errorf("vault: authorise %s: %w", ch.ID, errors.New(logscrub.Scrub(err.Error())))}
		}
		ch.ConnectorRef, ch.DeclineCode, ch.ChallengeID = res.ID, res.DeclineCode, res.ChallengeID
		switch res.Outcome {
		case payment.Approved:
			ch.Status = ChargeAuthorized
		case payment.RequiresAction:
			ch.Status = ChargeRequiresAction
		default:
			ch.Status = ChargeDeclined
		}
		if err := s.store.InsertCharge(ctx, ch); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "vault.charge.create", Resource: "vault_charge/" + ch.ID,
			Change: map[string]any{"token": token, "amount": ch.Amount, "status": ch.Status, "decline_code": ch.DeclineCode,
				"connector": ch.Connector, "connector_reference": ch.ConnectorRef, "masked": ch.Card.Masked},
			Detail: string(ch.Status)})
	})
	if err != nil {
		return Charge{}, err
	}
	return ch, nil
}

// ListCharges lists a card's charges, newest first.
func (s *Service) ListCharges(ctx context.Context, token string, p web.Page) (web.List[Charge], error) {
	if !validToken(token) {
		return web.List[Charge]{}, problem.ErrNotFound
	}
	if _, err := s.store.Card(ctx, token); err != nil {
		return web.List[Charge]{}, err
	}
	items, err := s.store.Charges(ctx, token, p)
	if err != nil {
		return web.List[Charge]{}, err
	}
	return web.NewList(p, items, func(c Charge) string { return c.ID }), nil
}
