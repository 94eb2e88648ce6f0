package console_test

import (
	"net/url"
	"regexp"
	"testing"
	"testing/fstest"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/compliance/sanctions"
	"github.com/silkgate/silkgate/internal/identity"
)

var screeningCaseForm = regexp.MustCompile(`/compliance/screening/cases/(scase_[A-Za-z0-9_]+)`)

// walkScreeningPages renders every state of the screening page for the
// translation walk: the form, a result with a match, a refused form, the
// queue and a decision's notice.
func walkScreeningPages(t *testing.T, env *apptest.Env, lang, tenant string, check func(t *testing.T, lang, what, tmpl string, p page, status int)) {
	t.Helper()
	fsys := fstest.MapFS{"eu.jsonl": {Data: []byte(screeningList)}}
	if _, err := env.App.Sanctions.Import(env.Ctx, fsys, "eu.jsonl", sanctions.ImportOptions{Format: sanctions.FormatEUJSONL}); err != nil {
		t.Fatal(err)
	}
	op := newBrowser(t, env)
	op.lang = lang
	op.signIn(env.User(tenant, identity.Operator))
	check(t, lang, "screening", "screening", op.get("/compliance/screening"), 200)
	// A spelling per language, so each opens a case of its own.
	name := map[string]string{"en": "Putin Vladimir Vladimirovich", "zh-CN": "Путин Владимир Владимирович"}[lang]
	res := op.post("/compliance/screening", url.Values{"name": {name}, "type": {"person"}})
	check(t, lang, "screening result", "screening", res, 200)
	check(t, lang, "screening no match", "screening", op.post("/compliance/screening", url.Values{"name": {"Emma Schneider"}}), 200)
	check(t, lang, "screening refused", "screening", op.post("/compliance/screening", url.Values{"name": {""}, "country": {"xyz"}}), 422)
	id := find(t, screeningCaseForm, res.Body)
	if p := op.post("/compliance/screening/cases/"+id, url.Values{"decision": {"confirm"}, "note": {"same date of birth"}}); p.Status != 303 {
		t.Errorf("decide: %d", p.Status)
	}
	check(t, lang, "screening confirmed", "screening", op.get("/compliance/screening?notice=screening_case_confirmed&status=all"), 200)
	check(t, lang, "screening decided twice", "error", op.post("/compliance/screening/cases/"+id, url.Values{"decision": {"clear"}}), 409)
	viewer := newBrowser(t, env)
	viewer.lang = lang
	viewer.signIn(env.User(tenant, identity.Viewer))
	check(t, lang, "screening read-only", "screening", viewer.get("/compliance/screening?status=confirmed"), 200)
}
