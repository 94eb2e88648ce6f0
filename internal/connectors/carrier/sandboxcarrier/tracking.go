package sandboxcarrier

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
)

// Scenario is the course a sandbox parcel takes.
type Scenario string

// The scenarios. Delivered is the normal one.
const (
	Delivered      Scenario = "delivered"
	AddressProblem Scenario = "address_problem"
	CustomsHold    Scenario = "customs_hold"
	Lost           Scenario = "lost"
	Refused        Scenario = "returned"
)

// Scenarios lists every scenario.
var Scenarios = []Scenario{Delivered, AddressProblem, CustomsHold, Lost, Refused}

// Valid reports whether s is a known scenario.
func (s Scenario) Valid() bool {
	for _, v := range Scenarios {
		if s == v {
			return true
		}
	}
	return false
}

// TriggerPostcodes maps the recipient postcodes that trigger a scenario.
var TriggerPostcodes = map[string]Scenario{
	"SBX-ADDRESS": AddressProblem,
	"SBX-CUSTOMS": CustomsHold,
	"SBX-LOST":    Lost,
	"SBX-RETURN":  Refused,
}

// ScenarioFor returns the scenario a recipient postcode triggers.
func ScenarioFor(postcode string) Scenario {
	if s, ok := TriggerPostcodes[strings.ToUpper(strings.TrimSpace(postcode))]; ok {
		return s
	}
	return Delivered
}

// scenarioDigit is the serial's first digit for each exception scenario;
// normal parcels use the others (0, 5–9).
var scenarioDigit = map[Scenario]byte{AddressProblem: '1', CustomsHold: '2', Lost: '3', Refused: '4'}

var normalDigits = []byte("056789")

// Services are the products of the sandbox carrier, by code.
var services = map[string]struct {
	prefix  string
	name    string
	transit [2]int
}{
	"express":  {"EX", "Sandbox Express (EMS)", [2]int{3, 6}},
	"standard": {"LS", "Sandbox Tracked Packet", [2]int{7, 12}},
	"economy":  {"RE", "Sandbox Economy Registered", [2]int{12, 25}},
}

// DefaultService is used when a request names none.
const DefaultService = "standard"

var s10Weights = [8]int{8, 6, 4, 2, 3, 5, 9, 7}

// CheckDigit returns the S10 check digit of an eight-digit serial.
func CheckDigit(serial string) (byte, error) {
	if len(serial) != 8 {
		return 0, fmt.Errorf("sandboxcarrier: serial %q is not 8 digits", serial)
	}
	sum := 0
	for i := 0; i < 8; i++ {
		c := serial[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("sandboxcarrier: serial %q is not 8 digits", serial)
		}
		sum += int(c-'0') * s10Weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return '0', nil
	case 11:
		return '5', nil
	default:
		return byte('0' + c), nil
	}
}

// Number is a parsed tracking number.
type Number struct {
	Service  string
	Serial   string
	Country  string
	Scenario Scenario
}

// ParseNumber checks a tracking number's layout and check digit.
func ParseNumber(s string) (Number, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	bad := func(why string) (Number, error) {
		return Number{}, fmt.Errorf("sandboxcarrier: tracking number %q: %s", s, why)
	}
	if len(s) != 13 {
		return bad("want 13 characters")
	}
	svc := ""
	for code, sv := range services {
		if sv.prefix == s[:2] {
			svc = code
		}
	}
	if svc == "" {
		return bad("unknown service letters")
	}
	if !upper(s[11:]) {
		return bad("country must be two letters")
	}
	want, err := CheckDigit(s[2:10])
	if err != nil {
		return bad("serial must be 8 digits")
	}
	if s[10] != want {
		return bad("check digit does not match")
	}
	n := Number{Service: svc, Serial: s[2:10], Country: s[11:], Scenario: Delivered}
	for sc, d := range scenarioDigit {
		if s[2] == d {
			n.Scenario = sc
		}
	}
	return n, nil
}

// ValidNumber reports whether s is a well-formed sandbox tracking number.
func ValidNumber(s string) bool {
	_, err := ParseNumber(s)
	return err == nil
}

func upper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}

// NewNumber makes the tracking number of a parcel: service letters, a
// serial drawn from seed with the scenario in its first digit, the check
// digit and the origin country.
func NewNumber(service, origin string, sc Scenario, seed []byte) (string, error) {
	sv, ok := services[service]
	if !ok {
		return "", fmt.Errorf("%w %q", errUnknownService, service)
	}
	origin = strings.ToUpper(origin)
	if len(origin) != 2 || !upper(origin) {
		origin = "CN"
	}
	h := sha256.Sum256(seed)
	v := binary.BigEndian.Uint64(h[:8])
	first, ok := scenarioDigit[sc]
	if !ok {
		first = normalDigits[v%uint64(len(normalDigits))]
	}
	serial := string(first) + fmt.Sprintf("%07d", (v/8)%10_000_000)
	c, err := CheckDigit(serial)
	if err != nil {
		return "", err
	}
	return sv.prefix + serial + string(c) + origin, nil
}

// hash64 is a stable 64-bit digest of s.
func hash64(s string) uint64 {
	h := sha256.Sum256([]byte(s))
	return binary.BigEndian.Uint64(h[:8])
}
