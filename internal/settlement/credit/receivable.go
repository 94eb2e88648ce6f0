package credit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// ReceivableRequest registers an open-account receivable on a buyer: a
// sale on credit terms, which counts against the buyer's limit until it
// is settled.
type ReceivableRequest struct {
	Buyer     string      `json:"buyer"`
	Amount    money.Money `json:"amount"`
	Reference string      `json:"reference"`
	DueDate   string      `json:"due_date,omitempty"`
}

// Receivable is a registered open-account receivable.
type Receivable struct {
	ID        string      `json:"id"`
	Buyer     string      `json:"buyer"`
	Amount    money.Money `json:"amount"`
	Reference string      `json:"reference"`
	DueDate   string      `json:"due_date,omitempty"`
	Status    string      `json:"status"`
	CreatedAt time.Time   `json:"created_at"`
	SettledAt *time.Time  `json:"settled_at,omitempty"`
}

// Receivable states.
const (
	ReceivableOpen    = "open"
	ReceivableSettled = "settled"
)

// RegisterReceivable records a receivable if it fits the buyer's limit.
func (s *Service) RegisterReceivable(ctx context.Context, req ReceivableRequest) (Receivable, error) {
	var fs problem.Errors
	req.Buyer = checkBuyer(&fs, "buyer", req.Buyer)
	amount, _ := checkAmount(&fs, "amount", req.Amount, false)
	req.Reference = strings.TrimSpace(req.Reference)
	if req.Reference == "" {
		fs.Add("reference", "required")
	} else if len(req.Reference) > 200 {
		fs.Add("reference", "max_length", "max", 200)
	}
	if req.DueDate != "" {
		if _, err := time.Parse(time.DateOnly, req.DueDate); err != nil {
			fs.Add("due_date", "fx_date")
		}
	}
	if err := fs.Err(); err != nil {
		return Receivable{}, err
	}
	minor, err := toMinor(amount)
	if err != nil {
		return Receivable{}, problem.Invalid(problem.Field{Field: "amount.amount", Code: money.CodeAmount})
	}
	rc := Receivable{ID: ids.New("rcv"), Buyer: req.Buyer, Amount: amount, Reference: req.Reference, DueDate: req.DueDate,
		Status: ReceivableOpen, CreatedAt: s.clock()}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		l, err := s.lockLimit(ctx, t, req.Buyer)
		if errors.Is(err, problem.ErrNotFound) {
			return problem.Invalid(problem.Field{Field: "buyer", Code: CodeNoLimit, Params: []any{"buyer", req.Buyer}})
		}
		if err != nil {
			return err
		}
		if l.Limit.Limit.Currency != amount.Currency {
			return problem.Invalid(problem.Field{Field: "amount.currency", Code: CodeCurrencyMatch,
				Params: []any{"currency", l.Limit.Limit.Currency}})
		}
		if Grades[l.Grade] == "" {
			return &problem.Error{Status: http.StatusConflict, Code: CodeGradeRefused, Params: []any{"buyer", l.Buyer, "grade", l.Grade}}
		}
		if _, err := s.expireDue(ctx, t, req.Buyer); err != nil {
			return err
		}
		ok, err := s.take(ctx, t, req.Buyer, minor)
		if err != nil {
			return err
		}
		if !ok {
			cur, err := scanLimit(t.QueryRowContext(ctx, `SELECT `+limitCols+` FROM credit_limits
				WHERE tenant_id = $1 AND sandbox = $2 AND buyer = $3`, req.Buyer))
			if err != nil {
				return err
			}
			return limitExceeded(cur, "amount", amount)
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO credit_receivables (tenant_id, sandbox, id, buyer, currency, amount,
			amount_minor, reference, due_date, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			rc.ID, rc.Buyer, amount.Currency, amount.Amount, minor, rc.Reference, rc.DueDate, rc.Status, rc.CreatedAt); err != nil {
			return fmt.Errorf("credit: store receivable: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "credit.receivable.register", Resource: "credit_receivable:" + rc.ID, Change: rc})
	})
	if err != nil {
		return Receivable{}, err
	}
	return rc, nil
}

const receivableCols = `id, buyer, currency, amount, reference, due_date, status, created_at, settled_at`

func scanReceivable(r db.Row) (Receivable, error) {
	var (
		rc     Receivable
		cur, a string
		set    sql.NullTime
	)
	err := r.Scan(&rc.ID, &rc.Buyer, &cur, &a, &rc.Reference, &rc.DueDate, &rc.Status, &rc.CreatedAt, &set)
	if errors.Is(err, sql.ErrNoRows) {
		return Receivable{}, problem.ErrNotFound
	}
	if err != nil {
		return Receivable{}, fmt.Errorf("credit: read receivable: %w", err)
	}
	rc.Amount, rc.CreatedAt = money.Money{Amount: a, Currency: cur}, rc.CreatedAt.UTC()
	if set.Valid {
		t := set.Time.UTC()
		rc.SettledAt = &t
	}
	return rc, nil
}

// SettleReceivable marks a receivable paid and frees its exposure.
func (s *Service) SettleReceivable(ctx context.Context, id string) (Receivable, error) {
	var rc Receivable
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		if rc, err = scanReceivable(t.QueryRowContext(ctx, `SELECT `+receivableCols+` FROM credit_receivables
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id)); err != nil {
			return err
		}
		if _, err := s.lockLimit(ctx, t, rc.Buyer); err != nil {
			return err
		}
		now := s.clock()
		minor, err := s.close(ctx, t, "credit_receivables", id, ReceivableOpen, ReceivableSettled, now)
		if err != nil {
			return err
		}
		if minor < 0 {
			return problem.Conflict(CodeNotActive, "id", id, "status", rc.Status)
		}
		if err := s.free(ctx, t, rc.Buyer, minor); err != nil {
			return err
		}
		rc.Status, rc.SettledAt = ReceivableSettled, &now
		return s.audit.Record(ctx, audit.Event{Action: "credit.receivable.settle", Resource: "credit_receivable:" + rc.ID, Change: rc})
	})
	if err != nil {
		return Receivable{}, err
	}
	return rc, nil
}

// CheckRequest asks whether open-account terms are allowed for amount.
type CheckRequest struct {
	Buyer  string      `json:"buyer"`
	Amount money.Money `json:"amount"`
}

// CheckResult answers a CheckRequest and says why.
type CheckResult struct {
	Buyer   string `json:"buyer"`
	Allowed bool   `json:"allowed"`
	// Reason is within_limit, no_limit, currency_mismatch, grade_refused
	// or exceeds_limit.
	Reason    string       `json:"reason"`
	Requested money.Money  `json:"requested"`
	Grade     string       `json:"grade,omitempty"`
	Limit     *money.Money `json:"limit,omitempty"`
	Exposure  *money.Money `json:"exposure,omitempty"`
	Available *money.Money `json:"available,omitempty"`
}

// Check reports whether amount more on open-account terms fits the
// buyer's limit now. It reserves nothing: RegisterReceivable is the
// atomic step.
func (s *Service) Check(ctx context.Context, req CheckRequest) (CheckResult, error) {
	var fs problem.Errors
	req.Buyer = checkBuyer(&fs, "buyer", req.Buyer)
	amount, _ := checkAmount(&fs, "amount", req.Amount, false)
	if err := fs.Err(); err != nil {
		return CheckResult{}, err
	}
	want, err := toMinor(amount)
	if err != nil {
		return CheckResult{}, problem.Invalid(problem.Field{Field: "amount.amount", Code: money.CodeAmount})
	}
	res := CheckResult{Buyer: req.Buyer, Requested: amount}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		l, err := s.lockLimit(ctx, t, req.Buyer)
		if errors.Is(err, problem.ErrNotFound) {
			res.Reason = "no_limit"
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := s.expireDue(ctx, t, req.Buyer); err != nil {
			return err
		}
		if l, err = scanLimit(t.QueryRowContext(ctx, `SELECT `+limitCols+` FROM credit_limits
			WHERE tenant_id = $1 AND sandbox = $2 AND buyer = $3`, req.Buyer)); err != nil {
			return err
		}
		res.Grade, res.Limit, res.Exposure, res.Available = l.Grade, &l.Limit.Limit, &l.Exposure, &l.Available
		switch {
		case l.Limit.Limit.Currency != amount.Currency:
			res.Reason = "currency_mismatch"
		case Grades[l.Grade] == "":
			res.Reason = "grade_refused"
		case l.exposure+want > l.limit:
			res.Reason = "exceeds_limit"
		default:
			res.Allowed, res.Reason = true, "within_limit"
		}
		return nil
	})
	return res, err
}
