package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/crypto/argon2"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Argon2Params are the Argon2id cost parameters.
type Argon2Params struct {
	Time      uint32
	MemoryKiB uint32
	Threads   uint8
}

// DefaultArgon2 is RFC 9106's second recommended option (64 MiB, 3 passes),
// with lanes matching the small machines we target.
var DefaultArgon2 = Argon2Params{Time: 3, MemoryKiB: 64 * 1024, Threads: 2}

const (
	argonKeyLen = 32
	saltLen     = 16
)

// MinPasswordLen is the policy's minimum length.
const MinPasswordLen = 10

// Bounds on the parameters a stored hash may name. A hash is data read back
// from the store: parameters outside these bounds would make Argon2 panic
// (zero passes or lanes) or allocate without limit (memory), so such a hash
// is refused as malformed instead of being computed.
const (
	maxArgonMemoryKiB = 4 * 1024 * 1024 // 4 GiB
	maxArgonTime      = 64
	minArgonKeyLen    = 16
	maxArgonKeyLen    = 128
	minSaltLen        = 8
	maxSaltLen        = 64
)

// MaxPasswordLen bounds a password; longer input is refused before it is
// hashed.
const MaxPasswordLen = 1024

var errBadParams = errors.New("identity: argon2 parameters out of range")

func (p Argon2Params) valid() bool {
	return p.Time >= 1 && p.Time <= maxArgonTime && p.Threads >= 1 &&
		p.MemoryKiB >= 8*uint32(p.Threads) && p.MemoryKiB <= maxArgonMemoryKiB
}

// HashPassword returns an Argon2id hash in the PHC string format, so the
// parameters travel with the hash and can be raised later.
func HashPassword(pw string, p Argon2Params) (string, error) {
	if !p.valid() {
		return "", errBadParams
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

var errBadHash = errors.New("identity: malformed password hash")

// parseUint reads the decimal value of "name=digits", strictly: no sign, no
// spaces, no trailing text.
func parseUint(kv, name string, bits int) (uint64, bool) {
	v, ok := strings.CutPrefix(kv, name+"=")
	if !ok || v == "" || len(v) > 10 {
		return 0, false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(v, 10, bits)
	return n, err == nil
}

// parseHash splits a PHC Argon2id hash into its parameters, salt and key,
// refusing anything it would be unsafe to compute.
func parseHash(hash string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	if v, ok := parseUint(parts[2], "v", 32); !ok || v != argon2.Version {
		return p, nil, nil, errBadHash
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return p, nil, nil, errBadHash
	}
	m, ok1 := parseUint(kv[0], "m", 32)
	t, ok2 := parseUint(kv[1], "t", 32)
	th, ok3 := parseUint(kv[2], "p", 8)
	if !ok1 || !ok2 || !ok3 {
		return p, nil, nil, errBadHash
	}
	p = Argon2Params{Time: uint32(t), MemoryKiB: uint32(m), Threads: uint8(th)}
	if !p.valid() {
		return p, nil, nil, errBadHash
	}
	salt, err := base64.RawStdEncoding.Strict().DecodeString(parts[4])
	if err != nil || len(salt) < minSaltLen || len(salt) > maxSaltLen {
		return p, nil, nil, errBadHash
	}
	// An empty key would compare equal to an empty result and accept any
	// password; a short one is not a hash we wrote.
	key, err := base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if err != nil || len(key) < minArgonKeyLen || len(key) > maxArgonKeyLen {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}

// VerifyPassword checks pw against a PHC Argon2id hash in constant time. A
// malformed hash is an error, never a match and never a panic.
func VerifyPassword(hash, pw string) (bool, error) {
	p, salt, want, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// CheckPasswordPolicy enforces the policy: at least 10 characters, three of
// the four character classes, and not containing the e-mail address or its
// local part. field names the input for the error.
func CheckPasswordPolicy(field, pw, email string) error {
	var fs problem.Errors
	if len([]rune(pw)) < MinPasswordLen {
		fs.Add(field, "password_too_short", "min", MinPasswordLen)
	}
	if len(pw) > MaxPasswordLen {
		fs.Add(field, "max_length", "max", MaxPasswordLen)
	}
	var lower, upper, digit, other bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			classes++
		}
	}
	if classes < 3 {
		fs.Add(field, "password_classes")
	}
	lp := strings.ToLower(pw)
	e := strings.ToLower(strings.TrimSpace(email))
	local, _, _ := strings.Cut(e, "@")
	// "wei+shop@…" is still Wei: the part before a +tag counts too.
	untagged, _, _ := strings.Cut(local, "+")
	contains := func(part string) bool { return len(part) >= 3 && strings.Contains(lp, part) }
	if e != "" && (strings.Contains(lp, e) || contains(local) || contains(untagged)) {
		fs.Add(field, "password_contains_email")
	}
	return fs.Err()
}
