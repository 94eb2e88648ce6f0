package ediapi

import (
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

// Partner is a stored trading-partner profile.
type Partner struct {
	ID string `json:"id"`
	edi.Profile
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// XMLRoot names the XML root element of a partner.
func (Partner) XMLRoot() string { return "partner" }

// PartnerInput is the body of POST and PUT /api/v1/edi/partners: an
// edi.Profile.
type PartnerInput edi.Profile

// XMLRoot names the XML root element of a partner.
func (PartnerInput) XMLRoot() string { return "partner" }

// Validate checks the profile with edi.Profile.Validate.
func (p *PartnerInput) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	var fs problem.Errors
	if p.Name == "" {
		fs.Add("name", "required")
	} else if len(p.Name) > 200 {
		fs.Add("name", "max_length", "max", 200)
	}
	if err := (*edi.Profile)(p).Validate(); err != nil {
		for _, e := range strings.Split(err.Error(), "\n") {
			fs.Add("profile", "invalid_value", "reason", e)
		}
	}
	return fs.Err()
}

var errPartnerExists = &problem.Error{Status: http.StatusConflict, Code: "edi_partner_exists"}

const partnerCols = `id, profile, created_at, updated_at`

func scanPartner(sc interface{ Scan(...any) error }) (Partner, error) {
	var (
		p   Partner
		doc string
	)
	if err := sc.Scan(&p.ID, &doc, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return Partner{}, err
	}
	if err := json.Unmarshal([]byte(doc), &p.Profile); err != nil {
		return Partner{}, fmt.Errorf("ediapi: decode partner %s: %w", p.ID, err)
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, nil
}

// partners returns every profile of the caller's partition, oldest first.
func (s *Service) partners(ctx context.Context, q db.Tenanted, pg web.Page) ([]Partner, error) {
	query := `SELECT ` + partnerCols + ` FROM edi_partners WHERE tenant_id = $1 AND sandbox = $2`
	var args []any
	if pg.After != "" {
		query += ` AND id > $3`
		args = append(args, pg.After)
	}
	query += ` ORDER BY id`
	if pg.Limit > 0 {
		query += fmt.Sprintf(` LIMIT %d`, pg.FetchLimit())
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("ediapi: list partners: %w", err)
	}
	defer rows.Close()
	var out []Partner
	for rows.Next() {
		p, err := scanPartner(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ediapi: list partners: %w", err)
	}
	return out, nil
}

func (s *Service) getPartner(ctx context.Context, q db.Tenanted, id string) (Partner, error) {
	p, err := scanPartner(q.QueryRowContext(ctx, `SELECT `+partnerCols+` FROM edi_partners
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Partner{}, problem.ErrNotFound
	}
	if err != nil {
		return Partner{}, fmt.Errorf("ediapi: get partner: %w", err)
	}
	return p, nil
}

func identityKey(i edi.Identity) string {
	return strings.ToUpper(i.Qualifier) + ":" + strings.ToUpper(i.ID)
}

// savePartner inserts (id == "") or replaces a profile, refusing one whose
// standard and identities another profile already has: inbound matching
// would otherwise be ambiguous.
func (s *Service) savePartner(ctx context.Context, id string, in PartnerInput) (Partner, error) {
	prof := edi.Profile(in)
	var out Partner
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		out = Partner{ID: id, Profile: prof, CreatedAt: now, UpdatedAt: now}
		if id != "" {
			old, err := s.getPartner(ctx, q, id)
			if err != nil {
				return err
			}
			out.CreatedAt = old.CreatedAt
		} else {
			out.ID = ids.New("edip")
		}
		all, err := s.partners(ctx, q, web.Page{})
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.ID != out.ID && o.Standard == prof.Standard && identityKey(o.PartnerID) == identityKey(prof.PartnerID) &&
				identityKey(o.LocalID) == identityKey(prof.LocalID) {
				return errPartnerExists
			}
		}
		doc, err := json.Marshal(prof)
		if err != nil {
			return fmt.Errorf("ediapi: encode partner: %w", err)
		}
		if id == "" {
			_, err = q.ExecContext(ctx, `INSERT INTO edi_partners (tenant_id, sandbox, id, name, standard, partner_id,
				local_id, profile, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				out.ID, prof.Name, string(prof.Standard), identityKey(prof.PartnerID), identityKey(prof.LocalID),
				string(doc), out.CreatedAt, out.UpdatedAt)
		} else {
			_, err = q.ExecContext(ctx, `UPDATE edi_partners SET name = $4, standard = $5, partner_id = $6, local_id = $7,
				profile = $8, updated_at = $9 WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`,
				out.ID, prof.Name, string(prof.Standard), identityKey(prof.PartnerID), identityKey(prof.LocalID),
				string(doc), out.UpdatedAt)
		}
		if err != nil {
			return fmt.Errorf("ediapi: save partner: %w", err)
		}
		action := "edi.partner.create"
		if id != "" {
			action = "edi.partner.update"
		}
		return s.audit.Record(ctx, audit.Event{Action: action, Resource: "edi_partner/" + out.ID, Change: prof})
	})
	if err != nil {
		return Partner{}, err
	}
	return out, nil
}

func (s *Service) handleListPartners(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	q, err := s.db.TenantRead(r.Context())
	if err != nil {
		return err
	}
	ps, err := s.partners(r.Context(), q, pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, web.NewList(pg, ps, func(p Partner) string { return p.ID }))
}

func (s *Service) handleCreatePartner(w http.ResponseWriter, r *http.Request) error {
	var in PartnerInput
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	p, err := s.savePartner(r.Context(), "", in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/edi/partners/"+p.ID)
	return web.Respond(w, r, http.StatusCreated, p)
}

func (s *Service) handleGetPartner(w http.ResponseWriter, r *http.Request) error {
	q, err := s.db.TenantRead(r.Context())
	if err != nil {
		return err
	}
	p, err := s.getPartner(r.Context(), q, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, p)
}

func (s *Service) handleUpdatePartner(w http.ResponseWriter, r *http.Request) error {
	var in PartnerInput
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	p, err := s.savePartner(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, p)
}

func (s *Service) handleDeletePartner(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	err := s.db.InTx(r.Context(), func(ctx context.Context) error {
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
	if err != nil {
		return err
	}
	return web.NoContent(w)
}
