package sso

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// StateCookie carries the state of a sign-in in flight, binding the
// provider's answer to the browser that asked.
const StateCookie = "silkgate_sso_state"

// stateTTL bounds a sign-in in flight.
const stateTTL = 10 * time.Minute

// Problems people see. The precise reason goes to the audit trail only:
// telling a stranger why a sign-in failed helps nobody but an attacker.
var (
	// ErrNotConfigured: no enabled connection under that name.
	ErrNotConfigured = problem.New(http.StatusNotFound, "sso_not_configured")
	// ErrFailed: the answer could not be verified (state, code, token).
	ErrFailed = problem.New(http.StatusUnauthorized, "sso_failed")
	// ErrRefused: the provider vouched, the tenant's policy refuses.
	ErrRefused = identity.ErrFederationRefused
)

// Start begins a sign-in with the identity provider of the tenant named by
// key (its sign-in name or id). It returns the provider's authorisation
// URL and the state to keep in the browser's StateCookie. next is where to
// go once signed in (a local path; checked again at the end).
func (s *Service) Start(ctx context.Context, r *http.Request, key, next string) (redirect, state string, err error) {
	key = strings.ToLower(strings.TrimSpace(key))
	c, err := scanConn(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+prefixed("c.", connCols)+` FROM sso_connections c
		JOIN tenants t ON t.id = c.tenant_id
		WHERE (lower(c.slug) = $1 OR c.tenant_id = $1) AND c.enabled = $2 AND t.status = 'active'`, key, true))
	if errors.Is(err, problem.ErrNotFound) {
		return "", "", ErrNotConfigured
	}
	if err != nil {
		return "", "", err
	}
	oc, err := s.oauthConfig(ctx, r, c)
	if err != nil {
		s.cfg.Log.Warn("sso: identity provider unavailable", "tenant_id", c.TenantID, "issuer", c.Issuer, "error", err)
		return "", "", &problem.Error{Status: http.StatusBadGateway, Code: "sso_unavailable", Err: err}
	}
	state, nonce, verifier := ids.Secret(32), ids.Secret(32), oauth2.GenerateVerifier()
	now := s.now()
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q := s.db.Q(ctx)
		// Sign-ins abandoned at the provider leave rows behind; each new
		// one sweeps the expired.
		if _, err := q.ExecContext(ctx, `DELETE FROM sso_states WHERE expires_at < $1`, now); err != nil {
			return fmt.Errorf("sso: sweep states: %w", err)
		}
		_, err := q.ExecContext(ctx, `INSERT INTO sso_states (state_hash, tenant_id, nonce, verifier, next_path, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, hash(state), c.TenantID, nonce, verifier, next, now.Add(stateTTL))
		if err != nil {
			return fmt.Errorf("sso: keep state: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", "", err
	}
	return oc.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)), state, nil
}

// Result is a completed federated sign-in.
type Result struct {
	Session identity.Session
	User    identity.User
	Next    string
}

// Finish completes a sign-in from the provider's answer: r is the callback
// request, cookieState the StateCookie the browser sent.
func (s *Service) Finish(ctx context.Context, r *http.Request, cookieState string) (Result, error) {
	q := r.URL.Query()
	state := q.Get("state")
	ip := identity.ClientIP(r)
	if state == "" || cookieState == "" || subtle.ConstantTimeCompare([]byte(state), []byte(cookieState)) != 1 {
		return Result{}, s.failed(ctx, "", "", ip, "state_mismatch", ErrFailed)
	}
	var tenantID, nonce, verifier, next string
	var expires time.Time
	// Used once: the row goes whatever follows.
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		return s.db.Q(ctx).QueryRowContext(ctx, `DELETE FROM sso_states WHERE state_hash = $1
			RETURNING tenant_id, nonce, verifier, next_path, expires_at`, hash(state)).
			Scan(&tenantID, &nonce, &verifier, &next, &expires)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Result{}, s.failed(ctx, "", "", ip, "unknown_state", ErrFailed)
	}
	if err != nil {
		return Result{}, fmt.Errorf("sso: read state: %w", err)
	}
	if s.now().After(expires) {
		return Result{}, s.failed(ctx, tenantID, "", ip, "state_expired", ErrFailed)
	}
	if e := q.Get("error"); e != "" {
		return Result{}, s.failed(ctx, tenantID, "", ip, "provider_error "+truncate(e, 64), ErrFailed)
	}
	code := q.Get("code")
	if code == "" {
		return Result{}, s.failed(ctx, tenantID, "", ip, "no_code", ErrFailed)
	}
	c, err := scanConn(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+connCols+` FROM sso_connections WHERE tenant_id = $1`, tenantID))
	if errors.Is(err, problem.ErrNotFound) || err == nil && !c.Enabled {
		return Result{}, s.failed(ctx, tenantID, "", ip, "connection_disabled", ErrNotConfigured)
	}
	if err != nil {
		return Result{}, err
	}
	oc, err := s.oauthConfig(ctx, r, c)
	if err != nil {
		return Result{}, s.failed(ctx, tenantID, "", ip, "discovery: "+err.Error(), ErrFailed)
	}
	cctx := oidc.ClientContext(ctx, s.client())
	tok, err := oc.Exchange(cctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Result{}, s.failed(ctx, tenantID, "", ip, "code_exchange: "+err.Error(), ErrFailed)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Result{}, s.failed(ctx, tenantID, "", ip, "no_id_token", ErrFailed)
	}
	p, err := s.provider(ctx, c.Issuer)
	if err != nil {
		return Result{}, s.failed(ctx, tenantID, "", ip, "discovery: "+err.Error(), ErrFailed)
	}
	// Checks the signature against the provider's keys, the issuer, that
	// the token was issued to this client, and its expiry.
	idt, err := p.Verifier(&oidc.Config{ClientID: c.ClientID, Now: s.cfg.Now}).Verify(cctx, raw)
	if err != nil {
		return Result{}, s.failed(ctx, tenantID, "", ip, "id_token: "+err.Error(), ErrFailed)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return Result{}, s.failed(ctx, tenantID, "", ip, "nonce_mismatch", ErrFailed)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return Result{}, s.failed(ctx, tenantID, "", ip, "claims: "+err.Error(), ErrFailed)
	}
	if _, ok := claims["email"].(string); !ok {
		// Some providers keep the ID token small and release the e-mail
		// and groups only at the userinfo endpoint.
		if err := s.userinfo(cctx, p, tok, idt.Subject, claims); err != nil {
			return Result{}, s.failed(ctx, tenantID, "", ip, "userinfo: "+err.Error(), ErrFailed)
		}
	}
	email, _ := claims["email"].(string)
	email = strings.TrimSpace(email)
	if email == "" {
		return Result{}, s.failed(ctx, tenantID, "", ip, "no_email", ErrRefused)
	}
	if v, ok := claims["email_verified"].(bool); ok && !v {
		return Result{}, s.failed(ctx, tenantID, email, ip, "email_not_verified", ErrRefused)
	}
	_, domain, _ := strings.Cut(strings.ToLower(email), "@")
	if !slices.Contains(c.AllowedDomains, domain) {
		return Result{}, s.failed(ctx, tenantID, email, ip, "domain_not_allowed", ErrRefused)
	}
	role, ok := mapRole(c.Connection, stringsClaim(claims[c.GroupsClaim]))
	if !ok {
		return Result{}, s.failed(ctx, tenantID, email, ip, "no_role_mapping", ErrRefused)
	}
	mfa := mfaAsserted(stringsClaim(claims["amr"]))
	if c.RequireMFA && !mfa {
		return Result{}, s.failed(ctx, tenantID, email, ip, "mfa_not_asserted", ErrRefused)
	}
	sess, user, err := s.id.FederatedLogin(ctx, identity.Federated{TenantID: tenantID, Email: email, Role: role,
		Provision: c.AutoProvision, MFA: mfa, Issuer: c.Issuer, Subject: idt.Subject}, ip, r.UserAgent())
	if err != nil {
		return Result{}, err
	}
	return Result{Session: sess, User: user, Next: next}, nil
}

// userinfo adds to claims those of the provider's userinfo endpoint that
// the ID token lacks. The answer must be about the same subject (OpenID
// Connect Core 5.3.2), or it could be someone else's.
func (s *Service) userinfo(ctx context.Context, p *oidc.Provider, tok *oauth2.Token, subject string, claims map[string]any) error {
	if p.UserInfoEndpoint() == "" {
		return errors.New("no e-mail in the ID token and no userinfo endpoint")
	}
	ui, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return err
	}
	if ui.Subject != subject {
		return errors.New("subject differs from the ID token's")
	}
	var extra map[string]any
	if err := ui.Claims(&extra); err != nil {
		return err
	}
	for k, v := range extra {
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
	return nil
}

// failed audits a refused answer in a transaction of its own and returns
// perr.
func (s *Service) failed(ctx context.Context, tenantID, email, ip, reason string, perr error) error {
	actx := audit.WithActor(ctx, audit.Actor{ID: "anonymous", Type: "anonymous", Email: email, TenantID: tenantID, SourceIP: ip})
	err := s.db.InTx(actx, func(ctx context.Context) error {
		outcome := audit.OutcomeFailure
		if errors.Is(perr, ErrRefused) {
			outcome = audit.OutcomeDenied
		}
		return s.audit.Record(ctx, audit.Event{Action: "auth.sso_login", Resource: "sso_connection/" + orDefault(tenantID, "unknown"),
			Outcome: outcome, TenantID: tenantID, Detail: truncate(reason, 200)})
	})
	if err != nil {
		return err
	}
	return perr
}

// mapRole gives the highest tenant role any of groups maps to, else the
// default role; false when neither applies.
func mapRole(c Connection, groups []string) (identity.Role, bool) {
	best := -1
	for _, g := range groups {
		r, ok := c.GroupRoles[g]
		if !ok {
			continue
		}
		if i := slices.Index(rolePriority, r); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	if best >= 0 {
		return rolePriority[best], true
	}
	if tenantRole(c.DefaultRole) {
		return c.DefaultRole, true
	}
	return "", false
}

// secondFactors are the RFC 8176 authentication methods that only a second
// factor yields; "mfa" says outright that several were used.
var secondFactors = []string{"mfa", "otp", "hwk", "sms", "tel", "fpt", "face", "iris", "retina", "vbm"}

func mfaAsserted(amr []string) bool {
	for _, m := range amr {
		if slices.Contains(secondFactors, strings.ToLower(m)) {
			return true
		}
	}
	return false
}

// stringsClaim reads a claim that providers send as an array of strings or
// as one string.
func stringsClaim(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func (s *Service) oauthConfig(ctx context.Context, r *http.Request, c connRow) (*oauth2.Config, error) {
	p, err := s.provider(ctx, c.Issuer)
	if err != nil {
		return nil, err
	}
	var secret string
	if len(c.sealed) > 0 {
		b, err := s.seal.Decrypt(ctx, c.TenantID, c.sealed, secretAAD(c.TenantID))
		if err != nil {
			return nil, fmt.Errorf("sso: open client secret: %w", err)
		}
		secret = string(b)
	}
	return &oauth2.Config{ClientID: c.ClientID, ClientSecret: secret, Endpoint: p.Endpoint(),
		RedirectURL: s.CallbackURL(r), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}, nil
}

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
