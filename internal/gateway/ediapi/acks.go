package ediapi

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/edi"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Acknowledgement tracking.
//
// Every interchange the platform sends is recorded with the control
// numbers its partner's 997, 999 or CONTRL will quote: the interchange
// (ISA13, UNB 0020), each group (GS06) and each transaction set or message
// (ST02, UNH 0062). The numbers are read back from the bytes written
// rather than predicted, so they are exactly what left. Business documents
// (855, 856, 180, DESADV, RETANN) wait for an acknowledgement; the platform's own
// acknowledgements are recorded for tracing and expect none.
//
// A partner's acknowledgement is matched to what was sent by partner and
// control number: X12 by the sender (our receiver) and AK101/AK102, the
// functional group id and group control number; EDIFACT by the sender and
// UCI 0020, the interchange reference. Within the match, each AK2/UCM
// names a set by its control number and records its verdict and error
// codes. An acknowledgement that matches nothing is stored and listed
// (GET /api/v1/edi/acks?matched=false), never refused: a partner that
// acknowledges the wrong number still sent a valid interchange.

// Outbound statuses. StatusOverdue is not stored: it is a pending
// interchange older than Service.AckTimeout when read.
const (
	StatusPending            = "pending"
	StatusAccepted           = "accepted"
	StatusAcceptedWithErrors = "accepted_with_errors"
	StatusPartiallyAccepted  = "partially_accepted"
	StatusRejected           = "rejected"
	StatusNotExpected        = "not_expected"
	StatusOverdue            = "overdue"
	kindDocument, kindAck    = "document", "ack"
	defaultAckTimeout        = 24 * time.Hour
)

// OutboundSet is one transaction set (message) sent, with the partner's
// verdict on it.
type OutboundSet struct {
	FunctionalID  string         `json:"functional_id,omitempty"`
	GroupControl  string         `json:"group_control,omitempty"`
	ControlNumber string         `json:"control_number"`
	Type          string         `json:"type"`
	Reference     string         `json:"reference,omitempty"`
	Status        string         `json:"status"`
	Codes         []string       `json:"codes,omitempty"`
	Errors        []edi.AckError `json:"errors,omitempty"`
	AckedAt       *time.Time     `json:"acked_at,omitempty"`
}

// Outbound is an interchange the platform sent.
type Outbound struct {
	ID string `json:"id"`
	// Kind is "document" (855, 856, 180, DESADV, RETANN) or "ack" (our
	// 997, 999, CONTRL).
	Kind          string `json:"kind"`
	PartnerID     string `json:"partner_id,omitempty"`
	Standard      string `json:"standard"`
	Sender        string `json:"sender"`
	Receiver      string `json:"receiver"`
	ControlNumber string `json:"control_number"`
	OrderID       string `json:"order_id,omitempty"`
	// ReturnID is the return a 180 or RETANN was generated for.
	ReturnID   string `json:"return_id,omitempty"`
	ExpectsAck bool   `json:"expects_ack"`
	// Status is pending, overdue (pending for longer than the configured
	// time), accepted, accepted_with_errors, partially_accepted, rejected,
	// or not_expected for acknowledgements.
	Status  string        `json:"status"`
	SentAt  time.Time     `json:"sent_at"`
	AckedAt *time.Time    `json:"acked_at,omitempty"`
	Sets    []OutboundSet `json:"sets"`
	// Acks are the received acknowledgements matched to it (document ids).
	Acks []string `json:"acks,omitempty"`
}

// XMLRoot names the XML root element of an outbound interchange.
func (Outbound) XMLRoot() string { return "outbound" }

// ReceivedAck is a partner's acknowledgement as received.
type ReceivedAck struct {
	// ID is also the document's (GET /api/v1/edi/documents/{id}).
	ID            string `json:"id"`
	InterchangeID string `json:"interchange_id"`
	Standard      string `json:"standard"`
	Sender        string `json:"sender"`
	// AckedControl is what it acknowledges: the group control number
	// (X12 AK102) or the interchange reference (CONTRL UCI 0020).
	AckedControl string `json:"acked_control"`
	FunctionalID string `json:"functional_id,omitempty"`
	Status       string `json:"status"`
	// OutboundID is the interchange it matched; Matched is false when it
	// matched nothing the platform sent.
	OutboundID string    `json:"outbound_id,omitempty"`
	Matched    bool      `json:"matched"`
	ReceivedAt time.Time `json:"received_at"`
}

// XMLRoot names the XML root element of a received acknowledgement.
func (ReceivedAck) XMLRoot() string { return "ack" }

// trimControl drops the leading zeros partners may or may not pad with.
func trimControl(s string) string {
	t := strings.TrimLeft(strings.TrimSpace(s), "0")
	if t == "" && s != "" {
		return "0"
	}
	return t
}

// recordSent records an interchange the platform wrote. It reads data back
// with edi.Parse, so that the numbers recorded are the ones sent.
func (s *Service) recordSent(ctx context.Context, q db.Tenanted, kind, partnerID, orderID string, data []byte,
	at time.Time) (string, error) {
	return s.record(ctx, q, sent{kind: kind, partner: partnerID, order: orderID}, data, at)
}

// sent says what an outbound interchange was written for: the order or
// return, and for automatic return notices the event answered.
type sent struct{ kind, partner, order, ret, event string }

// record records an interchange the platform wrote, with its body.
func (s *Service) record(ctx context.Context, q db.Tenanted, w sent, data []byte, at time.Time) (string, error) {
	kind, partnerID, orderID := w.kind, w.partner, w.order
	res, err := edi.Parse(bytes.NewReader(data), edi.Options{})
	if err != nil {
		return "", fmt.Errorf("ediapi: read back what was sent: %w", err)
	}
	first := ""
	for _, ic := range res.Interchanges {
		id := ids.New("edio")
		if first == "" {
			first = id
		}
		expects, status := kind == kindDocument, StatusPending
		if !expects {
			status = StatusNotExpected
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO edi_outbound (tenant_id, sandbox, id, kind, partner, standard,
			sender_id, receiver_id, control_number, order_id, expects_ack, status, sent_at, return_id, event_id, body)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			id, kind, partnerID, string(ic.Standard), ic.ID.Sender, ic.ID.Receiver, trimControl(ic.ID.ControlNumber),
			orderID, expects, status, at, w.ret, w.event, string(data)); err != nil {
			return "", fmt.Errorf("ediapi: record outbound: %w", err)
		}
		if err := s.announceSent(ctx, InterchangeSent{ID: id, Kind: kind, Partner: partnerID, Standard: string(ic.Standard),
			SenderID: ic.ID.Sender, ReceiverID: ic.ID.Receiver, ControlNumber: trimControl(ic.ID.ControlNumber),
			OrderID: orderID, ReturnID: w.ret}, data); err != nil {
			return "", err
		}
		for _, g := range ic.Groups {
			for _, t := range g.Transactions {
				ref := ""
				if t.Document != nil {
					ref = t.Document.Ref()
				}
				if _, err := q.ExecContext(ctx, `INSERT INTO edi_outbound_sets (tenant_id, sandbox, outbound_id,
					functional_id, group_control, control_number, type, reference, status, codes, errors)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '[]', '[]')`,
					id, g.FunctionalID, trimControl(g.ControlNumber), trimControl(t.ControlNumber), t.Type, ref,
					status); err != nil {
					return "", fmt.Errorf("ediapi: record outbound set: %w", err)
				}
			}
		}
	}
	return first, nil
}

// matchAck records a partner's acknowledgement and applies it to the
// interchange it acknowledges, if one matches. It returns that
// interchange's id, or "".
func (s *Service) matchAck(ctx context.Context, q db.Tenanted, ic *edi.Interchange, interchangeID, docID string,
	fa *edi.FunctionalAck, at time.Time) (string, error) {
	acked := trimControl(fa.ExternalID)
	var (
		outID string
		err   error
	)
	if ic.Standard == edi.X12 {
		err = q.QueryRowContext(ctx, `SELECT o.id FROM edi_outbound o JOIN edi_outbound_sets t
			ON t.tenant_id = o.tenant_id AND t.sandbox = o.sandbox AND t.outbound_id = o.id
			WHERE o.tenant_id = $1 AND o.sandbox = $2 AND o.standard = 'x12' AND o.expects_ack = $3
			AND o.receiver_id = $4 AND t.group_control = $5 AND (t.functional_id = $6 OR $6 = '')
			ORDER BY o.sent_at DESC LIMIT 1`, true, ic.ID.Sender, acked, fa.FunctionalID).Scan(&outID)
	} else {
		err = q.QueryRowContext(ctx, `SELECT id FROM edi_outbound
			WHERE tenant_id = $1 AND sandbox = $2 AND standard = 'edifact' AND expects_ack = $3
			AND receiver_id = $4 AND control_number = $5 ORDER BY sent_at DESC LIMIT 1`,
			true, ic.ID.Sender, acked).Scan(&outID)
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("ediapi: match acknowledgement: %w", err)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO edi_acks (tenant_id, sandbox, id, interchange_id, standard, sender_id,
		acked_control, functional_id, status, outbound_id, received_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		docID, interchangeID, string(ic.Standard), ic.ID.Sender, acked, fa.FunctionalID, fa.Status, outID, at); err != nil {
		return "", fmt.Errorf("ediapi: store acknowledgement: %w", err)
	}
	if outID == "" {
		return "", nil
	}
	// An X12 acknowledgement is about one group; a CONTRL about the
	// whole interchange.
	where := func(args *[]any) string {
		*args = append(*args, outID)
		w := fmt.Sprintf(` WHERE tenant_id = $1 AND sandbox = $2 AND outbound_id = $%d`, len(*args)+2)
		if ic.Standard == edi.X12 {
			*args = append(*args, acked)
			w += fmt.Sprintf(` AND group_control = $%d`, len(*args)+2)
		}
		return w
	}
	if st := wholeStatus(fa.Status); len(fa.Sets) == 0 && st != "" {
		// No AK2/UCM: the verdict (AK9, UCI) is every set's.
		args := []any{st, at}
		if _, err := q.ExecContext(ctx, `UPDATE edi_outbound_sets SET status = $3, acked_at = $4`+where(&args),
			args...); err != nil {
			return "", fmt.Errorf("ediapi: apply acknowledgement: %w", err)
		}
	}
	for _, set := range fa.Sets {
		st := set.Status
		if st == "received" {
			st = StatusAccepted
		}
		codes, _ := json.Marshal(nonNil(set.Codes))
		errs, _ := json.Marshal(nonNilErrs(set.Errors))
		args := []any{st, string(codes), string(errs), at, trimControl(set.ControlNumber)}
		if _, err := q.ExecContext(ctx, `UPDATE edi_outbound_sets SET status = $3, codes = $4, errors = $5, acked_at = $6`+
			where(&args)+` AND control_number = $7`, args...); err != nil {
			return "", fmt.Errorf("ediapi: apply acknowledgement: %w", err)
		}
	}
	st, err := s.rollUp(ctx, q, outID, at)
	if err != nil {
		return "", err
	}
	return outID, s.audit.Record(ctx, audit.Event{Action: "edi.outbound.acknowledged", Resource: "edi_outbound/" + outID,
		Change: map[string]any{"ack": docID, "status": st},
		Detail: fmt.Sprintf("%s %s from %s: %s", ic.Standard, fa.DocumentType(), ic.ID.Sender, st)})
}

// wholeStatus is the set status an acknowledgement without set detail
// gives every set; "" leaves them as they are.
func wholeStatus(ackStatus string) string {
	switch ackStatus {
	case "accepted", "received":
		return StatusAccepted
	case "rejected":
		return StatusRejected
	}
	return ""
}

// rollUp sets an outbound interchange's status from its sets': pending
// while any set waits, else accepted, accepted_with_errors, rejected, or
// partially_accepted for a mix.
func (s *Service) rollUp(ctx context.Context, q db.Tenanted, outID string, at time.Time) (string, error) {
	rows, err := q.QueryContext(ctx, `SELECT status FROM edi_outbound_sets
		WHERE tenant_id = $1 AND sandbox = $2 AND outbound_id = $3`, outID)
	if err != nil {
		return "", fmt.Errorf("ediapi: roll up acknowledgement: %w", err)
	}
	count := map[string]int{}
	total := 0
	for rows.Next() {
		var st string
		if err := rows.Scan(&st); err != nil {
			rows.Close()
			return "", fmt.Errorf("ediapi: roll up acknowledgement: %w", err)
		}
		count[st]++
		total++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("ediapi: roll up acknowledgement: %w", err)
	}
	st := StatusPending
	switch {
	case count[StatusPending] > 0 || total == 0:
	case count[StatusRejected] == total:
		st = StatusRejected
	case count[StatusRejected] > 0:
		st = StatusPartiallyAccepted
	case count[StatusAcceptedWithErrors] > 0:
		st = StatusAcceptedWithErrors
	default:
		st = StatusAccepted
	}
	_, err = q.ExecContext(ctx, `UPDATE edi_outbound SET status = $4, acked_at = $5
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, outID, st, at)
	if err != nil {
		return "", fmt.Errorf("ediapi: roll up acknowledgement: %w", err)
	}
	return st, nil
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func nonNilErrs(v []edi.AckError) []edi.AckError {
	if v == nil {
		return []edi.AckError{}
	}
	return v
}

// ackTimeout is how long a sent document may wait for its acknowledgement
// before it is overdue.
func (s *Service) ackTimeout() time.Duration {
	if s.AckTimeout > 0 {
		return s.AckTimeout
	}
	return defaultAckTimeout
}

const outboundCols = `id, kind, partner, standard, sender_id, receiver_id, control_number, order_id, expects_ack,
	status, sent_at, acked_at, return_id`

func (s *Service) scanOutbound(sc interface{ Scan(...any) error }, now time.Time) (Outbound, error) {
	var (
		o       Outbound
		ackedAt sql.NullTime
	)
	err := sc.Scan(&o.ID, &o.Kind, &o.PartnerID, &o.Standard, &o.Sender, &o.Receiver, &o.ControlNumber, &o.OrderID,
		&o.ExpectsAck, &o.Status, &o.SentAt, &ackedAt, &o.ReturnID)
	if err != nil {
		return o, err
	}
	o.SentAt = o.SentAt.UTC()
	if ackedAt.Valid {
		t := ackedAt.Time.UTC()
		o.AckedAt = &t
	}
	if o.Status == StatusPending && !o.SentAt.After(now.Add(-s.ackTimeout())) {
		o.Status = StatusOverdue
	}
	o.Sets = []OutboundSet{}
	return o, nil
}

// loadSets fills in the sets and matched acknowledgements of obs.
func (s *Service) loadSets(ctx context.Context, q db.Tenanted, obs []Outbound) error {
	if len(obs) == 0 {
		return nil
	}
	at := map[string]int{}
	marks := make([]string, len(obs))
	args := make([]any, len(obs))
	for i, o := range obs {
		at[o.ID] = i
		marks[i] = fmt.Sprintf("$%d", i+3)
		args[i] = o.ID
	}
	in := strings.Join(marks, ", ")
	rows, err := q.QueryContext(ctx, `SELECT outbound_id, functional_id, group_control, control_number, type, reference,
		status, codes, errors, acked_at FROM edi_outbound_sets
		WHERE tenant_id = $1 AND sandbox = $2 AND outbound_id IN (`+in+`)
		ORDER BY outbound_id, group_control, control_number`, args...)
	if err != nil {
		return fmt.Errorf("ediapi: load outbound sets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			oid, codes, errs string
			t                OutboundSet
			ackedAt          sql.NullTime
		)
		if err := rows.Scan(&oid, &t.FunctionalID, &t.GroupControl, &t.ControlNumber, &t.Type, &t.Reference, &t.Status,
			&codes, &errs, &ackedAt); err != nil {
			return fmt.Errorf("ediapi: load outbound sets: %w", err)
		}
		_ = json.Unmarshal([]byte(codes), &t.Codes)
		_ = json.Unmarshal([]byte(errs), &t.Errors)
		if len(t.Codes) == 0 {
			t.Codes = nil
		}
		if len(t.Errors) == 0 {
			t.Errors = nil
		}
		if ackedAt.Valid {
			a := ackedAt.Time.UTC()
			t.AckedAt = &a
		}
		o := &obs[at[oid]]
		if t.Status == StatusPending && o.Status == StatusOverdue {
			t.Status = StatusOverdue
		}
		o.Sets = append(o.Sets, t)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ediapi: load outbound sets: %w", err)
	}
	rows.Close()
	acks, err := q.QueryContext(ctx, `SELECT outbound_id, id FROM edi_acks
		WHERE tenant_id = $1 AND sandbox = $2 AND outbound_id IN (`+in+`) ORDER BY received_at, id`, args...)
	if err != nil {
		return fmt.Errorf("ediapi: load matched acknowledgements: %w", err)
	}
	defer acks.Close()
	for acks.Next() {
		var oid, id string
		if err := acks.Scan(&oid, &id); err != nil {
			return fmt.Errorf("ediapi: load matched acknowledgements: %w", err)
		}
		obs[at[oid]].Acks = append(obs[at[oid]].Acks, id)
	}
	return acks.Err()
}

var outboundStatuses = []string{StatusPending, StatusOverdue, StatusAccepted, StatusAcceptedWithErrors,
	StatusPartiallyAccepted, StatusRejected, StatusNotExpected}

func (s *Service) handleListOutbound(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	qs := r.URL.Query()
	var fs problem.Errors
	status, kind := qs.Get("status"), qs.Get("kind")
	if status != "" && !contains(outboundStatuses, status) {
		fs.Add("status", "one_of", "values", strings.Join(outboundStatuses, ", "))
	}
	if kind != "" && kind != kindDocument && kind != kindAck {
		fs.Add("kind", "one_of", "values", "document, ack")
	}
	if err := fs.Err(); err != nil {
		return err
	}
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	query := `SELECT ` + outboundCols + ` FROM edi_outbound WHERE tenant_id = $1 AND sandbox = $2`
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args)+2)
	}
	switch status {
	case "":
	case StatusOverdue:
		query += ` AND status = ` + arg(StatusPending) + ` AND sent_at <= ` + arg(now.Add(-s.ackTimeout()))
	case StatusPending:
		query += ` AND status = ` + arg(StatusPending) + ` AND sent_at > ` + arg(now.Add(-s.ackTimeout()))
	default:
		query += ` AND status = ` + arg(status)
	}
	if kind != "" {
		query += ` AND kind = ` + arg(kind)
	}
	if v := qs.Get("order_id"); v != "" {
		query += ` AND order_id = ` + arg(v)
	}
	if v := qs.Get("partner"); v != "" {
		query += ` AND partner = ` + arg(v)
	}
	if v := qs.Get("return_id"); v != "" {
		query += ` AND return_id = ` + arg(v)
	}
	if pg.After != "" {
		query += ` AND id < ` + arg(pg.After)
	}
	query += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, pg.FetchLimit())
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("ediapi: list outbound: %w", err)
	}
	var out []Outbound
	for rows.Next() {
		o, err := s.scanOutbound(rows, now)
		if err != nil {
			rows.Close()
			return fmt.Errorf("ediapi: list outbound: %w", err)
		}
		out = append(out, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ediapi: list outbound: %w", err)
	}
	list := web.NewList(pg, out, func(o Outbound) string { return o.ID })
	if err := s.loadSets(ctx, q, list.Items); err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, list)
}

func (s *Service) handleGetOutbound(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return err
	}
	o, err := s.scanOutbound(q.QueryRowContext(ctx, `SELECT `+outboundCols+` FROM edi_outbound
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, r.PathValue("id")), s.now().UTC())
	if errors.Is(err, sql.ErrNoRows) {
		return problem.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("ediapi: get outbound: %w", err)
	}
	one := []Outbound{o}
	if err := s.loadSets(ctx, q, one); err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, one[0])
}

// handleDownloadOutbound serves an outbound interchange's body as sent.
func (s *Service) handleDownloadOutbound(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return err
	}
	var std, ctl, body string
	err = q.QueryRowContext(ctx, `SELECT standard, control_number, body FROM edi_outbound
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, r.PathValue("id")).Scan(&std, &ctl, &body)
	if errors.Is(err, sql.ErrNoRows) || err == nil && body == "" {
		return problem.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("ediapi: download outbound: %w", err)
	}
	w.Header().Set("Content-Type", contentType(edi.Standard(std)))
	w.Header().Set("Silkgate-EDI-Control-Number", ctl)
	w.WriteHeader(http.StatusOK)
	_, err = w.Write([]byte(body))
	return err
}

func (s *Service) handleListAcks(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	matched := r.URL.Query().Get("matched")
	if matched != "" && matched != "true" && matched != "false" {
		return problem.Invalid(problem.Field{Field: "matched", Code: "one_of", Params: []any{"values", "true, false"}})
	}
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return err
	}
	query := `SELECT id, interchange_id, standard, sender_id, acked_control, functional_id, status, outbound_id,
		received_at FROM edi_acks WHERE tenant_id = $1 AND sandbox = $2`
	var args []any
	switch matched {
	case "true":
		query += ` AND outbound_id <> ''`
	case "false":
		query += ` AND outbound_id = ''`
	}
	if pg.After != "" {
		args = append(args, pg.After)
		query += ` AND id < $3`
	}
	query += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, pg.FetchLimit())
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("ediapi: list acknowledgements: %w", err)
	}
	defer rows.Close()
	var out []ReceivedAck
	for rows.Next() {
		var a ReceivedAck
		if err := rows.Scan(&a.ID, &a.InterchangeID, &a.Standard, &a.Sender, &a.AckedControl, &a.FunctionalID, &a.Status,
			&a.OutboundID, &a.ReceivedAt); err != nil {
			return fmt.Errorf("ediapi: list acknowledgements: %w", err)
		}
		a.Matched, a.ReceivedAt = a.OutboundID != "", a.ReceivedAt.UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ediapi: list acknowledgements: %w", err)
	}
	return web.Respond(w, r, http.StatusOK, web.NewList(pg, out, func(a ReceivedAck) string { return a.ID }))
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
