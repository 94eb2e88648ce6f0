package rates

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

func TestCSVRoundTrip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteTemplate(&buf); err != nil {
		t.Fatal(err)
	}
	c, _, errs, err := parseCSV(&buf)
	if err != nil || len(errs) > 0 {
		t.Fatalf("template does not parse: %v %+v", err, errs)
	}
	full := dhl()
	full.Zones, full.Rates, full.Additional, full.Surcharges = c.Zones, c.Rates, c.Additional, c.Surcharges
	if err := full.Validate(); err != nil {
		t.Fatalf("template card invalid: %v", err)
	}
	var again bytes.Buffer
	if err := WriteCSV(&again, full); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	_ = WriteTemplate(&buf)
	if again.String() != buf.String() {
		t.Errorf("export differs from template:\n%s\n%s", again.String(), buf.String())
	}
}

func TestCSVRowErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		csv  string
		want []string // "row:column:code"
	}{
		{"cell errors", "record,zone,countries,min_days,max_days,up_to_g,price\nzone,EU,DE,three,5,,\nband,EU,,,,abc,1.00\nwhat,,,,,,\n",
			[]string{"2:min_days:invalid_integer", "3:up_to_g:invalid_integer", "4:record:one_of"}},
		{"semicolons and blank rows", "record;zone;countries;min_days;max_days;up_to_g;price\n;;;;;;\nzone;EU;DE;x;5;;\n",
			[]string{"3:min_days:invalid_integer"}},
		{"bad postcode list", "record,zone,countries,postcodes,min_days,max_days\nzone,EU,DE,18565,1,2\n",
			[]string{"2:postcodes:invalid_postcode_pattern"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, errs, err := parseCSV(strings.NewReader(tc.csv))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range errs {
				got = append(got, strings.Join([]string{itoa(e.Row), e.Column, e.Code}, ":"))
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestCardRowsMapping(t *testing.T) {
	t.Parallel()
	_, rows, errs, err := parseCSV(strings.NewReader("record,zone,countries,min_days,max_days,up_to_g,price\n" +
		"zone,EU,DE,3,5,,\nband,EU,,,,500,21.00\nband,EU,,,,400,x\n"))
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	for field, want := range map[string]string{"rates[1].price": "4:price", "rates[0].up_to_g": "3:up_to_g",
		"zones[0].transit_days.min": "2:min_days", "currency": "0:"} {
		r, c := rows.rowOf(field)
		if got := itoa(r) + ":" + c; got != want {
			t.Errorf("%s → %s, want %s", field, got, want)
		}
	}
}
