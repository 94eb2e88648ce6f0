package gateway

import (
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestDetectorBlocksBurstsAndEscalates(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	d := NewDetector(Policy{Threshold: 5, Window: time.Minute, Cooldown: 10 * time.Minute, MaxCooldown: 30 * time.Minute}, clk.now)
	const s = "ip:203.0.113.9"

	burst := func() (Block, bool) {
		t.Helper()
		for i := range 4 {
			if _, ok := d.Fail(s); ok {
				t.Fatalf("blocked after %d failures", i+1)
			}
			clk.add(time.Second)
		}
		return d.Fail(s)
	}

	// Failures spread wider than the window never block.
	for range 20 {
		if _, ok := d.Fail(s); ok {
			t.Fatal("slow failures blocked the source")
		}
		clk.add(16 * time.Second)
	}
	if _, ok := d.Blocked(s); ok {
		t.Fatal("blocked without a burst")
	}

	clk.add(time.Hour)
	b, ok := burst()
	if !ok || b.Level != 1 || b.Until.Sub(b.Since) != 10*time.Minute || b.Kind != "source" || b.Value != "203.0.113.9" {
		t.Fatalf("first burst: %+v %v", b, ok)
	}
	if until, ok := d.Blocked(s); !ok || !until.Equal(b.Until) {
		t.Fatalf("Blocked = %v %v", until, ok)
	}
	if _, ok := d.Blocked("ip:198.51.100.1"); ok {
		t.Fatal("another source is blocked")
	}
	if got := d.Blocks(); len(got) != 1 || got[0].Subject != s {
		t.Fatalf("Blocks = %+v", got)
	}

	// The block ends on time; a repeat within a day doubles it, up to the cap.
	clk.add(10 * time.Minute)
	if _, ok := d.Blocked(s); ok {
		t.Fatal("still blocked after the cooldown")
	}
	for i, want := range []time.Duration{20 * time.Minute, 30 * time.Minute, 30 * time.Minute} {
		b, ok := burst()
		if !ok || b.Level != i+2 || b.Until.Sub(b.Since) != want {
			t.Fatalf("repeat %d: %+v, want %v", i+1, b, want)
		}
		clk.add(want)
	}
	// After a quiet day the next block starts over.
	clk.add(25 * time.Hour)
	if b, ok := burst(); !ok || b.Level != 1 {
		t.Fatalf("after a quiet day: %+v", b)
	}

	if !d.Unblock(s) {
		t.Fatal("Unblock reported no block")
	}
	if _, ok := d.Blocked(s); ok || len(d.Blocks()) != 0 {
		t.Fatal("still blocked after Unblock")
	}
}

func TestSourceSubject(t *testing.T) {
	t.Parallel()
	d := NewDetector(Policy{}, nil)
	for _, tc := range []struct{ ip, want string }{
		{"203.0.113.9", "ip:203.0.113.9"},
		{"::ffff:203.0.113.9", "ip:203.0.113.9"},
		{"2001:db8:1:2:3:4:5:6", "ip:2001:db8:1:2::/64"},
		{"127.0.0.1", ""},
		{"::1", ""},
	} {
		if got := d.SourceSubject(tc.ip); got != tc.want {
			t.Errorf("SourceSubject(%q) = %q, want %q", tc.ip, got, tc.want)
		}
	}
	none := NewDetector(Policy{Exempt: []netip.Prefix{}}, nil)
	if got := none.SourceSubject("127.0.0.1"); got != "ip:127.0.0.1" {
		t.Errorf("with no exemptions, loopback = %q", got)
	}
}

func TestDetectorMemoryIsBounded(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	d := NewDetector(Policy{Threshold: 2}, clk.now)
	d.Fail("ip:192.0.2.1")
	d.Fail("ip:192.0.2.1") // blocked: must survive the sweep
	for i := range maxSubjects + 10 {
		d.Fail("ip:10." + itoa(i>>16) + "." + itoa((i>>8)&255) + "." + itoa(i&255))
	}
	d.mu.Lock()
	n := len(d.subjects)
	d.mu.Unlock()
	if n > maxSubjects {
		t.Errorf("%d subjects kept", n)
	}
	if _, ok := d.Blocked("ip:192.0.2.1"); !ok {
		t.Error("a blocked subject was forgotten")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestParseAllowedIPs(t *testing.T) {
	t.Parallel()
	got, err := ParseAllowedIPs([]string{"203.0.113.7", "198.51.100.0/24", " 10.1.2.3/8 ", "::ffff:192.0.2.1", "2001:db8::/32", "203.0.113.7"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"203.0.113.7/32", "198.51.100.0/24", "10.0.0.0/8", "192.0.2.1/32", "2001:db8::/32"}
	if d := cmp.Diff(want, formatPrefixes(got)); d != "" {
		t.Errorf("normalised list (-want +got):\n%s", d)
	}
	_, err = ParseAllowedIPs([]string{"10.0.0.0/8", "example.com", "10.0.0.0/33", "fe80::1%eth0"})
	if err == nil {
		t.Fatal("bad entries accepted")
	}
	var fields []string
	pe, _ := problem.As(err)
	for _, f := range pe.Fields {
		fields = append(fields, f.Field)
	}
	if d := cmp.Diff([]string{"allowed_ips[1]", "allowed_ips[2]", "allowed_ips[3]"}, fields); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}

	for _, tc := range []struct {
		list []string
		ip   string
		ok   bool
	}{
		{nil, "203.0.113.7", true},
		{[]string{"203.0.113.0/24"}, "203.0.113.7", true},
		{[]string{"203.0.113.0/24"}, "::ffff:203.0.113.7", true},
		{[]string{"203.0.113.0/24"}, "203.0.114.7", false},
		{[]string{"2001:db8::/32"}, "2001:db8::5", true},
		{[]string{"2001:db8::/32"}, "not-an-ip", false},
	} {
		ps, err := ParseAllowedIPs(tc.list)
		if err != nil {
			t.Fatal(err)
		}
		if got := permits(ps, tc.ip); got != tc.ok {
			t.Errorf("permits(%v, %s) = %v", tc.list, tc.ip, got)
		}
	}
}
