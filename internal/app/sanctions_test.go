package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/compliance/sanctions"
	"github.com/silkgate/silkgate/internal/identity"
)

const sanctionsFixtures = "../compliance/sanctions/testdata/"

// TestImportSanctionsCommand drives `import sanctions` end to end: an
// OFAC file with its companions, the same file again, a broken file that
// leaves the version in force, and a format given by flag.
func TestImportSanctionsCommand(t *testing.T) {
	c := cli{t: t, env: map[string]string{"SILKGATE_DATA": t.TempDir()}}

	v := c.runJSON("", "import", "sanctions", "--file", sanctionsFixtures+"ofac_sdn/sdn.csv", "--json")
	version, _ := v["version"].(map[string]any)
	counts, _ := v["counts"].(map[string]any)
	if version["list"] != "us_ofac_sdn" || version["entries"] != 45.0 || version["format"] != "ofac_sdn" ||
		len(version["sha256"].(string)) != 64 || v["unchanged"] != false || counts["person"] == nil {
		t.Fatalf("import: %v", v)
	}

	out, _, err := c.run("", "import", "sanctions", "--file", sanctionsFixtures+"ofac_sdn/sdn.csv")
	if err != nil || !strings.Contains(out, "us_ofac_sdn version") || !strings.Contains(out, "45 entries") || !strings.Contains(out, "unchanged") {
		t.Fatalf("re-import: %q %v", out, err)
	}

	broken := filepath.Join(t.TempDir(), "sdn.csv")
	os.WriteFile(broken, []byte("36,\"A B\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n37,\"C D\"\r\n\x1a"), 0o600)
	if _, _, err := c.run("", "import", "sanctions", "--file", broken); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("broken file: %v", err)
	}

	v = c.runJSON("", "import", "sanctions", "--file", sanctionsFixtures+"un/UN_consolidated.xml", "--format", "un_xml", "--json")
	if version, _ := v["version"].(map[string]any); version["list"] != "un" || version["version"] != "2026-02-27T00:00:09.554Z" {
		t.Fatalf("un: %v", v)
	}
	for _, bad := range [][]string{{"import", "sanctions"}, {"import", "sanctions", "--file", "x", "--format", "pdf"}} {
		if _, _, err := c.run("", bad...); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// TestListsAPI reads the lists' freshness over HTTP.
func TestListsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		if _, err := env.App.Sanctions.ImportFile(env.Ctx, sanctionsFixtures+"uk/UK-Sanctions-List.xml", sanctions.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		tenant := env.Tenant("Lists Co")
		var got sanctions.ListsView
		if r := env.Call("GET", "/api/v1/compliance/lists", env.Key(tenant, identity.Viewer, false), nil, &got); r.StatusCode != 200 {
			t.Fatalf("GET lists: %d %s", r.StatusCode, apptest.Body(r))
		}
		if len(got.Items) != len(sanctions.Lists) || got.Generation == 0 {
			t.Fatalf("lists %+v", got)
		}
		for _, it := range got.Items {
			switch it.List {
			case sanctions.ListUK:
				if it.Version == nil || it.Entries != 10 || it.Version.Version != "2026-08-22T00:00:00Z" || it.MaxAgeHours != 168 {
					t.Errorf("uk %+v", it)
				}
			default:
				if it.Version != nil || it.Fresh {
					t.Errorf("%s %+v", it.List, it)
				}
			}
		}
		var hist struct{ Items []sanctions.Attempt }
		key := env.Key(tenant, identity.Viewer, false)
		if r := env.Call("GET", "/api/v1/compliance/lists/uk/versions", key, nil, &hist); r.StatusCode != 200 ||
			len(hist.Items) != 1 || hist.Items[0].Status != "in_force" || hist.Items[0].Entries != 10 {
			t.Fatalf("history: %d %+v", r.StatusCode, hist)
		}
		if r := env.Call("GET", "/api/v1/compliance/lists/mars/versions", key, nil, nil); r.StatusCode != 404 {
			t.Errorf("unknown list: %d", r.StatusCode)
		}
		if r := env.Call("GET", "/api/v1/compliance/lists", env.Key(tenant, identity.Finance, false), nil, nil); r.StatusCode != 403 {
			t.Errorf("finance reads lists: %d", r.StatusCode)
		}
	})
}
