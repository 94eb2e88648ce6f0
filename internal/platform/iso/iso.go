// Package iso validates the codes cross-border data is keyed by: ISO
// 3166-1 alpha-2 countries (from golang.org/x/text's CLDR region data, so
// the list stays current with the library), HS code shapes, and the
// markets Silkgate's regulation database is organised by.
package iso

import (
	"regexp"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// Country reports whether code is an ISO 3166-1 alpha-2 country code
// (upper case, as written on the wire). Groupings such as "EU" or "UN"
// and the private-use codes are not countries.
func Country(code string) bool {
	if len(code) != 2 || code != strings.ToUpper(code) {
		return false
	}
	if slices.Contains(notCountries, code) {
		return false
	}
	r, err := language.ParseRegion(code)
	return err == nil && r.IsCountry() && r.String() == code
}

// notCountries are codes CLDR knows as regions that ISO 3166-1 reserves
// for groupings or special use: an address cannot be in them.
var notCountries = []string{"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}

// Markets are the target markets of the regulation database: single
// countries by their ISO code plus the EU single market, and the ASEAN
// markets individually.
var Markets = []string{"EU", "US", "UK", "GB", "JP", "SG", "MY", "TH", "VN", "ID", "PH", "CN", "CA", "AU", "KR"}

// Market reports whether code names a market: a listed one, or any
// country code.
func Market(code string) bool {
	return slices.Contains(Markets, code) || Country(code)
}

var hsShape = regexp.MustCompile(`^[0-9]{6}([0-9]{2}){0,2}$`)

// HSCode reports whether code has the shape of a Harmonized System code:
// the 6-digit international subheading, optionally extended by national
// digits to 8 or 10. Dots and spaces, as people write them, are accepted
// and removed.
func HSCode(code string) (string, bool) {
	c := strings.NewReplacer(".", "", " ", "").Replace(code)
	return c, hsShape.MatchString(c)
}
