package console

import (
	"bytes"
	"context"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strings"

	"github.com/pquerna/otp"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

type sessionRow struct {
	identity.Session
	Current bool
}

type securityData struct {
	User     identity.User
	Sessions []sessionRow
	// Enrolment, on the second-factor page.
	Secret string
	QR     template.URL
}

// ownUser is the signed-in person; an API key has no account page.
func (c *Console) ownUser(r *http.Request) (identity.User, error) {
	p := principal(r)
	if p.UserID == "" {
		return identity.User{}, problem.ErrForbidden
	}
	return c.id.GetUser(r.Context(), p.UserID)
}

func (c *Console) securityData(r *http.Request) (securityData, error) {
	var d securityData
	u, err := c.ownUser(r)
	if err != nil {
		return d, err
	}
	d.User = u
	l, err := c.id.ListSessions(r.Context(), web.Page{Limit: web.MaxLimit})
	if err != nil {
		return d, err
	}
	for _, s := range l.Items {
		d.Sessions = append(d.Sessions, sessionRow{Session: s, Current: s.ID == principal(r).SessionID})
	}
	return d, nil
}

func (c *Console) securityPage(w http.ResponseWriter, r *http.Request) error {
	d, err := c.securityData(r)
	if err != nil {
		return c.fail(w, r, err)
	}
	return c.render(w, r, http.StatusOK, "security", c.newView(r, "console.nav.security", "/security", d))
}

func (c *Console) changePassword(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	p := principal(r)
	current, next := r.PostFormValue("current_password"), r.PostFormValue("new_password")
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		if p.UserID == "" {
			return problem.ErrForbidden
		}
		if next != r.PostFormValue("confirm_password") {
			return problem.Invalid(problem.Field{Field: "confirm_password", Code: "password_mismatch"})
		}
		// Other sessions end: whoever knew the old password is signed out
		// everywhere but here.
		return c.id.ChangePassword(ctx, p.UserID, current, next, p.SessionID)
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		d, derr := c.securityData(r)
		if derr != nil {
			return derr
		}
		v := c.newView(r, "console.nav.security", "/security", d)
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, statusOf(err), "security", v)
	}
	return see(w, r, "/security?notice=password_changed")
}

// mfaPage starts an enrolment: a fresh secret, shown as text and as a QR
// code drawn here (no third party ever sees the secret). Nothing changes
// until a code from it is confirmed, so reloading the page is harmless.
func (c *Console) mfaPage(w http.ResponseWriter, r *http.Request) error {
	u, err := c.ownUser(r)
	if err != nil {
		return c.fail(w, r, err)
	}
	e, err := c.id.StartMFA(r.Context())
	if err != nil {
		return c.fail(w, r, err)
	}
	d := securityData{User: u, Secret: e.Secret, QR: qrCode(e.URL)}
	return c.render(w, r, http.StatusOK, "mfa", c.newView(r, "console.mfa.title", "/security", d))
}

func (c *Console) confirmMFA(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	secret := strings.ToUpper(field(r, "secret"))
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		if secret == "" || len(secret) > 128 {
			return problem.Invalid(problem.Field{Field: "secret", Code: "required"})
		}
		return c.id.ConfirmMFA(ctx, secret, field(r, "code"), r.PostFormValue("current_password"))
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		u, uerr := c.ownUser(r)
		if uerr != nil {
			return c.fail(w, r, uerr)
		}
		d := securityData{User: u, Secret: secret, QR: qrCode(totpURL(secret, u.Email))}
		v := c.newView(r, "console.mfa.title", "/security", d)
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, statusOf(err), "mfa", v)
	}
	return see(w, r, "/security?notice=mfa_enabled")
}

func (c *Console) revokeSession(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	err := c.attempt(r.Context(), func(ctx context.Context) error { return c.id.RevokeSession(ctx, id) })
	if err != nil {
		if !refused(err) {
			return err
		}
		return c.fail(w, r, err)
	}
	if id == principal(r).SessionID {
		clearSession(w, r)
		return see(w, r, "/login?notice=signed_out")
	}
	return see(w, r, "/security?notice=session_revoked")
}

// totpURL rebuilds the otpauth:// address of a secret being enrolled, in
// the form identity.NewTOTPSecret gives it, for a form shown again.
func totpURL(secret, account string) string {
	q := url.Values{}
	q.Set("secret", secret)
	q.Set("issuer", "Silkgate")
	q.Set("period", "30")
	q.Set("digits", "6")
	q.Set("algorithm", "SHA1")
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/Silkgate:" + account, RawQuery: q.Encode()}
	return u.String()
}

// qrCode draws an otpauth:// address as an inline PNG. It returns "" when
// the address cannot be drawn; the page then shows the secret as text
// alone, which every authenticator app accepts.
func qrCode(otpURL string) template.URL {
	k, err := otp.NewKeyFromURL(otpURL)
	if err != nil {
		return ""
	}
	img, err := k.Image(220, 220)
	if err != nil {
		return ""
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return ""
	}
	// Trusted: the bytes are our own PNG, and html/template would otherwise
	// refuse a data: URL.
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
}
