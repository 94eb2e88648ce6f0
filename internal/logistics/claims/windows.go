package claims

import "time"

// Window is how long after an event a carrier accepts a claim of one
// type.
type Window struct {
	Days int `json:"days"`
	// From is FromShipped (the label date: the parcel was handed over)
	// or FromDelivered (delivery, or the last tracking event of a parcel
	// never delivered, or the label date when there is no event at all).
	From string `json:"from"`
}

// What a window counts from.
const (
	FromShipped   = "shipped"
	FromDelivered = "delivered"
)

// DefaultWindows apply to every carrier without its own entry in
// CarrierWindows (or the service's configuration): a loss is claimed
// within 60 days of shipping, damage and shortage within 21 days of
// delivery, and delay within 30 days of delivery.
var DefaultWindows = map[Type]Window{
	Loss:     {Days: 60, From: FromShipped},
	Damage:   {Days: 21, From: FromDelivered},
	Shortage: {Days: 21, From: FromDelivered},
	Delay:    {Days: 30, From: FromDelivered},
}

// CarrierWindows overrides DefaultWindows per carrier code (the connector
// that bought the label), type by type; a type the entry leaves out keeps
// its default. It is empty as shipped: a carrier's own conditions of
// carriage are configured with Service.SetWindow.
var CarrierWindows = map[string]map[Type]Window{}

// window returns the window of claims of type t for carrier code.
func (s *Service) window(code string, t Type) Window {
	if w, ok := s.windows[code][t]; ok {
		return w
	}
	if w, ok := CarrierWindows[code][t]; ok {
		return w
	}
	return DefaultWindows[t]
}

// SetWindow sets the claim window of type t for carrier code, over
// CarrierWindows and DefaultWindows.
func (s *Service) SetWindow(code string, t Type, w Window) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]map[Type]Window{}
	for c, ws := range s.windows {
		m[c] = map[Type]Window{}
		for k, v := range ws {
			m[c][k] = v
		}
	}
	if m[code] == nil {
		m[code] = map[Type]Window{}
	}
	m[code][t] = w
	s.windows = m
}

// deadline is the last moment a claim of type t on sh may be filed, and
// the moment its window counts from.
func (s *Service) deadline(sh Shipment, t Type) (since, by time.Time, w Window) {
	s.mu.Lock()
	w = s.window(sh.CarrierCode, t)
	s.mu.Unlock()
	since = sh.ShippedAt
	if w.From == FromDelivered {
		switch {
		case sh.DeliveredAt != nil:
			since = *sh.DeliveredAt
		case sh.LastEventAt != nil:
			since = *sh.LastEventAt
		}
	}
	return since, since.AddDate(0, 0, w.Days), w
}
