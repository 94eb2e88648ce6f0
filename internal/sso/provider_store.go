package sso

import (
	"context"
	"crypto/rsa"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/ids"
)

// Lifetimes of what the provider issues.
const (
	authRequestTTL  = 10 * time.Minute
	accessTokenTTL  = time.Hour
	refreshTokenTTL = 30 * 24 * time.Hour
	idTokenTTL      = time.Hour
)

// opStore is the provider's storage (op.Storage) on the platform's store.
type opStore struct {
	s   *Service
	key *rsa.PrivateKey
	kid string
}

var errUnknown = errors.New("sso: unknown or expired")

// authRequest is an authorisation request as kept between the authorize
// endpoint, the console sign-in and the token endpoint.
type authRequest struct {
	ID              string            `json:"id"`
	ClientID        string            `json:"client_id"`
	RedirectURI     string            `json:"redirect_uri"`
	State           string            `json:"state"`
	Nonce           string            `json:"nonce"`
	Scopes          []string          `json:"scopes"`
	ResponseType    oidc.ResponseType `json:"response_type"`
	ResponseMode    oidc.ResponseMode `json:"response_mode"`
	Challenge       string            `json:"code_challenge"`
	ChallengeMethod string            `json:"code_challenge_method"`
	UserID          string            `json:"user_id,omitempty"`
	AuthTime        time.Time         `json:"auth_time"`
	AMR             []string          `json:"amr,omitempty"`
	IsDone          bool              `json:"done"`
}

func (a *authRequest) GetID() string                      { return a.ID }
func (a *authRequest) GetACR() string                     { return "" }
func (a *authRequest) GetAMR() []string                   { return a.AMR }
func (a *authRequest) GetAudience() []string              { return []string{a.ClientID} }
func (a *authRequest) GetAuthTime() time.Time             { return a.AuthTime }
func (a *authRequest) GetClientID() string                { return a.ClientID }
func (a *authRequest) GetNonce() string                   { return a.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.ResponseMode }
func (a *authRequest) GetScopes() []string                { return a.Scopes }
func (a *authRequest) GetState() string                   { return a.State }
func (a *authRequest) GetSubject() string                 { return a.UserID }
func (a *authRequest) Done() bool                         { return a.IsDone }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	return &oidc.CodeChallenge{Challenge: a.Challenge, Method: oidc.CodeChallengeMethod(a.ChallengeMethod)}
}

// refreshRequest is a refresh token presented at the token endpoint.
type refreshRequest struct {
	tokenID, clientID, userID string
	scopes, amr               []string
	authTime                  time.Time
}

func (r *refreshRequest) GetAMR() []string                 { return r.amr }
func (r *refreshRequest) GetAudience() []string            { return []string{r.clientID} }
func (r *refreshRequest) GetAuthTime() time.Time           { return r.authTime }
func (r *refreshRequest) GetClientID() string              { return r.clientID }
func (r *refreshRequest) GetScopes() []string              { return r.scopes }
func (r *refreshRequest) GetSubject() string               { return r.userID }
func (r *refreshRequest) SetCurrentScopes(scopes []string) { r.scopes = scopes }

// opClient is a registered partner application.
type opClient struct {
	id        string
	tenantID  string
	redirects []string
	// public clients have no secret and authenticate by PKCE alone.
	public bool
}

func (c *opClient) GetID() string                       { return c.id }
func (c *opClient) RedirectURIs() []string              { return c.redirects }
func (c *opClient) PostLogoutRedirectURIs() []string    { return nil }
func (c *opClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *opClient) AuthMethod() oidc.AuthMethod {
	if c.public {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}
func (c *opClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *opClient) LoginURL(id string) string {
	return "/oidc/login?authRequestID=" + url.QueryEscape(id)
}
func (c *opClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c *opClient) IDTokenLifetime() time.Duration      { return idTokenTTL }
func (c *opClient) IsScopeAllowed(string) bool          { return false }

// IDTokenUserinfoClaimsAssertion puts the person's claims (e-mail, tenant,
// role) in the ID token too, so an application need not call userinfo.
func (c *opClient) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *opClient) ClockSkew() time.Duration             { return 0 }
func (c *opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *opClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}

// DevMode allows http:// redirect URIs; registration accepts them only
// for loopback addresses (an application on the developer's machine).
func (c *opClient) DevMode() bool {
	for _, u := range c.redirects {
		if strings.HasPrefix(u, "http://") {
			return true
		}
	}
	return false
}

func (st *opStore) now() time.Time { return st.s.now() }

func (st *opStore) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, userID string) (op.AuthRequest, error) {
	// PKCE with S256 is required of every client (OAuth 2.1): a code
	// intercepted on its way back is useless without the verifier.
	if req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE with code_challenge_method=S256 is required")
	}
	a := &authRequest{ID: ids.New("oar"), ClientID: req.ClientID, RedirectURI: req.RedirectURI, State: req.State,
		Nonce: req.Nonce, Scopes: req.Scopes, ResponseType: req.ResponseType, ResponseMode: req.ResponseMode,
		Challenge: req.CodeChallenge, ChallengeMethod: string(req.CodeChallengeMethod)}
	b, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	now := st.now()
	err = st.s.db.InTx(ctx, func(ctx context.Context) error {
		q := st.s.db.Q(ctx)
		if _, err := q.ExecContext(ctx, `DELETE FROM oidc_auth_requests WHERE expires_at < $1`, now); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, `INSERT INTO oidc_auth_requests (id, client_id, request, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5)`, a.ID, a.ClientID, string(b), now, now.Add(authRequestTTL))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sso: keep auth request: %w", err)
	}
	return a, nil
}

func (st *opStore) readAuthRequest(ctx context.Context, where string, arg any) (*authRequest, error) {
	var raw string
	err := st.s.db.Q(ctx).QueryRowContext(ctx, `SELECT request FROM oidc_auth_requests WHERE `+where+` AND expires_at > $2`,
		arg, st.now()).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errUnknown
	}
	if err != nil {
		return nil, fmt.Errorf("sso: read auth request: %w", err)
	}
	var a authRequest
	if err := json.Unmarshal([]byte(raw), &a); err != nil {
		return nil, err
	}
	return &a, nil
}

func (st *opStore) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	return st.readAuthRequest(ctx, "id = $1", id)
}

func (st *opStore) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	return st.readAuthRequest(ctx, "code_hash = $1", hash(code))
}

func (st *opStore) SaveAuthCode(ctx context.Context, id, code string) error {
	_, err := st.s.db.W(ctx).ExecContext(ctx, `UPDATE oidc_auth_requests SET code_hash = $2 WHERE id = $1`, id, hash(code))
	return err
}

// DeleteAuthRequest is called once the code is redeemed: a code works once.
func (st *opStore) DeleteAuthRequest(ctx context.Context, id string) error {
	_, err := st.s.db.W(ctx).ExecContext(ctx, `DELETE FROM oidc_auth_requests WHERE id = $1`, id)
	return err
}

// complete records that the signed-in user approved request id.
func (st *opStore) complete(ctx context.Context, a *authRequest, userID string, mfa bool) error {
	a.UserID, a.AuthTime, a.IsDone = userID, st.now(), true
	a.AMR = []string{"pwd"}
	if mfa {
		a.AMR = append(a.AMR, "otp", "mfa")
	}
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	_, err = st.s.db.W(ctx).ExecContext(ctx, `UPDATE oidc_auth_requests SET request = $2 WHERE id = $1`, a.ID, string(b))
	return err
}

func tokenInfo(req op.TokenRequest) (clientID string, authTime time.Time, amr []string) {
	switch r := req.(type) {
	case *authRequest:
		return r.ClientID, r.AuthTime, r.AMR
	case *refreshRequest:
		return r.clientID, r.authTime, r.amr
	}
	return "", time.Time{}, nil
}

func (st *opStore) insertToken(ctx context.Context, req op.TokenRequest, refresh string) (string, time.Time, error) {
	clientID, authTime, amr := tokenInfo(req)
	if clientID == "" {
		return "", time.Time{}, errors.New("sso: unsupported token request")
	}
	now := st.now()
	id := ids.New("oat")
	var refreshHash, refreshExp any
	if refresh != "" {
		refreshHash, refreshExp = hash(refresh), now.Add(refreshTokenTTL)
	}
	_, err := st.s.db.Q(ctx).ExecContext(ctx, `INSERT INTO oidc_tokens (id, client_id, user_id, scopes, amr, auth_time,
		refresh_hash, expires_at, refresh_expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		id, clientID, req.GetSubject(), strings.Join(req.GetScopes(), " "), strings.Join(amr, " "), authTime,
		refreshHash, now.Add(accessTokenTTL), refreshExp, now)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sso: issue token: %w", err)
	}
	return id, now.Add(accessTokenTTL), nil
}

func (st *opStore) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	var id string
	var exp time.Time
	err := st.s.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		id, exp, err = st.insertToken(ctx, req, "")
		if err != nil {
			return err
		}
		return st.auditIssue(ctx, req, "oidc.token")
	})
	return id, exp, err
}

// CreateAccessAndRefreshTokens issues a pair; given the current refresh
// token it rotates it: the old one stops working.
func (st *opStore) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	refresh := "sgr_" + ids.Secret(32)
	var id string
	var exp time.Time
	err := st.s.db.InTx(ctx, func(ctx context.Context) error {
		if current != "" {
			res, err := st.s.db.Q(ctx).ExecContext(ctx, `UPDATE oidc_tokens SET revoked_at = $2
				WHERE refresh_hash = $1 AND revoked_at IS NULL`, hash(current), st.now())
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return op.ErrInvalidRefreshToken
			}
		}
		var err error
		id, exp, err = st.insertToken(ctx, req, refresh)
		if err != nil {
			return err
		}
		action := "oidc.token"
		if current != "" {
			action = "oidc.token_refresh"
		}
		return st.auditIssue(ctx, req, action)
	})
	if err != nil {
		return "", "", time.Time{}, err
	}
	return id, refresh, exp, nil
}

func (st *opStore) auditIssue(ctx context.Context, req op.TokenRequest, action string) error {
	clientID, _, _ := tokenInfo(req)
	var tenant string
	if err := st.s.db.Q(ctx).QueryRowContext(ctx, `SELECT tenant_id FROM oidc_clients WHERE id = $1`, clientID).Scan(&tenant); err != nil {
		return err
	}
	actx := audit.WithActor(ctx, audit.Actor{ID: clientID, Type: "oidc_client", TenantID: tenant})
	return st.s.audit.Record(actx, audit.Event{Action: action, Resource: "user/" + req.GetSubject(), TenantID: tenant,
		Detail: strings.Join(req.GetScopes(), " ")})
}

func (st *opStore) TokenRequestByRefreshToken(ctx context.Context, refresh string) (op.RefreshTokenRequest, error) {
	var r refreshRequest
	var scopes, amr string
	err := st.s.db.Q(ctx).QueryRowContext(ctx, `SELECT t.id, t.client_id, t.user_id, t.scopes, t.amr, t.auth_time
		FROM oidc_tokens t JOIN users u ON u.id = t.user_id JOIN oidc_clients c ON c.id = t.client_id
		WHERE t.refresh_hash = $1 AND t.revoked_at IS NULL AND t.refresh_expires_at > $2
		AND u.status = 'active' AND c.revoked_at IS NULL`, hash(refresh), st.now()).
		Scan(&r.tokenID, &r.clientID, &r.userID, &scopes, &amr, &r.authTime)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, op.ErrInvalidRefreshToken
	}
	if err != nil {
		return nil, err
	}
	r.scopes, r.amr = strings.Fields(scopes), strings.Fields(amr)
	return &r, nil
}

func (st *opStore) TerminateSession(ctx context.Context, userID, clientID string) error {
	_, err := st.s.db.W(ctx).ExecContext(ctx, `UPDATE oidc_tokens SET revoked_at = $3
		WHERE user_id = $1 AND client_id = $2 AND revoked_at IS NULL`, userID, clientID, st.now())
	return err
}

func (st *opStore) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	var userID, id string
	err := st.s.db.Q(ctx).QueryRowContext(ctx, `SELECT user_id, id FROM oidc_tokens WHERE refresh_hash = $1 AND client_id = $2`,
		hash(token), clientID).Scan(&userID, &id)
	if err != nil {
		return "", "", op.ErrInvalidRefreshToken
	}
	return userID, id, nil
}

func (st *opStore) RevokeToken(ctx context.Context, tokenOrID, userID, clientID string) *oidc.Error {
	_, err := st.s.db.W(ctx).ExecContext(ctx, `UPDATE oidc_tokens SET revoked_at = $3
		WHERE (id = $1 OR refresh_hash = $2) AND client_id = $4 AND revoked_at IS NULL`, tokenOrID, hash(tokenOrID), st.now(), clientID)
	if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.id }

type publicKey struct{ signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

func (st *opStore) SigningKey(context.Context) (op.SigningKey, error) {
	return signingKey{id: st.kid, key: st.key}, nil
}

func (st *opStore) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (st *opStore) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{signingKey{id: st.kid, key: st.key}}}, nil
}

func (st *opStore) client(ctx context.Context, id string) (*opClient, string, error) {
	var c opClient
	var uris, secretHash string
	err := st.s.db.Q(ctx).QueryRowContext(ctx, `SELECT c.id, c.tenant_id, c.redirect_uris, c.secret_hash FROM oidc_clients c
		JOIN tenants t ON t.id = c.tenant_id WHERE c.id = $1 AND c.revoked_at IS NULL AND t.status = 'active'`, id).
		Scan(&c.id, &c.tenantID, &uris, &secretHash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", errUnknown
	}
	if err != nil {
		return nil, "", oidc.ErrServerError().WithParent(err)
	}
	c.redirects, c.public = strings.Fields(uris), secretHash == ""
	return &c, secretHash, nil
}

func (st *opStore) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, _, err := st.client(ctx, id)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (st *opStore) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	_, h, err := st.client(ctx, id)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(h), []byte(hash(secret))) != 1 {
		return errors.New("sso: wrong client secret")
	}
	return nil
}

func (st *opStore) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's person claims.
func (st *opStore) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	return st.setUserinfo(ctx, ui, req.GetSubject(), scopes)
}

func (st *opStore) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, origin string) error {
	var scopes string
	err := st.s.db.Q(ctx).QueryRowContext(ctx, `SELECT scopes FROM oidc_tokens WHERE id = $1 AND user_id = $2
		AND revoked_at IS NULL AND expires_at > $3`, tokenID, subject, st.now()).Scan(&scopes)
	if err != nil {
		return errUnknown
	}
	return st.setUserinfo(ctx, ui, subject, strings.Fields(scopes))
}

func (st *opStore) setUserinfo(ctx context.Context, ui *oidc.UserInfo, userID string, scopes []string) error {
	u, err := st.user(ctx, userID)
	if err != nil {
		return err
	}
	ui.Subject = u.ID
	if slices.Contains(scopes, oidc.ScopeEmail) {
		ui.Email, ui.EmailVerified = u.Email, oidc.Bool(true)
	}
	ui.AppendClaims("tenant_id", u.TenantID)
	ui.AppendClaims("role", string(u.Role))
	return nil
}

func (st *opStore) user(ctx context.Context, id string) (identity.User, error) {
	var u identity.User
	var tenant sql.NullString
	var role string
	err := st.s.db.Q(ctx).QueryRowContext(ctx, `SELECT id, tenant_id, email, role, locale FROM users WHERE id = $1 AND status = 'active'`, id).
		Scan(&u.ID, &tenant, &u.Email, &role, &u.Locale)
	if err != nil {
		return u, errUnknown
	}
	u.TenantID, u.Role = tenant.String, identity.Role(role)
	return u, nil
}

func (st *opStore) SetIntrospectionFromToken(ctx context.Context, r *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	return errUnknown
}

// GetPrivateClaimsFromScopes adds the tenant and role to access tokens.
func (st *opStore) GetPrivateClaimsFromScopes(ctx context.Context, userID, clientID string, scopes []string) (map[string]any, error) {
	u, err := st.user(ctx, userID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"tenant_id": u.TenantID, "role": string(u.Role)}, nil
}

func (st *opStore) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errUnknown
}

func (st *opStore) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errUnknown
}

func (st *opStore) Health(ctx context.Context) error { return st.s.db.Ping(ctx) }

var _ op.Storage = (*opStore)(nil)
var _ op.CanSetUserinfoFromRequest = (*opStore)(nil)
