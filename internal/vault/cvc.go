package vault

import (
	"sync"
	"time"
)

// DefaultCVCTTL is how long a security code entered with a card is held
// for the authorisation it was entered for.
const DefaultCVCTTL = 10 * time.Minute

// cvcCache holds security codes in memory only, keyed by partition and
// token, for the one authorisation they serve (PCI DSS 3.3.1.2 forbids
// keeping them after authorisation). A code is wiped when it is taken,
// when its card is deleted, or when its time runs out, whichever comes
// first. Nothing here is ever written to the store, a log or a backup.
//
// Go cannot promise a byte slice was never copied by the runtime; the
// wipe zeroes the one copy the cache owns so that it does not linger
// until the garbage collector reuses the memory.
type cvcCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]*heldCVC // guarded by mu
}

type heldCVC struct {
	code  []byte
	timer *time.Timer
}

func newCVCCache(ttl time.Duration) *cvcCache {
	if ttl <= 0 {
		ttl = DefaultCVCTTL
	}
	return &cvcCache{ttl: ttl, m: map[string]*heldCVC{}}
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

// put holds code for key, replacing (and wiping) any code held before.
func (c *cvcCache) put(key, code string) {
	h := &heldCVC{code: []byte(code)}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropLocked(key)
	c.m[key] = h
	h.timer = time.AfterFunc(c.ttl, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.m[key] == h {
			c.dropLocked(key)
		}
	})
}

// take returns the code held for key and forgets it: a code serves one
// authorisation.
func (c *cvcCache) take(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.m[key]
	if !ok {
		return "", false
	}
	code := string(h.code)
	c.dropLocked(key)
	return code, true
}

// drop wipes and forgets the code held for key, if any.
func (c *cvcCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropLocked(key)
}

func (c *cvcCache) dropLocked(key string) {
	if h, ok := c.m[key]; ok {
		h.timer.Stop()
		wipe(h.code)
		delete(c.m, key)
	}
}

// len is the number of codes held, for tests.
func (c *cvcCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
