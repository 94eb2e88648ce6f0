package vault

import (
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func TestParseNumber(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		digits   string
		brand    Brand
		code     string
	}{
		{"visa", "4242424242424242", "4242424242424242", Visa, ""},
		{"visa 13", "4222222222222", "4222222222222", Visa, ""},
		{"visa 19", "4000000000000000006", "4000000000000000006", Visa, ""},
		{"visa spaced", " 4242 4242 4242 4242 ", "4242424242424242", Visa, ""},
		{"visa dashed", "4242-4242-4242-4242", "4242424242424242", Visa, ""},
		{"mastercard 5-series", "5555555555554444", "5555555555554444", Mastercard, ""},
		{"mastercard 2-series low", "2223003122003222", "2223003122003222", Mastercard, ""},
		{"mastercard 2-series high", "2720992720992729", "2720992720992729", Mastercard, ""},
		{"amex 34", "343434343434343", "343434343434343", Amex, ""},
		{"amex 37", "378282246310005", "378282246310005", Amex, ""},
		{"unionpay", "6200000000000005", "6200000000000005", UnionPay, ""},
		{"unionpay 19", "6212345678901234567", "", UnionPay, CodeLuhn},
		{"jcb", "3566002020360505", "3566002020360505", JCB, ""},
		{"discover 6011", "6011111111111117", "6011111111111117", Discover, ""},
		{"discover 65", "6500000000000002", "6500000000000002", Discover, ""},
		{"diners 14", "36227206271667", "36227206271667", Diners, ""},
		{"diners 300", "30569309025904", "30569309025904", Diners, ""},
		{"maestro", "6759649826438453", "6759649826438453", Maestro, ""},
		{"maestro 12", "500000000004", "", Maestro, CodeLuhn},
		{"empty", "  ", "", "", CodeRequired},
		{"letters", "4242a24242424242", "", "", CodeFormat},
		{"double space", "4242  4242 4242 4242", "", "", CodeFormat},
		{"leading dash", "-4242424242424242", "", "", CodeFormat},
		{"too short", "42424242424", "", "", CodeFormat},
		{"too long", "42424242424242424242", "", "", CodeFormat},
		{"unicode digits", "４２４２４２４２４２４２４２４２", "", "", CodeFormat},
		{"unknown brand 1", "1234567812345670", "", "", CodeUnknownBrand},
		{"unknown brand 9", "9999999999999995", "", "", CodeUnknownBrand},
		{"mastercard 2-series gap", "2220000000000000", "", "", CodeUnknownBrand},
		{"luhn", "4242424242424241", "", Visa, CodeLuhn},
		{"visa 15 digits", "424242424242424", "", Visa, CodeLength},
		{"amex 16 digits", "3782822463100054", "", Amex, CodeLength},
		{"mastercard 19 digits", "5555555555554444000", "", Mastercard, CodeLength},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, b, code := ParseNumber(tc.in)
			if d != tc.digits || b != tc.brand || code != tc.code {
				t.Errorf("ParseNumber(%q) = %q, %q, %q; want %q, %q, %q", tc.in, d, b, code, tc.digits, tc.brand, tc.code)
			}
		})
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"4242424242424242":    "424242******4242",
		"378282246310005":     "378282*****0005",
		"500000000004":        "500000**0004",
		"4000000000000000006": "400000*********0006",
		"123":                 "***",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%s) = %s, want %s", in, got, want)
		}
		if got := maskedFrom(in[:min(6, len(in))], in[max(0, len(in)-4):], len(in)); len(in) >= 10 && got != Mask(in) {
			t.Errorf("maskedFrom disagrees with Mask for %s: %s", in, got)
		}
	}
}

func TestExpired(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		month, year int
		at          time.Time
		want        bool
	}{
		{11, 2026, now, false},
		{10, 2026, now, true},
		{12, 2025, now, true},
		{11, 2026, time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC), false},
		{11, 2026, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), true},
		{12, 2026, time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), false},
		{12, 2026, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), true},
	} {
		if got := Expired(tc.month, tc.year, tc.at); got != tc.want {
			t.Errorf("Expired(%d/%d at %s) = %v", tc.month, tc.year, tc.at, got)
		}
	}
}

// TestValidate: every bad field is named, each with its code, and nothing
// of the number comes back in the problem.
func TestValidate(t *testing.T) {
	t.Parallel()
	good := NewCard{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2030, CVC: "123", Holder: "Chen Li"}
	with := func(f func(*NewCard)) NewCard { c := good; f(&c); return c }
	for _, tc := range []struct {
		name  string
		card  NewCard
		field string
		code  string
	}{
		{"good", good, "", ""},
		{"two-digit year", with(func(c *NewCard) { c.ExpYear = 30 }), "", ""},
		{"this month", with(func(c *NewCard) { c.ExpMonth, c.ExpYear = 11, 2026 }), "", ""},
		{"amex 4-digit cvc", with(func(c *NewCard) { c.Number, c.CVC = "378282246310005", "1234" }), "", ""},
		{"no number", with(func(c *NewCard) { c.Number = "" }), "number", CodeRequired},
		{"bad luhn", with(func(c *NewCard) { c.Number = "4242424242424241" }), "number", CodeLuhn},
		{"unknown brand", with(func(c *NewCard) { c.Number = "9999999999999995" }), "number", CodeUnknownBrand},
		{"wrong length", with(func(c *NewCard) { c.Number = "424242424242424" }), "number", CodeLength},
		{"letters", with(func(c *NewCard) { c.Number = "4242x" }), "number", CodeFormat},
		{"no month", with(func(c *NewCard) { c.ExpMonth = 0 }), "exp_month", CodeRequired},
		{"no year", with(func(c *NewCard) { c.ExpYear = 0 }), "exp_year", CodeRequired},
		{"month -1", with(func(c *NewCard) { c.ExpMonth = -1 }), "exp_month", "out_of_range"},
		{"month 13", with(func(c *NewCard) { c.ExpMonth = 13 }), "exp_month", "out_of_range"},
		{"last month", with(func(c *NewCard) { c.ExpMonth, c.ExpYear = 10, 2026 }), "exp_month", CodeExpired},
		{"last year", with(func(c *NewCard) { c.ExpYear = 2025 }), "exp_year", CodeExpired},
		{"far future", with(func(c *NewCard) { c.ExpYear = 2050 }), "exp_year", "out_of_range"},
		{"no cvc", with(func(c *NewCard) { c.CVC = "" }), "cvc", CodeRequired},
		{"short cvc", with(func(c *NewCard) { c.CVC = "12" }), "cvc", CodeFormat},
		{"visa 4-digit cvc", with(func(c *NewCard) { c.CVC = "1234" }), "cvc", CodeFormat},
		{"amex 3-digit cvc", with(func(c *NewCard) { c.Number = "378282246310005" }), "cvc", CodeFormat},
		{"letter cvc", with(func(c *NewCard) { c.CVC = "12a" }), "cvc", CodeFormat},
		{"long holder", with(func(c *NewCard) { c.Holder = strings.Repeat("陈", 101) }), "holder", "max_length"},
		{"number as holder", with(func(c *NewCard) { c.Holder = "Chen 4242 4242 4242 4242" }), "holder", CodeFormat},
		{"control in holder", with(func(c *NewCard) { c.Holder = "Chen\x00Li" }), "holder", CodeFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.card.validate(now)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			pe, ok := problem.As(err)
			if !ok || pe.Status != 422 {
				t.Fatalf("got %v, want a 422", err)
			}
			found := false
			for _, f := range pe.Fields {
				found = found || f.Field == tc.field && f.Code == tc.code
			}
			if !found {
				t.Errorf("fields %+v, want %s:%s", pe.Fields, tc.field, tc.code)
			}
			if strings.Contains(pe.Error(), "424242424242") {
				t.Errorf("the problem echoes the number: %v", pe)
			}
		})
	}
}

func TestCVCCache(t *testing.T) {
	t.Parallel()
	c := newCVCCache(time.Hour)
	c.put("a", "123")
	c.put("a", "456") // replaces, wiping the first
	if got, ok := c.take("a"); !ok || got != "456" {
		t.Fatalf("take = %q %v", got, ok)
	}
	if _, ok := c.take("a"); ok {
		t.Fatal("a code served two authorisations")
	}
	c.put("b", "789")
	h := c.m["b"]
	c.drop("b")
	if string(h.code) != "\x00\x00\x00" || c.len() != 0 {
		t.Fatalf("drop left %q, %d held", h.code, c.len())
	}
	short := newCVCCache(20 * time.Millisecond)
	short.put("c", "321")
	deadline := time.Now().Add(5 * time.Second)
	for short.len() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("an expired code is still held")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, ok := short.take("c"); ok {
		t.Fatal("an expired code was served")
	}
}
