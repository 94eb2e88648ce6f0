package money

import "testing"

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		in       Money
		negative bool
		want     string
		code     string
	}{
		{"pads to minor units", Money{"12.5", "USD"}, false, "12.50", ""},
		{"integer", Money{"12", "EUR"}, false, "12.00", ""},
		{"JPY has none", Money{"1200", "JPY"}, false, "1200", ""},
		{"JPY decimals refused", Money{"1200.5", "JPY"}, false, "", CodePrecision},
		{"KWD three", Money{"1.2", "KWD"}, false, "1.200", ""},
		{"KWD four refused", Money{"1.2345", "KWD"}, false, "", CodePrecision},
		{"trailing zeros fine", Money{"1.2000", "USD"}, false, "1.20", ""},
		{"unknown currency", Money{"1", "XXY"}, false, "", CodeCurrency},
		{"lower-case currency", Money{"1", "usd"}, false, "", CodeCurrency},
		{"not a number", Money{"12,50", "USD"}, false, "", CodeAmount},
		{"exponent", Money{"1e3", "USD"}, false, "", CodeAmount},
		{"empty", Money{"", "USD"}, false, "", CodeAmount},
		{"negative refused", Money{"-1.00", "USD"}, false, "", CodeNegative},
		{"negative allowed", Money{"-1.00", "USD"}, true, "-1.00", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, code, _ := Check(tt.in, tt.negative)
			if code != tt.code {
				t.Fatalf("code %q, want %q", code, tt.code)
			}
			if code == "" && got.Amount != tt.want {
				t.Errorf("amount %q, want %q", got.Amount, tt.want)
			}
		})
	}
}

func TestFromRoundsHalfEven(t *testing.T) {
	for in, want := range map[string]string{"0.125": "0.12", "0.135": "0.14", "2.675": "2.68", "-0.125": "-0.12"} {
		m, err := New(in, "USD")
		if err != nil || m.Amount != want {
			t.Errorf("New(%s) = %v %v, want %s", in, m, err, want)
		}
	}
}
