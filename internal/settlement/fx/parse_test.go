package fx

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func collect(t *testing.T, data []byte) ([]Record, string, error) {
	t.Helper()
	var out []Record
	format, err := Parse(bytes.NewReader(data), func(r Record) error {
		out = append(out, r)
		return nil
	})
	return out, format, err
}

func TestParseSamples(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file         string
		format       string
		rates        int
		first, last  string
		spotDate     string
		spotCurrency string
		spotRate     string
	}{
		{"eurofxref-daily.xml", FormatXML, 30, "2025-05-09", "2025-05-09", "2025-05-09", "JPY", "163.36"},
		{"eurofxref-hist-90d.xml", FormatXML, -1, "2016-12-05", "2017-03-03", "2017-03-03", "USD", "1.0565"},
		{"eurofxref.csv", FormatCSV, 29, "2026-04-13", "2026-04-13", "2026-04-13", "IDR", "20082.05"},
		{"eurofxref-hist-excerpt.csv", FormatCSV, -1, "1999-01-04", "2026-04-13", "1999-01-04", "TRL", "372274"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			recs, format, err := collect(t, data)
			if err != nil {
				t.Fatal(err)
			}
			if format != tc.format {
				t.Errorf("format %q, want %q", format, tc.format)
			}
			if tc.rates >= 0 && len(recs) != tc.rates {
				t.Errorf("%d rates, want %d", len(recs), tc.rates)
			}
			first, last, found := "9999", "", false
			for _, r := range recs {
				if r.Base != "EUR" {
					t.Fatalf("base %q", r.Base)
				}
				if r.Rate == "N/A" || r.Quote == "" {
					t.Fatalf("bad record %+v", r)
				}
				first, last = min(first, r.Date), max(last, r.Date)
				if r.Date == tc.spotDate && r.Quote == tc.spotCurrency {
					found = r.Rate == tc.spotRate
				}
			}
			if first != tc.first || last != tc.last {
				t.Errorf("dates %s…%s, want %s…%s", first, last, tc.first, tc.last)
			}
			if !found {
				t.Errorf("no %s %s = %s", tc.spotDate, tc.spotCurrency, tc.spotRate)
			}
		})
	}
}

func TestParseHistSkipsNA(t *testing.T) {
	t.Parallel()
	data, _ := os.ReadFile(filepath.Join("testdata", "eurofxref-hist-excerpt.csv"))
	recs, _, err := collect(t, data)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Date == "1999-01-04" && r.Quote == "CNY" {
			t.Fatal("N/A rate for CNY in 1999 was imported")
		}
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	const hdr = "Date,USD,JPY,\n"
	xmlHead := `<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">` + "\n<Cube>\n"
	for _, tc := range []struct {
		name   string
		in     string
		line   int
		record int
		msg    string
	}{
		{"empty", "", 1, 0, "empty file"},
		{"csv no date header", "Day,USD\n2024-01-02,1.1\n", 1, 0, "Date"},
		{"csv bad code", "Date,usd\n2024-01-02,1.1\n", 1, 0, "currency code"},
		{"csv bad date", hdr + "2024-01-02,1.1,150,\n2024-13-02,1.1,150,\n", 3, 2, "date"},
		{"csv negative rate", hdr + "2024-01-02,-1.1,150,\n", 2, 1, "USD"},
		{"csv float exponent", hdr + "2024-01-02,1e3,150,\n", 2, 1, "positive decimal"},
		{"csv zero", hdr + "2024-01-02,1.1,0,\n", 2, 1, "JPY"},
		{"csv too few", hdr + "2024-01-02,1.1\n", 2, 1, "1 rates for 2"},
		{"csv too many", hdr + "2024-01-02,1.1,2,3,4\n", 2, 1, "4 rates for 2"},
		{"csv quote", hdr + "2024-01-02,\"1.1,150,\n", 2, 1, ""},
		{"csv only NA", hdr + "2024-01-02,N/A,N/A,\n", 2, 0, "no rates"},
		{"csv day twice", hdr + "2024-01-02,1.1,150,\n2024-01-03,1.1,150,\n2024-01-02,1.1,150,\n", 4, 3, "second rate for USD on 2024-01-02"},
		{"csv currency twice", "Date,USD,USD\n2024-01-02,1.1,1.2\n", 2, 1, "second rate for USD"},
		{"xml currency twice", xmlHead + "<Cube time='2024-02-03'>\n<Cube currency='USD' rate='1.1'/>\n<Cube currency='USD' rate='1.1'/></Cube></Cube></gesmes:Envelope>", 5, 0, "second rate"},
		{"xml wrong root", `<html></html>`, 1, 0, "root element"},
		{"xml bad time", xmlHead + "<Cube time='2024-02-30'>\n<Cube currency='USD' rate='1.1'/></Cube></Cube></gesmes:Envelope>", 3, 0, "Cube time"},
		{"xml bad rate", xmlHead + "<Cube time='2024-02-03'>\n<Cube currency='USD' rate='abc'/></Cube></Cube></gesmes:Envelope>", 4, 0, "USD"},
		{"xml rate outside day", xmlHead + "<Cube currency='USD' rate='1.1'/></Cube></gesmes:Envelope>", 3, 0, ""},
		{"xml truncated", xmlHead + "<Cube time='2024-02-03'>\n<Cube currency='USD' rate='1.1'/>\n", 5, 0, "unexpected EOF"},
		{"xml no rates", xmlHead + "</Cube></gesmes:Envelope>", 3, 0, "no rates"},
		{"xml foreign namespace", `<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"><Cube/></gesmes:Envelope>`, 1, 0, "namespace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := collect(t, []byte(tc.in))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v, want a ParseError", err)
			}
			if pe.Line != tc.line || pe.Record != tc.record || !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("got line %d record %d %q, want line %d record %d containing %q",
					pe.Line, pe.Record, pe.Msg, tc.line, tc.record, tc.msg)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"eurofxref-daily.xml", "eurofxref.csv", "eurofxref-hist-excerpt.csv"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("Date,USD,\n2024-01-02,N/A,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		_, err := Parse(bytes.NewReader(data), func(r Record) error {
			n++
			if checkRecord(r) != "" || checkDate(r.Date) != nil || strings.HasSuffix(r.Rate, ".") ||
				(strings.Contains(r.Rate, ".") && strings.HasSuffix(r.Rate, "0")) {
				t.Fatalf("invalid record passed: %+v", r)
			}
			return nil
		})
		var pe *ParseError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("error that names no line: %v", err)
		}
		if err == nil && n == 0 {
			t.Fatal("success without rates")
		}
		if pe != nil && pe.Line < 1 {
			t.Fatalf("line %d", pe.Line)
		}
	})
}
