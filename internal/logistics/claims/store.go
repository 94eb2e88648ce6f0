package claims

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// A claim is one row: the whole claim as a JSON document, with columns
// only for what lists filter on and what quality counts.
const cols = `id, doc`

func (s *Service) insert(ctx context.Context, q db.Tenanted, c Claim) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("claims: encode: %w", err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO claims (tenant_id, sandbox, id, shipment_id, carrier_code, service_id,
		origin_country, dest_country, type, status, quality_term, doc, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', $11, $12, $13, $14)`,
		c.ID, c.ShipmentID, c.CarrierCode, c.ServiceID, c.OriginCountry, c.DestCountry, string(c.Type),
		string(c.Status), string(doc), c.Version, c.CreatedAt, c.UpdatedAt)
	if err != nil {
		return fmt.Errorf("claims: create: %w", err)
	}
	return nil
}

// update writes c back, guarded by the version read: a concurrent step
// (possible on PostgreSQL) loses with 409 instead of overwriting. On
// approval, term is the quality measure the claim counts against.
func (s *Service) update(ctx context.Context, q db.Tenanted, c *Claim, term string) error {
	prev := c.Version
	c.Version++
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("claims: encode: %w", err)
	}
	res, err := q.ExecContext(ctx, `UPDATE claims SET status = $4, doc = $5, version = $6, updated_at = $7,
		quality_term = CASE WHEN $4 = 'approved' THEN $8 ELSE quality_term END
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND version = $9`,
		c.ID, string(c.Status), string(doc), c.Version, c.UpdatedAt, term, prev)
	if err != nil {
		return fmt.Errorf("claims: update %s: %w", c.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("claims: update %s: %w", c.ID, err)
	} else if n == 0 {
		return problem.Conflict("conflict")
	}
	return nil
}

func scan(sc interface{ Scan(...any) error }) (Claim, error) {
	var (
		id, doc string
		c       Claim
	)
	if err := sc.Scan(&id, &doc); err != nil {
		return Claim{}, err
	}
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		return Claim{}, fmt.Errorf("claims: decode %s: %w", id, err)
	}
	if c.Evidence == nil {
		c.Evidence = []Document{}
	}
	return c, nil
}

// Get returns a claim of the caller's tenant and partition.
func (s *Service) Get(ctx context.Context, id string) (Claim, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return Claim{}, err
	}
	return s.get(ctx, q, strings.TrimSpace(id))
}

func (s *Service) get(ctx context.Context, q db.Tenanted, id string) (Claim, error) {
	c, err := scan(q.QueryRowContext(ctx, `SELECT `+cols+` FROM claims WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Claim{}, problem.ErrNotFound
	}
	if err != nil {
		return Claim{}, fmt.Errorf("claims: get: %w", err)
	}
	return c, nil
}

// Filter narrows a list of claims; empty fields do not filter.
type Filter struct {
	Status     Status
	Type       Type
	Carrier    string // carrier code
	ShipmentID string
}

// List returns a page of claims, newest first.
func (s *Service) List(ctx context.Context, f Filter, pg web.Page) (web.List[Claim], error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Claim]{}, err
	}
	var (
		where strings.Builder
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args)+2)
	}
	where.WriteString(`tenant_id = $1 AND sandbox = $2`)
	if f.Status != "" {
		where.WriteString(` AND status = ` + arg(string(f.Status)))
	}
	if f.Type != "" {
		where.WriteString(` AND type = ` + arg(string(f.Type)))
	}
	if f.Carrier != "" {
		where.WriteString(` AND carrier_code = ` + arg(f.Carrier))
	}
	if f.ShipmentID != "" {
		where.WriteString(` AND shipment_id = ` + arg(f.ShipmentID))
	}
	if pg.After != "" {
		where.WriteString(` AND id < ` + arg(pg.After))
	}
	rows, err := q.QueryContext(ctx, `SELECT `+cols+` FROM claims WHERE `+where.String()+
		` ORDER BY id DESC LIMIT `+arg(pg.FetchLimit()), args...)
	if err != nil {
		return web.List[Claim]{}, fmt.Errorf("claims: list: %w", err)
	}
	cs, err := db.Collect(rows, func(r db.Row) (Claim, error) { return scan(r) })
	if err != nil {
		return web.List[Claim]{}, fmt.Errorf("claims: list: %w", err)
	}
	return web.NewList(pg, cs, func(c Claim) string { return c.ID }), nil
}

// sniff names the media type of an evidence document from its first
// bytes; what the sender declared is not trusted.
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	}
	return ""
}

// AddEvidence stores an evidence document (PDF, JPEG or PNG, at most
// MaxEvidenceSize bytes) for a claim the carrier has not decided yet.
func (s *Service) AddEvidence(ctx context.Context, id, name string, r io.Reader) (Document, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxEvidenceSize+1))
	if err != nil {
		if e := web.TooLarge(err); e != nil {
			return Document{}, e
		}
		return Document{}, fmt.Errorf("claims: read evidence: %w", err)
	}
	if len(data) == 0 {
		return Document{}, problem.Invalid(problem.Field{Field: "file", Code: "required"})
	}
	if len(data) > MaxEvidenceSize {
		return Document{}, &problem.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
			Params: []any{"limit", MaxEvidenceSize}}
	}
	mt := sniff(data)
	if mt == "" {
		return Document{}, problem.New(http.StatusUnsupportedMediaType, "unsupported_evidence")
	}
	name = strings.TrimSpace(path.Base(strings.ReplaceAll(name, "\\", "/")))
	if name == "" || name == "." || name == "/" {
		name = "evidence"
	}
	for utf8.RuneCountInString(name) > 128 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	sum := sha256.Sum256(data)
	var doc Document
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		c, err := s.get(ctx, q, strings.TrimSpace(id))
		if err != nil {
			return err
		}
		if !c.Status.open() {
			return errEvidenceClosed(c.Status)
		}
		if len(c.Evidence) >= MaxEvidence {
			return problem.Invalid(problem.Field{Field: "file", Code: "max_items", Params: []any{"max", MaxEvidence}})
		}
		now := s.stamp()
		if !now.After(c.UpdatedAt) {
			now = c.UpdatedAt.Add(time.Microsecond)
		}
		doc = Document{ID: ids.New("doc"), Name: name, MediaType: mt, Size: int64(len(data)),
			SHA256: hex.EncodeToString(sum[:]), UploadedAt: now, UploadedBy: audit.ActorFrom(ctx).ID}
		doc.DownloadURL = "/api/v1/claims/" + c.ID + "/evidence/" + doc.ID
		if _, err := q.ExecContext(ctx, `INSERT INTO claim_evidence (tenant_id, sandbox, claim_id, id, media_type, data,
			created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.ID, doc.ID, mt, data, now); err != nil {
			return fmt.Errorf("claims: store evidence: %w", err)
		}
		c.Evidence = append(c.Evidence, doc)
		c.UpdatedAt = now
		if err := s.update(ctx, q, &c, ""); err != nil {
			return err
		}
		if err := s.publish(ctx, c, ClaimUpdated); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "claim.evidence", Resource: "claim/" + c.ID,
			Change: doc, Detail: name + " (" + mt + ")"})
	})
	if err != nil {
		return Document{}, err
	}
	return doc, nil
}

// Evidence returns an evidence document of a claim with its record.
func (s *Service) Evidence(ctx context.Context, claimID, docID string) ([]byte, Document, error) {
	c, err := s.Get(ctx, claimID)
	if err != nil {
		return nil, Document{}, err
	}
	var doc Document
	for _, d := range c.Evidence {
		if d.ID == docID {
			doc = d
		}
	}
	if doc.ID == "" {
		return nil, Document{}, problem.ErrNotFound
	}
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, Document{}, err
	}
	var data []byte
	err = q.QueryRowContext(ctx, `SELECT data FROM claim_evidence WHERE tenant_id = $1 AND sandbox = $2
		AND claim_id = $3 AND id = $4`, c.ID, doc.ID).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Document{}, problem.ErrNotFound
	}
	if err != nil {
		return nil, Document{}, fmt.Errorf("claims: evidence: %w", err)
	}
	return data, doc, nil
}

// Upheld counts, per service on a lane, the shipments whose upheld
// claims count against each quality measure (TermLostOrDamaged,
// TermLate): across tenants, like the tracking record they complement,
// and never across the sandbox boundary.
func (s *Service) Upheld(ctx context.Context, origin, dest string, serviceIDs []string) (map[string]map[string]int64, error) {
	out := map[string]map[string]int64{}
	if len(serviceIDs) == 0 {
		return out, nil
	}
	sc, _ := db.ScopeFrom(ctx)
	args := []any{sc.Sandbox, strings.ToUpper(origin), strings.ToUpper(dest)}
	in := make([]string, len(serviceIDs))
	for i, id := range serviceIDs {
		args = append(args, id)
		in[i] = "$" + strconv.Itoa(len(args))
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT service_id, quality_term,
		COUNT(DISTINCT tenant_id || ':' || shipment_id) FROM claims WHERE sandbox = $1 AND origin_country = $2
		AND dest_country = $3 AND quality_term <> '' AND service_id IN (`+strings.Join(in, ", ")+`)
		GROUP BY service_id, quality_term`, args...)
	if err != nil {
		return nil, fmt.Errorf("claims: upheld: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, term string
			n        int64
		)
		if err := rows.Scan(&id, &term, &n); err != nil {
			return nil, fmt.Errorf("claims: upheld: %w", err)
		}
		if out[id] == nil {
			out[id] = map[string]int64{}
		}
		out[id][term] = n
	}
	return out, rows.Err()
}
