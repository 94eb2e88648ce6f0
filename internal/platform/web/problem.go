package web

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/silkgate/silkgate/internal/platform/i18n"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// ProblemDoc is the RFC 9457 body.
type ProblemDoc struct {
	XMLName   xml.Name       `json:"-" xml:"problem"`
	Type      string         `json:"type" xml:"type"`
	Title     string         `json:"title" xml:"title"`
	Status    int            `json:"status" xml:"status"`
	Detail    string         `json:"detail" xml:"detail"`
	Code      string         `json:"code" xml:"code"`
	Errors    []ProblemField `json:"errors,omitempty" xml:"errors>error,omitempty"`
	RequestID string         `json:"request_id" xml:"request_id"`
}

// ProblemField is one entry of "errors".
type ProblemField struct {
	Field   string `json:"field" xml:"field"`
	Code    string `json:"code" xml:"code"`
	Message string `json:"message" xml:"message"`
}

// Localize turns err into a problem document in lang.
func Localize(c *i18n.Catalog, lang string, err error, requestID string) ProblemDoc {
	pe, ok := problem.As(err)
	if !ok {
		pe = problem.ErrInternal
	}
	d := ProblemDoc{
		Type:      "https://silkgate.dev/problems/" + pe.Code,
		Status:    pe.Status,
		Code:      pe.Code,
		RequestID: requestID,
		Title:     http.StatusText(pe.Status),
		Detail:    pe.Code,
	}
	if c != nil {
		d.Title = c.T(lang, "error."+pe.Code+".title", pe.Params...)
		d.Detail = c.T(lang, "error."+pe.Code+".detail", pe.Params...)
	}
	for _, f := range pe.Fields {
		msg := f.Code
		if c != nil {
			msg = c.T(lang, "validation."+f.Code, f.Params...)
		}
		d.Errors = append(d.Errors, ProblemField{Field: f.Field, Code: f.Code, Message: msg})
	}
	return d
}

// WriteError renders err as problem+json (or problem+xml when the client
// speaks XML). Unknown errors become a 500 whose cause is logged with the
// request id and never sent. A client that has gone away gets nothing.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return
	}
	env := EnvFrom(r.Context())
	rid := RequestID(r.Context())
	pe, ok := problem.As(err)
	if !ok || pe.Status >= 500 {
		env.Log.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", rid), slog.String("error", err.Error()))
	}
	doc := Localize(env.Catalog, i18n.Lang(r.Context()), err, rid)
	if ok && pe.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((pe.RetryAfter.Seconds())+0.999)))
	}
	if ok && pe.Allow != "" {
		w.Header().Set("Allow", pe.Allow)
	}
	w.Header().Set("Content-Language", i18n.Lang(r.Context()))
	if wantsXML(r) {
		w.Header().Set("Content-Type", "application/problem+xml")
		w.WriteHeader(doc.Status)
		_, _ = w.Write([]byte(xml.Header))
		_ = xml.NewEncoder(w).Encode(doc)
		return
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(doc.Status)
	_ = json.NewEncoder(w).Encode(doc)
}
