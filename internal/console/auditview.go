package console

import (
	"errors"
	"net/http"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

type auditFilter struct {
	Action, Actor, Outcome, From, To, Tenant string
}

type auditData struct {
	Filter   auditFilter
	Outcomes []string
	// PickTenant: platform staff may narrow to one tenant's chain; a
	// tenant's own auditor only ever sees their tenant.
	PickTenant bool
	Records    []audit.Record
	Next       string
	First      string
	Paged      bool
	Report     *audit.Report
	Available  bool
}

// filterOf reads the filter form (a GET form, so a filtered view can be
// bookmarked and shared with a colleague).
func filterOf(r *http.Request, tenantScope string) (auditFilter, audit.Filter, error) {
	q := r.URL.Query()
	in := auditFilter{Action: q.Get("action"), Actor: q.Get("actor"), Outcome: q.Get("outcome"),
		From: q.Get("from"), To: q.Get("to"), Tenant: q.Get("tenant")}
	f := audit.Filter{ActionPrefix: in.Action, Actor: in.Actor, TenantID: in.Tenant}
	if tenantScope != "" {
		f.TenantID, in.Tenant = tenantScope, ""
	}
	var fs problem.Errors
	for _, s := range []struct {
		name string
		v    *string
	}{{"action", &in.Action}, {"actor", &in.Actor}, {"tenant", &in.Tenant}} {
		if len(*s.v) > 200 {
			fs.Add(s.name, "max_length", "max", 200)
		}
	}
	switch in.Outcome {
	case "", audit.OutcomeSuccess, audit.OutcomeFailure, audit.OutcomeDenied:
		f.Outcome = in.Outcome
	default:
		fs.Add("outcome", "one_of", "values", "success, failure, denied")
	}
	day := func(name, v string) time.Time {
		if v == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			fs.Add(name, "invalid_format", "format", "YYYY-MM-DD")
		}
		return t
	}
	f.From = day("from", in.From)
	if to := day("to", in.To); !to.IsZero() {
		// The form's "to" is a day people mean to include.
		f.To = to.AddDate(0, 0, 1)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		fs.Add("to", "date_order")
	}
	return in, f, fs.Err()
}

func (c *Console) auditPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	d := auditData{Outcomes: []string{audit.OutcomeSuccess, audit.OutcomeFailure, audit.OutcomeDenied},
		PickTenant: p.TenantID == "", Available: c.audit != nil}
	v := c.newView(r, "console.nav.audit", "/audit", &d)
	if c.audit == nil {
		return c.render(w, r, http.StatusOK, "audit", v)
	}
	in, f, err := filterOf(r, p.TenantID)
	d.Filter = in
	pg, perr := web.PageFrom(r)
	if err == nil {
		err = perr
	}
	if err == nil {
		var l web.List[audit.Record]
		l, err = c.audit.List(r.Context(), f, pg)
		if errors.Is(err, audit.ErrBadCursor) {
			err = problem.Invalid(problem.Field{Field: "cursor", Code: "invalid_cursor"})
		}
		d.Records, d.Next = l.Items, nextURL(r, l.NextCursor)
	}
	if err != nil {
		if !refused(err) {
			return c.fail(w, r, err)
		}
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, statusOf(err), "audit", v)
	}
	if pg.After != "" {
		q := r.URL.Query()
		q.Del("cursor")
		d.Paged, d.First = true, r.URL.Path+"?"+q.Encode()
	}
	return c.render(w, r, http.StatusOK, "audit", v)
}

// auditVerify walks the hash chains and signed checkpoints on request
// rather than on every visit to the trail: on a long trail it reads every
// record.
func (c *Console) auditVerify(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	d := auditData{Available: c.audit != nil}
	if c.audit != nil {
		var rep audit.Report
		var err error
		if p.TenantID != "" {
			rep, err = c.audit.VerifyChain(r.Context(), p.TenantID)
		} else {
			rep, err = c.audit.Verify(r.Context())
		}
		if err != nil {
			return c.fail(w, r, err)
		}
		d.Report = &rep
	}
	return c.render(w, r, http.StatusOK, "audit_verify", c.newView(r, "console.audit.verify.title", "/audit", &d))
}
