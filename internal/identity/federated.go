package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// FederatedPassword is the password hash of an account made by single
// sign-on. It is no valid hash, so no password ever matches it: such a
// person signs in only through their company's identity provider, until an
// administrator sets a password.
const FederatedPassword = "!federated"

// Federated is a person an external identity provider vouched for: the
// provider checked the credentials, the caller checked the provider's
// token and mapped its groups to Role.
type Federated struct {
	// TenantID is the tenant whose identity provider vouched; the account
	// must belong to it.
	TenantID string
	Email    string
	// Role is the tenant role the provider's groups map to. An existing
	// account is brought to it, so the provider stays the one place where
	// access is granted and withdrawn.
	Role Role
	// Provision creates the account when there is none.
	Provision bool
	// MFA records that the provider asserted a second factor.
	MFA bool
	// Issuer and Subject name the person at the provider, for the audit
	// trail.
	Issuer  string
	Subject string
}

// ErrFederationRefused is the 403 of a federated sign-in the platform
// refuses although the provider vouched (account disabled, of another
// tenant, not provisioned). The reason is in the audit trail only.
var ErrFederationRefused = problem.New(http.StatusForbidden, "sso_refused")

// FederatedLogin opens a console session for the person f names, finding
// their account in f.TenantID or creating it when f.Provision allows. An
// e-mail that belongs to another tenant or to platform staff is refused:
// a tenant's identity provider speaks for that tenant only. Success is
// audited as "auth.sso_login", and so is every refusal (kept even when the
// caller's transaction rolls back, as with Login).
func (s *Service) FederatedLogin(ctx context.Context, f Federated, sourceIP, userAgent string) (Session, User, error) {
	var sess Session
	var user User
	err := s.keepingRefusals(ctx, func(ctx context.Context) error {
		var err error
		sess, user, err = s.federatedLogin(ctx, f, sourceIP, userAgent)
		return err
	})
	if err != nil {
		return Session{}, User{}, err
	}
	return sess, user, nil
}

func (s *Service) federatedLogin(ctx context.Context, f Federated, sourceIP, userAgent string) (Session, User, error) {
	now := s.now()
	email := strings.TrimSpace(f.Email)
	var u loginRow
	var role string
	actor := func() context.Context {
		return audit.WithActor(ctx, audit.Actor{ID: orDefault(u.ID, "anonymous"), Type: "user", Email: email,
			TenantID: f.TenantID, SourceIP: sourceIP})
	}
	deny := func(reason string) (Session, User, error) {
		if err := s.audit.Record(actor(), audit.Event{Action: "auth.sso_login", Resource: "user/" + orDefault(u.ID, "unknown"),
			Outcome: audit.OutcomeDenied, TenantID: f.TenantID, Detail: reason + " (" + f.Issuer + ")"}); err != nil {
			return Session{}, User{}, err
		}
		return Session{}, User{}, refuse(ErrFederationRefused)
	}
	if f.TenantID == "" || f.Role.Platform() || !f.Role.Valid() {
		return deny("bad_role")
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return deny("bad_email")
	}
	err := s.db.Q(ctx).QueryRowContext(ctx, s.loginQuery(), email).
		Scan(&u.ID, &u.TenantID, &u.Email, &role, &u.Status, &u.MFARequired, &u.hash, &u.sealed, &u.lastStep, &u.tenantStatus)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if !f.Provision {
			return deny("not_provisioned")
		}
		u = loginRow{User: User{ID: ids.New("usr"), TenantID: f.TenantID, Email: email, Role: f.Role, Status: "active",
			PasswordChangedAt: now, CreatedAt: now}}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO users (id, tenant_id, email, role, password_hash,
			mfa_required, locale, status, password_changed_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, '', 'active', $7, $8)`,
			u.ID, f.TenantID, email, string(f.Role), FederatedPassword, false, now, now); err != nil {
			if db.IsUnique(err) {
				return deny("email_taken")
			}
			return Session{}, User{}, fmt.Errorf("identity: provision user: %w", err)
		}
		if err := s.audit.Record(actor(), audit.Event{Action: "user.provision", Resource: "user/" + u.ID,
			TenantID: f.TenantID, Change: map[string]any{"email": email, "role": f.Role, "issuer": f.Issuer, "subject": f.Subject}}); err != nil {
			return Session{}, User{}, err
		}
		u.tenantStatus = "active"
		if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT status FROM tenants WHERE id = $1`, f.TenantID).Scan(&u.tenantStatus); err != nil {
			return Session{}, User{}, fmt.Errorf("identity: read tenant: %w", err)
		}
	case err != nil:
		return Session{}, User{}, fmt.Errorf("identity: federated login: %w", err)
	default:
		u.Role = Role(role)
		if u.TenantID != f.TenantID {
			// Another tenant's account, or platform staff: this provider
			// does not speak for them. The record goes to this tenant's
			// trail, so it names nothing of the other account.
			u.ID = ""
			return deny("account_of_other_tenant")
		}
		if u.Status != "active" {
			return deny("disabled")
		}
		if u.Role != f.Role {
			if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE users SET role = $2 WHERE id = $1`, u.ID, string(f.Role)); err != nil {
				return Session{}, User{}, fmt.Errorf("identity: sync role: %w", err)
			}
			if err := s.audit.Record(actor(), audit.Event{Action: "user.role_sync", Resource: "user/" + u.ID,
				TenantID: f.TenantID, Change: map[string]any{"from": u.Role, "to": f.Role, "issuer": f.Issuer}}); err != nil {
				return Session{}, User{}, err
			}
			u.Role = f.Role
		}
	}
	if u.tenantStatus != "active" {
		return deny("tenant_suspended")
	}
	sess := Session{ID: ids.New("ses"), Token: "sgs_" + ids.Secret(32), UserID: u.ID, CreatedAt: now, LastSeen: now,
		ExpiresAt: now.Add(s.cfg.AbsoluteTimeout), SourceIP: sourceIP, UserAgent: truncate(userAgent, 256)}
	if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO sessions (token_hash, id, user_id, created_at, last_seen_at,
		expires_at, mfa, source_ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		tokenHash(sess.Token), sess.ID, u.ID, now, now, sess.ExpiresAt, f.MFA, sourceIP, sess.UserAgent); err != nil {
		return Session{}, User{}, fmt.Errorf("identity: open session: %w", err)
	}
	if err := s.audit.Record(actor(), audit.Event{Action: "auth.sso_login", Resource: "session/" + sess.ID,
		Outcome: audit.OutcomeSuccess, TenantID: f.TenantID, Detail: f.Issuer}); err != nil {
		return Session{}, User{}, err
	}
	u.MFAEnabled = u.sealed != nil
	return sess, u.User, nil
}
