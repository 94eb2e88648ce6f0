package rates

import "context"

// Quality is estimated, not measured, until a service has a history: a
// new service with three perfect deliveries must not outrank one with
// three thousand good ones. Each rate is shrunk toward a prior with the
// beta-binomial posterior mean r̂ = (k + α·p₀) / (n + α); α is how many
// shipments of evidence the prior is worth.

// Observed is a service's record on a lane, counted from the platform's
// own tracking history: N shipments, and of them how many went well on
// each measure.
type Observed struct {
	N int64 `json:"n"`
	// OnTime arrived within the quoted days.
	OnTime int64 `json:"on_time"`
	// LostOrDamaged is the one bad-outcome count.
	LostOrDamaged int64 `json:"lost_or_damaged"`
	// FirstAttempt were delivered at the first attempt.
	FirstAttempt int64 `json:"first_attempt"`
	// TrackingComplete had every expected tracking stage.
	TrackingComplete int64 `json:"tracking_complete"`
	// TransitP80Days is the 80th percentile of the door-to-door days of
	// TransitN deliveries; zero while the history is too short to say.
	TransitP80Days int   `json:"transit_p80_days,omitempty"`
	TransitN       int64 `json:"transit_n,omitempty"`
}

// QualitySource reads services' records on a lane from the platform's
// tracking history (the shipments module), in the caller's scope.
type QualitySource interface {
	Observed(ctx context.Context, origin, dest string, serviceIDs []string) (map[string]Observed, error)
}

// Estimator smooths observed rates toward a prior.
type Estimator struct {
	// Prior is the quality assumed with no evidence (0.8).
	Prior float64
	// Alpha is the prior's weight in shipments (20).
	Alpha float64
}

// DefaultEstimator is the platform's prior: 0.8, worth 20 shipments.
var DefaultEstimator = Estimator{Prior: 0.8, Alpha: 20}

// Rate is the smoothed rate of k good outcomes in n.
func (e Estimator) Rate(k, n int64) float64 {
	k = min(max(k, 0), max(n, 0))
	return (float64(k) + e.Alpha*e.Prior) / (float64(max(n, 0)) + e.Alpha)
}

// Score is the mean of the four smoothed good-outcome rates, in 0..1.
func (e Estimator) Score(o Observed) float64 {
	return (e.Rate(o.OnTime, o.N) + e.Rate(o.N-o.LostOrDamaged, o.N) +
		e.Rate(o.FirstAttempt, o.N) + e.Rate(o.TrackingComplete, o.N)) / 4
}
