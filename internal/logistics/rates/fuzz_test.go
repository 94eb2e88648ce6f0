package rates

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzParseCSV: any upload either parses or is refused cleanly, and a
// card that parses and validates survives an export and re-import.
func FuzzParseCSV(f *testing.F) {
	var tmpl bytes.Buffer
	_ = WriteTemplate(&tmpl)
	f.Add(tmpl.String())
	f.Add("record;zone;countries\nzone;EU;DE|FR\n")
	f.Add("record,postcodes\nsurcharge,DE:185*|GB:HS*\n")
	f.Fuzz(func(t *testing.T, in string) {
		c, _, errs, err := parseCSV(strings.NewReader(in))
		if err != nil || len(errs) > 0 {
			return
		}
		full := dhl()
		full.Zones, full.Rates, full.Additional, full.Surcharges = c.Zones, c.Rates, c.Additional, c.Surcharges
		if full.Validate() != nil {
			return
		}
		full = full.Normalized()
		var out bytes.Buffer
		if err := WriteCSV(&out, full); err != nil {
			t.Fatal(err)
		}
		back, _, errs, err := parseCSV(&out)
		if err != nil || len(errs) > 0 {
			t.Fatalf("export does not re-import: %v %+v\n%s", err, errs, out.String())
		}
		again := full
		again.Zones, again.Rates, again.Additional, again.Surcharges = back.Zones, back.Rates, back.Additional, back.Surcharges
		if err := again.Validate(); err != nil {
			t.Fatalf("re-imported card invalid: %v", err)
		}
	})
}
