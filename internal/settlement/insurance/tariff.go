package insurance

import (
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/cockroachdb/apd/v3"
	"go.yaml.in/yaml/v3"

	"github.com/silkgate/silkgate/internal/platform/iso"
	"github.com/silkgate/silkgate/internal/platform/money"
)

//go:embed tariff.yaml
var sampleTariff []byte

// Transport modes a tariff prices.
var Transports = []string{"air", "sea", "road", "rail", "post"}

// Tariff is a cargo rate table: base rates per commodity class and
// transport mode, route risk bands, excluded countries, minimum premiums
// and deductibles per currency. All figures are decimal strings.
type Tariff struct {
	Version              string               `yaml:"version" json:"version"`
	Source               string               `yaml:"source" json:"source"`
	QuoteTTL             string               `yaml:"quote_ttl" json:"quote_ttl"`
	DefaultUpliftPercent string               `yaml:"default_uplift_percent" json:"default_uplift_percent"`
	Commodities          map[string]Commodity `yaml:"commodities" json:"commodities"`
	Bands                map[string]Band      `yaml:"bands" json:"bands"`
	Excluded             map[string]string    `yaml:"excluded" json:"excluded"`
	MinimumPremium       map[string]string    `yaml:"minimum_premium" json:"minimum_premium"`
	MinimumDeductible    map[string]string    `yaml:"minimum_deductible" json:"minimum_deductible"`
	ttl                  time.Duration
	bandOf               map[string]string
	defaultBand          string
	dec                  map[string]*apd.Decimal
}

// Commodity is one commodity class's base rates by transport mode.
type Commodity struct {
	Air               string `yaml:"air" json:"air"`
	Sea               string `yaml:"sea" json:"sea"`
	Road              string `yaml:"road" json:"road"`
	Rail              string `yaml:"rail" json:"rail"`
	Post              string `yaml:"post" json:"post"`
	DeductiblePercent string `yaml:"deductible_percent" json:"deductible_percent"`
}

func (c Commodity) rate(transport string) string {
	switch transport {
	case "air":
		return c.Air
	case "sea":
		return c.Sea
	case "road":
		return c.Road
	case "rail":
		return c.Rail
	case "post":
		return c.Post
	}
	return ""
}

// Band is a route risk band: a factor on the base rate and its countries
// (none for the band every unlisted country falls in).
type Band struct {
	Factor    string   `yaml:"factor" json:"factor"`
	Countries []string `yaml:"countries,omitempty" json:"countries,omitempty"`
}

// SampleTariff returns the shipped sample tariff.
func SampleTariff() (*Tariff, error) { return ParseTariff(sampleTariff) }

// ParseTariff reads and checks a tariff in YAML.
func ParseTariff(b []byte) (*Tariff, error) {
	var t Tariff
	if err := yaml.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("insurance: tariff: %w", err)
	}
	return &t, t.prepare()
}

// prepare checks every figure once, so that pricing never meets a bad one.
func (t *Tariff) prepare() error {
	var err error
	if t.ttl, err = time.ParseDuration(t.QuoteTTL); err != nil || t.ttl <= 0 {
		return fmt.Errorf("insurance: tariff quote_ttl %q is not a positive duration", t.QuoteTTL)
	}
	t.dec = map[string]*apd.Decimal{}
	num := func(key, s string, positive bool) error {
		d, _, err := apd.NewFromString(s)
		if err != nil || d.Negative || (positive && d.IsZero()) {
			return fmt.Errorf("insurance: tariff %s: %q is not a positive decimal", key, s)
		}
		t.dec[key] = d
		return nil
	}
	if err := num("uplift", t.DefaultUpliftPercent, false); err != nil {
		return err
	}
	if len(t.Commodities) == 0 {
		return fmt.Errorf("insurance: tariff has no commodity class")
	}
	for name, c := range t.Commodities {
		for _, tr := range Transports {
			if err := num("rate/"+name+"/"+tr, c.rate(tr), true); err != nil {
				return err
			}
		}
		if err := num("deductible/"+name, c.DeductiblePercent, false); err != nil {
			return err
		}
	}
	t.bandOf = map[string]string{}
	for name, b := range t.Bands {
		if err := num("band/"+name, b.Factor, true); err != nil {
			return err
		}
		if len(b.Countries) == 0 {
			if t.defaultBand != "" {
				return fmt.Errorf("insurance: tariff bands %s and %s both lack countries", t.defaultBand, name)
			}
			t.defaultBand = name
		}
		for _, c := range b.Countries {
			if !iso.Country(c) {
				return fmt.Errorf("insurance: tariff band %s: %q is not an ISO country", name, c)
			}
			if prev, dup := t.bandOf[c]; dup {
				return fmt.Errorf("insurance: tariff: %s is in bands %s and %s", c, prev, name)
			}
			t.bandOf[c] = name
		}
	}
	if t.defaultBand == "" {
		return fmt.Errorf("insurance: tariff needs one band without countries for the rest of the world")
	}
	for c := range t.Excluded {
		if !iso.Country(c) {
			return fmt.Errorf("insurance: tariff excluded: %q is not an ISO country", c)
		}
	}
	for _, tbl := range []struct {
		name string
		m    map[string]string
	}{{"minimum_premium", t.MinimumPremium}, {"minimum_deductible", t.MinimumDeductible}} {
		for cur, a := range tbl.m {
			if _, code, _ := money.Check(money.Money{Amount: a, Currency: cur}, false); code != "" {
				return fmt.Errorf("insurance: tariff %s %s %q: %s", tbl.name, cur, a, code)
			}
			if err := num(tbl.name+"/"+cur, a, false); err != nil {
				return err
			}
		}
	}
	for cur := range t.MinimumPremium {
		if _, ok := t.MinimumDeductible[cur]; !ok {
			return fmt.Errorf("insurance: tariff has a minimum premium but no minimum deductible in %s", cur)
		}
	}
	return nil
}

// TTL is how long a quote on this tariff stays valid.
func (t *Tariff) TTL() time.Duration { return t.ttl }

// CommodityClasses lists the tariff's commodity classes, sorted.
func (t *Tariff) CommodityClasses() []string {
	out := make([]string, 0, len(t.Commodities))
	for k := range t.Commodities {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Currencies lists the premium currencies the tariff writes, sorted.
func (t *Tariff) Currencies() []string {
	out := make([]string, 0, len(t.MinimumPremium))
	for k := range t.MinimumPremium {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// band returns the route band of a country.
func (t *Tariff) band(country string) string {
	if b, ok := t.bandOf[country]; ok {
		return b
	}
	return t.defaultBand
}
