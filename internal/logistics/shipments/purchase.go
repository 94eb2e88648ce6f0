package shipments

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
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Buying a label is a call to a partner, and a partner call must not run
// inside a database transaction: on SQLite that transaction is the group
// commit every concurrent writer shares, and a commit that fails after
// the carrier answered would leave a label bought with no record of it.
// So a purchase goes in three steps:
//
//  1. In the request's transaction the shipment is checked and recorded
//     in shipment_label_requests as requested, and a job that will
//     complete it is enqueued with it.
//  2. After that commits, the carrier is asked, outside any transaction,
//     with the shipment id as the label request's idempotency key.
//  3. A second transaction stores the shipment with its label, once
//     (claim): whichever of the request and the job gets there first.
//
// When the carrier does not answer in time, or the process dies before
// step 3, the job asks again with the same key — the carrier returns the
// same label, nothing is bought twice — retrying with back-off. A
// definitive refusal moves the purchase to failed with its reason.

// Label purchase states.
const (
	LabelRequested = "requested"
	LabelBought    = "bought"
	LabelFailed    = "failed"
)

// Codes of failed purchases (LabelError.Code).
const (
	CodeLabelRefused       = "label_refused"
	CodeCarrierUnavailable = "carrier_unavailable"
)

// purchase is what shipment_label_requests.doc keeps: the shipment as it
// will be stored, and the request the carrier is sent on every attempt.
type purchase struct {
	Shipment Shipment             `json:"shipment"`
	Request  carrier.LabelRequest `json:"request"`
}

// labelArgs is the job completing one label purchase.
type labelArgs struct {
	TenantID   string `json:"tenant_id"`
	Sandbox    bool   `json:"sandbox"`
	ShipmentID string `json:"shipment_id"`
}

func (labelArgs) Kind() string { return "shipments_label" }

// labelAttempts bounds the job's retries; with River's back-off the last
// one comes about eleven hours after the first.
const labelAttempts = 12

// HandleLabels makes q complete label purchases the request did not (the
// carrier was slow or failing, or the process died). Without it a
// purchase is attempted once, by the request.
func (s *Service) HandleLabels(q *jobs.Queue) {
	s.labelJobs = q
	jobs.Handle(q, 0, s.labelJob)
}

func (s *Service) labelJob(ctx context.Context, j *jobs.Job[labelArgs]) error {
	ctx = db.WithScope(ctx, db.Scope{TenantID: j.Args.TenantID, Sandbox: j.Args.Sandbox})
	// The job's own timeout bounds the carrier call.
	_, err := s.attempt(ctx, j.Args.ShipmentID, 0, j.Attempt >= j.MaxAttempts)
	if _, refused := problem.As(err); refused {
		// A refusal is an answer: the purchase is failed, the job done.
		return nil
	}
	return err
}

// request records p as requested and enqueues the job that completes it,
// in the transaction in ctx.
func (s *Service) request(ctx context.Context, p purchase, key, fingerprint string) error {
	q, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	var k any
	if key != "" {
		k = key
	}
	now := p.Shipment.CreatedAt
	if _, err := q.ExecContext(ctx, `INSERT INTO shipment_label_requests (tenant_id, sandbox, shipment_id, state,
		request_key, fingerprint, doc, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		p.Shipment.ID, LabelRequested, k, fingerprint, string(doc), now, now); err != nil {
		if db.IsUnique(err) {
			// Another request with the same key committed in between.
			return problem.Conflict("idempotency_in_progress")
		}
		return fmt.Errorf("shipments: record label request: %w", err)
	}
	if s.labelJobs != nil {
		sc := q.Scope()
		// The job waits until the request has had its chance, so that in
		// the usual case it finds the purchase done. River's clock is the
		// real one, not the service's.
		if _, err := s.labelJobs.Enqueue(ctx, labelArgs{TenantID: sc.TenantID, Sandbox: sc.Sandbox, ShipmentID: p.Shipment.ID},
			&jobs.InsertOpts{ScheduledAt: time.Now().Add(s.labelWait + s.labelWait/2), MaxAttempts: labelAttempts}); err != nil {
			return err
		}
	}
	return s.audit.Record(ctx, audit.Event{Action: "logistics.shipment.request", Resource: "shipment/" + p.Shipment.ID,
		Change: map[string]any{"order_id": p.Shipment.OrderID, "service_id": p.Shipment.ServiceID,
			"carrier_code": p.Shipment.CarrierCode, "price": p.Shipment.Price}})
}

// requestByKey returns the shipment created under the caller's key, and
// the fingerprint of the request that created it.
func (s *Service) requestByKey(ctx context.Context, key string) (id, fingerprint string, err error) {
	q, err := s.db.Tenant(ctx)
	if err != nil {
		return "", "", err
	}
	err = q.QueryRowContext(ctx, `SELECT shipment_id, fingerprint FROM shipment_label_requests
		WHERE tenant_id = $1 AND sandbox = $2 AND request_key = $3`, key).Scan(&id, &fingerprint)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return id, fingerprint, err
}

// labelRequest reads a purchase and where it stands.
func (s *Service) labelRequest(ctx context.Context, id string) (p purchase, state string, lerr *LabelError, err error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return purchase{}, "", nil, err
	}
	var doc, code, detail string
	err = q.QueryRowContext(ctx, `SELECT state, doc, error_code, error_detail FROM shipment_label_requests
		WHERE tenant_id = $1 AND sandbox = $2 AND shipment_id = $3`, id).Scan(&state, &doc, &code, &detail)
	if errors.Is(err, sql.ErrNoRows) {
		return purchase{}, "", nil, problem.ErrNotFound
	}
	if err != nil {
		return purchase{}, "", nil, fmt.Errorf("shipments: label request %s: %w", id, err)
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return purchase{}, "", nil, fmt.Errorf("shipments: decode label request %s: %w", id, err)
	}
	if state == LabelFailed {
		lerr = &LabelError{Code: code, Detail: detail}
	}
	return p, state, lerr, nil
}

// claim marks a requested purchase bought, in the transaction in ctx; it
// reports false when it was not requested any more (completed or failed
// by someone else). On PostgreSQL a concurrent claim waits for this one
// and then finds the purchase taken.
func (s *Service) claim(ctx context.Context, id string) (bool, error) {
	q, err := s.db.Tenant(ctx)
	if err != nil {
		return false, err
	}
	res, err := q.ExecContext(ctx, `UPDATE shipment_label_requests SET state = $4, error_detail = '', updated_at = $5
		WHERE tenant_id = $1 AND sandbox = $2 AND shipment_id = $3 AND state = $6`, id, LabelBought, s.stamp(), LabelRequested)
	if err != nil {
		return false, fmt.Errorf("shipments: claim label request %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// buy completes the purchase id for the request that recorded it and
// returns the shipment: bought, still requested (the carrier did not
// answer; the job carries on) or, for a refusal, a problem.
func (s *Service) buy(ctx context.Context, id string) (Shipment, error) {
	sh, err := s.attempt(ctx, id, s.labelWait, s.labelJobs == nil)
	if err == nil || errors.Is(err, errPending) {
		return sh, nil
	}
	return Shipment{}, err
}

// errPending reports an attempt that got no answer and left the purchase
// requested, for the job to retry.
var errPending = errors.New("shipments: label purchase pending")

// attempt asks the carrier for the label of purchase id, outside any
// transaction unless ctx carries one, waiting at most wait (when
// positive), and records the outcome. last
// turns a failure to get an answer into a failed purchase (no job will
// try again). It returns the shipment as it then stands, with errPending
// (wrapping the carrier's error) when the purchase is still requested,
// or a problem when it failed.
func (s *Service) attempt(ctx context.Context, id string, wait time.Duration, last bool) (Shipment, error) {
	p, state, lerr, err := s.labelRequest(ctx, id)
	if err != nil {
		return Shipment{}, err
	}
	switch state {
	case LabelBought:
		return s.get(ctx, id, true)
	case LabelFailed:
		return Shipment{}, labelProblem(lerr)
	}
	conn, ok := s.carriers.lookup(p.Shipment.CarrierCode)
	if !ok {
		return Shipment{}, s.fail(ctx, p, CodeLabelRefused, ErrNoConnector.Error())
	}
	cctx, cancel := ctx, context.CancelFunc(func() {})
	if wait > 0 {
		cctx, cancel = context.WithTimeout(ctx, wait)
	}
	lbl, cerr := conn.Carrier.CreateLabel(cctx, p.Request)
	cancel()
	switch {
	case cerr == nil:
		done, err := s.record(ctx, p, lbl)
		var pe *problem.Error
		if errors.As(err, &pe) && pe.Code == "duplicate_tracking_number" && !db.InTransaction(ctx) {
			return Shipment{}, s.fail(ctx, p, "duplicate_tracking_number", lbl.TrackingNumber)
		}
		if err != nil {
			return Shipment{}, err
		}
		if done {
			// Someone else completed (or failed) it meanwhile.
			return s.Get(ctx, id)
		}
		return s.get(ctx, id, true)
	case carrier.Refused(cerr):
		return Shipment{}, s.fail(ctx, p, CodeLabelRefused, cerr.Error())
	case last:
		return Shipment{}, s.fail(ctx, p, CodeCarrierUnavailable, cerr.Error())
	}
	s.log.Warn("shipments: label purchase not answered; the job retries it", "shipment_id", id,
		"carrier_code", conn.Code, "err", cerr)
	if err := s.noteAttempt(ctx, id, cerr); err != nil {
		return Shipment{}, err
	}
	return p.Shipment, fmt.Errorf("%w: %w", errPending, cerr)
}

// noteAttempt counts a purchase attempt that got no answer.
func (s *Service) noteAttempt(ctx context.Context, id string, cause error) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, `UPDATE shipment_label_requests SET attempts = attempts + 1, error_detail = $4,
			updated_at = $5 WHERE tenant_id = $1 AND sandbox = $2 AND shipment_id = $3`, id, truncate(cause.Error(), 500), s.stamp())
		return err
	})
}

// fail moves a requested purchase to failed with its reason, audited, and
// returns the problem the caller is answered with.
func (s *Service) fail(ctx context.Context, p purchase, code, detail string) error {
	detail = truncate(detail, 500)
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `UPDATE shipment_label_requests SET state = $4, error_code = $5, error_detail = $6,
			updated_at = $7 WHERE tenant_id = $1 AND sandbox = $2 AND shipment_id = $3 AND state = $8`,
			p.Shipment.ID, LabelFailed, code, detail, s.stamp(), LabelRequested)
		if err != nil {
			return fmt.Errorf("shipments: fail label request: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.audit.Record(ctx, audit.Event{Action: "logistics.shipment.label_failed", Resource: "shipment/" + p.Shipment.ID,
			Outcome: "failure", Change: map[string]any{"carrier_code": p.Shipment.CarrierCode, "code": code, "detail": detail}})
	})
	if err != nil {
		return err
	}
	return labelProblem(&LabelError{Code: code, Detail: detail})
}

// labelProblem is the answer for a failed purchase.
func labelProblem(e *LabelError) error {
	switch e.Code {
	case "duplicate_tracking_number":
		return problem.Conflict("duplicate_tracking_number", "tracking_number", e.Detail)
	case CodeCarrierUnavailable:
		return &problem.Error{Status: http.StatusBadGateway, Code: CodeCarrierUnavailable}
	}
	return &problem.Error{Status: http.StatusUnprocessableEntity, Code: CodeLabelRefused, Params: []any{"reason", e.Detail},
		Fields: []problem.Field{{Field: "service_id", Code: CodeLabelRefused, Params: []any{"reason", e.Detail}}}}
}

// pending returns a shipment whose label is not bought (yet), as Get
// shows it.
func (s *Service) pending(ctx context.Context, id string) (Shipment, error) {
	p, state, lerr, err := s.labelRequest(ctx, id)
	if err != nil {
		return Shipment{}, err
	}
	sh := p.Shipment
	sh.LabelStatus, sh.LabelError = state, lerr
	return sh, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
