package console

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/silkgate/silkgate/internal/edi"
	"github.com/silkgate/silkgate/internal/gateway/ediapi"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// EDI is what the console needs of the EDI gateway.
type EDI interface {
	ListPartners(ctx context.Context, pg web.Page) (web.List[ediapi.Partner], error)
	GetPartner(ctx context.Context, id string) (ediapi.Partner, error)
	SavePartner(ctx context.Context, id string, in ediapi.PartnerInput) (ediapi.Partner, error)
	DeletePartner(ctx context.Context, id string) error
	ListInterchanges(ctx context.Context, pg web.Page) (web.List[ediapi.Interchange], error)
	GetInterchange(ctx context.Context, id string) (ediapi.Interchange, error)
	Receive(ctx context.Context, body io.Reader, mediaType string) (*ediapi.Response, bool, error)
}

// EDIPages are the EDI pages: received interchanges with their
// acknowledgements, trading-partner profiles, and the upload of an
// interchange file. Everyone who reads orders may look; operators may
// upload; tenant administrators keep the partner profiles, as they keep
// the other credentials partners use.
type EDIPages struct {
	c   *Console
	edi EDI
}

// EDIPages returns the EDI pages over e; register them with Routes.
func (c *Console) EDIPages(e EDI) *EDIPages { return &EDIPages{c: c, edi: e} }

// Routes registers the EDI pages on rt.
func (ep *EDIPages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	upload := page("POST", "/edi/upload", identity.PermDataWrite, ep.upload)
	// The interchange is streamed through the parser; the gateway keeps
	// its own transaction, as for POST /api/v1/edi.
	upload.Stream, upload.MaxBody = true, ediapi.MaxBody
	for _, r := range []web.Route{
		page("GET", "/edi", identity.PermDataRead, ep.interchangesPage),
		page("GET", "/edi/interchanges/{id}", identity.PermDataRead, ep.interchangePage),
		page("GET", "/edi/upload", identity.PermDataWrite, ep.uploadPage),
		upload,
		page("GET", "/edi/partners", identity.PermDataRead, ep.partnersPage),
		page("GET", "/edi/partners/new", identity.PermAPIKeysManage, ep.newPartnerPage),
		page("POST", "/edi/partners", identity.PermAPIKeysManage, ep.createPartner),
		page("GET", "/edi/partners/{id}", identity.PermDataRead, ep.partnerPage),
		page("POST", "/edi/partners/{id}", identity.PermAPIKeysManage, ep.updatePartner),
		page("POST", "/edi/partners/{id}/delete", identity.PermAPIKeysManage, ep.deletePartner),
	} {
		rt.Handle(r)
	}
}

var ediNotices = map[string]bool{"edi_partner_saved": true, "edi_partner_deleted": true}

func (ep *EDIPages) view(r *http.Request, title, active string, data any) *view {
	v := ep.c.newView(r, title, active, data)
	if n := r.URL.Query().Get("notice"); ediNotices[n] {
		v.Notice = "console.notice." + n
	}
	return v
}

// Interchanges.

type interchangesData struct {
	Rows     []ediapi.Interchange
	Partners map[string]string // id → name
	Next     string
	First    string
}

func (ep *EDIPages) partnerNames(ctx context.Context) map[string]string {
	names := map[string]string{}
	if l, err := ep.edi.ListPartners(ctx, web.Page{Limit: web.MaxLimit}); err == nil {
		for _, p := range l.Items {
			names[p.ID] = p.Name
		}
	}
	return names
}

func (ep *EDIPages) interchangesPage(w http.ResponseWriter, r *http.Request) error {
	c := ep.c
	pg, err := web.PageFrom(r)
	if err != nil {
		return c.fail(w, r, err)
	}
	l, err := ep.edi.ListInterchanges(r.Context(), pg)
	if err != nil {
		return c.fail(w, r, err)
	}
	d := interchangesData{Rows: l.Items, Partners: ep.partnerNames(r.Context()), Next: nextURL(r, l.NextCursor)}
	if pg.After != "" {
		d.First = "/edi"
	}
	return c.render(w, r, http.StatusOK, "edi", ep.view(r, "console.nav.edi", "/edi", d))
}

type interchangeData struct {
	IC      ediapi.Interchange
	Partner string
}

func (ep *EDIPages) interchangePage(w http.ResponseWriter, r *http.Request) error {
	ic, err := ep.edi.GetInterchange(r.Context(), r.PathValue("id"))
	if err != nil {
		return ep.c.fail(w, r, err)
	}
	d := interchangeData{IC: ic}
	if ic.PartnerID != "" {
		d.Partner = ep.partnerNames(r.Context())[ic.PartnerID]
	}
	return ep.c.render(w, r, http.StatusOK, "edi_interchange", ep.view(r, "console.edi.interchange.title", "/edi", d))
}

// Upload.

type ediUploadData struct {
	Result    *ediapi.Response
	Duplicate bool
	Standard  string
}

func (ep *EDIPages) uploadPage(w http.ResponseWriter, r *http.Request) error {
	return ep.c.render(w, r, http.StatusOK, "edi_upload", ep.view(r, "console.edi.upload.title", "/edi", ediUploadData{}))
}

// upload reads the form as it streams in: the standard comes before the
// file, so the file goes straight into the parser.
func (ep *EDIPages) upload(w http.ResponseWriter, r *http.Request) error {
	c := ep.c
	std := ""
	again := func(err error) error {
		if !refused(err) {
			return err
		}
		v := ep.view(r, "console.edi.upload.title", "/edi", ediUploadData{Standard: std})
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, statusOf(err), "edi_upload", v)
	}
	part, err := uploadedFile(r, map[string]*string{"standard": &std})
	if err != nil {
		return again(err)
	}
	defer part.Close()
	mt := ""
	switch std {
	case "x12":
		mt = "application/edi-x12"
	case "edifact":
		mt = "application/edifact"
	case "":
		// Detected from the first segment; a type the browser guessed
		// from the file name is no guide.
	default:
		return again(problem.Invalid(problem.Field{Field: "standard", Code: "one_of", Params: []any{"values", "x12, edifact"}}))
	}
	res, dup, err := ep.edi.Receive(r.Context(), part, mt)
	if err != nil {
		return again(err)
	}
	return c.render(w, r, http.StatusOK, "edi_upload", ep.view(r, "console.edi.upload.title", "/edi",
		ediUploadData{Result: res, Duplicate: dup, Standard: std}))
}

// Partners.

type partnersData struct {
	Rows []ediapi.Partner
	Next string
}

func (ep *EDIPages) partnersPage(w http.ResponseWriter, r *http.Request) error {
	c := ep.c
	pg, err := web.PageFrom(r)
	if err != nil {
		return c.fail(w, r, err)
	}
	l, err := ep.edi.ListPartners(r.Context(), pg)
	if err != nil {
		return c.fail(w, r, err)
	}
	return c.render(w, r, http.StatusOK, "edi_partners", ep.view(r, "console.edi.partners.title", "/edi",
		partnersData{Rows: l.Items, Next: nextURL(r, l.NextCursor)}))
}

// partnerForm is the profile form as typed; input names are the JSON
// names of edi.Profile.
type partnerForm struct {
	Name, Standard                                                string
	PartnerQual, PartnerID, LocalQual, LocalID                    string
	X12Version, X12GroupVersion                                   string
	EDIFACTSyntax, EDIFACTVersion, EDIFACTAssociation             string
	Ack, DefaultCurrency, TimeZone                                string
	ElementSep, ComponentSep, RepetitionSep, SegmentTerm, Release string
	Test, LineBreak                                               bool
	ReturnsByEDI                                                  bool
}

type partnerData struct {
	ID      string // empty for a new profile
	Form    partnerForm
	Acks    []string
	Example string
}

func partnerFormOf(p edi.Profile) partnerForm {
	return partnerForm{Name: p.Name, Standard: string(p.Standard), PartnerQual: p.PartnerID.Qualifier, PartnerID: p.PartnerID.ID,
		LocalQual: p.LocalID.Qualifier, LocalID: p.LocalID.ID, X12Version: p.X12Version, X12GroupVersion: p.X12GroupVersion,
		EDIFACTSyntax: p.EDIFACTSyntax, EDIFACTVersion: p.EDIFACTVersion, EDIFACTAssociation: p.EDIFACTAssociation,
		Ack: string(p.Ack), DefaultCurrency: p.DefaultCurrency, TimeZone: p.TimeZone, ElementSep: p.ElementSeparator,
		ComponentSep: p.ComponentSeparator, RepetitionSep: p.RepetitionSeparator, SegmentTerm: p.SegmentTerminator,
		Release: p.ReleaseCharacter, Test: p.Test, LineBreak: p.LineBreak, ReturnsByEDI: p.ReturnsByEDI}
}

func readPartnerForm(r *http.Request) partnerForm {
	// Separators are single characters where a space may matter: they are
	// taken as typed, not trimmed.
	return partnerForm{Name: field(r, "name"), Standard: field(r, "standard"),
		PartnerQual: field(r, "partner_id.qualifier"), PartnerID: field(r, "partner_id.id"),
		LocalQual: field(r, "local_id.qualifier"), LocalID: field(r, "local_id.id"),
		X12Version: field(r, "x12_version"), X12GroupVersion: field(r, "x12_group_version"),
		EDIFACTSyntax: field(r, "edifact_syntax"), EDIFACTVersion: field(r, "edifact_version"),
		EDIFACTAssociation: field(r, "edifact_association"), Ack: field(r, "ack"),
		DefaultCurrency: strings.ToUpper(field(r, "default_currency")), TimeZone: field(r, "time_zone"),
		ElementSep: r.PostFormValue("element_separator"), ComponentSep: r.PostFormValue("component_separator"),
		RepetitionSep: r.PostFormValue("repetition_separator"), SegmentTerm: r.PostFormValue("segment_terminator"),
		Release: r.PostFormValue("release_character"),
		Test:    r.PostFormValue("test") != "", LineBreak: r.PostFormValue("line_break") != "",
		ReturnsByEDI: r.PostFormValue("returns_by_edi") != ""}
}

func (f partnerForm) input() ediapi.PartnerInput {
	return ediapi.PartnerInput{Name: f.Name, Standard: edi.Standard(f.Standard),
		PartnerID: edi.Identity{Qualifier: f.PartnerQual, ID: f.PartnerID}, LocalID: edi.Identity{Qualifier: f.LocalQual, ID: f.LocalID},
		X12Version: f.X12Version, X12GroupVersion: f.X12GroupVersion, EDIFACTSyntax: f.EDIFACTSyntax,
		EDIFACTVersion: f.EDIFACTVersion, EDIFACTAssociation: f.EDIFACTAssociation, Ack: edi.AckKind(f.Ack),
		DefaultCurrency: f.DefaultCurrency, TimeZone: f.TimeZone, ElementSeparator: f.ElementSep,
		ComponentSeparator: f.ComponentSep, RepetitionSeparator: f.RepetitionSep, SegmentTerminator: f.SegmentTerm,
		ReleaseCharacter: f.Release, Test: f.Test, LineBreak: f.LineBreak, ReturnsByEDI: f.ReturnsByEDI}
}

var ackKinds = []string{"997", "999", "CONTRL", "none"}

func (ep *EDIPages) renderPartner(w http.ResponseWriter, r *http.Request, status int, d partnerData, err error) error {
	d.Acks = ackKinds
	title := "console.edi.partner.new_title"
	if d.ID != "" {
		title = "console.edi.partner.title"
	}
	v := ep.view(r, title, "/edi", d)
	if err != nil {
		v.Problem, _ = ep.c.problemOf(r, err)
	}
	return ep.c.render(w, r, status, "edi_partner", v)
}

func (ep *EDIPages) newPartnerPage(w http.ResponseWriter, r *http.Request) error {
	return ep.renderPartner(w, r, http.StatusOK, partnerData{Form: partnerForm{Standard: "x12", PartnerQual: "ZZ", LocalQual: "ZZ"}}, nil)
}

func (ep *EDIPages) partnerPage(w http.ResponseWriter, r *http.Request) error {
	p, err := ep.edi.GetPartner(r.Context(), r.PathValue("id"))
	if err != nil {
		return ep.c.fail(w, r, err)
	}
	return ep.renderPartner(w, r, http.StatusOK, partnerData{ID: p.ID, Form: partnerFormOf(p.Profile)}, nil)
}

func (ep *EDIPages) createPartner(w http.ResponseWriter, r *http.Request) error {
	return ep.savePartner(w, r, "")
}

func (ep *EDIPages) updatePartner(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := ep.edi.GetPartner(r.Context(), id); err != nil {
		return ep.c.fail(w, r, err)
	}
	return ep.savePartner(w, r, id)
}

func (ep *EDIPages) savePartner(w http.ResponseWriter, r *http.Request, id string) error {
	c := ep.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	f := readPartnerForm(r)
	var saved ediapi.Partner
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		var err error
		saved, err = ep.edi.SavePartner(ctx, id, f.input())
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		return ep.renderPartner(w, r, statusOf(err), partnerData{ID: id, Form: f}, err)
	}
	return see(w, r, "/edi/partners/"+url.PathEscape(saved.ID)+"?notice=edi_partner_saved")
}

func (ep *EDIPages) deletePartner(w http.ResponseWriter, r *http.Request) error {
	c := ep.c
	err := c.attempt(r.Context(), func(ctx context.Context) error { return ep.edi.DeletePartner(ctx, r.PathValue("id")) })
	if err != nil {
		if !refused(err) {
			return err
		}
		return c.fail(w, r, err)
	}
	return see(w, r, "/edi/partners?notice=edi_partner_deleted")
}
