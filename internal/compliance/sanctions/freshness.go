package sanctions

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Alarm kinds.
const (
	AlertStale        = "stale"
	AlertImportFailed = "import_failed"
)

// Reasons a list is stale.
const (
	StaleNeverImported = "never_imported"
	StaleTooOld        = "too_old"
	StaleLastFailed    = "last_import_failed"
)

// Alert is a freshness alarm on a list: durable, one open per list and
// kind, resolved by the import that cures it.
type Alert struct {
	ID         string     `json:"id"`
	List       string     `json:"list"`
	Kind       string     `json:"kind"`
	Detail     string     `json:"detail,omitempty"`
	RaisedAt   time.Time  `json:"raised_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
}

// ListStatus is one list's version in force and its freshness.
type ListStatus struct {
	List    string   `json:"list"`
	Version *Version `json:"version,omitempty"`
	Entries int      `json:"entries"`
	// AsOf is when the version in force was last known current: its
	// publication date, or a later refresh that found the same file.
	AsOf        time.Time `json:"as_of,omitzero"`
	MaxAgeHours float64   `json:"max_age_hours"`
	Fresh       bool      `json:"fresh"`
	// StaleReasons says why a list is not fresh: never_imported, too_old,
	// last_import_failed.
	StaleReasons []string   `json:"stale_reasons,omitempty"`
	LastError    string     `json:"last_error,omitempty"`
	LastErrorAt  *time.Time `json:"last_error_at,omitempty"`
	Alerts       []Alert    `json:"alerts,omitempty"`
}

// Status reports every known list (the six keys, plus any other list
// ever imported) with its freshness and open alarms.
func (s *Service) Status(ctx context.Context) ([]ListStatus, error) {
	now := s.now().UTC()
	byList := map[string]*ListStatus{}
	var order []string
	get := func(list string) *ListStatus {
		if st, ok := byList[list]; ok {
			return st
		}
		st := &ListStatus{List: list, MaxAgeHours: s.MaxAge(list).Hours()}
		byList[list] = st
		order = append(order, list)
		return st
	}
	for _, l := range Lists {
		get(l)
	}
	// The version in force and the latest failure of each list.
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+versionCols+`, confirmed_at FROM sanctions_versions WHERE status = 'in_force'`)
	if err != nil {
		return nil, fmt.Errorf("sanctions: status: %w", err)
	}
	type current struct {
		v         Version
		confirmed sql.NullTime
	}
	cur, err := db.Collect(rows, func(r db.Row) (current, error) {
		var c current
		var pub sql.NullTime
		err := r.Scan(&c.v.ID, &c.v.List, &c.v.Version, &c.v.Format, &pub, &c.v.ImportedAt, &c.v.Entries, &c.v.SHA256, &c.confirmed)
		if pub.Valid {
			c.v.PublishedAt = pub.Time.UTC()
		}
		c.v.ImportedAt = c.v.ImportedAt.UTC()
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("sanctions: status: %w", err)
	}
	confirmed := map[string]time.Time{}
	for _, c := range cur {
		if c.confirmed.Valid {
			confirmed[c.v.List] = c.confirmed.Time.UTC()
		}
		st := get(c.v.List)
		v := c.v
		st.Version, st.Entries = &v, v.Entries
		st.AsOf = v.PublishedAt
		if st.AsOf.IsZero() {
			st.AsOf = v.ImportedAt
		}
		if c.confirmed.Valid && c.confirmed.Time.After(st.AsOf) {
			st.AsOf = c.confirmed.Time.UTC()
		}
	}
	rows, err = s.db.Q(ctx).QueryContext(ctx, `SELECT f.list, f.error, f.imported_at FROM sanctions_versions f
		WHERE f.status = 'failed' AND f.seq = (SELECT MAX(seq) FROM sanctions_versions g WHERE g.list = f.list)`)
	if err != nil {
		return nil, fmt.Errorf("sanctions: status: %w", err)
	}
	type failure struct {
		list, msg string
		at        time.Time
	}
	fails, err := db.Collect(rows, func(r db.Row) (failure, error) {
		var f failure
		err := r.Scan(&f.list, &f.msg, &f.at)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("sanctions: status: %w", err)
	}
	for _, f := range fails {
		st := get(f.list)
		at := f.at.UTC()
		// A refresh that confirmed the version in force after the failure
		// has cured it.
		if c, ok := confirmed[f.list]; ok && c.After(at) {
			continue
		}
		st.LastError, st.LastErrorAt = f.msg, &at
	}
	alerts, err := s.OpenAlerts(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range alerts {
		st := get(a.List)
		st.Alerts = append(st.Alerts, a)
	}
	out := make([]ListStatus, 0, len(order))
	for _, l := range order {
		st := byList[l]
		switch {
		case st.Version == nil:
			st.StaleReasons = append(st.StaleReasons, StaleNeverImported)
		case now.Sub(st.AsOf) > s.MaxAge(l):
			st.StaleReasons = append(st.StaleReasons, StaleTooOld)
		}
		if st.LastError != "" {
			st.StaleReasons = append(st.StaleReasons, StaleLastFailed)
		}
		st.Fresh = len(st.StaleReasons) == 0
		out = append(out, *st)
	}
	return out, nil
}

// CheckFreshness evaluates every list that has ever been imported, raises
// an alarm for each newly stale one and resolves the alarms of lists that
// are fresh again. Lists never imported are reported by Status but raise
// no alarm: a deployment need not use every list. Run it periodically
// and after each import.
func (s *Service) CheckFreshness(ctx context.Context) ([]ListStatus, error) {
	var out []ListStatus
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		sts, err := s.Status(ctx)
		if err != nil {
			return err
		}
		now := s.stamp()
		for _, st := range sts {
			if st.Version == nil && st.LastError == "" {
				continue
			}
			stale := st.Version != nil && now.Sub(st.AsOf) > s.MaxAge(st.List)
			if stale {
				detail := fmt.Sprintf("version %s is older than %s", st.Version.Version, s.MaxAge(st.List))
				if err := s.raise(ctx, st.List, AlertStale, detail, now); err != nil {
					return err
				}
			} else if err := s.resolve(ctx, st.List, AlertStale, now); err != nil {
				return err
			}
			if st.LastError == "" {
				if err := s.resolve(ctx, st.List, AlertImportFailed, now); err != nil {
					return err
				}
			}
		}
		out, err = s.Status(ctx)
		return err
	})
	return out, err
}

// raise opens an alarm unless one of the same kind is open already, and
// logs and audits it when it is new.
func (s *Service) raise(ctx context.Context, list, kind, detail string, now time.Time) error {
	res, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO sanctions_alerts (id, list, kind, detail, raised_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (list, kind) WHERE resolved_at IS NULL DO NOTHING`,
		ids.New("sla"), list, kind, detail, now)
	if err != nil {
		return fmt.Errorf("sanctions: raise alert: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	s.log.Warn("sanctions list alarm", "list", list, "kind", kind, "detail", detail)
	return s.audit.Record(ctx, audit.Event{Action: "sanctions.alert", Resource: "sanctions_list:" + list,
		Change: map[string]any{"kind": kind, "detail": detail}})
}

func (s *Service) resolve(ctx context.Context, list, kind string, now time.Time) error {
	res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE sanctions_alerts SET resolved_at = $3
		WHERE list = $1 AND kind = $2 AND resolved_at IS NULL`, list, kind, now)
	if err != nil {
		return fmt.Errorf("sanctions: resolve alert: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		s.log.Info("sanctions list alarm resolved", "list", list, "kind", kind)
	}
	return nil
}

// OpenAlerts lists the open freshness alarms, oldest first.
func (s *Service) OpenAlerts(ctx context.Context) ([]Alert, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id, list, kind, detail, raised_at FROM sanctions_alerts
		WHERE resolved_at IS NULL ORDER BY raised_at, id`)
	if err != nil {
		return nil, fmt.Errorf("sanctions: alerts: %w", err)
	}
	return db.Collect(rows, func(r db.Row) (Alert, error) {
		var a Alert
		err := r.Scan(&a.ID, &a.List, &a.Kind, &a.Detail, &a.RaisedAt)
		a.RaisedAt = a.RaisedAt.UTC()
		return a, err
	})
}

// Attempt is one import of a list: a version (in force or superseded) or
// a failure with its error.
type Attempt struct {
	Version
	Status      string     `json:"status"` // in_force, superseded, failed
	Error       string     `json:"error,omitempty"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
}

// History lists the imports of list, newest first: what a screening
// decision's recorded version refers to.
func (s *Service) History(ctx context.Context, list string, pg web.Page) (web.List[Attempt], error) {
	if !slices.Contains(Lists, list) {
		return web.List[Attempt]{}, problem.ErrNotFound
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+versionCols+`, status, error, confirmed_at FROM sanctions_versions
		WHERE list = $1 AND ($2 = '' OR id < $2) ORDER BY id DESC LIMIT $3`, list, pg.After, pg.FetchLimit())
	if err != nil {
		return web.List[Attempt]{}, fmt.Errorf("sanctions: history: %w", err)
	}
	out, err := db.Collect(rows, func(r db.Row) (Attempt, error) {
		var a Attempt
		var pub, confirmed sql.NullTime
		err := r.Scan(&a.ID, &a.List, &a.Version.Version, &a.Format, &pub, &a.ImportedAt, &a.Entries, &a.SHA256,
			&a.Status, &a.Error, &confirmed)
		if pub.Valid {
			a.PublishedAt = pub.Time.UTC()
		}
		if confirmed.Valid {
			t := confirmed.Time.UTC()
			a.ConfirmedAt = &t
		}
		a.ImportedAt = a.ImportedAt.UTC()
		return a, err
	})
	if err != nil {
		return web.List[Attempt]{}, fmt.Errorf("sanctions: history: %w", err)
	}
	return web.NewList(pg, out, func(a Attempt) string { return a.ID }), nil
}
