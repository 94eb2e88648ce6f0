package iso

import "testing"

func TestCountry(t *testing.T) {
	for code, want := range map[string]bool{"DE": true, "CN": true, "SG": true, "US": true, "GB": true,
		"EU": false, "UN": false, "ZZ": false, "de": false, "DEU": false, "": false, "XK": true, "QO": false} {
		if got := Country(code); got != want {
			t.Errorf("Country(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestHSCode(t *testing.T) {
	for in, want := range map[string]string{"950300": "950300", "9503.00": "950300", "8507.60.00": "85076000",
		"8507600010": "8507600010", "95030": "", "9503000": "", "ABCDEF": "", "85076000101": ""} {
		got, ok := HSCode(in)
		if ok != (want != "") || ok && got != want {
			t.Errorf("HSCode(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}
