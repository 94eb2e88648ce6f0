package identity

import (
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

func TestHashPasswordFormat(t *testing.T) {
	t.Parallel()
	for _, p := range []Argon2Params{fastArgon2, {Time: 2, MemoryKiB: 16 * 1024, Threads: 2}} {
		h, err := HashPassword(testPassword, p)
		if err != nil {
			t.Fatal(err)
		}
		// PHC string: $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<key>,
		// unpadded standard base64, 16-byte salt and 32-byte key.
		want := regexp.MustCompile(`^\$argon2id\$v=19\$m=` + itoa(p.MemoryKiB) + `,t=` + itoa(p.Time) + `,p=` + itoa(uint32(p.Threads)) +
			`\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
		if !want.MatchString(h) {
			t.Errorf("hash %q does not match %s", h, want)
		}
		parts := strings.Split(h, "$")
		salt, _ := base64.RawStdEncoding.DecodeString(parts[4])
		key, _ := base64.RawStdEncoding.DecodeString(parts[5])
		// The key is Argon2id itself, not some other function.
		if got := argon2.IDKey([]byte(testPassword), salt, p.Time, p.MemoryKiB, p.Threads, 32); string(got) != string(key) {
			t.Error("key is not argon2id(password, salt, params)")
		}
		h2, _ := HashPassword(testPassword, p)
		if h2 == h {
			t.Error("two hashes of one password are equal: salt not random")
		}
	}
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

func TestHashPasswordRefusesBadParams(t *testing.T) {
	t.Parallel()
	for _, p := range []Argon2Params{
		{Time: 0, MemoryKiB: 8192, Threads: 1},
		{Time: 1, MemoryKiB: 8192, Threads: 0},
		{Time: 1, MemoryKiB: 0, Threads: 1},
		{Time: 1, MemoryKiB: 1 << 30, Threads: 1},
	} {
		if _, err := HashPassword("x", p); err == nil {
			t.Errorf("%+v: no error", p)
		}
	}
}

func TestVerifyPassword(t *testing.T) {
	t.Parallel()
	h, err := HashPassword(testPassword, fastArgon2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		pw   string
		want bool
	}{
		{"right", testPassword, true},
		{"wrong", "Test-Passw0rd-2027", false},
		{"case differs", strings.ToLower(testPassword), false},
		{"prefix", testPassword[:len(testPassword)-1], false},
		{"longer", testPassword + "x", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := VerifyPassword(h, tc.pw)
			if err != nil || ok != tc.want {
				t.Errorf("VerifyPassword = %v, %v; want %v", ok, err, tc.want)
			}
		})
	}
	// Parameters travel with the hash: one made with other costs verifies.
	h2, _ := HashPassword(testPassword, Argon2Params{Time: 2, MemoryKiB: 9 * 1024, Threads: 2})
	if ok, err := VerifyPassword(h2, testPassword); !ok || err != nil {
		t.Errorf("hash with other params: %v, %v", ok, err)
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	t.Parallel()
	good, _ := HashPassword(testPassword, fastArgon2)
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	with := func(v, params, s, k string) string { return "$argon2id$" + v + "$" + params + "$" + s + "$" + k }
	for _, tc := range []struct{ name, hash string }{
		{"empty", ""},
		{"plain text", testPassword},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", strings.Replace(good, "argon2id", "argon2i", 1)},
		{"too few parts", "$argon2id$v=19$m=8192,t=1,p=1$" + salt},
		{"too many parts", good + "$x"},
		{"no leading dollar", strings.TrimPrefix(good, "$")},
		{"old version", with("v=16", "m=8192,t=1,p=1", salt, key)},
		{"version junk", with("v=19x", "m=8192,t=1,p=1", salt, key)},
		{"zero passes", with("v=19", "m=8192,t=0,p=1", salt, key)},
		{"zero lanes", with("v=19", "m=8192,t=1,p=0", salt, key)},
		{"zero memory", with("v=19", "m=0,t=1,p=1", salt, key)},
		{"memory below lanes", with("v=19", "m=8,t=1,p=4", salt, key)},
		{"huge memory", with("v=19", "m=4294967295,t=1,p=1", salt, key)},
		{"huge passes", with("v=19", "m=8192,t=4294967295,p=1", salt, key)},
		{"lanes overflow", with("v=19", "m=8192,t=1,p=256", salt, key)},
		{"negative", with("v=19", "m=-8192,t=1,p=1", salt, key)},
		{"params reordered", with("v=19", "t=1,m=8192,p=1", salt, key)},
		{"params trailing junk", with("v=19", "m=8192,t=1,p=1x", salt, key)},
		{"params missing", with("v=19", "m=8192,t=1", salt, key)},
		{"salt not base64", with("v=19", "m=8192,t=1,p=1", "!!!!", key)},
		{"salt too short", with("v=19", "m=8192,t=1,p=1", "c2FsdA", key)},
		{"key not base64", with("v=19", "m=8192,t=1,p=1", salt, "***")},
		// An empty key would equal an empty result for every password.
		{"empty key", with("v=19", "m=8192,t=1,p=1", salt, "")},
		{"short key", with("v=19", "m=8192,t=1,p=1", salt, "AAAA")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			for _, pw := range []string{testPassword, "", "anything"} {
				ok, err := VerifyPassword(tc.hash, pw)
				if ok || err == nil {
					t.Errorf("VerifyPassword(%q, %q) = %v, %v; want false and an error", tc.hash, pw, ok, err)
				}
			}
			// Refused before any work: no multi-gigabyte allocation.
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	const email = "Maria.Lopez+shop@Example.com"
	for _, tc := range []struct {
		name  string
		pw    string
		email string
		codes []string // expected field codes, in order
	}{
		{"good", "Abcdefgh12", email, nil},
		{"good with symbols", "correct horse battery staple 7!", email, nil},
		{"good non-latin", "Пароль-2026", email, nil},
		{"nine characters", "Abcdef12!", email, []string{"password_too_short"}},
		{"ten runes not bytes", "密码密码密码密码A1", email, nil},
		{"two classes lower digit", "abcdefgh1234", email, []string{"password_classes"}},
		{"two classes upper lower", "Abcdefghijkl", email, []string{"password_classes"}},
		{"one class", "aaaaaaaaaaaa", email, []string{"password_classes"}},
		{"short and one class", "abc", email, []string{"password_too_short", "password_classes"}},
		{"too long", strings.Repeat("Aa1!", 300), email, []string{"max_length"}},
		{"whole e-mail", "X1!" + email, email, []string{"password_contains_email"}},
		{"whole e-mail other case", "X1!" + strings.ToUpper(email), email, []string{"password_contains_email"}},
		{"local part", "MARIA.LOPEZ+SHOP-2026", email, []string{"password_contains_email"}},
		{"local part without tag", "Maria.Lopez-2026!", email, []string{"password_contains_email"}},
		{"local part mixed case", "mArIa.LoPeZ-2026!", email, []string{"password_contains_email"}},
		{"domain only is fine", "Example.com-2026", email, nil},
		{"short local part ignored", "Ab-12345678", "ab@example.com", nil},
		{"no e-mail", "Abcdefgh12", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, field := range []string{"password", "new_password"} {
				err := CheckPasswordPolicy(field, tc.pw, tc.email)
				if tc.codes == nil {
					if err != nil {
						t.Fatalf("%s: %v", field, err)
					}
					continue
				}
				if err == nil {
					t.Fatalf("%s: accepted", field)
				}
				for _, c := range tc.codes {
					wantField(t, err, field, c)
				}
				pe, _ := problem.As(err)
				if len(pe.Fields) != len(tc.codes) {
					t.Errorf("%s: fields %+v, want codes %v", field, pe.Fields, tc.codes)
				}
			}
		})
	}
}
