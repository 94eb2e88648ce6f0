package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// loginSession signs u in and returns the whole session.
func (h *harness) loginSession(u CreatedUser) Session {
	h.t.Helper()
	c := Credentials{Email: u.Email, Password: testPassword}
	if u.TOTPSecret != "" {
		// A fresh step for every sign-in: a code is good once.
		h.clock.Advance(30 * time.Second)
		c.TOTP = h.code(u.TOTPSecret, 0)
	}
	sess, _, err := h.s.Login(context.Background(), c, "192.0.2.1", "test")
	if err != nil {
		h.t.Fatalf("login %s: %v", u.Email, err)
	}
	return sess
}

// alive reports whether a bearer credential still authenticates, failing
// the test on anything but success or a 401.
func (h *harness) alive(cred string) bool {
	h.t.Helper()
	_, _, err := h.auth(cred)
	if err == nil {
		return true
	}
	if pe, ok := problem.As(err); !ok || pe.Status != http.StatusUnauthorized {
		h.t.Fatalf("authenticate: %v, want success or 401", err)
	}
	return false
}

func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		tenant := h.tenant("saas")
		for _, tc := range []struct {
			role   Role
			tenant string
			idle   time.Duration
		}{
			{Viewer, tenant, 30 * time.Minute},
			{TenantOwner, tenant, 30 * time.Minute},
			{CSAgent, "", 15 * time.Minute},
			{PlatformAdmin, "", 15 * time.Minute},
		} {
			t.Run("idle "+string(tc.role), func(t *testing.T) {
				u := h.user(tc.tenant, tc.role)
				tok := h.loginSession(u).Token
				// Activity keeps the session alive...
				for range 3 {
					h.clock.Advance(tc.idle - time.Minute)
					if !h.alive(tok) {
						t.Fatalf("session ended after %v idle", tc.idle-time.Minute)
					}
				}
				// ...inactivity ends it.
				h.clock.Advance(tc.idle + time.Second)
				if h.alive(tok) {
					t.Fatalf("session alive after %v idle", tc.idle+time.Second)
				}
				_, _, err := h.auth(tok)
				wantCode(t, err, http.StatusUnauthorized, "session_expired")
				// Nor is it listed as open.
				fresh := h.loginSession(u)
				l, err := h.s.ListSessions(h.as(fresh.Token), web.Page{Limit: 10})
				if err != nil || len(l.Items) != 1 || l.Items[0].ID != fresh.ID {
					t.Errorf("ListSessions = %+v, %v; want only the fresh session", l.Items, err)
				}
			})
		}

		t.Run("absolute", func(t *testing.T) {
			u := h.user(tenant, Operator)
			sess := h.loginSession(u)
			if got := sess.ExpiresAt.Sub(sess.CreatedAt); got != 12*time.Hour {
				t.Errorf("expires after %v", got)
			}
			for elapsed := time.Duration(0); elapsed < 12*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
				h.clock.Advance(20 * time.Minute)
				if !h.alive(sess.Token) {
					t.Fatalf("an active session ended at %v", elapsed+20*time.Minute)
				}
			}
			h.clock.Set(sess.CreatedAt.Add(12*time.Hour - time.Minute))
			if !h.alive(sess.Token) {
				t.Fatal("ended before 12 h")
			}
			h.clock.Set(sess.CreatedAt.Add(12*time.Hour + time.Second))
			if h.alive(sess.Token) {
				t.Fatal("an active session outlived 12 h")
			}
		})
	})
}

func TestSessionRevocation(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		tenant := h.tenant("saas")

		t.Run("logout", func(t *testing.T) {
			u := h.user(tenant, Viewer)
			a, b := h.loginSession(u), h.loginSession(u)
			if err := h.s.Logout(h.as(a.Token)); err != nil {
				t.Fatal(err)
			}
			if h.alive(a.Token) || !h.alive(b.Token) {
				t.Error("logout ended the wrong session")
			}
			if err := h.s.Logout(context.Background()); err == nil {
				t.Error("logout without a session")
			}
			if n := h.count(`SELECT count(*) FROM audit_events WHERE action = 'auth.logout' AND resource = $1`, "session/"+a.ID); n != 1 {
				t.Errorf("%d logout records", n)
			}
		})

		t.Run("revoke one session", func(t *testing.T) {
			u, peer := h.user(tenant, TenantOwner), h.user(tenant, TenantOwner)
			a, b := h.loginSession(u), h.loginSession(u)
			peerTok := h.loginSession(peer).Token
			// Nobody else's, not even a tenant owner's peer; and nothing
			// that does not exist.
			wantCode(t, h.s.RevokeSession(h.as(peerTok), b.ID), http.StatusNotFound, "not_found")
			wantCode(t, h.s.RevokeSession(h.as(a.Token), "ses_nonexistent"), http.StatusNotFound, "not_found")
			if !h.alive(b.Token) {
				t.Fatal("a refused revocation ended the session")
			}
			if err := h.s.RevokeSession(h.as(a.Token), b.ID); err != nil {
				t.Fatal(err)
			}
			if !h.alive(a.Token) || h.alive(b.Token) {
				t.Error("revoked the wrong session")
			}
			// The list shows what is left.
			l, err := h.s.ListSessions(h.as(a.Token), web.Page{Limit: 10})
			if err != nil || len(l.Items) != 1 || l.Items[0].ID != a.ID || l.Items[0].Token != "" {
				t.Errorf("ListSessions = %+v, %v", l, err)
			}
			// The security administrator may end anyone's.
			sec := h.loginSession(h.user("", SecurityAdmin))
			if err := h.s.RevokeSession(h.as(sec.Token), a.ID); err != nil {
				t.Fatal(err)
			}
			if h.alive(a.Token) {
				t.Error("security admin's revocation did not take")
			}
		})

		t.Run("revoke all of a user's sessions", func(t *testing.T) {
			u := h.user(tenant, Operator)
			toks := []string{h.loginSession(u).Token, h.loginSession(u).Token, h.loginSession(u).Token}
			sec := h.loginSession(h.user("", SecurityAdmin))
			if err := h.s.RevokeAllSessions(h.as(sec.Token), u.ID); err != nil {
				t.Fatal(err)
			}
			for i, tok := range toks {
				if h.alive(tok) {
					t.Errorf("session %d survived", i)
				}
			}
			if !h.alive(sec.Token) {
				t.Error("the revoker's own session ended")
			}
			if n := h.count(`SELECT count(*) FROM audit_events WHERE action = 'session.revoke_all' AND resource = $1`, "user/"+u.ID); n != 1 {
				t.Errorf("%d revoke_all records", n)
			}
			// Still able to sign in afresh.
			if !h.alive(h.loginSession(u).Token) {
				t.Error("cannot sign in after revocation")
			}
		})

		t.Run("disabling a user", func(t *testing.T) {
			u := h.user(tenant, Operator)
			tok := h.loginSession(u).Token
			disabled, active := "disabled", "active"
			if _, err := h.s.UpdateUser(h.ctx, u.ID, UserChange{Status: &disabled}); err != nil {
				t.Fatal(err)
			}
			if h.alive(tok) {
				t.Fatal("a disabled user's session works")
			}
			wantCode(t, h.attempt(u.Email, testPassword, ""), http.StatusUnauthorized, "invalid_credentials")
			if _, err := h.s.UpdateUser(h.ctx, u.ID, UserChange{Status: &active}); err != nil {
				t.Fatal(err)
			}
			if h.alive(tok) {
				t.Error("re-enabling brought an old session back")
			}
			if !h.alive(h.loginSession(u).Token) {
				t.Error("cannot sign in once re-enabled")
			}
		})

		t.Run("changing the password ends the other sessions", func(t *testing.T) {
			u := h.user(tenant, Viewer)
			a, b := h.loginSession(u), h.loginSession(u)
			const next = "Brand-New-Passw0rd"
			ctx := h.as(a.Token)
			p, _ := PrincipalFrom(ctx)
			if err := h.s.ChangePassword(ctx, u.ID, testPassword, next, p.SessionID); err != nil {
				t.Fatal(err)
			}
			if !h.alive(a.Token) || h.alive(b.Token) {
				t.Error("password change: want the current session kept and the other ended")
			}
			wantCode(t, h.attempt(u.Email, testPassword, ""), http.StatusUnauthorized, "invalid_credentials")
			if err := h.attempt(u.Email, next, ""); err != nil {
				t.Errorf("new password: %v", err)
			}
			if n := h.count(`SELECT count(*) FROM audit_events WHERE action = 'user.password_change' AND outcome = 'success' AND resource = $1`, "user/"+u.ID); n != 1 {
				t.Errorf("%d password_change records", n)
			}
		})

		t.Run("password change refusals", func(t *testing.T) {
			u := h.user(tenant, Viewer)
			a := h.loginSession(u)
			ctx := h.as(a.Token)
			for _, tc := range []struct{ name, current, next, field, code string }{
				{"same", testPassword, testPassword, "new_password", "same_as_current"},
				{"weak", testPassword, "short", "new_password", "password_too_short"},
				{"contains e-mail", testPassword, "X1-" + strings.ToUpper(u.Email), "new_password", "password_contains_email"},
			} {
				wantField(t, h.s.ChangePassword(ctx, u.ID, tc.current, tc.next, a.ID), tc.field, tc.code)
			}
			// A wrong current password is a strike: a stolen session cannot
			// guess the password without limit.
			for range MaxFailures {
				wantField(t, h.s.ChangePassword(ctx, u.ID, "Guess-Passw0rd-1", "Brand-New-Passw0rd", a.ID), "current_password", "incorrect")
			}
			wantCode(t, h.s.ChangePassword(ctx, u.ID, testPassword, "Brand-New-Passw0rd", a.ID), http.StatusLocked, "account_locked")
			wantCode(t, h.attempt(u.Email, testPassword, ""), http.StatusLocked, "account_locked")
			if n := h.count(`SELECT count(*) FROM audit_events WHERE action = 'user.password_change' AND outcome = 'failure' AND resource = $1`, "user/"+u.ID); n != MaxFailures {
				t.Errorf("%d failed password changes audited", n)
			}
			if !h.alive(a.Token) {
				t.Error("refusals ended the session")
			}
		})

		t.Run("a suspended tenant's sessions end", func(t *testing.T) {
			other := h.tenant("saas")
			tok := h.loginSession(h.user(other, TenantOwner)).Token
			platform := h.loginSession(h.user("", CSAgent)).Token
			owner := h.user(other, TenantOwner)
			h.suspend(other)
			if h.alive(tok) {
				t.Error("session of a suspended tenant works")
			}
			// Nor can a new one be opened.
			wantCode(t, h.attempt(owner.Email, testPassword, ""), http.StatusUnauthorized, "invalid_credentials")
			if !h.alive(platform) {
				t.Error("a platform session ended with a tenant")
			}
		})

		t.Run("the store keeps only a hash of the token", func(t *testing.T) {
			var tokens []string
			for range 3 {
				tokens = append(tokens, h.loginSession(h.user(tenant, Viewer)).Token)
			}
			rows := h.dump("sessions")
			if len(rows) == 0 {
				t.Fatal("no sessions")
			}
			hashes := map[string]bool{}
			for _, r := range rows {
				hashes[r["token_hash"]] = true
				for col, v := range r {
					for _, tok := range tokens {
						if strings.Contains(v, tok) || strings.Contains(v, strings.TrimPrefix(tok, "sgs_")) {
							t.Fatalf("sessions.%s holds a token", col)
						}
					}
				}
			}
			for _, tok := range tokens {
				sum := sha256.Sum256([]byte(tok))
				if !hashes[hex.EncodeToString(sum[:])] {
					t.Errorf("no row with the token's SHA-256")
				}
			}
		})
	})
}

// suspend marks a tenant suspended in the store, as an operator would.
func (h *harness) suspend(tenantID string) {
	h.t.Helper()
	if _, err := h.d.Writer().ExecContext(context.Background(), `UPDATE tenants SET status = 'suspended' WHERE id = $1`, tenantID); err != nil {
		h.t.Fatal(err)
	}
}

// dump returns every row of table with each column as text.
func (h *harness) dump(table string) []map[string]string {
	h.t.Helper()
	rows, err := h.d.Writer().QueryContext(context.Background(), `SELECT * FROM `+table)
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []map[string]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			h.t.Fatal(err)
		}
		m := map[string]string{}
		for i, c := range cols {
			switch v := vals[i].(type) {
			case []byte:
				m[c] = string(v)
			case nil:
				m[c] = ""
			default:
				m[c] = fmt.Sprint(v)
			}
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		h.t.Fatal(err)
	}
	return out
}
