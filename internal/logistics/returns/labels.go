package returns

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// A bought return label is a call to a partner, and partner calls never
// run inside a database transaction (on SQLite that is the group commit
// every writer shares; and a commit failing after the carrier answered
// would leave a label bought with no record). So, as for shipments:
//
//  1. One transaction checks the return and records the purchase in
//     return_label_requests as requested, with a fresh idempotency key
//     and the job that completes it.
//  2. The carrier is asked outside any transaction with that key.
//  3. A second transaction issues the label on the return (step "label"),
//     once: the request and the job race for the claim.
//
// A purchase the carrier did not answer is retried by the job with the
// same key (same label, no second charge); a refusal fails the purchase
// with its reason and leaves the return approved, so another label may
// be asked for.

// Label purchase states.
const (
	PurchaseRequested = "requested"
	PurchaseBought    = "bought"
	PurchaseFailed    = "failed"
)

// labelPurchase is what return_label_requests.doc keeps.
type labelPurchase struct {
	Note    string               `json:"note,omitempty"`
	Request carrier.LabelRequest `json:"request"`
}

type labelArgs struct {
	TenantID string `json:"tenant_id"`
	Sandbox  bool   `json:"sandbox"`
	ReturnID string `json:"return_id"`
}

func (labelArgs) Kind() string { return "returns_label" }

// labelAttempts bounds the job's retries (about eleven hours with River's
// back-off).
const labelAttempts = 12

// HandleLabels makes q complete return label purchases the request did
// not (a slow or failing carrier, a process that died). Without it a
// purchase is attempted once, by the request.
func (s *Service) HandleLabels(q *jobs.Queue) {
	s.labelJobs = q
	jobs.Handle(q, 0, func(ctx context.Context, j *jobs.Job[labelArgs]) error {
		ctx = db.WithScope(ctx, db.Scope{TenantID: j.Args.TenantID, Sandbox: j.Args.Sandbox})
		_, err := s.buyLabel(ctx, j.Args.ReturnID, 0, j.Attempt >= j.MaxAttempts)
		if _, ok := problem.As(err); ok {
			// An answer (a refusal, a return cancelled meanwhile): done.
			return nil
		}
		return err
	})
}

// SetLabelWait bounds how long a label request waits for the carrier
// before answering with the purchase still requested (10 s).
func (s *Service) SetLabelWait(d time.Duration) {
	if d > 0 {
		s.labelWait = d
	}
}

var (
	errLabelPending = errors.New("returns: label purchase pending")
	errLabelDone    = errors.New("returns: label purchase already completed")
)

// purchaseLabel records, buys and issues a return's label.
func (s *Service) purchaseLabel(ctx context.Context, id string, lr LabelRequest) (Return, error) {
	if err := s.db.InTx(ctx, func(ctx context.Context) error { return s.requestLabel(ctx, id, lr) }); err != nil {
		return Return{}, err
	}
	r, err := s.buyLabel(ctx, id, s.labelWait, s.labelJobs == nil)
	if errors.Is(err, errLabelPending) {
		return r, nil
	}
	return r, err
}

// requestLabel checks that the return may have its label and records
// the purchase, with the job completing it, in the transaction in ctx. A
// purchase already requested is left as it is (the same key goes on).
func (s *Service) requestLabel(ctx context.Context, id string, lr LabelRequest) error {
	q, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	r, err := s.get(ctx, q, id)
	if err != nil {
		return err
	}
	if !r.Status.CanMoveTo(LabelIssued) {
		return errTransition(r.Status, LabelIssued)
	}
	if _, state, _, err := s.labelPurchase(ctx, id); err == nil && state == PurchaseRequested {
		return nil
	}
	now := s.stamp()
	req, err := s.labelRequest(ctx, &r, lr, now)
	if err != nil {
		return err
	}
	if c, ok := s.labels.(LabelChecker); ok {
		if req, err = c.CheckReturnLabel(ctx, req); err != nil {
			return err
		}
	}
	// A fresh key for each purchase: one that failed bought nothing, and
	// the next must not be answered with its refusal.
	req.IdempotencyKey = ids.New("rlb")
	doc, err := json.Marshal(labelPurchase{Note: lr.Note, Request: req})
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO return_label_requests (tenant_id, sandbox, return_id, state, doc,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (tenant_id, sandbox, return_id) DO UPDATE SET state = excluded.state, doc = excluded.doc,
		error_code = '', error_detail = '', attempts = 0, updated_at = excluded.updated_at`,
		r.ID, PurchaseRequested, string(doc), now, now); err != nil {
		return fmt.Errorf("returns: record label request: %w", err)
	}
	if s.labelJobs != nil {
		sc := q.Scope()
		// River runs on the real clock; the job waits until the request
		// has had its chance.
		if _, err := s.labelJobs.Enqueue(ctx, labelArgs{TenantID: sc.TenantID, Sandbox: sc.Sandbox, ReturnID: r.ID},
			&jobs.InsertOpts{ScheduledAt: time.Now().Add(s.labelWait + s.labelWait/2), MaxAttempts: labelAttempts}); err != nil {
			return err
		}
	}
	return s.audit.Record(ctx, audit.Event{Action: "return.label_request", Resource: "return/" + r.ID,
		Change: map[string]any{"service": req.Service, "idempotency_key": req.IdempotencyKey}})
}

// labelPurchase reads a return's label purchase.
func (s *Service) labelPurchase(ctx context.Context, id string) (p labelPurchase, state string, lp *LabelPurchase, err error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return labelPurchase{}, "", nil, err
	}
	var doc, code, detail string
	err = q.QueryRowContext(ctx, `SELECT state, doc, error_code, error_detail FROM return_label_requests
		WHERE tenant_id = $1 AND sandbox = $2 AND return_id = $3`, id).Scan(&state, &doc, &code, &detail)
	if errors.Is(err, sql.ErrNoRows) {
		return labelPurchase{}, "", nil, problem.ErrNotFound
	}
	if err != nil {
		return labelPurchase{}, "", nil, fmt.Errorf("returns: label request %s: %w", id, err)
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return labelPurchase{}, "", nil, fmt.Errorf("returns: decode label request %s: %w", id, err)
	}
	lp = &LabelPurchase{Status: state}
	if state == PurchaseFailed {
		lp.Code, lp.Detail = code, detail
	} else {
		// While requested, detail holds the last unanswered attempt's
		// error: for operators, not for the caller.
		lp.Detail = ""
	}
	return p, state, lp, nil
}

// withPurchase adds the state of an unfinished label purchase to r.
func (s *Service) withPurchase(ctx context.Context, r Return) Return {
	if r.Status != Approved {
		return r
	}
	if _, state, lp, err := s.labelPurchase(ctx, r.ID); err == nil && state != PurchaseBought {
		r.LabelPurchase = lp
	}
	return r
}

// buyLabel asks the carrier for return id's label, outside any
// transaction unless ctx carries one, waiting at most wait (when
// positive), and issues it. last fails a purchase that got no answer
// instead of leaving it to a retry. It returns errLabelPending (with the
// return as it stands) when the purchase is still requested.
func (s *Service) buyLabel(ctx context.Context, id string, wait time.Duration, last bool) (Return, error) {
	p, state, lp, err := s.labelPurchase(ctx, id)
	if err != nil {
		return Return{}, err
	}
	switch state {
	case PurchaseBought:
		return s.Get(ctx, id)
	case PurchaseFailed:
		return Return{}, purchaseProblem(lp)
	}
	cctx, cancel := ctx, context.CancelFunc(func() {})
	if wait > 0 {
		cctx, cancel = context.WithTimeout(ctx, wait)
	}
	l, cerr := s.labels.IssueReturnLabel(cctx, p.Request)
	cancel()
	if cerr == nil {
		r, err := s.step(ctx, id, LabelIssued, p.Note, "label", func(ctx context.Context, q db.Tenanted, r *Return, now time.Time) error {
			res, err := q.ExecContext(ctx, `UPDATE return_label_requests SET state = $4, error_detail = '', updated_at = $5
				WHERE tenant_id = $1 AND sandbox = $2 AND return_id = $3 AND state = $6`, r.ID, PurchaseBought, now, PurchaseRequested)
			if err != nil {
				return fmt.Errorf("returns: claim label request: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return errLabelDone
			}
			r.Label = &Label{Carrier: l.Carrier, Service: l.Service, TrackingNumber: l.TrackingNumber,
				MediaType: l.MediaType, Bought: true, IssuedAt: now}
			if err := s.claimTracking(ctx, q, r.ID, l.TrackingNumber); err != nil {
				return err
			}
			if _, err := q.ExecContext(ctx, `INSERT INTO return_labels (tenant_id, sandbox, return_id, media_type, data,
				created_at) VALUES ($1, $2, $3, $4, $5, $6)`, r.ID, l.MediaType, l.Data, now); err != nil {
				return fmt.Errorf("returns: store label: %w", err)
			}
			return nil
		})
		if errors.Is(err, errLabelDone) {
			return s.Get(ctx, id)
		}
		if pe, ok := problem.As(err); ok && !db.InTransaction(ctx) {
			// The label was bought but cannot be issued (the return was
			// cancelled meanwhile, its number is taken): void it.
			if verr := s.labels.VoidReturnLabel(ctx, l.TrackingNumber); verr != nil {
				s.log.Warn("returns: could not void an unused label", "return_id", id, "tracking_number", l.TrackingNumber, "err", verr)
			}
			return Return{}, s.failLabel(ctx, id, pe.Code, l.TrackingNumber, pe)
		}
		return r, err
	}
	if pe, ok := problem.As(cerr); ok {
		return Return{}, s.failLabel(ctx, id, pe.Code, "", pe)
	}
	switch {
	case errors.Is(cerr, carrier.ErrUnknownService):
		return Return{}, s.failLabel(ctx, id, "label_refused", cerr.Error(),
			problem.Invalid(problem.Field{Field: "service", Code: "invalid_value", Params: []any{"reason", cerr.Error()}}))
	case carrier.Refused(cerr):
		return Return{}, s.failLabel(ctx, id, "label_refused", cerr.Error(), nil)
	case last:
		return Return{}, s.failLabel(ctx, id, "carrier_unavailable", cerr.Error(), nil)
	}
	s.log.Warn("returns: label purchase not answered; the job retries it", "return_id", id, "err", cerr)
	if err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, `UPDATE return_label_requests SET attempts = attempts + 1, error_detail = $4,
			updated_at = $5 WHERE tenant_id = $1 AND sandbox = $2 AND return_id = $3`, id, cut(cerr.Error()), s.stamp())
		return err
	}); err != nil {
		return Return{}, err
	}
	r, err := s.Get(ctx, id)
	if err != nil {
		return Return{}, err
	}
	return r, fmt.Errorf("%w: %w", errLabelPending, cerr)
}

// failLabel moves a requested purchase to failed, audited, and returns
// the caller's problem: answer when given, else the code's own.
func (s *Service) failLabel(ctx context.Context, id, code, detail string, answer *problem.Error) error {
	detail = cut(detail)
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `UPDATE return_label_requests SET state = $4, error_code = $5, error_detail = $6,
			updated_at = $7 WHERE tenant_id = $1 AND sandbox = $2 AND return_id = $3 AND state = $8`,
			id, PurchaseFailed, code, detail, s.stamp(), PurchaseRequested)
		if err != nil {
			return fmt.Errorf("returns: fail label request: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.audit.Record(ctx, audit.Event{Action: "return.label_failed", Resource: "return/" + id, Outcome: "failure",
			Change: map[string]any{"code": code, "detail": detail}})
	})
	if err != nil {
		return err
	}
	if answer != nil {
		return answer
	}
	return purchaseProblem(&LabelPurchase{Status: PurchaseFailed, Code: code, Detail: detail})
}

// purchaseProblem is the answer for a failed purchase.
func purchaseProblem(lp *LabelPurchase) error {
	switch lp.Code {
	case "carrier_unavailable":
		return &problem.Error{Status: http.StatusBadGateway, Code: lp.Code}
	case "label_refused":
		return &problem.Error{Status: http.StatusUnprocessableEntity, Code: lp.Code, Params: []any{"reason", lp.Detail},
			Fields: []problem.Field{{Field: "service", Code: lp.Code, Params: []any{"reason", lp.Detail}}}}
	}
	return problem.Conflict(lp.Code)
}

func cut(s string) string {
	if len(s) > 500 {
		return s[:500]
	}
	return s
}
