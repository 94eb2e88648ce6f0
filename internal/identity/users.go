package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// User is an account that signs in with a password.
type User struct {
	ID                string    `json:"id"`
	TenantID          string    `json:"tenant_id,omitempty"`
	Email             string    `json:"email"`
	Role              Role      `json:"role"`
	Status            string    `json:"status"`
	MFAEnabled        bool      `json:"mfa_enabled"`
	MFARequired       bool      `json:"mfa_required"`
	Locale            string    `json:"locale,omitempty"`
	PasswordChangedAt time.Time `json:"password_changed_at"`
	CreatedAt         time.Time `json:"created_at"`
}

// NewUser is the input to CreateUser.
type NewUser struct {
	TenantID string `json:"tenant_id,omitempty"`
	Email    string `json:"email"`
	Role     Role   `json:"role"`
	Password string `json:"password"`
	Locale   string `json:"locale,omitempty"`
}

// Validate checks the shape of the input; CreateUser checks the rest.
func (n *NewUser) Validate() error {
	var fs problem.Errors
	n.Email = strings.TrimSpace(n.Email)
	if n.Email == "" {
		fs.Add("email", "required")
	} else if a, err := mail.ParseAddress(n.Email); err != nil || a.Address != n.Email || len(n.Email) > 254 {
		fs.Add("email", "invalid_email")
	}
	if n.Role == "" {
		fs.Add("role", "required")
	} else if !n.Role.Valid() {
		fs.Add("role", "one_of", "values", rolesList())
	}
	if n.Password == "" {
		fs.Add("password", "required")
	} else if err := CheckPasswordPolicy("password", n.Password, n.Email); err != nil {
		pe, _ := problem.As(err)
		fs = append(fs, pe.Fields...)
	}
	if n.Locale != "" && n.Locale != "en" && n.Locale != "zh-CN" && n.Locale != "ja" && n.Locale != "es" {
		fs.Add("locale", "one_of", "values", "en, zh-CN, ja, es")
	}
	return fs.Err()
}

func rolesList() string {
	var s []string
	for _, r := range Roles() {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

// personKey folds an e-mail to the person behind it (case and +tags
// ignored) for the separation-of-duties check.
func personKey(email string) string {
	e := strings.ToLower(strings.TrimSpace(email))
	local, domain, _ := strings.Cut(e, "@")
	local, _, _ = strings.Cut(local, "+")
	return local + "@" + domain
}

// CreatedUser is CreateUser's result: the user, and for roles that must
// sign in with a second factor the TOTP secret to enrol, shown only once.
type CreatedUser struct {
	User
	TOTPSecret string `json:"totp_secret,omitempty"`
	TOTPURL    string `json:"totp_url,omitempty"`
}

// CreateUser creates an account. The caller in ctx (if any) must be allowed
// to grant the role in that tenant; the command line acts as the system and
// may create anyone (it is how the first administrator comes to be).
func (s *Service) CreateUser(ctx context.Context, n NewUser) (CreatedUser, error) {
	if err := n.Validate(); err != nil {
		return CreatedUser{}, err
	}
	if n.Role.Platform() != (n.TenantID == "") {
		if n.Role.Platform() {
			return CreatedUser{}, problem.Invalid(problem.Field{Field: "tenant_id", Code: "platform_role_no_tenant"})
		}
		return CreatedUser{}, problem.Invalid(problem.Field{Field: "tenant_id", Code: "required"})
	}
	if p, ok := PrincipalFrom(ctx); ok {
		if p.TenantID != "" && p.TenantID != n.TenantID {
			return CreatedUser{}, problem.ErrNotFound
		}
		if !p.Role.CanGrant(n.Role) {
			return CreatedUser{}, problem.Invalid(problem.Field{Field: "role", Code: "role_not_allowed", Params: []any{"role", n.Role}})
		}
	}
	hash, err := HashPassword(n.Password, s.cfg.Argon2)
	if err != nil {
		return CreatedUser{}, err
	}
	now := s.now()
	u := CreatedUser{User: User{ID: ids.New("usr"), TenantID: n.TenantID, Email: n.Email, Role: n.Role,
		Status: "active", MFARequired: n.Role.MFARequired(), Locale: n.Locale, PasswordChangedAt: now, CreatedAt: now}}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.checkDuties(ctx, "", n.Email, n.Role); err != nil {
			return err
		}
		var sealed []byte
		if u.MFARequired {
			u.TOTPSecret, u.TOTPURL, err = NewTOTPSecret(n.Email)
			if err != nil {
				return err
			}
			sealed, err = s.seal.Encrypt(ctx, n.TenantID, []byte(u.TOTPSecret), totpAAD(u.ID))
			if err != nil {
				return err
			}
			u.MFAEnabled = true
		}
		_, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO users (id, tenant_id, email, role, password_hash, totp_secret,
			mfa_required, locale, status, password_changed_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10)`,
			u.ID, nullable(n.TenantID), n.Email, string(n.Role), hash, sealed, u.MFARequired, n.Locale, now, now)
		if db.IsUnique(err) {
			return problem.Conflict("duplicate", "field", "email")
		}
		if db.IsForeignKey(err) {
			return problem.Invalid(problem.Field{Field: "tenant_id", Code: "not_found"})
		}
		if err != nil {
			return fmt.Errorf("identity: create user: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "user.create", Resource: "user/" + u.ID, Outcome: "success",
			TenantID: n.TenantID, Change: map[string]any{"email": n.Email, "role": n.Role, "tenant_id": n.TenantID}})
	})
	return u, err
}

func totpAAD(userID string) []byte { return []byte("users.totp_secret:" + userID) }

// checkDuties refuses to give a person a second one of the separated
// duties (administration, security, audit).
func (s *Service) checkDuties(ctx context.Context, exceptID, email string, role Role) error {
	if !role.Duty() {
		return nil
	}
	// On PostgreSQL two transactions could each find no conflict and both
	// insert; take turns. (SQLite's single writer already does.)
	if s.db.Engine() == db.Postgres {
		if _, err := s.db.Q(ctx).ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('silkgate.identity.duties'))`); err != nil {
			return fmt.Errorf("identity: lock duties: %w", err)
		}
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id, email, role FROM users
		WHERE tenant_id IS NULL AND status = 'active' AND role IN ('platform_admin', 'security_admin', 'auditor')`)
	if err != nil {
		return fmt.Errorf("identity: check duties: %w", err)
	}
	defer rows.Close()
	want := personKey(email)
	for rows.Next() {
		var id, e, r string
		if err := rows.Scan(&id, &e, &r); err != nil {
			return err
		}
		if id != exceptID && personKey(e) == want && Role(r) != role {
			return problem.Invalid(problem.Field{Field: "role", Code: "duty_conflict", Params: []any{"role", role, "other", r}})
		}
	}
	return rows.Err()
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const userCols = `id, COALESCE(tenant_id, ''), email, role, status, totp_secret IS NOT NULL, mfa_required, locale, password_changed_at, created_at`

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	var role string
	err := sc.Scan(&u.ID, &u.TenantID, &u.Email, &role, &u.Status, &u.MFAEnabled, &u.MFARequired, &u.Locale, &u.PasswordChangedAt, &u.CreatedAt)
	u.Role = Role(role)
	return u, err
}

// visibleTenant is the tenant whose users the caller may see: its own, or
// for platform staff the one asked for ("" = platform accounts).
func visibleTenant(ctx context.Context, asked string) (string, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return asked, nil
	}
	if p.TenantID != "" {
		if asked != "" && asked != p.TenantID {
			return "", problem.ErrNotFound
		}
		return p.TenantID, nil
	}
	return asked, nil
}

// GetUser returns a user the caller may see.
func (s *Service) GetUser(ctx context.Context, id string) (User, error) {
	u, err := scanUser(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, problem.ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("identity: get user: %w", err)
	}
	if p, ok := PrincipalFrom(ctx); ok && p.TenantID != u.TenantID && p.TenantID != "" {
		return User{}, problem.ErrNotFound
	}
	return u, nil
}

// ListUsers lists the users of tenantID (see visibleTenant).
func (s *Service) ListUsers(ctx context.Context, tenantID string, pg web.Page) (web.List[User], error) {
	tenantID, err := visibleTenant(ctx, tenantID)
	if err != nil {
		return web.List[User]{}, err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+userCols+` FROM users
		WHERE COALESCE(tenant_id, '') = $1 AND id > $2 ORDER BY id LIMIT $3`, tenantID, pg.After, pg.Limit+1)
	if err != nil {
		return web.List[User]{}, fmt.Errorf("identity: list users: %w", err)
	}
	out, err := db.Collect(rows, func(r db.Row) (User, error) { return scanUser(r) })
	if err != nil {
		return web.List[User]{}, err
	}
	return web.NewList(pg, out, func(u User) string { return u.ID }), nil
}

// UserChange is a PATCH of a user: a new role, or a status change.
type UserChange struct {
	Role   *Role   `json:"role,omitempty"`
	Status *string `json:"status,omitempty"`
}

// Validate checks the change's shape.
func (c *UserChange) Validate() error {
	var fs problem.Errors
	if c.Role != nil && !c.Role.Valid() {
		fs.Add("role", "one_of", "values", rolesList())
	}
	if c.Status != nil && *c.Status != "active" && *c.Status != "disabled" {
		fs.Add("status", "one_of", "values", "active, disabled")
	}
	return fs.Err()
}

// UpdateUser changes a user's role or status: a permission change, always
// audited with the before and after. Disabling a user ends their sessions.
func (s *Service) UpdateUser(ctx context.Context, id string, c UserChange) (User, error) {
	if err := c.Validate(); err != nil {
		return User{}, err
	}
	var out User
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		u, err := s.GetUser(ctx, id)
		if err != nil {
			return err
		}
		p, hasCaller := PrincipalFrom(ctx)
		if hasCaller && p.UserID == u.ID {
			return problem.Invalid(problem.Field{Field: "id", Code: "cannot_change_self"})
		}
		before := map[string]any{"role": u.Role, "status": u.Status}
		if c.Role != nil && *c.Role != u.Role {
			if c.Role.Platform() != u.Role.Platform() {
				return problem.Invalid(problem.Field{Field: "role", Code: "role_not_allowed", Params: []any{"role", *c.Role}})
			}
			if hasCaller && (!p.Role.CanGrant(*c.Role) || !p.Role.CanGrant(u.Role)) {
				return problem.Invalid(problem.Field{Field: "role", Code: "role_not_allowed", Params: []any{"role", *c.Role}})
			}
			// A duty holder keeps their duty: moving a person from, say,
			// administrator to auditor would let them audit their own work.
			if u.Role.Duty() || c.Role.Duty() {
				return problem.Invalid(problem.Field{Field: "role", Code: "duty_conflict", Params: []any{"role", *c.Role, "other", u.Role}})
			}
			u.Role = *c.Role
		}
		if c.Status != nil {
			if hasCaller && !p.Role.CanGrant(u.Role) {
				return problem.ErrForbidden
			}
			// Only active accounts count toward the separated duties, so
			// bringing one back is when a second duty could reappear.
			if *c.Status == "active" && u.Status != "active" {
				if err := s.checkDuties(ctx, u.ID, u.Email, u.Role); err != nil {
					return err
				}
			}
			u.Status = *c.Status
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE users SET role = $2, status = $3 WHERE id = $1`,
			u.ID, string(u.Role), u.Status); err != nil {
			return fmt.Errorf("identity: update user: %w", err)
		}
		if u.Status != "active" {
			if err := s.revokeUserSessions(ctx, u.ID); err != nil {
				return err
			}
		}
		out = u
		return s.audit.Record(ctx, audit.Event{Action: "user.update", Resource: "user/" + u.ID, Outcome: "success",
			TenantID: u.TenantID, Change: map[string]any{"before": before, "after": map[string]any{"role": u.Role, "status": u.Status}}})
	})
	return out, err
}

// ChangePassword sets a new password after checking the current one, and
// ends the user's other sessions. A wrong current password is a strike
// toward the lockout like a failed sign-in, and a locked account cannot
// change its password: otherwise a stolen session could guess the password
// without limit. Strikes are kept as Login keeps them (see Login).
func (s *Service) ChangePassword(ctx context.Context, userID, current, next, keepSession string) error {
	return s.keepingRefusals(ctx, func(ctx context.Context) error {
		var email, hash, tenant string
		q := `SELECT email, password_hash, COALESCE(tenant_id, '') FROM users WHERE id = $1`
		if s.db.Engine() == db.Postgres {
			q += ` FOR UPDATE`
		}
		err := s.db.Q(ctx).QueryRowContext(ctx, q, userID).Scan(&email, &hash, &tenant)
		if errors.Is(err, sql.ErrNoRows) {
			return problem.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("identity: change password: %w", err)
		}
		now := s.now()
		if until, locked, err := s.lockedUntil(ctx, userID, now); err != nil {
			return err
		} else if locked {
			if err := s.audit.Record(ctx, audit.Event{Action: "user.password_change", Resource: "user/" + userID,
				Outcome: audit.OutcomeDenied, TenantID: tenant, Detail: "account_locked"}); err != nil {
				return err
			}
			return refuse(lockedError(until, now))
		}
		if ok, _ := VerifyPassword(hash, current); !ok {
			if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO login_attempts (user_id, at, ok) VALUES ($1, $2, $3)`,
				userID, now, false); err != nil {
				return fmt.Errorf("identity: count failed password check: %w", err)
			}
			if err := s.audit.Record(ctx, audit.Event{Action: "user.password_change", Resource: "user/" + userID,
				Outcome: audit.OutcomeFailure, TenantID: tenant, Detail: "bad_current_password"}); err != nil {
				return err
			}
			return refuse(problem.Invalid(problem.Field{Field: "current_password", Code: "incorrect"}))
		}
		if err := CheckPasswordPolicy("new_password", next, email); err != nil {
			return err
		}
		if next == current {
			return problem.Invalid(problem.Field{Field: "new_password", Code: "same_as_current"})
		}
		nh, err := HashPassword(next, s.cfg.Argon2)
		if err != nil {
			return err
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE users SET password_hash = $2, password_changed_at = $3 WHERE id = $1`,
			userID, nh, now); err != nil {
			return fmt.Errorf("identity: change password: %w", err)
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE sessions SET revoked_at = $2
			WHERE user_id = $1 AND revoked_at IS NULL AND id <> $3`, userID, now, keepSession); err != nil {
			return fmt.Errorf("identity: end other sessions: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "user.password_change", Resource: "user/" + userID, Outcome: "success",
			TenantID: tenant})
	})
}
