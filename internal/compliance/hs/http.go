package hs

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// permRead is identity's compliance.read, repeated so that this package
// does not depend on identity.
const permRead = "compliance.read"

// Limits of GET /api/v1/compliance/hs/suggest.
const (
	DefaultLimit  = 5
	MaxLimit      = 20
	MaxTitleRunes = 500
)

// SuggestResponse is the answer to GET /api/v1/compliance/hs/suggest.
type SuggestResponse struct {
	Title string       `json:"title"`
	Items []Suggestion `json:"items"`
}

// XMLRoot names the XML root element of suggestions.
func (SuggestResponse) XMLRoot() string { return "hs_suggestions" }

// Routes registers the HS API. The nomenclature and glossary are built on
// the first request, not at start-up.
func Routes(rt *web.Router) {
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/compliance/hs/suggest", Perm: permRead, Tag: "compliance",
		Summary: "Suggest HS subheadings for a product title (English or Chinese)",
		Query: []web.Param{
			{Name: "title", Required: true, Description: "the product title, up to 500 characters"},
			{Name: "limit", Type: "integer", Description: "suggestions to return, 1 to 20 (default 5)"},
		},
		Description: "Reads the title (English words stemmed; Chinese segmented over a bilingual glossary of common " +
			"cross-border product terms) and ranks HS 2022 subheadings by BM25 over their descriptions with their " +
			"heading, chapter and section as context, favouring headings the glossary names. Each suggestion has the " +
			"6-digit code, its description, the path from the section, a confidence (its share of the leading " +
			"scores) and the words that matched. A help for classification, not a ruling.",
		Response: SuggestResponse{}, Handler: handleSuggest})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/compliance/hs/{code}", Perm: permRead, Tag: "compliance",
		Summary: "Describe an HS code (2, 4 or 6 digits; longer national codes are read at 6)",
		Description: "The description, the path from the section down to the code, and the codes directly " +
			"below it. Dots and spaces are ignored (9503.00).",
		Response: Entry{}, Handler: handleLookup})
}

func handleSuggest(w http.ResponseWriter, r *http.Request) error {
	qs := r.URL.Query()
	title := strings.TrimSpace(qs.Get("title"))
	limit := DefaultLimit
	var fs problem.Errors
	switch {
	case title == "":
		fs.Add("title", "required")
	case utf8.RuneCountInString(title) > MaxTitleRunes:
		fs.Add("title", "max_length", "max", MaxTitleRunes)
	}
	if v := qs.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			fs.Add("limit", "out_of_range", "min", 1, "max", MaxLimit)
		}
		limit = n
	}
	if err := fs.Err(); err != nil {
		return err
	}
	c, err := Default()
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, SuggestResponse{Title: title, Items: c.Suggest(title, limit)})
}

func handleLookup(w http.ResponseWriter, r *http.Request) error {
	code, ok := Normalize(r.PathValue("code"))
	if !ok {
		return problem.Invalid(problem.Field{Field: "code", Code: "invalid_hs_prefix"})
	}
	n, err := Load()
	if err != nil {
		return err
	}
	e, ok := n.Lookup(code)
	if !ok {
		return problem.ErrNotFound
	}
	return web.Respond(w, r, http.StatusOK, e)
}
