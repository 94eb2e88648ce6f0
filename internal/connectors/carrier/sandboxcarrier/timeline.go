package sandboxcarrier

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
)

// Step is one event of a planned timeline and how long after the label
// it happens, in simulated time.
type Step struct {
	carrier.TrackingEvent
	Offset time.Duration `json:"-"`
}

// gateways are the international hubs parcels leave from and arrive at;
// a country not listed uses its capital's airport under a generic name.
var gateways = map[string][]string{
	"CN": {"Shenzhen", "Shanghai Pudong", "Guangzhou Baiyun", "Yiwu", "Beijing Capital"},
	"HK": {"Hong Kong"},
	"DE": {"Frankfurt am Main", "Leipzig/Halle"},
	"FR": {"Paris Roissy-CDG"},
	"GB": {"London Heathrow", "East Midlands"},
	"US": {"Los Angeles (LAX)", "New York (JFK)", "Chicago (ORD)"},
	"JP": {"Tokyo Narita", "Osaka Kansai"},
	"SG": {"Singapore Changi"},
	"MY": {"Kuala Lumpur (KLIA)"},
	"TH": {"Bangkok Suvarnabhumi"},
	"AU": {"Sydney", "Melbourne"},
	"KW": {"Kuwait International"},
	"NL": {"Amsterdam Schiphol"},
	"ES": {"Madrid Barajas"},
	"IT": {"Milan Malpensa"},
}

func hub(country string, r *rand.Rand) string {
	hs, ok := gateways[country]
	if !ok {
		return country + " international gateway, " + country
	}
	return hs[r.IntN(len(hs))] + ", " + country
}

func place(a carrier.Address) string {
	if a.City == "" {
		return a.Country
	}
	return a.City + ", " + a.Country
}

// between returns a duration in [lo, hi] hours, to the minute.
func between(r *rand.Rand, lo, hi int) time.Duration {
	return time.Duration(lo*60+r.IntN((hi-lo)*60+1)) * time.Minute
}

// Plan returns the whole timeline of a parcel, label first: the events it
// will go through and when, counted from start. It depends only on its
// arguments, so the same parcel always has the same timeline. Transit
// times follow the service (express about 3–6 days door to door, standard
// 7–12, economy 12–25); the scenario in the number decides how it ends.
func Plan(number string, from, to carrier.Address, start time.Time) ([]Step, error) {
	n, err := ParseNumber(number)
	if err != nil {
		return nil, err
	}
	h := hash64(n.Service + n.Serial + n.Country)
	r := rand.New(rand.NewPCG(h, h^0x5a4db0c7))
	start = start.UTC()
	var (
		steps []Step
		at    time.Duration
	)
	add := func(d time.Duration, st carrier.Status, loc, desc, reason string) {
		at += d
		steps = append(steps, Step{TrackingEvent: carrier.TrackingEvent{Status: st, At: start.Add(at).Truncate(time.Second),
			Location: loc, Description: desc, Reason: reason}, Offset: at})
	}
	origin, dest := place(from), place(to)
	outHub, inHub := hub(from.Country, r), hub(to.Country, r)
	// Flight or sea-air legs by service: hours from departure to arrival.
	leg := map[string][2]int{"express": {10, 30}, "standard": {40, 110}, "economy": {120, 300}}[n.Service]

	add(0, carrier.LabelCreated, origin, "Shipping label created; the carrier awaits the parcel.", "")
	add(between(r, 3, 28), carrier.PickedUp, origin, "Parcel picked up from the sender.", "")
	add(between(r, 10, 36), carrier.ExportCustoms, outHub, "Export customs clearance completed.", "")
	add(between(r, 4, 20), carrier.Departed, outHub, "Departed from the origin country's international gateway.", "")
	if n.Scenario == Lost {
		add(240*time.Hour, carrier.Exception, outHub,
			"No scan for ten days after departure; the parcel is declared lost. A claim can be filed.", carrier.ReasonLost)
		return steps, nil
	}
	add(between(r, leg[0], leg[1]), carrier.ArrivedDestinationCountry, inHub, "Arrived in the destination country.", "")
	if n.Scenario == CustomsHold {
		add(between(r, 6, 24), carrier.Exception, inHub,
			"Held by import customs: an invoice and the HS code of each item are requested.", carrier.ReasonCustomsHold)
		add(between(r, 72, 120), carrier.ImportCustoms, inHub, "Released by import customs after review; duties paid.", "")
	} else {
		add(between(r, 8, 40), carrier.ImportCustoms, inHub, "Import customs clearance completed.", "")
	}
	add(between(r, 12, 48), carrier.OutForDelivery, dest, "Out for delivery with the last-mile partner.", "")
	switch n.Scenario {
	case AddressProblem:
		add(between(r, 2, 9), carrier.Exception, dest,
			"Delivery failed: the address is incomplete or the recipient is unknown.", carrier.ReasonAddressProblem)
		add(between(r, 150, 260), carrier.Returned, origin, "Returned to the sender after the address could not be corrected.", "")
	case Refused:
		add(between(r, 2, 9), carrier.Exception, dest, "The recipient refused the parcel.", carrier.ReasonRefused)
		add(between(r, 150, 260), carrier.Returned, origin, "Returned to the sender.", "")
	default:
		add(between(r, 1, 9), carrier.Delivered, dest, "Delivered; signed for by the recipient.", "")
	}
	return steps, nil
}

// Speed is how much faster than real time the sandbox plays timelines:
// one simulated day passes in one real minute, so a standard parcel is
// delivered in about ten minutes.
const Speed = 1440

// Due returns when a step falls due in real time, for a label bought at
// created: its simulated offset divided by Speed.
func Due(created time.Time, s Step) time.Time {
	return created.Add(s.Offset / Speed)
}

// String renders a step for logs and tests: "picked_up +5h12m".
func (s Step) String() string { return fmt.Sprintf("%s +%s", s.Status, s.Offset) }
