package console_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
)

func TestVaultPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Card Shop")
		owner := newBrowser(t, env)
		owner.signIn(env.User(tenant, identity.TenantOwner))
		p := owner.get("/settlement/vault")
		if p.Status != 200 {
			t.Fatalf("page: %d", p.Status)
		}
		mustContain(t, "empty vault", p.Body, `name="number"`, `id="v-cvc" name="cvc" type="password" inputmode="numeric" autocomplete="off"`, "SAQ")

		// A refused card: the fields are named, the number and CVC are not
		// shown again, nothing is stored.
		bad := owner.post("/settlement/vault/cards", url.Values{"number": {"4242424242424241"}, "exp_month": {"12"},
			"exp_year": {"2030"}, "cvc": {"987"}, "holder": {"Chen Li"}})
		if bad.Status != 422 {
			t.Fatalf("refused card: %d", bad.Status)
		}
		mustContain(t, "refused card", bad.Body, "check digit", `value="Chen Li"`)
		mustNotContain(t, "refused card", bad.Body, "4242424242424241", `value="987"`)

		ok := owner.post("/settlement/vault/cards", url.Values{"number": {"5555 5555 5555 4444"}, "exp_month": {"12"},
			"exp_year": {"2030"}, "cvc": {"987"}, "holder": {"Chen Li"}})
		if ok.Status != 303 || !strings.HasPrefix(ok.Location, "/settlement/vault?added=tok_") {
			t.Fatalf("add: %d %s", ok.Status, ok.Location)
		}
		list := owner.get(ok.Location)
		mustContain(t, "vaulted card", list.Body, "555555******4444", "Mastercard", "12/2030")
		mustNotContain(t, "vaulted card", list.Body, "5555555555554444", "5555 5555 5555 4444")
		token := strings.TrimPrefix(ok.Location, "/settlement/vault?added=")

		// Read-only roles see the cards but not the form; roles without
		// settlement.read see nothing.
		fin := newBrowser(t, env)
		fin.signIn(env.User(tenant, identity.TenantAdmin))
		ro := fin.get("/settlement/vault")
		mustContain(t, "read-only", ro.Body, "555555******4444")
		mustNotContain(t, "read-only", ro.Body, `name="number"`)
		op := newBrowser(t, env)
		op.signIn(env.User(tenant, identity.Operator))
		if p := op.get("/settlement/vault"); p.Status != 403 {
			t.Errorf("operator: %d", p.Status)
		}

		del := owner.post("/settlement/vault/cards/"+token+"/delete", nil)
		if del.Status != 303 {
			t.Fatalf("delete: %d", del.Status)
		}
		gone := owner.get(del.Location)
		mustNotContain(t, "deleted", gone.Body, "555555******4444")
		if p := owner.post("/settlement/vault/cards/"+token+"/delete", nil); p.Status != 404 {
			t.Errorf("delete twice: %d", p.Status)
		}
	})
}
