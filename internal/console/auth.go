package console

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/i18n"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// loginData fills the sign-in page. On the second step Email and Password
// travel in hidden fields of the form that asks for the code: they are
// never put in a URL or a cookie, and the page is not cached.
type loginData struct {
	Next     string
	Email    string
	Password string
	MFAStep  bool
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) error {
	v := c.newView(r, "console.login.title", "", loginData{Next: localPath(r.URL.Query().Get("next"), "")})
	return c.render(w, r, http.StatusOK, "login", v)
}

// login signs a person in. A failed attempt is answered with the sign-in
// page and the handler returns nil, so the router commits the request's
// transaction: the lockout strike and the audit record of the failure must
// stay, which the API gets from web.KeepWrites.
func (c *Console) login(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	d := loginData{Next: localPath(r.PostFormValue("next"), ""), Email: field(r, "email")}
	creds := identity.Credentials{Email: d.Email, Password: r.PostFormValue("password"), TOTP: field(r, "code")}
	second := r.PostFormValue("step") == "mfa"
	if second && creds.TOTP == "" {
		// An empty code is a typo, not an attempt: ask again without a
		// strike.
		d.Password, d.MFAStep = creds.Password, true
		v := c.newView(r, "console.login.title", "", d)
		v.Problem = &formProblem{Fields: map[string]string{"code": c.cat.T(lang(r), "validation.required")}}
		return c.render(w, r, http.StatusUnprocessableEntity, "login", v)
	}
	var sess identity.Session
	var user identity.User
	err := creds.Validate()
	if err == nil {
		sess, user, err = c.id.Login(r.Context(), creds, identity.ClientIP(r), r.UserAgent())
	}
	if err != nil {
		if !refused(err) {
			return err
		}
		status := statusOf(err)
		if errors.Is(err, problem.Unauthorized("mfa_required")) {
			d.Password, d.MFAStep, status = creds.Password, true, http.StatusOK
			return c.render(w, r, status, "login", c.newView(r, "console.login.title", "", d))
		}
		if second && errors.Is(err, problem.Unauthorized("invalid_credentials")) {
			// The password was right at the first step; stay on the code.
			d.Password, d.MFAStep = creds.Password, true
		}
		v := c.newView(r, "console.login.title", "", d)
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, status, "login", v)
	}
	http.SetCookie(w, &http.Cookie{Name: identity.SessionCookie, Value: sess.Token, Path: "/",
		Expires: sess.ExpiresAt, HttpOnly: true, Secure: web.IsHTTPS(r), SameSite: http.SameSiteLaxMode})
	// The person's own language is the default from now on, unless they
	// already chose one in this browser.
	if _, err := r.Cookie("lang"); err != nil {
		if u, err := c.id.GetUser(r.Context(), user.ID); err == nil && slices.Contains(i18n.Supported, u.Locale) {
			setLangCookie(w, r, u.Locale)
		}
	}
	return see(w, r, localPath(d.Next, "/dashboard"))
}

// logout ends the session on the server, not just in this browser.
func (c *Console) logout(w http.ResponseWriter, r *http.Request) error {
	if p := principal(r); p.SessionID != "" {
		if err := c.id.Logout(r.Context()); err != nil {
			return err
		}
	}
	clearSession(w, r)
	return see(w, r, "/login?notice=signed_out")
}

func clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: identity.SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: web.IsHTTPS(r), SameSite: http.SameSiteLaxMode})
}

// switchLang remembers a language choice in the lang cookie, which the
// pipeline's negotiation reads, and returns to the page it was made on.
func (c *Console) switchLang(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("lang")
	if !slices.Contains(i18n.Supported, code) {
		return c.fail(w, r, problem.ErrNotFound)
	}
	setLangCookie(w, r, code)
	return see(w, r, localPath(r.URL.Query().Get("next"), "/dashboard"))
}

func setLangCookie(w http.ResponseWriter, r *http.Request, code string) {
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: code, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		Secure: web.IsHTTPS(r), SameSite: http.SameSiteLaxMode, HttpOnly: true})
}
