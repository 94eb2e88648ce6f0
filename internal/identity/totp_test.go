package identity

import (
	"encoding/base32"
	"net/url"
	"testing"
	"time"
)

// rfcSecret is RFC 6238 appendix B's SHA-1 seed, "12345678901234567890".
var rfcSecret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

// TestMatchTOTPVectors checks the RFC 6238 SHA-1 test vectors (the
// 8-digit values of appendix B, whose last 6 digits are the 6-digit code).
func TestMatchTOTPVectors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		unix int64
		code string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			at := time.Unix(tc.unix, 0)
			if got, want := matchTOTP(rfcSecret, tc.code, at), tc.unix/30; got != want {
				t.Errorf("matchTOTP at %d = %d, want step %d", tc.unix, got, want)
			}
		})
	}
}

func TestMatchTOTPWindow(t *testing.T) {
	t.Parallel()
	now := time.Unix(1111111111, 0)
	step := now.Unix() / 30
	codeAt := func(s int64) string {
		t.Helper()
		h := &harness{t: t, clock: &clock{t: time.Unix(s*30, 0)}}
		return h.code(rfcSecret, 0)
	}
	for _, tc := range []struct {
		name string
		code string
		want int64
	}{
		{"current", codeAt(step), step},
		{"one step early", codeAt(step - 1), step - 1},
		{"one step late", codeAt(step + 1), step + 1},
		{"two steps early", codeAt(step - 2), 0},
		{"two steps late", codeAt(step + 2), 0},
		{"empty", "", 0},
		{"five digits", codeAt(step)[:5], 0},
		{"seven digits", codeAt(step) + "0", 0},
		{"letters", "abcdef", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := matchTOTP(rfcSecret, tc.code, now); got != tc.want {
				t.Errorf("matchTOTP(%q) = %d, want %d", tc.code, got, tc.want)
			}
		})
	}
	if got := matchTOTP("not base32 !", "123456", now); got != 0 {
		t.Errorf("bad secret matched step %d", got)
	}
}

func TestNewTOTPSecret(t *testing.T) {
	t.Parallel()
	secret, raw, err := NewTOTPSecret("ops@example.com")
	if err != nil {
		t.Fatal(err)
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil || len(key) < 20 {
		t.Fatalf("secret %q: %d bytes, %v; want ≥ 20 bytes of base32", secret, len(key), err)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" {
		t.Fatalf("url %q", raw)
	}
	q := u.Query()
	for k, want := range map[string]string{"secret": secret, "issuer": "Silkgate", "period": "30", "digits": "6", "algorithm": "SHA1"} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	other, _, _ := NewTOTPSecret("ops@example.com")
	if other == secret {
		t.Error("two secrets are equal")
	}
}
