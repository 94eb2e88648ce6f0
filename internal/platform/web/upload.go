package web

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

// FilePart reads a multipart form as it streams in and returns its file
// part (the field named "file", or any part carrying a file name), so a
// large upload goes straight to its parser without being buffered. The
// small text fields that come before the file and are named in fields
// are read (trimmed, at most 64 bytes) into the strings they point to.
// Every failure is a problem a handler or page can show: no file, a body
// over the size limit, or a malformed form.
func FilePart(r *http.Request, fields map[string]*string) (*multipart.Part, error) {
	noFile := problem.Invalid(problem.Field{Field: "file", Code: "required"})
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, problem.BadRequest("malformed_multipart")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, noFile
		}
		if err != nil {
			if e := TooLarge(err); e != nil {
				return nil, e
			}
			return nil, problem.BadRequest("malformed_multipart")
		}
		if part.FormName() == "file" || part.FileName() != "" {
			return part, nil
		}
		if dst, ok := fields[part.FormName()]; ok {
			v, _ := io.ReadAll(io.LimitReader(part, 64))
			*dst = strings.TrimSpace(string(v))
		}
		part.Close()
	}
}

// TooLarge is the 413 problem for a read that hit the request's size
// limit, or nil when err is something else.
func TooLarge(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &problem.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Params: []any{"limit", mbe.Limit}}
	}
	return nil
}

// UploadBody finds an uploaded file in r: the file part of a multipart
// form (as a browser or curl -F sends it), or else the body itself, whose
// media type must then be one of types (any, when types is empty). The
// charset is the one the part or body declares, if any.
func UploadBody(r *http.Request, types ...string) (body io.Reader, charset string, err error) {
	ct := r.Header.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct)
	mt = strings.ToLower(mt)
	if mt == "multipart/form-data" {
		part, err := FilePart(r, nil)
		if err != nil {
			return nil, "", err
		}
		_, pp, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		return part, pp["charset"], nil
	}
	if len(types) == 0 {
		return r.Body, params["charset"], nil
	}
	for _, t := range types {
		if mt == t {
			return r.Body, params["charset"], nil
		}
	}
	return nil, "", problem.New(http.StatusUnsupportedMediaType, "unsupported_upload", "type", mt)
}
