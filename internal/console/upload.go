package console

import (
	"mime/multipart"
	"net/http"

	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// uploadedFile is the form's file part, streamed (see web.FilePart). A
// browser sends the file input even when nothing was chosen, as a part
// with an empty file name: that is no file.
func uploadedFile(r *http.Request, fields map[string]*string) (*multipart.Part, error) {
	part, err := web.FilePart(r, fields)
	if err != nil {
		return nil, err
	}
	if part.FileName() == "" {
		return nil, problem.Invalid(problem.Field{Field: "file", Code: "required"})
	}
	return part, nil
}
