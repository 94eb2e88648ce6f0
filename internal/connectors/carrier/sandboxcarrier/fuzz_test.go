package sandboxcarrier

import (
	"strings"
	"testing"
)

// FuzzParseNumber: tracking numbers arrive in URLs; parsing never panics,
// and whatever parses is exactly the S10 shape with a matching check digit.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"LS512345679CN", "RE473124829GB", "ls100000003cn", "EX200000004DE", "", "LS5123456 9CN", "LS51234567٩CN"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNumber(s)
		if err != nil {
			return
		}
		u := strings.ToUpper(strings.TrimSpace(s))
		c, cerr := CheckDigit(n.Serial)
		if cerr != nil || len(u) != 13 || u[10] != c || u[2:10] != n.Serial || u[11:] != n.Country || !ServiceValid(n.Service) {
			t.Errorf("ParseNumber(%q) accepted %+v", s, n)
		}
	})
}
