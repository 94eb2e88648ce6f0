package shipments

import (
	"context"
	"fmt"
	"strings"

	"github.com/silkgate/silkgate/internal/logistics/rates"
	"github.com/silkgate/silkgate/internal/platform/db"
)

// MinTransitHistory is how many deliveries a service needs on a lane
// before its observed p80 transit time replaces the card's quoted days.
const MinTransitHistory = 5

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// count adds a closed shipment to its service's record on its lane, in
// the closing transaction, so the record and the shipment agree.
func (s *Service) count(ctx context.Context, sh Shipment, o Outcome) error {
	sc, _ := db.ScopeFrom(ctx)
	w := s.db.W(ctx)
	if _, err := w.ExecContext(ctx, `INSERT INTO shipment_quality (sandbox, service_id, origin_country, dest_country,
		n, on_time, lost_or_damaged, first_attempt, tracking_complete) VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8)
		ON CONFLICT (sandbox, service_id, origin_country, dest_country) DO UPDATE SET n = shipment_quality.n + 1,
		on_time = shipment_quality.on_time + excluded.on_time,
		lost_or_damaged = shipment_quality.lost_or_damaged + excluded.lost_or_damaged,
		first_attempt = shipment_quality.first_attempt + excluded.first_attempt,
		tracking_complete = shipment_quality.tracking_complete + excluded.tracking_complete`,
		sc.Sandbox, sh.ServiceID, sh.From.Country, sh.To.Country, b2i(o.OnTime), b2i(o.LostOrDamaged),
		b2i(o.FirstAttempt), b2i(o.TrackingComplete)); err != nil {
		return fmt.Errorf("shipments: count quality: %w", err)
	}
	if o.Result != "delivered" || o.TransitDays <= 0 {
		return nil
	}
	if _, err := w.ExecContext(ctx, `INSERT INTO shipment_transit_days (sandbox, service_id, origin_country, dest_country,
		days, n) VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT (sandbox, service_id, origin_country, dest_country, days)
		DO UPDATE SET n = shipment_transit_days.n + 1`,
		sc.Sandbox, sh.ServiceID, sh.From.Country, sh.To.Country, o.TransitDays); err != nil {
		return fmt.Errorf("shipments: count transit days: %w", err)
	}
	return nil
}

// Observed implements rates.QualitySource: each service's record on the
// lane, counted from closed shipments of the caller's side of the
// sandbox, with the observed p80 transit days once there are
// MinTransitHistory deliveries.
func (s *Service) Observed(ctx context.Context, origin, dest string, serviceIDs []string) (map[string]rates.Observed, error) {
	out := map[string]rates.Observed{}
	if len(serviceIDs) == 0 {
		return out, nil
	}
	sc, _ := db.ScopeFrom(ctx)
	args := []any{sc.Sandbox, strings.ToUpper(origin), strings.ToUpper(dest)}
	in := make([]string, len(serviceIDs))
	for i, id := range serviceIDs {
		args = append(args, id)
		in[i] = fmt.Sprintf("$%d", len(args))
	}
	r := s.db.Q(ctx)
	rows, err := r.QueryContext(ctx, `SELECT service_id, n, on_time, lost_or_damaged, first_attempt, tracking_complete
		FROM shipment_quality WHERE sandbox = $1 AND origin_country = $2 AND dest_country = $3
		AND service_id IN (`+strings.Join(in, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("shipments: quality: %w", err)
	}
	for rows.Next() {
		var (
			id string
			o  rates.Observed
		)
		if err := rows.Scan(&id, &o.N, &o.OnTime, &o.LostOrDamaged, &o.FirstAttempt, &o.TrackingComplete); err != nil {
			rows.Close()
			return nil, fmt.Errorf("shipments: quality: %w", err)
		}
		out[id] = o
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = r.QueryContext(ctx, `SELECT service_id, days, n FROM shipment_transit_days WHERE sandbox = $1
		AND origin_country = $2 AND dest_country = $3 AND service_id IN (`+strings.Join(in, ", ")+`)
		ORDER BY service_id, days`, args...)
	if err != nil {
		return nil, fmt.Errorf("shipments: transit days: %w", err)
	}
	hist := map[string][][2]int64{}
	for rows.Next() {
		var (
			id      string
			days, n int64
		)
		if err := rows.Scan(&id, &days, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("shipments: transit days: %w", err)
		}
		hist[id] = append(hist[id], [2]int64{days, n})
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for id, h := range hist {
		if p, n := P80(h); n >= MinTransitHistory {
			o := out[id]
			o.TransitP80Days, o.TransitN = p, n
			out[id] = o
		}
	}
	return out, nil
}

// P80 is the 80th percentile of a histogram of (days, count) in
// ascending days — the smallest day count at least 80 % of deliveries
// made — and the number of deliveries.
func P80(h [][2]int64) (int, int64) {
	var n int64
	for _, b := range h {
		n += b[1]
	}
	if n == 0 {
		return 0, 0
	}
	need := (n*8 + 9) / 10
	var seen int64
	for _, b := range h {
		seen += b[1]
		if seen >= need {
			return int(b[0]), n
		}
	}
	return int(h[len(h)-1][0]), n
}

// Quality measures an upheld carrier claim counts against.
const (
	ClaimLostOrDamaged = "lost_or_damaged"
	ClaimLate          = "late"
)

// ClaimCounter reads upheld carrier claims (the claims module): per
// service on the lane, how many closed shipments have an upheld claim
// against each measure that tracking did not already count as bad.
type ClaimCounter interface {
	Upheld(ctx context.Context, origin, dest string, serviceIDs []string) (map[string]map[string]int64, error)
}

// WithClaims is the quality source of s with upheld carrier claims folded
// into each record: a shipment with an upheld loss, damage or shortage
// claim counts as lost or damaged, one with an upheld delay claim as not
// on time. Both stay within the record's n, so the measures remain rates
// smoothed toward the prior like the others.
func (s *Service) WithClaims(c ClaimCounter) rates.QualitySource {
	return claimedQuality{s: s, c: c}
}

type claimedQuality struct {
	s *Service
	c ClaimCounter
}

func (q claimedQuality) Observed(ctx context.Context, origin, dest string, serviceIDs []string) (map[string]rates.Observed, error) {
	out, err := q.s.Observed(ctx, origin, dest, serviceIDs)
	if err != nil || q.c == nil {
		return out, err
	}
	claims, err := q.c.Upheld(ctx, origin, dest, serviceIDs)
	if err != nil {
		return nil, err
	}
	for id, byTerm := range claims {
		o, ok := out[id]
		if !ok {
			continue // claims count only against a record tracking keeps
		}
		o.LostOrDamaged = min(o.N, o.LostOrDamaged+byTerm[ClaimLostOrDamaged])
		o.OnTime = max(0, o.OnTime-byTerm[ClaimLate])
		out[id] = o
	}
	return out, nil
}
