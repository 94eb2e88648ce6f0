// Package ids makes the identifiers Silkgate hands out: a short type prefix
// and a time-ordered random part, so ids sort by creation (cursor
// pagination relies on it) and never reveal a count.
package ids

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"strings"
	"sync"
	"time"
)

var enc = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// monotonic guards the last timestamp so ids made in the same millisecond
// by one process still sort in the order they were made.
var (
	mu   sync.Mutex
	last uint64
)

// New returns prefix + "_" + 26 characters: milliseconds and a 16-bit
// sequence in 64 bits, then 64 random bits.
func New(prefix string) string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	mu.Lock()
	if ms<<16 <= last {
		last++
	} else {
		last = ms << 16
	}
	v := last
	mu.Unlock()
	binary.BigEndian.PutUint64(b[:8], v)
	rand.Read(b[8:])
	return prefix + "_" + enc.EncodeToString(b[:])
}

// Secret returns n random bytes encoded in base32 (lower case), for tokens
// and keys.
func Secret(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.ToLower(enc.EncodeToString(b))
}
