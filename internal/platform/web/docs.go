package web

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"
)

// The API reference page is rendered from the OpenAPI document itself, so
// the two cannot disagree. It is one self-contained HTML file: inline
// styles, no scripts, no external assets, readable offline and printable.

//go:embed docs.html.tmpl
var docsTemplate string

var docsTmpl = template.Must(template.New("docs").Funcs(template.FuncMap{
	"lower": strings.ToLower,
}).Parse(docsTemplate))

type docsView struct {
	Title, Version, Description string
	Tags                        []docsTag
	Schemes                     []docsScheme
	Problems                    []docsProblem
	Schemas                     []docsSchema
	Prefix                      string
	MaxLimit, DefaultLimit      int
}

type docsTag struct {
	Name string
	Ops  []docsOp
}

type docsScheme struct{ Name, Kind, Description string }

type docsProblem struct {
	Status      int
	Name, About string
}

type docsOp struct {
	ID, Method, Path, Summary, Description, Permission string
	Public                                             bool
	Params                                             []docsParam
	Body                                               []docsPart
	BodyFields                                         []docsField
	Consumes                                           []string
	Responses                                          []docsResp
}

type docsParam struct {
	Name, In, Description string
	Type                  []docsPart
	Required              bool
}

type docsResp struct {
	Status, Description string
	Type                []docsPart
	Produces            []string
	Problem             bool
}

type docsSchema struct {
	Name, XMLName string
	Type          []docsPart
	Fields        []docsField
}

type docsField struct {
	Name        string
	Type        []docsPart
	Required    bool
	Description string
}

// docsPart is a piece of a rendered type: text, linked to a schema when
// Link is set.
type docsPart struct{ Text, Link string }

func renderDocs(doc *oaDoc) ([]byte, error) {
	v := docsView{
		Title: doc.Info.Title, Version: doc.Info.Version, Description: doc.Info.Description,
		Prefix: APIPrefix, MaxLimit: MaxLimit, DefaultLimit: DefaultLimit,
	}
	for _, name := range []string{schemeBearer, schemeSigned, schemeSession} {
		s := doc.Components.SecuritySchemes[name]
		kind := s.Type
		switch {
		case s.Scheme == "bearer":
			kind = "Authorization: Bearer"
		case s.In == "header":
			kind = "header " + s.Name
		case s.In == "cookie":
			kind = "cookie " + s.Name
		}
		v.Schemes = append(v.Schemes, docsScheme{Name: name, Kind: kind, Description: s.Description})
	}
	for _, p := range problemResponses {
		v.Problems = append(v.Problems, docsProblem{Status: p.status, Name: p.name, About: p.about})
	}

	byTag := map[string]*docsTag{}
	var tagNames []string
	for _, op := range doc.ops {
		tag := "other"
		if len(op.Tags) > 0 {
			tag = op.Tags[0]
		}
		t := byTag[tag]
		if t == nil {
			t = &docsTag{Name: tag}
			byTag[tag] = t
			tagNames = append(tagNames, tag)
		}
		t.Ops = append(t.Ops, docsOperation(doc, op))
	}
	sort.Strings(tagNames)
	for _, n := range tagNames {
		v.Tags = append(v.Tags, *byTag[n])
	}

	names := make([]string, 0, len(doc.Components.Schemas))
	for n := range doc.Components.Schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := doc.Components.Schemas[n]
		ds := docsSchema{Name: n, Type: typeParts(s)}
		if s.XML != nil {
			ds.XMLName = s.XML.Name
		}
		ds.Fields = fieldRows(s, "")
		v.Schemas = append(v.Schemas, ds)
	}
	var buf bytes.Buffer
	if err := docsTmpl.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("web: render api reference: %w", err)
	}
	return buf.Bytes(), nil
}

func docsOperation(doc *oaDoc, op *oaOperation) docsOp {
	d := docsOp{ID: op.OperationID, Method: op.method, Path: doc.opPaths[op], Summary: op.Summary,
		Description: op.Description, Permission: op.Permission, Public: op.public}
	for _, p := range op.Parameters {
		d.Params = append(d.Params, docsParam{Name: p.Name, In: p.In, Description: p.Description,
			Type: typeParts(p.Schema), Required: p.Required})
	}
	if rb := op.RequestBody; rb != nil {
		for mt, c := range rb.Content {
			d.Consumes = append(d.Consumes, mt)
			if d.Body == nil {
				d.Body = typeParts(c.Schema)
				if c.Schema.Ref == "" {
					d.BodyFields = fieldRows(c.Schema, "")
				}
			}
		}
		sort.Strings(d.Consumes)
	}
	codes := make([]string, 0, len(op.Responses))
	for c := range op.Responses {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		a, errA := strconv.Atoi(codes[i])
		b, errB := strconv.Atoi(codes[j])
		if errA != nil || errB != nil {
			return errB != nil && errA == nil
		}
		return a < b
	})
	for _, c := range codes {
		r := op.Responses[c]
		dr := docsResp{Status: c}
		if r.Ref != "" {
			name := strings.TrimPrefix(r.Ref, "#/components/responses/")
			r = doc.Components.Responses[name]
			dr.Problem = true
		}
		if r == nil {
			continue
		}
		dr.Description = r.Description
		for mt, m := range r.Content {
			dr.Produces = append(dr.Produces, mt)
			if dr.Type == nil {
				dr.Type = typeParts(m.Schema)
			}
		}
		sort.Strings(dr.Produces)
		d.Responses = append(d.Responses, dr)
	}
	return d
}

// fieldRows lists an object's properties in declaration order, expanding
// inline (anonymous) objects as dotted rows.
func fieldRows(s *Schema, prefix string) []docsField {
	if s == nil || len(s.Properties) == 0 {
		return nil
	}
	order := s.order
	if len(order) != len(s.Properties) {
		order = order[:0:0]
		for n := range s.Properties {
			order = append(order, n)
		}
		sort.Strings(order)
	}
	var rows []docsField
	for _, n := range order {
		p := s.Properties[n]
		rows = append(rows, docsField{Name: prefix + n, Type: typeParts(p), Required: contains(s.Required, n),
			Description: p.Description})
		switch {
		case p.Ref == "" && len(p.Properties) > 0:
			rows = append(rows, fieldRows(p, prefix+n+".")...)
		case p.Items != nil && p.Items.Ref == "" && len(p.Items.Properties) > 0:
			rows = append(rows, fieldRows(p.Items, prefix+n+"[].")...)
		}
	}
	return rows
}

// typeParts spells a schema's type for a reader: "array of Line",
// "string (date-time) or null", "map of string to integer".
func typeParts(s *Schema) []docsPart {
	if s == nil {
		return []docsPart{{Text: "any"}}
	}
	if s.Ref != "" {
		name := strings.TrimPrefix(s.Ref, "#/components/schemas/")
		return []docsPart{{Text: name, Link: name}}
	}
	if len(s.AnyOf) > 0 {
		var out []docsPart
		for i, a := range s.AnyOf {
			if i > 0 {
				out = append(out, docsPart{Text: " or "})
			}
			out = append(out, typeParts(a)...)
		}
		return out
	}
	var types []string
	switch t := s.Type.(type) {
	case string:
		types = []string{t}
	case []string:
		types = t
	case []any:
		for _, x := range t {
			types = append(types, fmt.Sprint(x))
		}
	}
	if len(types) == 0 {
		return []docsPart{{Text: "any"}}
	}
	var out []docsPart
	for i, t := range types {
		if i > 0 {
			out = append(out, docsPart{Text: " or "})
		}
		switch t {
		case "array":
			out = append(out, docsPart{Text: "array of "})
			out = append(out, typeParts(s.Items)...)
		case "object":
			if s.AdditionalProperties != nil {
				out = append(out, docsPart{Text: "map of string to "})
				out = append(out, typeParts(s.AdditionalProperties)...)
			} else {
				out = append(out, docsPart{Text: "object"})
			}
		default:
			text := t
			if s.Format != "" {
				text += " (" + s.Format + ")"
			}
			out = append(out, docsPart{Text: text})
		}
	}
	if len(s.Enum) > 0 {
		vals := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			vals[i] = fmt.Sprint(e)
		}
		out = append(out, docsPart{Text: ": one of " + strings.Join(vals, ", ")})
	}
	return out
}
