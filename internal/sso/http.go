package sso

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Routes registers the sign-in flow (public console pages: a refusal is
// shown as a console page) and the configuration API. The router's
// PageError must be set before, for the pages to render errors as pages.
func (s *Service) Routes(rt *web.Router) {
	for _, r := range []web.Route{
		{Method: "GET", Path: "/sso/{tenant}/start", Public: true, Page: true, Tag: "sso",
			Summary: "Start signing in with the company's identity provider", Handler: s.handleStart},
		{Method: "GET", Path: "/sso/callback", Public: true, Page: true, Tag: "sso",
			Summary: "Answer of the company's identity provider", Handler: s.handleCallback},
		{Method: "GET", Path: "/api/v1/sso/connection", Perm: identity.PermUsersManage, Tag: "sso",
			Summary: "Get the tenant's identity provider connection", Response: Connection{}, Handler: s.handleGet},
		{Method: "PUT", Path: "/api/v1/sso/connection", Perm: identity.PermUsersManage, Tag: "sso",
			Summary: "Configure the tenant's identity provider connection", Request: ConnectionInput{}, Response: Connection{},
			Handler: s.handlePut},
	} {
		rt.Handle(r)
	}
	s.providerRoutes(rt)
}

func (s *Service) handleStart(w http.ResponseWriter, r *http.Request) error {
	redirect, state, err := s.Start(r.Context(), r, r.PathValue("tenant"), LocalPath(r.URL.Query().Get("next"), ""))
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: StateCookie, Value: state, Path: "/sso/", MaxAge: int(stateTTL.Seconds()),
		HttpOnly: true, Secure: web.IsHTTPS(r), SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, redirect, http.StatusSeeOther)
	return nil
}

func (s *Service) handleCallback(w http.ResponseWriter, r *http.Request) error {
	var cookieState string
	if c, err := r.Cookie(StateCookie); err == nil {
		cookieState = c.Value
	}
	// The state is spent whatever the outcome.
	http.SetCookie(w, &http.Cookie{Name: StateCookie, Value: "", Path: "/sso/", MaxAge: -1,
		HttpOnly: true, Secure: web.IsHTTPS(r), SameSite: http.SameSiteLaxMode})
	res, err := s.Finish(r.Context(), r, cookieState)
	if err != nil {
		return err
	}
	// The same cookie as a password sign-in: from here on the session is
	// an ordinary one.
	http.SetCookie(w, &http.Cookie{Name: identity.SessionCookie, Value: res.Session.Token, Path: "/",
		Expires: res.Session.ExpiresAt, HttpOnly: true, Secure: web.IsHTTPS(r), SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, LocalPath(res.Next, "/dashboard"), http.StatusSeeOther)
	return nil
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Get(r.Context())
	if err != nil {
		return err
	}
	c.CallbackURL = s.CallbackURL(r)
	return web.Respond(w, r, http.StatusOK, c)
}

func (s *Service) handlePut(w http.ResponseWriter, r *http.Request) error {
	var in ConnectionInput
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	c, err := s.Save(r.Context(), in)
	if err != nil {
		return err
	}
	c.CallbackURL = s.CallbackURL(r)
	return web.Respond(w, r, http.StatusOK, c)
}

// LocalPath accepts a redirect target only when it stays on this site: an
// absolute path, not "//host" or "/\host", which browsers treat as another
// origin.
func LocalPath(s, fallback string) string {
	if s == "" || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return fallback
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.ContainsAny(s, "\r\n") {
		return fallback
	}
	return s
}
