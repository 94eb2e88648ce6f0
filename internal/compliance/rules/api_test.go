package rules_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app"
	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/compliance/rules"
	"github.com/silkgate/silkgate/internal/identity"
)

type problemDoc struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Errors []struct {
		Field string `json:"field"`
		Code  string `json:"code"`
	} `json:"errors"`
}

type ruleDoc struct {
	rules.Rule
	Texts *rules.LangTexts `json:"texts"`
}

type listDoc struct {
	Items      []ruleDoc `json:"items"`
	NextCursor string    `json:"next_cursor"`
}

func body(id, market, title string) map[string]any {
	return map[string]any{
		"id": id, "market": market, "title": title, "authority": "Authority", "reference": "Art. 1",
		"source_url": "https://example.org/law", "requirement": "Do the thing.", "severity": "documentation",
		"applies_to":     map[string]any{"hs": []string{"9503"}, "conditions": []any{map[string]any{"fact": "age_max_years", "op": "lt", "value": 14}}},
		"evidence":       []any{map[string]any{"kind": "mark", "code": "ce"}},
		"effective_from": "2020-01-01T00:00:00Z",
		"translations":   map[string]any{"zh-CN": map[string]any{"title": "中文 " + title}},
	}
}

func ids(l listDoc) []string {
	var out []string
	for _, r := range l.Items {
		out = append(out, r.ID)
	}
	return out
}

// call sends a request with an Accept-Language.
func call(env *apptest.Env, method, path, bearer, lang string, out any) *http.Response {
	env.T.Helper()
	req, _ := http.NewRequest(method, env.Server.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("Accept-Language", lang)
	resp, err := env.Server.Client().Do(req)
	if err != nil {
		env.T.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := decodeJSON(resp, out); err != nil {
			env.T.Fatal(err)
		}
	}
	return resp
}

func TestWorkflow(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a := env.Session("", identity.ComplianceOfficer)
		b := env.Session("", identity.ComplianceOfficer)
		ten := env.Tenant("Shop")
		viewer := env.Key(ten, identity.Viewer, false)
		operator := env.Key(ten, identity.Operator, false)

		var hooked atomic.Int32
		var lastOld atomic.Pointer[rules.Rule]
		env.App.Rules.OnPublish(func(ctx context.Context, old *rules.Rule, r rules.Rule) {
			hooked.Add(1)
			lastOld.Store(old)
		})
		gen0, err := env.App.Rules.Generation(env.Ctx)
		if err != nil {
			t.Fatal(err)
		}

		// A drafts; tenants cannot draft.
		var d ruleDoc
		if r := env.Call("POST", "/api/v1/compliance/rules", a, body("EU-TEST-001", "EU", "First"), &d); r.StatusCode != 201 ||
			d.Version != 1 || d.Status != rules.Draft || d.AuthorID == "" {
			t.Fatalf("draft: %d %+v %s", r.StatusCode, d, apptest.Body(r))
		}
		if r := env.Call("POST", "/api/v1/compliance/rules", operator, body("EU-TEST-002", "EU", "X"), nil); r.StatusCode != 403 {
			t.Fatalf("tenant draft: %d", r.StatusCode)
		}
		// Invalid rules name their fields.
		bad := body("eu-test", "EU", "")
		var pd problemDoc
		if r := env.Call("POST", "/api/v1/compliance/rules", a, bad, &pd); r.StatusCode != 422 || len(pd.Errors) != 2 {
			t.Fatalf("invalid: %d %+v", r.StatusCode, pd)
		}

		// Drafts are not in force: tenants do not see them, officers do.
		if r := env.Call("GET", "/api/v1/compliance/rules/EU-TEST-001", viewer, nil, nil); r.StatusCode != 404 {
			t.Fatalf("tenant sees draft: %d", r.StatusCode)
		}
		if r := env.Call("GET", "/api/v1/compliance/rules?status=draft", viewer, nil, nil); r.StatusCode != 403 {
			t.Fatalf("tenant lists drafts: %d", r.StatusCode)
		}
		var l listDoc
		env.Call("GET", "/api/v1/compliance/rules?status=draft", b, nil, &l)
		if !slices.Equal(ids(l), []string{"EU-TEST-001"}) {
			t.Fatalf("drafts = %v", ids(l))
		}

		// Four eyes: A cannot publish A's draft; B can.
		if r := env.Call("POST", "/api/v1/compliance/rules/EU-TEST-001/publish", a, nil, &pd); r.StatusCode != 403 || pd.Code != "four_eyes" {
			t.Fatalf("self publish: %d %+v", r.StatusCode, pd)
		}
		var p ruleDoc
		if r := env.Call("POST", "/api/v1/compliance/rules/EU-TEST-001/publish", b, nil, &p); r.StatusCode != 200 ||
			p.Status != rules.Published || p.PublishedBy == "" || p.PublishedBy == p.AuthorID {
			t.Fatalf("publish: %d %+v", r.StatusCode, p)
		}
		if r := env.Call("POST", "/api/v1/compliance/rules/EU-TEST-001/publish", b, nil, &pd); r.StatusCode != 409 || pd.Code != "no_draft" {
			t.Fatalf("publish twice: %d %+v", r.StatusCode, pd)
		}
		if hooked.Load() != 1 || lastOld.Load() != nil {
			t.Fatalf("hook: %d %v", hooked.Load(), lastOld.Load())
		}
		if gen, _ := env.App.Rules.Generation(env.Ctx); gen != gen0+1 {
			t.Fatalf("generation %d → %d", gen0, gen)
		}

		// B edits: a new draft version; a stale edit is refused.
		edit := body("EU-TEST-001", "EU", "Second")
		edit["version"] = 1
		if r := env.Call("POST", "/api/v1/compliance/rules", b, edit, &d); r.StatusCode != 201 || d.Version != 2 {
			t.Fatalf("edit: %d %+v", r.StatusCode, d)
		}
		if r := env.Call("POST", "/api/v1/compliance/rules", a, edit, &pd); r.StatusCode != 409 || pd.Code != "rule_changed" {
			t.Fatalf("stale edit: %d %+v", r.StatusCode, pd)
		}
		// The version in force is still 1 until A publishes B's draft.
		var g ruleDoc
		env.Call("GET", "/api/v1/compliance/rules/EU-TEST-001", viewer, nil, &g)
		if g.Version != 1 || g.Title != "First" {
			t.Fatalf("in force %+v", g)
		}
		var diff rules.DiffView
		env.Call("GET", "/api/v1/compliance/rules/EU-TEST-001/diff", a, nil, &diff)
		if diff.From != 1 || diff.To != 2 || len(diff.Changes) != 2 {
			t.Fatalf("diff %+v", diff)
		}
		if r := env.Call("POST", "/api/v1/compliance/rules/EU-TEST-001/publish", a, nil, &p); r.StatusCode != 200 || p.Version != 2 {
			t.Fatalf("publish v2: %d", r.StatusCode)
		}
		if old := lastOld.Load(); old == nil || old.Version != 1 {
			t.Fatalf("hook old = %+v", old)
		}
		var vs rules.Versions
		env.Call("GET", "/api/v1/compliance/rules/EU-TEST-001/versions", viewer, nil, &vs)
		if len(vs.Versions) != 2 || vs.Versions[0].Version != 2 || vs.Versions[1].SupersededAt == nil {
			t.Fatalf("versions %+v", vs)
		}
		env.Call("GET", "/api/v1/compliance/rules/EU-TEST-001?version=1", viewer, nil, &g)
		if g.Version != 1 || g.Title != "First" {
			t.Fatalf("version 1 %+v", g)
		}

		// Texts follow Accept-Language.
		call(env, "GET", "/api/v1/compliance/rules/EU-TEST-001", viewer, "zh-CN,zh;q=0.9", &g)
		if g.Texts == nil || g.Texts.Lang != "zh-CN" || g.Texts.Title != "中文 Second" || g.Texts.Requirement != "Do the thing." || g.Title != "Second" {
			t.Fatalf("zh texts %+v", g.Texts)
		}
		var en ruleDoc
		call(env, "GET", "/api/v1/compliance/rules/EU-TEST-001", viewer, "en", &en)
		if en.Texts != nil || en.Title != "Second" {
			t.Fatalf("en texts %+v", en.Texts)
		}

		// Retirement: a draft with effective_to, in force once B publishes it.
		to := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
		if r := env.Call("POST", "/api/v1/compliance/rules/EU-TEST-001/retire", a, map[string]any{"effective_to": to}, &d); r.StatusCode != 201 ||
			d.Version != 3 || d.EffectiveTo == nil {
			t.Fatalf("retire: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("POST", "/api/v1/compliance/rules/EU-TEST-001/retire", a, map[string]any{"effective_to": "2019-01-01"}, &pd); r.StatusCode != 422 {
			t.Fatalf("retire before start: %d", r.StatusCode)
		}
		if r := env.Call("POST", "/api/v1/compliance/rules/EU-TEST-001/publish", b, nil, &p); r.StatusCode != 200 || p.Status != rules.Retired {
			t.Fatalf("publish retirement: %d %+v", r.StatusCode, p)
		}
		env.Call("GET", "/api/v1/compliance/rules?market=EU&q=EU-TEST", viewer, nil, &l)
		if len(l.Items) != 0 {
			t.Fatalf("retired rule still listed: %v", ids(l))
		}
		env.Call("GET", "/api/v1/compliance/rules?market=EU&status=retired&q=EU-TEST", viewer, nil, &l)
		if !slices.Equal(ids(l), []string{"EU-TEST-001"}) {
			t.Fatalf("retired list %v", ids(l))
		}
		inForce, err := env.App.Rules.InForce(env.Ctx, time.Now().AddDate(0, 0, -3))
		if err != nil || !slices.ContainsFunc(inForce, func(r rules.Rule) bool { return r.ID == "EU-TEST-001" }) {
			t.Fatalf("InForce three days ago lacks the rule: %v", err)
		}
	})
}

func TestMarketInheritance(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := env.Ctx
		for _, r := range []map[string]any{body("EU-INH-001", "EU", "eu"), body("DE-INH-001", "DE", "de"),
			body("FR-INH-001", "FR", "fr"), body("GLOBAL-INH-001", "GLOBAL", "global"), body("US-CA-INH-001", "US-CA", "ca"),
			body("US-INH-001", "US", "us")} {
			r["severity"] = "info"
			if r["id"] == "DE-INH-001" {
				r["applies_to"] = map[string]any{"hs": []string{"85"}}
			}
			rule := toRule(t, r)
			if _, err := env.App.Rules.Draft(ctx, rule); err != nil {
				t.Fatal(err)
			}
			if _, err := env.App.Rules.Publish(ctx, rule.ID); err != nil {
				t.Fatal(err)
			}
		}
		viewer := env.Key(env.Tenant("Shop"), identity.Viewer, false)
		tests := []struct{ query, want string }{
			{"market=DE", "DE-INH-001 EU-INH-001 GLOBAL-INH-001"},
			{"market=de", "DE-INH-001 EU-INH-001 GLOBAL-INH-001"},
			{"market=EU", "EU-INH-001 GLOBAL-INH-001"},
			{"market=US-CA", "GLOBAL-INH-001 US-CA-INH-001 US-INH-001"},
			{"market=US", "GLOBAL-INH-001 US-INH-001"},
			{"market=DE&hs=8517", "DE-INH-001"},
			{"market=DE&hs=95", "EU-INH-001 GLOBAL-INH-001"},
			{"market=FR", "EU-INH-001 FR-INH-001 GLOBAL-INH-001"},
		}
		for _, tt := range tests {
			var l listDoc
			// q keeps the shipped rules out of the way.
			if r := env.Call("GET", "/api/v1/compliance/rules?severity=info&q=inh-&"+tt.query, viewer, nil, &l); r.StatusCode != 200 {
				t.Fatalf("%s: %d", tt.query, r.StatusCode)
			}
			if got := strings.Join(ids(l), " "); got != tt.want {
				t.Errorf("%s: %s, want %s", tt.query, got, tt.want)
			}
		}
		// Pages follow the cursor.
		var l listDoc
		env.Call("GET", "/api/v1/compliance/rules?severity=info&limit=2&q=inh", viewer, nil, &l)
		first := ids(l)
		env.Call("GET", "/api/v1/compliance/rules?severity=info&limit=2&q=inh&cursor="+l.NextCursor, viewer, nil, &l)
		if len(first) != 2 || len(l.Items) != 2 || first[1] >= l.Items[0].ID {
			t.Fatalf("pages %v then %v", first, ids(l))
		}
		var pd problemDoc
		if r := env.Call("GET", "/api/v1/compliance/rules?market=Europe&severity=x", viewer, nil, &pd); r.StatusCode != 422 || len(pd.Errors) != 2 {
			t.Fatalf("bad filter: %d %+v", r.StatusCode, pd)
		}
	})
}

const importFile = `rules:
- id: GLOBAL-IMP-001
  market: GLOBAL
  title: Imported one
  authority: IATA
  reference: DGR 2026 PI 965
  source_url: https://www.iata.org/
  applies_to:
    categories: [batteries]
    transport: [air]
    conditions:
    - {fact: battery.lithium, op: eq, value: true}
  requirement: Follow PI 965.
  evidence:
  - {kind: document, code: un38_3}
  severity: restricted
  limits:
  - {fact: battery.wh, max: 100}
  effective_from: 2026-01-01
- id: GLOBAL-IMP-002
  market: GLOBAL
  title: Imported two
  authority: WCO
  reference: HS 2022
  source_url: https://www.wcoomd.org/
  applies_to:
    hs: ["*"]
  requirement: Declare the HS code.
  severity: info
  effective_from: 2022-01-01
`

func TestImport(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		svc := env.App.Rules
		ctx := env.Ctx
		rep, err := svc.Import(ctx, strings.NewReader(importFile), rules.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Created) != 2 || len(rep.Published) != 0 {
			t.Fatalf("first import %+v", rep)
		}
		if _, err := svc.Get(ctx, "GLOBAL-IMP-001", 0); err == nil {
			t.Fatal("an import without --publish brought a rule into force")
		}
		// Re-import: nothing changes.
		rep, err = svc.Import(ctx, strings.NewReader(importFile), rules.ImportOptions{})
		if err != nil || rep.Unchanged != 2 || len(rep.Created)+len(rep.Updated) != 0 {
			t.Fatalf("re-import %+v %v", rep, err)
		}
		// All or nothing: one bad rule keeps the good change out too.
		bad := strings.Replace(importFile, "Imported one", "Imported one, changed", 1)
		bad = strings.Replace(bad, `hs: ["*"]`, `hs: ["9"]`, 1)
		_, err = svc.Import(ctx, strings.NewReader(bad), rules.ImportOptions{Publish: true})
		ie, ok := err.(*rules.ImportError)
		if !ok || len(ie.Problems) != 1 || ie.Problems[0].Rule != "GLOBAL-IMP-002" || ie.Problems[0].Line != 27 ||
			ie.Problems[0].Field != "applies_to.hs[0]" {
			t.Fatalf("bad import: %v", err)
		}
		if vs, _ := svc.Versions(ctx, "GLOBAL-IMP-001"); len(vs) != 1 {
			t.Fatalf("a refused import wrote %d versions", len(vs))
		}
		// --publish: the changed rule gets a new version, both come into
		// force, published by the system.
		changed := strings.Replace(importFile, "Imported one", "Imported one, changed", 1)
		rep, err = svc.Import(ctx, strings.NewReader(changed), rules.ImportOptions{Publish: true})
		if err != nil || len(rep.Updated) != 1 || rep.Unchanged != 1 || len(rep.Published) != 2 {
			t.Fatalf("publish import %+v %v", rep, err)
		}
		r, err := svc.Get(ctx, "GLOBAL-IMP-001", 0)
		if err != nil || r.Version != 2 || r.PublishedBy != rules.SystemActor || r.Title != "Imported one, changed" ||
			len(r.Limits) != 1 || r.Limits[0].Max != 100 {
			t.Fatalf("in force %+v %v", r, err)
		}
		rep, err = svc.Import(ctx, strings.NewReader(changed), rules.ImportOptions{Publish: true})
		if err != nil || rep.Unchanged != 2 || len(rep.Published) != 0 {
			t.Fatalf("re-import published %+v %v", rep, err)
		}
	})
}

func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(file, []byte(importFile), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		var out, errOut strings.Builder
		err := app.Run(context.Background(), append([]string{"--data", dir}, args...),
			func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
		return out.String(), err
	}
	out, err := run("import", "regulations", "--file", file, "--publish", "--json")
	if err != nil || !strings.Contains(out, `"GLOBAL-IMP-001"`) {
		t.Fatalf("import: %v %s", err, out)
	}
	out, err = run("import", "regulations", "--file", file)
	if err != nil || !strings.Contains(out, "2 unchanged") {
		t.Fatalf("re-import: %v %s", err, out)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(importFile, "severity: info", "severity: minor", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = run("import", "regulations", "--file", file)
	if err == nil || !strings.Contains(err.Error(), "line 29: GLOBAL-IMP-002: severity:") {
		t.Fatalf("bad file: %v", err)
	}
}

func TestSeed(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		// Faults in the shipped files are TestShippedRules' concern; the
		// files that parse are seeded.
		files, _ := rules.Shipped()
		var one rules.Rule
		n := 0
		for _, rs := range files {
			n += len(rs)
			one = rs[0]
		}
		all, err := env.App.Rules.InForce(env.Ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(all) == 0 || len(all) > n {
			t.Fatalf("%d rules in force of %d shipped", len(all), n)
		}
		// An officer's edit survives seeding again.
		a := env.Session("", identity.ComplianceOfficer)
		b := env.Session("", identity.ComplianceOfficer)
		edit := one
		edit.Title = "Edited by an officer"
		edit.Version = 0
		var d ruleDoc
		if r := env.Call("POST", "/api/v1/compliance/rules", a, edit, &d); r.StatusCode != 201 {
			t.Fatalf("edit %d %s", r.StatusCode, apptest.Body(r))
		}
		env.Call("POST", "/api/v1/compliance/rules/"+one.ID+"/publish", b, nil, nil)
		seeded, err := env.App.Rules.Seed(env.Ctx)
		if err != nil || seeded != 0 {
			t.Fatalf("second seed: %d %v", seeded, err)
		}
		r, _ := env.App.Rules.Get(env.Ctx, one.ID, 0)
		if r.Title != "Edited by an officer" || r.Version != 2 {
			t.Fatalf("after seed %+v", r)
		}
	})
}

func decodeJSON(r *http.Response, out any) error {
	return json.NewDecoder(r.Body).Decode(out)
}

func toRule(t *testing.T, m map[string]any) rules.Rule {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var r rules.Rule
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPermissions(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ten := env.Tenant("Perm Ltd")
		rule := toRule(t, body("EU-PERM-001", "EU", "Perm"))
		if _, err := env.App.Rules.Draft(env.Ctx, rule); err != nil {
			t.Fatal(err)
		}
		if _, err := env.App.Rules.Publish(env.Ctx, rule.ID); err != nil {
			t.Fatal(err)
		}
		creds := map[string]string{
			"viewer":  env.Key(ten, identity.Viewer, false),
			"sandbox": env.Key(ten, identity.Operator, true),
			"finance": env.Key(ten, identity.Finance, false),
			"admin":   env.Session("", identity.PlatformAdmin),
			"officer": env.Session("", identity.ComplianceOfficer),
			"risk":    env.Session("", identity.RiskOfficer),
		}
		tests := []struct {
			method, path string
			body         any
			want         map[string]int
		}{
			{"GET", "/api/v1/compliance/rules?market=DE", nil,
				map[string]int{"viewer": 200, "sandbox": 200, "finance": 403, "admin": 403, "officer": 200, "risk": 403}},
			{"GET", "/api/v1/compliance/rules?status=draft", nil,
				map[string]int{"viewer": 403, "sandbox": 403, "officer": 200}},
			{"GET", "/api/v1/compliance/rules/EU-PERM-001", nil,
				map[string]int{"viewer": 200, "sandbox": 200, "finance": 403, "officer": 200}},
			{"GET", "/api/v1/compliance/rules/EU-PERM-001/versions", nil, map[string]int{"viewer": 200, "finance": 403}},
			{"GET", "/api/v1/compliance/rules/EU-PERM-001/diff?from=1&to=1", nil, map[string]int{"viewer": 200, "finance": 403}},
			{"POST", "/api/v1/compliance/rules", body("EU-PERM-002", "EU", "x"),
				map[string]int{"viewer": 403, "sandbox": 403, "admin": 403}},
			{"POST", "/api/v1/compliance/rules/EU-PERM-001/retire", map[string]any{"effective_to": "2030-01-01"},
				map[string]int{"viewer": 403, "admin": 403, "risk": 403}},
			{"POST", "/api/v1/compliance/rules/EU-PERM-001/publish", nil, map[string]int{"viewer": 403, "finance": 403}},
		}
		for _, tt := range tests {
			for who, want := range tt.want {
				if r := env.Call(tt.method, tt.path, creds[who], tt.body, nil); r.StatusCode != want {
					t.Errorf("%s %s as %s: %d, want %d", tt.method, tt.path, who, r.StatusCode, want)
				}
			}
		}
	})
}
