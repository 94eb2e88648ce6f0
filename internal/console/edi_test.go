package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
)

// purchaseOrders is an X12 interchange of two 850s from ACME: the first
// complete, the second with a wrong segment count (SE01), which is
// rejected.
const purchaseOrders = "ISA*00*          *00*          *ZZ*ACME           *ZZ*SILKGATE       *260101*1200*^*00501*000000007*0*P*>~" +
	"GS*PO*ACME*SILKGATE*20260101*1200*7*X*005010~" +
	"ST*850*0001~BEG*00*SA*PO-1**20260101~N1*ST*Jonas Weber~N3*Hauptstr. 1~N4*Berlin**10115*DE~PO1*1*2*EA*19.99**VP*TOY-001~SE*7*0001~" +
	"ST*850*0002~BEG*00*SA*PO-2**20260101~N1*ST*Jonas Weber~N3*Hauptstr. 1~N4*Berlin**10115*DE~PO1*1*1*EA*5.00**VP*TOY-002~SE*9*0002~" +
	"GE*2*7~IEA*1*000000007~"

var (
	interchangeLink = regexp.MustCompile(`/edi/interchanges/(edii_[A-Za-z0-9]+)`)
	partnerLink     = regexp.MustCompile(`/edi/partners/(edip_[A-Za-z0-9]+)`)
)

func partnerForm(name string) url.Values {
	return url.Values{"name": {name}, "standard": {"x12"}, "partner_id.qualifier": {"ZZ"}, "partner_id.id": {"ACME"},
		"local_id.qualifier": {"ZZ"}, "local_id.id": {"SILKGATE"}, "ack": {"997"}, "default_currency": {"eur"},
		"time_zone": {"Europe/Berlin"}, "line_break": {"1"}, "returns_by_edi": {"1"}}
}

func TestEDIPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("EDI Trading")
		admin := newBrowser(t, env)
		admin.signIn(env.User(tenant, identity.TenantAdmin))

		// A partner profile: refused without ids, then saved and edited.
		bad := partnerForm("ACME Retail")
		bad.Set("partner_id.id", "")
		p := admin.post("/edi/partners", bad)
		if p.Status != 422 || !strings.Contains(text(p.Body), "partner_id.id and local_id.id are required") {
			t.Fatalf("refused partner: %d\n%s", p.Status, text(p.Body))
		}
		mustContain(t, "refused partner keeps input", p.Body, `value="ACME Retail"`, `value="Europe/Berlin"`)
		p = admin.post("/edi/partners", partnerForm("ACME Retail"))
		if p.Status != http.StatusSeeOther || !partnerLink.MatchString(p.Location) {
			t.Fatalf("create partner: %d %q\n%s", p.Status, p.Location, text(p.Body))
		}
		partnerPath := partnerLink.FindString(p.Location)
		edit := admin.get(p.Location)
		mustContain(t, "partner", edit.Body, "Trading partner saved.", `value="EUR"`, `value="Europe/Berlin"`, `<option value="997" selected>`,
			`name="returns_by_edi" type="checkbox" value="1" checked`)
		if p := admin.post("/edi/partners", partnerForm("ACME again")); p.Status != 409 {
			t.Errorf("second profile with the same ids: %d", p.Status)
		}
		changed := partnerForm("ACME Retail GmbH")
		if p := admin.post(partnerPath, changed); p.Status != http.StatusSeeOther {
			t.Errorf("update partner: %d\n%s", p.Status, text(p.Body))
		}
		mustContain(t, "partners", admin.get("/edi/partners").Body, "ACME Retail GmbH", "ZZ:ACME")

		// An operator uploads the interchange through the form.
		op := newBrowser(t, env)
		op.signIn(env.User(tenant, identity.Operator))
		up := op.multipartPost("/edi/upload", [][2]string{{"standard", "x12"}}, "file", "po.edi", purchaseOrders)
		if up.Status != 200 || !strings.Contains(text(up.Body), "1 accepted, 1 rejected") || !strings.Contains(up.Body, "AK5*R") {
			t.Fatalf("upload: %d\n%s", up.Status, text(up.Body))
		}
		id := interchangeLink.FindStringSubmatch(up.Body)[1]
		// Again: recognised, not stored twice.
		again := op.multipartPost("/edi/upload", nil, "file", "po.edi", purchaseOrders)
		mustContain(t, "re-sent", text(again.Body), "Received before")
		// A broken interchange names the segment.
		broken := op.multipartPost("/edi/upload", [][2]string{{"standard", "x12"}}, "file", "po.edi", "ISA*00*   ")
		if broken.Status != 422 || !strings.Contains(text(broken.Body), "segment 1") {
			t.Errorf("broken: %d\n%s", broken.Status, text(broken.Body))
		}
		if p := op.multipartPost("/edi/upload", [][2]string{{"standard", "edifact"}}, "file", "po.edi", purchaseOrders); p.Status != 422 {
			t.Errorf("standard mismatch: %d", p.Status)
		}

		// The list and the interchange.
		viewer := newBrowser(t, env)
		viewer.signIn(env.User(tenant, identity.Viewer))
		list := viewer.get("/edi")
		if list.Status != 200 || strings.Count(list.Body, "/edi/interchanges/"+id) != 1 {
			t.Fatalf("list: %d\n%s", list.Status, text(list.Body))
		}
		mustContain(t, "list", text(list.Body), "ACME Retail GmbH", "000000007", "Partly rejected")
		mustNotContain(t, "viewer list", list.Body, `href="/edi/upload"`)
		ic := viewer.get("/edi/interchanges/" + id)
		mustContain(t, "interchange", ic.Body, "ZZ:ACME", "PO-1", "AK2*850*0002", `class="code-block"`, "/orders/ord_", "Rejected transaction sets")
		// An order came of the accepted PO, with the outbound downloads.
		oid := orderLink.FindStringSubmatch(ic.Body)[1]
		order := viewer.get("/orders/" + oid)
		mustContain(t, "order", order.Body, "edi-acme", "/api/v1/orders/"+oid+"/edi?partner=")
		dl := regexp.MustCompile(`href="(/api/v1/orders/[^"]+type=855)"`).FindStringSubmatch(order.Body)
		if dl == nil {
			t.Fatalf("no 855 download:\n%s", order.Body)
		}
		if p := viewer.get(strings.ReplaceAll(dl[1], "&amp;", "&")); p.Status != 200 || !strings.HasPrefix(p.Body, "ISA*") {
			t.Errorf("855 download: %d %.80q", p.Status, p.Body)
		}

		// Permissions: viewers read, operators upload, admins keep partners.
		for _, c := range []struct {
			who    *browser
			method string
			path   string
			status int
		}{
			{viewer, "GET", "/edi/upload", 403},
			{viewer, "POST", partnerPath, 403},
			{op, "GET", "/edi/partners/new", 403},
			{op, "POST", "/edi/partners", 403},
			{op, "POST", partnerPath + "/delete", 403},
		} {
			var p page
			if c.method == "GET" {
				p = c.who.get(c.path)
			} else {
				p = c.who.post(c.path, partnerForm("x"))
			}
			if p.Status != c.status || !strings.Contains(p.Body, "<html") {
				t.Errorf("%s %s: %d, want %d", c.method, c.path, p.Status, c.status)
			}
		}
		mustNotContain(t, "viewer partner", viewer.get(partnerPath).Body, "Save trading partner")

		// Another tenant sees neither.
		stranger := newBrowser(t, env)
		stranger.signIn(env.User(env.Tenant("Other Ltd"), identity.TenantAdmin))
		for _, path := range []string{"/edi/interchanges/" + id, partnerPath} {
			if p := stranger.get(path); p.Status != 404 || !strings.Contains(p.Body, "<html") {
				t.Errorf("other tenant %s: %d", path, p.Status)
			}
		}
		if p := stranger.post(partnerPath+"/delete", nil); p.Status != 404 {
			t.Errorf("other tenant deletes partner: %d", p.Status)
		}
		mustNotContain(t, "other tenant's list", stranger.get("/edi").Body, id)

		// Deleting the partner.
		if p := admin.post(partnerPath+"/delete", nil); p.Status != http.StatusSeeOther {
			t.Errorf("delete partner: %d", p.Status)
		}
		mustContain(t, "after delete", admin.get("/edi/partners?notice=edi_partner_deleted").Body, "Trading partner deleted.")
	})
}
