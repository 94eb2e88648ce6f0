// Package logistics owns clause 6.3.3 of the standard, the logistics
// function module: carrier services and their rate cards, rate
// comparison and carrier matching (6.3.3.1); shipments, tracking,
// overseas warehouses (6.3.3.2) and returns (6.3.3.3) follow in their
// own subpackages.
//
// This package holds only the vocabulary the subpackages share — places,
// parcels, transport modes, transit-day ranges — so that a shipment
// package can speak of the same parcel a rate comparison priced without
// importing the rate engine.
//
// # Subpackages
//
//   - rates: rate cards (shared services published by the platform and a
//     tenant's own negotiated services), pricing per the contract's rules,
//     and the explainable composite ranking of offers.
//   - shipments: shipments from an order and an offer, labels through
//     carrier connectors, tracking from every channel in one forward-only
//     status model, and the quality record rate comparison reads.
//   - warehouses: overseas warehouses (6.3.3.2) — stock per SKU and
//     grade with its movement ledger and age, inbound notices, outbound
//     orders allocated to the fastest warehouse with stock, sync with
//     operators, fees and stock alerts.
package logistics

import (
	"strings"

	"github.com/silkgate/silkgate/internal/platform/iso"
)

// Mode is how a service moves goods.
type Mode string

// Transport modes.
const (
	ModeAir  Mode = "air"
	ModeSea  Mode = "sea"
	ModeRail Mode = "rail"
	ModeRoad Mode = "road"
	ModePost Mode = "post"
)

// Modes lists every mode, for validation messages.
var Modes = []string{string(ModeAir), string(ModeSea), string(ModeRail), string(ModeRoad), string(ModePost)}

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool {
	for _, s := range Modes {
		if string(m) == s {
			return true
		}
	}
	return false
}

// Place is where a shipment starts or ends: a country and, where the
// carrier prices by it, a postcode.
type Place struct {
	Country  string `json:"country"`
	Postcode string `json:"postcode,omitempty"`
}

// Normalized upper-cases the country and trims the postcode, removing the
// spaces carriers ignore ("SW1A 1AA" and "SW1A1AA" are one postcode).
func (p Place) Normalized() Place {
	p.Country = strings.ToUpper(strings.TrimSpace(p.Country))
	p.Postcode = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(p.Postcode), " ", ""))
	return p
}

// ValidCountry reports whether c is an ISO 3166-1 alpha-2 code.
func ValidCountry(c string) bool { return iso.Country(c) }

// Parcel is one piece of a shipment: its actual weight and its outer
// dimensions (length, width, height in any order).
type Parcel struct {
	WeightG int64    `json:"weight_g"`
	DimsMM  [3]int64 `json:"dims_mm"`
}

// LongestSide returns the parcel's longest side in millimetres.
func (p Parcel) LongestSide() int64 { return max(p.DimsMM[0], p.DimsMM[1], p.DimsMM[2]) }

// Girth returns length plus twice the sum of the two other sides, the
// measure carriers cap: the longest side counts as the length.
func (p Parcel) Girth() int64 {
	l := p.LongestSide()
	return l + 2*(p.DimsMM[0]+p.DimsMM[1]+p.DimsMM[2]-l)
}

// VolumeMM3 returns the parcel's volume in cubic millimetres.
func (p Parcel) VolumeMM3() int64 { return p.DimsMM[0] * p.DimsMM[1] * p.DimsMM[2] }

// Days is a range of transit days, quoted or observed.
type Days struct {
	Min int `json:"min"`
	Max int `json:"max"`
}
