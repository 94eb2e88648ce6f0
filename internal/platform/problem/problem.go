// Package problem is the error vocabulary shared by every domain and the
// HTTP layer: a stable code (which doubles as the translation key), the HTTP
// status it maps to, and the fields at fault. Domains return these (wrapped
// with context); web.WriteError is the only place that renders them, as RFC
// 9457 problem+json localised to the caller's language.
package problem

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Error is a client-facing failure.
type Error struct {
	Status int
	Code   string
	// Params fill the {name} placeholders of the localised detail.
	Params []any
	Fields []Field
	// RetryAfter, when set, becomes the Retry-After header.
	RetryAfter time.Duration
	// Allow, when set, becomes the Allow header (405).
	Allow string
	// Err is the underlying cause, logged and never sent.
	Err error
}

// Field names one input at fault: a JSON pointer-like dotted path
// ("lines[0].quantity"), a validation code and its parameters.
type Field struct {
	Field  string
	Code   string
	Params []any
}

func (e *Error) Error() string {
	s := e.Code
	for _, f := range e.Fields {
		s += fmt.Sprintf(" %s:%s", f.Field, f.Code)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, problem.ErrNotFound) match any *Error with the
// same code, so sentinels survive being copied with extra detail.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// New returns a problem with status, code and detail parameters.
func New(status int, code string, params ...any) *Error {
	return &Error{Status: status, Code: code, Params: params}
}

// Sentinels for the common outcomes. Compare with errors.Is.
var (
	ErrNotFound         = New(http.StatusNotFound, "not_found")
	ErrUnauthenticated  = New(http.StatusUnauthorized, "unauthenticated")
	ErrForbidden        = New(http.StatusForbidden, "forbidden")
	ErrConflict         = New(http.StatusConflict, "conflict")
	ErrTooLarge         = New(http.StatusRequestEntityTooLarge, "too_large")
	ErrUnsupportedMedia = New(http.StatusUnsupportedMediaType, "unsupported_media_type")
	ErrNotAcceptable    = New(http.StatusNotAcceptable, "not_acceptable")
	ErrInternal         = New(http.StatusInternalServerError, "internal")
)

// Invalid is a 422 naming the fields at fault.
func Invalid(fields ...Field) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Fields: fields}
}

// BadRequest is a 400 for a body that cannot be read at all (malformed JSON,
// invalid UTF-8), naming where it broke.
func BadRequest(code string, fields ...Field) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Fields: fields}
}

// Conflict is a 409 with a specific code, e.g. "duplicate_external_id".
func Conflict(code string, params ...any) *Error {
	return &Error{Status: http.StatusConflict, Code: code, Params: params}
}

// Unauthorized is a 401 with a specific code, e.g. "bad_signature".
func Unauthorized(code string) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: code}
}

// RateLimited is a 429 telling the client when to retry.
func RateLimited(after time.Duration) *Error {
	return &Error{Status: http.StatusTooManyRequests, Code: "rate_limited", RetryAfter: after,
		Params: []any{"seconds", strconv.Itoa(int((after + time.Second - 1) / time.Second))}}
}

// Errors collects field errors while validating; Err returns nil when none.
type Errors []Field

// Add records a field error.
func (fs *Errors) Add(field, code string, params ...any) {
	*fs = append(*fs, Field{Field: field, Code: code, Params: params})
}

// Err returns the collected fields as one 422, or nil.
func (fs Errors) Err() error {
	if len(fs) == 0 {
		return nil
	}
	return Invalid(fs...)
}

// As extracts the *Error in err's chain.
func As(err error) (*Error, bool) {
	var pe *Error
	ok := errors.As(err, &pe)
	return pe, ok
}
