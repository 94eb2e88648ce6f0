package iso20022

import (
	"regexp"
	"strings"

	"github.com/silkgate/silkgate/internal/platform/iso"
)

// ibanLengths is the IBAN length of each country in the SWIFT IBAN
// registry; a country absent from it does not issue IBANs.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
	"BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
	"ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
	"HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
	"LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
	"MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
	"RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}

// Problem codes of identifier checks, usable as validation codes.
const (
	CodeIBANFormat   = "iban_format"
	CodeIBANCountry  = "iban_country"
	CodeIBANLength   = "iban_length"
	CodeIBANChecksum = "iban_checksum"
	CodeBIC          = "bic_format"
)

// NormalizeIBAN removes spaces and upper-cases s: the electronic form.
func NormalizeIBAN(s string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
}

// CheckIBAN validates an IBAN in electronic form and returns "" or a
// problem code with its parameters.
func CheckIBAN(iban string) (string, []any) {
	if len(iban) < 5 || len(iban) > 34 {
		return CodeIBANFormat, nil
	}
	for i, r := range iban {
		switch {
		case i < 2 && (r < 'A' || r > 'Z'):
			return CodeIBANFormat, nil
		case i >= 2 && i < 4 && (r < '0' || r > '9'):
			return CodeIBANFormat, nil
		case (r < 'A' || r > 'Z') && (r < '0' || r > '9'):
			return CodeIBANFormat, nil
		}
	}
	n, ok := ibanLengths[iban[:2]]
	if !ok {
		return CodeIBANCountry, []any{"country", iban[:2]}
	}
	if len(iban) != n {
		return CodeIBANLength, []any{"country", iban[:2], "length", n}
	}
	// Check digits run from 02 to 98: 00, 01 and 99 pass mod-97 only as
	// aliases of 97, 98 and 02.
	if cd := iban[2:4]; cd == "00" || cd == "01" || cd == "99" || mod97(iban[4:]+iban[:4]) != 1 {
		return CodeIBANChecksum, nil
	}
	return "", nil
}

// mod97 is the ISO 7064 MOD 97-10 remainder of s with letters expanded to
// two digits (A = 10 … Z = 35), computed digit by digit so that no big
// number is needed.
func mod97(s string) int {
	r := 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			r = (r*10 + int(c-'0')) % 97
		default:
			v := int(c-'A') + 10
			r = (r*100 + v) % 97
		}
	}
	return r
}

// IBANCheckDigits returns the IBAN of country and bban with its check
// digits computed: tests and the sandbox documentation build valid IBANs
// with it.
func IBANCheckDigits(country, bban string) string {
	c := 98 - mod97(strings.ToUpper(bban)+strings.ToUpper(country)+"00")
	return strings.ToUpper(country) + string(rune('0'+c/10)) + string(rune('0'+c%10)) + strings.ToUpper(bban)
}

var bicRE = regexp.MustCompile(`^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$`)

// CheckBIC validates a BIC (ISO 9362: party, country, location and an
// optional branch) and returns "" or CodeBIC.
func CheckBIC(bic string) string {
	if !bicRE.MatchString(bic) || !iso.Country(bic[4:6]) {
		return CodeBIC
	}
	return ""
}
