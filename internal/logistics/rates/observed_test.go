package rates

import (
	"context"
	"testing"

	"github.com/silkgate/silkgate/internal/logistics"
)

// TestObservedTransitReplacesQuoted checks that a service's observed p80
// stands in for its quoted days — in the offer, its time utility and the
// deadline filter — while the quoted days stay on the offer.
func TestObservedTransitReplacesQuoted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := dhl()
	svc.ID = "svc_obs"
	svc.Zones[0].TransitDays = logistics.Days{Min: 3, Max: 5}
	r := shipment()
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	quoted, err := Comparer{}.Compare(ctx, r, []CarrierService{svc})
	if err != nil || len(quoted.Offers) != 1 {
		t.Fatalf("quoted: %v %+v", err, quoted)
	}
	slow := Comparer{Quality: func(id, _, _ string) Observed {
		return Observed{N: 40, OnTime: 10, LostOrDamaged: 10, FirstAttempt: 20, TrackingComplete: 20, TransitP80Days: 9, TransitN: 40}
	}}
	res, err := slow.Compare(ctx, r, []CarrierService{svc})
	if err != nil || len(res.Offers) != 1 {
		t.Fatalf("observed: %v %+v", err, res)
	}
	o, q := res.Offers[0], quoted.Offers[0]
	if o.TransitSource != "observed" || o.TransitDays != (logistics.Days{Min: 3, Max: 9}) || o.QuotedDays != (logistics.Days{Min: 3, Max: 5}) {
		t.Errorf("offer days: %s %+v quoted %+v", o.TransitSource, o.TransitDays, o.QuotedDays)
	}
	if q.TransitSource != "quoted" || q.QuotedDays != q.TransitDays {
		t.Errorf("quoted offer: %s %+v %+v", q.TransitSource, q.TransitDays, q.QuotedDays)
	}
	if o.Explain[1].Value != "9" || o.Explain[1].Utility >= q.Explain[1].Utility || o.QualityScore >= q.QualityScore {
		t.Errorf("time %+v vs %+v, quality %v vs %v", o.Explain[1], q.Explain[1], o.QualityScore, q.QualityScore)
	}
	r.MaxTransitDays = 7
	res, err = slow.Compare(ctx, r, []CarrierService{svc})
	if err != nil || len(res.Offers) != 0 || len(res.Excluded) != 1 || res.Excluded[0].Reason != ReasonDeadline {
		t.Errorf("deadline on observed days: %v %+v", err, res)
	}
}
