package alerts

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// maxImpacts bounds the tenant alerts one impact report reads.
const maxImpacts = 1000

// Impact is what the alerts about one rule found, for the compliance
// officers who published it: which tenants were alerted, and which of
// their products each version affects.
type Impact struct {
	RuleID  string         `json:"rule_id"`
	Tenants []TenantImpact `json:"tenants"`
}

// XMLRoot names the report's XML element.
func (Impact) XMLRoot() string { return "impact" }

// TenantImpact is one tenant's alert about one version.
type TenantImpact struct {
	Version    int             `json:"version"`
	Change     string          `json:"change"`
	TenantID   string          `json:"tenant_id"`
	TenantName string          `json:"tenant_name"`
	AlertID    string          `json:"alert_id"`
	Counts     map[string]int  `json:"counts"`
	Products   []ProductEffect `json:"products"`
	CreatedAt  time.Time       `json:"created_at"`
}

// RuleImpact reports the live (not sandbox) alerts raised about rule id,
// newest first. It reads across tenants: it is the platform's view, for
// compliance officers.
func (s *Service) RuleImpact(ctx context.Context, id string) (Impact, error) {
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(id)
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT a.tenant_id, t.name, a.doc FROM compliance_alerts a
		JOIN tenants t ON t.id = a.tenant_id
		WHERE a.source LIKE $1 ESCAPE '\' AND a.sandbox = $2 ORDER BY a.id DESC LIMIT $3`, "rule:"+esc+"@%", false, maxImpacts)
	if err != nil {
		return Impact{}, wrap("impact", err)
	}
	defer rows.Close()
	out := Impact{RuleID: id, Tenants: []TenantImpact{}}
	for rows.Next() {
		var ti TenantImpact
		var doc string
		if err := rows.Scan(&ti.TenantID, &ti.TenantName, &doc); err != nil {
			return Impact{}, wrap("impact", err)
		}
		var a Alert
		if err := json.Unmarshal([]byte(doc), &a); err != nil || a.Rule == nil || a.Rule.ID != id {
			continue
		}
		ti.Version, ti.Change, ti.AlertID, ti.Counts, ti.Products, ti.CreatedAt = a.Rule.Version, a.Rule.Change, a.ID, a.Counts, a.Products, a.CreatedAt
		out.Tenants = append(out.Tenants, ti)
	}
	return out, wrap("impact", rows.Err())
}

func (s *Service) handleImpact(w http.ResponseWriter, r *http.Request) error {
	id := strings.TrimSpace(r.PathValue("id"))
	if id == "" {
		return problem.ErrNotFound
	}
	im, err := s.RuleImpact(r.Context(), id)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, im)
}
