package ediapi

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/edi"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// The methods of this file are the service's Go face, for the console:
// the same reads and writes as the API routes, in the caller's tenant and
// partition.

// ListPartners returns a page of the caller's trading-partner profiles.
func (s *Service) ListPartners(ctx context.Context, pg web.Page) (web.List[Partner], error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Partner]{}, err
	}
	if pg.Limit <= 0 {
		pg.Limit = web.DefaultLimit
	}
	ps, err := s.partners(ctx, q, pg)
	if err != nil {
		return web.List[Partner]{}, err
	}
	return web.NewList(pg, ps, func(p Partner) string { return p.ID }), nil
}

// GetPartner returns one of the caller's profiles.
func (s *Service) GetPartner(ctx context.Context, id string) (Partner, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return Partner{}, err
	}
	return s.getPartner(ctx, q, id)
}

// SavePartner validates in and creates a profile (id == "") or replaces
// profile id.
func (s *Service) SavePartner(ctx context.Context, id string, in PartnerInput) (Partner, error) {
	if err := in.Validate(); err != nil {
		return Partner{}, err
	}
	return s.savePartner(ctx, id, in)
}

// DeletePartner removes one of the caller's profiles.
func (s *Service) DeletePartner(ctx context.Context, id string) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `DELETE FROM edi_partners WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id)
		if err != nil {
			return fmt.Errorf("ediapi: delete partner: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("ediapi: delete partner: %w", err)
		} else if n == 0 {
			return problem.ErrNotFound
		}
		return s.audit.Record(ctx, audit.Event{Action: "edi.partner.delete", Resource: "edi_partner/" + id})
	})
}

// ListInterchanges returns a page of received interchanges, newest first.
func (s *Service) ListInterchanges(ctx context.Context, pg web.Page) (web.List[Interchange], error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Interchange]{}, err
	}
	query := `SELECT ` + interchangeCols + ` FROM edi_interchanges WHERE tenant_id = $1 AND sandbox = $2`
	args := []any{}
	if pg.After != "" {
		query += ` AND id < $3`
		args = append(args, pg.After)
	}
	query += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, pg.FetchLimit())
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return web.List[Interchange]{}, fmt.Errorf("ediapi: list interchanges: %w", err)
	}
	out, err := db.Collect(rows, func(r db.Row) (Interchange, error) { return scanInterchange(r) })
	if err != nil {
		return web.List[Interchange]{}, fmt.Errorf("ediapi: list interchanges: %w", err)
	}
	return web.NewList(pg, out, func(ic Interchange) string { return ic.ID }), nil
}

// GetInterchange returns a received interchange with its acknowledgement,
// documents and rejected sets. The interchange's own body is not kept
// (only its digest and size).
func (s *Service) GetInterchange(ctx context.Context, id string) (Interchange, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return Interchange{}, err
	}
	var (
		ic   Interchange
		resp string
	)
	err = q.QueryRowContext(ctx, `SELECT `+interchangeCols+`, response FROM edi_interchanges
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id).Scan(&ic.ID, &ic.Standard, &ic.Sender, &ic.Receiver,
		&ic.ControlNumber, &ic.PartnerID, &ic.Accepted, &ic.Rejected, &ic.SHA256, &ic.Size, &ic.ReceivedAt, &resp)
	if errors.Is(err, sql.ErrNoRows) {
		return Interchange{}, problem.ErrNotFound
	}
	if err != nil {
		return Interchange{}, fmt.Errorf("ediapi: get interchange: %w", err)
	}
	ic.ReceivedAt = ic.ReceivedAt.UTC()
	var ir InterchangeResult
	if err := json.Unmarshal([]byte(resp), &ir); err != nil {
		return Interchange{}, fmt.Errorf("ediapi: decode interchange %s: %w", ic.ID, err)
	}
	ic.Ack, ic.Documents, ic.Errors = ir.Ack, ir.Documents, ir.Errors
	if ic.Documents == nil {
		ic.Documents = []DocumentRef{}
	}
	return ic, nil
}

// Receive reads the interchanges of body and stores them as POST
// /api/v1/edi does. mediaType names the standard (application/edi-x12,
// application/edifact) or lets it be detected (text/plain,
// application/octet-stream, ""). It reports whether an interchange was a
// re-send, answered from the stored original.
func (s *Service) Receive(ctx context.Context, body io.Reader, mediaType string) (*Response, bool, error) {
	var want edi.Standard
	switch strings.ToLower(mediaType) {
	case "application/edi-x12":
		want = edi.X12
	case "application/edifact":
		want = edi.EDIFACT
	case "", "text/plain", "application/octet-stream":
	default:
		return nil, false, &problem.Error{Status: http.StatusUnsupportedMediaType, Code: "edi_media_type", Params: []any{"type", mediaType}}
	}
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, false, err
	}
	partners, err := s.partners(ctx, q, web.Page{})
	if err != nil {
		return nil, false, err
	}
	// Parse keeps the *edi.Profile it was given; partnerOf maps it back to
	// the stored partner.
	partnerOf := map[*edi.Profile]string{}
	lookup := func(id edi.InterchangeID) (*edi.Profile, error) {
		for i := range partners {
			p := &partners[i]
			if p.Standard == id.Standard && id.Sender != "" && p.Profile.Matches(id) {
				partnerOf[&p.Profile] = p.ID
				return &p.Profile, nil
			}
		}
		return nil, nil
	}
	sum := &countingHash{h: sha256.New()}
	res, err := edi.Parse(io.TeeReader(body, sum), edi.Options{Partner: lookup})
	if err != nil {
		return nil, false, parseProblem(err)
	}
	if len(res.Interchanges) == 0 {
		return nil, false, invalidInterchange("segment 1", edi.CodeSyntax, "the body holds no interchange")
	}
	for _, ic := range res.Interchanges {
		if want != "" && ic.Standard != want {
			return nil, false, invalidInterchange(fmt.Sprintf("segment %d", ic.Position.Segment), edi.CodeSyntax,
				fmt.Sprintf("the body is %s, not %s", ic.Standard, want))
		}
	}
	// Whatever Parse left unread (nothing, normally) still counts for the
	// digest of a duplicate.
	if _, err := io.Copy(sum, body); err != nil {
		if pe := tooLarge(err); pe != nil {
			return nil, false, pe
		}
		return nil, false, fmt.Errorf("ediapi: read: %w", err)
	}
	digest := hex.EncodeToString(sum.h.Sum(nil))
	var (
		out  *Response
		dups bool
	)
	// A unique violation means a copy of an interchange committed after the
	// look-up; the second attempt finds it and answers as a duplicate.
	for attempt := 0; ; attempt++ {
		out, dups, err = s.store(ctx, res, partnerOf, digest, sum.n)
		if err == nil || !db.IsUnique(err) || attempt > 0 {
			break
		}
	}
	if err != nil {
		return nil, false, err
	}
	return out, dups, nil
}
