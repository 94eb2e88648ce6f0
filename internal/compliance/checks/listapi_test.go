package checks_test

import (
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/compliance/checks"
	"github.com/silkgate/silkgate/internal/compliance/sanctions"
	"github.com/silkgate/silkgate/internal/compliance/screening"
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

// TestImportedProductListRevision imports a revision of the FCC Covered
// List that adds a manufacturer: product checks read it at once (the
// embedded snapshot before it did not name the maker), the finding names
// the imported version, and party screening does not match product-list
// entries (buying from a listed company is lawful).
func TestImportedProductListRevision(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Shenzhen Phones")
		key := env.Key(tenant, identity.Operator, false)
		check := func() (checks.Check, *checks.Finding) {
			t.Helper()
			body := map[string]any{"markets": []string{"US"}, "product": map[string]any{"sku": "PH-2",
				"title": map[string]string{"en": "Smartphone"}, "hs_code": "851713", "origin_country": "CN",
				"attributes": map[string]any{"manufacturer": "Shenzhen Newcomer Mobile Co., Ltd."}}}
			r := call(t, env, "POST", "/api/v1/compliance/checks", key, body)
			if r.Status != 201 {
				t.Fatalf("check: %d %s", r.Status, r.Body)
			}
			var c checks.Check
			r.json(t, &c)
			for i := range c.Findings {
				if c.Findings[i].RuleID == "US-FCC-002" {
					return c, &c.Findings[i]
				}
			}
			return c, nil
		}
		if _, f := check(); f != nil {
			t.Fatalf("before the revision US-FCC-002 applies: %+v", f.TriggeredBy)
		}
		res, err := env.App.Sanctions.ImportFile(env.Ctx, "testdata/fcc_covered_revision.csv",
			sanctions.ImportOptions{Format: sanctions.FormatFCCCovered})
		if err != nil {
			t.Fatal(err)
		}
		if res.Version.List != sanctions.ListFCCCovered || res.Version.Version != "2026-10-01" || res.Version.Entries != 2 {
			t.Fatalf("import %+v", res.Version)
		}
		// Party screening needs a party list in force.
		if _, err := env.App.Sanctions.ImportFile(env.Ctx, "../sanctions/testdata/uk/UK-Sanctions-List.xml", sanctions.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := env.App.Screening.Warm(env.Ctx); err != nil {
			t.Fatal(err)
		}
		c, f := check()
		if f == nil || f.Status != checks.StatusFail || c.Verdict != checks.VerdictProhibited {
			t.Fatalf("after the revision: verdict %s finding %+v", c.Verdict, f)
		}
		found := false
		for _, tr := range f.TriggeredBy {
			if tr.List != nil && tr.List.EntryID == "TEST-9" && tr.List.ListVersion == "2026-10-01" {
				found = true
			}
		}
		if !found {
			t.Errorf("finding does not name the imported entry and version: %+v", f.TriggeredBy)
		}
		var scr struct {
			Matches []struct{ List string } `json:"matches"`
		}
		r := call(t, env, "POST", "/api/v1/compliance/screenings", key,
			map[string]any{"name": "Shenzhen Newcomer Mobile Company Limited", "type": "entity"})
		if r.Status != 200 {
			t.Fatalf("screening: %d %s", r.Status, r.Body)
		}
		r.json(t, &scr)
		for _, m := range scr.Matches {
			if sanctions.IsProductList(m.List) {
				t.Errorf("party screening matched the product list %s", m.List)
			}
		}
		// The same name is in the product list's own index.
		pl, ok := env.App.Screening.ImportedProductList(sanctions.ListFCCCovered)
		if !ok || pl.Version != "2026-10-01" {
			t.Fatalf("imported product list %+v %v", pl.Version, ok)
		}
		if ms := pl.Index.Screen(screening.Query{Name: "Shenzhen Newcomer Mobile Company Limited"}); len(ms) == 0 || ms[0].EntryID != "TEST-9" {
			t.Errorf("product index matches %+v", ms)
		}
	})
}
