package sso

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
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Client management beyond registration, for the console's page of partner
// applications: public clients, secret rotation, deletion and when a
// client was last used.
//
// A public client (a single-page or mobile application, which cannot keep
// a secret) is stored without a secret hash; the provider then authenticates
// it by PKCE alone (opClient.AuthMethod), and no secret can ever match it.

// ClientSummary is a partner application as the console lists it.
type ClientSummary struct {
	OIDCClient
	// Public clients have no secret and must use PKCE.
	Public bool `json:"public"`
	// LastUsedAt is when the client was last issued a token.
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// RegisterClient registers a partner application of the caller's tenant:
// confidential (a secret, returned once) or public (PKCE, no secret).
func (s *Service) RegisterClient(ctx context.Context, n NewOIDCClient, public bool) (OIDCClient, error) {
	if !public {
		return s.CreateClient(ctx, n)
	}
	p, err := callerTenant(ctx)
	if err != nil {
		return OIDCClient{}, err
	}
	if err := n.Validate(); err != nil {
		return OIDCClient{}, err
	}
	c := OIDCClient{ID: ids.New("oic"), TenantID: p.TenantID, Name: n.Name, RedirectURIs: n.RedirectURIs, CreatedAt: s.now()}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO oidc_clients (id, tenant_id, name, redirect_uris, secret_hash,
			created_by, created_at) VALUES ($1, $2, $3, $4, '', $5, $6)`, c.ID, c.TenantID, c.Name,
			strings.Join(c.RedirectURIs, " "), p.PrincipalID(), c.CreatedAt); err != nil {
			return fmt.Errorf("sso: register client: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "oidc.client_create", Resource: "oidc_client/" + c.ID, TenantID: c.TenantID,
			Change: map[string]any{"name": n.Name, "redirect_uris": n.RedirectURIs, "public": true}})
	})
	if err != nil {
		return OIDCClient{}, err
	}
	return c, nil
}

const summaryCols = `c.id, c.tenant_id, c.name, c.redirect_uris, c.secret_hash, c.created_at, c.revoked_at`

func scanSummary(sc interface{ Scan(...any) error }) (ClientSummary, error) {
	var (
		c            ClientSummary
		uris, secret string
		revoked      sql.NullTime
	)
	if err := sc.Scan(&c.ID, &c.TenantID, &c.Name, &uris, &secret, &c.CreatedAt, &revoked); err != nil {
		return ClientSummary{}, err
	}
	c.RedirectURIs, c.Public = strings.Fields(uris), secret == ""
	c.CreatedAt = c.CreatedAt.UTC()
	if revoked.Valid {
		t := revoked.Time.UTC()
		c.RevokedAt = &t
	}
	return c, nil
}

// lastUsed sets c.LastUsedAt from the newest token issued to it. A query of
// its own per client: an aggregate over the column loses its type on
// SQLite, and a tenant has a handful of clients.
func (s *Service) lastUsed(ctx context.Context, c *ClientSummary) error {
	var t time.Time
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT created_at FROM oidc_tokens WHERE client_id = $1
		ORDER BY created_at DESC LIMIT 1`, c.ID).Scan(&t)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("sso: last use of client: %w", err)
	}
	t = t.UTC()
	c.LastUsedAt = &t
	return nil
}

// ClientSummaries lists the caller's tenant's partner applications with
// their kind and last use.
func (s *Service) ClientSummaries(ctx context.Context, pg web.Page) (web.List[ClientSummary], error) {
	p, err := callerTenant(ctx)
	if err != nil {
		return web.List[ClientSummary]{}, err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+summaryCols+` FROM oidc_clients c
		WHERE c.tenant_id = $1 AND c.id > $2 ORDER BY c.id LIMIT $3`, p.TenantID, pg.After, pg.FetchLimit())
	if err != nil {
		return web.List[ClientSummary]{}, fmt.Errorf("sso: list clients: %w", err)
	}
	out, err := db.Collect(rows, func(r db.Row) (ClientSummary, error) { return scanSummary(r) })
	if err != nil {
		return web.List[ClientSummary]{}, fmt.Errorf("sso: list clients: %w", err)
	}
	for i := range out {
		if err := s.lastUsed(ctx, &out[i]); err != nil {
			return web.List[ClientSummary]{}, err
		}
	}
	return web.NewList(pg, out, func(c ClientSummary) string { return c.ID }), nil
}

// ClientSummary returns one of the caller's tenant's partner applications.
func (s *Service) ClientSummary(ctx context.Context, id string) (ClientSummary, error) {
	p, err := callerTenant(ctx)
	if err != nil {
		return ClientSummary{}, err
	}
	c, err := scanSummary(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+summaryCols+` FROM oidc_clients c
		WHERE c.id = $1 AND c.tenant_id = $2`, id, p.TenantID))
	if errors.Is(err, sql.ErrNoRows) {
		return ClientSummary{}, problem.ErrNotFound
	}
	if err != nil {
		return ClientSummary{}, fmt.Errorf("sso: get client: %w", err)
	}
	return c, s.lastUsed(ctx, &c)
}

// RotateClientSecret gives a confidential client a new secret, returned
// once; the old one stops working at once. Tokens already issued stay
// valid until they expire (revoke the client to end them).
func (s *Service) RotateClientSecret(ctx context.Context, id string) (OIDCClient, error) {
	c, err := s.ClientSummary(ctx, id)
	if err != nil {
		return OIDCClient{}, err
	}
	if c.RevokedAt != nil {
		return OIDCClient{}, problem.ErrNotFound
	}
	if c.Public {
		return OIDCClient{}, problem.Invalid(problem.Field{Field: "client", Code: "public_client_no_secret"})
	}
	out := c.OIDCClient
	out.Secret = "sgc_" + ids.Secret(32)
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE oidc_clients SET secret_hash = $3 WHERE id = $1 AND tenant_id = $2
			AND revoked_at IS NULL`, id, c.TenantID, hash(out.Secret))
		if err != nil {
			return fmt.Errorf("sso: rotate client secret: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return problem.ErrNotFound
		}
		return s.audit.Record(ctx, audit.Event{Action: "oidc.client_rotate", Resource: "oidc_client/" + id, TenantID: c.TenantID})
	})
	if err != nil {
		return OIDCClient{}, err
	}
	return out, nil
}

// DeleteClient removes a partner application with its tokens and sign-ins
// in flight. The audit trail keeps its registration and its deletion.
func (s *Service) DeleteClient(ctx context.Context, id string) error {
	c, err := s.ClientSummary(ctx, id)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		q := s.db.Q(ctx)
		for _, stmt := range []string{`DELETE FROM oidc_tokens WHERE client_id = $1`, `DELETE FROM oidc_auth_requests WHERE client_id = $1`} {
			if _, err := q.ExecContext(ctx, stmt, id); err != nil {
				return fmt.Errorf("sso: delete client: %w", err)
			}
		}
		res, err := q.ExecContext(ctx, `DELETE FROM oidc_clients WHERE id = $1 AND tenant_id = $2`, id, c.TenantID)
		if err != nil {
			return fmt.Errorf("sso: delete client: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return problem.ErrNotFound
		}
		return s.audit.Record(ctx, audit.Event{Action: "oidc.client_delete", Resource: "oidc_client/" + id, TenantID: c.TenantID,
			Detail: c.Name})
	})
}

// Issuer is the provider's issuer as partner applications configure it:
// the public address when one is set, else the address of r.
func (s *Service) Issuer(r *http.Request) string { return s.base(r) }
