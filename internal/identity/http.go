package identity

import (
	"net/http"
	"time"

	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Me is the caller as GET /api/v1/me describes it.
type Me struct {
	TenantID    string   `json:"tenant_id"`
	Role        Role     `json:"role"`
	Email       string   `json:"email,omitempty"`
	Sandbox     bool     `json:"sandbox"`
	UserID      string   `json:"user_id,omitempty"`
	KeyID       string   `json:"key_id,omitempty"`
	Permissions []string `json:"permissions"`
}

// LoginResult is the answer to a successful sign-in.
type LoginResult struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      User      `json:"user"`
}

type passwordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

type mfaConfirm struct {
	Secret string `json:"secret"`
	Code   string `json:"code"`
	// CurrentPassword is required when a second factor is already enrolled.
	CurrentPassword string `json:"current_password,omitempty"`
}

// Routes registers the identity API.
func (s *Service) Routes(rt *web.Router) {
	for _, r := range []web.Route{
		{Method: "POST", Path: "/api/v1/auth/login", Public: true, Tag: "identity", Summary: "Sign in with e-mail, password and one-time code",
			Request: Credentials{}, Response: LoginResult{}, Handler: s.handleLogin},
		{Method: "POST", Path: "/api/v1/auth/logout", Perm: PermMe, Tag: "identity", Summary: "End the current session", Handler: s.handleLogout},
		{Method: "GET", Path: "/api/v1/me", Perm: PermMe, Tag: "identity", Summary: "Describe the caller", Response: Me{}, Handler: s.handleMe},
		{Method: "POST", Path: "/api/v1/me/password", Perm: PermMe, Tag: "identity", Summary: "Change the caller's password",
			Request: passwordChange{}, Handler: s.handlePassword},
		{Method: "POST", Path: "/api/v1/me/mfa", Perm: PermMe, Tag: "identity", Summary: "Start TOTP enrolment",
			Response: MFAEnrolment{}, Handler: s.handleStartMFA},
		{Method: "POST", Path: "/api/v1/me/mfa/confirm", Perm: PermMe, Tag: "identity", Summary: "Confirm TOTP enrolment with a code",
			Request: mfaConfirm{}, Handler: s.handleConfirmMFA},
		{Method: "GET", Path: "/api/v1/sessions", Perm: PermMe, Tag: "identity", Summary: "List the caller's sessions",
			Response: web.List[Session]{}, Handler: s.handleListSessions},
		{Method: "DELETE", Path: "/api/v1/sessions/{id}", Perm: PermMe, Tag: "identity", Summary: "Revoke a session", Handler: s.handleRevokeSession},
		{Method: "GET", Path: "/api/v1/users", Perm: PermUsersRead, Tag: "identity", Summary: "List users",
			Response: web.List[User]{}, Handler: s.handleListUsers},
		{Method: "POST", Path: "/api/v1/users", Perm: PermUsersManage, Tag: "identity", Summary: "Create a user",
			Request: NewUser{}, Response: CreatedUser{}, Status: 201, Handler: s.handleCreateUser},
		{Method: "GET", Path: "/api/v1/users/{id}", Perm: PermUsersRead, Tag: "identity", Summary: "Get a user",
			Response: User{}, Handler: s.handleGetUser},
		{Method: "PATCH", Path: "/api/v1/users/{id}", Perm: PermUsersManage, Tag: "identity", Summary: "Change a user's role or status",
			Request: UserChange{}, Response: User{}, Handler: s.handleUpdateUser},
		{Method: "POST", Path: "/api/v1/users/{id}/sessions/revoke", Perm: PermSessionsManage, Tag: "identity",
			Summary: "Revoke every session of a user", Handler: s.handleRevokeAll},
		{Method: "GET", Path: "/api/v1/apikeys", Perm: PermAPIKeysRead, Tag: "identity", Summary: "List API keys",
			Response: web.List[APIKey]{}, Handler: s.handleListKeys},
		{Method: "POST", Path: "/api/v1/apikeys", Perm: PermAPIKeysManage, Tag: "identity", Summary: "Create an API key (shown once)",
			Request: NewAPIKey{}, Response: CreatedAPIKey{}, Status: 201, Handler: s.handleCreateKey},
		{Method: "GET", Path: "/api/v1/apikeys/{id}", Perm: PermAPIKeysRead, Tag: "identity", Summary: "Get an API key",
			Response: APIKey{}, Handler: s.handleGetKey},
		{Method: "DELETE", Path: "/api/v1/apikeys/{id}", Perm: PermAPIKeysManage, Tag: "identity", Summary: "Revoke an API key",
			Response: APIKey{}, Handler: s.handleRevokeKey},
	} {
		rt.Handle(r)
	}
}

func (s *Service) handleLogin(w http.ResponseWriter, r *http.Request) error {
	var c Credentials
	if err := web.Decode(r, &c); err != nil {
		return err
	}
	// Login marks its refusals web.KeepWrites itself, so that the strike
	// and the audit record commit; any other failure rolls back.
	sess, u, err := s.Login(r.Context(), c, ClientIP(r), r.UserAgent())
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, LoginResult{Token: sess.Token, ExpiresAt: sess.ExpiresAt, User: u})
}

func (s *Service) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if err := s.Logout(r.Context()); err != nil {
		return err
	}
	return web.NoContent(w)
}

func (s *Service) handleMe(w http.ResponseWriter, r *http.Request) error {
	p, ok := PrincipalFrom(r.Context())
	if !ok {
		return problem.ErrUnauthenticated
	}
	return web.Respond(w, r, http.StatusOK, Me{TenantID: p.TenantID, Role: p.Role, Email: p.Email, Sandbox: p.Sandbox,
		UserID: p.UserID, KeyID: p.KeyID, Permissions: p.Role.Permissions()})
}

func (s *Service) handlePassword(w http.ResponseWriter, r *http.Request) error {
	p, _ := PrincipalFrom(r.Context())
	if p == nil || p.UserID == "" {
		return problem.ErrForbidden
	}
	var c passwordChange
	if err := web.Decode(r, &c); err != nil {
		return err
	}
	if err := s.ChangePassword(r.Context(), p.UserID, c.CurrentPassword, c.NewPassword, p.SessionID); err != nil {
		return err
	}
	return web.NoContent(w)
}

func (s *Service) handleStartMFA(w http.ResponseWriter, r *http.Request) error {
	e, err := s.StartMFA(r.Context())
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, e)
}

func (s *Service) handleConfirmMFA(w http.ResponseWriter, r *http.Request) error {
	var c mfaConfirm
	if err := web.Decode(r, &c); err != nil {
		return err
	}
	if err := s.ConfirmMFA(r.Context(), c.Secret, c.Code, c.CurrentPassword); err != nil {
		return err
	}
	return web.NoContent(w)
}

func (s *Service) handleListSessions(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.ListSessions(r.Context(), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleRevokeSession(w http.ResponseWriter, r *http.Request) error {
	if err := s.RevokeSession(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return web.NoContent(w)
}

func (s *Service) handleListUsers(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.ListUsers(r.Context(), r.URL.Query().Get("tenant_id"), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleCreateUser(w http.ResponseWriter, r *http.Request) error {
	var n NewUser
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	if p, ok := PrincipalFrom(r.Context()); ok && p.TenantID != "" && n.TenantID == "" {
		n.TenantID = p.TenantID
	}
	u, err := s.CreateUser(r.Context(), n)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusCreated, u)
}

func (s *Service) handleGetUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.GetUser(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, u)
}

func (s *Service) handleUpdateUser(w http.ResponseWriter, r *http.Request) error {
	var c UserChange
	if err := web.Decode(r, &c); err != nil {
		return err
	}
	u, err := s.UpdateUser(r.Context(), r.PathValue("id"), c)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, u)
}

func (s *Service) handleRevokeAll(w http.ResponseWriter, r *http.Request) error {
	if err := s.RevokeAllSessions(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return web.NoContent(w)
}

func (s *Service) handleListKeys(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.ListAPIKeys(r.Context(), r.URL.Query().Get("tenant_id"), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleCreateKey(w http.ResponseWriter, r *http.Request) error {
	var n NewAPIKey
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	k, err := s.CreateAPIKey(r.Context(), n)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusCreated, k)
}

func (s *Service) handleGetKey(w http.ResponseWriter, r *http.Request) error {
	k, err := s.GetAPIKey(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, k)
}

func (s *Service) handleRevokeKey(w http.ResponseWriter, r *http.Request) error {
	k, err := s.RevokeAPIKey(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, k)
}
