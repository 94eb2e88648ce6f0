package insurance

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Loss types a claim may state.
var LossTypes = []string{"total_loss", "partial_loss", "damage", "theft", "shortage", "non_delivery", "water_damage",
	"general_average", "other"}

// Claim states.
const (
	ClaimSubmitted   = "submitted"
	ClaimUnderReview = "under_review"
	ClaimApproved    = "approved"
	ClaimRejected    = "rejected"
	ClaimPaid        = "paid"
)

// claimMoves lists the states each state may move to.
var claimMoves = map[string][]string{
	ClaimSubmitted:   {ClaimUnderReview},
	ClaimUnderReview: {ClaimApproved, ClaimRejected},
	ClaimApproved:    {ClaimPaid},
}

// Document is one supporting document named in a claim (survey report,
// commercial invoice, bill of lading, photos…).
type Document struct {
	Name string `json:"name"`
	Kind string `json:"kind,omitempty"`
	URL  string `json:"url,omitempty"`
}

// ClaimRequest files a claim.
type ClaimRequest struct {
	LossType    string      `json:"loss_type"`
	Amount      money.Money `json:"amount"`
	Description string      `json:"description,omitempty"`
	OccurredOn  string      `json:"occurred_on,omitempty"`
	Documents   []Document  `json:"documents"`
}

// Claim is a claim against a policy.
type Claim struct {
	ID          string       `json:"id"`
	PolicyID    string       `json:"policy_id"`
	LossType    string       `json:"loss_type"`
	Amount      money.Money  `json:"amount"`
	Description string       `json:"description,omitempty"`
	OccurredOn  string       `json:"occurred_on,omitempty"`
	Documents   []Document   `json:"documents"`
	Status      string       `json:"status"`
	Assessed    *money.Money `json:"assessed_amount,omitempty"`
	Deductible  *money.Money `json:"deductible,omitempty"`
	Payable     *money.Money `json:"payable,omitempty"`
	Reason      string       `json:"reason,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// ClaimMove moves a claim on: to under_review, approved (with the
// assessed loss, the claimed amount when absent), rejected (with a
// reason) or paid.
type ClaimMove struct {
	Status         string       `json:"status"`
	AssessedAmount *money.Money `json:"assessed_amount,omitempty"`
	Reason         string       `json:"reason,omitempty"`
}

func sub(a, b string) (*apd.Decimal, error) {
	x, err := dec(a)
	if err != nil {
		return nil, err
	}
	y, err := dec(b)
	if err != nil {
		return nil, err
	}
	var d apd.Decimal
	_, err = decCtx.Sub(&d, x, y)
	return &d, err
}

// FileClaim records a claim against a policy of the caller's tenant. The
// amount may not exceed what the policy still covers: the insured value
// less the other claims not rejected.
func (s *Service) FileClaim(ctx context.Context, policyID string, req ClaimRequest) (Claim, error) {
	var fs problem.Errors
	if !slices.Contains(LossTypes, req.LossType) {
		fs.Add("loss_type", "one_of", "values", strings.Join(LossTypes, ", "))
	}
	amount, okAmount := checkMoney(&fs, "amount", req.Amount)
	req.Description = checkText(&fs, "description", req.Description, 2000, false)
	if req.OccurredOn != "" {
		if _, err := time.Parse(time.DateOnly, req.OccurredOn); err != nil {
			fs.Add("occurred_on", "fx_date")
		}
	}
	if len(req.Documents) == 0 {
		fs.Add("documents", "required")
	}
	if len(req.Documents) > 50 {
		fs.Add("documents", CodeTooLong, "max", 50)
	}
	for i, d := range req.Documents {
		req.Documents[i].Name = checkText(&fs, fmt.Sprintf("documents[%d].name", i), d.Name, 200, true)
		req.Documents[i].Kind = checkText(&fs, fmt.Sprintf("documents[%d].kind", i), d.Kind, 64, false)
		req.Documents[i].URL = checkText(&fs, fmt.Sprintf("documents[%d].url", i), d.URL, 2000, false)
	}
	if err := fs.Err(); err != nil {
		return Claim{}, err
	}
	now := s.clock()
	c := Claim{ID: ids.New("clm"), PolicyID: policyID, LossType: req.LossType, Amount: amount,
		Description: req.Description, OccurredOn: req.OccurredOn, Documents: req.Documents, Status: ClaimSubmitted,
		CreatedAt: now, UpdatedAt: now}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		p, err := scanPolicy(t.QueryRowContext(ctx, `SELECT `+policyCols+policyFrom+`
			WHERE p.tenant_id = $1 AND p.sandbox = $2 AND p.id = $3`, policyID))
		if err != nil {
			return err
		}
		ins := p.Quote.InsuredValue
		if okAmount && amount.Currency != ins.Currency {
			return problem.Invalid(problem.Field{Field: "amount.currency", Code: CodeCurrencyMatch, Params: []any{"currency", ins.Currency}})
		}
		rows, err := t.QueryContext(ctx, `SELECT amount FROM insurance_claims
			WHERE tenant_id = $1 AND sandbox = $2 AND policy_id = $3 AND status <> $4`, policyID, ClaimRejected)
		if err != nil {
			return fmt.Errorf("insurance: claims of %s: %w", policyID, err)
		}
		open, err := db.Collect(rows, db.ScanString)
		if err != nil {
			return err
		}
		left, err := dec(ins.Amount)
		if err != nil {
			return err
		}
		for _, a := range open {
			if left, err = sub(left.Text('f'), a); err != nil {
				return err
			}
		}
		want, _ := dec(amount.Amount)
		if want.Cmp(left) > 0 {
			if left.Sign() < 0 {
				left.SetInt64(0)
			}
			return problem.Invalid(problem.Field{Field: "amount", Code: CodeClaimTooLarge,
				Params: []any{"max", money.Money{Amount: left.Text('f'), Currency: ins.Currency}.String(),
					"insured", ins.String()}})
		}
		docs, err := json.Marshal(c.Documents)
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO insurance_claims (tenant_id, sandbox, id, policy_id, loss_type,
			currency, amount, description, documents, occurred_on, status, reason, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '', $12, $12)`,
			c.ID, c.PolicyID, c.LossType, c.Amount.Currency, c.Amount.Amount, c.Description, string(docs), c.OccurredOn,
			c.Status, c.CreatedAt); err != nil {
			return fmt.Errorf("insurance: store claim: %w", err)
		}
		if err := s.audit.Record(ctx, audit.Event{Action: "insurance.claim.create", Resource: "insurance_claim:" + c.ID, Change: c}); err != nil {
			return err
		}
		return s.publish(ctx, EventClaimSubmitted, c.ID, c)
	})
	if err != nil {
		return Claim{}, err
	}
	return c, nil
}

const claimCols = `id, policy_id, loss_type, currency, amount, description, documents, occurred_on, status,
	assessed_amount, deductible, payable, reason, created_at, updated_at`

func scanClaim(r db.Row) (Claim, error) {
	var (
		c                 Claim
		cur, amt, docs    string
		assessed, ded, pa sql.NullString
	)
	err := r.Scan(&c.ID, &c.PolicyID, &c.LossType, &cur, &amt, &c.Description, &docs, &c.OccurredOn, &c.Status,
		&assessed, &ded, &pa, &c.Reason, &c.CreatedAt, &c.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Claim{}, problem.ErrNotFound
	}
	if err != nil {
		return Claim{}, fmt.Errorf("insurance: read claim: %w", err)
	}
	if err := json.Unmarshal([]byte(docs), &c.Documents); err != nil {
		return Claim{}, fmt.Errorf("insurance: claim %s documents: %w", c.ID, err)
	}
	c.Amount = money.Money{Amount: amt, Currency: cur}
	opt := func(v sql.NullString) *money.Money {
		if !v.Valid {
			return nil
		}
		return &money.Money{Amount: v.String, Currency: cur}
	}
	c.Assessed, c.Deductible, c.Payable = opt(assessed), opt(ded), opt(pa)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

// GetClaim returns a claim of the caller's tenant.
func (s *Service) GetClaim(ctx context.Context, id string) (Claim, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return Claim{}, err
	}
	return scanClaim(t.QueryRowContext(ctx, `SELECT `+claimCols+` FROM insurance_claims
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
}

// Claims lists a policy's claims, oldest first (a policy has few).
func (s *Service) Claims(ctx context.Context, policyID string) ([]Claim, error) {
	if _, err := s.GetPolicy(ctx, policyID); err != nil {
		return nil, err
	}
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := t.QueryContext(ctx, `SELECT `+claimCols+` FROM insurance_claims
		WHERE tenant_id = $1 AND sandbox = $2 AND policy_id = $3 ORDER BY id`, policyID)
	if err != nil {
		return nil, fmt.Errorf("insurance: list claims: %w", err)
	}
	out, err := db.Collect(rows, scanClaim)
	if out == nil {
		out = []Claim{}
	}
	return out, err
}

// MoveClaim moves a claim along its workflow. Approval fixes the
// payable amount: assessed loss less the policy's deductible, never
// below zero. The move is a guarded UPDATE on the state it starts from,
// so two reviewers cannot both move the same claim.
func (s *Service) MoveClaim(ctx context.Context, id string, m ClaimMove) (Claim, error) {
	var fs problem.Errors
	if !slices.Contains([]string{ClaimUnderReview, ClaimApproved, ClaimRejected, ClaimPaid}, m.Status) {
		fs.Add("status", "one_of", "values", "under_review, approved, rejected, paid")
	}
	m.Reason = checkText(&fs, "reason", m.Reason, 2000, m.Status == ClaimRejected)
	var assessed money.Money
	if m.AssessedAmount != nil {
		if m.Status != ClaimApproved {
			fs.Add("assessed_amount", "insurance_assessed_only_on_approval")
		} else {
			assessed, _ = checkMoney(&fs, "assessed_amount", *m.AssessedAmount)
		}
	}
	if err := fs.Err(); err != nil {
		return Claim{}, err
	}
	var c Claim
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		if c, err = scanClaim(t.QueryRowContext(ctx, `SELECT `+claimCols+` FROM insurance_claims
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id)); err != nil {
			return err
		}
		from := c.Status
		if !slices.Contains(claimMoves[from], m.Status) {
			return &problem.Error{Status: http.StatusConflict, Code: CodeClaimState, Params: []any{"from", from, "to", m.Status},
				Fields: []problem.Field{{Field: "status", Code: CodeClaimState, Params: []any{"from", from, "to", m.Status}}}}
		}
		now := s.clock()
		c.Status, c.UpdatedAt = m.Status, now
		if m.Reason != "" {
			c.Reason = m.Reason
		}
		if m.Status == ClaimApproved {
			if err := s.approve(ctx, t, &c, m.AssessedAmount != nil, assessed); err != nil {
				return err
			}
		}
		var a, d, p *string
		if c.Assessed != nil {
			a, d, p = &c.Assessed.Amount, &c.Deductible.Amount, &c.Payable.Amount
		}
		res, err := t.ExecContext(ctx, `UPDATE insurance_claims SET status = $4, assessed_amount = $5, deductible = $6,
			payable = $7, reason = $8, updated_at = $9 WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND status = $10`,
			id, c.Status, a, d, p, c.Reason, now, from)
		if err != nil {
			return fmt.Errorf("insurance: move claim: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return &problem.Error{Status: http.StatusConflict, Code: CodeClaimState, Params: []any{"from", from, "to", m.Status}, Err: err}
		}
		if err := s.audit.Record(ctx, audit.Event{Action: "insurance.claim." + m.Status, Resource: "insurance_claim:" + c.ID,
			Change: map[string]any{"from": from, "to": c.Status, "claim": c}}); err != nil {
			return err
		}
		return s.publish(ctx, EventClaimUpdated, c.ID, c)
	})
	if err != nil {
		return Claim{}, err
	}
	return c, nil
}

// approve sets the assessed, deductible and payable amounts of c.
func (s *Service) approve(ctx context.Context, t db.Tenanted, c *Claim, given bool, assessed money.Money) error {
	p, err := scanPolicy(t.QueryRowContext(ctx, `SELECT `+policyCols+policyFrom+`
		WHERE p.tenant_id = $1 AND p.sandbox = $2 AND p.id = $3`, c.PolicyID))
	if err != nil {
		return err
	}
	if !given {
		assessed = c.Amount
	}
	if assessed.Currency != c.Amount.Currency {
		return problem.Invalid(problem.Field{Field: "assessed_amount.currency", Code: CodeCurrencyMatch,
			Params: []any{"currency", c.Amount.Currency}})
	}
	over, err := sub(assessed.Amount, c.Amount.Amount)
	if err != nil {
		return err
	}
	if over.Sign() > 0 {
		return problem.Invalid(problem.Field{Field: "assessed_amount", Code: CodeAssessedTooBig, Params: []any{"max", c.Amount.String()}})
	}
	ded := money.Money{Amount: "0", Currency: assessed.Currency}
	if p.Quote.Deductible != nil {
		ded = *p.Quote.Deductible
	}
	pay, err := sub(assessed.Amount, ded.Amount)
	if err != nil {
		return err
	}
	if pay.Sign() < 0 {
		pay.SetInt64(0)
	}
	if err := roundTo(pay, assessed.Currency); err != nil {
		return err
	}
	payable := money.Money{Amount: pay.Text('f'), Currency: assessed.Currency}
	c.Assessed, c.Deductible, c.Payable = &assessed, &ded, &payable
	return nil
}
