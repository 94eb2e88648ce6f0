package web

import (
	"encoding"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// The OpenAPI document is generated from the route table, never written by
// hand: a route added to a Router appears in it, with its permission, its
// body types (read by reflection from Route.Request and Route.Response) and
// the problem responses its declaration implies. Only /api/v1 routes are
// documented; the console and the operational endpoints are not the API.

// OpenAPIVersion is the version of the OpenAPI Specification the document
// follows.
const OpenAPIVersion = "3.1.0"

// APIPrefix is the path prefix of the documented, versioned API.
const APIPrefix = "/api/v1"

// OpenAPIInfo describes the API as a whole.
type OpenAPIInfo struct {
	Title       string
	Version     string
	Description string
	// ServerURL, when set, is listed as the document's server.
	ServerURL string
	// SessionCookie names the console's session cookie (default
	// "silkgate_session").
	SessionCookie string
}

// Schemer is implemented by types whose JSON form reflection cannot see —
// a Money that marshals to {"amount": "12.50", "currency": "USD"} from an
// integer of minor units, say. OpenAPISchema returns the JSON Schema of the
// value as a map (type, format, pattern, properties, required, items, enum,
// example, description).
type Schemer interface {
	OpenAPISchema() map[string]any
}

// Schema is a JSON Schema (2020-12, as OpenAPI 3.1 uses it), reduced to
// what Silkgate's types need.
type Schema struct {
	Ref                  string             `json:"$ref,omitempty"`
	Type                 any                `json:"type,omitempty"` // string, or [type, "null"]
	Format               string             `json:"format,omitempty"`
	Title                string             `json:"title,omitempty"`
	Description          string             `json:"description,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	AdditionalProperties *Schema            `json:"additionalProperties,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	AnyOf                []*Schema          `json:"anyOf,omitempty"`
	Enum                 []any              `json:"enum,omitempty"`
	Pattern              string             `json:"pattern,omitempty"`
	Minimum              *float64           `json:"minimum,omitempty"`
	Maximum              *float64           `json:"maximum,omitempty"`
	MinItems             *int               `json:"minItems,omitempty"`
	MaxItems             *int               `json:"maxItems,omitempty"`
	Default              any                `json:"default,omitempty"`
	Example              any                `json:"example,omitempty"`
	XML                  *XMLObject         `json:"xml,omitempty"`

	// order keeps the declaration order of Properties for the reference
	// page (JSON objects have none).
	order []string
}

// XMLObject is OpenAPI's hint on the XML spelling of a schema.
type XMLObject struct {
	Name      string `json:"name,omitempty"`
	Attribute bool   `json:"attribute,omitempty"`
	Wrapped   bool   `json:"wrapped,omitempty"`
}

type oaDoc struct {
	OpenAPI           string                `json:"openapi"`
	Info              oaInfo                `json:"info"`
	JSONSchemaDialect string                `json:"jsonSchemaDialect"`
	Servers           []oaServer            `json:"servers,omitempty"`
	Tags              []oaTag               `json:"tags,omitempty"`
	Paths             map[string]oaPathItem `json:"paths"`
	Components        oaComponents          `json:"components"`
	ops               []*oaOperation        // in route order, for the reference page
	opPaths           map[*oaOperation]string
}

type oaInfo struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
}

type oaServer struct {
	URL string `json:"url"`
}

type oaTag struct {
	Name string `json:"name"`
}

type oaPathItem map[string]*oaOperation

type oaOperation struct {
	OperationID string                 `json:"operationId"`
	Summary     string                 `json:"summary,omitempty"`
	Description string                 `json:"description,omitempty"`
	Tags        []string               `json:"tags,omitempty"`
	Security    *[]map[string][]string `json:"security,omitempty"`
	Parameters  []oaParameter          `json:"parameters,omitempty"`
	RequestBody *oaRequestBody         `json:"requestBody,omitempty"`
	Responses   map[string]*oaResponse `json:"responses"`
	Permission  string                 `json:"x-permission,omitempty"`

	method string
	public bool
}

type oaParameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required"`
	Schema      *Schema `json:"schema"`
}

type oaRequestBody struct {
	Required bool                   `json:"required"`
	Content  map[string]oaMediaType `json:"content"`
}

type oaMediaType struct {
	Schema *Schema `json:"schema"`
}

type oaResponse struct {
	Ref         string                 `json:"$ref,omitempty"`
	Description string                 `json:"description,omitempty"`
	Headers     map[string]oaHeader    `json:"headers,omitempty"`
	Content     map[string]oaMediaType `json:"content,omitempty"`
}

type oaHeader struct {
	Description string  `json:"description,omitempty"`
	Schema      *Schema `json:"schema"`
}

type oaComponents struct {
	Schemas         map[string]*Schema          `json:"schemas"`
	Responses       map[string]*oaResponse      `json:"responses"`
	SecuritySchemes map[string]oaSecurityScheme `json:"securitySchemes"`
}

type oaSecurityScheme struct {
	Type         string `json:"type"`
	Scheme       string `json:"scheme,omitempty"`
	BearerFormat string `json:"bearerFormat,omitempty"`
	In           string `json:"in,omitempty"`
	Name         string `json:"name,omitempty"`
	Description  string `json:"description,omitempty"`
}

// OpenAPI generates the OpenAPI 3.1 document describing every route of
// routes under /api/v1, as indented JSON.
func OpenAPI(info OpenAPIInfo, routes []Route) ([]byte, error) {
	doc, err := buildOpenAPI(info, routes)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("web: openapi: %w", err)
	}
	return append(b, '\n'), nil
}

// Security scheme names.
const (
	schemeBearer  = "bearerAuth"
	schemeSigned  = "signedRequest"
	schemeSession = "sessionCookie"
)

// Reusable problem responses, by status.
var problemResponses = []struct {
	status      int
	name, about string
}{
	{http.StatusBadRequest, "BadRequest", "The body cannot be read: malformed JSON or XML, invalid UTF-8, or empty (code malformed_json, malformed_xml, invalid_utf8, empty_body)."},
	{http.StatusUnauthorized, "Unauthenticated", "No valid credential: send an API key as a bearer token, sign the request, or sign in (codes unauthenticated, bad_signature, stale_request, replayed_request, session_expired)."},
	{http.StatusForbidden, "Forbidden", "The credential's role does not hold the permission this operation needs."},
	{http.StatusNotFound, "NotFound", "The resource does not exist, or belongs to another tenant."},
	{http.StatusConflict, "Conflict", "The request conflicts with the current state, or a request with the same Idempotency-Key is still being processed (idempotency_in_progress)."},
	{http.StatusRequestEntityTooLarge, "TooLarge", "The body exceeds this operation's size limit."},
	{http.StatusUnsupportedMediaType, "UnsupportedMediaType", "The body's Content-Type is not accepted here."},
	{http.StatusUnprocessableEntity, "Invalid", "Validation failed; errors names each field (lines[0].quantity) with a code and a message. Also idempotency_key_reused: the Idempotency-Key was used with a different body."},
	{http.StatusTooManyRequests, "RateLimited", "The API key's rate limit is exceeded; retry after Retry-After seconds."},
}

func problemResponseName(status int) string {
	for _, p := range problemResponses {
		if p.status == status {
			return p.name
		}
	}
	return ""
}

func buildOpenAPI(info OpenAPIInfo, routes []Route) (*oaDoc, error) {
	if info.Title == "" {
		info.Title = "Silkgate API"
	}
	if info.Version == "" {
		info.Version = "v1"
	}
	cookie := info.SessionCookie
	if cookie == "" {
		cookie = "silkgate_session"
	}
	g := newSchemaGen()
	problemRef := g.schema(reflect.TypeFor[ProblemDoc]())
	describeProblem(g.components["Problem"], g.components["ProblemField"])
	doc := &oaDoc{
		OpenAPI:           OpenAPIVersion,
		Info:              oaInfo{Title: info.Title, Version: info.Version, Description: info.Description},
		JSONSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
		Paths:             map[string]oaPathItem{},
		opPaths:           map[*oaOperation]string{},
		Components: oaComponents{
			Schemas:   g.components,
			Responses: map[string]*oaResponse{},
			SecuritySchemes: map[string]oaSecurityScheme{
				schemeBearer: {Type: "http", Scheme: "bearer", BearerFormat: "API key (sk_live_…, sk_test_…) or session token",
					Description: "Authorization: Bearer <api key>, or the token returned by POST /api/v1/auth/login."},
				schemeSigned: {Type: "apiKey", In: "header", Name: "Silkgate-Signature",
					Description: "Signed request: send Silkgate-Key-Id, Silkgate-Timestamp (unix seconds), Silkgate-Nonce (16 to 64 characters) and Silkgate-Signature: v1=<hex HMAC-SHA256(signing_secret, METHOD \\n PATH_WITH_QUERY \\n TIMESTAMP \\n NONCE \\n hex(SHA-256(body)))>."},
				schemeSession: {Type: "apiKey", In: "cookie", Name: cookie,
					Description: "The console's session cookie, set when signing in to the console."},
			},
		},
	}
	if info.ServerURL != "" {
		doc.Servers = []oaServer{{URL: info.ServerURL}}
	}
	problemContent := map[string]oaMediaType{
		"application/problem+json": {Schema: problemRef},
		"application/problem+xml":  {Schema: problemRef},
	}
	for _, p := range problemResponses {
		resp := &oaResponse{Description: p.about, Content: problemContent}
		if p.status == http.StatusTooManyRequests {
			resp.Headers = map[string]oaHeader{"Retry-After": {Description: "Seconds to wait before retrying.",
				Schema: &Schema{Type: "integer", Minimum: ptr(1.0)}}}
		}
		doc.Components.Responses[p.name] = resp
	}
	doc.Components.Responses["Error"] = &oaResponse{Description: "Any other failure, as a problem document (RFC 9457).", Content: problemContent}

	sorted := append([]Route(nil), routes...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Path != sorted[j].Path {
			return sorted[i].Path < sorted[j].Path
		}
		return methodRank(sorted[i].Method) < methodRank(sorted[j].Method)
	})
	tags := map[string]bool{}
	opIDs := map[string]bool{}
	for _, rt := range sorted {
		path, params, ok := openAPIPath(rt.Path)
		if !ok || rt.Method == "" {
			continue
		}
		op := buildOperation(g, rt, params, problemContent)
		id := op.OperationID
		for n := 2; opIDs[op.OperationID]; n++ {
			op.OperationID = id + strconv.Itoa(n)
		}
		opIDs[op.OperationID] = true
		item := doc.Paths[path]
		if item == nil {
			item = oaPathItem{}
			doc.Paths[path] = item
		}
		item[strings.ToLower(rt.Method)] = op
		doc.ops = append(doc.ops, op)
		doc.opPaths[op] = path
		for _, t := range op.Tags {
			tags[t] = true
		}
	}
	for t := range tags {
		doc.Tags = append(doc.Tags, oaTag{Name: t})
	}
	sort.Slice(doc.Tags, func(i, j int) bool { return doc.Tags[i].Name < doc.Tags[j].Name })
	if g.err != nil {
		return nil, g.err
	}
	return doc, nil
}

// describeProblem documents the fields of the problem document.
func describeProblem(p, f *Schema) {
	set := func(s *Schema, name, desc string) {
		if s != nil && s.Properties[name] != nil {
			cp := *s.Properties[name]
			cp.Description = desc
			s.Properties[name] = &cp
		}
	}
	if p != nil {
		p.Description = "An RFC 9457 problem document."
	}
	set(p, "type", "URI identifying the kind of problem.")
	set(p, "title", "Short summary, in the language negotiated by Accept-Language.")
	set(p, "status", "The HTTP status.")
	set(p, "detail", "Explanation of this occurrence, localised.")
	set(p, "code", "Stable machine-readable code, e.g. not_found, validation_failed.")
	set(p, "errors", "The fields at fault, for validation failures.")
	set(p, "request_id", "The request's X-Request-Id; quote it to support.")
	set(f, "field", "Path of the input at fault, e.g. lines[0].quantity; empty for the body as a whole.")
	set(f, "code", "Stable validation code, e.g. required, invalid_type, unknown_field.")
	set(f, "message", "What is wrong and how to fix it, localised.")
}

func methodRank(m string) int {
	for i, x := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		if strings.EqualFold(m, x) {
			return i
		}
	}
	return 99
}

func ptr[T any](v T) *T { return &v }

// pathParam is one {name} of a route's path.
type pathParam struct {
	name  string
	multi bool // {name...}: the rest of the path, slashes included
}

// openAPIPath converts a ServeMux pattern path to OpenAPI's form: {id} stays,
// {rest...} becomes {rest} (a parameter that may hold slashes), {$} is
// dropped. It reports false for paths outside the versioned API.
func openAPIPath(p string) (string, []pathParam, bool) {
	if i := strings.IndexByte(p, '/'); i > 0 {
		p = p[i:] // a host-qualified pattern
	}
	if p != APIPrefix && !strings.HasPrefix(p, APIPrefix+"/") {
		return "", nil, false
	}
	segs := strings.Split(p, "/")
	var params []pathParam
	out := segs[:0]
	for _, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			name := s[1 : len(s)-1]
			if name == "$" {
				out = append(out, "")
				continue
			}
			pp := pathParam{name: strings.TrimSuffix(name, "...")}
			pp.multi = pp.name != name
			params = append(params, pp)
			out = append(out, "{"+pp.name+"}")
			continue
		}
		out = append(out, s)
	}
	return strings.Join(out, "/"), params, true
}

// operationID spells method and path as one identifier:
// GET /api/v1/orders/{id} → getOrdersById.
func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	rest := strings.TrimPrefix(path, APIPrefix)
	if strings.Trim(rest, "/") == "" {
		b.WriteString("Root")
	}
	for _, seg := range strings.Split(rest, "/") {
		if seg == "" {
			continue
		}
		if strings.HasPrefix(seg, "{") {
			b.WriteString("By")
			seg = strings.Trim(seg, "{}.")
		}
		upper := true
		for _, r := range seg {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				upper = true
				continue
			}
			if upper {
				r = unicode.ToUpper(r)
				upper = false
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

func buildOperation(g *schemaGen, rt Route, params []pathParam, problemContent map[string]oaMediaType) *oaOperation {
	path, _, _ := openAPIPath(rt.Path)
	method := strings.ToUpper(rt.Method)
	op := &oaOperation{
		OperationID: operationID(method, path),
		Summary:     rt.Summary,
		Description: rt.Description,
		Responses:   map[string]*oaResponse{},
		method:      method,
		public:      rt.Public,
	}
	tag := rt.Tag
	if tag == "" {
		tag, _, _ = strings.Cut(strings.TrimPrefix(path, APIPrefix+"/"), "/")
	}
	if tag != "" {
		op.Tags = []string{tag}
	}
	if rt.Public {
		op.Security = &[]map[string][]string{}
	} else {
		op.Security = &[]map[string][]string{{schemeBearer: {}}, {schemeSigned: {}}, {schemeSession: {}}}
		op.Permission = rt.Perm
	}
	for _, p := range params {
		desc := ""
		if p.multi {
			desc = "The rest of the path; may contain slashes."
		}
		op.Parameters = append(op.Parameters, oaParameter{Name: p.name, In: "path", Required: true,
			Description: desc, Schema: &Schema{Type: "string"}})
	}
	isList := isListType(reflect.TypeOf(rt.Response))
	if isList {
		op.Parameters = append(op.Parameters,
			oaParameter{Name: "limit", In: "query", Description: fmt.Sprintf("Page size, 1 to %d.", MaxLimit),
				Schema: &Schema{Type: "integer", Minimum: ptr(1.0), Maximum: ptr(float64(MaxLimit)), Default: DefaultLimit}},
			oaParameter{Name: "cursor", In: "query", Description: "next_cursor from the previous page.",
				Schema: &Schema{Type: "string"}})
	}
	for _, q := range rt.Query {
		typ := q.Type
		if typ == "" {
			typ = "string"
		}
		s := &Schema{Type: typ}
		for _, e := range q.Enum {
			s.Enum = append(s.Enum, e)
		}
		op.Parameters = append(op.Parameters, oaParameter{Name: q.Name, In: "query", Required: q.Required,
			Description: q.Description, Schema: s})
	}
	writes := isWrite(method)
	if writes && !rt.Public && (!rt.Stream || rt.KeepsIdempotency) {
		op.Parameters = append(op.Parameters, oaParameter{Name: "Idempotency-Key", In: "header",
			Description: "Makes a retry safe: a repeat with the same key and body returns the first response (with Idempotent-Replayed: true) instead of acting twice. Keys are scoped to the credential and kept for 24 hours.",
			Schema:      &Schema{Type: "string", Pattern: "^[\\x20-\\x7E]{1,255}$"}})
	}

	hasBody := rt.Request != nil || len(rt.Consumes) > 0
	if hasBody {
		var s *Schema
		if rt.Request != nil {
			s = g.schema(bodyType(rt.Request))
		} else {
			s = &Schema{Type: "string", Description: "See the operation's description for the format."}
		}
		consumes := rt.Consumes
		if len(consumes) == 0 {
			consumes = []string{"application/json", "application/xml"}
		}
		rb := &oaRequestBody{Required: true, Content: map[string]oaMediaType{}}
		for _, c := range consumes {
			rb.Content[c] = oaMediaType{Schema: s}
		}
		op.RequestBody = rb
	}

	status := rt.Status
	if status == 0 {
		status = http.StatusOK
	}
	ok := &oaResponse{Description: http.StatusText(status)}
	if rt.Response != nil && status != http.StatusNoContent {
		s := g.schema(bodyType(rt.Response))
		produces := rt.Produces
		if len(produces) == 0 {
			produces = []string{"application/json", "application/xml"}
		}
		ok.Content = map[string]oaMediaType{}
		for _, c := range produces {
			ok.Content[c] = oaMediaType{Schema: s}
		}
	}
	op.Responses[strconv.Itoa(status)] = ok

	add := func(status int) {
		if name := problemResponseName(status); name != "" {
			op.Responses[strconv.Itoa(status)] = &oaResponse{Ref: "#/components/responses/" + name}
			return
		}
		op.Responses[strconv.Itoa(status)] = &oaResponse{Description: http.StatusText(status), Content: problemContent}
	}
	if hasBody {
		add(http.StatusBadRequest)
		add(http.StatusRequestEntityTooLarge)
		add(http.StatusUnsupportedMediaType)
	}
	if hasBody || isList || len(rt.Query) > 0 {
		add(http.StatusUnprocessableEntity)
	}
	if !rt.Public {
		add(http.StatusUnauthorized)
		add(http.StatusForbidden)
		add(http.StatusTooManyRequests)
		if writes && !rt.Stream {
			add(http.StatusConflict)
			add(http.StatusUnprocessableEntity)
		}
	}
	if len(params) > 0 {
		add(http.StatusNotFound)
	}
	for _, s := range rt.Errors {
		if s >= 400 && s <= 599 {
			add(s)
		}
	}
	op.Responses["default"] = &oaResponse{Ref: "#/components/responses/Error"}
	return op
}

// bodyType is the type of a declared body; a pointer stands for its
// element (a handler's nil is not part of the contract).
func bodyType(v any) reflect.Type {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

var listMarker = reflect.TypeFor[interface{ xmlList() (any, string, string) }]()

func isListType(t reflect.Type) bool {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t != nil && t.Kind() == reflect.Struct && t.Implements(listMarker)
}

// schemaGen turns Go types into schemas, naming struct types as components.
type schemaGen struct {
	components map[string]*Schema
	names      map[reflect.Type]string
	taken      map[string]reflect.Type
	err        error
}

func newSchemaGen() *schemaGen {
	g := &schemaGen{components: map[string]*Schema{}, names: map[reflect.Type]string{}, taken: map[string]reflect.Type{}}
	// The problem document keeps the name the specification gives it.
	g.names[reflect.TypeFor[ProblemDoc]()] = "Problem"
	g.taken["Problem"] = reflect.TypeFor[ProblemDoc]()
	return g
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	durationType  = reflect.TypeFor[time.Duration]()
	rawType       = reflect.TypeFor[json.RawMessage]()
	numberType    = reflect.TypeFor[json.Number]()
	schemerType   = reflect.TypeFor[Schemer]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

func nullable(s *Schema) *Schema {
	switch t := s.Type.(type) {
	case string:
		cp := *s
		cp.Type = []string{t, "null"}
		return &cp
	case nil:
		if s.Ref != "" || len(s.AnyOf) > 0 {
			return &Schema{AnyOf: []*Schema{s, {Type: "null"}}}
		}
	}
	return s
}

func (g *schemaGen) schema(t reflect.Type) *Schema {
	if t == nil {
		return &Schema{}
	}
	if t.Kind() == reflect.Pointer {
		return nullable(g.schema(t.Elem()))
	}
	if s, ok := g.custom(t); ok {
		return s
	}
	switch t {
	case timeType:
		return &Schema{Type: "string", Format: "date-time"}
	case durationType:
		return &Schema{Type: "integer", Format: "int64", Description: "Nanoseconds."}
	case rawType:
		return &Schema{}
	case numberType:
		return &Schema{Type: "number"}
	}
	if t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(textMarshaler) {
		if !t.Implements(jsonMarshaler) && !reflect.PointerTo(t).Implements(jsonMarshaler) {
			return &Schema{Type: "string"}
		}
	}
	switch t.Kind() {
	case reflect.Bool:
		return &Schema{Type: "boolean"}
	case reflect.Int8, reflect.Int16, reflect.Int32:
		return &Schema{Type: "integer", Format: "int32"}
	case reflect.Int, reflect.Int64:
		return &Schema{Type: "integer", Format: "int64"}
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return &Schema{Type: "integer", Format: "int32", Minimum: ptr(0.0)}
	case reflect.Uint, reflect.Uint64, reflect.Uintptr:
		return &Schema{Type: "integer", Format: "int64", Minimum: ptr(0.0)}
	case reflect.Float32:
		return &Schema{Type: "number", Format: "float"}
	case reflect.Float64:
		return &Schema{Type: "number", Format: "double"}
	case reflect.String:
		return &Schema{Type: "string"}
	case reflect.Interface:
		return &Schema{}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return &Schema{Type: "string", Format: "byte"}
		}
		s := &Schema{Type: "array", Items: g.schema(t.Elem())}
		if t.Kind() == reflect.Array {
			s.MinItems, s.MaxItems = ptr(t.Len()), ptr(t.Len())
		}
		return s
	case reflect.Map:
		return &Schema{Type: "object", AdditionalProperties: g.schema(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		name, fresh := g.componentName(t)
		if fresh {
			g.components[name] = &Schema{} // placeholder: recursive types refer to it
			s := g.object(t)
			s.Title = name
			if isListType(t) {
				s.XML = &XMLObject{Name: "items"}
			} else {
				s.XML = &XMLObject{Name: xmlRootName(reflect.Zero(t).Interface())}
			}
			g.components[name] = s
		}
		return &Schema{Ref: "#/components/schemas/" + name}
	}
	// Channels, functions and complex numbers cannot be JSON; say so
	// rather than document them wrongly.
	if g.err == nil {
		g.err = fmt.Errorf("web: openapi: type %s has no JSON form", t)
	}
	return &Schema{}
}

var jsonMarshaler = reflect.TypeFor[json.Marshaler]()

// custom asks a type that implements Schemer for its schema.
func (g *schemaGen) custom(t reflect.Type) (*Schema, bool) {
	var v reflect.Value
	switch {
	case t.Implements(schemerType):
		v = reflect.Zero(t)
		if t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface {
			return nil, false
		}
	case reflect.PointerTo(t).Implements(schemerType):
		v = reflect.New(t)
	default:
		return nil, false
	}
	m := v.Interface().(Schemer).OpenAPISchema()
	b, err := json.Marshal(m)
	if err != nil {
		g.err = fmt.Errorf("web: openapi: schema of %s: %w", t, err)
		return &Schema{}, true
	}
	s := &Schema{}
	if err := json.Unmarshal(b, s); err != nil {
		g.err = fmt.Errorf("web: openapi: schema of %s: %w", t, err)
		return &Schema{}, true
	}
	return s, true
}

// componentName names t's component schema: its Go name, a generic
// instance after its arguments (List[orders.Order] → OrderList), and the
// package name in front when two packages use the same name. fresh is true
// the first time t is seen.
func (g *schemaGen) componentName(t reflect.Type) (name string, fresh bool) {
	if n, ok := g.names[t]; ok {
		_, built := g.components[n]
		return n, !built
	}
	base := componentBase(t.Name())
	name = base
	if other, ok := g.taken[name]; ok && other != t {
		pkg := t.PkgPath()
		if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
			pkg = pkg[i+1:]
		}
		name = exportName(pkg) + base
		for n := 2; g.taken[name] != nil; n++ {
			name = exportName(pkg) + base + strconv.Itoa(n)
		}
	}
	g.names[t] = name
	g.taken[name] = t
	return name, true
}

// componentBase spells a Go type name as a component name:
// List[github.com/x/orders.Order] → OrderList, Pair[a.B,c.D] → PairBD.
func componentBase(name string) string {
	open := strings.IndexByte(name, '[')
	if open < 0 {
		return sanitizeName(name)
	}
	base, args := stripPkg(name[:open]), name[open+1:len(name)-1]
	var parts []string
	depth, start := 0, 0
	for i, r := range args {
		switch r {
		case '[':
			depth++
		case ']':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, args[start:i])
				start = i + 1
			}
		}
	}
	parts = append(parts, args[start:])
	var b strings.Builder
	for _, p := range parts {
		p = strings.TrimSpace(p)
		prefix := ""
		for strings.HasPrefix(p, "[]") || strings.HasPrefix(p, "*") {
			if strings.HasPrefix(p, "[]") {
				prefix += "Array"
				p = p[2:]
			} else {
				p = p[1:]
			}
		}
		switch {
		case strings.IndexByte(p, '[') >= 0:
			p = componentBase(p)
		case strings.ContainsAny(p, "./"):
			p = sanitizeName(stripPkg(p))
		default: // a predeclared type: int → Int
			p = exportName(sanitizeName(p))
		}
		b.WriteString(p + prefix)
	}
	if base == "List" {
		return b.String() + "List"
	}
	return sanitizeName(base) + b.String()
}

// stripPkg drops the package path of a qualified type name:
// github.com/x/orders.Order → Order.
func stripPkg(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

func sanitizeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.') {
			return r
		}
		return -1
	}, s)
}

func exportName(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// object builds the schema of a struct from its JSON fields.
func (g *schemaGen) object(t reflect.Type) *Schema {
	s := &Schema{Type: "object", Properties: map[string]*Schema{}}
	list := isListType(t)
	g.fields(t, s, list, map[reflect.Type]bool{})
	if len(s.Properties) == 0 {
		s.Properties = nil
	}
	return s
}

func (g *schemaGen) fields(t reflect.Type, s *Schema, list bool, seen map[reflect.Type]bool) {
	if seen[t] {
		return
	}
	seen[t] = true
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, s, list, seen)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		var fs *Schema
		if hasOpt(opts, "string") && isScalarKind(f.Type) {
			fs = &Schema{Type: "string"}
		} else {
			fs = g.schema(f.Type)
		}
		if fs.Type == "array" && fs.Items != nil {
			cp := *fs
			item := *cp.Items
			item.XML = &XMLObject{Name: singular(name)}
			if list && name == "items" {
				item.XML = &XMLObject{Name: xmlItemName(f.Type.Elem())}
				cp.XML = nil
			} else {
				cp.XML = &XMLObject{Wrapped: true}
			}
			cp.Items = &item
			fs = &cp
		}
		if list && name == "next_cursor" {
			cp := *fs
			cp.XML = &XMLObject{Attribute: true}
			fs = &cp
		}
		if _, dup := s.Properties[name]; !dup {
			s.order = append(s.order, name)
		}
		s.Properties[name] = fs
		if !hasOpt(opts, "omitempty") && !hasOpt(opts, "omitzero") && !contains(s.Required, name) {
			s.Required = append(s.Required, name)
		}
	}
}

func isScalarKind(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.String:
		return true
	}
	return false
}

func hasOpt(opts, want string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// docsCache regenerates a document only when the route table has grown
// (routes are only ever added). The byte slices it hands out are never
// modified afterwards.
type docsCache struct {
	info   OpenAPIInfo
	routes func() []Route

	mu         sync.Mutex
	n          int
	json, html []byte
}

func (c *docsCache) get() (jsonDoc, htmlDoc []byte, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	routes := c.routes()
	if c.json != nil && len(routes) == c.n {
		return c.json, c.html, nil
	}
	doc, err := buildOpenAPI(c.info, routes)
	if err != nil {
		return nil, nil, err
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, nil, fmt.Errorf("web: openapi: %w", err)
	}
	h, err := renderDocs(doc)
	if err != nil {
		return nil, nil, err
	}
	c.n, c.json, c.html = len(routes), append(b, '\n'), h
	return c.json, c.html, nil
}

// OpenAPIHandler serves the OpenAPI document of the routes that routes
// returns when asked (pass Router.Routes), so the document always matches
// the route table.
func OpenAPIHandler(info OpenAPIInfo, routes func() []Route) H {
	c := &docsCache{info: info, routes: routes}
	return func(w http.ResponseWriter, r *http.Request) error {
		doc, _, err := c.get()
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		_, err = w.Write(doc)
		return err
	}
}

// DocsHandler serves the API reference: a self-contained HTML page (no
// scripts, no external assets) rendered from the same document as
// OpenAPIHandler.
func DocsHandler(info OpenAPIInfo, routes func() []Route) H {
	c := &docsCache{info: info, routes: routes}
	return func(w http.ResponseWriter, r *http.Request) error {
		_, page, err := c.get()
		if err != nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		_, err = w.Write(page)
		return err
	}
}

// MountAPIDocs registers GET /api/openapi.json and GET /api/docs, public,
// describing rt's own /api/v1 routes — including those registered later.
func (rt *Router) MountAPIDocs(info OpenAPIInfo) {
	rt.Handle(Route{Method: http.MethodGet, Path: "/api/openapi.json", Public: true, Tag: "meta",
		Summary: "OpenAPI 3.1 document of the API", Handler: OpenAPIHandler(info, rt.Routes)})
	rt.Handle(Route{Method: http.MethodGet, Path: "/api/docs", Public: true, Tag: "meta",
		Summary: "API reference", Handler: DocsHandler(info, rt.Routes)})
}
