package web

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
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

// XMLRoot names the problem document's XML root element.
func (ProblemDoc) XMLRoot() string { return "problem" }

// ProblemField is one entry of "errors".
type ProblemField struct {
	Field   string `json:"field" xml:"field"`
	Code    string `json:"code" xml:"code"`
	Message string `json:"message" xml:"message"`
}

// Localize turns err into a problem document in lang. An error that is not
// a *problem.Error, or one with a status outside 4xx/5xx, becomes the
// generic 500: its text is for the log, never for the client.
func Localize(c *i18n.Catalog, lang string, err error, requestID string) ProblemDoc {
	pe, ok := problem.As(err)
	if !ok || pe.Status < 400 || pe.Status > 599 || pe.Code == "" {
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

// errBusy answers a request that lost a lock or serialization race: the
// client may simply retry.
var errBusy = &problem.Error{Status: http.StatusServiceUnavailable, Code: "busy", RetryAfter: time.Second,
	Params: []any{"seconds", 1}}

// headerWriter is implemented by the pipeline's writers, which know whether
// the status line has gone out.
type headerWriter interface{ headerWritten() bool }

func alreadyWritten(w http.ResponseWriter) bool {
	for w != nil {
		if hw, ok := w.(headerWriter); ok {
			return hw.headerWritten()
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return false
		}
		w = u.Unwrap()
	}
	return false
}

// WriteError renders err as problem+json (or problem+xml when the client
// speaks XML). Unknown errors become a 500 whose cause is logged with the
// request id and never sent; a lost lock race (SQLite busy, PostgreSQL
// serialization failure) becomes a retryable 503. A client that has gone
// away gets nothing, and neither does one whose response has already begun
// (the error is logged).
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return
	}
	env := EnvFrom(r.Context())
	rid := RequestID(r.Context())
	pe, ok := problem.As(err)
	if !ok && db.IsBusy(err) {
		pe, ok = errBusy, true
	}
	if !ok || pe.Status >= 500 {
		env.Log.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", rid), slog.String("error", err.Error()))
	}
	if alreadyWritten(w) {
		if ok && pe.Status < 500 {
			env.Log.LogAttrs(r.Context(), slog.LevelWarn, "error after response began",
				slog.String("request_id", rid), slog.String("error", err.Error()))
		}
		return
	}
	if !ok {
		pe = problem.ErrInternal
	}
	lang := i18n.Lang(r.Context())
	doc := Localize(env.Catalog, lang, pe, rid)
	h := w.Header()
	if pe.RetryAfter > 0 {
		secs := int((pe.RetryAfter + time.Second - 1) / time.Second)
		h.Set("Retry-After", strconv.Itoa(max(secs, 1)))
	}
	if pe.Allow != "" {
		h.Set("Allow", pe.Allow)
	}
	if doc.Status == http.StatusRequestEntityTooLarge {
		// The rest of an oversized body is not worth reading.
		h.Set("Connection", "close")
	}
	// Headers meant for a success response do not describe this one.
	h.Del("Content-Length")
	h.Del("Content-Encoding")
	h.Del("ETag")
	h.Del("Last-Modified")
	h.Set("Content-Language", lang)
	h.Add("Vary", "Accept, Accept-Language")
	h.Set("Cache-Control", "no-store")
	if wantsXML(r) {
		h.Set("Content-Type", "application/problem+xml")
		w.WriteHeader(doc.Status)
		_, _ = w.Write([]byte(xml.Header))
		_ = xml.NewEncoder(w).Encode(doc)
		return
	}
	h.Set("Content-Type", "application/problem+json")
	w.WriteHeader(doc.Status)
	_ = json.NewEncoder(w).Encode(doc)
}
