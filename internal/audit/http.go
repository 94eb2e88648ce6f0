package audit

import (
	"context"
	"net/http"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// PermRead is the permission both audit routes require.
const PermRead = "audit.read"

// Routes registers the audit API on rt.
func (l *Log) Routes(rt *web.Router) {
	rt.Handle(web.Route{Method: http.MethodGet, Path: "/api/v1/audit/events", Perm: PermRead, Tag: "audit",
		Summary:  "List audit records, newest first",
		Response: web.List[Record]{}, Handler: web.H(l.handleList)})
	rt.Handle(web.Route{Method: http.MethodGet, Path: "/api/v1/audit/verify", Perm: PermRead, Tag: "audit",
		Summary:  "Verify the audit trail's hash chains and signed checkpoints",
		Response: Report{}, Handler: web.H(l.handleVerify)})
}

// callerTenant is the tenant the caller is confined to, or "" for platform
// staff. The credential's scope decides, never a request parameter.
func callerTenant(ctx context.Context) string {
	if s, ok := db.ScopeFrom(ctx); ok {
		return s.TenantID
	}
	return ActorFrom(ctx).TenantID
}

// tenantParam resolves ?tenant= against the caller: a tenant's own users
// see only their tenant, and asking for another is refused rather than
// silently answered with their own.
func tenantParam(ctx context.Context, v string, fs *problem.Errors) (string, error) {
	own := callerTenant(ctx)
	if v != "" && (len(v) > maxText || !printable(v)) {
		fs.Add("tenant", "max_length", "max", maxText)
		return "", nil
	}
	if own == "" {
		return v, nil
	}
	if v != "" && v != own {
		return "", problem.ErrForbidden
	}
	return own, nil
}

func (l *Log) handleList(w http.ResponseWriter, r *http.Request) error {
	var fs problem.Errors
	p, err := web.PageFrom(r)
	if err != nil {
		pe, ok := problem.As(err)
		if !ok {
			return err
		}
		fs = append(fs, pe.Fields...)
	} else if p.After != "" {
		if _, _, _, err := parseCursor(p.After); err != nil {
			fs.Add("cursor", "invalid_cursor")
		}
	}
	q := r.URL.Query()
	var f Filter
	f.TenantID, err = tenantParam(r.Context(), q.Get("tenant"), &fs)
	if err != nil {
		return err
	}
	f.ActionPrefix = q.Get("action")
	if len(f.ActionPrefix) > maxText {
		fs.Add("action", "max_length", "max", maxText)
	}
	f.Actor = q.Get("actor")
	if len(f.Actor) > maxText {
		fs.Add("actor", "max_length", "max", maxText)
	}
	if f.Outcome = q.Get("outcome"); f.Outcome != "" && !word(f.Outcome) {
		fs.Add("outcome", "invalid_format", "format", "a lower-case word such as success, failure or denied")
	}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		v := q.Get(t.name)
		if v == "" {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			fs.Add(t.name, "invalid_format", "format", "RFC 3339 date-time")
			continue
		}
		*t.dst = at
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		fs.Add("to", "invalid_value", "reason", "to must be later than from")
	}
	if err := fs.Err(); err != nil {
		return err
	}
	list, err := l.List(r.Context(), f, p)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, list)
}

// handleVerify answers with the report whatever it says: a broken chain is
// a finding, not a failed request. A tenant's caller verifies only their
// own chain, so chain names (tenant ids) of others never leak.
func (l *Log) handleVerify(w http.ResponseWriter, r *http.Request) error {
	var fs problem.Errors
	tenant, err := tenantParam(r.Context(), r.URL.Query().Get("tenant"), &fs)
	if err != nil {
		return err
	}
	if err := fs.Err(); err != nil {
		return err
	}
	var rep Report
	if tenant == "" {
		rep, err = l.Verify(r.Context())
	} else {
		rep, err = l.VerifyChain(r.Context(), tenant)
	}
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, rep)
}
