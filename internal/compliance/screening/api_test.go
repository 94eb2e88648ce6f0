package screening_test

import (
	"net/http"
	"testing"
	"testing/fstest"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/compliance/sanctions"
	"github.com/silkgate/silkgate/internal/compliance/screening"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// euList is a two-entry EU list in the JSON Lines form package sanctions
// reads.
const euList = `{"logical_id": "13", "subject_type": "person", "names": [{"whole_name": "Vladimir Vladimirovich PUTIN", "strong": true}, {"whole_name": "Владимир Владимирович Путин", "strong": true}], "citizenships": ["RU"]}
{"logical_id": "14", "subject_type": "enterprise", "names": [{"whole_name": "Sichuan Anxun Information Technology Co., Ltd.", "strong": true}, {"whole_name": "四川安洵信息技术有限公司", "strong": true}]}
`

// ImportTestList loads euList into env's store.
func importTestList(t *testing.T, env *apptest.Env) {
	t.Helper()
	fsys := fstest.MapFS{"eu.jsonl": {Data: []byte(euList)}}
	if _, err := env.App.Sanctions.Import(env.Ctx, fsys, "eu.jsonl", sanctions.ImportOptions{Format: sanctions.FormatEUJSONL}); err != nil {
		t.Fatal(err)
	}
}

func TestScreeningAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenA, tenB := env.Tenant("Yiwu Bright Toys"), env.Tenant("Ningbo Haitian Trading")
		opA, viewA := env.Key(tenA, identity.Operator, false), env.Key(tenA, identity.Viewer, false)
		opB := env.Key(tenB, identity.Operator, false)

		// Before any list is imported an answer would be a false "clear".
		if r := env.Call("POST", "/api/v1/compliance/screenings", opA, map[string]any{"name": "Vladimir Putin"}, nil); r.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("no lists: %d %s", r.StatusCode, apptest.Body(r))
		}
		importTestList(t, env)

		var res screening.Result
		if r := env.Call("POST", "/api/v1/compliance/screenings", opA, map[string]any{"name": "Путин Владимир", "type": "person"}, &res); r.StatusCode != http.StatusOK {
			t.Fatalf("screen: %d %s", r.StatusCode, apptest.Body(r))
		}
		if len(res.Matches) != 1 || res.Matches[0].List != "eu_fsf" || res.Matches[0].EntryID != "13" ||
			res.Matches[0].Score < screening.Potential || res.Matches[0].Name != "Vladimir Vladimirovich PUTIN" ||
			res.Matches[0].MatchedName != "Владимир Владимирович Путин" || res.CaseID == "" {
			t.Fatalf("result: %+v", res)
		}
		if len(res.ListVersions) != 1 || res.ListVersions[0].List != "eu_fsf" {
			t.Errorf("list versions: %+v", res.ListVersions)
		}
		if r := env.Call("POST", "/api/v1/compliance/screenings", opA, map[string]any{"name": ""}, nil); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("empty name: %d", r.StatusCode)
		}
		if r := env.Call("POST", "/api/v1/compliance/screenings", viewA, map[string]any{"name": "x"}, nil); r.StatusCode != http.StatusForbidden {
			t.Errorf("viewer screens: %d", r.StatusCode)
		}
		var han screening.Result
		env.Call("POST", "/api/v1/compliance/screenings", opB, map[string]any{"name": "四川安洵信息技术"}, &han)
		if len(han.Matches) == 0 || han.Matches[0].EntryID != "14" || han.Matches[0].Score < screening.Strong {
			t.Errorf("Han name: %+v", han)
		}

		var cases web.List[screening.Case]
		if r := env.Call("GET", "/api/v1/compliance/screening-cases?status=open", viewA, nil, &cases); r.StatusCode != http.StatusOK {
			t.Fatalf("cases: %d %s", r.StatusCode, apptest.Body(r))
		}
		if len(cases.Items) != 1 || cases.Items[0].ID != res.CaseID || cases.Items[0].Status != "open" {
			t.Fatalf("open cases: %+v", cases)
		}
		if r := env.Call("GET", "/api/v1/compliance/screening-cases/"+res.CaseID, opB, nil, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("other tenant reads the case: %d", r.StatusCode)
		}
		if r := env.Call("POST", "/api/v1/compliance/screening-cases/"+res.CaseID+"/decision", opB,
			map[string]any{"decision": "clear"}, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("other tenant decides the case: %d", r.StatusCode)
		}
		var c screening.Case
		if r := env.Call("POST", "/api/v1/compliance/screening-cases/"+res.CaseID+"/decision", opA,
			map[string]any{"decision": "clear", "note": "born 1980, not the listed person"}, &c); r.StatusCode != http.StatusOK {
			t.Fatalf("decide: %d %s", r.StatusCode, apptest.Body(r))
		}
		if c.Status != "cleared" || c.Reviewer == "" {
			t.Errorf("decided: %+v", c)
		}
		if r := env.Call("POST", "/api/v1/compliance/screening-cases/"+res.CaseID+"/decision", opA,
			map[string]any{"decision": "confirm"}, nil); r.StatusCode != http.StatusConflict {
			t.Errorf("second decision: %d", r.StatusCode)
		}
		var again screening.Result
		env.Call("POST", "/api/v1/compliance/screenings", opA, map[string]any{"name": "Vladimir PUTIN"}, &again)
		if again.CaseID != "" || len(again.Matches) == 0 || !again.Matches[0].Cleared {
			t.Errorf("cleared party raised again: %+v", again)
		}
	})
}
