package console

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/compliance/hs"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// HSRoutes registers the "suggest an HS code" helper: a product title in,
// suggested HS subheadings out (package hs). The product form links to it
// with the product's title (/compliance/hs?title=…&product=<id>); the
// helper links back to the form, so the code is typed there by a person
// who has read the description — a suggestion is not a classification.
func (c *Console) HSRoutes(rt *web.Router) {
	rt.Handle(web.Route{Method: "GET", Path: "/compliance/hs", Perm: identity.PermComplianceRead, Page: true,
		Tag: "console", Summary: "Console page", Handler: c.hsPage})
}

type hsData struct {
	Title    string
	Searched bool
	TooLong  bool
	Items    []hsRow
	// ProductID and Back are the product whose form opened the helper,
	// and that form.
	ProductID, Back string
}

type hsRow struct {
	hs.Suggestion
	Percent int
	Heading string
	Chapter string
}

func (c *Console) hsPage(w http.ResponseWriter, r *http.Request) error {
	d := hsData{Title: strings.TrimSpace(r.URL.Query().Get("title"))}
	if id := r.URL.Query().Get("product"); id != "" && !strings.ContainsAny(id, "/?#\\") {
		d.ProductID, d.Back = id, "/products/"+id+"/edit"
	}
	switch {
	case d.Title == "":
	case utf8.RuneCountInString(d.Title) > hs.MaxTitleRunes:
		d.TooLong = true
	default:
		cl, err := hs.Default()
		if err != nil {
			return c.fail(w, r, err)
		}
		d.Searched = true
		for _, s := range cl.Suggest(d.Title, 8) {
			row := hsRow{Suggestion: s, Percent: int(s.Confidence*100 + 0.5), Heading: s.Heading.Code}
			for _, n := range s.Path {
				if n.Level == hs.LevelChapter {
					row.Chapter = n.Code + " " + n.Description
				}
			}
			d.Items = append(d.Items, row)
		}
	}
	return c.render(w, r, http.StatusOK, "hs", c.newView(r, "console.hs.title", "/compliance", d))
}
