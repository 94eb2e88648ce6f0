package edi

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// normDecimal checks an EDI numeric value and returns it in canonical
// form, keeping the precision the sender wrote: "1.000" stays "1.000",
// ".5" becomes "0.5", "+7" and "007" become "7", and a decimal comma
// (EDIFACT allows either mark) becomes a point. Exponents are refused.
func normDecimal(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", false
	}
	neg := false
	switch v[0] {
	case '-':
		neg, v = true, v[1:]
	case '+':
		v = v[1:]
	}
	intPart, frac, hasPoint := v, "", false
	if i := strings.IndexAny(v, ".,"); i >= 0 {
		intPart, frac, hasPoint = v[:i], v[i+1:], true
	}
	if intPart == "" && frac == "" || !digits(intPart) || !digits(frac) {
		return "", false
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	out := intPart
	if hasPoint && frac != "" {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out, true
}

// impliedDecimal reads an X12 "N2"-style value (TDS01): digits with an
// implied decimal point n places from the right, so "255438" is "2554.38".
// A value that already has a point is taken as written.
func impliedDecimal(v string, n int) (string, bool) {
	v = strings.TrimSpace(v)
	if strings.ContainsAny(v, ".,") {
		return normDecimal(v)
	}
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimLeft(strings.TrimPrefix(v, "-"), "+")
	if v == "" || !digits(v) {
		return "", false
	}
	for len(v) <= n {
		v = "0" + v
	}
	if neg {
		v = "-" + v
	}
	return normDecimal(v[:len(v)-n] + "." + v[len(v)-n:])
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// addDecimal adds two canonical decimal strings exactly (used for hash
// totals). Only non-negative values with up to 18 digits either side are
// handled; ok is false otherwise.
func addDecimal(a, b string) (string, bool) {
	ai, af, aok := splitDec(a)
	bi, bf, bok := splitDec(b)
	if !aok || !bok {
		return "", false
	}
	scale := max(len(af), len(bf))
	af += strings.Repeat("0", scale-len(af))
	bf += strings.Repeat("0", scale-len(bf))
	x, err1 := strconv.ParseUint(ai+af, 10, 64)
	y, err2 := strconv.ParseUint(bi+bf, 10, 64)
	if err1 != nil || err2 != nil || x > 1<<62 || y > 1<<62 {
		return "", false
	}
	s := strconv.FormatUint(x+y, 10)
	if scale == 0 {
		return s, true
	}
	for len(s) <= scale {
		s = "0" + s
	}
	return s[:len(s)-scale] + "." + s[len(s)-scale:], true
}

func splitDec(v string) (string, string, bool) {
	i, f, _ := strings.Cut(v, ".")
	if i == "" || len(i) > 18 || len(f) > 18 || !digits(i) || !digits(f) {
		return "", "", false
	}
	return i, f, true
}

// sameNumber compares two counts or control numbers that may be
// zero-padded ("0000000013" and "13").
func sameNumber(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if digits(a) && digits(b) && a != "" && b != "" {
		return strings.TrimLeft(a, "0") == strings.TrimLeft(b, "0")
	}
	return a == b
}

// parseCount reads a trailer count such as SE01 or UNT 0074.
func parseCount(v string) (int, bool) {
	v = strings.TrimSpace(v)
	if v == "" || !digits(v) || len(v) > 12 {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// Timestamps.
//
// Dates and times in EDI carry no zone unless a time code says so. They are
// read in the partner's zone (Profile.TimeZone, UTC by default) and written
// as RFC 3339; a date without a time becomes midnight.

// x12DateTime reads an X12 date (CCYYMMDD, or YYMMDD with years before 50
// taken as 20YY) and optional time (HHMM, HHMMSS, HHMMSSd..).
func x12DateTime(date, tm string, loc *time.Location) (time.Time, bool) {
	date, tm = strings.TrimSpace(date), strings.TrimSpace(tm)
	if !digits(date) {
		return time.Time{}, false
	}
	switch len(date) {
	case 6:
		yy, _ := strconv.Atoi(date[:2])
		if yy < 50 {
			date = "20" + date
		} else {
			date = "19" + date
		}
	case 8:
	default:
		return time.Time{}, false
	}
	layout := "20060102"
	if tm != "" {
		if !digits(tm) || len(tm) < 4 {
			return time.Time{}, false
		}
		switch {
		case len(tm) == 4:
			layout += "1504"
		case len(tm) >= 6:
			tm = tm[:6]
			layout += "150405"
		default:
			return time.Time{}, false
		}
	}
	t, err := time.ParseInLocation(layout, date+tm, loc)
	return t, err == nil
}

// edifactDateTime reads a DTM value by its format code (2379).
func edifactDateTime(v, format string, loc *time.Location) (time.Time, bool) {
	v = strings.TrimSpace(v)
	var layout string
	switch format {
	case "102", "":
		if format == "" && len(v) != 8 {
			if len(v) == 12 {
				layout = "200601021504"
				break
			}
			return time.Time{}, false
		}
		layout = "20060102"
	case "101":
		layout = "060102"
	case "201":
		layout = "0601021504"
	case "203":
		layout = "200601021504"
	case "204":
		layout = "20060102150405"
	case "205":
		if len(v) != 17 {
			return time.Time{}, false
		}
		t, err := time.Parse("200601021504-0700", v)
		return t, err == nil
	default:
		return time.Time{}, false
	}
	if !digits(v) || len(v) != len(layout) {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation(layout, v, loc)
	return t, err == nil
}

// knownDateFormat reports whether edifactDateTime understands format.
func knownDateFormat(f string) bool {
	switch f {
	case "", "101", "102", "201", "203", "204", "205":
		return true
	}
	return false
}

func rfc3339(t time.Time) string { return t.Format(time.RFC3339) }

// x12TimeZone maps an X12 time code (data element 623, as in AT707 or
// DTM04) to a location. The "…T" codes mean the local time of a region, so
// daylight saving applies; "…S" and "…D" are fixed offsets.
func x12TimeZone(code string, fallback *time.Location) *time.Location {
	if m, ok := fixedTimeCodes[code]; ok {
		return time.FixedZone(code, m*60)
	}
	if r, ok := regionalTimeCodes[code]; ok {
		return loadLocation(r.name, code, r.std)
	}
	return fallback
}

// zoneCache keeps loaded locations: time.LoadLocation reads the zone
// database on every call.
var zoneCache sync.Map // IANA name → *time.Location

// loadLocation loads an IANA zone once; without a zone database, standard
// time is a better guess than none.
func loadLocation(name, code string, stdMinutes int) *time.Location {
	if loc, ok := zoneCache.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = time.FixedZone(code, stdMinutes*60)
	}
	zoneCache.Store(name, loc)
	return loc
}

// fixedTimeCodes are X12 standard ("…S") and daylight ("…D") time codes,
// in minutes east of UTC.
var fixedTimeCodes = map[string]int{
	"ES": -5 * 60, "ED": -4 * 60, "CS": -6 * 60, "CD": -5 * 60,
	"MS": -7 * 60, "MD": -6 * 60, "PS": -8 * 60, "PD": -7 * 60,
	"AS": -9 * 60, "AD": -8 * 60, "HS": -10 * 60, "HD": -9 * 60,
	"NS": -(3*60 + 30), "ND": -(2*60 + 30), "TS": -4 * 60, "TD": -3 * 60,
	"GM": 0, "UT": 0,
}

// regionalTimeCodes are X12 "…T" time codes: a region's local time.
var regionalTimeCodes = map[string]struct {
	name string
	std  int
}{
	"ET": {"America/New_York", -5 * 60}, "CT": {"America/Chicago", -6 * 60},
	"MT": {"America/Denver", -7 * 60}, "PT": {"America/Los_Angeles", -8 * 60},
	"AT": {"America/Anchorage", -9 * 60}, "HT": {"America/Adak", -10 * 60},
	"NT": {"America/St_Johns", -(3*60 + 30)}, "TT": {"America/Halifax", -4 * 60},
}
