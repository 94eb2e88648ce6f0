package checks_test

import (
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/compliance/checks"
	"github.com/silkgate/silkgate/internal/identity"
)

// TestCheckAPIListMatch checks through the API, on both engines, that the
// service wires the list data: a phone by a Covered List manufacturer is
// prohibited in the US, and the finding names the entry and list version.
func TestCheckAPIListMatch(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Shenzhen Phones")
		key := env.Key(tenant, identity.Operator, false)
		for _, tc := range []struct {
			name, maker, verdict string
			entry                string
		}{
			{"covered maker", "华为技术有限公司", checks.VerdictProhibited, "FCC-1"},
			{"other maker", "Shenzhen Newcomer Mobile Co., Ltd.", "", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				body := map[string]any{"markets": []string{"US"}, "product": map[string]any{"sku": "PH-1",
					"title": map[string]string{"en": "Smartphone"}, "hs_code": "851713", "origin_country": "CN",
					"attributes": map[string]any{"manufacturer": tc.maker}}}
				r := call(t, env, "POST", "/api/v1/compliance/checks", key, body)
				if r.Status != 201 {
					t.Fatalf("check: %d %s", r.Status, r.Body)
				}
				var c checks.Check
				r.json(t, &c)
				var fcc *checks.Finding
				for i := range c.Findings {
					if c.Findings[i].RuleID == "US-FCC-002" {
						fcc = &c.Findings[i]
					}
				}
				if tc.entry == "" {
					if fcc != nil {
						t.Fatalf("US-FCC-002 applies: %+v", fcc.TriggeredBy)
					}
					if v := c.Facts["covered_equipment"]; v.Value != false {
						t.Errorf("covered_equipment = %+v", v)
					}
					return
				}
				if c.Verdict != tc.verdict || fcc == nil || fcc.Status != checks.StatusFail {
					t.Fatalf("verdict %s, finding %+v", c.Verdict, fcc)
				}
				found := false
				for _, tr := range fcc.TriggeredBy {
					if tr.List != nil && tr.List.EntryID == tc.entry && tr.List.ListVersion != "" && tr.List.List == checks.ListFCCCovered {
						found = true
					}
				}
				if !found {
					t.Errorf("no list match %s in %+v", tc.entry, fcc.TriggeredBy)
				}
			})
		}
	})
}
