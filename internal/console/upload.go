package console

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

// uploadedFile reads a multipart form as it streams in and returns its
// "file" part, so that a large upload goes straight to its parser without
// being buffered. The form's small text fields come before the file; the
// ones named in fields are read (trimmed, at most 64 bytes) into the
// strings they point to. Every failure is a problem the page can show: no
// file, a body over the limit, or a malformed form.
func uploadedFile(r *http.Request, fields map[string]*string) (*multipart.Part, error) {
	noFile := problem.Invalid(problem.Field{Field: "file", Code: "required"})
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, noFile
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, noFile
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, &problem.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Params: []any{"limit", mbe.Limit}}
			}
			return nil, problem.BadRequest("malformed_multipart")
		}
		if part.FormName() == "file" {
			if part.FileName() == "" {
				return nil, noFile
			}
			return part, nil
		}
		if dst, ok := fields[part.FormName()]; ok {
			v, _ := io.ReadAll(io.LimitReader(part, 64))
			*dst = strings.TrimSpace(string(v))
		}
		part.Close()
	}
}
