package identity

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// keyAs issues an API key of role in tenant and returns a context acting
// as it.
func (h *harness) keyAs(tenant string, role Role) context.Context {
	h.t.Helper()
	k, err := h.s.CreateAPIKey(h.ctx, NewAPIKey{TenantID: tenant, Role: role})
	if err != nil {
		h.t.Fatal(err)
	}
	return h.as(k.Key)
}

func TestCreateUserValidation(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		tenant := h.tenant("saas")
		h.userWith(tenant, Viewer, "Taken@Example.com")
		before := h.count(`SELECT count(*) FROM users`)
		auditBefore := h.count(`SELECT count(*) FROM audit_events`)
		for _, tc := range []struct {
			name   string
			in     NewUser
			status int
			field  string
			code   string
		}{
			{"no e-mail", NewUser{TenantID: tenant, Role: Viewer, Password: testPassword}, 422, "email", "required"},
			{"bad e-mail", NewUser{TenantID: tenant, Email: "not-an-address", Role: Viewer, Password: testPassword}, 422, "email", "invalid_email"},
			{"display name", NewUser{TenantID: tenant, Email: "Ann <ann@example.com>", Role: Viewer, Password: testPassword}, 422, "email", "invalid_email"},
			{"no role", NewUser{TenantID: tenant, Email: "a@example.com", Password: testPassword}, 422, "role", "required"},
			{"unknown role", NewUser{TenantID: tenant, Email: "a@example.com", Role: "root", Password: testPassword}, 422, "role", "one_of"},
			{"no password", NewUser{TenantID: tenant, Email: "a@example.com", Role: Viewer}, 422, "password", "required"},
			{"short password", NewUser{TenantID: tenant, Email: "a@example.com", Role: Viewer, Password: "Ab1!"}, 422, "password", "password_too_short"},
			{"two classes", NewUser{TenantID: tenant, Email: "a@example.com", Role: Viewer, Password: "abcdefghijk1"}, 422, "password", "password_classes"},
			{"password holds e-mail", NewUser{TenantID: tenant, Email: "anna.berg@example.com", Role: Viewer, Password: "ANNA.BERG-2026"}, 422, "password", "password_contains_email"},
			{"bad locale", NewUser{TenantID: tenant, Email: "a@example.com", Role: Viewer, Password: testPassword, Locale: "xx"}, 422, "locale", "one_of"},
			{"platform role in a tenant", NewUser{TenantID: tenant, Email: "a@example.com", Role: Auditor, Password: testPassword}, 422, "tenant_id", "platform_role_no_tenant"},
			{"tenant role without tenant", NewUser{Email: "a@example.com", Role: Viewer, Password: testPassword}, 422, "tenant_id", "required"},
			{"unknown tenant", NewUser{TenantID: "ten_nope", Email: "a@example.com", Role: Viewer, Password: testPassword}, 422, "tenant_id", "not_found"},
			{"taken e-mail, other case", NewUser{TenantID: tenant, Email: "taken@EXAMPLE.com", Role: Viewer, Password: testPassword}, 409, "", "duplicate"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := h.s.CreateUser(h.ctx, tc.in)
				if tc.field != "" {
					wantField(t, err, tc.field, tc.code)
				} else {
					wantCode(t, err, tc.status, tc.code)
				}
			})
		}
		if n := h.count(`SELECT count(*) FROM users`); n != before {
			t.Errorf("refused creations wrote %d users", n-before)
		}
		if n := h.count(`SELECT count(*) FROM audit_events`); n != auditBefore {
			t.Errorf("refused creations wrote %d audit records", n-auditBefore)
		}
	})
}

func TestCreateUserGrants(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		tenant, other := h.tenant("saas"), h.tenant("saas")
		admin := h.keyAs(tenant, TenantAdmin)
		owner := h.keyAs(tenant, TenantOwner)
		for _, tc := range []struct {
			name   string
			ctx    context.Context
			tenant string
			role   Role
			ok     bool
		}{
			{"admin grants operator", admin, tenant, Operator, true},
			{"admin grants viewer", admin, tenant, Viewer, true},
			{"admin cannot grant admin", admin, tenant, TenantAdmin, false},
			{"admin cannot grant owner", admin, tenant, TenantOwner, false},
			// Finance moves money, which the admin cannot.
			{"admin cannot grant finance", admin, tenant, Finance, false},
			{"owner grants owner", owner, tenant, TenantOwner, true},
			{"owner grants finance", owner, tenant, Finance, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				u, err := h.s.CreateUser(tc.ctx, NewUser{TenantID: tc.tenant, Email: strings.ReplaceAll(tc.name, " ", ".") + "@example.com",
					Role: tc.role, Password: testPassword})
				if tc.ok {
					if err != nil {
						t.Fatal(err)
					}
					if u.TenantID != tc.tenant || u.Role != tc.role || u.TOTPSecret != "" {
						t.Errorf("created %+v", u)
					}
					return
				}
				wantField(t, err, "role", "role_not_allowed")
			})
		}
		// Another tenant's users are not the caller's to create.
		_, err := h.s.CreateUser(owner, NewUser{TenantID: other, Email: "x@example.com", Role: Viewer, Password: testPassword})
		wantCode(t, err, http.StatusNotFound, "not_found")
		// Creations are audited.
		if n := h.count(`SELECT count(*) FROM audit_events WHERE action = 'user.create' AND tenant_id = $1`, tenant); n != 4 {
			t.Errorf("%d user.create records, want 4", n)
		}
	})
}

func TestSeparationOfDuties(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		create := func(email string, role Role) error {
			_, err := h.s.CreateUser(h.ctx, NewUser{Email: email, Role: role, Password: testPassword})
			return err
		}
		if err := create("Alice@Example.com", PlatformAdmin); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			email string
			role  Role
			ok    bool
		}{
			{"alice+audit@example.com", Auditor, false},
			{"ALICE+sec@EXAMPLE.COM", SecurityAdmin, false},
			{"alice+sec+x@example.com", SecurityAdmin, false},
			{"alice+cs@example.com", CSAgent, true},           // not a separated duty
			{"alice+2@example.com", PlatformAdmin, true},      // the same duty again
			{"alice@example.org", Auditor, true},              // someone else
			{"alicia@example.com", SecurityAdmin, true},       // someone else
			{"alice+risk@example.com", RiskOfficer, true},     // not a separated duty
			{"alice+co@example.com", ComplianceOfficer, true}, // not a separated duty
		} {
			t.Run(tc.email, func(t *testing.T) {
				err := create(tc.email, tc.role)
				if tc.ok && err != nil {
					t.Fatal(err)
				}
				if !tc.ok {
					wantField(t, err, "role", "duty_conflict")
				}
			})
		}

		t.Run("a duty holder's role does not change", func(t *testing.T) {
			admin := h.user("", PlatformAdmin)
			cs := h.user("", CSAgent)
			for _, tc := range []struct {
				id   string
				role Role
				code string
			}{
				{admin.ID, Auditor, "duty_conflict"},
				{admin.ID, CSAgent, "duty_conflict"},
				{cs.ID, SecurityAdmin, "duty_conflict"},
				{cs.ID, Auditor, "duty_conflict"},
				{cs.ID, TenantOwner, "role_not_allowed"},
			} {
				r := tc.role
				_, err := h.s.UpdateUser(h.ctx, tc.id, UserChange{Role: &r})
				wantField(t, err, "role", tc.code)
			}
			r := RiskOfficer
			if u, err := h.s.UpdateUser(h.ctx, cs.ID, UserChange{Role: &r}); err != nil || u.Role != RiskOfficer {
				t.Fatalf("cs_agent → risk_officer: %+v %v", u, err)
			}
		})

		t.Run("re-enabling an account does not bring back a second duty", func(t *testing.T) {
			disabled, active := "disabled", "active"
			aud := h.userWith("", Auditor, "bob+audit@example.com")
			if _, err := h.s.UpdateUser(h.ctx, aud.ID, UserChange{Status: &disabled}); err != nil {
				t.Fatal(err)
			}
			// Bob's auditor account is disabled, so he may administer...
			h.userWith("", PlatformAdmin, "Bob@example.com")
			// ...but not then be an auditor again.
			_, err := h.s.UpdateUser(h.ctx, aud.ID, UserChange{Status: &active})
			wantField(t, err, "role", "duty_conflict")
			if u, _ := h.s.GetUser(h.ctx, aud.ID); u.Status != "disabled" {
				t.Errorf("status %s", u.Status)
			}
		})

		t.Run("nobody changes their own account", func(t *testing.T) {
			u := h.user("", PlatformAdmin)
			ctx := h.as(h.loginSession(u).Token)
			r, st := CSAgent, "disabled"
			for _, c := range []UserChange{{Role: &r}, {Status: &st}} {
				_, err := h.s.UpdateUser(ctx, u.ID, c)
				wantField(t, err, "id", "cannot_change_self")
			}
		})
	})
}

// TestSeparationOfDutiesConcurrent: two requests at once cannot give one
// person two duties.
func TestSeparationOfDutiesConcurrent(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		roles := []Role{PlatformAdmin, SecurityAdmin, Auditor}
		for round := range 3 {
			person := fmt.Sprintf("carol%d", round)
			var wg sync.WaitGroup
			errs := make([]error, len(roles))
			for i, r := range roles {
				wg.Go(func() {
					_, errs[i] = h.s.CreateUser(h.ctx, NewUser{Email: fmt.Sprintf("%s+%d@example.com", person, i), Role: r, Password: testPassword})
				})
			}
			wg.Wait()
			created := 0
			for _, err := range errs {
				if err == nil {
					created++
				} else if c := codeOf(err); c != "validation_failed" && c != "busy" {
					t.Errorf("unexpected error %v", err)
				}
			}
			if created != 1 {
				t.Errorf("round %d: %d of the three duties given to one person", round, created)
			}
		}
	})
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		tenant, other := h.tenant("saas"), h.tenant("saas")
		admin, owner := h.keyAs(tenant, TenantAdmin), h.keyAs(tenant, TenantOwner)
		viewer := h.user(tenant, Viewer)
		ownerUser := h.user(tenant, TenantOwner)
		stranger := h.user(other, Viewer)
		op, fin, bad := Operator, Finance, Role("root")
		disabled := "disabled"
		weird := "deleted"

		t.Run("a permission change is audited with before and after", func(t *testing.T) {
			u, err := h.s.UpdateUser(admin, viewer.ID, UserChange{Role: &op})
			if err != nil || u.Role != Operator {
				t.Fatalf("%+v %v", u, err)
			}
			want, _ := audit.ChangeDigest(map[string]any{
				"before": map[string]any{"role": "viewer", "status": "active"},
				"after":  map[string]any{"role": "operator", "status": "active"},
			})
			if n := h.count(`SELECT count(*) FROM audit_events WHERE action = 'user.update' AND resource = $1
				AND change_digest = $2 AND tenant_id = $3 AND actor_type = 'apikey'`, "user/"+viewer.ID, want, tenant); n != 1 {
				t.Errorf("%d user.update records with the before/after digest", n)
			}
			if got, _ := h.s.GetUser(h.ctx, viewer.ID); got.Role != Operator {
				t.Errorf("stored role %s", got.Role)
			}
		})

		for _, tc := range []struct {
			name   string
			ctx    context.Context
			id     string
			change UserChange
			status int
			field  string
			code   string
		}{
			{"admin cannot make an owner", admin, viewer.ID, UserChange{Role: ptr(TenantOwner)}, 422, "role", "role_not_allowed"},
			{"admin cannot grant finance", admin, viewer.ID, UserChange{Role: &fin}, 422, "role", "role_not_allowed"},
			{"admin cannot demote an owner", admin, ownerUser.ID, UserChange{Role: &op}, 422, "role", "role_not_allowed"},
			{"admin cannot disable an owner", admin, ownerUser.ID, UserChange{Status: &disabled}, 403, "", "forbidden"},
			{"another tenant's user", owner, stranger.ID, UserChange{Role: &op}, 404, "", "not_found"},
			{"unknown user", owner, "usr_nope", UserChange{Role: &op}, 404, "", "not_found"},
			{"unknown role", h.ctx, viewer.ID, UserChange{Role: &bad}, 422, "role", "one_of"},
			{"unknown status", h.ctx, viewer.ID, UserChange{Status: &weird}, 422, "status", "one_of"},
			{"tenant user to platform role", h.ctx, viewer.ID, UserChange{Role: ptr(CSAgent)}, 422, "role", "role_not_allowed"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := h.count(`SELECT count(*) FROM audit_events WHERE action = 'user.update'`)
				_, err := h.s.UpdateUser(tc.ctx, tc.id, tc.change)
				if tc.field != "" {
					wantField(t, err, tc.field, tc.code)
				} else {
					wantCode(t, err, tc.status, tc.code)
				}
				if n := h.count(`SELECT count(*) FROM audit_events WHERE action = 'user.update'`); n != before {
					t.Error("a refused change was recorded as made")
				}
			})
		}
		if got, _ := h.s.GetUser(h.ctx, ownerUser.ID); got.Role != TenantOwner || got.Status != "active" {
			t.Errorf("owner changed: %+v", got)
		}
		if got, _ := h.s.GetUser(h.ctx, stranger.ID); got.Role != Viewer {
			t.Errorf("stranger changed: %+v", got)
		}

		t.Run("lists and gets stay within the tenant", func(t *testing.T) {
			l, err := h.s.ListUsers(owner, other, web.Page{Limit: 50})
			wantCode(t, err, http.StatusNotFound, "not_found")
			l, err = h.s.ListUsers(owner, "", web.Page{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range l.Items {
				if u.TenantID != tenant {
					t.Errorf("listed %s of tenant %s", u.ID, u.TenantID)
				}
			}
			if _, err := h.s.GetUser(owner, stranger.ID); err == nil {
				t.Error("got another tenant's user")
			}
		})
	})
}

func ptr[T any](v T) *T { return &v }
