package rates

import (
	"fmt"
	"slices"

	"github.com/bojanz/currency"

	"github.com/silkgate/silkgate/internal/logistics"
	"github.com/silkgate/silkgate/internal/platform/money"
)

// Weights are the three weights of a shipment on one card, in grams.
type Weights struct {
	ActualG     int64 `json:"actual_g"`
	VolumetricG int64 `json:"volumetric_g"`
	// ChargeableG is max(actual, volumetric) rounded up to the card's
	// weight step.
	ChargeableG int64 `json:"chargeable_g"`
}

// ChargeableWeight applies the contract's rule: the larger of the summed
// actual weights and the summed volumetric weights (each parcel's
// L×W×H mm ÷ divisor, a part gram counting as a gram), rounded up to the
// weight step.
func ChargeableWeight(parcels []logistics.Parcel, divisor, step int64) Weights {
	var w Weights
	for _, p := range parcels {
		w.ActualG += p.WeightG
		w.VolumetricG += ceilDiv(p.VolumeMM3(), divisor)
	}
	w.ChargeableG = roundUp(max(w.ActualG, w.VolumetricG), step)
	return w
}

func ceilDiv(a, b int64) int64 {
	if b <= 0 {
		return a
	}
	return (a + b - 1) / b
}

func roundUp(v, step int64) int64 {
	if step <= 0 {
		return v
	}
	return ceilDiv(v, step) * step
}

// Charge is one line of a price.
type Charge struct {
	// Type is "base" or a surcharge type.
	Type   string      `json:"type"`
	Name   string      `json:"name,omitempty"`
	Amount money.Money `json:"amount"`
	// Percent is the surcharge rate when the charge is a percentage of the
	// base price.
	Percent string `json:"percent,omitempty"`
}

// Quote is a card's price for a shipment, in the card's currency.
type Quote struct {
	Zone    string      `json:"zone"`
	Weights Weights     `json:"weights"`
	Charges []Charge    `json:"charges"`
	Total   money.Money `json:"total"`
}

// errNoBand says the chargeable weight is above every band and there is
// no additional step.
var errNoBand = fmt.Errorf("rates: weight above the rate card")

// Price prices a shipment to zone z on card c. It assumes c is valid and
// the shipment passed the hard filters.
func (c *CarrierService) Price(z *Zone, dest logistics.Place, parcels []logistics.Parcel) (Quote, error) {
	w := ChargeableWeight(parcels, c.VolumetricDivisor, c.WeightStepG)
	base, err := c.basePrice(z.Name, w.ChargeableG)
	if err != nil {
		return Quote{}, err
	}
	q := Quote{Zone: z.Name, Weights: w}
	base = round(base)
	q.Charges = append(q.Charges, Charge{Type: "base", Amount: money.From(base)})
	total := base
	for _, s := range c.Surcharges {
		if !s.applies(z.Name, dest, parcels) {
			continue
		}
		ch := Charge{Type: s.Type, Name: s.Name}
		var amt currency.Amount
		if s.Percent != "" {
			pct, err := currency.NewAmount(s.Percent, c.Currency)
			if err != nil {
				return Quote{}, fmt.Errorf("rates: surcharge percent %q: %w", s.Percent, err)
			}
			// base × percent ÷ 100 in full precision, rounded once.
			amt, err = base.Mul(pct.Number())
			if err != nil {
				return Quote{}, err
			}
			if amt, err = amt.Div("100"); err != nil {
				return Quote{}, err
			}
			ch.Percent = s.Percent
		} else if amt, err = currency.NewAmount(s.Amount, c.Currency); err != nil {
			return Quote{}, fmt.Errorf("rates: surcharge amount %q: %w", s.Amount, err)
		}
		amt = round(amt)
		ch.Amount = money.From(amt)
		q.Charges = append(q.Charges, ch)
		if total, err = total.Add(amt); err != nil {
			return Quote{}, err
		}
	}
	q.Total = money.From(total)
	return q, nil
}

func round(a currency.Amount) currency.Amount {
	d, _ := money.Digits(a.CurrencyCode())
	return a.RoundTo(uint8(d), currency.RoundHalfEven)
}

// basePrice finds the first band of zone covering g; above the last band
// it adds, step by step, each additional tier's price per started PerG.
func (c *CarrierService) basePrice(zone string, g int64) (currency.Amount, error) {
	var last *Band
	for i := range c.Rates {
		b := &c.Rates[i]
		if b.Zone != zone {
			continue
		}
		if g <= b.UpToG {
			return currency.NewAmount(b.Price, c.Currency)
		}
		last = b
	}
	if last == nil {
		return currency.Amount{}, errNoBand
	}
	steps := make([]Step, 0, 2)
	for _, s := range c.Additional {
		if s.Zone == zone {
			steps = append(steps, s)
		}
	}
	slices.SortFunc(steps, func(a, b Step) int { return int(a.AboveG - b.AboveG) })
	if len(steps) == 0 || steps[0].AboveG > last.UpToG {
		return currency.Amount{}, errNoBand
	}
	total, err := currency.NewAmount(last.Price, c.Currency)
	if err != nil {
		return currency.Amount{}, err
	}
	for i, s := range steps {
		from := s.AboveG
		to := g
		if i+1 < len(steps) {
			to = min(g, steps[i+1].AboveG)
		}
		if to <= from {
			break
		}
		n := ceilDiv(to-from, s.PerG)
		price, err := currency.NewAmount(s.Price, c.Currency)
		if err != nil {
			return currency.Amount{}, err
		}
		add, err := price.Mul(fmt.Sprint(n))
		if err != nil {
			return currency.Amount{}, err
		}
		if total, err = total.Add(add); err != nil {
			return currency.Amount{}, err
		}
	}
	return total, nil
}

func (s Surcharge) applies(zone string, dest logistics.Place, parcels []logistics.Parcel) bool {
	if len(s.Zones) > 0 && !slices.Contains(s.Zones, zone) {
		return false
	}
	switch s.Type {
	case SurchargeRemoteArea:
		return matchPostcode(dest.Postcode, s.Postcodes[dest.Country])
	case SurchargeOversize:
		for _, p := range parcels {
			if s.OverSideMM > 0 && p.LongestSide() > s.OverSideMM || s.OverWeightG > 0 && p.WeightG > s.OverWeightG {
				return true
			}
		}
		return false
	}
	return true
}
