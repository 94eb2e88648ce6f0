package console

import "net/http"

// pageSpec names a form page: its template, title key, navigation entry,
// and the confirmations its redirects may ask for with ?done= (keys to
// catalog keys; any other value is ignored, so a link cannot make the
// console say anything).
type pageSpec struct {
	Name, Title, Active string
	Notices             map[string]string
}

// renderPage renders the page of spec with data, the confirmation the
// redirect asked for, and err — a refused submission — as the form's
// problem. An error that is not the client's is returned as it is, for
// the error page.
func (c *Console) renderPage(w http.ResponseWriter, r *http.Request, status int, spec pageSpec, data any, err error) error {
	v := c.newView(r, spec.Title, spec.Active, data)
	if n, ok := spec.Notices[r.URL.Query().Get("done")]; ok {
		v.Notice = n
	}
	if err != nil {
		fp, ok := c.problemOf(r, err)
		if !ok {
			return err
		}
		v.Problem = fp
	}
	return c.render(w, r, status, spec.Name, v)
}

// renderView renders page with v, showing err — a refusal of what the
// page was asked for — as its problem with the problem's status; an error
// that is not the client's becomes the error page.
func (c *Console) renderView(w http.ResponseWriter, r *http.Request, page string, v *view, err error) error {
	status := http.StatusOK
	if err != nil {
		fp, ok := c.problemOf(r, err)
		if !ok {
			return c.fail(w, r, err)
		}
		v.Problem, status = fp, statusOf(err)
	}
	return c.render(w, r, status, page, v)
}
