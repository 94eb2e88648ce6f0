package identity

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// attempt signs in as email with pw (and code) and returns the error.
func (h *harness) attempt(email, pw, code string) error {
	_, _, err := h.s.Login(context.Background(), Credentials{Email: email, Password: pw, TOTP: code}, "192.0.2.1", "test")
	return err
}

func TestLockout(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		tenant := h.tenant("saas")
		const wrong = "Wrong-Passw0rd-2026"

		t.Run("five failures lock the account for fifteen minutes", func(t *testing.T) {
			u := h.user(tenant, Viewer)
			for i := range MaxFailures {
				wantCode(t, h.attempt(u.Email, wrong, ""), http.StatusUnauthorized, "invalid_credentials")
				if i < MaxFailures-1 {
					h.clock.Advance(time.Minute)
				}
			}
			lastFailure := h.clock.Now()
			// Locked even with the right password.
			err := h.attempt(u.Email, testPassword, "")
			wantCode(t, err, http.StatusLocked, "account_locked")
			if pe, _ := problem.As(err); pe.RetryAfter <= 14*time.Minute || pe.RetryAfter > LockDuration {
				t.Errorf("RetryAfter %v", pe.RetryAfter)
			}
			// Attempts while locked are refused without extending the lock.
			h.clock.Advance(10 * time.Minute)
			wantCode(t, h.attempt(u.Email, wrong, ""), http.StatusLocked, "account_locked")
			wantCode(t, h.attempt(u.Email, testPassword, ""), http.StatusLocked, "account_locked")
			if n := h.count(`SELECT count(*) FROM login_attempts WHERE user_id = $1`, u.ID); n != MaxFailures {
				t.Errorf("%d attempts counted, want %d", n, MaxFailures)
			}
			h.clock.Set(lastFailure.Add(LockDuration - time.Second))
			wantCode(t, h.attempt(u.Email, testPassword, ""), http.StatusLocked, "account_locked")
			// The lock expires fifteen minutes after the last failure.
			h.clock.Advance(2 * time.Second)
			if err := h.attempt(u.Email, testPassword, ""); err != nil {
				t.Fatalf("after the lock: %v", err)
			}
			// Every attempt is audited: five failures, four refusals, one
			// success.
			for outcome, want := range map[string]int{"failure": 5, "denied": 4, "success": 1} {
				n := h.count(`SELECT count(*) FROM audit_events WHERE action = 'auth.login' AND outcome = $1 AND actor = $2`, outcome, u.ID)
				if n != want {
					t.Errorf("%d auth.login %s records, want %d", n, outcome, want)
				}
			}
			if n := h.count(`SELECT count(*) FROM audit_events WHERE action = 'auth.login' AND outcome = 'failure'
				AND resource = $1 AND detail = 'bad_password' AND source_ip = '192.0.2.1'`, "user/"+u.ID); n != 5 {
				t.Errorf("failure records name user, reason and source in %d of 5", n)
			}
		})

		t.Run("failures older than the window do not count", func(t *testing.T) {
			u := h.user(tenant, Viewer)
			for range MaxFailures - 1 {
				wantCode(t, h.attempt(u.Email, wrong, ""), http.StatusUnauthorized, "invalid_credentials")
				h.clock.Advance(time.Second)
			}
			h.clock.Advance(FailureWindow)
			wantCode(t, h.attempt(u.Email, wrong, ""), http.StatusUnauthorized, "invalid_credentials")
			if err := h.attempt(u.Email, testPassword, ""); err != nil {
				t.Fatalf("five failures over more than %v locked: %v", FailureWindow, err)
			}
		})

		t.Run("a success resets the count", func(t *testing.T) {
			u := h.user(tenant, Viewer)
			for range 2 {
				for range MaxFailures - 1 {
					wantCode(t, h.attempt(u.Email, wrong, ""), http.StatusUnauthorized, "invalid_credentials")
				}
				if err := h.attempt(u.Email, testPassword, ""); err != nil {
					t.Fatalf("after %d failures and a reset: %v", MaxFailures-1, err)
				}
			}
			for range MaxFailures {
				wantCode(t, h.attempt(u.Email, wrong, ""), http.StatusUnauthorized, "invalid_credentials")
			}
			wantCode(t, h.attempt(u.Email, testPassword, ""), http.StatusLocked, "account_locked")
		})

		t.Run("the e-mail matches whatever its case", func(t *testing.T) {
			u := h.userWith(tenant, Viewer, "Case.Test@Example.com")
			for _, e := range []string{"case.test@example.com", " CASE.TEST@EXAMPLE.COM "} {
				if err := h.attempt(e, testPassword, ""); err != nil {
					t.Errorf("%q: %v", e, err)
				}
			}
			for range MaxFailures {
				_ = h.attempt("CASE.test@example.com", wrong, "")
			}
			wantCode(t, h.attempt(u.Email, testPassword, ""), http.StatusLocked, "account_locked")
		})

		t.Run("an unknown e-mail is refused alike and never locked", func(t *testing.T) {
			for range MaxFailures + 2 {
				wantCode(t, h.attempt("nobody@example.com", wrong, ""), http.StatusUnauthorized, "invalid_credentials")
			}
			if n := h.count(`SELECT count(*) FROM audit_events WHERE action = 'auth.login' AND outcome = 'failure'
				AND detail = 'unknown_email' AND actor_email = 'nobody@example.com'`); n != MaxFailures+2 {
				t.Errorf("%d unknown-e-mail failures audited", n)
			}
		})

		t.Run("a disabled account is refused and it counts", func(t *testing.T) {
			u := h.user(tenant, Viewer)
			disabled := "disabled"
			if _, err := h.s.UpdateUser(h.ctx, u.ID, UserChange{Status: &disabled}); err != nil {
				t.Fatal(err)
			}
			wantCode(t, h.attempt(u.Email, testPassword, ""), http.StatusUnauthorized, "invalid_credentials")
			if n := h.count(`SELECT count(*) FROM login_attempts WHERE user_id = $1 AND ok = $2`, u.ID, false); n != 1 {
				t.Errorf("%d strikes", n)
			}
		})

		t.Run("asking for the code is not a strike, a wrong code is", func(t *testing.T) {
			u := h.user("", CSAgent)
			for range MaxFailures + 1 {
				wantCode(t, h.attempt(u.Email, testPassword, ""), http.StatusUnauthorized, "mfa_required")
			}
			for range MaxFailures {
				wantCode(t, h.attempt(u.Email, testPassword, h.code(u.TOTPSecret, 5*time.Minute)), http.StatusUnauthorized, "invalid_credentials")
			}
			wantCode(t, h.attempt(u.Email, testPassword, h.code(u.TOTPSecret, 0)), http.StatusLocked, "account_locked")
		})

		t.Run("the caller's transaction keeps the strike", func(t *testing.T) {
			u := h.user(tenant, Viewer)
			ctx, tx, err := h.d.Begin(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = h.s.Login(ctx, Credentials{Email: u.Email, Password: wrong}, "192.0.2.1", "")
			// Refusals come back marked for the router to commit.
			wantCode(t, err, http.StatusUnauthorized, "invalid_credentials")
			if err.Error() != "invalid_credentials" {
				t.Errorf("error text %q", err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if n := h.count(`SELECT count(*) FROM login_attempts WHERE user_id = $1`, u.ID); n != 1 {
				t.Errorf("%d strikes", n)
			}
		})
	})
}

// TestLockoutConcurrent: a burst of parallel guesses must not slip past the
// lockout — exactly MaxFailures of them are checked, the rest are locked out.
func TestLockoutConcurrent(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		u := h.user(h.tenant("saas"), Viewer)
		const n = 3 * MaxFailures
		var wg sync.WaitGroup
		codes := make([]string, n)
		for i := range n {
			wg.Go(func() {
				codes[i] = codeOf(h.attempt(u.Email, "Wrong-Passw0rd-2026", ""))
			})
		}
		wg.Wait()
		counts := map[string]int{}
		for _, c := range codes {
			counts[c]++
		}
		if counts["invalid_credentials"] != MaxFailures || counts["account_locked"] != n-MaxFailures {
			t.Errorf("answers %v, want %d invalid_credentials and the rest account_locked", counts, MaxFailures)
		}
		wantCode(t, h.attempt(u.Email, testPassword, ""), http.StatusLocked, "account_locked")
	})
}

// TestLoginUnknownEmailTiming: an unknown e-mail is checked against the
// dummy hash, so it takes as long as a wrong password for a real account.
func TestLoginUnknownEmailTiming(t *testing.T) {
	slow := Argon2Params{Time: 1, MemoryKiB: 16 * 1024, Threads: 1}
	h := newHarness(t, dbtest.Open(t, db.SQLite), func(c *Config) { c.Argon2 = slow })
	// The dummy is a real hash with the service's parameters.
	p, _, _, err := parseHash(h.s.dummyHash())
	if err != nil || p != slow {
		t.Fatalf("dummy hash %q: %+v %v", h.s.dummyHash(), p, err)
	}
	tenant := h.tenant("saas")
	var users []CreatedUser
	for range 6 {
		users = append(users, h.user(tenant, Viewer))
	}
	// The fastest of a few tries: the least disturbed by other work.
	fastest := func(email func(i int) string) time.Duration {
		var ds []time.Duration
		for i := range len(users) {
			start := time.Now()
			wantCode(t, h.attempt(email(i), "Wrong-Passw0rd-2026", ""), http.StatusUnauthorized, "invalid_credentials")
			ds = append(ds, time.Since(start))
		}
		return slices.Min(ds)
	}
	known := fastest(func(i int) string { return users[i].Email })
	unknown := fastest(func(i int) string { return "ghost" + string(rune('a'+i)) + "@example.com" })
	// Without the dummy the unknown e-mail answers some 30 times faster;
	// a third leaves room for a busy machine.
	if unknown < known/3 {
		t.Errorf("unknown e-mail answered in %v, a known one in %v: the answer time tells them apart", unknown, known)
	}
}

func TestLoginTOTP(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		// Every platform role must sign in with a second factor.
		for _, role := range []Role{PlatformAdmin, SecurityAdmin, Auditor, ComplianceOfficer, CSAgent, RiskOfficer} {
			u := h.user("", role)
			if u.TOTPSecret == "" || u.TOTPURL == "" || !u.MFARequired || !u.MFAEnabled {
				t.Fatalf("%s created without a second factor: %+v", role, u)
			}
			wantCode(t, h.attempt(u.Email, testPassword, ""), http.StatusUnauthorized, "mfa_required")
		}

		u := h.user("", Auditor)
		// The secret is stored sealed, never in clear.
		var sealed []byte
		if err := h.d.Writer().QueryRow(`SELECT totp_secret FROM users WHERE id = $1`, u.ID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if len(sealed) == 0 || bytes.Contains(sealed, []byte(u.TOTPSecret)) {
			t.Fatal("TOTP secret stored in clear")
		}
		wantCode(t, h.attempt(u.Email, testPassword, h.code(u.TOTPSecret, 3*time.Minute)), http.StatusUnauthorized, "invalid_credentials")
		wantCode(t, h.attempt(u.Email, "Wrong-Passw0rd-2026", h.code(u.TOTPSecret, 0)), http.StatusUnauthorized, "invalid_credentials")

		code := h.code(u.TOTPSecret, 0)
		sess, user, err := h.s.Login(context.Background(), Credentials{Email: u.Email, Password: testPassword, TOTP: " " + code + " "}, "", "")
		if err != nil {
			t.Fatalf("right code: %v", err)
		}
		if !user.MFAEnabled || user.Role != Auditor {
			t.Errorf("user %+v", user)
		}
		_, p, err := h.auth(sess.Token)
		if err != nil || !p.MFA || p.Role != Auditor || p.TenantID != "" || p.Email != u.Email {
			t.Fatalf("principal %+v, %v", p, err)
		}
		for _, tc := range []struct {
			name    string
			advance time.Duration
			skew    time.Duration
			ok      bool
		}{
			// The same code, in the same step, is spent.
			{"same code again", 0, 0, false},
			// A code of an earlier step than the last used is refused,
			// though still within the clock-skew window.
			{"previous step", 0, -30 * time.Second, false},
			// The next step's code works (a clock running ahead)...
			{"next step", 0, 30 * time.Second, true},
			// ...and then the current one is earlier than the last used.
			{"current after next", 0, 0, false},
			{"a later step", time.Minute, 0, true},
			{"two steps ahead", 0, time.Minute, false},
		} {
			h.clock.Advance(tc.advance)
			err := h.attempt(u.Email, testPassword, h.code(u.TOTPSecret, tc.skew))
			if tc.ok && err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			if !tc.ok {
				if c := codeOf(err); c != "invalid_credentials" {
					t.Errorf("%s: %v, want invalid_credentials", tc.name, err)
				}
			}
		}
	})
}

func TestOptionalMFA(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		tenant := h.tenant("saas")
		u := h.user(tenant, Operator)
		if u.TOTPSecret != "" || u.MFARequired || u.MFAEnabled {
			t.Fatalf("tenant user with a second factor: %+v", u)
		}
		tok := h.login(u)
		ctx := h.as(tok)

		enrol, err := h.s.StartMFA(ctx)
		if err != nil || enrol.Secret == "" || enrol.URL == "" {
			t.Fatalf("StartMFA: %+v %v", enrol, err)
		}
		// Nothing changes until a code confirms the secret.
		if err := h.attempt(u.Email, testPassword, ""); err != nil {
			t.Fatalf("sign-in before confirming: %v", err)
		}
		for _, tc := range []struct {
			name, secret, code, field, fcode string
		}{
			{"wrong code", enrol.Secret, h.code(enrol.Secret, 5*time.Minute), "code", "incorrect"},
			{"no code", enrol.Secret, "", "code", "incorrect"},
			{"empty secret", "", h.code("", 0), "secret", "invalid_format"},
			{"short secret", "AAAAAAAA", h.code("AAAAAAAA", 0), "secret", "invalid_format"},
			{"not base32", "not-base32!", "123456", "secret", "invalid_format"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantField(t, h.s.ConfirmMFA(ctx, tc.secret, tc.code, ""), tc.field, tc.fcode)
			})
		}
		if got, _ := h.s.GetUser(h.ctx, u.ID); got.MFAEnabled {
			t.Fatal("refused confirmation enabled MFA")
		}
		code := h.code(enrol.Secret, 0)
		if err := h.s.ConfirmMFA(ctx, enrol.Secret, code, ""); err != nil {
			t.Fatalf("ConfirmMFA: %v", err)
		}
		if got, _ := h.s.GetUser(h.ctx, u.ID); !got.MFAEnabled || got.MFARequired {
			t.Errorf("after enrolment: %+v", got)
		}
		if n := h.count(`SELECT count(*) FROM audit_events WHERE action = 'user.mfa_enable' AND resource = $1`, "user/"+u.ID); n != 1 {
			t.Errorf("%d mfa_enable records", n)
		}
		// From now on the code is required.
		wantCode(t, h.attempt(u.Email, testPassword, ""), http.StatusUnauthorized, "mfa_required")
		// The confirming code is spent.
		wantCode(t, h.attempt(u.Email, testPassword, code), http.StatusUnauthorized, "invalid_credentials")
		h.clock.Advance(30 * time.Second)
		if err := h.attempt(u.Email, testPassword, h.code(enrol.Secret, 0)); err != nil {
			t.Fatalf("sign-in with the enrolled code: %v", err)
		}

		// Replacing the enrolled factor takes the password as well as a
		// code from the new secret: the session alone is not enough.
		h.clock.Advance(30 * time.Second)
		again, err := h.s.StartMFA(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantField(t, h.s.ConfirmMFA(ctx, again.Secret, h.code(again.Secret, 0), ""), "current_password", "required")
		wantField(t, h.s.ConfirmMFA(ctx, again.Secret, h.code(again.Secret, 0), "not the password"), "current_password", "incorrect")
		if err := h.s.ConfirmMFA(ctx, again.Secret, h.code(again.Secret, 0), testPassword); err != nil {
			t.Fatalf("replacing with the password: %v", err)
		}

		// Machines have no second factor to enrol.
		key, err := h.s.CreateAPIKey(h.ctx, NewAPIKey{TenantID: tenant, Role: Operator})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.s.StartMFA(h.as(key.Key)); err == nil {
			t.Error("an API key started MFA enrolment")
		}
		if err := h.s.ConfirmMFA(h.as(key.Key), enrol.Secret, h.code(enrol.Secret, 0), ""); err == nil {
			t.Error("an API key confirmed MFA enrolment")
		}
	})
}
