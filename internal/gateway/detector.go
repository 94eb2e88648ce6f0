package gateway

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"
)

// Policy tunes the intrusion detector; zero fields take the defaults.
type Policy struct {
	// Threshold failures within Window block a subject (20 in 60 s).
	Threshold int
	Window    time.Duration
	// Cooldown is the first block's length (15 min); each further block
	// within Memory of the previous one doubles it, up to MaxCooldown
	// (24 h).
	Cooldown    time.Duration
	MaxCooldown time.Duration
	Memory      time.Duration
	// Exempt lists source networks never blocked (their failures still
	// count against keys). Nil means loopback; an empty, non-nil slice
	// exempts nothing.
	Exempt []netip.Prefix
}

func (p Policy) withDefaults() Policy {
	if p.Threshold <= 0 {
		p.Threshold = 20
	}
	if p.Window <= 0 {
		p.Window = time.Minute
	}
	if p.Cooldown <= 0 {
		p.Cooldown = 15 * time.Minute
	}
	if p.MaxCooldown <= 0 {
		p.MaxCooldown = 24 * time.Hour
	}
	if p.Memory <= 0 {
		p.Memory = 24 * time.Hour
	}
	if p.Exempt == nil {
		p.Exempt = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	return p
}

// Block is one subject refused for a while.
type Block struct {
	// Subject is "ip:<address or IPv6 /64>" or "key:<key or client id>".
	Subject  string    `json:"subject"`
	Kind     string    `json:"kind"` // "source" or "key"
	Value    string    `json:"value"`
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	Level    int       `json:"level"` // 1 for a first block, 2 after one repeat, …
	Failures int       `json:"failures"`
}

// subject is one counted source or key. fails is a ring of the times of
// the last Threshold failures: the oldest of them being inside the window
// is exactly "Threshold failures within Window".
type subject struct {
	fails     []time.Time
	next      int
	full      bool
	since     time.Time // start of the current block
	until     time.Time // zero when not blocked
	level     int
	lastBlock time.Time
	failures  int // failures that led to the current block
}

// maxSubjects bounds the detector's memory under a spread-out attack.
const maxSubjects = 100_000

// Detector counts failed authentications per subject and blocks subjects
// that fail in bursts. It lives in one node's memory. It is safe for
// concurrent use.
type Detector struct {
	pol Policy
	now func() time.Time

	mu       sync.Mutex // guards subjects and every *subject in it
	subjects map[string]*subject
}

// NewDetector returns a detector with policy p; now may be nil.
func NewDetector(p Policy, now func() time.Time) *Detector {
	if now == nil {
		now = time.Now
	}
	return &Detector{pol: p.withDefaults(), now: now, subjects: map[string]*subject{}}
}

// Policy returns the detector's effective policy.
func (d *Detector) Policy() Policy { return d.pol }

// SourceSubject is the subject a source address is counted as, or "" when
// the address is exempt. IPv6 sources count per /64: one host usually holds
// a whole /64 and could otherwise step past every block.
func (d *Detector) SourceSubject(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "ip:" + ip
	}
	a = a.Unmap().WithZone("")
	for _, p := range d.pol.Exempt {
		if p.Contains(a) {
			return ""
		}
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + a.String()
}

// KeySubject is the subject a key or OAuth client id is counted as.
func KeySubject(id string) string { return "key:" + id }

// Blocked reports until when subj is blocked, if it is.
func (d *Detector) Blocked(subj string) (time.Time, bool) {
	if subj == "" {
		return time.Time{}, false
	}
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.subjects[subj]
	if !ok || s.until.IsZero() {
		return time.Time{}, false
	}
	if !now.Before(s.until) {
		s.until = time.Time{}
		return time.Time{}, false
	}
	return s.until, true
}

// Fail counts one failure against subj. When it completes a burst, subj is
// blocked and the new block is returned with true; the caller raises the
// alarm.
func (d *Detector) Fail(subj string) (Block, bool) {
	if subj == "" {
		return Block{}, false
	}
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.subjects[subj]
	if !ok {
		if len(d.subjects) >= maxSubjects {
			d.sweep(now)
		}
		s = &subject{fails: make([]time.Time, d.pol.Threshold)}
		d.subjects[subj] = s
	}
	if !s.until.IsZero() && now.Before(s.until) {
		// Already blocked: a request in flight when the block began.
		return Block{}, false
	}
	s.until = time.Time{}
	s.fails[s.next] = now
	s.next = (s.next + 1) % len(s.fails)
	if s.next == 0 {
		s.full = true
	}
	if !s.full || now.Sub(s.fails[s.next]) >= d.pol.Window {
		return Block{}, false
	}
	// A burst: block, escalating when the last block was recent.
	if !s.lastBlock.IsZero() && now.Sub(s.lastBlock) < d.pol.Memory {
		s.level++
	} else {
		s.level = 1
	}
	cool := d.pol.Cooldown
	for i := 1; i < s.level && cool < d.pol.MaxCooldown; i++ {
		cool *= 2
	}
	cool = min(cool, d.pol.MaxCooldown)
	s.since, s.until, s.lastBlock, s.failures = now, now.Add(cool), now, d.pol.Threshold
	clear(s.fails)
	s.next, s.full = 0, false
	return blockOf(subj, s), true
}

func blockOf(subj string, s *subject) Block {
	kind, value, _ := strings.Cut(subj, ":")
	if kind == "ip" {
		kind = "source"
	}
	return Block{Subject: subj, Kind: kind, Value: value, Since: s.since, Until: s.until, Level: s.level, Failures: s.failures}
}

// sweep forgets subjects that are neither blocked, nor failing lately, nor
// recent enough to escalate; if that is not enough, it forgets unblocked
// subjects at random. d.mu must be held.
func (d *Detector) sweep(now time.Time) {
	for k, s := range d.subjects {
		last := s.fails[(s.next+len(s.fails)-1)%len(s.fails)]
		if (s.until.IsZero() || !now.Before(s.until)) && now.Sub(last) >= d.pol.Window && now.Sub(s.lastBlock) >= d.pol.Memory {
			delete(d.subjects, k)
		}
	}
	for k, s := range d.subjects {
		if len(d.subjects) < maxSubjects*9/10 {
			break
		}
		if s.until.IsZero() || !now.Before(s.until) {
			delete(d.subjects, k)
		}
	}
}

// Blocks lists the subjects blocked now, the latest first.
func (d *Detector) Blocks() []Block {
	now := d.now()
	d.mu.Lock()
	out := []Block{}
	for k, s := range d.subjects {
		if !s.until.IsZero() && now.Before(s.until) {
			out = append(out, blockOf(k, s))
		}
	}
	d.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Since.Equal(out[j].Since) {
			return out[i].Since.After(out[j].Since)
		}
		return out[i].Subject < out[j].Subject
	})
	return out
}

// Unblock lifts subj's block and forgets its history (an administrator who
// unblocks has judged the failures harmless). It reports whether subj was
// blocked.
func (d *Detector) Unblock(subj string) bool {
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.subjects[subj]
	if !ok {
		return false
	}
	delete(d.subjects, subj)
	return !s.until.IsZero() && now.Before(s.until)
}

// ParseExempt reads a list of networks exempt from source blocks, as
// comma-separated addresses or CIDR blocks. "" means the default
// (loopback); "none" exempts nothing.
func ParseExempt(s string) ([]netip.Prefix, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return nil, nil
	case "none":
		return []netip.Prefix{}, nil
	}
	out := []netip.Prefix{}
	for part := range strings.SplitSeq(s, ",") {
		p, err := parsePrefix(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("gateway: exempt network %q: %w", part, err)
		}
		out = append(out, p)
	}
	return out, nil
}
