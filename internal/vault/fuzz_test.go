package vault

import (
	"strings"
	"testing"
)

// FuzzParseNumber: whatever comes in, the parser never panics, accepts
// only a number it can vouch for (digits of an accepted brand's length,
// passing Luhn, the input's digits in order) and never returns digits
// with a problem.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"4242424242424242", "4242 4242 4242 4242", "378282246310005", "2223-0031-2200-3222",
		"", " ", "--", "4", "١٢٣", "4242424242424241", "62000000000000050000", "6759649826438453"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, b, code := ParseNumber(s)
		if code != "" {
			if d != "" {
				t.Fatalf("%q: digits %q returned with problem %s", s, d, code)
			}
			return
		}
		if len(d) < 12 || len(d) > 19 || strings.Trim(d, "0123456789") != "" {
			t.Fatalf("%q: accepted %q", s, d)
		}
		if !Luhn(d) || Detect(d) != b || b == "" {
			t.Fatalf("%q: accepted %q as %q", s, d, b)
		}
		if strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s)) != d {
			t.Fatalf("%q: digits %q are not the input's", s, d)
		}
		m := Mask(d)
		if len(m) != len(d) || strings.Count(m, "*") != len(d)-10 || m[:6] != d[:6] || m[len(m)-4:] != d[len(d)-4:] {
			t.Fatalf("Mask(%s) = %s", d, m)
		}
	})
}
