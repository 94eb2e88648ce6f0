package identity

import (
	"context"
	"database/sql"
	"encoding/base32"
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

// Credentials is a sign-in attempt.
type Credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	TOTP     string `json:"totp,omitempty"`
}

// Validate checks the attempt's shape.
func (c *Credentials) Validate() error {
	var fs problem.Errors
	if strings.TrimSpace(c.Email) == "" {
		fs.Add("email", "required")
	}
	if c.Password == "" {
		fs.Add("password", "required")
	}
	if len(c.Password) > 1024 {
		fs.Add("password", "max_length", "max", 1024)
	}
	return fs.Err()
}

// Session is a signed-in user's bearer session. Token is only known at
// creation: the store keeps its hash.
type Session struct {
	ID        string    `json:"id"`
	Token     string    `json:"token,omitempty"`
	UserID    string    `json:"user_id"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen_at"`
	SourceIP  string    `json:"source_ip,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
}

type loginRow struct {
	User
	hash         string
	sealed       []byte
	lastStep     int64
	tenantStatus string
}

// Login checks credentials and opens a session. Every attempt — failed
// ones too — is audited and counted toward the lockout. Outside a
// transaction Login commits its own; inside the caller's, a refusal comes
// back marked web.KeepWrites so that the strike count and the audit record
// survive the refusal (the router commits them).
func (s *Service) Login(ctx context.Context, c Credentials, sourceIP, userAgent string) (Session, User, error) {
	var sess Session
	var user User
	err := s.keepingRefusals(ctx, func(ctx context.Context) error {
		var err error
		sess, user, err = s.login(ctx, c, sourceIP, userAgent)
		return err
	})
	if err != nil {
		return Session{}, User{}, err
	}
	return sess, user, nil
}

// loginQuery reads the account signing in. On PostgreSQL it locks the row
// until the transaction ends, so that concurrent attempts on one account
// take turns: each sees the strikes and the TOTP step of the one before,
// and a burst of parallel guesses cannot slip past the lockout or replay a
// code. SQLite's immediate transactions already take turns.
func (s *Service) loginQuery() string {
	q := `SELECT id, COALESCE(tenant_id, ''), email, role, status, mfa_required,
		password_hash, totp_secret, totp_last_step,
		COALESCE((SELECT t.status FROM tenants t WHERE t.id = users.tenant_id), 'active')
		FROM users WHERE lower(email) = lower($1)`
	if s.db.Engine() == db.Postgres {
		q += ` FOR UPDATE`
	}
	return q
}

func (s *Service) login(ctx context.Context, c Credentials, sourceIP, userAgent string) (Session, User, error) {
	now := s.now()
	var u loginRow
	var role string
	err := s.db.Q(ctx).QueryRowContext(ctx, s.loginQuery(), strings.TrimSpace(c.Email)).
		Scan(&u.ID, &u.TenantID, &u.Email, &role, &u.Status, &u.MFARequired, &u.hash, &u.sealed, &u.lastStep, &u.tenantStatus)
	u.Role = Role(role)
	actor := func() context.Context {
		return audit.WithActor(ctx, audit.Actor{ID: orDefault(u.ID, "anonymous"), Type: "user", Email: orDefault(u.Email, c.Email),
			TenantID: u.TenantID, SourceIP: sourceIP})
	}
	// fail counts a strike against a known account, audits the attempt and
	// refuses it.
	fail := func(reason string, perr error) (Session, User, error) {
		if u.ID != "" {
			if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO login_attempts (user_id, at, ok) VALUES ($1, $2, $3)`,
				u.ID, now, false); err != nil {
				return Session{}, User{}, fmt.Errorf("identity: count failed sign-in: %w", err)
			}
		}
		if err := s.audit.Record(actor(), audit.Event{Action: "auth.login", Resource: "user/" + orDefault(u.ID, "unknown"),
			Outcome: audit.OutcomeFailure, TenantID: u.TenantID, Detail: reason}); err != nil {
			return Session{}, User{}, err
		}
		return Session{}, User{}, refuse(perr)
	}
	// deny audits a refusal that is not a strike.
	deny := func(reason string, perr error) (Session, User, error) {
		if err := s.audit.Record(actor(), audit.Event{Action: "auth.login", Resource: "user/" + u.ID,
			Outcome: audit.OutcomeDenied, TenantID: u.TenantID, Detail: reason}); err != nil {
			return Session{}, User{}, err
		}
		return Session{}, User{}, refuse(perr)
	}
	if errors.Is(err, sql.ErrNoRows) {
		// Take as long as a known account would, so that the answer time
		// does not tell which e-mails have accounts.
		_, _ = VerifyPassword(s.dummyHash(), c.Password)
		return fail("unknown_email", problem.Unauthorized("invalid_credentials"))
	}
	if err != nil {
		return Session{}, User{}, fmt.Errorf("identity: login: %w", err)
	}
	if until, locked, err := s.lockedUntil(ctx, u.ID, now); err != nil {
		return Session{}, User{}, err
	} else if locked {
		// Refused even with the right password; not counted again so the
		// lock does not extend itself.
		return deny("account_locked", lockedError(until, now))
	}
	if ok, _ := VerifyPassword(u.hash, c.Password); !ok {
		return fail("bad_password", problem.Unauthorized("invalid_credentials"))
	}
	if u.Status != "active" {
		return fail("disabled", problem.Unauthorized("invalid_credentials"))
	}
	// The session would not be honoured (see sessionPrincipal).
	if u.tenantStatus != "active" {
		return fail("tenant_suspended", problem.Unauthorized("invalid_credentials"))
	}
	mfa := false
	if u.sealed != nil {
		if strings.TrimSpace(c.TOTP) == "" {
			// The password was right; asking for the code is not a strike.
			return deny("mfa_required", problem.Unauthorized("mfa_required"))
		}
		secret, err := s.seal.Decrypt(ctx, u.TenantID, u.sealed, totpAAD(u.ID))
		if err != nil {
			return Session{}, User{}, fmt.Errorf("identity: open totp secret: %w", err)
		}
		step := matchTOTP(string(secret), strings.TrimSpace(c.TOTP), now)
		if step == 0 || step <= u.lastStep {
			return fail("bad_totp", problem.Unauthorized("invalid_credentials"))
		}
		// Conditional, so that even without the row lock a code is spent
		// once: a second use of the step updates nothing.
		res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2`, u.ID, step)
		if err != nil {
			return Session{}, User{}, fmt.Errorf("identity: spend totp step: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return Session{}, User{}, fmt.Errorf("identity: spend totp step: %w", err)
		} else if n != 1 {
			return fail("bad_totp", problem.Unauthorized("invalid_credentials"))
		}
		mfa = true
	} else if u.MFARequired {
		return fail("mfa_not_enrolled", problem.Unauthorized("invalid_credentials"))
	}
	if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO login_attempts (user_id, at, ok) VALUES ($1, $2, $3)`, u.ID, now, true); err != nil {
		return Session{}, User{}, fmt.Errorf("identity: record sign-in: %w", err)
	}
	sess := Session{ID: ids.New("ses"), Token: "sgs_" + ids.Secret(32), UserID: u.ID, CreatedAt: now, LastSeen: now,
		ExpiresAt: now.Add(s.cfg.AbsoluteTimeout), SourceIP: sourceIP, UserAgent: truncate(userAgent, 256)}
	if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO sessions (token_hash, id, user_id, created_at, last_seen_at,
		expires_at, mfa, source_ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		tokenHash(sess.Token), sess.ID, u.ID, now, now, sess.ExpiresAt, mfa, sourceIP, sess.UserAgent); err != nil {
		return Session{}, User{}, fmt.Errorf("identity: open session: %w", err)
	}
	if err := s.audit.Record(actor(), audit.Event{Action: "auth.login", Resource: "session/" + sess.ID, Outcome: audit.OutcomeSuccess,
		TenantID: u.TenantID}); err != nil {
		return Session{}, User{}, err
	}
	u.MFAEnabled = u.sealed != nil
	return sess, u.User, nil
}

// lockedError is the 423 of a locked account.
func lockedError(until, now time.Time) error {
	mins := int(until.Sub(now).Minutes()) + 1
	return &problem.Error{Status: http.StatusLocked, Code: "account_locked",
		Params: []any{"minutes", mins}, RetryAfter: until.Sub(now)}
}

// lockedUntil reports whether the account is locked: MaxFailures failures
// within FailureWindow since the last success lock it until LockDuration
// after the last of them.
func (s *Service) lockedUntil(ctx context.Context, userID string, now time.Time) (time.Time, bool, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT at, ok FROM login_attempts
		WHERE user_id = $1 AND at > $2 ORDER BY at DESC LIMIT $3`, userID, now.Add(-FailureWindow-LockDuration), MaxFailures*4)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("identity: read attempts: %w", err)
	}
	defer rows.Close()
	var fails []time.Time
	for rows.Next() {
		var at time.Time
		var ok bool
		if err := rows.Scan(&at, &ok); err != nil {
			return time.Time{}, false, err
		}
		if ok {
			break
		}
		fails = append(fails, at)
	}
	if err := rows.Err(); err != nil {
		return time.Time{}, false, err
	}
	// fails is newest first; find MaxFailures consecutive failures that fit
	// in one window, the latest of which is still within the lock period.
	for i := 0; i+MaxFailures-1 < len(fails); i++ {
		newest, oldest := fails[i], fails[i+MaxFailures-1]
		if newest.Sub(oldest) <= FailureWindow {
			until := newest.Add(LockDuration)
			return until, now.Before(until), nil
		}
	}
	return time.Time{}, false, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// sessionPrincipal resolves a session token, enforcing revocation and the
// idle and absolute timeouts.
func (s *Service) sessionPrincipal(ctx context.Context, token string) (*Principal, error) {
	var (
		p        Principal
		role     string
		status   string
		last     time.Time
		expires  time.Time
		revoked  sql.NullTime
		tenantOK bool
	)
	// A platform user has no tenant; a tenant user's sessions end when the
	// tenant is suspended, as its API keys do.
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT s.id, s.user_id, s.last_seen_at, s.expires_at, s.revoked_at, s.mfa,
		u.email, COALESCE(u.tenant_id, ''), u.role, u.status, COALESCE(u.tenant_id IS NULL OR t.status = 'active', FALSE)
		FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN tenants t ON t.id = u.tenant_id
		WHERE s.token_hash = $1`, tokenHash(token)).
		Scan(&p.SessionID, &p.UserID, &last, &expires, &revoked, &p.MFA, &p.Email, &p.TenantID, &role, &status, &tenantOK)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.ErrUnauthenticated
	}
	if err != nil {
		return nil, fmt.Errorf("identity: read session: %w", err)
	}
	p.Kind, p.Role = "session", Role(role)
	now := s.now()
	idle := s.idleTimeout(p.Role)
	if revoked.Valid || status != "active" || now.After(expires) || now.Sub(last) > idle || !tenantOK {
		return nil, problem.Unauthorized("session_expired")
	}
	// Touch at most once a minute: a write per request would cost more
	// than the request itself, and the idle timeout does not need seconds.
	if now.Sub(last) > time.Minute {
		if _, err := s.db.W(ctx).ExecContext(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id = $1`, p.SessionID, now); err != nil {
			return nil, fmt.Errorf("identity: touch session: %w", err)
		}
	}
	return &p, nil
}

// idleTimeout is how long a session of role may sit unused.
func (s *Service) idleTimeout(r Role) time.Duration {
	if r.Platform() {
		return s.cfg.PlatformIdleTimeout
	}
	return s.cfg.IdleTimeout
}

// Logout revokes the caller's session.
func (s *Service) Logout(ctx context.Context) error {
	p, ok := PrincipalFrom(ctx)
	if !ok || p.SessionID == "" {
		return problem.ErrUnauthenticated
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE sessions SET revoked_at = $2 WHERE id = $1`, p.SessionID, s.now()); err != nil {
			return fmt.Errorf("identity: logout: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "auth.logout", Resource: "session/" + p.SessionID, Outcome: "success"})
	})
}

// RevokeSession ends one of the caller's sessions, or — for a security
// administrator — anyone's.
func (s *Service) RevokeSession(ctx context.Context, id string) error {
	p, _ := PrincipalFrom(ctx)
	return s.db.InTx(ctx, func(ctx context.Context) error {
		var owner string
		err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT user_id FROM sessions WHERE id = $1`, id).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) {
			return problem.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("identity: read session: %w", err)
		}
		if p == nil || (owner != p.UserID && !p.Role.Can(PermSessionsManage)) {
			return problem.ErrNotFound
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, s.now()); err != nil {
			return fmt.Errorf("identity: revoke session: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "session.revoke", Resource: "session/" + id, Outcome: "success"})
	})
}

func (s *Service) revokeUserSessions(ctx context.Context, userID string) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, userID, s.now())
	return err
}

// RevokeAllSessions ends every session of a user (security administrator).
func (s *Service) RevokeAllSessions(ctx context.Context, userID string) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		u, err := s.GetUser(ctx, userID)
		if err != nil {
			return err
		}
		if err := s.revokeUserSessions(ctx, userID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "session.revoke_all", Resource: "user/" + userID, Outcome: "success",
			TenantID: u.TenantID})
	})
}

// ListSessions lists the caller's open sessions.
func (s *Service) ListSessions(ctx context.Context, pg web.Page) (web.List[Session], error) {
	p, ok := PrincipalFrom(ctx)
	if !ok || p.UserID == "" {
		return web.List[Session]{}, problem.ErrNotFound
	}
	// Open means neither revoked nor past either timeout.
	now := s.now()
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id, user_id, expires_at, created_at, last_seen_at, source_ip, user_agent
		FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at >= $5
		AND id > $3 ORDER BY id LIMIT $4`,
		p.UserID, now, pg.After, pg.Limit+1, now.Add(-s.idleTimeout(p.Role)))
	if err != nil {
		return web.List[Session]{}, err
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var x Session
		if err := rows.Scan(&x.ID, &x.UserID, &x.ExpiresAt, &x.CreatedAt, &x.LastSeen, &x.SourceIP, &x.UserAgent); err != nil {
			return web.List[Session]{}, err
		}
		out = append(out, x)
	}
	return web.NewList(pg, out, func(x Session) string { return x.ID }), rows.Err()
}

// MFAEnrolment is a pending second-factor enrolment.
type MFAEnrolment struct {
	Secret string `json:"secret"`
	URL    string `json:"otpauth_url"`
}

// StartMFA generates a new TOTP secret for the caller; it takes effect only
// once ConfirmMFA sees a valid code from it, so a typo in enrolment cannot
// lock anyone out.
func (s *Service) StartMFA(ctx context.Context) (MFAEnrolment, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok || p.UserID == "" {
		return MFAEnrolment{}, problem.ErrForbidden
	}
	secret, url, err := NewTOTPSecret(p.Email)
	if err != nil {
		return MFAEnrolment{}, err
	}
	return MFAEnrolment{Secret: secret, URL: url}, nil
}

// ConfirmMFA enables TOTP for the caller with secret, given a current code.
// Replacing a second factor already enrolled also takes the account's
// current password: a session alone (a borrowed laptop, a stolen cookie)
// must not be enough to move the second factor to another phone.
func (s *Service) ConfirmMFA(ctx context.Context, secret, code, currentPassword string) error {
	p, ok := PrincipalFrom(ctx)
	if !ok || p.UserID == "" {
		return problem.ErrForbidden
	}
	var hash string
	var enrolled bool
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT password_hash, totp_secret IS NOT NULL FROM users WHERE id = $1`,
		p.UserID).Scan(&hash, &enrolled); err != nil {
		return fmt.Errorf("identity: read user: %w", err)
	}
	if enrolled {
		if currentPassword == "" {
			return problem.Invalid(problem.Field{Field: "current_password", Code: "required"})
		}
		if ok, _ := VerifyPassword(hash, currentPassword); !ok {
			return problem.Invalid(problem.Field{Field: "current_password", Code: "incorrect"})
		}
	}
	// The secret comes back from the client: refuse one too short to be a
	// second factor (RFC 4226 asks for 128 bits at least), or the empty
	// one, whose codes anyone can compute.
	secret = strings.ToUpper(strings.TrimSpace(secret))
	if raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(secret, "=")); err != nil || len(raw) < 16 {
		return problem.Invalid(problem.Field{Field: "secret", Code: "invalid_format",
			Params: []any{"format", "the base32 secret returned when enrolment started"}})
	}
	step := matchTOTP(secret, strings.TrimSpace(code), s.now())
	if step == 0 {
		return problem.Invalid(problem.Field{Field: "code", Code: "incorrect"})
	}
	sealed, err := s.seal.Encrypt(ctx, p.TenantID, []byte(secret), totpAAD(p.UserID))
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE users SET totp_secret = $2, totp_last_step = $3 WHERE id = $1`,
			p.UserID, sealed, step); err != nil {
			return fmt.Errorf("identity: enable mfa: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "user.mfa_enable", Resource: "user/" + p.UserID, Outcome: "success"})
	})
}
