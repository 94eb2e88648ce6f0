package edi

import (
	"testing"
	"time"
)

func TestNormDecimal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"12.50", "12.50", true}, {"1.000", "1.000", true}, {".5", "0.5", true}, {"5.", "5", true},
		{"+7", "7", true}, {"007", "7", true}, {"-0.25", "-0.25", true}, {"-0", "0", true}, {"-0.00", "0.00", true},
		{"1,5", "1.5", true}, {" 3 ", "3", true}, {"0", "0", true},
		{"", "", false}, {".", "", false}, {"1.2.3", "", false}, {"1e3", "", false}, {"abc", "", false}, {"--1", "", false}, {"1 000", "", false},
	}
	for _, tt := range tests {
		got, ok := normDecimal(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("normDecimal(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestImpliedDecimal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"255438", "2554.38", true}, {"5", "0.05", true}, {"-5", "-0.05", true}, {"100", "1.00", true},
		{"12.34", "12.34", true}, {"", "", false}, {"12a", "", false},
	}
	for _, tt := range tests {
		got, ok := impliedDecimal(tt.in, 2)
		if got != tt.want || ok != tt.ok {
			t.Errorf("impliedDecimal(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAddAndShiftDecimal(t *testing.T) {
	t.Parallel()
	if got, _ := addDecimal("1.5", "2.25"); got != "3.75" {
		t.Errorf("addDecimal = %q", got)
	}
	if got, _ := addDecimal("24", "6"); got != "30" {
		t.Errorf("addDecimal = %q", got)
	}
	if _, ok := addDecimal("-1", "2"); ok {
		t.Error("negative added")
	}
	for in, want := range map[string]string{"1250": "12.50", "5": "0.05", "12.5": "0.125", "-300": "-3.00"} {
		if got := shiftDecimal(in, 2); got != want {
			t.Errorf("shiftDecimal(%q, 2) = %q, want %q", in, got, want)
		}
	}
}

func TestDates(t *testing.T) {
	t.Parallel()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tests := []struct {
		name string
		got  func() (time.Time, bool)
		want string
	}{
		{"x12 CCYYMMDD", func() (time.Time, bool) { return x12DateTime("20260101", "", time.UTC) }, "2026-01-01T00:00:00Z"},
		{"x12 YYMMDD 20xx", func() (time.Time, bool) { return x12DateTime("260101", "1200", time.UTC) }, "2026-01-01T12:00:00Z"},
		{"x12 YYMMDD 19xx", func() (time.Time, bool) { return x12DateTime("960807", "1548", time.UTC) }, "1996-08-07T15:48:00Z"},
		{"x12 seconds and hundredths", func() (time.Time, bool) { return x12DateTime("20111206", "14242899", time.UTC) }, "2011-12-06T14:24:28Z"},
		{"x12 partner zone", func() (time.Time, bool) { return x12DateTime("20260701", "0930", berlin) }, "2026-07-01T09:30:00+02:00"},
		{"x12 time code ES", func() (time.Time, bool) { return x12DateTime("20191103", "1534", x12TimeZone("ES", time.UTC)) }, "2019-11-03T15:34:00-05:00"},
		{"x12 time code PT in summer", func() (time.Time, bool) { return x12DateTime("20190702", "1625", x12TimeZone("PT", time.UTC)) }, "2019-07-02T16:25:00-07:00"},
		{"x12 time code PT in winter", func() (time.Time, bool) { return x12DateTime("20191202", "1625", x12TimeZone("PT", time.UTC)) }, "2019-12-02T16:25:00-08:00"},
		{"edifact 102", func() (time.Time, bool) { return edifactDateTime("20051107", "102", time.UTC) }, "2005-11-07T00:00:00Z"},
		{"edifact 203", func() (time.Time, bool) { return edifactDateTime("201603211421", "203", time.UTC) }, "2016-03-21T14:21:00Z"},
		{"edifact 204", func() (time.Time, bool) { return edifactDateTime("20160321142105", "204", time.UTC) }, "2016-03-21T14:21:05Z"},
		{"edifact 205", func() (time.Time, bool) { return edifactDateTime("201603211421+0100", "205", time.UTC) }, "2016-03-21T14:21:00+01:00"},
		{"edifact 101", func() (time.Time, bool) { return edifactDateTime("051107", "101", time.UTC) }, "2005-11-07T00:00:00Z"},
		{"edifact no format, 8 digits", func() (time.Time, bool) { return edifactDateTime("20051107", "", time.UTC) }, "2005-11-07T00:00:00Z"},
	}
	for _, tt := range tests {
		got, ok := tt.got()
		if !ok || rfc3339(got) != tt.want {
			t.Errorf("%s = %s, %v; want %s", tt.name, rfc3339(got), ok, tt.want)
		}
	}
	for _, bad := range [][2]string{{"20261399", ""}, {"2026010", ""}, {"20260101", "25"}, {"20260101", "2561"}, {"abcdefgh", ""}} {
		if _, ok := x12DateTime(bad[0], bad[1], time.UTC); ok {
			t.Errorf("x12DateTime(%q, %q) accepted", bad[0], bad[1])
		}
	}
	if _, ok := edifactDateTime("20051307", "102", time.UTC); ok {
		t.Error("edifact month 13 accepted")
	}
}
