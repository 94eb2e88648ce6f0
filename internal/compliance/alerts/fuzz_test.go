package alerts

import (
	"slices"
	"strings"
	"testing"
)

// FuzzSubscriptionValidate feeds arbitrary lists to the validator: it must
// never panic, and what it accepts must validate again unchanged (the
// normalisation is stable) and hold only known channels and bare
// addresses.
func FuzzSubscriptionValidate(f *testing.F) {
	f.Add("EU,us", "toys", "in_app,email", "ops@example.com")
	f.Add("GLOBAL", "", "webhook", "")
	f.Add("us-ca,DE", "cosmetics,toys", "email", "A@B.example,a@b.example")
	f.Add("XX", "nope", "sms", "Bob <bob@example.com>")
	f.Add("EU", "", "email", "a@example.com\r\nBcc: x@example.com")
	f.Fuzz(func(t *testing.T, markets, categories, channels, emails string) {
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, ",")
		}
		s := Subscription{Markets: split(markets), Categories: split(categories), Channels: split(channels), Emails: split(emails)}
		if err := s.Validate(); err != nil {
			return
		}
		again := s
		again.Markets, again.Categories = slices.Clone(s.Markets), slices.Clone(s.Categories)
		again.Channels, again.Emails = slices.Clone(s.Channels), slices.Clone(s.Emails)
		if err := again.Validate(); err != nil {
			t.Fatalf("accepted %+v, then refused it: %v", s, err)
		}
		if !slices.Equal(again.Markets, s.Markets) || !slices.Equal(again.Emails, s.Emails) || !slices.Equal(again.Channels, s.Channels) {
			t.Fatalf("normalisation not stable: %+v then %+v", s, again)
		}
		for _, c := range s.Channels {
			if !slices.Contains(Channels, c) {
				t.Fatalf("accepted channel %q", c)
			}
		}
		for _, e := range s.Emails {
			if strings.ContainsAny(e, "\r\n<>, ") {
				t.Fatalf("accepted address %q", e)
			}
		}
	})
}

// FuzzParseSMTP must never panic on a setting, and an accepted one names a
// host and port.
func FuzzParseSMTP(f *testing.F) {
	f.Add("smtp://user:pass@mail.example.com:587", "alerts@example.com")
	f.Add("smtps://mail.example.com", "Silkgate <alerts@example.com>")
	f.Add("smtp://[::1]:25", "a@b")
	f.Add("smtp://:0", "")
	f.Fuzz(func(t *testing.T, raw, from string) {
		m, err := parseSMTP(raw, from)
		if err != nil {
			return
		}
		if m.host == "" || !strings.Contains(m.addr, ":") {
			t.Fatalf("accepted %q as %+v", raw, m)
		}
	})
}
