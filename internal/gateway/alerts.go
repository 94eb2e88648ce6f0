package gateway

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Alert is a durable record of an intrusion-detector block, for the
// security administrator.
type Alert struct {
	ID           string     `json:"id"`
	Kind         string     `json:"kind"` // "source_blocked" or "key_blocked"
	Subject      string     `json:"subject"`
	TenantID     string     `json:"tenant_id,omitempty"`
	SourceIP     string     `json:"source_ip"`
	Failures     int        `json:"failures"`
	Level        int        `json:"level"`
	BlockedUntil time.Time  `json:"blocked_until"`
	Node         string     `json:"node"`
	CreatedAt    time.Time  `json:"created_at"`
	ResolvedAt   *time.Time `json:"resolved_at,omitempty"`
	ResolvedBy   string     `json:"resolved_by,omitempty"`
}

// node names this process in alerts: blocks are per node, so the alert
// says where.
var node = func() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "unknown"
	}
	return h
}()

func (g *Gateway) insertAlert(ctx context.Context, b Block, sourceIP, tenantID string) error {
	kind := "source_blocked"
	if b.Kind == "key" {
		kind = "key_blocked"
	}
	_, err := g.db.Q(ctx).ExecContext(ctx, `INSERT INTO security_alerts (id, kind, subject, tenant_id, source_ip,
		failures, level, blocked_until, node, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		ids.New("alr"), kind, b.Subject, tenantID, sourceIP, b.Failures, b.Level, b.Until.UTC(), node, g.now())
	if err != nil {
		return fmt.Errorf("gateway: store alert: %w", err)
	}
	return nil
}

const alertCols = `id, kind, subject, tenant_id, source_ip, failures, level, blocked_until, node, created_at, resolved_at, resolved_by`

// AlertFilter narrows ListAlerts.
type AlertFilter struct {
	// Status is "open", "resolved" or "" for both.
	Status  string
	Subject string
}

// ListAlerts lists alerts, newest first.
func (g *Gateway) ListAlerts(ctx context.Context, f AlertFilter, pg web.Page) (web.List[Alert], error) {
	var fs problem.Errors
	if f.Status != "" && f.Status != "open" && f.Status != "resolved" {
		fs.Add("status", "one_of", "values", "open, resolved")
	}
	if len(f.Subject) > 200 {
		fs.Add("subject", "max_length", "max", 200)
	}
	if err := fs.Err(); err != nil {
		return web.List[Alert]{}, err
	}
	rows, err := g.db.Q(ctx).QueryContext(ctx, `SELECT `+alertCols+` FROM security_alerts
		WHERE ($1 = '' OR id < $1) AND ($2 = '' OR subject = $2)
		AND ($3 = '' OR ($3 = 'open' AND resolved_at IS NULL) OR ($3 = 'resolved' AND resolved_at IS NOT NULL))
		ORDER BY id DESC LIMIT $4`, pg.After, f.Subject, f.Status, pg.FetchLimit())
	if err != nil {
		return web.List[Alert]{}, fmt.Errorf("gateway: list alerts: %w", err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var a Alert
		var resolved sql.NullTime
		if err := rows.Scan(&a.ID, &a.Kind, &a.Subject, &a.TenantID, &a.SourceIP, &a.Failures, &a.Level,
			&a.BlockedUntil, &a.Node, &a.CreatedAt, &resolved, &a.ResolvedBy); err != nil {
			return web.List[Alert]{}, err
		}
		if resolved.Valid {
			a.ResolvedAt = &resolved.Time
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return web.List[Alert]{}, err
	}
	return web.NewList(pg, out, func(a Alert) string { return a.ID }), nil
}

// BlockList is this node's current blocks.
type BlockList struct {
	Node  string  `json:"node"`
	Items []Block `json:"items"`
}

// Blocks lists the subjects this node blocks now.
func (g *Gateway) Blocks() BlockList { return BlockList{Node: node, Items: g.det.Blocks()} }

// Unblocked is the outcome of Unblock.
type Unblocked struct {
	Subject        string `json:"subject"`
	Node           string `json:"node"`
	WasBlocked     bool   `json:"was_blocked"`
	AlertsResolved int    `json:"alerts_resolved"`
}

// Unblock lifts subject's block on this node and resolves its open alerts
// (for every node: the administrator has judged the subject harmless). It
// is audited. A subject neither blocked here nor with an open alert is
// ErrNotFound.
func (g *Gateway) Unblock(ctx context.Context, subject string) (Unblocked, error) {
	out := Unblocked{Subject: subject, Node: node}
	if len(subject) > 200 {
		return out, problem.ErrNotFound
	}
	err := g.db.InTx(ctx, func(ctx context.Context) error {
		res, err := g.db.Q(ctx).ExecContext(ctx, `UPDATE security_alerts SET resolved_at = $2, resolved_by = $3
			WHERE subject = $1 AND resolved_at IS NULL`, subject, g.now(), audit.ActorFrom(ctx).ID)
		if err != nil {
			return fmt.Errorf("gateway: resolve alerts: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		out.AlertsResolved = int(n)
		_, out.WasBlocked = g.det.Blocked(subject)
		if !out.WasBlocked && n == 0 {
			return problem.ErrNotFound
		}
		return g.audit.Record(ctx, audit.Event{Action: "security.unblock", Resource: subject, Change: out})
	})
	if err != nil {
		return Unblocked{}, err
	}
	// Lifted in memory only once the record is part of the transaction:
	// an unblock that cannot be audited does not happen.
	g.det.Unblock(subject)
	return out, nil
}
