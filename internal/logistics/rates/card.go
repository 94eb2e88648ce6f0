package rates

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/logistics"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// CarrierService is one carrier product with its rate card: where it
// goes (zones), what it costs (bands, additional steps, surcharges) and
// what it can carry (limits, dangerous goods). A service with an empty
// TenantID is shared: the platform publishes it and every tenant sees it.
type CarrierService struct {
	ID      string         `json:"id"`
	Shared  bool           `json:"shared"`
	Carrier string         `json:"carrier"`
	Name    string         `json:"name"`
	Mode    logistics.Mode `json:"mode"`
	// Notes is free text shown to sellers (e.g. "sample data").
	Notes           string   `json:"notes,omitempty"`
	OriginCountries []string `json:"origin_countries"`
	Currency        string   `json:"currency"`
	// VolumetricDivisor turns mm³ into grams: 5000 is the air-express
	// convention (1 m³ = 200 kg), 6000 post, 1000 sea (1 m³ = 1 t).
	VolumetricDivisor int64       `json:"volumetric_divisor"`
	WeightStepG       int64       `json:"weight_step_g"`
	Zones             []Zone      `json:"zones"`
	Rates             []Band      `json:"rates"`
	Additional        []Step      `json:"additional,omitempty"`
	Surcharges        []Surcharge `json:"surcharges,omitempty"`
	Limits            Limits      `json:"limits"`
	// DangerousGoodsAccepted lists the UN numbers the service carries; a
	// shipment declaring any other is excluded.
	DangerousGoodsAccepted []string  `json:"dangerous_goods_accepted,omitempty"`
	Version                int64     `json:"version"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

// Zone is a group of destinations priced alike. Postcodes narrows a
// country to some of its postcodes; a zone listing a country without
// postcode patterns takes all of it. Zones are tried in order, so list a
// narrower zone (a country's islands) before the country's main zone.
type Zone struct {
	Name        string              `json:"name"`
	Countries   []string            `json:"countries"`
	Postcodes   map[string][]string `json:"postcodes,omitempty"`
	TransitDays logistics.Days      `json:"transit_days"`
}

// Band is one weight band of a zone: the price of any chargeable weight
// up to UpToG grams not covered by a lighter band.
type Band struct {
	Zone  string `json:"zone"`
	UpToG int64  `json:"up_to_g"`
	Price string `json:"price"`
}

// Step prices weight above a zone's last band: Price for every PerG
// grams (or part of it) above AboveG, up to the next step's AboveG.
type Step struct {
	Zone   string `json:"zone"`
	AboveG int64  `json:"above_g"`
	PerG   int64  `json:"per_g"`
	Price  string `json:"price"`
}

// Surcharge types.
const (
	SurchargeFuel       = "fuel"
	SurchargeRemoteArea = "remote_area"
	SurchargeOversize   = "oversize"
	SurchargeOther      = "other"
)

var surchargeTypes = []string{SurchargeFuel, SurchargeRemoteArea, SurchargeOversize, SurchargeOther}

// Surcharge is a charge on top of the base price: either Percent of the
// base price or a fixed Amount in the card's currency. A remote-area
// surcharge applies to the Postcodes it lists; an oversize one when a
// parcel's longest side exceeds OverSideMM or its weight OverWeightG;
// Zones, when set, restricts any surcharge to those zones.
type Surcharge struct {
	Type        string              `json:"type"`
	Name        string              `json:"name,omitempty"`
	Percent     string              `json:"percent,omitempty"`
	Amount      string              `json:"amount,omitempty"`
	Zones       []string            `json:"zones,omitempty"`
	Postcodes   map[string][]string `json:"postcodes,omitempty"`
	OverSideMM  int64               `json:"over_side_mm,omitempty"`
	OverWeightG int64               `json:"over_weight_g,omitempty"`
}

// Limits are what one parcel may be; zero means no limit.
type Limits struct {
	MaxWeightG int64 `json:"max_weight_g,omitempty"`
	MaxSideMM  int64 `json:"max_side_mm,omitempty"`
	MaxGirthMM int64 `json:"max_girth_mm,omitempty"`
}

const (
	maxZones      = 200
	maxBands      = 1000
	maxSurcharges = 50
	maxPatterns   = 5000
)

// Normalized trims and upper-cases codes so that stored cards compare
// and match the same way whatever the caller typed.
func (c CarrierService) Normalized() CarrierService {
	c.Carrier, c.Name, c.Notes = strings.TrimSpace(c.Carrier), strings.TrimSpace(c.Name), strings.TrimSpace(c.Notes)
	c.Mode = logistics.Mode(strings.ToLower(strings.TrimSpace(string(c.Mode))))
	c.Currency = strings.ToUpper(strings.TrimSpace(c.Currency))
	c.OriginCountries = upperAll(c.OriginCountries)
	c.DangerousGoodsAccepted = upperAll(c.DangerousGoodsAccepted)
	c.Zones = slices.Clone(c.Zones)
	for i := range c.Zones {
		z := &c.Zones[i]
		z.Name = strings.TrimSpace(z.Name)
		z.Countries = upperAll(z.Countries)
		z.Postcodes = normPostcodes(z.Postcodes)
	}
	c.Rates = slices.Clone(c.Rates)
	for i := range c.Rates {
		c.Rates[i].Zone = strings.TrimSpace(c.Rates[i].Zone)
		c.Rates[i].Price = strings.TrimSpace(c.Rates[i].Price)
	}
	c.Additional = slices.Clone(c.Additional)
	for i := range c.Additional {
		c.Additional[i].Zone = strings.TrimSpace(c.Additional[i].Zone)
		c.Additional[i].Price = strings.TrimSpace(c.Additional[i].Price)
	}
	c.Surcharges = slices.Clone(c.Surcharges)
	for i := range c.Surcharges {
		s := &c.Surcharges[i]
		s.Type = strings.ToLower(strings.TrimSpace(s.Type))
		s.Name = strings.TrimSpace(s.Name)
		s.Percent, s.Amount = strings.TrimSpace(s.Percent), strings.TrimSpace(s.Amount)
		for j := range s.Zones {
			s.Zones[j] = strings.TrimSpace(s.Zones[j])
		}
		s.Postcodes = normPostcodes(s.Postcodes)
	}
	if c.OriginCountries == nil {
		c.OriginCountries = []string{}
	}
	return c
}

func upperAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToUpper(strings.TrimSpace(s))
	}
	return out
}

func normPostcodes(m map[string][]string) map[string][]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		ps := make([]string, len(v))
		for i, p := range v {
			ps[i] = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(p), " ", ""))
		}
		out[strings.ToUpper(strings.TrimSpace(k))] = ps
	}
	return out
}

// Validate reports every problem of c, each naming its field
// ("zones[0].countries[1]", "rates[3].price").
func (c CarrierService) Validate() error {
	c = c.Normalized()
	var fs problem.Errors
	text := func(field, v string, maxLen int) {
		switch {
		case v == "":
			fs.Add(field, "required")
		case len(v) > maxLen:
			fs.Add(field, "max_length", "max", maxLen)
		}
	}
	text("carrier", c.Carrier, 100)
	text("name", c.Name, 200)
	if len(c.Notes) > 2000 {
		fs.Add("notes", "max_length", "max", 2000)
	}
	if !c.Mode.Valid() {
		fs.Add("mode", "one_of", "values", strings.Join(logistics.Modes, ", "))
	}
	if len(c.OriginCountries) == 0 {
		fs.Add("origin_countries", "min_items", "min", 1)
	}
	for i, o := range c.OriginCountries {
		if !logistics.ValidCountry(o) {
			fs.Add(fmt.Sprintf("origin_countries[%d]", i), "invalid_country", "country", o)
		}
	}
	if !money.ValidCurrency(c.Currency) {
		fs.Add("currency", "invalid_currency", "currency", c.Currency)
	}
	if c.VolumetricDivisor <= 0 {
		fs.Add("volumetric_divisor", "positive")
	}
	if c.WeightStepG <= 0 {
		fs.Add("weight_step_g", "positive")
	}
	zones := map[string]bool{}
	if len(c.Zones) == 0 {
		fs.Add("zones", "min_items", "min", 1)
	} else if len(c.Zones) > maxZones {
		fs.Add("zones", "max_items", "max", maxZones)
	}
	for i, z := range c.Zones {
		p := fmt.Sprintf("zones[%d]", i)
		text(p+".name", z.Name, 50)
		if zones[z.Name] && z.Name != "" {
			fs.Add(p+".name", "duplicate")
		}
		zones[z.Name] = true
		if len(z.Countries) == 0 {
			fs.Add(p+".countries", "min_items", "min", 1)
		}
		for j, cc := range z.Countries {
			if !logistics.ValidCountry(cc) {
				fs.Add(fmt.Sprintf("%s.countries[%d]", p, j), "invalid_country", "country", cc)
			}
		}
		checkPatterns(&fs, p+".postcodes", z.Postcodes, z.Countries)
		if z.TransitDays.Min <= 0 {
			fs.Add(p+".transit_days.min", "positive")
		}
		if z.TransitDays.Max < z.TransitDays.Min || z.TransitDays.Max > 365 {
			fs.Add(p+".transit_days.max", "out_of_range", "min", max(z.TransitDays.Min, 1), "max", 365)
		}
	}
	if len(c.Rates) == 0 {
		fs.Add("rates", "min_items", "min", 1)
	} else if len(c.Rates) > maxBands {
		fs.Add("rates", "max_items", "max", maxBands)
	}
	lastBand := map[string]int64{}
	for i, b := range c.Rates {
		p := fmt.Sprintf("rates[%d]", i)
		if !zones[b.Zone] {
			fs.Add(p+".zone", "not_found")
		}
		if b.UpToG <= 0 {
			fs.Add(p+".up_to_g", "positive")
		} else if b.UpToG <= lastBand[b.Zone] {
			// Bands ascend per zone so "the first band that covers it" is
			// also the cheapest reading of the card.
			fs.Add(p+".up_to_g", "out_of_range", "min", lastBand[b.Zone]+1, "max", int64(1e9))
		} else {
			lastBand[b.Zone] = b.UpToG
		}
		checkPrice(&fs, p+".price", b.Price, c.Currency)
	}
	for z := range zones {
		if _, ok := lastBand[z]; !ok && z != "" && len(c.Rates) > 0 {
			fs.Add("rates", "zone_without_rates", "zone", z)
		}
	}
	lastStep := map[string]int64{}
	for i, s := range c.Additional {
		p := fmt.Sprintf("additional[%d]", i)
		if !zones[s.Zone] {
			fs.Add(p+".zone", "not_found")
		}
		prev, seen := lastStep[s.Zone]
		switch {
		case !seen && s.AboveG != lastBand[s.Zone]:
			// The first step must start where the bands stop, or some
			// weights would have no price.
			fs.Add(p+".above_g", "out_of_range", "min", lastBand[s.Zone], "max", lastBand[s.Zone])
		case seen && s.AboveG <= prev:
			fs.Add(p+".above_g", "out_of_range", "min", prev+1, "max", int64(1e9))
		}
		lastStep[s.Zone] = s.AboveG
		if s.PerG <= 0 {
			fs.Add(p+".per_g", "positive")
		}
		checkPrice(&fs, p+".price", s.Price, c.Currency)
	}
	if len(c.Surcharges) > maxSurcharges {
		fs.Add("surcharges", "max_items", "max", maxSurcharges)
	}
	for i, s := range c.Surcharges {
		p := fmt.Sprintf("surcharges[%d]", i)
		if !slices.Contains(surchargeTypes, s.Type) {
			fs.Add(p+".type", "one_of", "values", strings.Join(surchargeTypes, ", "))
		}
		switch {
		case (s.Percent == "") == (s.Amount == ""):
			fs.Add(p+".amount", "percent_or_amount")
		case s.Percent != "":
			if v, err := strconv.ParseFloat(s.Percent, 64); err != nil || strings.ContainsAny(s.Percent, "eE") {
				fs.Add(p+".percent", "invalid_number")
			} else if v < 0 || v > 1000 {
				fs.Add(p+".percent", "out_of_range", "min", 0, "max", 1000)
			}
		default:
			checkPrice(&fs, p+".amount", s.Amount, c.Currency)
		}
		for j, z := range s.Zones {
			if !zones[z] {
				fs.Add(fmt.Sprintf("%s.zones[%d]", p, j), "not_found")
			}
		}
		if s.Type == SurchargeRemoteArea && len(s.Postcodes) == 0 {
			fs.Add(p+".postcodes", "required")
		}
		checkPatterns(&fs, p+".postcodes", s.Postcodes, nil)
		if s.Type == SurchargeOversize && s.OverSideMM <= 0 && s.OverWeightG <= 0 {
			fs.Add(p+".over_side_mm", "required")
		}
		if s.OverSideMM < 0 {
			fs.Add(p+".over_side_mm", "positive")
		}
		if s.OverWeightG < 0 {
			fs.Add(p+".over_weight_g", "positive")
		}
	}
	if c.Limits.MaxWeightG < 0 {
		fs.Add("limits.max_weight_g", "positive")
	}
	if c.Limits.MaxSideMM < 0 {
		fs.Add("limits.max_side_mm", "positive")
	}
	if c.Limits.MaxGirthMM < 0 {
		fs.Add("limits.max_girth_mm", "positive")
	}
	for i, un := range c.DangerousGoodsAccepted {
		if !ValidUN(un) {
			fs.Add(fmt.Sprintf("dangerous_goods_accepted[%d]", i), "invalid_un_number")
		}
	}
	return fs.Err()
}

// ValidUN reports whether s is a UN number as dangerous-goods lists write
// it: "UN" and four digits.
func ValidUN(s string) bool {
	if len(s) != 6 || !strings.HasPrefix(s, "UN") {
		return false
	}
	return strings.Trim(s[2:], "0123456789") == ""
}

// checkPrice reports a price that is not a non-negative amount in the
// card's currency with at most its minor units (a zero price is allowed:
// some contracts include the first band in a monthly fee).
func checkPrice(fs *problem.Errors, field, v, cur string) {
	if !money.ValidCurrency(cur) {
		return // the currency field already says so
	}
	if _, code, params := money.Check(money.Money{Amount: v, Currency: cur}, false); code != "" {
		fs.Add(field, code, params...)
	}
}

func checkPatterns(fs *problem.Errors, field string, m map[string][]string, countries []string) {
	n := 0
	for cc, ps := range m {
		f := field + "." + cc
		if !logistics.ValidCountry(cc) {
			fs.Add(f, "invalid_country", "country", cc)
		} else if countries != nil && !slices.Contains(countries, cc) {
			fs.Add(f, "not_found")
		}
		for i, p := range ps {
			n++
			if !validPattern(p) {
				fs.Add(fmt.Sprintf("%s[%d]", f, i), "invalid_postcode_pattern")
			}
		}
	}
	if n > maxPatterns {
		fs.Add(field, "max_items", "max", maxPatterns)
	}
}

// validPattern accepts the three postcode patterns a card may use: an
// exact postcode ("18565"), a prefix ("185*") and an inclusive range of
// postcodes of equal length ("18000-18999").
func validPattern(p string) bool {
	okChars := func(s string) bool {
		return s != "" && len(s) <= 12 && strings.IndexFunc(s, func(r rune) bool {
			return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r == '-')
		}) < 0
	}
	if pre, ok := strings.CutSuffix(p, "*"); ok {
		return okChars(pre) && !strings.Contains(pre, "-")
	}
	if lo, hi, ok := strings.Cut(p, "-"); ok && len(lo) == len(hi) && okChars(lo) && okChars(hi) &&
		!strings.Contains(hi, "-") && lo <= hi && isDigits(lo) && isDigits(hi) {
		return true
	}
	return okChars(p)
}

func isDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

// matchPostcode reports whether postcode pc matches any of ps.
func matchPostcode(pc string, ps []string) bool {
	for _, p := range ps {
		if pre, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(pc, pre) {
				return true
			}
			continue
		}
		if lo, hi, ok := strings.Cut(p, "-"); ok && isDigits(lo) && len(lo) == len(hi) && isDigits(hi) {
			// Equal-length digit strings order like their numbers.
			if len(pc) >= len(lo) && isDigits(pc[:len(lo)]) && len(pc) == len(lo) && pc >= lo && pc <= hi {
				return true
			}
			continue
		}
		if pc == p {
			return true
		}
	}
	return false
}

// zoneFor returns the zone serving dest, if any.
func (c *CarrierService) zoneFor(dest logistics.Place) (*Zone, bool) {
	for i := range c.Zones {
		z := &c.Zones[i]
		if !slices.Contains(z.Countries, dest.Country) {
			continue
		}
		ps, narrowed := z.Postcodes[dest.Country]
		if !narrowed || matchPostcode(dest.Postcode, ps) {
			return z, true
		}
	}
	return nil, false
}

// XMLRoot names a service's XML element.
func (CarrierService) XMLRoot() string { return "carrier_service" }
